// Command invoke runs one of Intake's Lambda functions on this machine against a sample event,
// as `sam local invoke` would, and prints its response: it builds functions/<fn> for this
// machine, serves it the Lambda Runtime API and hands it the event.
//
//	go run ./internal/lambdatest/cmd/invoke -fn webform -event events/webform-post-json.json
//
// The function sees the environment Lambda gives it, plus every INTAKE_* and AWS_* variable
// of this shell (so AWS_ENDPOINT_URL can point it at moto_server) and each -env NAME=value.
// Its own log lines go to stderr; the response goes to stdout. The exit status is 1 if the
// function reports an error.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/council/intake/internal/lambdatest"
)

// functionsPkg is where each function's main package lives.
const functionsPkg = "github.com/council/intake/functions/"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := realMain(ctx, os.Args[1:], os.Environ(), os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "invoke:", err)
		os.Exit(1)
	}
}

type envFlags []string

func (e *envFlags) String() string { return strings.Join(*e, " ") }

func (e *envFlags) Set(v string) error {
	if name, _, ok := strings.Cut(v, "="); !ok || name == "" {
		return errors.New("want NAME=value")
	}
	*e = append(*e, v)
	return nil
}

var fnName = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)

func realMain(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("invoke", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fn := fs.String("fn", "", "the function: a directory under functions/, e.g. webform")
	eventPath := fs.String("event", "", "the event file, e.g. events/webform-post-json.json")
	binary := fs.String("binary", "", "run this binary (built for this machine) instead of building functions/<fn>")
	timeout := fs.Duration("timeout", 30*time.Second, "the invocation's timeout")
	signSocial := fs.String("sign-social", "", "sign the HTTP event afresh for the social function, as monitor=secret")
	var env envFlags
	fs.Var(&env, "env", "NAME=value to add to the function's environment (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !fnName.MatchString(*fn) || *eventPath == "" {
		fs.Usage()
		return errors.New("-fn and -event are required")
	}
	event, err := os.ReadFile(*eventPath)
	if err != nil {
		return err
	}
	if *signSocial != "" {
		monitor, secret, ok := strings.Cut(*signSocial, "=")
		if !ok {
			return errors.New("-sign-social wants monitor=secret")
		}
		if event, err = lambdatest.SignSocial(event, monitor, secret, time.Now()); err != nil {
			return err
		}
	}

	path := *binary
	if path == "" {
		dir, err := os.MkdirTemp("", "invoke-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, *fn, "bootstrap")
		if err := lambdatest.Compile(functionsPkg+*fn, path); err != nil {
			return err
		}
	}

	f, err := lambdatest.Launch(path, append(passThrough(environ), env...), stderr)
	if err != nil {
		return err
	}
	defer f.Close()
	f.Timeout = *timeout
	resp, err := f.Invoke(ctx, event)
	var fe *lambdatest.FunctionError
	if errors.As(err, &fe) && len(fe.Payload) > 0 {
		stdout.Write(indent(fe.Payload))
		return err
	}
	if err != nil {
		return err
	}
	_, err = stdout.Write(indent(resp))
	return err
}

// passThrough picks the shell's INTAKE_* and AWS_* variables, but never the Lambda runtime's
// own (AWS_LAMBDA_*), which the harness sets.
func passThrough(environ []string) []string {
	var out []string
	for _, kv := range environ {
		if (strings.HasPrefix(kv, "INTAKE_") || strings.HasPrefix(kv, "AWS_")) && !strings.HasPrefix(kv, "AWS_LAMBDA_") {
			out = append(out, kv)
		}
	}
	return out
}

// indent pretty-prints a JSON response, and leaves anything else as it is.
func indent(b []byte) []byte {
	var out bytes.Buffer
	if json.Indent(&out, b, "", "  ") != nil {
		return append(b, '\n')
	}
	out.WriteByte('\n')
	return out.Bytes()
}

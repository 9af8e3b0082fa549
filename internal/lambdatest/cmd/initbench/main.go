// Command initbench measures how long each of Intake's Lambda functions takes to initialise,
// against the smallest aws-lambda-go function (testdata/hello) under the same harness: from
// just before the process starts until it first asks the Runtime API for an invocation
// (GET /2018-06-01/runtime/invocation/next), package initialisers and main's work before
// lambda.Start included. It builds every function for this machine as lambdatest.Compile
// does, starts each one many times, interleaved so that a busy machine slows them alike, and
// prints each one's median and its ratio to hello's. `make bench` runs it.
//
//	go run ./internal/lambdatest/cmd/initbench -runs 60
//
// Each function is given the settings it cannot start without (setup's *Settings), with
// placeholder values: nothing it does before its first invocation may need AWS.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/council/intake/internal/lambdatest"
)

// hello is the yardstick's package.
const hello = "github.com/council/intake/internal/lambdatest/testdata/hello"

// functions are the functions measured, each with the settings it needs to start: the
// template's values, made up.
var functions = []struct {
	name string
	env  []string
}{
	{"webform", nil},
	{"notifier", sideEffects},
	{"reminders", sideEffects},
	{"email", []string{"INTAKE_MAIL_BUCKET=intake-mail-bench"}},
	{"officer", []string{
		"INTAKE_MAIL_BUCKET=intake-mail-bench",
		"INTAKE_STAFF=complaints@example.gov.uk=admin,waste.team@example.gov.uk=officer:bins-and-recycling",
		"INTAKE_CONSOLE_URL=https://intake.example.gov.uk",
		"INTAKE_SESSION_KEY_PARAMETER=/intake-bench/session-key",
		"INTAKE_SIGNIN_LINK_KEY=arn:aws:kms:eu-west-2:123456789012:key/intake-bench",
	}},
	{"social", []string{"INTAKE_SOCIAL_SECRETS=bench-monitor=bench-secret-0123456789abcdef0123"}},
}

var sideEffects = []string{
	"INTAKE_SCHEDULE_GROUP=intake-reminders-bench",
	"INTAKE_REMINDER_TARGET_ARN=arn:aws:lambda:eu-west-2:123456789012:function:intake-reminders",
	"INTAKE_SCHEDULER_ROLE_ARN=arn:aws:iam::123456789012:role/intake-scheduler",
	"INTAKE_SCHEDULE_DLQ_ARN=arn:aws:sqs:eu-west-2:123456789012:intake-dead-letters",
	// The notifier opens sign-in links sealed with this key (never at start-up).
	"INTAKE_SIGNIN_LINK_KEY=arn:aws:kms:eu-west-2:123456789012:key/intake-bench",
}

// common is what every function is given: the table and the sender, and an endpoint nothing
// listens on, so that a call to AWS during initialisation fails rather than leaves the machine.
var common = []string{
	"INTAKE_TABLE=intake-cases-bench",
	"INTAKE_FROM_ADDRESS=Example District Council <feedback@intake.example.gov.uk>",
	"AWS_ENDPOINT_URL=http://127.0.0.1:9",
}

func main() {
	if err := realMain(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "initbench:", err)
		os.Exit(1)
	}
}

func realMain(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("initbench", flag.ContinueOnError)
	runs := fs.Int("runs", 60, "starts of each function")
	only := fs.String("functions", "", "measure only these functions (comma-separated; default all)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *runs < 1 {
		return errors.New("-runs must be at least 1")
	}
	dir, err := os.MkdirTemp("", "initbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	type subject struct {
		name, binary string
		env          []string
		times        []time.Duration
	}
	subjects := []*subject{{name: "hello", binary: filepath.Join(dir, "hello", "bootstrap")}}
	if err := lambdatest.Compile(hello, subjects[0].binary); err != nil {
		return err
	}
	for _, fn := range functions {
		if *only != "" && !slices.Contains(strings.Split(*only, ","), fn.name) {
			continue
		}
		s := &subject{name: fn.name, binary: filepath.Join(dir, fn.name, "bootstrap"), env: append(slices.Clone(common), fn.env...)}
		if err := lambdatest.Compile("github.com/council/intake/functions/"+fn.name, s.binary); err != nil {
			return err
		}
		subjects = append(subjects, s)
	}
	// One start of each, not counted: the binaries' pages come into the cache.
	for round := -1; round < *runs; round++ {
		for _, s := range subjects {
			d, err := initOnce(ctx, s.binary, s.env)
			if err != nil {
				return err
			}
			if round >= 0 {
				s.times = append(s.times, d)
			}
		}
	}
	base := median(subjects[0].times)
	fmt.Fprintf(out, "init (process start to the first GET /runtime/invocation/next), median of %d interleaved starts, %s/%s (target: 1.5 × hello each):\n",
		*runs, runtime.GOOS, runtime.GOARCH)
	for _, s := range subjects {
		m := median(s.times)
		ratio := ""
		if s != subjects[0] {
			ratio = fmt.Sprintf("  %.2f × hello", float64(m)/float64(base))
		}
		fmt.Fprintf(out, "  %-10s %6.2f ms (p10 %.2f, p90 %.2f)%s\n", s.name, ms(m), ms(percentile(s.times, 10)), ms(percentile(s.times, 90)), ratio)
	}
	return nil
}

// initOnce starts binary, waits for it to ask for its first invocation and stops it.
func initOnce(ctx context.Context, binary string, env []string) (time.Duration, error) {
	fn, err := lambdatest.Launch(binary, env, nil)
	if err != nil {
		return 0, err
	}
	defer fn.Close()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	d, err := fn.Init(ctx)
	if err != nil {
		return 0, fmt.Errorf("%w\n%s", err, strings.TrimSpace(fn.Output()))
	}
	return d, nil
}

func median(ds []time.Duration) time.Duration { return percentile(ds, 50) }

// percentile is the p-th percentile of ds, nearest rank.
func percentile(ds []time.Duration, p int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p+99)/100 - 1
	return s[max(i, 0)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

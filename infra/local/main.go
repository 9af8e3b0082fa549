// Command local runs the whole of Intake on one machine with no AWS account: every route of
// template.yaml served by net/http, the embedded store, the local outbox and the local scheduler,
// with all data under one directory.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"
)

func main() {
	// The runner's heap is small (the store's data is mapped from its file, not held on the
	// heap), so at the collector's default pace it collects many times a second under load; a
	// slower pace costs a few megabytes and saves that CPU. GOGC, when set, still decides.
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(400)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "intake:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("local", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o Options
	fs.StringVar(&o.Addr, "addr", "127.0.0.1:3000", "address to listen on")
	fs.StringVar(&o.Data, "data", "./.intake", "directory for the store, the outbox and the schedules")
	fs.StringVar(&o.Now, "now", "", "start a fixed clock at this RFC 3339 instant, e.g. 2026-12-21T10:00:00Z (default: the real clock)")
	fs.StringVar(&o.SMTP, "smtp", "127.0.0.1:2525", `address for the local SMTP listener that takes inbound mail ("" for none)`)
	fs.StringVar(&o.APITokens, "api-tokens", "", "bearer tokens for the officer API, token=email,… (added to INTAKE_API_TOKENS)")
	fs.DurationVar(&o.ReadTimeout, "read-timeout", time.Minute, "how long a client may take to send a whole request")
	fs.StringVar(&o.SocialSecrets, "social-secrets", "", "signing secrets of social-media monitoring tools, monitor=secret,… (added to INTAKE_SOCIAL_SECRETS)")
	fs.BoolVar(&o.Public, "public", false, "allow an -addr other machines can reach (the outbox shows sign-in links to anyone who can reach it)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	srv, err := New(ctx, o, os.LookupEnv, stderr)
	if err != nil {
		return err
	}
	defer srv.Close()
	return srv.ListenAndServe(ctx, stdout)
}

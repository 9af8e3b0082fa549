// Command soak shows Intake whole under the conditions it meets in AWS: it drives a mix of
// traffic through every entry point of the local runner (the web form and the JSON API, email
// by SMTP and by the email function's code path, signed social posts, officers' actions,
// restriction decisions, the clock moving through deadlines and review dates), delivers every
// one of them 1–3 times in any order, redelivers the stream's records and the reminders, kills
// the runner with SIGKILL at random moments and restarts it on the same data, and has the
// runner's store, mailer, scheduler and blob ports fail at a set rate (INTAKE_FAULTS). Then it
// audits the data directory: every item accepted stored once; every letter recorded as sent in
// the outbox once, every one not sent recorded with its reason; nothing pending; no reminder
// left pointing at a closed case or a lifted restriction. It ends with one line:
//
//	soak: deliveries=N redeliveries=N kills=N faults=20% stored=N lost=0 duplicated=0 stuck=0 orphaned=0 p99_ms=N
//
// and exits non-zero, listing what it found, if anything was lost, duplicated, stuck or
// orphaned. `make soak` runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/council/intake/internal/soak"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg Config
	var faults, runnerLog string
	fs.IntVar(&cfg.Deliveries, "deliveries", 2000, "deliveries to send (each then repeated 0–2 times)")
	fs.StringVar(&faults, "faults", "20%", "share of port calls that fail, as 20% or 0.2")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "seed of the traffic, the kills and the faults")
	fs.IntVar(&cfg.Kills, "kills", 0, "times to kill the runner (default one per 400 deliveries)")
	fs.IntVar(&cfg.Workers, "workers", 6, "deliveries sent at once")
	fs.StringVar(&runnerLog, "runner-log", "", "file to write the runner's log to (default: discarded)")
	fs.StringVar(&cfg.Data, "data", "", "data directory, kept for a look afterwards (default: a fresh one, removed)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var err error
	if cfg.Faults, err = soak.ParseRate(faults); err != nil {
		return err
	}
	if runnerLog != "" {
		f, err := os.Create(runnerLog)
		if err != nil {
			return err
		}
		defer f.Close()
		cfg.RunnerLog = f
	}
	cfg.Progress = stderr
	res, err := Run(ctx, cfg)
	if err != nil {
		return err
	}
	for _, f := range res.Findings() {
		fmt.Fprintln(stdout, f)
	}
	fmt.Fprintln(stdout, res.Line())
	if !res.OK() {
		return fmt.Errorf("soak: %d findings", len(res.Findings()))
	}
	return nil
}

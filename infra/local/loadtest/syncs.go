package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
)

// The durable syncs a complaint costs, counted with strace.

// countSyncs prints the durable syncs per complaint at 1 and 64 clients, counted with strace
// when it is installed.
func countSyncs(ctx context.Context, o options, work string, out io.Writer) error {
	if _, err := exec.LookPath("strace"); err != nil {
		fmt.Fprintln(out, "\ndurable syncs per complaint: strace is not installed; not counted")
		return nil
	}
	fmt.Fprintf(out, "\ndurable syncs per complaint (strace: fsync + fdatasync by the runner, start-up and shut-down subtracted):\n")
	for _, n := range []int{1, 64} {
		per, err := syncsPerComplaint(ctx, o, filepath.Join(work, "strace-"+strconv.Itoa(n)), n)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "  %2d client(s): %.2f\n", n, per)
	}
	return nil
}

// syncsPerComplaint counts the runner's fsync and fdatasync calls while it takes 500 complaints
// from n clients, minus those of starting and stopping it with nothing to do.
func syncsPerComplaint(ctx context.Context, o options, dir string, n int) (float64, error) {
	idle, err := straceSyncs(ctx, o.runner, dir+"-idle", func(string) error { return nil })
	if err != nil {
		return 0, err
	}
	const complaints = 500
	busy, err := straceSyncs(ctx, o.runner, dir, func(base string) error {
		_, _, err := load(ctx, base, n, 0, 0, complaints)
		return err
	})
	if err != nil {
		return 0, err
	}
	return float64(busy-idle) / complaints, nil
}

var straceCalls = regexp.MustCompile(`(?m)^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(fsync|fdatasync)$`)

func straceSyncs(ctx context.Context, bin, dir string, work func(base string) error) (int, error) {
	summary := dir + ".strace"
	r, err := startRunner("strace", dir, []string{"-f", "--seccomp-bpf", "-c", "-e", "trace=fsync,fdatasync", "-o", summary, bin})
	if err != nil {
		return 0, err
	}
	werr := work(r.base)
	r.stop()
	if werr != nil {
		return 0, werr
	}
	b, err := os.ReadFile(summary)
	if err != nil {
		return 0, fmt.Errorf("read strace summary: %w", err)
	}
	total := 0
	for _, m := range straceCalls.FindAllStringSubmatch(string(b), -1) {
		n, _ := strconv.Atoi(m[1])
		total += n
	}
	return total, nil
}

// runner is a started local runner.
type runner struct {
	base string
	cmd  *exec.Cmd
}

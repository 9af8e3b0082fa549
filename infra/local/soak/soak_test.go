package main

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestSoak_Short is the soak inside `make test`: over 500 deliveries through every entry point,
// each delivered 1–3 times, with a fifth of the runner's port calls failing and the runner
// killed twice, then the audit. The traffic, the kills' places among it and the faults come
// from fixed seeds; what the audit holds to does not depend on timing.
func TestSoak_Short(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the local runner and drives it for about a minute")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	var log strings.Builder
	res, err := Run(ctx, Config{Deliveries: 520, Faults: 0.2, Seed: 24, Kills: 2, Workers: 6, Progress: &log})
	if err != nil {
		t.Fatalf("soak: %v\n%s", err, log.String())
	}
	t.Log(res.Line())
	for _, f := range res.Findings() {
		t.Error(f)
	}
	if res.Deliveries < 500 || res.Redeliveries == 0 || res.Kills < 2 || res.Stored == 0 {
		t.Errorf("the soak did too little to count: %s", res.Line())
	}
}

// TestResult_Line is the line a machine reads, and what fails a run.
func TestResult_Line(t *testing.T) {
	tests := []struct {
		res  Result
		line string
		ok   bool
	}{
		{Result{Deliveries: 10000, Redeliveries: 9871, Kills: 25, Faults: 0.2, Stored: 5000, P99: 41 * time.Millisecond},
			"soak: deliveries=10000 redeliveries=9871 kills=25 faults=20% stored=5000 lost=0 duplicated=0 stuck=0 orphaned=0 p99_ms=41", true},
		{Result{Deliveries: 5, Faults: 0.05, Lost: []string{"a"}, Orphaned: []string{"b", "c"}},
			"soak: deliveries=5 redeliveries=0 kills=0 faults=5% stored=0 lost=1 duplicated=0 stuck=0 orphaned=2 p99_ms=0", false},
		{Result{Duplicated: []string{"a"}}, "soak: deliveries=0 redeliveries=0 kills=0 faults=0% stored=0 lost=0 duplicated=1 stuck=0 orphaned=0 p99_ms=0", false},
		{Result{Stuck: []string{"a"}}, "soak: deliveries=0 redeliveries=0 kills=0 faults=0% stored=0 lost=0 duplicated=0 stuck=1 orphaned=0 p99_ms=0", false},
	}
	for _, tt := range tests {
		if got := tt.res.Line(); got != tt.line {
			t.Errorf("Line() = %q\nwant      %q", got, tt.line)
		}
		if tt.res.OK() != tt.ok {
			t.Errorf("%s: OK() = %v, want %v", tt.line, tt.res.OK(), tt.ok)
		}
	}
}

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

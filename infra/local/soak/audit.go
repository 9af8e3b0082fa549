package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/council/intake/internal/boltstore"
	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/localsched"
	"github.com/council/intake/internal/outbox"
	"github.com/council/intake/internal/soak"
)

// finish lets the runner catch up and audits; then moves the clock on past every deadline and
// restriction review date and audits again, so that the reminders are audited too.
func (d *driver) finish() (*soak.Result, error) {
	rng := rand.New(rand.NewPCG(d.cfg.Seed, 25))
	res := &soak.Result{Faults: d.cfg.Faults}
	if err := d.settle(rng); err != nil {
		return nil, err
	}
	d.r.stop()
	if err := d.audit(res); err != nil {
		return nil, err
	}
	if err := d.r.start(d.clockNow()); err != nil {
		return nil, err
	}
	for range 15 {
		if err := d.advance(rng, 14*24*time.Hour); err != nil {
			return nil, err
		}
	}
	if err := d.settle(rng); err != nil {
		return nil, err
	}
	d.r.stop()
	final := &soak.Result{Faults: d.cfg.Faults}
	if err := d.audit(final); err != nil {
		return nil, err
	}
	res.Merge(final)
	res.Stuck = append(final.Stuck, d.unsettled...)
	res.Deliveries, res.Redeliveries, res.Kills = d.deliveries.Load(), d.redeliveries.Load(), d.kills.Load()
	d.mu.Lock()
	res.P99 = soak.P99(d.latencies)
	d.mu.Unlock()
	return res, nil
}

// audit reads the stopped runner's data directory itself: the store, its schedules and the
// outbox's file, line by line (the outbox answers a key it has sent with the first letter, so
// a second line for a key would be a second letter sent).
func (d *driver) audit(res *soak.Result) error {
	ctx := context.Background()
	clk := clock.NewFixed(d.clockNow())
	st, err := boltstore.Open(d.cfg.Data, clk)
	if err != nil {
		return fmt.Errorf("soak: audit: %w", err)
	}
	defer st.Close()
	var state soak.State
	if err := state.ReadStore(ctx, st); err != nil {
		return err
	}
	if state.Letters, err = outboxLines(d.cfg.Data); err != nil {
		return err
	}
	sc, err := localsched.Open(st, clk)
	if err != nil {
		return err
	}
	state.Reminders = sc.List()
	soak.Audit(res, state, d.items)
	return nil
}

// outboxLines reads the outbox's file, each letter by its key.
func outboxLines(dir string) (map[string][]outbox.Sent, error) {
	f, err := os.Open(filepath.Join(dir, "outbox.jsonl"))
	if os.IsNotExist(err) {
		return map[string][]outbox.Sent{}, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string][]outbox.Sent{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var s outbox.Sent
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			return nil, fmt.Errorf("soak: audit: outbox line: %w", err)
		}
		if s.Key != "" {
			out[s.Key] = append(out[s.Key], s)
		}
	}
	return out, sc.Err()
}

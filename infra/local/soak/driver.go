package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/soak"
)

// Config is one soak run.
type Config struct {
	Deliveries int
	// Faults is the share of port calls that fail (0 to 1).
	Faults float64
	Seed   uint64
	// Kills is how many times the runner is killed (0: one per 400 deliveries, at least one).
	Kills   int
	Workers int
	// Bin is the built runner; "" builds it. Data is the data directory; "" a fresh one.
	Bin, Data string
	// Progress gets a line per simulated day; RunnerLog the runner's own log.
	Progress, RunnerLog io.Writer
}

// Start is the instant the soak's clock starts at: a Monday morning.
var Start = time.Date(2026, 12, 21, 10, 0, 0, 0, time.UTC)

// driver sends the traffic and keeps what the audit needs to know.
type driver struct {
	ctx context.Context
	cfg Config
	r   *runner

	clock sync.RWMutex // held for writing while the clock moves
	now   time.Time

	mu            sync.Mutex
	items         []*soak.Item
	complaints    map[string]string // reference → the stage the soak believes it is at
	complaintRefs []string
	restrictions  []string
	restricted    int // how many frequent writers a decision has been sent about
	deferred      []func()
	unsettled     []string // deliveries that never got an answer that settles them
	latencies     []time.Duration

	itemCount, deliveries, redeliveries, retries atomic.Int64
	kills, reminderRedeliveries                  atomic.Int64
}

func (d *driver) clockNow() time.Time {
	d.clock.RLock()
	defer d.clock.RUnlock()
	return d.now
}

// Run runs a soak and audits what it left.
func Run(ctx context.Context, cfg Config) (*soak.Result, error) {
	if cfg.Workers <= 0 {
		cfg.Workers = 6
	}
	if cfg.Kills <= 0 {
		cfg.Kills = max(1, cfg.Deliveries/400)
	}
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	if cfg.RunnerLog == nil {
		cfg.RunnerLog = io.Discard
	}
	tmp, err := os.MkdirTemp("", "intake-soak-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	if cfg.Data == "" {
		cfg.Data = filepath.Join(tmp, "data")
	}
	if cfg.Bin == "" {
		root, err := moduleRoot()
		if err != nil {
			return nil, err
		}
		if cfg.Bin, err = buildRunner(ctx, root, tmp); err != nil {
			return nil, err
		}
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	smtpAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	d := &driver{ctx: ctx, cfg: cfg, now: Start, complaints: map[string]string{},
		r: &runner{bin: cfg.Bin, data: cfg.Data, addr: addr, smtp: smtpAddr, logs: cfg.RunnerLog}}
	if cfg.Faults > 0 {
		d.r.faults = fmt.Sprintf("%g,%d", cfg.Faults, cfg.Seed)
	}
	if err := d.r.start(d.now); err != nil {
		return nil, err
	}
	defer d.r.stop()
	if err := d.traffic(ctx); err != nil {
		return nil, err
	}
	return d.finish()
}

// traffic sends the deliveries a simulated day at a time: a day's deliveries spread over the
// workers, with the day's kills among them; then the deliveries held back are sent, in a shuffled
// order, and the clock moves on a day, each reminder that comes due delivered 1–3 times.
func (d *driver) traffic(ctx context.Context) error {
	rng := rand.New(rand.NewPCG(d.cfg.Seed, 24))
	perDay := max(20, d.cfg.Deliveries/40)
	killAt := map[int]bool{}
	for i := 1; i <= d.cfg.Kills; i++ {
		killAt[i*d.cfg.Deliveries/(d.cfg.Kills+1)] = true
	}
	for sent := 0; sent < d.cfg.Deliveries; {
		if err := ctx.Err(); err != nil {
			return err
		}
		day := min(perDay, d.cfg.Deliveries-sent)
		work := make(chan int)
		var wg sync.WaitGroup
		for w := range d.cfg.Workers {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for n := range work {
					wrng := rand.New(rand.NewPCG(d.cfg.Seed, uint64(n)))
					pick(wrng)(d, wrng)
				}
			}(w)
		}
		var killer sync.WaitGroup
		var killErr error
		for i := range day {
			if killAt[sent+i] {
				delay := time.Duration(rng.IntN(150)) * time.Millisecond
				killer.Add(1)
				go func() {
					defer killer.Done()
					time.Sleep(delay)
					killErr = d.killAndRestart()
				}()
			}
			work <- sent + i
		}
		close(work)
		wg.Wait()
		killer.Wait()
		if killErr != nil {
			return killErr
		}
		sent += day
		d.flush(rng)
		if err := d.advance(rng, 24*time.Hour); err != nil {
			return err
		}
		fmt.Fprintf(d.cfg.Progress, "soak: %s: %d deliveries sent, %d kills\n", d.clockNow().Format(time.DateOnly), sent, d.kills.Load())
	}
	d.flush(rng)
	return nil
}

// killAndRestart kills the runner with SIGKILL and starts it again on the same data.
func (d *driver) killAndRestart() error {
	d.r.kill()
	d.kills.Add(1)
	return d.r.start(d.clockNow())
}

// flush sends the held-back redeliveries in a shuffled order, side by side.
func (d *driver) flush(rng *rand.Rand) {
	d.mu.Lock()
	fs := d.deferred
	d.deferred = nil
	d.mu.Unlock()
	rng.Shuffle(len(fs), func(i, j int) { fs[i], fs[j] = fs[j], fs[i] })
	work := make(chan func())
	var wg sync.WaitGroup
	for range d.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range work {
				f()
			}
		}()
	}
	for _, f := range fs {
		work <- f
	}
	close(work)
	wg.Wait()
}

// schedules lists the runner's reminders (read without faults).
func (d *driver) schedules() ([]feedback.Reminder, error) {
	a := d.send("GET", "/_local/schedules", "", nil, nil)
	var rs []feedback.Reminder
	if err := json.Unmarshal(a.body, &rs); err != nil {
		return nil, fmt.Errorf("soak: GET /_local/schedules = %d: %w", a.status, err)
	}
	return rs, nil
}

// advance moves the runner's clock by by (the runner fires what came due and sweeps), then
// delivers each reminder that came due 0–2 more times, shuffled, as EventBridge may.
func (d *driver) advance(rng *rand.Rand, by time.Duration) error {
	before, err := d.schedules()
	if err != nil {
		return err
	}
	d.clock.Lock()
	a := d.send("POST", "/_local/clock", "application/json", []byte(fmt.Sprintf(`{"advance":%q}`, by.String())), nil)
	if a.status == 200 {
		d.now = d.now.Add(by)
	}
	now := d.now
	d.clock.Unlock()
	if a.status != 200 {
		return fmt.Errorf("soak: POST /_local/clock = %d %s", a.status, a.body)
	}
	var again []feedback.Reminder
	for _, r := range before {
		if !r.At.After(now) {
			for range rng.IntN(3) {
				again = append(again, r)
			}
		}
	}
	rng.Shuffle(len(again), func(i, j int) { again[i], again[j] = again[j], again[i] })
	for _, r := range again {
		body, _ := json.Marshal(map[string]any{"reminder": r})
		d.reminderRedeliveries.Add(1)
		d.redeliveries.Add(1)
		d.trigger(body)
	}
	return nil
}

// settle moves the clock on a few minutes at a time (past the leases of claims whose answers
// were lost) until nothing is pending, or gives up.
func (d *driver) settle(rng *rand.Rand) error {
	for range 60 {
		a := d.send("GET", "/_local/pending", "", nil, nil)
		var refs []string
		json.Unmarshal(a.body, &refs)
		if a.status == 200 && len(refs) == 0 {
			return nil
		}
		if err := d.advance(rng, 3*time.Minute); err != nil {
			return err
		}
	}
	return nil // what is still pending, the audit reports as stuck
}

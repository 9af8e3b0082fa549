// Command loadtest measures the local runner against the ceiling of the disk it stores on, side
// by side in one run: `make bench` runs it. It prints figures, not pass or fail.
//
//   - the bbolt ceiling: 64 goroutines, each committing one 2 KB put per transaction, with
//     db.Update and with db.Batch;
//   - the runner (the built infra/local binary, on a fresh data directory) under a loopback
//     load generator at 1, 8 and 64 clients: complaints per second, p50 and p99 latency;
//   - the same at 64 clients with 1,000 and with 100,000 cases already stored, in several
//     rounds that alternate which goes first, each starting from a copy of its seeded
//     directory, so that the ratio is the median of pairs taken side by side rather than of two
//     runs a minute apart on a disk whose speed wanders;
//   - durable syncs (fsync and fdatasync, counted by strace) per complaint, when strace is
//     installed.
//
// Every figure comes from this machine and this disk, in this run; the README says how to read
// them.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/config"
	"github.com/council/intake/internal/embedded"
	"github.com/council/intake/internal/feedback"
	bolt "go.etcd.io/bbolt"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

type options struct {
	runner   string
	dir      string
	duration time.Duration
	clients  []int
	seeds    []int
	rounds   int
	strace   bool
}

func run(ctx context.Context, args []string, out io.Writer) error {
	o, err := parseFlags(args)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp(o.dir, "intake-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	if o.runner == "" {
		o.runner = filepath.Join(work, "intake-local")
		fmt.Fprintln(out, "building ./infra/local ...")
		if b, err := exec.Command("go", "build", "-o", o.runner, "./infra/local").CombinedOutput(); err != nil {
			return fmt.Errorf("go build ./infra/local: %v\n%s", err, b)
		}
	}

	fmt.Fprintf(out, "machine: %s/%s, %d CPUs, %s; data under %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), work)
	fmt.Fprintf(out, "each figure: %s of load after a 1s warm-up\n\n", o.duration)

	upd, _, err := ceiling(filepath.Join(work, "ceiling-update.db"), o.duration, false)
	if err != nil {
		return err
	}
	bat, delay, err := ceiling(filepath.Join(work, "ceiling-batch.db"), o.duration, true)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "bbolt ceiling, 64 goroutines, one 2 KB put per transaction:\n")
	fmt.Fprintf(out, "  db.Update  %8.0f tx/s\n", upd)
	fmt.Fprintf(out, "  db.Batch   %8.0f tx/s  (bbolt's default MaxBatchDelay, %s)\n\n", bat, delay)

	fmt.Fprintf(out, "local runner, fresh data directory, POST /v1/feedback (complaint, 1,000-character message):\n")
	fmt.Fprintf(out, "  %7s  %12s  %8s  %8s  %s\n", "clients", "complaints/s", "p50", "p99", "÷ db.Update ceiling")
	for _, n := range o.clients {
		r, err := measure(ctx, o, filepath.Join(work, "fresh-"+strconv.Itoa(n)), n)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "  %7d  %12.0f  %8s  %8s  %.2f\n", n, r.rate, ms(r.p50), ms(r.p99), r.rate/upd)
	}

	if len(o.seeds) > 0 {
		if err := compareStored(ctx, o, work, out); err != nil {
			return err
		}
	}

	if o.strace {
		return countSyncs(ctx, o, work, out)
	}
	return nil
}

// parseFlags reads the command line into options.
func parseFlags(args []string) (options, error) {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	var o options
	var clients, seeds string
	fs.StringVar(&o.runner, "runner", "", "the built local runner (default: build ./infra/local)")
	fs.StringVar(&o.dir, "dir", "", "where to put data directories (default: the system temporary directory)")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "how long each measurement runs")
	fs.StringVar(&clients, "clients", "1,8,64", "numbers of concurrent clients")
	fs.StringVar(&seeds, "seeds", "1000,100000", "numbers of stored cases to compare at 64 clients (empty: skip)")
	fs.IntVar(&o.rounds, "rounds", 3, "rounds of the stored-cases comparison (the ratio printed is their median)")
	fs.BoolVar(&o.strace, "strace", true, "count durable syncs per complaint with strace, when it is installed")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	var err error
	if o.clients, err = ints(clients); err != nil {
		return o, fmt.Errorf("-clients: %w", err)
	}
	if o.seeds, err = ints(seeds); err != nil {
		return o, fmt.Errorf("-seeds: %w", err)
	}
	if o.rounds < 1 {
		return o, fmt.Errorf("-rounds: %d: want at least 1", o.rounds)
	}
	return o, nil
}

// compareStored measures the runner at 64 clients on directories seeded with each of o.seeds
// cases, in o.rounds rounds. Each measurement starts from a copy of its seeded directory (a run
// adds cases), and each round reverses the order of the one before, so that a drift in the
// disk's speed weighs on both sides; each round's ratios pair runs taken side by side, and the
// medians of those are printed.
func compareStored(ctx context.Context, o options, work string, out io.Writer) error {
	fmt.Fprintf(out, "\nlocal runner at 64 clients with cases already stored (settled, each with three reminders), %d rounds:\n", o.rounds)
	pristine := make([]string, len(o.seeds))
	for i, n := range o.seeds {
		pristine[i] = filepath.Join(work, "seeded-"+strconv.Itoa(n))
		t0 := time.Now()
		if err := seed(ctx, pristine[i], n); err != nil {
			return err
		}
		fmt.Fprintf(out, "  %d cases seeded in %s\n", n, time.Since(t0).Round(100*time.Millisecond))
	}
	defer func() {
		for _, dir := range pristine {
			os.RemoveAll(dir)
		}
	}()
	fmt.Fprintf(out, "  %5s  %12s  %12s  %8s  %8s\n", "round", "stored", "complaints/s", "p50", "p99")
	ratios := make([][]float64, len(o.seeds))
	for round := 1; round <= o.rounds; round++ {
		rates := make([]float64, len(o.seeds))
		order := make([]int, len(o.seeds))
		for i := range order {
			order[i] = i
		}
		if round%2 == 0 {
			slices.Reverse(order)
		}
		for _, i := range order {
			dir := filepath.Join(work, "run")
			if err := copyDir(pristine[i], dir); err != nil {
				return err
			}
			r, err := measure(ctx, o, dir, 64)
			os.RemoveAll(dir)
			if err != nil {
				return err
			}
			rates[i] = r.rate
			fmt.Fprintf(out, "  %5d  %12d  %12.0f  %8s  %8s\n", round, o.seeds[i], r.rate, ms(r.p50), ms(r.p99))
		}
		for i := range o.seeds[1:] {
			ratios[i+1] = append(ratios[i+1], rates[i+1]/rates[0])
		}
	}
	for i, n := range o.seeds[1:] {
		rs := slices.Clone(ratios[i+1])
		slices.Sort(rs)
		parts := make([]string, len(ratios[i+1]))
		for k, r := range ratios[i+1] {
			parts[k] = fmt.Sprintf("%.2f", r)
		}
		fmt.Fprintf(out, "  ratio %d/%d: %.2f (median of the rounds' %s)\n", n, o.seeds[0], rs[len(rs)/2], strings.Join(parts, ", "))
	}
	return nil
}

// copyDir copies the regular files of the directory from, and of its subdirectories, to to.
func copyDir(from, to string) error {
	return filepath.WalkDir(from, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, path)
		if err != nil {
			return err
		}
		target := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		src, err := os.Open(path)
		if err != nil {
			return err
		}
		defer src.Close()
		dst, err := os.OpenFile(target, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		if _, err := io.Copy(dst, src); err != nil {
			dst.Close()
			return err
		}
		return dst.Close()
	})
}

func ints(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive whole number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }

// ceiling measures how many 2 KB puts 64 goroutines commit per second on this disk, one per
// transaction, through db.Update or db.Batch.
func ceiling(path string, d time.Duration, batch bool) (float64, time.Duration, error) {
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	bucket := []byte("b")
	if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucketIfNotExists(bucket); return err }); err != nil {
		return 0, 0, err
	}
	value := make([]byte, 2048)
	rand.Read(value)
	commit := db.Update
	if batch {
		commit = db.Batch
	}
	var count atomic.Int64
	var counting atomic.Bool
	var firstErr error
	var once sync.Once
	stop := time.Now().Add(time.Second + d)
	time.AfterFunc(time.Second, func() { counting.Store(true) })
	var wg sync.WaitGroup
	for g := 0; g < 64; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; time.Now().Before(stop); i++ {
				key := fmt.Appendf(nil, "%02d-%010d", g, i)
				if err := commit(func(tx *bolt.Tx) error { return tx.Bucket(bucket).Put(key, value) }); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				if counting.Load() {
					count.Add(1)
				}
			}
		}(g)
	}
	wg.Wait()
	return float64(count.Load()) / d.Seconds(), db.MaxBatchDelay, firstErr
}

type result struct {
	rate     float64
	p50, p99 time.Duration
}

// message is the complaint's text: 1,000 characters, as a resident's complaint often is.
var message = strings.Repeat("The bin outside number 12 was not emptied again this week. ", 17)[:1000]

// measure starts the runner on dir and loads it with n clients for the run's duration, after a
// warm-up second that is not counted.
func measure(ctx context.Context, o options, dir string, n int) (result, error) {
	r, err := startRunner(o.runner, dir, nil)
	if err != nil {
		return result{}, err
	}
	defer r.stop()
	res, _, err := load(ctx, r.base, n, time.Second, o.duration, 0)
	return res, err
}

// load runs n clients posting complaints for warm+d, counting those finished in the last d, or,
// when count > 0, until count complaints are in (no warm-up, no timing).
func load(ctx context.Context, base string, n int, warm, d time.Duration, count int) (result, int, error) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n, MaxConnsPerHost: n}, Timeout: time.Minute}
	defer client.CloseIdleConnections()
	start := time.Now()
	from, until := start.Add(warm), start.Add(warm+d)
	var (
		mu        sync.Mutex
		latencies []time.Duration
		firstErr  error
		issued    atomic.Int64
	)
	var wg sync.WaitGroup
	for c := 0; c < n; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := 0; ; i++ {
				if count > 0 {
					if issued.Add(1) > int64(count) {
						return
					}
				} else if time.Now().After(until) {
					return
				}
				body, _ := json.Marshal(map[string]string{
					"kind": "complaint", "name": "Load Test", "service_area": "bins-and-recycling",
					// One address per complaint: the acknowledgement limit per address would
					// otherwise skip most acknowledgements, which is not the usual load.
					"email":   fmt.Sprintf("client-%d-%d@example.com", c, i),
					"message": message,
				})
				t0 := time.Now()
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/feedback", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusCreated {
						err = fmt.Errorf("POST /v1/feedback: %s", resp.Status)
					}
				}
				t1 := time.Now()
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if count > 0 || (!t0.Before(from) && !t1.After(until)) {
					latencies = append(latencies, t1.Sub(t0))
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}(c)
	}
	wg.Wait()
	if firstErr != nil {
		return result{}, 0, firstErr
	}
	slices.Sort(latencies)
	if len(latencies) == 0 {
		return result{}, 0, errors.New("no complaint finished within the measurement")
	}
	pct := func(p float64) time.Duration { return latencies[int(p*float64(len(latencies)-1))] }
	return result{rate: float64(len(latencies)) / d.Seconds(), p50: pct(0.50), p99: pct(0.99)}, len(latencies), nil
}

// startRunner starts bin (with args before the runner's own, for strace) on a free loopback
// port and waits until it says it is listening.
func startRunner(bin, dir string, pre []string) (*runner, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	args := append(pre, "-addr", addr, "-data", dir)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "INTAKE_ACK_LIMIT_PER_RECIPIENT=3")
	// Its own process group, so that stop reaches the runner under strace as well as strace.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	// The runner logs a line per case; only its start-up failures matter here.
	var stderr bytes.Buffer
	cmd.Stderr = &limited{w: &stderr, n: 64 << 10}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "Press Ctrl-C") {
				close(ready)
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(60 * time.Second):
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		return nil, fmt.Errorf("the runner did not start within 60s:\n%s", stderr.String())
	}
	return &runner{base: "http://" + addr, cmd: cmd}, nil
}

// stop interrupts the runner (and strace, if it runs under it) as Ctrl-C does and waits.
func (r *runner) stop() {
	syscall.Kill(-r.cmd.Process.Pid, syscall.SIGINT)
	done := make(chan struct{})
	go func() { r.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		syscall.Kill(-r.cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// limited keeps the first n bytes written to it and drops the rest.
type limited struct {
	w io.Writer
	n int
}

func (l *limited) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		l.w.Write(p[:k])
		l.n -= k
	}
	return len(p), nil
}

// seed stores n settled complaints, each with its three reminders, in a fresh data directory,
// through the embedded adapters themselves (not the runner's HTTP API, which would take as long
// as the load it is there to test). The store commits without syncing while seeding, then syncs
// once: a crash while seeding only loses the seed.
func seed(ctx context.Context, dir string, n int) error {
	cfg, err := config.Load(config.Map(nil))
	if err != nil {
		return err
	}
	cal, err := cfg.Calendar()
	if err != nil {
		return err
	}
	routing, _ := cfg.RoutingTable()
	st, err := embedded.Open(dir, feedback.Service{
		Clock: clock.System{}, Calendar: cal, Policy: cfg.Policy(), Council: cfg.Council(), Routing: routing,
		Log: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return err
	}
	defer st.Close()
	db := st.Store.DB()
	db.NoSync = true
	defer func() { db.NoSync = false }()

	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := 0; w < 64; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				if err := seedOne(ctx, st, i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return fmt.Errorf("seed %s: %w", dir, err)
	}
	return db.Sync()
}

func seedOne(ctx context.Context, st *embedded.Stack, i int64) error {
	svc := st.Service
	c, _, err := svc.Submit(ctx, feedback.Submission{
		Kind: string(feedback.KindComplaint), Name: "Seeded Resident", Email: fmt.Sprintf("seed-%d@example.com", i),
		ServiceArea: "planning", Message: message,
	})
	if err != nil {
		return err
	}
	now := svc.Clock.Now()
	if _, err := svc.Store.Update(ctx, c.Ref, func(c *feedback.Case) error {
		for name := range c.Effects {
			c.Effects[name] = feedback.Effect{State: feedback.EffectDone, At: now}
		}
		return nil
	}); err != nil {
		return err
	}
	for _, r := range svc.Reminders(c) {
		if err := svc.Scheduler.Schedule(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

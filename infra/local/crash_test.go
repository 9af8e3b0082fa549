package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// kill stops the runner as a power cut or the OOM killer would: SIGKILL, no clean-up.
func (r *runner) kill() {
	if r.cmd.Process != nil && r.cmd.ProcessState == nil {
		r.cmd.Process.Kill()
		r.cmd.Wait()
	}
}

// waitSettled waits until the runner has no case with side effects outstanding.
func (r *runner) waitSettled(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(r.base + "/_local/pending")
		if err != nil {
			t.Fatal(err)
		}
		var refs []string
		json.NewDecoder(resp.Body).Decode(&refs)
		resp.Body.Close()
		if len(refs) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still pending after 60s: %v", refs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var refInSubject = regexp.MustCompile(`FB-\d{4}-\d{6}`)

// TestLocalRunner_CrashExactlyOnce kills the runner with SIGKILL at a random moment while 60
// residents submit at once, restarts it, and checks that every case has exactly one
// acknowledgement and one assignment: none lost, none doubled. Ten trials, each killing at a
// different moment; the moments come from a fixed seed so that a failure can be replayed.
func TestLocalRunner_CrashExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the local runner")
	}
	const trials, residents = 10, 60
	bin := buildRunner(t)
	data := t.TempDir()
	accepted := map[string]bool{}
	for trial := 0; trial < trials; trial++ {
		rng := rand.New(rand.NewPCG(uint64(trial), 6))
		r := start(t, bin, data, "-now", "2026-12-21T10:00:00Z")
		// Let anything a previous crash left go out before the next load.
		r.waitSettled(t)

		var mu sync.Mutex
		var wg sync.WaitGroup
		for i := 0; i < residents; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				body := fmt.Sprintf(`{"kind":"complaint","email":"resident-%d-%d@example.com","service_area":"planning","message":"Trial %d, resident %d."}`, trial, i, trial, i)
				req, _ := http.NewRequest(http.MethodPost, r.base+"/v1/feedback", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return // the runner died under this request: the resident was told nothing
				}
				defer resp.Body.Close()
				var created struct {
					Reference string `json:"reference"`
				}
				if resp.StatusCode == http.StatusCreated && json.NewDecoder(resp.Body).Decode(&created) == nil {
					mu.Lock()
					accepted[created.Reference] = true
					mu.Unlock()
				}
			}(i)
		}
		time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)
		r.kill()
		wg.Wait()

		r = start(t, bin, data, "-now", "2026-12-21T10:00:00Z")
		r.waitSettled(t)
		acks, assigns := map[string]int{}, map[string]int{}
		for _, m := range r.outbox(t) {
			ref := refInSubject.FindString(m.Subject)
			switch {
			case strings.HasPrefix(m.Subject, "We have received your complaint"):
				acks[ref]++
			case strings.HasPrefix(m.Subject, "New complaint assigned to you"):
				assigns[ref]++
			}
		}
		mu.Lock()
		for ref := range accepted {
			if acks[ref] != 1 || assigns[ref] != 1 {
				t.Errorf("trial %d: accepted case %s has %d acknowledgements and %d assignments; want 1 and 1", trial, ref, acks[ref], assigns[ref])
			}
		}
		mu.Unlock()
		for ref, n := range acks {
			if n != 1 || assigns[ref] != 1 {
				t.Errorf("trial %d: case %s has %d acknowledgements and %d assignments; want 1 and 1", trial, ref, n, assigns[ref])
			}
		}
		t.Logf("trial %d: %d cases accepted so far, %d in the outbox", trial, len(accepted), len(acks))
		r.stop()
	}
}

// TestLocalRunner_ClockMovesFireOnce moves the clock from several clients at once, racing each
// other and the runner's own ticker: each reminder is still sent once.
func TestLocalRunner_ClockMovesFireOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the local runner")
	}
	bin := buildRunner(t)
	r := start(t, bin, t.TempDir(), "-now", "2026-12-21T10:00:00Z")
	resp, body := r.post(t, "application/json", `{"kind":"complaint","email":"ada@example.com","service_area":"planning","message":"Racing clocks."}`, nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /v1/feedback = %d %s", resp.StatusCode, body)
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			at := time.Date(2027, 1, 5, 9, 30, i, 0, time.UTC).Format(time.RFC3339)
			cr, err := http.Post(r.base+"/_local/clock", "application/json", strings.NewReader(`{"now":"`+at+`"}`))
			if err != nil {
				t.Error(err)
				return
			}
			cr.Body.Close()
		}(i)
	}
	wg.Wait()
	warnings := 0
	for _, m := range r.outbox(t) {
		if strings.HasPrefix(m.Subject, "Response due soon") {
			warnings++
		}
	}
	if warnings != 1 {
		t.Errorf("%d warning emails after 8 racing clock moves; want 1", warnings)
	}
}

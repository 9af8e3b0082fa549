package storetest

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/feedback"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// NewCase returns a valid open complaint with the given reference, as the service would make it.
func NewCase(ref string, at time.Time) *feedback.Case {
	return &feedback.Case{
		Ref: ref, Kind: feedback.KindComplaint, Channel: feedback.ChannelWeb, Status: feedback.StatusOpen,
		Stage: feedback.Stage1, ServiceArea: "waste", Subject: "Missed bin",
		Message:       "My bin was missed <b>again</b> & again.\nSecond line: ünïcödé",
		Contact:       feedback.Contact{Name: "Ada Resident", Email: "ada@example.com", Phone: "01632 960001"},
		AssignedTo:    "waste@council.example",
		ReceivedAt:    at,
		AcknowledgeBy: time.Date(2026, 12, 22, 0, 0, 0, 0, time.UTC),
		RespondBy:     time.Date(2027, 1, 7, 0, 0, 0, 0, time.UTC),
		Fingerprint:   "fp-" + ref,
		Effects: feedback.Effects{
			feedback.EffectAcknowledgement: {State: feedback.EffectFailed, At: at, Reason: "refused", Attempts: 2},
			feedback.EffectAssignment:      {ClaimedBy: "worker-1#1", ClaimedUntil: at.Add(time.Minute)},
			feedback.EffectSchedules:       {},
		},
		CreatedAt: at, UpdatedAt: at,
	}
}

// settled returns effects that are all done.
func settled(at time.Time) feedback.Effects {
	return feedback.Effects{
		feedback.EffectAcknowledgement: {State: feedback.EffectDone, At: at, MessageID: "m-1"},
		feedback.EffectAssignment:      {State: feedback.EffectDone, At: at},
		feedback.EffectSchedules:       {State: feedback.EffectSkipped, At: at, Reason: "not needed"},
	}
}

var cmpCase = cmp.Options{cmpopts.EquateApproxTime(time.Millisecond), cmpopts.IgnoreFields(feedback.Case{}, "Version")}

func testCreateGet(t *testing.T, s feedback.Store, clk *clock.Fixed) {
	ctx := context.Background()
	want := NewCase("FB-2026-000001", Start)
	want.IdempotencyKey = "key-1"
	if err := s.Create(ctx, want); err != nil {
		t.Fatalf("Create: %v", err)
	}
	got, err := s.Get(ctx, want.Ref)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if diff := cmp.Diff(want, got, cmpCase); diff != "" {
		t.Errorf("Get returned a different case (-want +got):\n%s", diff)
	}
	if _, err := s.Get(ctx, "FB-2026-999999"); code(err) != feedback.ENOTFOUND {
		t.Errorf("Get(missing) error = %v, want code %s", err, feedback.ENOTFOUND)
	}
}

// testCreateGetSocial checks that a social case keeps its post, its author and its follow-ups.
func testCreateGetSocial(t *testing.T, s feedback.Store, clk *clock.Fixed) {
	ctx := context.Background()
	want := NewCase("FB-2026-000002", Start)
	want.Channel, want.IdempotencyKey, want.MessageID = feedback.ChannelSocial, "social:x:1860000000000000001", "1860000000000000001"
	want.Contact = feedback.Contact{Name: "Ada Resident", Handle: "x:ada_resident"}
	want.Social = &feedback.SocialOrigin{Platform: feedback.PlatformX, PostID: "1860000000000000001",
		URL: "https://x.com/ada_resident/status/1860000000000000001", Handle: "ada_resident",
		ProfileURL: "https://x.com/ada_resident", PostedAt: Start.Add(-time.Hour), Public: true,
		Links: []string{"https://pbs.example/1.jpg"}, ForwardedBy: "monitor@council.example",
		SuggestedReply: "Thanks, logged as FB-2026-000002."}
	want.Messages = []feedback.Correspondence{{At: Start, Channel: feedback.ChannelSocial, From: "x:ada_resident",
		Text: "Still not collected", MessageID: "1860000000000000002",
		URL: "https://x.com/ada_resident/status/1860000000000000002", Links: []string{"https://pbs.example/2.jpg"},
		CopyTo: "named.officer@council.example"}}
	if err := s.Create(ctx, want); err != nil {
		t.Fatalf("Create: %v", err)
	}
	got, err := s.Get(ctx, want.Ref)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if diff := cmp.Diff(want, got, cmpCase); diff != "" {
		t.Errorf("Get returned a different social case (-want +got):\n%s", diff)
	}
}

func testCreateConflict(t *testing.T, s feedback.Store, clk *clock.Fixed) {
	ctx := context.Background()
	first := NewCase("FB-2026-000001", Start)
	first.IdempotencyKey = "key-1"
	if err := s.Create(ctx, first); err != nil {
		t.Fatalf("Create: %v", err)
	}
	tests := []struct {
		name string
		c    *feedback.Case
	}{
		{"same reference", func() *feedback.Case { c := NewCase("FB-2026-000001", Start); c.Message = "other"; return c }()},
		{"same idempotency key", func() *feedback.Case { c := NewCase("FB-2026-000002", Start); c.IdempotencyKey = "key-1"; return c }()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.Create(ctx, tt.c); code(err) != feedback.ECONFLICT {
				t.Fatalf("Create error = %v, want code %s", err, feedback.ECONFLICT)
			}
		})
	}
	// Nothing half-written: the losing case must not exist under its own reference.
	if _, err := s.Get(ctx, "FB-2026-000002"); code(err) != feedback.ENOTFOUND {
		t.Errorf("a case that lost on its idempotency key was stored anyway: err = %v", err)
	}
	got, err := s.Get(ctx, "FB-2026-000001")
	if err != nil || got.Message != first.Message {
		t.Errorf("the first case was changed by a conflicting Create: %v, %v", got, err)
	}
}

func testIdempotency(t *testing.T, s feedback.Store, clk *clock.Fixed) {
	ctx := context.Background()
	c := NewCase("FB-2026-000001", Start)
	c.IdempotencyKey = "form:abc"
	if err := s.Create(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, NewCase("FB-2026-000002", Start)); err != nil {
		t.Fatalf("Create without a key: %v", err)
	}
	if err := s.Create(ctx, NewCase("FB-2026-000003", Start)); err != nil {
		t.Fatalf("a second Create without a key must not conflict: %v", err)
	}
	got, err := s.GetByIdempotencyKey(ctx, "form:abc")
	if err != nil || got.Ref != c.Ref {
		t.Fatalf("GetByIdempotencyKey = %v, %v; want %s", got, err, c.Ref)
	}
	if _, err := s.GetByIdempotencyKey(ctx, "form:other"); code(err) != feedback.ENOTFOUND {
		t.Errorf("GetByIdempotencyKey(missing) error = %v, want %s", err, feedback.ENOTFOUND)
	}
}

func testSequence(t *testing.T, s feedback.Store, clk *clock.Fixed) {
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		want int64
	}{{"ref-2026", 1}, {"ref-2026", 2}, {"ref-2027", 1}, {"ref-2026", 3}} {
		got, err := s.NextSequence(ctx, tt.name)
		if err != nil || got != tt.want {
			t.Fatalf("NextSequence(%s) = %d, %v; want %d", tt.name, got, err, tt.want)
		}
	}
}

func testSequenceConcurrent(t *testing.T, s feedback.Store, clk *clock.Fixed) {
	ctx := context.Background()
	const workers, each = 8, 10
	var mu sync.Mutex
	var got []int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				n, err := s.NextSequence(ctx, "ref-2026")
				if err != nil {
					t.Errorf("NextSequence: %v", err)
					return
				}
				mu.Lock()
				got = append(got, n)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	// Every value once, never twice. A gap is allowed by the contract: a call that failed
	// ambiguously (a time-out after the service applied it) and was retried uses a number up.
	sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
	if len(got) != workers*each {
		t.Fatalf("concurrent NextSequence gave %d values; want %d", len(got), workers*each)
	}
	for i, n := range got {
		if n < 1 || (i > 0 && n == got[i-1]) {
			t.Fatalf("concurrent NextSequence gave %v; want distinct values from 1", got)
		}
	}
	if last := got[len(got)-1]; last != int64(workers*each) {
		t.Logf("concurrent NextSequence left %d gaps (allowed: retried calls use numbers up)", last-int64(workers*each))
	}
}

func testUpdate(t *testing.T, s feedback.Store, clk *clock.Fixed) {
	ctx := context.Background()
	c := NewCase("FB-2026-000001", Start)
	if err := s.Create(ctx, c); err != nil {
		t.Fatal(err)
	}
	updated, err := s.Update(ctx, c.Ref, func(c *feedback.Case) error {
		c.Effects[feedback.EffectAssignment] = feedback.Effect{State: feedback.EffectDone, At: Start, MessageID: "m-2"}
		return nil
	})
	if err != nil || !updated.Effects[feedback.EffectAssignment].Settled() {
		t.Fatalf("Update = %v, %v", updated, err)
	}
	got, _ := s.Get(ctx, c.Ref)
	if e := got.Effects[feedback.EffectAssignment]; !e.At.Equal(Start) || e.MessageID != "m-2" || e.ClaimedBy != "" {
		t.Errorf("the update was not stored: %+v", got.Effects)
	}
	refusal := feedback.Errorf(feedback.EINVALID, "no")
	if _, err := s.Update(ctx, c.Ref, func(c *feedback.Case) error { c.Message = "changed"; return refusal }); err == nil {
		t.Error("Update returned no error when fn refused")
	}
	if got, _ := s.Get(ctx, c.Ref); got.Message != c.Message {
		t.Error("Update wrote a change although fn returned an error")
	}
	for name, edit := range map[string]func(*feedback.Case){
		"reference":       func(c *feedback.Case) { c.Ref = "FB-2026-000002" },
		"idempotency key": func(c *feedback.Case) { c.IdempotencyKey = "another" },
	} {
		if _, err := s.Update(ctx, c.Ref, func(c *feedback.Case) error { edit(c); return nil }); code(err) != feedback.EINVALID {
			t.Errorf("Update changing the %s: error = %v, want %s", name, err, feedback.EINVALID)
		}
	}
	if _, err := s.Update(ctx, "FB-2026-999999", func(*feedback.Case) error { return nil }); code(err) != feedback.ENOTFOUND {
		t.Errorf("Update(missing) error = %v, want %s", err, feedback.ENOTFOUND)
	}
}

// testUpdateFrom: starting from the case as last seen is Update without the read when that is
// the stored version, and Update itself when it is not: a change made meanwhile is never lost.
func testUpdateFrom(t *testing.T, s feedback.Store, clk *clock.Fixed) {
	ctx := context.Background()
	if err := s.Create(ctx, NewCase("FB-2026-000001", Start)); err != nil {
		t.Fatal(err)
	}
	seen, err := s.Get(ctx, "FB-2026-000001")
	if err != nil {
		t.Fatal(err)
	}
	claimed, err := s.UpdateFrom(ctx, seen, func(c *feedback.Case) error {
		c.Effects[feedback.EffectAcknowledgement] = feedback.Effect{ClaimedBy: "w#1", ClaimedUntil: Start.Add(time.Minute)}
		return nil
	})
	if err != nil || claimed.Version != seen.Version+1 || claimed.Effects[feedback.EffectAcknowledgement].ClaimedBy != "w#1" {
		t.Fatalf("UpdateFrom the stored version = %+v, %v", claimed, err)
	}
	if seen.Effects[feedback.EffectAcknowledgement].ClaimedBy != "" {
		t.Error("UpdateFrom changed the caller's copy")
	}
	// Someone else writes; then an update from the copy seen before that must see their change.
	if _, err := s.Update(ctx, seen.Ref, func(c *feedback.Case) error { c.Subject = "Changed meanwhile"; return nil }); err != nil {
		t.Fatal(err)
	}
	calls := 0
	got, err := s.UpdateFrom(ctx, claimed, func(c *feedback.Case) error {
		calls++
		c.Effects[feedback.EffectAcknowledgement] = feedback.Effect{State: feedback.EffectDone, At: Start}
		return nil
	})
	if err != nil || got.Subject != "Changed meanwhile" || !got.Effects[feedback.EffectAcknowledgement].Settled() {
		t.Fatalf("UpdateFrom a stale copy = %+v, %v; want the change made meanwhile kept, and its own", got, err)
	}
	if stored, _ := s.Get(ctx, seen.Ref); stored.Subject != "Changed meanwhile" || !stored.Effects[feedback.EffectAcknowledgement].Settled() || stored.Version != got.Version {
		t.Errorf("stored %+v; want both changes at version %d", stored, got.Version)
	}
	if calls == 0 {
		t.Error("fn was never called")
	}
	// A case gone since is not brought back.
	if err := s.Purge(ctx, seen.Ref); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateFrom(ctx, got, func(*feedback.Case) error { return nil }); code(err) != feedback.ENOTFOUND {
		t.Errorf("UpdateFrom a purged case: error = %v, want %s", err, feedback.ENOTFOUND)
	}
	if _, err := s.Get(ctx, seen.Ref); code(err) != feedback.ENOTFOUND {
		t.Errorf("UpdateFrom brought a purged case back: %v", err)
	}
}

func testUpdateConcurrent(t *testing.T, s feedback.Store, clk *clock.Fixed) {
	ctx := context.Background()
	c := NewCase("FB-2026-000001", Start)
	if err := s.Create(ctx, c); err != nil {
		t.Fatal(err)
	}
	const n = 10
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, err := s.Update(ctx, c.Ref, func(c *feedback.Case) error {
				c.Subject += fmt.Sprintf("[%d]", i)
				return nil
			})
			if err != nil {
				t.Errorf("Update %d: %v", i, err)
			}
		}(i)
	}
	wg.Wait()
	got, _ := s.Get(ctx, c.Ref)
	for i := 0; i < n; i++ {
		if want := fmt.Sprintf("[%d]", i); !strings.Contains(got.Subject, want) {
			t.Fatalf("a concurrent update was lost: subject %q lacks %s", got.Subject, want)
		}
	}
}

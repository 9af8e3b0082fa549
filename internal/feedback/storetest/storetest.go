// Package storetest is the conformance suite for feedback.Store: every store, embedded or
// cloud, must pass Run, so that they are interchangeable.
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

// Start is the instant at which every suite's clock starts.
var Start = time.Date(2026, 12, 21, 10, 0, 0, 0, time.UTC)

// NewStore returns a fresh, empty store that reads time from clk. Cleanup is the caller's, via
// t.Cleanup.
type NewStore func(t *testing.T, clk feedback.Clock) feedback.Store

// Run runs the whole suite against stores made by newStore.
func Run(t *testing.T, newStore NewStore) {
	t.Run("Create_Get", func(t *testing.T) { testCreateGet(t, newStore) })
	t.Run("Create_Get_Social", func(t *testing.T) { testCreateGetSocial(t, newStore) })
	t.Run("Create_Conflict", func(t *testing.T) { testCreateConflict(t, newStore) })
	t.Run("GetByIdempotencyKey", func(t *testing.T) { testIdempotency(t, newStore) })
	t.Run("NextSequence", func(t *testing.T) { testSequence(t, newStore) })
	t.Run("NextSequence_Concurrent", func(t *testing.T) { testSequenceConcurrent(t, newStore) })
	t.Run("Update", func(t *testing.T) { testUpdate(t, newStore) })
	t.Run("Update_Concurrent", func(t *testing.T) { testUpdateConcurrent(t, newStore) })
	t.Run("UpdateFrom", func(t *testing.T) { testUpdateFrom(t, newStore) })
	t.Run("Expired", func(t *testing.T) { testExpired(t, newStore) })
	t.Run("ListPending", func(t *testing.T) { testListPending(t, newStore) })
	t.Run("ListDue", func(t *testing.T) { testListDue(t, newStore) })
	t.Run("ListAssigned", func(t *testing.T) { testListAssigned(t, newStore) })
	t.Run("ListCases", func(t *testing.T) { testListCases(t, newStore) })
	t.Run("TakeQuota", func(t *testing.T) { testTakeQuota(t, newStore) })
	t.Run("TakeQuota_Concurrent", func(t *testing.T) { testTakeQuotaConcurrent(t, newStore) })
	t.Run("Hold", func(t *testing.T) { testHold(t, newStore) })
	t.Run("ListExpired", func(t *testing.T) { testListExpired(t, newStore) })
	t.Run("Purge", func(t *testing.T) { testPurge(t, newStore) })
	t.Run("DestructionLog", func(t *testing.T) { testDestructionLog(t, newStore) })
	t.Run("ListByContact", func(t *testing.T) { testListByContact(t, newStore) })
	t.Run("ListReceived", func(t *testing.T) { testListReceived(t, newStore) })
}

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

func code(err error) string { return feedback.ErrorCode(err) }

func testCreateGet(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t, clock.NewFixed(Start))
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
func testCreateGetSocial(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t, clock.NewFixed(Start))
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

func testCreateConflict(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t, clock.NewFixed(Start))
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

func testIdempotency(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t, clock.NewFixed(Start))
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

func testSequence(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t, clock.NewFixed(Start))
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

func testSequenceConcurrent(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t, clock.NewFixed(Start))
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

func testUpdate(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t, clock.NewFixed(Start))
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
func testUpdateFrom(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t, clock.NewFixed(Start))
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

func testUpdateConcurrent(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t, clock.NewFixed(Start))
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

func testExpired(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	clk := clock.NewFixed(Start)
	s := newStore(t, clk)
	c := NewCase("FB-2026-000001", Start)
	c.IdempotencyKey = "key-exp"
	c.Status = feedback.StatusClosed
	c.ExpiresAt = Start.Add(time.Hour)
	if err := s.Create(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, c.Ref); err != nil {
		t.Fatalf("Get before expiry: %v", err)
	}
	clk.Advance(2 * time.Hour)
	if _, err := s.Get(ctx, c.Ref); code(err) != feedback.ENOTFOUND {
		t.Errorf("Get after expires_at = %v; want %s (TTL deletes late, reads must not)", err, feedback.ENOTFOUND)
	}
	if _, err := s.GetByIdempotencyKey(ctx, "key-exp"); code(err) != feedback.ENOTFOUND {
		t.Errorf("GetByIdempotencyKey after expires_at = %v; want %s", err, feedback.ENOTFOUND)
	}
	if _, err := s.Update(ctx, c.Ref, func(*feedback.Case) error { return nil }); code(err) != feedback.ENOTFOUND {
		t.Errorf("Update after expires_at = %v; want %s", err, feedback.ENOTFOUND)
	}
}

func testListPending(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t, clock.NewFixed(Start))
	done := NewCase("FB-2026-000001", Start)
	done.Effects = settled(Start)
	pending1 := NewCase("FB-2026-000002", Start.Add(time.Minute))
	pending2 := NewCase("FB-2026-000003", Start.Add(2*time.Minute))
	for _, c := range []*feedback.Case{done, pending2, pending1} {
		if err := s.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.ListPending(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, c := range got {
		refs = append(refs, c.Ref)
	}
	if diff := cmp.Diff([]string{"FB-2026-000002", "FB-2026-000003"}, refs); diff != "" {
		t.Errorf("ListPending (-want +got):\n%s", diff)
	}
	// Finishing a case's side effects takes it off the list.
	if _, err := s.Update(ctx, pending1.Ref, func(c *feedback.Case) error {
		c.Effects = settled(Start)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.ListPending(ctx)
	if len(got) != 1 || got[0].Ref != pending2.Ref {
		t.Errorf("after finishing %s, ListPending = %v; want only %s", pending1.Ref, got, pending2.Ref)
	}
}

func refsOf(cs []*feedback.Case) []string {
	refs := []string{}
	for _, c := range cs {
		refs = append(refs, c.Ref)
	}
	return refs
}

func testListDue(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t, clock.NewFixed(Start))
	day := func(d int) time.Time { return time.Date(2027, 1, d, 0, 0, 0, 0, time.UTC) }
	mk := func(ref string, due time.Time, edit func(*feedback.Case)) {
		c := NewCase(ref, Start)
		c.RespondBy = due
		if edit != nil {
			edit(c)
		}
		if err := s.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	mk("FB-2026-000001", day(8), nil)
	mk("FB-2026-000002", day(6), nil)
	mk("FB-2026-000003", day(7), nil)
	mk("FB-2026-000004", day(5), func(c *feedback.Case) { c.Status = feedback.StatusClosed })
	mk("FB-2026-000005", time.Time{}, func(c *feedback.Case) { c.Kind = feedback.KindCompliment; c.Stage = feedback.StageNone })
	got, err := s.ListDue(ctx, day(7))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"FB-2026-000002", "FB-2026-000003"}, refsOf(got)); diff != "" {
		t.Errorf("ListDue(7 Jan) (-want +got):\n%s", diff)
	}
	// Closing a case takes it out of the index.
	if _, err := s.Update(ctx, "FB-2026-000002", func(c *feedback.Case) error { c.Status = feedback.StatusClosed; return nil }); err != nil {
		t.Fatal(err)
	}
	got, _ = s.ListDue(ctx, day(31))
	if diff := cmp.Diff([]string{"FB-2026-000003", "FB-2026-000001"}, refsOf(got)); diff != "" {
		t.Errorf("ListDue after closing one (-want +got):\n%s", diff)
	}
}

func testListAssigned(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t, clock.NewFixed(Start))
	for i, officer := range []string{"waste@council.example", "planning@council.example", "waste@council.example"} {
		c := NewCase(fmt.Sprintf("FB-2026-%06d", i+1), Start.Add(time.Duration(i)*time.Minute))
		c.AssignedTo = officer
		if err := s.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.ListAssigned(ctx, "waste@council.example")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"FB-2026-000001", "FB-2026-000003"}, refsOf(got)); diff != "" {
		t.Errorf("ListAssigned (-want +got):\n%s", diff)
	}
	// Reassigning moves the case between officers.
	if _, err := s.Update(ctx, "FB-2026-000001", func(c *feedback.Case) error { c.AssignedTo = "planning@council.example"; return nil }); err != nil {
		t.Fatal(err)
	}
	got, _ = s.ListAssigned(ctx, "planning@council.example")
	if diff := cmp.Diff([]string{"FB-2026-000001", "FB-2026-000002"}, refsOf(got)); diff != "" {
		t.Errorf("ListAssigned after reassigning (-want +got):\n%s", diff)
	}
}

func testTakeQuota(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	clk := clock.NewFixed(Start)
	s := newStore(t, clk)
	take := func(key, use string) bool {
		t.Helper()
		ok, err := s.TakeQuota(ctx, key, use, 3, 24*time.Hour)
		if err != nil {
			t.Fatalf("TakeQuota(%s, %s): %v", key, use, err)
		}
		return ok
	}
	steps := []struct {
		advance  time.Duration
		key, use string
		want     bool
	}{
		{0, "ack:a", "FB-1", true},
		{time.Hour, "ack:a", "FB-2", true},
		{0, "ack:a", "FB-1", true}, // the same use again is not a second use
		{time.Hour, "ack:a", "FB-3", true},
		{0, "ack:a", "FB-4", false},                         // the fourth within 24 hours
		{0, "ack:b", "FB-4", true},                          // another key has its own quota
		{0, "ack:a", "FB-2", true},                          // a use already recorded is still allowed
		{22*time.Hour + time.Minute, "ack:a", "FB-5", true}, // FB-1 is more than 24 hours old
		{0, "ack:a", "FB-6", false},
	}
	for i, st := range steps {
		clk.Advance(st.advance)
		if got := take(st.key, st.use); got != st.want {
			t.Errorf("step %d: TakeQuota(%s, %s) = %v, want %v", i+1, st.key, st.use, got, st.want)
		}
	}
}

func testTakeQuotaConcurrent(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t, clock.NewFixed(Start))
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ok, err := s.TakeQuota(ctx, "ack:c", fmt.Sprintf("FB-%d", i), 3, 24*time.Hour)
			if err != nil {
				t.Errorf("TakeQuota %d: %v", i, err)
			}
			if ok {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	if allowed != 3 {
		t.Errorf("%d of 8 concurrent uses were allowed; the limit is 3", allowed)
	}
}

func testListCases(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	clk := clock.NewFixed(Start)
	s := newStore(t, clk)
	day := func(d int) time.Time { return time.Date(2027, 1, d, 0, 0, 0, 0, time.UTC) }
	mk := func(n int, edit func(*feedback.Case)) {
		c := NewCase(fmt.Sprintf("FB-2026-%06d", n), Start)
		edit(c)
		if err := s.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	mk(1, func(c *feedback.Case) { c.RespondBy = day(8) })
	mk(2, func(c *feedback.Case) {
		c.RespondBy = day(6)
		c.AssignedTo = "planning@council.example"
		c.ServiceArea = "planning"
	})
	mk(3, func(c *feedback.Case) { c.RespondBy = day(7); c.Stage = feedback.Stage2 })
	mk(4, func(c *feedback.Case) { c.RespondBy = day(5); c.Status = feedback.StatusClosed })
	mk(5, func(c *feedback.Case) { // due to be acknowledged on 22 December: sorts first
		c.Kind, c.Stage, c.RespondBy, c.Channel = feedback.KindCompliment, feedback.StageNone, time.Time{}, feedback.ChannelPhone
	})
	mk(6, func(c *feedback.Case) {
		c.RespondBy = day(4)
		c.Status = feedback.StatusClosed
		c.ExpiresAt = Start.Add(time.Hour)
	})
	mk(7, func(c *feedback.Case) { c.RespondBy = day(6) })

	tests := []struct {
		name string
		q    feedback.CaseQuery
		want []string
	}{
		{"open by default, soonest due first", feedback.CaseQuery{}, []string{"000005", "000002", "000007", "000003", "000001"}},
		{"closed", feedback.CaseQuery{Status: feedback.StatusClosed}, []string{"000006", "000004"}},
		{"assigned to", feedback.CaseQuery{AssignedTo: "planning@council.example"}, []string{"000002"}},
		{"service area", feedback.CaseQuery{ServiceArea: "waste"}, []string{"000005", "000007", "000003", "000001"}},
		{"kind", feedback.CaseQuery{Kind: feedback.KindCompliment}, []string{"000005"}},
		{"stage", feedback.CaseQuery{Stage: feedback.Stage2}, []string{"000003"}},
		{"channel", feedback.CaseQuery{Channel: feedback.ChannelWeb}, []string{"000002", "000007", "000003", "000001"}},
		{"due before 7 January", feedback.CaseQuery{DueBefore: day(7)}, []string{"000002", "000007"}},
		{"filters together", feedback.CaseQuery{Stage: feedback.Stage1, ServiceArea: "waste", DueBefore: day(9)}, []string{"000007", "000001"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := s.ListCases(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range page.Cases {
				got = append(got, strings.TrimPrefix(c.Ref, "FB-2026-"))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" || page.Next != "" {
				t.Errorf("ListCases (-want +got):\n%s (next %q)", diff, page.Next)
			}
		})
	}
	t.Run("pages", func(t *testing.T) {
		for _, limit := range []int{1, 2, 3, 5} {
			var got []string
			q := feedback.CaseQuery{Limit: limit}
			for pages := 0; ; pages++ {
				if pages > 10 {
					t.Fatalf("limit %d: paging never ends", limit)
				}
				page, err := s.ListCases(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				if len(page.Cases) > limit {
					t.Errorf("limit %d: a page of %d", limit, len(page.Cases))
				}
				for _, c := range page.Cases {
					got = append(got, strings.TrimPrefix(c.Ref, "FB-2026-"))
				}
				if page.Next == "" {
					break
				}
				q.Cursor = page.Next
			}
			if diff := cmp.Diff([]string{"000005", "000002", "000007", "000003", "000001"}, got); diff != "" {
				t.Errorf("limit %d: all pages together (-want +got):\n%s", limit, diff)
			}
		}
	})
	// A case that moves (closes, or its date moves) moves in the list.
	if _, err := s.Update(ctx, "FB-2026-000001", func(c *feedback.Case) error { c.RespondBy = day(1); return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(ctx, "FB-2026-000002", func(c *feedback.Case) error { c.Status = feedback.StatusClosed; return nil }); err != nil {
		t.Fatal(err)
	}
	page, err := s.ListCases(ctx, feedback.CaseQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"FB-2026-000005", "FB-2026-000001", "FB-2026-000007", "FB-2026-000003"}, refsOf(page.Cases)); diff != "" {
		t.Errorf("after moving two cases (-want +got):\n%s", diff)
	}
	// An expired case is never listed.
	clk.Advance(2 * time.Hour)
	page, err = s.ListCases(ctx, feedback.CaseQuery{Status: feedback.StatusClosed})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"FB-2026-000004", "FB-2026-000002"}, refsOf(page.Cases)); diff != "" {
		t.Errorf("closed cases after one expired (-want +got):\n%s", diff)
	}
}

func testHold(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t, clock.NewFixed(Start))
	c := NewCase("FB-2026-000001", Start)
	c.Status, c.ClosedAt = feedback.StatusClosed, Start
	c.Hold = &feedback.Hold{By: "complaints@example.gov.uk", At: Start, Reason: "Litigation: claim 123"}
	if err := s.Create(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, c.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(c, got, cmpCase); diff != "" {
		t.Errorf("held case round trip (-want +got):\n%s", diff)
	}
	got, err = s.Update(ctx, c.Ref, func(c *feedback.Case) error { c.Hold = nil; return nil })
	if err != nil || got.Hold != nil {
		t.Fatalf("Update releasing the hold = %+v, %v", got, err)
	}
	if got, _ = s.Get(ctx, c.Ref); got.Hold != nil {
		t.Errorf("hold still stored after release: %+v", got.Hold)
	}
}

// testListExpired: a store either lists exactly the expired cases, soonest expired first (the
// embedded store, which purges them itself), or none at all (DynamoDB, whose TTL deletes them
// and whose stream drives the destruction); it never lists a live case.
func testListExpired(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	clk := clock.NewFixed(Start)
	s := newStore(t, clk)
	expiries := map[string]time.Duration{
		"FB-2026-000001": 3 * time.Hour, "FB-2026-000002": time.Hour, "FB-2026-000003": 48 * time.Hour, "FB-2026-000004": 0,
	}
	for ref, d := range expiries {
		c := NewCase(ref, Start)
		c.Effects = settled(Start)
		if d > 0 {
			c.Status, c.ClosedAt, c.ExpiresAt = feedback.StatusClosed, Start, Start.Add(d)
		}
		if err := s.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(5 * time.Hour)
	tests := []struct {
		name  string
		limit int
		want  []string
	}{
		{"all", 10, []string{"FB-2026-000002", "FB-2026-000001"}},
		{"limited", 1, []string{"FB-2026-000002"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.ListExpired(ctx, clk.Now(), tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			var refs []string
			for _, c := range got {
				refs = append(refs, c.Ref)
			}
			if len(refs) > 0 && !cmp.Equal(refs, tt.want) {
				t.Errorf("ListExpired = %v; want %v (or none, for a store the database purges)", refs, tt.want)
			}
		})
	}
}

func testPurge(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t, clock.NewFixed(Start))
	c := NewCase("FB-2026-000001", Start)
	c.IdempotencyKey = "key-purge"
	if err := s.Create(ctx, c); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // purging twice is harmless
		if err := s.Purge(ctx, c.Ref); err != nil {
			t.Fatalf("Purge (time %d): %v", i+1, err)
		}
	}
	if _, err := s.Get(ctx, c.Ref); code(err) != feedback.ENOTFOUND {
		t.Errorf("Get after Purge = %v; want %s", err, feedback.ENOTFOUND)
	}
	if _, err := s.GetByIdempotencyKey(ctx, "key-purge"); code(err) != feedback.ENOTFOUND {
		t.Errorf("GetByIdempotencyKey after Purge = %v; want %s", err, feedback.ENOTFOUND)
	}
	// An open, pending case sits in every list: purged, it is in none, and the lists still work.
	lists := map[string]func() ([]*feedback.Case, error){
		"ListPending":  func() ([]*feedback.Case, error) { return s.ListPending(ctx) },
		"ListDue":      func() ([]*feedback.Case, error) { return s.ListDue(ctx, c.RespondBy.AddDate(1, 0, 0)) },
		"ListAssigned": func() ([]*feedback.Case, error) { return s.ListAssigned(ctx, c.AssignedTo) },
		"ListReceived": func() ([]*feedback.Case, error) {
			page, err := s.ListReceived(ctx, feedback.ReceivedQuery{From: Start.AddDate(-1, 0, 0), To: Start.AddDate(1, 0, 0)})
			return page.Cases, err
		},
	}
	for name, list := range lists {
		got, err := list()
		if err != nil || len(got) != 0 {
			t.Errorf("%s after Purge = %d cases, %v; want none", name, len(got), err)
		}
	}
	// The reference and the key are free again: nothing of the case is left.
	if err := s.Create(ctx, c); err != nil {
		t.Errorf("Create after Purge: %v", err)
	}
}

func testDestructionLog(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	clk := clock.NewFixed(Start)
	s := newStore(t, clk)
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 9, 30, 0, 0, time.UTC) }
	lines := []feedback.Destruction{
		{Ref: "FB-2026-000002", Kind: feedback.KindComplaint, Channel: feedback.ChannelEmail, ReceivedAt: day(2026, 12, 1),
			ClosedAt: day(2027, 1, 6), ExpiredAt: day(2029, 1, 6), DestroyedAt: day(2029, 1, 6), Reason: feedback.ReasonRetentionEnded,
			Objects: 3, KeepUntil: day(2035, 1, 6)},
		{Ref: "FB-2026-000001", Kind: feedback.KindComment, Channel: feedback.ChannelWeb, ReceivedAt: day(2026, 11, 1),
			ExpiredAt: day(2028, 12, 31), DestroyedAt: day(2029, 1, 2), Reason: feedback.ReasonRetentionEnded, KeepUntil: day(2035, 1, 2)},
		{Ref: "FB-2026-000003", Kind: feedback.KindComplaint, Channel: feedback.ChannelWeb, ReceivedAt: day(2026, 11, 1),
			ExpiredAt: day(2029, 3, 1), DestroyedAt: day(2029, 3, 1), Reason: feedback.ReasonRetentionEnded, KeepUntil: day(2035, 3, 1)},
	}
	for _, d := range append(lines, lines[0]) { // the same line twice is one line
		if err := s.LogDestruction(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	clk.Set(day(2029, 4, 1))
	tests := []struct {
		name     string
		from, to time.Time
		want     []feedback.Destruction
	}{
		{"across a month and a year", day(2028, 12, 1), day(2029, 2, 1), []feedback.Destruction{lines[1], lines[0]}},
		{"one month", day(2029, 3, 1), day(2029, 3, 2), []feedback.Destruction{lines[2]}},
		{"none", day(2027, 1, 1), day(2028, 1, 1), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.ListDestructions(ctx, tt.from, tt.to)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateApproxTime(time.Second), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("ListDestructions (-want +got):\n%s", diff)
			}
		})
	}
	clk.Set(day(2035, 1, 7)) // the log's own retention has ended for the first two lines
	got, err := s.ListDestructions(ctx, day(2028, 1, 1), day(2030, 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Ref != "FB-2026-000003" {
		t.Errorf("ListDestructions after the log's retention = %+v; want only FB-2026-000003", got)
	}
}

// testListByContact: a person's cases by their identity, oldest received first; an anonymous
// case is nobody's, and a telephone-only case is found by its number.
func testListByContact(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	clk := clock.NewFixed(Start)
	s := newStore(t, clk)
	mk := func(ref string, at time.Time, email, phone string) {
		c := NewCase(ref, at)
		c.Contact = feedback.Contact{Name: "Pat", Email: email, Phone: phone}
		if err := s.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	mk("FB-2026-000002", Start.Add(time.Hour), "pat@example.com", "")
	mk("FB-2026-000001", Start, "pat@example.com", "01632 960002")
	mk("FB-2026-000003", Start, "", "01632 960002")
	mk("FB-2026-000004", Start, "", "")
	mk("FB-2026-000005", Start, "sam@example.com", "")
	tests := []struct {
		identity string
		want     []string
	}{
		{"pat@example.com", []string{"FB-2026-000001", "FB-2026-000002"}},
		{"01632960002", []string{"FB-2026-000003"}},
		{"nobody@example.com", nil},
	}
	for _, tt := range tests {
		t.Run(tt.identity, func(t *testing.T) {
			got, err := s.ListByContact(ctx, tt.identity)
			if err != nil {
				t.Fatal(err)
			}
			var refs []string
			for _, c := range got {
				refs = append(refs, c.Ref)
			}
			if diff := cmp.Diff(tt.want, refs); diff != "" {
				t.Errorf("ListByContact(%s) (-want +got):\n%s", tt.identity, diff)
			}
		})
	}
}

func testListReceived(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	clk := clock.NewFixed(Start)
	s := newStore(t, clk)
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, london) }
	mk := func(n int, received time.Time, edit func(*feedback.Case)) {
		c := NewCase(fmt.Sprintf("FB-2019-%06d", n), received)
		if edit != nil {
			edit(c)
		}
		if err := s.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	mk(1, at(2019, 3, 31, 23, 59), nil)                   // the last minute of 2018/19
	mk(2, at(2019, 4, 1, 0, 30), func(c *feedback.Case) { // 31 March 23:30 UTC: 2019/20 in London
		c.Status, c.ClosedAt = feedback.StatusClosed, at(2019, 5, 1, 9, 0)
		c.ExpiresAt = at(2029, 5, 1, 9, 0)
		c.Stages = []feedback.StageRecord{{Stage: feedback.Stage1, OpenedAt: c.ReceivedAt, ExtendedBy: 5,
			Response: feedback.Response{Outcome: feedback.OutcomeUpheld, Lessons: "Write sooner.", CompensationPence: 99050, At: at(2019, 4, 20, 10, 0)}}}
		c.Ombudsman = feedback.OmbudsmanRecord{Which: feedback.OmbudsmanLGSCO, ReferredOn: at(2019, 6, 1, 0, 0), Decision: feedback.DecisionNotInvestigated}
	})
	mk(3, at(2019, 6, 15, 12, 0), nil)
	mk(4, at(2019, 6, 15, 12, 0), nil) // same instant: by reference
	mk(5, at(2019, 9, 1, 8, 0), func(c *feedback.Case) { c.ExpiresAt = Start.Add(-time.Hour) })
	mk(6, at(2020, 3, 31, 23, 59), nil)
	mk(7, at(2020, 4, 1, 0, 0), nil) // the first instant of 2020/21: outside
	mk(8, at(2018, 12, 25, 9, 0), nil)

	list := func(t *testing.T, q feedback.ReceivedQuery) []string {
		t.Helper()
		var got []string
		for pages := 0; ; pages++ {
			if pages > 20 {
				t.Fatal("paging never ends")
			}
			page, err := s.ListReceived(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if q.Limit > 0 && len(page.Cases) > q.Limit {
				t.Errorf("limit %d: a page of %d", q.Limit, len(page.Cases))
			}
			for _, c := range page.Cases {
				got = append(got, strings.TrimPrefix(c.Ref, "FB-2019-"))
			}
			if page.Next == "" {
				return got
			}
			q.Cursor = page.Next
		}
	}
	y2019 := feedback.ReceivedQuery{From: at(2019, 4, 1, 0, 0), To: at(2020, 4, 1, 0, 0)}
	tests := []struct {
		name string
		q    feedback.ReceivedQuery
		want []string
	}{
		{"a financial year in London time, expired left out", y2019, []string{"000002", "000003", "000004", "000006"}},
		{"the year before", feedback.ReceivedQuery{From: at(2018, 4, 1, 0, 0), To: at(2019, 4, 1, 0, 0)}, []string{"000008", "000001"}},
		{"one page at a time", feedback.ReceivedQuery{From: y2019.From, To: y2019.To, Limit: 1}, []string{"000002", "000003", "000004", "000006"}},
		{"pages of three", feedback.ReceivedQuery{From: y2019.From, To: y2019.To, Limit: 3}, []string{"000002", "000003", "000004", "000006"}},
		{"nothing received", feedback.ReceivedQuery{From: at(2021, 1, 1, 0, 0), To: at(2021, 2, 1, 0, 0)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, list(t, tt.q)); diff != "" {
				t.Errorf("ListReceived (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("a report's fields come back", func(t *testing.T) {
		page, err := s.ListReceived(ctx, feedback.ReceivedQuery{From: y2019.From, To: y2019.To, Limit: 1})
		if err != nil || len(page.Cases) != 1 {
			t.Fatalf("ListReceived = %d cases, %v", len(page.Cases), err)
		}
		want, err := s.Get(ctx, "FB-2019-000002")
		if err != nil {
			t.Fatal(err)
		}
		got := page.Cases[0]
		if diff := cmp.Diff(feedback.ReportFields(want), feedback.ReportFields(got), cmpCase...); diff != "" {
			t.Errorf("ListReceived's case differs from Get's in a report's fields (-get +list):\n%s", diff)
		}
	})
	t.Run("a received date that moves moves in the list", func(t *testing.T) {
		if _, err := s.Update(ctx, "FB-2019-000008", func(c *feedback.Case) error {
			c.ReceivedAt = at(2019, 7, 1, 9, 0)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"000002", "000003", "000004", "000008", "000006"}, list(t, y2019)); diff != "" {
			t.Errorf("after the move (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"000001"}, list(t, feedback.ReceivedQuery{From: at(2018, 4, 1, 0, 0), To: at(2019, 4, 1, 0, 0)})); diff != "" {
			t.Errorf("the year it left (-want +got):\n%s", diff)
		}
	})
}

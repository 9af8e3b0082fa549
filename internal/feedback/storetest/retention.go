package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/feedback"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func testExpired(t *testing.T, s feedback.Store, clk *clock.Fixed) {
	ctx := context.Background()
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

func testHold(t *testing.T, s feedback.Store, clk *clock.Fixed) {
	ctx := context.Background()
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
func testListExpired(t *testing.T, s feedback.Store, clk *clock.Fixed) {
	ctx := context.Background()
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

func testPurge(t *testing.T, s feedback.Store, clk *clock.Fixed) {
	ctx := context.Background()
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

func testDestructionLog(t *testing.T, s feedback.Store, clk *clock.Fixed) {
	ctx := context.Background()
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
func testListByContact(t *testing.T, s feedback.Store, clk *clock.Fixed) {
	ctx := context.Background()
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

package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/feedback"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// NewRestrictionStore returns a fresh, empty restrictions register that reads time from clk.
type NewRestrictionStore func(t *testing.T, clk feedback.Clock) feedback.RestrictionStore

// RunRestrictions runs the conformance suite for feedback.RestrictionStore.
func RunRestrictions(t *testing.T, newStore NewRestrictionStore) {
	t.Run("Create_Get", func(t *testing.T) { testRestrictionCreateGet(t, newStore) })
	t.Run("Update_Concurrent", func(t *testing.T) { testRestrictionUpdate(t, newStore) })
	t.Run("List_Expired", func(t *testing.T) { testRestrictionList(t, newStore) })
}

// NewRestriction returns a full restriction with the given id, decided on the day of at.
func NewRestriction(id string, at time.Time) *feedback.Restriction {
	day := time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC)
	return &feedback.Restriction{
		ID: id, Contacts: []string{"pat@example.com", "01632960002", "x:@pat"},
		Types: []feedback.RestrictionType{feedback.RestrictNamedOfficer, feedback.RestrictNoAck},
		Topic: "the planning decision", PhoneTimes: "Tuesdays 10:00 to 12:00", Reason: "Forty emails a day <about> the same matter.",
		DecidedBy: "complaints@example.gov.uk", NamedOfficer: "planning@example.gov.uk", Scope: []string{"FB-2026-000001"},
		DecidedOn: day, ReviewBy: day.AddDate(0, 6, 0), Status: feedback.RestrictionActive,
		History:   []feedback.Event{{At: at, By: "complaints@example.gov.uk", Action: "restriction made", Detail: "d", Reason: "r"}},
		Letters:   []feedback.Letter{{Name: "restriction-made", At: at, To: "pat@example.com", Subject: "s", Text: "t", HTML: "<p>h</p>"}},
		Effects:   feedback.Effects{"letter:restriction-made": {State: feedback.EffectDone, At: at, MessageID: "m-1"}, "review-schedules:20270621": {ClaimedBy: "w#1", ClaimedUntil: at.Add(time.Minute)}},
		CreatedAt: at, UpdatedAt: at,
	}
}

var cmpRestriction = cmp.Options{cmpopts.EquateApproxTime(time.Millisecond), cmpopts.IgnoreFields(feedback.Restriction{}, "Version")}

func testRestrictionCreateGet(t *testing.T, newStore NewRestrictionStore) {
	ctx := context.Background()
	s := newStore(t, clock.NewFixed(Start))
	r := NewRestriction("RS-2026-0001", Start)
	if err := s.CreateRestriction(ctx, r); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetRestriction(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, got, cmpRestriction); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if err := s.CreateRestriction(ctx, NewRestriction("RS-2026-0001", Start)); code(err) != feedback.ECONFLICT {
		t.Errorf("second Create = %v; want %s", err, feedback.ECONFLICT)
	}
	if _, err := s.GetRestriction(ctx, "RS-2026-0404"); code(err) != feedback.ENOTFOUND {
		t.Errorf("Get of none = %v; want %s", err, feedback.ENOTFOUND)
	}
	if _, err := s.UpdateRestriction(ctx, r.ID, func(r *feedback.Restriction) error { r.ID = "RS-2026-0009"; return nil }); code(err) != feedback.EINVALID {
		t.Errorf("Update changing the id = %v; want %s", err, feedback.EINVALID)
	}
}

func testRestrictionUpdate(t *testing.T, newStore NewRestrictionStore) {
	ctx := context.Background()
	s := newStore(t, clock.NewFixed(Start))
	r := NewRestriction("RS-2026-0001", Start)
	r.History = nil
	if err := s.CreateRestriction(ctx, r); err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, err := s.UpdateRestriction(ctx, r.ID, func(r *feedback.Restriction) error {
				r.History = append(r.History, feedback.Event{At: Start, By: "x", Action: fmt.Sprintf("review %d", i)})
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	got, err := s.GetRestriction(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.History) != n {
		t.Errorf("history has %d entries after %d concurrent updates: an update was lost", len(got.History), n)
	}
}

func testRestrictionList(t *testing.T, newStore NewRestrictionStore) {
	ctx := context.Background()
	clk := clock.NewFixed(Start)
	s := newStore(t, clk)
	a, b, c := NewRestriction("RS-2026-0002", Start), NewRestriction("RS-2026-0001", Start.AddDate(0, 0, 1)), NewRestriction("RS-2026-0003", Start)
	c.Status, c.ExpiresAt = feedback.RestrictionLifted, Start.Add(time.Hour)
	for _, r := range []*feedback.Restriction{a, b, c} {
		if err := s.CreateRestriction(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(ctx context.Context) ([]string, error) {
		rs, err := s.ListRestrictions(ctx)
		var ids []string
		for _, r := range rs {
			ids = append(ids, r.ID)
		}
		return ids, err
	}
	checkListSteps(t, clk, "ListRestrictions", ids, []listStep[string]{
		{"oldest decision first, then by id", Start, []string{"RS-2026-0002", "RS-2026-0003", "RS-2026-0001"}},
		{"an expired record is gone", Start.Add(2 * time.Hour), []string{"RS-2026-0002", "RS-2026-0001"}},
	})
	if _, err := s.GetRestriction(ctx, c.ID); code(err) != feedback.ENOTFOUND {
		t.Errorf("Get of an expired restriction = %v; want %s", err, feedback.ENOTFOUND)
	}
}

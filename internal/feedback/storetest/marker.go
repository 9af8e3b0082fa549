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

// NewMarkerStore returns a fresh, empty staff-safety list that reads time from clk.
type NewMarkerStore func(t *testing.T, clk feedback.Clock) feedback.MarkerStore

// RunMarkers runs the conformance suite for feedback.MarkerStore.
func RunMarkers(t *testing.T, newStore NewMarkerStore) {
	ctx := context.Background()
	clk := clock.NewFixed(Start)
	s := newStore(t, clk)
	day := time.Date(2026, 12, 21, 0, 0, 0, 0, time.UTC)
	mk := func(id string, decided time.Time) *feedback.Marker {
		return &feedback.Marker{ID: id, Contacts: []string{"pat@example.com", "01632960002"}, Reason: "Threatened an officer <at> the counter.",
			DecidedBy: "complaints@example.gov.uk", DecidedOn: decided, ToldOn: decided.AddDate(0, 0, 1),
			ExpiresAt: decided.AddDate(3, 0, 0), CreatedAt: Start}
	}
	a, b := mk("SM-2026-0002", day), mk("SM-2026-0001", day.AddDate(0, 1, 0))
	for _, m := range []*feedback.Marker{a, b} {
		if err := s.CreateMarker(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateMarker(ctx, mk("SM-2026-0001", day)); code(err) != feedback.ECONFLICT {
		t.Errorf("second CreateMarker = %v; want %s", err, feedback.ECONFLICT)
	}
	// A marker made before the person was told: the day is recorded once, and never on a marker
	// that is gone.
	c := mk("SM-2026-0003", day.AddDate(0, 2, 0))
	c.ToldOn = time.Time{}
	if err := s.CreateMarker(ctx, c); err != nil {
		t.Fatal(err)
	}
	told := c.DecidedOn.AddDate(0, 0, 2)
	got, err := s.RecordMarkerTold(ctx, c.ID, told)
	if err != nil {
		t.Fatalf("RecordMarkerTold: %v", err)
	}
	c.ToldOn = told
	if diff := cmp.Diff(c, got, cmpopts.EquateApproxTime(time.Millisecond)); diff != "" {
		t.Errorf("RecordMarkerTold (-want +got):\n%s", diff)
	}
	for _, tt := range []struct {
		name, id string
		at       time.Time
		want     string
	}{
		{"told already", c.ID, Start, feedback.ECONFLICT},
		{"no such marker", "SM-2026-0099", Start, feedback.ENOTFOUND},
		{"past its retention end", "SM-2026-0002", day.AddDate(3, 0, 0), feedback.ENOTFOUND},
	} {
		clk.Set(tt.at)
		if _, err := s.RecordMarkerTold(ctx, tt.id, told); code(err) != tt.want {
			t.Errorf("RecordMarkerTold, %s = %v; want %s", tt.name, err, tt.want)
		}
	}
	checkListSteps(t, clk, "ListMarkers", s.ListMarkers, []listStep[*feedback.Marker]{
		{"oldest decision first", Start, []*feedback.Marker{a, b, c}},
		{"gone at its retention end", day.AddDate(3, 0, 0), []*feedback.Marker{b, c}},
		{"all gone", day.AddDate(3, 3, 0), nil},
	}, cmpopts.EquateApproxTime(time.Millisecond), cmpopts.EquateEmpty())
}

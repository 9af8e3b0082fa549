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
	tests := []struct {
		name string
		at   time.Time
		want []*feedback.Marker
	}{
		{"oldest decision first", Start, []*feedback.Marker{a, b}},
		{"gone at its retention end", day.AddDate(3, 0, 0), []*feedback.Marker{b}},
		{"all gone", day.AddDate(3, 1, 0), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk.Set(tt.at)
			got, err := s.ListMarkers(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateApproxTime(time.Millisecond), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("ListMarkers (-want +got):\n%s", diff)
			}
		})
	}
}

package localsched_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/feedback/scheduletest"
	"github.com/council/intake/internal/localsched"
)

func TestScheduler_Conformance(t *testing.T) {
	scheduletest.Run(t, func(t *testing.T) (feedback.Scheduler, scheduletest.Pending) {
		s, err := localsched.Open(t.TempDir(), clock.System{})
		if err != nil {
			t.Fatal(err)
		}
		return s, func(*testing.T) []feedback.Reminder { return s.List() }
	})
}

func TestScheduler_FireDue(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	due := scheduletest.Example("FB-2026-000001", feedback.PurposeDue)
	warning := scheduletest.Example("FB-2026-000001", feedback.PurposeWarning)
	warning.At = due.At.Add(-48 * time.Hour)
	clk := clock.NewFixed(warning.At.Add(-time.Minute))
	s, _ := localsched.Open(dir, clk)
	for _, r := range []feedback.Reminder{due, warning} {
		if err := s.Schedule(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	var fired []string
	fire := func(_ context.Context, r feedback.Reminder) error { fired = append(fired, r.Name); return nil }
	log := slog.New(slog.DiscardHandler)

	tests := []struct {
		name      string
		at        time.Time
		fire      localsched.Fire
		wantFired []string
		wantLeft  int
	}{
		{"nothing before its time", warning.At.Add(-time.Minute), fire, nil, 2},
		{"a failing handler keeps the reminder", warning.At, func(context.Context, feedback.Reminder) error { return errors.New("mail down") }, nil, 2},
		{"the warning at its time", warning.At, fire, []string{warning.Name}, 1},
		{"the due reminder later", due.At.Add(time.Hour), fire, []string{warning.Name, due.Name}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk.Set(tt.at)
			s.FireDue(ctx, tt.fire, log)
			if len(fired) != len(tt.wantFired) {
				t.Fatalf("fired %v, want %v", fired, tt.wantFired)
			}
			// What is left must survive a restart.
			reopened, err := localsched.Open(dir, clk)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(reopened.List()); n != tt.wantLeft {
				t.Errorf("%d reminders kept on disk, want %d", n, tt.wantLeft)
			}
		})
	}
}

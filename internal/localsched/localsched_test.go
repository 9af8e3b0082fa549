package localsched_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/feedback/scheduletest"
	"github.com/council/intake/internal/localsched"
	bolt "go.etcd.io/bbolt"
)

// open opens the scheduler on the bbolt file in dir, as the local runner does on the store's.
func open(t *testing.T, dir string, clk feedback.Clock) (*localsched.Scheduler, *bolt.DB) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(dir, "intake.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := localsched.Open(db, clk)
	if err != nil {
		t.Fatal(err)
	}
	return s, db
}

func TestScheduler_Conformance(t *testing.T) {
	scheduletest.Run(t, func(t *testing.T) (feedback.Scheduler, scheduletest.Pending) {
		s, _ := open(t, t.TempDir(), clock.System{})
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
	s, db := open(t, dir, clk)
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
	parent := t // the reopened file must outlive each subtest
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk.Set(tt.at)
			s.FireDue(ctx, tt.fire, log)
			if len(fired) != len(tt.wantFired) {
				t.Fatalf("fired %v, want %v", fired, tt.wantFired)
			}
			// What is left must survive a restart.
			db.Close()
			s, db = open(parent, dir, clk)
			if n := len(s.List()); n != tt.wantLeft {
				t.Errorf("%d reminders kept on disk, want %d", n, tt.wantLeft)
			}
		})
	}
}

// TestScheduler_FireDue_SameInstant fires reminders due at the very instant of the clock, and
// leaves one a nanosecond later alone.
func TestScheduler_FireDue_SameInstant(t *testing.T) {
	ctx := context.Background()
	due := scheduletest.Example("FB-2026-000001", feedback.PurposeDue)
	later := scheduletest.Example("FB-2026-000002", feedback.PurposeDue)
	later.At = due.At.Add(time.Nanosecond)
	s, _ := open(t, t.TempDir(), clock.NewFixed(due.At))
	for _, r := range []feedback.Reminder{later, due} {
		if err := s.Schedule(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	var fired []string
	s.FireDue(ctx, func(_ context.Context, r feedback.Reminder) error { fired = append(fired, r.Name); return nil }, slog.New(slog.DiscardHandler))
	if len(fired) != 1 || fired[0] != due.Name {
		t.Errorf("fired %v at %s; want only %s", fired, due.At, due.Name)
	}
}

// TestScheduler_Import takes in the schedules.json an older Intake kept, once.
func TestScheduler_Import(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	r := scheduletest.Example("FB-2026-000001", feedback.PurposeWarning)
	data, _ := json.Marshal(map[string]feedback.Reminder{r.Name: r})
	path := filepath.Join(dir, "schedules.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	s, _ := open(t, dir, clock.System{})
	for i := 0; i < 2; i++ {
		if err := s.Import(ctx, path); err != nil {
			t.Fatalf("Import (time %d): %v", i+1, err)
		}
	}
	got := s.List()
	if len(got) != 1 || got[0].Name != r.Name || !got[0].At.Equal(r.At) {
		t.Errorf("after import: %+v; want %+v", got, r)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("%s is still there after import (err %v)", path, err)
	}
}

// Reminders are mostly made later than those already kept, for cases with later references, so
// both buckets grow at their end; their pages must be packed, not left half empty by bbolt's
// default split (see appendFill).
func TestScheduler_AppendedBucketsArePacked(t *testing.T) {
	ctx := context.Background()
	s, db := open(t, t.TempDir(), clock.System{})
	db.NoSync = true     // the layout of the pages is the point, not their durability
	db.MaxBatchDelay = 0 // one writer: nothing to wait for
	for i := range 1000 {
		r := scheduletest.Example(fmt.Sprintf("FB-2026-%06d", i+1), feedback.PurposeDue)
		r.At = r.At.Add(time.Duration(i) * time.Minute)
		if err := s.Schedule(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	err := db.View(func(tx *bolt.Tx) error {
		for _, name := range []string{"reminders", "reminder-names"} {
			st := tx.Bucket([]byte(name)).Stats()
			pages := st.LeafPageN + st.LeafOverflowN
			if fill := float64(st.LeafInuse) / float64(pages*db.Info().PageSize); st.KeyN != 1000 || fill < 0.8 {
				t.Errorf("%s: %d keys in %d leaf pages %.0f%% full, want 1000 at least 80%% full", name, st.KeyN, pages, 100*fill)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

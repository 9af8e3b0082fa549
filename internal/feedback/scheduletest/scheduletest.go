// Package scheduletest is the conformance suite for feedback.Scheduler: the local scheduler and
// EventBridge Scheduler must keep the same reminders.
package scheduletest

import (
	"context"
	"testing"
	"time"

	"github.com/council/intake/internal/feedback"
)

// Pending returns every reminder the scheduler holds, as read back from where it is kept.
type Pending func(t *testing.T) []feedback.Reminder

// NewScheduler returns a fresh scheduler holding nothing, and a way to read what it holds.
type NewScheduler func(t *testing.T) (feedback.Scheduler, Pending)

// Run runs the whole suite against schedulers made by newScheduler.
func Run(t *testing.T, newScheduler NewScheduler) {
	for name, test := range map[string]func(*testing.T, NewScheduler){
		"Schedule_Twice": testScheduleTwice,
		"Cancel":         testCancel,
		"Schedule_Past":  testSchedulePast,
	} {
		t.Run(name, func(t *testing.T) { test(t, newScheduler) })
	}
}

// Example returns a Stage 1 due-date reminder for ref.
func Example(ref string, p feedback.Purpose) feedback.Reminder {
	london, _ := time.LoadLocation("Europe/London")
	return feedback.Reminder{
		Name:    feedback.ReminderName(ref, feedback.Stage1, p),
		At:      time.Date(2027, 1, 7, 9, 0, 0, 0, london),
		Ref:     ref,
		Stage:   feedback.Stage1,
		Purpose: p,
	}
}

func find(rs []feedback.Reminder, name string) (feedback.Reminder, int) {
	var found feedback.Reminder
	n := 0
	for _, r := range rs {
		if r.Name == name {
			found = r
			n++
		}
	}
	return found, n
}

func testScheduleTwice(t *testing.T, newScheduler NewScheduler) {
	ctx := context.Background()
	s, pending := newScheduler(t)
	r := Example("FB-2026-000001", feedback.PurposeDue)
	for i := 0; i < 2; i++ {
		if err := s.Schedule(ctx, r); err != nil {
			t.Fatalf("Schedule (time %d): %v", i+1, err)
		}
	}
	other := Example("FB-2026-000001", feedback.PurposeWarning)
	other.At = time.Date(2027, 1, 5, 9, 0, 0, 0, r.At.Location())
	if err := s.Schedule(ctx, other); err != nil {
		t.Fatal(err)
	}
	got, n := find(pending(t), r.Name)
	if n != 1 {
		t.Fatalf("%s is held %d times after scheduling it twice, want once", r.Name, n)
	}
	if !got.At.Equal(r.At) || got.Ref != r.Ref || got.Purpose != r.Purpose || got.Stage != r.Stage {
		t.Errorf("held reminder = %+v, want %+v", got, r)
	}
	if _, n := find(pending(t), other.Name); n != 1 {
		t.Errorf("%s held %d times, want once", other.Name, n)
	}
}

func testCancel(t *testing.T, newScheduler NewScheduler) {
	ctx := context.Background()
	s, pending := newScheduler(t)
	r := Example("FB-2026-000002", feedback.PurposeOverdue)
	if err := s.Schedule(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.Cancel(ctx, r.Name); err != nil {
		t.Fatalf("Cancel: %v", err)
	}
	if _, n := find(pending(t), r.Name); n != 0 {
		t.Errorf("%s still held after Cancel", r.Name)
	}
	if err := s.Cancel(ctx, r.Name); err != nil {
		t.Errorf("Cancel of a reminder that is gone: %v, want no error", err)
	}
}

// testSchedulePast: a reminder whose time has passed when it is scheduled (a back-dated case:
// an import, a phone call entered late) is neither refused nor kept for a time that never
// comes (EventBridge Scheduler does not fire an at() in the past): it is held to fire at once,
// at the scheduler's now or within a minute after. Which of a case's past reminders are
// worth firing is the domain's choice (feedback.Service schedules only the latest).
func testSchedulePast(t *testing.T, newScheduler NewScheduler) {
	ctx := context.Background()
	s, pending := newScheduler(t)
	r := Example("FB-2026-000003", feedback.PurposeOverdue)
	before := time.Now()
	r.At = before.Add(-49 * time.Hour)
	if err := s.Schedule(ctx, r); err != nil {
		t.Fatalf("Schedule of a reminder two days past: %v; want it held to fire at once", err)
	}
	got, n := find(pending(t), r.Name)
	if n != 1 {
		t.Fatalf("%s is held %d times, want once", r.Name, n)
	}
	if got.At.Before(before.Add(-time.Second)) || got.At.After(time.Now().Add(90*time.Second)) {
		t.Errorf("held to fire at %s; want at once (now, %s, or within a minute)", got.At, before.Format(time.TimeOnly))
	}
	if got.Ref != r.Ref || got.Purpose != r.Purpose || got.Stage != r.Stage {
		t.Errorf("held reminder = %+v, want %+v fired at once", got, r)
	}
}

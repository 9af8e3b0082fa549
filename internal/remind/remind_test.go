package remind_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/remind"
)

// recorder is the service as the handler sees it, recording what it was asked to do.
type recorder struct {
	reminded []feedback.Reminder
	swept    int
	err      error

	reminderSweeps   int
	restrictionRuns  int
	restrictionError error
	digests          int
	scheduled        time.Time // the digest's scheduled time, as the handler passed it
}

func (r *recorder) ProcessRestrictions(context.Context) error {
	r.restrictionRuns++
	return r.restrictionError
}

func (r *recorder) Remind(_ context.Context, rem feedback.Reminder) (bool, error) {
	r.reminded = append(r.reminded, rem)
	return r.err == nil, r.err
}

func (r *recorder) ProcessPending(context.Context) error { r.swept++; return r.err }

func (r *recorder) SweepReminders(context.Context) (int, error) { r.reminderSweeps++; return 2, nil }

func (r *recorder) SendDigests(_ context.Context, scheduled time.Time) (int, error) {
	r.digests++
	r.scheduled = scheduled
	return 1, nil
}

// TestHandler_SweepRestrictionFailure: restrictions' side effects failing fail the sweep (so
// that it is retried and alarmed), and never stop the cases' work or the reminders.
func TestHandler_SweepRestrictionFailure(t *testing.T) {
	rec := &recorder{restrictionError: errors.New("SES throttled")}
	h := &remind.Handler{Service: rec, Log: slog.New(slog.DiscardHandler)}
	res, err := h.Handle(context.Background(), remind.Event{Sweep: true})
	if err == nil || !strings.Contains(err.Error(), "SES throttled") || rec.swept != 1 || rec.reminderSweeps != 1 || res.Reminded != 2 {
		t.Errorf("Handle = %+v, %v; pending work %d, reminder sweep %d; want the error and both done", res, err, rec.swept, rec.reminderSweeps)
	}
}

func TestHandler_Handle(t *testing.T) {
	tests := []struct {
		name        string
		payload     string
		err         error
		wantRemind  int
		wantSweep   int
		wantErr     bool
		wantSent    bool
		wantPurpose feedback.Purpose
		wantAt      time.Time // the digest's scheduled time handed to the service
	}{
		{"a due reminder", `{"name":"FB-2026-000001-stage1-due","at":"2027-01-07T09:00:00Z","ref":"FB-2026-000001","stage":"stage1","purpose":"due"}`, nil, 1, 0, false, true, feedback.PurposeDue, time.Time{}},
		{"the daily sweep", `{"sweep":true}`, nil, 0, 1, false, false, "", time.Time{}},
		{"a sweep whose pending work fails still sends missed reminders", `{"sweep":true}`, errors.New("store down"), 0, 1, true, false, "", time.Time{}},
		{"a failing send is retried", `{"ref":"FB-2026-000001","stage":"stage1","purpose":"overdue"}`, errors.New("SES throttled"), 1, 0, true, false, feedback.PurposeOverdue, time.Time{}},
		{"the daily digest", `{"digest":true}`, nil, 0, 0, false, false, "", time.Time{}},
		{"the daily digest at its scheduled time", `{"digest":true,"scheduled_at":"2027-01-05T10:00:00Z"}`, nil, 0, 0, false, false, "",
			time.Date(2027, 1, 5, 10, 0, 0, 0, time.UTC)},
		{"a payload that can never work is dropped once", `{"name":"x"}`, nil, 0, 0, false, false, "", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{err: tt.err}
			h := &remind.Handler{Service: rec, Log: slog.New(slog.DiscardHandler)}
			var ev remind.Event
			if err := json.Unmarshal([]byte(tt.payload), &ev); err != nil {
				t.Fatal(err)
			}
			res, err := h.Handle(context.Background(), ev)
			if (err != nil) != tt.wantErr || len(rec.reminded) != tt.wantRemind || rec.swept != tt.wantSweep || res.Sent != tt.wantSent {
				t.Fatalf("Handle = %+v, %v; reminded %d, swept %d", res, err, len(rec.reminded), rec.swept)
			}
			if wantDigest := strings.Contains(tt.payload, "digest"); (rec.digests == 1) != wantDigest || (wantDigest && res.Digests != 1) {
				t.Errorf("digests sent %d times (reported %d); want once only for the digest payload", rec.digests, res.Digests)
			}
			if rec.swept != rec.reminderSweeps || rec.swept != rec.restrictionRuns || (rec.swept > 0 && res.Reminded != 2) {
				t.Errorf("the sweep ran pending work %d times, restrictions' %d times and the reminder sweep %d times (reported %d sent); want all, always",
					rec.swept, rec.restrictionRuns, rec.reminderSweeps, res.Reminded)
			}
			if !rec.scheduled.Equal(tt.wantAt) {
				t.Errorf("the digest was judged at %v; want %v", rec.scheduled, tt.wantAt)
			}
			if tt.wantRemind > 0 && rec.reminded[0].Purpose != tt.wantPurpose {
				t.Errorf("purpose = %s, want %s", rec.reminded[0].Purpose, tt.wantPurpose)
			}
		})
	}
}

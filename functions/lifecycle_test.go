package functions_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/dynamo"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/workdays"
)

// TestFunctions_SweepClosesUnescalated: the built reminders function's daily sweep, behind its
// template policy, closes the complaints answered at Stage 1 whose window to ask for Stage 2
// has passed (one with the day recorded, one answered before Intake recorded it), with their
// retention started and the history saying why, and leaves one whose window is still open.
func TestFunctions_SweepClosesUnescalated(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := newStack(t)
	loc, err := workdays.London()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	day := func(days int) time.Time {
		y, m, d := now.In(loc).AddDate(0, 0, days).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, loc)
	}
	answered := func(ref string, at, escalateBy time.Time) *feedback.Case {
		received := at.AddDate(0, 0, -10)
		return &feedback.Case{Ref: ref, Kind: feedback.KindComplaint, Channel: feedback.ChannelWeb, Status: feedback.StatusOpen,
			Stage: feedback.Stage1, ServiceArea: "planning", Message: "My objection was lost.", AssignedTo: "planning@example.gov.uk",
			Contact: feedback.Contact{Name: "Ada Resident", Email: "ada.resident@example.com"}, ReceivedAt: received,
			AcknowledgeBy: day(-70), EscalateBy: escalateBy,
			Stages: []feedback.StageRecord{{Stage: feedback.Stage1, OpenedAt: received, RespondBy: at,
				Response: feedback.Response{Outcome: feedback.OutcomeNotUpheld, Summary: "No fault.", SentBy: feedback.SentByPost, At: at, By: "planning@example.gov.uk"}}},
			History:   []feedback.Event{{At: at, By: "planning@example.gov.uk", Action: "responded", Detail: "Stage 1 (investigation): not upheld"}},
			CreatedAt: received, UpdatedAt: at}
	}
	cases := []struct {
		c         *feedback.Case
		wantOpen  bool
		wantWhyBy string // the day the history names; "" for any
	}{
		{answered("FB-2026-000101", day(-60), day(-30)), false, feedback.LongDate(day(-30))},
		{answered("FB-2026-000102", day(-60), time.Time{}), false, ""},
		{answered("FB-2026-000103", day(-1), day(27)), true, ""},
	}
	store := dynamo.New(s.db, s.table, clock.System{})
	for _, tc := range cases {
		if err := store.Create(ctx, tc.c); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	fn := s.start(t, "reminders")
	if out, err := fn.Invoke(ctx, []byte(`{"sweep":true}`)); err != nil || !strings.Contains(string(out), `"swept":true`) {
		t.Fatalf("reminders sweep = %s, %v\n%s", out, err, fn.Output())
	}
	for _, tc := range cases {
		got, err := store.Get(ctx, tc.c.Ref)
		if err != nil {
			t.Fatal(err)
		}
		last := got.History[len(got.History)-1]
		if tc.wantOpen {
			if got.Status != feedback.StatusOpen || last.By == "intake" || !got.ExpiresAt.IsZero() {
				t.Errorf("%s, its window still open, after the sweep: status %s, expires %v, history %+v", tc.c.Ref, got.Status, got.ExpiresAt, last)
			}
			continue
		}
		why := "no Stage 2 review was asked for by " + tc.wantWhyBy
		if got.Status != feedback.StatusClosed || last.By != "intake" || last.Action != "closed" || !strings.HasPrefix(last.Detail, why) {
			t.Errorf("%s after the sweep: status %s, last history %+v; want closed, saying %q", tc.c.Ref, got.Status, last, why)
		}
		if got.ClosedAt.Before(start.Add(-time.Second)) || !got.ExpiresAt.Equal(got.ClosedAt.AddDate(2, 0, 0)) {
			t.Errorf("%s closed %v expires %v escalate by %v; want closed by the sweep, kept two years, no window", tc.c.Ref, got.ClosedAt, got.ExpiresAt, got.EscalateBy)
		}
	}
}

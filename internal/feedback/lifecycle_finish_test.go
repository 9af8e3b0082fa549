package feedback_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/council/intake/internal/feedback"
)

// TestService_Remind_OnlyTheOneThatApplies: when a stage's reminders arrive together (the
// local clock moved past them all, or a schedule delivered late), only the latest that is due
// is sent: never "due soon" after "overdue", in whatever order they come.
func TestService_Remind_OnlyTheOneThatApplies(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		at    time.Time
		order []feedback.Purpose
		want  []string // subjects' opening words, in order
	}{
		{"all three at once, in order", time.Date(2027, 1, 14, 9, 0, 0, 0, time.UTC),
			[]feedback.Purpose{feedback.PurposeWarning, feedback.PurposeDue, feedback.PurposeOverdue}, []string{"Response overdue"}},
		{"a late warning after the overdue", time.Date(2027, 1, 14, 9, 0, 0, 0, time.UTC),
			[]feedback.Purpose{feedback.PurposeOverdue, feedback.PurposeWarning, feedback.PurposeDue}, []string{"Response overdue"}},
		{"warning and due on the due day", time.Date(2027, 1, 7, 9, 30, 0, 0, time.UTC),
			[]feedback.Purpose{feedback.PurposeWarning, feedback.PurposeDue}, []string{"Response due today"}},
		{"each on its own day", time.Time{},
			[]feedback.Purpose{feedback.PurposeWarning, feedback.PurposeDue, feedback.PurposeOverdue},
			[]string{"Response due soon", "Response due today", "Response overdue"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, monday)
			c, _, _ := f.svc.Submit(ctx, complaint()) // due Thursday 7 January 2027
			f.svc.Process(ctx, c.Ref)
			before, _ := f.outbox.List()
			byPurpose := map[feedback.Purpose]feedback.Reminder{}
			for _, r := range f.svc.Reminders(c) {
				byPurpose[r.Purpose] = r
			}
			for _, p := range tt.order {
				r := byPurpose[p]
				at := tt.at
				if at.IsZero() {
					at = r.At
				}
				f.clock.Set(at)
				if _, err := f.svc.Remind(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
			after, _ := f.outbox.List()
			var got []string
			for _, m := range after[len(before):] {
				got = append(got, strings.SplitN(m.Subject, ":", 2)[0])
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("sent %v; want %v", got, tt.want)
			}
		})
	}
}

// TestService_SendDigests_RestrictionReviews: the complaints team's daily digest lists the
// restriction reviews due within the review warning (ten working days) or overdue, as the
// managers' digest lists their cases; a restriction reviewed since is no longer listed.
func TestService_SendDigests_RestrictionReviews(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		at   time.Time
		want string // the section the review is listed under; "" for no digest
	}{
		{"months before the review", time.Date(2027, 3, 1, 9, 30, 0, 0, time.UTC), ""},
		{"within ten working days of it", time.Date(2027, 6, 14, 9, 30, 0, 0, time.UTC), "Restriction reviews due soon"},
		{"past it", time.Date(2027, 6, 23, 9, 30, 0, 0, time.UTC), "Restriction reviews overdue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := restrictionFixture(t)
			r, err := f.svc.Restrict(ctx, ana, feedback.NewRestriction{Contacts: []string{"pat@example.com"},
				Types: []feedback.RestrictionType{feedback.RestrictWrittenOnly}, Reason: "Forty emails a day."}) // review by 21 June 2027
			if err != nil {
				t.Fatal(err)
			}
			f.clock.Set(tt.at)
			before, _ := f.outbox.List()
			if _, err := f.svc.SendDigests(ctx, time.Time{}); err != nil {
				t.Fatal(err)
			}
			after, _ := f.outbox.List()
			got := after[:0:0]
			for _, m := range after[len(before):] {
				if strings.Contains(m.Subject, "digest") {
					got = append(got, m)
				}
			}
			if tt.want == "" {
				if len(got) != 0 {
					t.Errorf("%d digests sent; want none", len(got))
				}
				return
			}
			if len(got) != 1 || got[0].To[0] != ana.Email {
				t.Fatalf("digests = %+v; want one, to the complaints team (%s)", got, ana.Email)
			}
			if !strings.Contains(got[0].Text, tt.want+"\n- "+r.ID) || !strings.Contains(got[0].Text, "21 June 2027") ||
				!strings.Contains(got[0].HTML, r.ID) || !strings.Contains(got[0].Subject, "1 restriction review") {
				t.Errorf("digest does not list %s under %q:\n%s\n%s", r.ID, tt.want, got[0].Subject, got[0].Text)
			}
		})
	}
	t.Run("reviewed since", func(t *testing.T) {
		f := restrictionFixture(t)
		r, err := f.svc.Restrict(ctx, ana, feedback.NewRestriction{Contacts: []string{"pat@example.com"},
			Types: []feedback.RestrictionType{feedback.RestrictWrittenOnly}, Reason: "Forty emails a day."})
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Set(time.Date(2027, 6, 14, 9, 30, 0, 0, time.UTC))
		if _, err := f.svc.ReviewRestriction(ctx, ana, r.ID, "continue", "Still forty a day.", nil); err != nil {
			t.Fatal(err)
		}
		before, _ := f.outbox.List()
		f.svc.SendDigests(ctx, time.Time{})
		after, _ := f.outbox.List()
		for _, m := range after[len(before):] {
			if strings.Contains(m.Text, r.ID) && strings.Contains(m.Subject, "digest") {
				t.Errorf("a reviewed restriction is still in the digest:\n%s", m.Text)
			}
		}
	})
}

// TestService_SweepReminders_ClosesUnescalated: a complaint answered at Stage 1 and not
// escalated closes by itself once the date its response letter gave for asking for Stage 2 has
// passed (20 working days; here the Easter bank holidays push it from 21 to 23 April 2027),
// with its retention started and the history saying why. A case escalated or closed in time is
// left alone, and so is one whose window has not ended.
func TestService_SweepReminders_ClosesUnescalated(t *testing.T) {
	ctx := context.Background()
	const why = "no Stage 2 review was asked for by Friday 23 April 2027"
	tests := []struct {
		name       string
		before     func(t *testing.T, f *fixture, ref string) // after the response
		sweep      time.Time
		wantStatus feedback.Status
		wantWhy    bool
	}{
		{"late on the last day of the window (22:00 UTC, 23:00 BST)", nil, london("2027-04-23T22:00"), feedback.StatusOpen, false},
		{"the morning after it", nil, london("2027-04-24T06:00"), feedback.StatusClosed, true},
		{"weeks after it", nil, london("2027-06-01T07:00"), feedback.StatusClosed, true},
		{"escalated in time", func(t *testing.T, f *fixture, ref string) {
			f.clock.Set(london("2027-04-20T10:00"))
			if _, err := f.svc.Escalate(ctx, cy, ref, di.Email, "The resident is unhappy."); err != nil {
				t.Fatal(err)
			}
		}, london("2027-04-26T07:00"), feedback.StatusOpen, false},
		{"closed by the officer", func(t *testing.T, f *fixture, ref string) {
			f.clock.Set(london("2027-04-01T10:00"))
			if _, err := f.svc.Close(ctx, bo, ref, "The resident accepted the response."); err != nil {
				t.Fatal(err)
			}
		}, london("2027-04-26T07:00"), feedback.StatusClosed, false},
		{"answered before the window was recorded", forgetWindow, london("2027-04-24T06:00"), feedback.StatusClosed, true},
		{"answered before the window was recorded, within it", forgetWindow, london("2027-04-23T10:00"), feedback.StatusOpen, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := lifecycleFixture(t)
			f.clock.Set(london("2027-03-10T10:00"))
			c := f.submitted(t)
			f.clock.Set(london("2027-03-24T15:00"))
			if c = respond(t, f, bo, c.Ref); c.EscalateBy.Format(time.DateOnly) != "2027-04-23" {
				t.Errorf("after the response EscalateBy = %v; want 2027-04-23", c.EscalateBy)
			}
			if sent, _ := f.outbox.List(); !strings.Contains(sent[len(sent)-1].Text, "by Friday 23 April 2027") {
				t.Errorf("the response letter does not give the day the case closes:\n%s", sent[len(sent)-1].Text)
			}
			if tt.before != nil {
				tt.before(t, f, c.Ref)
			}
			before, _ := f.store.Get(ctx, c.Ref)
			f.clock.Set(tt.sweep)
			if _, err := f.svc.SweepReminders(ctx); err != nil {
				t.Fatal(err)
			}
			got, err := f.store.Get(ctx, c.Ref)
			if err != nil {
				t.Fatal(err)
			}
			last := got.History[len(got.History)-1]
			saysWhy := last.Action == "closed" && last.Detail == why
			if got.Status != tt.wantStatus || saysWhy != tt.wantWhy {
				t.Errorf("after the sweep: status %s, last history %+v; want %s, explained %v", got.Status, last, tt.wantStatus, tt.wantWhy)
			}
			if tt.wantWhy && (!got.ClosedAt.Equal(tt.sweep) || !got.ExpiresAt.Equal(tt.sweep.AddDate(2, 0, 0))) {
				t.Errorf("closed %v, expires %v; want closed at the sweep and kept two years", got.ClosedAt, got.ExpiresAt)
			}
			if !tt.wantWhy && (got.Status != before.Status || len(got.History) != len(before.History)) {
				t.Errorf("the sweep changed a case it should have left: %+v", last)
			}
			wantBy := ""
			if got.Status == feedback.StatusOpen && got.Stage == feedback.Stage1 {
				wantBy = "2027-04-23" // worked out, for a case answered before it was recorded
			}
			if by := got.EscalateBy; by.IsZero() != (wantBy == "") || wantBy != "" && by.Format(time.DateOnly) != wantBy {
				t.Errorf("after the sweep EscalateBy = %v; want %q", by, wantBy)
			}
		})
	}
}

// forgetWindow makes the case one answered before Intake recorded the last day to ask for
// Stage 2.
func forgetWindow(t *testing.T, f *fixture, ref string) {
	t.Helper()
	if _, err := f.store.Update(context.Background(), ref, func(c *feedback.Case) error { c.EscalateBy = time.Time{}; return nil }); err != nil {
		t.Fatal(err)
	}
}

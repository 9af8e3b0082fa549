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
			if _, err := f.svc.SendDigests(ctx); err != nil {
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
		f.svc.SendDigests(ctx)
		after, _ := f.outbox.List()
		for _, m := range after[len(before):] {
			if strings.Contains(m.Text, r.ID) && strings.Contains(m.Subject, "digest") {
				t.Errorf("a reviewed restriction is still in the digest:\n%s", m.Text)
			}
		}
	})
}

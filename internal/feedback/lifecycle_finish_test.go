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

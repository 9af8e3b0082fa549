package feedback_test

import (
	"context"
	"testing"
	"time"

	"github.com/council/intake/internal/feedback"
)

func TestService_Mark(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		who  feedback.StaffMember
		n    feedback.NewMarker
		code string
	}{
		{"the complaints team", ana, feedback.NewMarker{Contacts: []string{"Pat@example.com", "01632 960002"}, Reason: "Threatened an officer.", ToldOn: monday}, ""},
		{"a manager may not", bo, feedback.NewMarker{Contacts: []string{"pat@example.com"}, Reason: "r"}, feedback.EFORBIDDEN},
		{"no reason", ana, feedback.NewMarker{Contacts: []string{"pat@example.com"}}, feedback.EINVALID},
		{"no contact", ana, feedback.NewMarker{Reason: "r"}, feedback.EINVALID},
		{"told before the decision", ana, feedback.NewMarker{Contacts: []string{"pat@example.com"}, Reason: "r", DecidedOn: monday, ToldOn: monday.AddDate(0, 0, -3)}, feedback.EINVALID},
		{"decided in the future", ana, feedback.NewMarker{Contacts: []string{"pat@example.com"}, Reason: "r", DecidedOn: monday.AddDate(0, 0, 1)}, feedback.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := lifecycleFixture(t)
			m, err := f.svc.Mark(ctx, tt.who, tt.n)
			if feedback.ErrorCode(err) != tt.code {
				t.Fatalf("Mark = %v; want code %q", err, tt.code)
			}
			if tt.code != "" {
				return
			}
			if m.ExpiresAt.Format(time.DateOnly) != "2029-12-21" || m.ToldOn.IsZero() || len(m.Contacts) != 2 {
				t.Errorf("marker = %+v; want kept three years from 21 December 2026, told, two identities", m)
			}
			c := f.submitted(t) // from Ada@Example.com: not marked
			if ms, _ := f.svc.MarkersFor(ctx, c); len(ms) != 0 {
				t.Errorf("an unmarked sender's case shows %d markers", len(ms))
			}
			sub := complaint()
			sub.Email, sub.Phone = "", "01632960002"
			marked, _, err := f.svc.Submit(ctx, sub)
			if err != nil {
				t.Fatal(err)
			}
			if ms, _ := f.svc.MarkersFor(ctx, marked); len(ms) != 1 || ms[0].ID != m.ID {
				t.Errorf("the marked person's case (by telephone) shows %v; want %s", ms, m.ID)
			}
			f.clock.Set(london("2029-12-21T00:00"))
			if ms, _ := f.svc.ListMarkers(ctx, ana); len(ms) != 0 {
				t.Errorf("after three years the list still holds %d markers", len(ms))
			}
		})
	}
}

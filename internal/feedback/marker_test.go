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

func TestService_RecordMarkerTold(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		who  feedback.StaffMember
		id   string // "": the marker made for the test
		told time.Time
		code string
		want string // the told day recorded
	}{
		{"today, by default", ana, "", time.Time{}, "", "2026-12-21"},
		{"the day it was sent", ana, "", monday, "", "2026-12-21"},
		{"a manager may not", bo, "", time.Time{}, feedback.EFORBIDDEN, ""},
		{"before the decision", ana, "", monday.AddDate(0, 0, -1), feedback.EINVALID, ""},
		{"in the future", ana, "", monday.AddDate(0, 0, 1), feedback.EINVALID, ""},
		{"no such marker", ana, "SM-2026-0099", time.Time{}, feedback.ENOTFOUND, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := lifecycleFixture(t)
			m, err := f.svc.Mark(ctx, ana, feedback.NewMarker{Contacts: []string{"pat@example.com"}, Reason: "Threatened an officer.", DecidedOn: monday})
			if err != nil || !m.ToldOn.IsZero() {
				t.Fatalf("Mark = %+v, %v; want a marker with no told day", m, err)
			}
			id := m.ID
			if tt.id != "" {
				id = tt.id
			}
			got, err := f.svc.RecordMarkerTold(ctx, tt.who, id, tt.told)
			if feedback.ErrorCode(err) != tt.code {
				t.Fatalf("RecordMarkerTold = %v; want code %q", err, tt.code)
			}
			if tt.code != "" {
				return
			}
			if d := got.ToldOn.Format(time.DateOnly); d != tt.want {
				t.Errorf("told on %s; want %s", d, tt.want)
			}
			if _, err := f.svc.RecordMarkerTold(ctx, ana, id, tt.told); feedback.ErrorCode(err) != feedback.ECONFLICT {
				t.Errorf("recording it again = %v; want %s", err, feedback.ECONFLICT)
			}
			ms, _ := f.svc.ListMarkers(ctx, ana)
			if len(ms) != 1 || ms[0].ToldOn.Format(time.DateOnly) != tt.want {
				t.Errorf("the list shows %+v; want the told day kept", ms)
			}
		})
	}
}

package feedback_test

import (
	"context"
	"strings"
	"testing"

	"github.com/council/intake/internal/feedback"
)

func TestService_Erase(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		who      feedback.StaffMember
		setup    func(t *testing.T, f *fixture, c *feedback.Case)
		override string
		code     string
		reason   string
	}{
		{"an open case", ana, nil, "", feedback.ECONFLICT, "is open"},
		{"an open case, even with an override", ana, nil, "Agreed.", feedback.ECONFLICT, "is open"},
		{"under legal hold", ana, func(t *testing.T, f *fixture, c *feedback.Case) {
			f.svc.Close(ctx, cy, c.Ref, "Done.")
			f.svc.PlaceHold(ctx, ana, c.Ref, "Litigation.")
		}, "Agreed.", feedback.ECONFLICT, "under legal hold"},
		{"within retention", ana, func(t *testing.T, f *fixture, c *feedback.Case) { f.svc.Close(ctx, cy, c.Ref, "Done.") },
			"", feedback.ECONFLICT, "must be kept until 21 December 2028"},
		{"within retention, overridden", ana, func(t *testing.T, f *fixture, c *feedback.Case) { f.svc.Close(ctx, cy, c.Ref, "Done.") },
			"The data protection officer agreed.", "", ""},
		{"a manager may not", bo, nil, "", feedback.EFORBIDDEN, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := lifecycleFixture(t)
			c := f.submitted(t)
			if tt.setup != nil {
				tt.setup(t, f, c)
			}
			out, err := f.svc.Erase(ctx, tt.who, "ada@example.com", tt.override)
			if feedback.ErrorCode(err) != tt.code || !strings.Contains(feedback.ErrorMessage(err), tt.reason) {
				t.Fatalf("Erase = %v; want code %q saying %q", err, tt.code, tt.reason)
			}
			_, getErr := f.svc.Store.Get(ctx, c.Ref)
			if tt.code != "" {
				if getErr != nil {
					t.Errorf("a refused erasure removed the case: %v", getErr)
				}
				return
			}
			if len(out.Erased) != 1 || feedback.ErrorCode(getErr) != feedback.ENOTFOUND {
				t.Errorf("erased %v, Get after = %v; want the case gone", out.Erased, getErr)
			}
			log, _ := f.store.ListDestructions(ctx, monday, monday.AddDate(1, 0, 0))
			if len(log) != 1 || !strings.Contains(log[0].Reason, "erased at the person's request") || strings.Contains(log[0].Reason, "ada@") {
				t.Errorf("destruction log = %+v", log)
			}
		})
	}
}

func TestService_PersonData(t *testing.T) {
	ctx := context.Background()
	f := lifecycleFixture(t)
	byEmail := f.submitted(t)
	sub := complaint()
	sub.Email, sub.Phone = "", "01632 960003"
	byPhone, _, err := f.svc.Submit(ctx, sub)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		link  bool
		want  int
		ident int
	}{
		{"one identity", false, 1, 1},
		{"identities linked by a marker", true, 2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.link {
				if _, err := f.svc.Mark(ctx, ana, feedback.NewMarker{Contacts: []string{"ada@example.com", "01632960003"}, Reason: "Shouted at staff."}); err != nil {
					t.Fatal(err)
				}
			}
			p, err := f.svc.PersonData(ctx, ana, "ADA@example.com")
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Cases) != tt.want || len(p.Identities) != tt.ident || p.Cases[0].Ref != byEmail.Ref {
				t.Errorf("cases %d, identities %v; want %d cases, %d identities (cases %s, %s)", len(p.Cases), p.Identities, tt.want, tt.ident, byEmail.Ref, byPhone.Ref)
			}
		})
	}
}

package feedback_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/council/intake/internal/feedback"
)

// TestService_Actions: what each person may do to a case as it stands, the next expected step
// marked; and every action offered is one the lifecycle then accepts.
func TestService_Actions(t *testing.T) {
	ctx := context.Background()
	f := lifecycleFixture(t)
	open := f.submitted(t)
	extended, err := f.svc.Extend(ctx, cy, f.submitted(t).Ref, 5, "A site visit.")
	if err != nil {
		t.Fatal(err)
	}
	responded := respond(t, f, cy, f.submitted(t).Ref)
	escalated, err := f.svc.Escalate(ctx, cy, respond(t, f, cy, f.submitted(t).Ref).Ref, bo.Email, "Unhappy.")
	if err != nil {
		t.Fatal(err)
	}
	referred, err := f.svc.ReferOmbudsman(ctx, bo, respond(t, f, cy, f.submitted(t).Ref).Ref, feedback.OmbudsmanLGSCO, monday)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		who  feedback.StaffMember
		c    *feedback.Case
		want string // the actions' names in order, the primary one starred
	}{
		{"a new complaint, its officer", cy, open, "[*respond close reply note assign reclassify extend]"},
		{"a new complaint, a manager", bo, open, "[*respond close reply note assign reclassify extend ombudsman]"},
		{"a new complaint, the complaints team", ana, open, "[*respond close reply note assign reclassify extend ombudsman hold]"},
		{"no Extend after an extension", cy, extended, "[*respond close reply note assign reclassify]"},
		{"after Stage 1's response: Escalate", cy, responded, "[close reply note assign escalate]"},
		{"at Stage 2", bo, escalated, "[*respond close reply note assign extend ombudsman]"},
		{"referred: the decision, for a manager", bo, referred, "[close reply note assign escalate ombudsman]"},
		{"referred: no Ombudsman for an officer", cy, referred, "[close reply note assign escalate]"},
		{"another area's officer", ed, open, "[]"},
		{"a monitor", mo, open, "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, a := range f.svc.Actions(tt.who, tt.c) {
				s := string(a.Name)
				if a.Primary {
					s = "*" + s
				}
				got = append(got, s)
			}
			if fmt.Sprint(got) != tt.want {
				t.Errorf("Actions = %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("a closed comment with no email address: only a note", func(t *testing.T) {
		c, _, err := f.svc.Submit(ctx, feedback.Submission{Kind: "comment", ServiceArea: "planning", Message: "Nice.", Channel: feedback.ChannelWeb})
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(f.svc.Actions(cy, c)); got != "[{close Close the case true} {note Add a note false} {assign Assign to someone else false} {reclassify Change the kind false}]" {
			t.Errorf("an open comment's actions = %s", got)
		}
		if c, err = f.svc.Close(ctx, cy, c.Ref, "Thanked."); err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(f.svc.Actions(cy, c)); got != "[{note Add a note false}]" {
			t.Errorf("a closed comment's actions = %s", got)
		}
	})
}

package feedback_test

import (
	"context"
	"strings"
	"testing"
)

func TestService_Letters_LinkToTheConsole(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		consoleURL string
		want       string // "" for no link at all
	}{
		{"console configured", "https://intake.example.gov.uk/", "https://intake.example.gov.uk/officer/cases/FB-2026-000001"},
		{"no console", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, monday)
			f.svc.Council.ConsoleURL = tt.consoleURL
			c, _, err := f.svc.Submit(ctx, complaint())
			if err != nil {
				t.Fatal(err)
			}
			if err := f.svc.Process(ctx, c.Ref); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.Remind(ctx, f.svc.Reminders(c)[0]); err != nil {
				t.Fatal(err)
			}
			all, _ := f.outbox.List()
			checked := 0
			for _, m := range all {
				if m.To[0] != "planning@example.gov.uk" { // the officer's letters, not the resident's
					if strings.Contains(m.Text, "/officer/") || strings.Contains(m.HTML, "/officer/") {
						t.Errorf("the letter to the resident (%s) links to the console", m.Subject)
					}
					continue
				}
				checked++
				for part, body := range map[string]string{"text": m.Text, "html": m.HTML} {
					if has := strings.Contains(body, "/officer/cases/"); has != (tt.want != "") || (tt.want != "" && !strings.Contains(body, tt.want)) {
						t.Errorf("%q (%s part) links to the console: %v; want link %q in:\n%s", m.Subject, part, has, tt.want, body)
					}
				}
			}
			if checked != 2 {
				t.Errorf("checked %d letters to the officer; want the assignment and the reminder", checked)
			}
		})
	}
}

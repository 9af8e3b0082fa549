package feedback_test

import (
	"context"
	"testing"
	"unicode"

	"github.com/council/intake/internal/feedback"
)

// TestService_StaffText_ControlCharacters: what staff write (a note, an extension's reason, a
// response's summary, a closing note) is held to the rules residents' text is: control
// characters (an escape sequence, a NUL, a bell, a lone carriage return) are removed, line
// breaks and tabs kept, and text with nothing a reader would see is refused as empty.
func TestService_StaffText_ControlCharacters(t *testing.T) {
	ctx := context.Background()
	const dirty = "Spoke to the resident\x1b[31m.\x00\x07\r\nThey will\tsend photos.\r"
	const want = "Spoke to the resident[31m.\nThey will\tsend photos."
	actions := []struct {
		name string
		do   func(f *fixture, ref, text string) (*feedback.Case, error)
		got  func(c *feedback.Case) string
	}{
		{"a note", func(f *fixture, ref, text string) (*feedback.Case, error) { return f.svc.AddNote(ctx, cy, ref, text) },
			func(c *feedback.Case) string { return c.History[len(c.History)-1].Detail }},
		{"an extension's reason", func(f *fixture, ref, text string) (*feedback.Case, error) { return f.svc.Extend(ctx, cy, ref, 5, text) },
			func(c *feedback.Case) string { st, _ := c.StageRecordOf(feedback.Stage1); return st.ExtensionReason }},
		{"a response's summary", func(f *fixture, ref, text string) (*feedback.Case, error) {
			return f.svc.Respond(ctx, cy, ref, feedback.Response{Outcome: feedback.OutcomeUpheld, Summary: text, SentBy: feedback.SentByPost})
		}, func(c *feedback.Case) string { st, _ := c.StageRecordOf(feedback.Stage1); return st.Response.Summary }},
		{"a closing note", func(f *fixture, ref, text string) (*feedback.Case, error) { return f.svc.Close(ctx, cy, ref, text) },
			func(c *feedback.Case) string { return c.History[len(c.History)-1].Reason }},
	}
	for _, a := range actions {
		t.Run(a.name, func(t *testing.T) {
			f := lifecycleFixture(t)
			c, err := a.do(f, f.submitted(t).Ref, dirty)
			if err != nil {
				t.Fatal(err)
			}
			got := a.got(c)
			if got != want {
				t.Errorf("stored %q, want %q", got, want)
			}
			for _, r := range got {
				if unicode.IsControl(r) && r != '\n' && r != '\t' {
					t.Errorf("stored a control character %U", r)
				}
			}
		})
		t.Run(a.name+" with nothing to read", func(t *testing.T) {
			f := lifecycleFixture(t)
			before := f.submitted(t)
			if _, err := a.do(f, before.Ref, "\x00\u200b\x1b \r\n"); feedback.ErrorCode(err) != feedback.EINVALID {
				t.Errorf("error %v, want %s", err, feedback.EINVALID)
			}
			if c, _ := f.svc.Store.Get(ctx, before.Ref); len(c.History) != len(before.History) {
				t.Errorf("a refused action was recorded: %+v", c.History)
			}
		})
	}
}

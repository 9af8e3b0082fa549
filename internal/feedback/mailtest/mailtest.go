// Package mailtest is the conformance suite for feedback.Mailer: the local outbox and SES must
// deliver the same message, headers included.
package mailtest

import (
	"context"
	"strings"
	"testing"

	"github.com/council/intake/internal/feedback"
	"github.com/google/go-cmp/cmp"
)

// Sent returns every message the mailer has delivered so far, oldest first, as read back from
// where it went (the outbox, or the SES API server).
type Sent func(t *testing.T) []feedback.Message

// NewMailer returns a fresh mailer with nothing sent, and a way to read what it sent.
type NewMailer func(t *testing.T) (feedback.Mailer, Sent)

// Run runs the whole suite against mailers made by newMailer.
func Run(t *testing.T, newMailer NewMailer) {
	t.Run("Send", func(t *testing.T) { testSend(t, newMailer) })
	t.Run("Send_RejectsHeaderInjection", func(t *testing.T) { testInjection(t, newMailer) })
	t.Run("Send_RequiresRecipient", func(t *testing.T) { testNoRecipient(t, newMailer) })
}

// Example is a message with everything a real acknowledgement has.
func Example() feedback.Message {
	return feedback.Message{
		From:    "Example Council <feedback@intake.example.gov.uk>",
		To:      []string{"ada@example.com"},
		ReplyTo: "reply+fb-2026-000001@intake.example.gov.uk",
		Subject: "We have received your complaint (FB-2026-000001) – ünïcödé",
		Headers: map[string]string{"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"},
		Text:    "Dear Ada,\n\nYour reference is FB-2026-000001.\n",
		HTML:    "<p>Dear Ada,</p><p>Your reference is <strong>FB-2026-000001</strong>. &lt;b&gt;</p>",
	}
}

func testSend(t *testing.T, newMailer NewMailer) {
	m, sent := newMailer(t)
	want := Example()
	id, err := m.Send(context.Background(), want)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if id == "" {
		t.Error("Send returned an empty message id")
	}
	got := sent(t)
	if len(got) != 1 {
		t.Fatalf("sent %d messages, want 1", len(got))
	}
	g := got[0]
	if !strings.Contains(g.From, "feedback@intake.example.gov.uk") {
		t.Errorf("From = %q", g.From)
	}
	if diff := cmp.Diff(want.To, g.To); diff != "" {
		t.Errorf("To (-want +got):\n%s", diff)
	}
	if g.Subject != want.Subject {
		t.Errorf("Subject = %q, want %q", g.Subject, want.Subject)
	}
	if !strings.Contains(g.ReplyTo, "reply+fb-2026-000001@intake.example.gov.uk") {
		t.Errorf("Reply-To = %q", g.ReplyTo)
	}
	for k, v := range want.Headers {
		if g.Headers[k] != v {
			t.Errorf("header %s = %q, want %q", k, g.Headers[k], v)
		}
	}
	if strings.TrimSpace(g.Text) != strings.TrimSpace(want.Text) {
		t.Errorf("Text = %q, want %q", g.Text, want.Text)
	}
	if strings.TrimSpace(g.HTML) != strings.TrimSpace(want.HTML) {
		t.Errorf("HTML = %q, want %q", g.HTML, want.HTML)
	}
}

func testInjection(t *testing.T, newMailer NewMailer) {
	tests := []struct {
		name string
		edit func(*feedback.Message)
	}{
		{"subject", func(m *feedback.Message) { m.Subject = "Hello\r\nBcc: victim@example.com" }},
		{"header value", func(m *feedback.Message) { m.Headers["X-Test"] = "a\nBcc: victim@example.com" }},
		{"recipient", func(m *feedback.Message) { m.To = []string{"ada@example.com\r\nBcc: victim@example.com"} }},
		{"sender", func(m *feedback.Message) { m.From = "a@example.com\nBcc: victim@example.com" }},
		{"reply-to", func(m *feedback.Message) { m.ReplyTo = "a@example.com\r\nBcc: victim@example.com" }},
		{"bare CR in subject", func(m *feedback.Message) { m.Subject = "Hello\rBcc: victim@example.com" }},
		{"colon in a header name", func(m *feedback.Message) { m.Headers["X-Test: a\r\nBcc"] = "x" }},
		{"a header the mailer writes", func(m *feedback.Message) { m.Headers["bcc"] = "victim@example.com" }},
		{"recipient that is not an address", func(m *feedback.Message) { m.To = []string{"not an address"} }},
		{"recipient with a non-ASCII mailbox", func(m *feedback.Message) { m.To = []string{"josé@example.com"} }},
		{"recipient with an unconverted international domain", func(m *feedback.Message) { m.To = []string{"ada@bücher.example"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, sent := newMailer(t)
			msg := Example()
			tt.edit(&msg)
			if _, err := m.Send(context.Background(), msg); feedback.ErrorCode(err) != feedback.EINVALID {
				t.Errorf("Send error = %v, want code %s", err, feedback.EINVALID)
			}
			if n := len(sent(t)); n != 0 {
				t.Errorf("a message with a line break in a header was sent (%d sent)", n)
			}
		})
	}
}

func testNoRecipient(t *testing.T, newMailer NewMailer) {
	m, _ := newMailer(t)
	msg := Example()
	msg.To = nil
	if _, err := m.Send(context.Background(), msg); feedback.ErrorCode(err) != feedback.EINVALID {
		t.Errorf("Send with no recipient: error = %v, want code %s", err, feedback.EINVALID)
	}
}

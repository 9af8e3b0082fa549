package main

import (
	"encoding/json"
	"net/http"
	"net/smtp"
	"os"
	"regexp"
	"strings"
	"testing"
)

var smtpLine = regexp.MustCompile(`Email in:\s+SMTP (\S+)`)

// TestLocalRunner_Email sends the sample email to POST /_local/email and a reply to it over
// SMTP, as a developer trying Intake would.
func TestLocalRunner_Email(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the local runner")
	}
	bin := buildRunner(t)
	r := start(t, bin, t.TempDir(), "-now", "2026-12-21T10:00:00Z")
	raw, err := os.ReadFile("../../events/email-sample.eml")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(r.base+"/_local/email", "message/rfc822", strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	var out struct{ Outcome, Reference string }
	json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || out.Outcome != "created" || out.Reference != "FB-2026-000001" {
		t.Fatalf("POST /_local/email = %d %+v; want 201 created FB-2026-000001", resp.StatusCode, out)
	}
	var ack *outboxMessage
	for _, m := range r.outbox(t) {
		if m.To[0] == "ada.resident@example.com" {
			ack = &m
		}
	}
	if ack == nil || ack.Headers["In-Reply-To"] != "<sample-complaint-1@mail.example.com>" || !strings.Contains(ack.Subject, "[FB-2026-000001]") {
		t.Fatalf("acknowledgement = %+v; want a reply to the sample's Message-ID naming the reference", ack)
	}

	m := smtpLine.FindStringSubmatch(r.banner)
	if m == nil {
		t.Fatalf("the banner does not say where SMTP listens:\n%s", r.banner)
	}
	reply := "From: ada.resident@example.com\r\nTo: reply+fb-2026-000001@intake.example.gov.uk\r\nSubject: One more thing\r\n" +
		"Message-ID: <reply-1@mail.example.com>\r\n\r\nThe food waste was missed too.\r\n"
	c, err := smtp.Dial(m[1])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail("ada.resident@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("reply+fb-2026-000001@intake.example.gov.uk"); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(reply))
	if err := w.Close(); err != nil {
		t.Fatalf("SMTP DATA: %v", err)
	}
	c.Quit()
	told := false
	for _, m := range r.outbox(t) {
		told = told || (strings.HasPrefix(m.Subject, "New message on FB-2026-000001") && strings.Contains(m.Text, "The food waste was missed too."))
		if m.To[0] == "ada.resident@example.com" && m.Subject != ack.Subject {
			t.Errorf("the resident got a second letter for a follow-up: %q", m.Subject)
		}
	}
	if !told {
		t.Error("the officer was not told of the follow-up sent over SMTP")
	}
}

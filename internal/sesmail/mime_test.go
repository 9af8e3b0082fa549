package sesmail

import (
	"bytes"
	"fmt"
	"mime"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/feedback/mailtest"
	"github.com/jhillyerd/enmime/v2"
)

var at = time.Date(2026, 12, 21, 10, 0, 0, 0, time.UTC)

// readBack parses raw with enmime and with the standard library, failing t on any defect.
func readBack(t *testing.T, raw []byte) (*enmime.Envelope, *mail.Message) {
	t.Helper()
	env, err := enmime.ReadEnvelope(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("enmime: %v", err)
	}
	for _, e := range env.Errors {
		// Warnings include enmime guessing ISO-8859-1 for pure ASCII declared as UTF-8.
		if e.Severe {
			t.Errorf("enmime found a defect: %v", e)
		}
	}
	std, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("net/mail: %v", err)
	}
	return env, std
}

// checkLines fails t if any header line is longer than RFC 5322 asks (78) or any body line
// longer than quoted-printable allows (76), or a line ends in anything but CRLF.
func checkLines(t *testing.T, raw []byte) {
	t.Helper()
	head, body, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	for _, part := range []struct {
		text  []byte
		limit int
	}{{head, 78}, {body, 76}} {
		for _, line := range strings.Split(string(part.text), "\r\n") {
			if strings.ContainsAny(line, "\r\n") {
				t.Errorf("bare CR or LF in line %q", line)
			}
			if len(line) > part.limit && !strings.HasPrefix(line, "--") {
				t.Errorf("line of %d characters (limit %d): %q", len(line), part.limit, line)
			}
		}
	}
}

func TestCompose_Headers(t *testing.T) {
	c, err := compose(mailtest.Example(), at)
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, c.raw)
	env, std := readBack(t, c.raw)
	tests := []struct {
		header string
		want   string // "" means only that it is present
	}{
		{"MIME-Version", "1.0"},
		{"Date", "Mon, 21 Dec 2026 10:00:00 +0000"},
		{"Message-ID", ""},
		{"From", `"Example Council" <feedback@intake.example.gov.uk>`},
		{"To", "ada@example.com"},
		{"Reply-To", "reply+fb-2026-000001@intake.example.gov.uk"},
		{"Auto-Submitted", "auto-replied"},
		{"X-Auto-Response-Suppress", "All"},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			got := env.GetHeader(tt.header)
			if got == "" || (tt.want != "" && got != tt.want) {
				t.Errorf("%s = %q, want %q", tt.header, got, tt.want)
			}
		})
	}
	if id := std.Header.Get("Message-Id"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@intake.example.gov.uk>") {
		t.Errorf("Message-ID = %q, want <...@intake.example.gov.uk>", id)
	}
	if mt, params, _ := mime.ParseMediaType(std.Header.Get("Content-Type")); mt != "multipart/alternative" || params["boundary"] == "" {
		t.Errorf("Content-Type = %q, want multipart/alternative with a boundary", std.Header.Get("Content-Type"))
	}
	if c.from != "feedback@intake.example.gov.uk" || len(c.to) != 1 || c.to[0] != "ada@example.com" {
		t.Errorf("envelope = %q -> %q", c.from, c.to)
	}
	again, _ := compose(mailtest.Example(), at)
	if a, b := env.GetHeader("Message-ID"), readHeader(t, again.raw, "Message-ID"); a == b {
		t.Errorf("two messages share Message-ID %s", a)
	}
}

func readHeader(t *testing.T, raw []byte, name string) string {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return m.Header.Get(name)
}

func TestCompose_Subject(t *testing.T) {
	tests := []struct {
		name    string
		subject string
	}{
		{"ASCII", "We have received your complaint (FB-2026-000001)"},
		{"non-ASCII", "We have received your complaint (FB-2026-000001) – ünïcödé"},
		{"Welsh", "Rydym wedi derbyn eich cwyn (FB-2026-000001) – diolch yn fawr, ŵ ŷ"},
		{"long ASCII", strings.TrimSpace(strings.Repeat("Your complaint about the bins on Example Road ", 4))},
		{"long non-ASCII", strings.Repeat("Cwyn am y biniau ar Ffordd Enghraifft – ŵŷ ", 5)},
		{"emoji", "Thank you 👍 for your compliment"},
		{"double spaces", "Reference  FB-2026-000001   received"},
		{"looks encoded", "=?utf-8?q?not_really?="},
		{"empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := mailtest.Example()
			msg.Subject = tt.subject
			c, err := compose(msg, at)
			if err != nil {
				t.Fatal(err)
			}
			checkLines(t, c.raw)
			env, std := readBack(t, c.raw)
			want := tt.subject
			if tt.name == "looks encoded" {
				// A plain-ASCII value is sent as it is, so a reader decodes what looks like an
				// encoded word: harmless, and what every mailer does.
				want = "not really"
			}
			if got := env.GetHeader("Subject"); got != want {
				t.Errorf("enmime Subject = %q, want %q", got, want)
			}
			var dec mime.WordDecoder
			if got, err := dec.DecodeHeader(std.Header.Get("Subject")); err != nil || got != want {
				t.Errorf("net/mail Subject = %q, %v; want %q", got, err, want)
			}
		})
	}
}

func TestCompose_Body(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		html     string
		wantType string
	}{
		{"example", mailtest.Example().Text, mailtest.Example().HTML, "multipart/alternative"},
		{
			"escaping untouched",
			"Use <b> & \"quotes\" = fine\n",
			`<p title="a &amp; b">&lt;script&gt;alert(1)&lt;/script&gt; = 100% &#8211; ü</p>`,
			"multipart/alternative",
		},
		{
			"long lines and trailing spaces",
			strings.Repeat("Thank you for telling us about the missed collection. ", 6) + "  \nend",
			"<p>" + strings.Repeat("A long paragraph without any breaks at all, ", 8) + "</p>\n",
			"multipart/alternative",
		},
		{"text only", "Dear Ada,\n\nThank you.\n", "", "text/plain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := mailtest.Example()
			msg.Text, msg.HTML = tt.text, tt.html
			c, err := compose(msg, at)
			if err != nil {
				t.Fatal(err)
			}
			checkLines(t, c.raw)
			env, std := readBack(t, c.raw)
			if mt, _, _ := mime.ParseMediaType(std.Header.Get("Content-Type")); mt != tt.wantType {
				t.Errorf("Content-Type = %s, want %s", mt, tt.wantType)
			}
			if got := strings.ReplaceAll(env.Text, "\r\n", "\n"); got != tt.text {
				t.Errorf("Text = %q, want %q", got, tt.text)
			}
			if got := strings.ReplaceAll(env.HTML, "\r\n", "\n"); got != tt.html {
				t.Errorf("HTML = %q, want %q", got, tt.html)
			}
			if bytes.ContainsFunc(c.raw, func(r rune) bool { return r > 0x7e }) {
				t.Error("raw message is not 7-bit")
			}
		})
	}
}

func TestCompose_Rejects(t *testing.T) {
	many := make([]string, maxRecipients+1)
	for i := range many {
		many[i] = fmt.Sprintf("r%d@example.com", i)
	}
	tests := []struct {
		name string
		edit func(*feedback.Message)
	}{
		{"no recipients", func(m *feedback.Message) { m.To = nil }},
		{"too many recipients", func(m *feedback.Message) { m.To = many }},
		{"CR in subject", func(m *feedback.Message) { m.Subject = "Hi\rBcc: x@example.com" }},
		{"LF in subject", func(m *feedback.Message) { m.Subject = "Hi\nBcc: x@example.com" }},
		{"LF in header value", func(m *feedback.Message) { m.Headers["X-Test"] = "a\nBcc: x@example.com" }},
		{"colon in header name", func(m *feedback.Message) { m.Headers["X-Test: a\r\nBcc"] = "x" }},
		{"reserved header", func(m *feedback.Message) { m.Headers["bcc"] = "x@example.com" }},
		{"LF in From", func(m *feedback.Message) { m.From = "a@example.com\nBcc: x@example.com" }},
		{"LF in Reply-To", func(m *feedback.Message) { m.ReplyTo = "a@example.com\r\nBcc: x@example.com" }},
		{"CRLF in recipient", func(m *feedback.Message) { m.To = []string{"ada@example.com\r\nBcc: x@example.com"} }},
		{"bad From", func(m *feedback.Message) { m.From = "not an address" }},
		{"bad recipient", func(m *feedback.Message) { m.To = []string{"ada@example.com", "ada"} }},
		{"two addresses in one", func(m *feedback.Message) { m.To = []string{"ada@example.com, x@example.com"} }},
		{"non-ASCII mailbox", func(m *feedback.Message) { m.To = []string{"ädä@example.com"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := mailtest.Example()
			tt.edit(&msg)
			_, err := compose(msg, at)
			if feedback.ErrorCode(err) != feedback.EINVALID {
				t.Fatalf("compose: error %v, want code %s", err, feedback.EINVALID)
			}
			if strings.Contains(err.Error(), "@") {
				t.Errorf("error quotes an address: %v", err)
			}
		})
	}
}

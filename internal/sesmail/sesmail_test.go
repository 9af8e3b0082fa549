package sesmail_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/feedback/mailtest"
	"github.com/council/intake/internal/mototest"
	"github.com/council/intake/internal/sesmail"
	"github.com/jhillyerd/enmime/v2"
)

func TestMain(m *testing.M) { os.Exit(mototest.Main(m)) }

// decode reads a raw MIME message back into the feedback.Message it was built from. Line
// breaks in the bodies come back as the CRLF that MIME puts on the wire, and are turned back
// into Go's "\n".
func decode(t *testing.T, raw string) feedback.Message {
	t.Helper()
	env, err := enmime.ReadEnvelope(strings.NewReader(raw))
	if err != nil {
		t.Fatalf("parse sent message: %v", err)
	}
	for _, e := range env.Errors {
		if e.Severe {
			t.Errorf("sent message is malformed: %v", e)
		}
	}
	m := feedback.Message{
		From:    env.GetHeader("From"),
		ReplyTo: env.GetHeader("Reply-To"),
		Subject: env.GetHeader("Subject"),
		Headers: map[string]string{},
		Text:    strings.ReplaceAll(env.Text, "\r\n", "\n"),
		HTML:    strings.ReplaceAll(env.HTML, "\r\n", "\n"),
	}
	to, err := env.AddressList("To")
	if err != nil {
		t.Fatalf("parse To: %v", err)
	}
	for _, a := range to {
		m.To = append(m.To, a.Address)
	}
	for _, k := range env.GetHeaderKeys() {
		m.Headers[k] = env.GetHeader(k)
	}
	return m
}

// newClient returns an SES v2 client for moto_server, and the server's URL. Creating the
// sender's domain identity verifies it at once on moto, which refuses mail from anyone else.
func newClient(t *testing.T, identity string) (*sesv2.Client, string) {
	t.Helper()
	url := mototest.Endpoint(t)
	client := sesv2.NewFromConfig(mototest.Config(), func(o *sesv2.Options) { o.BaseEndpoint = aws.String(url) })
	_, err := client.CreateEmailIdentity(context.Background(), &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String(identity)})
	if err != nil {
		t.Fatalf("create email identity: %v", err)
	}
	return client, url
}

func TestMailer_Conformance(t *testing.T) {
	mailtest.Run(t, func(t *testing.T) (feedback.Mailer, mailtest.Sent) {
		client, url := newClient(t, "feedback@intake.example.gov.uk")
		// moto_server is shared by the package's tests, so each mailer sees only what was
		// sent after it was made. The tests do not run in parallel.
		since := len(mototest.SentRaw(t, url))
		return sesmail.New(client), func(t *testing.T) []feedback.Message {
			var out []feedback.Message
			for _, r := range mototest.SentRaw(t, url)[since:] {
				out = append(out, decode(t, r.RawData))
			}
			return out
		}
	})
}

func TestMailer_Send(t *testing.T) {
	ctx := context.Background()
	client, url := newClient(t, "intake.example.gov.uk")
	at := time.Date(2026, 12, 21, 10, 0, 0, 0, time.UTC)
	m := sesmail.New(client, sesmail.WithConfigurationSet("intake-outbound"), sesmail.WithClock(clock.NewFixed(at)))
	tests := []struct {
		name   string
		edit   func(*feedback.Message)
		header string
		want   string
	}{
		{"dated by the clock", func(*feedback.Message) {}, "Date", "Mon, 21 Dec 2026 10:00:00 +0000"},
		{"named recipient", func(m *feedback.Message) { m.To = []string{"Ada Lovelace <ada@example.com>"} }, "To", `"Ada Lovelace" <ada@example.com>`},
		{"non-ASCII header value", func(m *feedback.Message) { m.Headers["X-Intake-Team"] = "Équipe" }, "X-Intake-Team", "Équipe"},
		{"text only", func(m *feedback.Message) { m.HTML = "" }, "Content-Type", "text/plain; charset=utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := mailtest.Example()
			tt.edit(&msg)
			since := len(mototest.SentRaw(t, url))
			id, err := m.Send(ctx, msg)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			sent := mototest.SentRaw(t, url)[since:]
			if len(sent) != 1 || sent[0].ID != id {
				t.Fatalf("moto holds %d new messages, want the one with id %s", len(sent), id)
			}
			if got := decode(t, sent[0].RawData).Headers[tt.header]; got != tt.want {
				t.Errorf("%s = %q, want %q", tt.header, got, tt.want)
			}
		})
	}
}

func TestMailer_Send_Rejected(t *testing.T) {
	client, _ := newClient(t, "other.example.org")
	msg := mailtest.Example()
	msg.From = "someone@unverified.example.net"
	_, err := sesmail.New(client).Send(context.Background(), msg)
	var rejected *types.MessageRejected
	if !errors.As(err, &rejected) {
		t.Fatalf("Send from an unverified identity: error %v, want a MessageRejected", err)
	}
	// moto, like SES, quotes the address in its message: it must not reach our error string.
	for _, leak := range []string{"unverified.example.net", "ada@example.com"} {
		if strings.Contains(err.Error(), leak) {
			t.Errorf("error quotes an address: %v", err)
		}
	}
	// A refusal for good is EINVALID, so that the service records it instead of retrying.
	if feedback.ErrorCode(err) != feedback.EINVALID {
		t.Errorf("code = %s, want %s", feedback.ErrorCode(err), feedback.EINVALID)
	}
	if !strings.HasPrefix(err.Error(), "sesmail: send to 1 recipients: SES MessageRejected") {
		t.Errorf("error = %q, want context and the SES error code", err)
	}
}

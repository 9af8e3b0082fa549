package sesmail

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"sort"
	"strings"
	"time"

	"github.com/council/intake/internal/feedback"
)

// maxRecipients is SES's limit on recipients per message.
const maxRecipients = 50

// composed is a message ready for SES: its envelope and its raw MIME bytes.
type composed struct {
	from string   // bare sender address
	to   []string // bare recipient addresses
	raw  []byte
}

// compose checks msg (the rules every mailer shares, then SES's own limits) and builds its raw
// MIME form, dated now. Error messages never quote an address or a header value: they may be
// personal data.
func compose(msg feedback.Message, now time.Time) (*composed, error) {
	if err := msg.Validate(); err != nil {
		return nil, err
	}
	if len(msg.To) > maxRecipients {
		return nil, feedback.Errorf(feedback.EINVALID, "the message has %d recipients, more than %d", len(msg.To), maxRecipients)
	}
	from, err := parseAddress("sender", msg.From)
	if err != nil {
		return nil, err
	}
	var replyTo *mail.Address
	if msg.ReplyTo != "" {
		if replyTo, err = parseAddress("reply-to address", msg.ReplyTo); err != nil {
			return nil, err
		}
	}
	to := make([]*mail.Address, len(msg.To))
	for i, s := range msg.To {
		if to[i], err = parseAddress(fmt.Sprintf("recipient %d", i+1), s); err != nil {
			return nil, err
		}
	}
	extra := make([]string, 0, len(msg.Headers))
	for k := range msg.Headers {
		extra = append(extra, k)
	}
	sort.Strings(extra)

	id := "<" + msg.MessageID + ">"
	if msg.MessageID == "" {
		var err error
		if id, err = messageID(from.Address); err != nil {
			return nil, err
		}
	}
	var b bytes.Buffer
	writeHeader(&b, "MIME-Version", "1.0")
	writeHeader(&b, "Date", now.Format(time.RFC1123Z))
	writeHeader(&b, "Message-ID", id)
	writeHeader(&b, "From", formatAddress(from))
	toList := make([]string, len(to))
	bare := make([]string, len(to))
	for i, a := range to {
		toList[i], bare[i] = formatAddress(a), a.Address
	}
	writeHeader(&b, "To", strings.Join(toList, ", "))
	if replyTo != nil {
		writeHeader(&b, "Reply-To", formatAddress(replyTo))
	}
	writeHeader(&b, "Subject", mime.QEncoding.Encode("utf-8", msg.Subject))
	for _, k := range extra {
		writeHeader(&b, textproto.CanonicalMIMEHeaderKey(k), mime.QEncoding.Encode("utf-8", msg.Headers[k]))
	}
	if err := writeBody(&b, msg); err != nil {
		return nil, fmt.Errorf("sesmail: build body: %w", err)
	}
	return &composed{from: from.Address, to: bare, raw: b.Bytes()}, nil
}

// writeBody writes the Content-Type header, the blank line and the body: text and HTML as
// alternatives, or the text alone when there is no HTML.
func writeBody(b *bytes.Buffer, msg feedback.Message) error {
	if msg.HTML == "" {
		writeHeader(b, "Content-Type", "text/plain; charset=utf-8")
		writeHeader(b, "Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		return writeQP(b, msg.Text)
	}
	mw := multipart.NewWriter(b)
	writeHeader(b, "Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": mw.Boundary()}))
	b.WriteString("\r\n")
	// Plainest first: clients show the last alternative they understand.
	for _, part := range []struct{ mediaType, body string }{
		{"text/plain; charset=utf-8", msg.Text},
		{"text/html; charset=utf-8", msg.HTML},
	} {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.mediaType},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return err
		}
		var body bytes.Buffer
		if err := writeQP(&body, part.body); err != nil {
			return err
		}
		if _, err := w.Write(body.Bytes()); err != nil {
			return err
		}
	}
	return mw.Close()
}

// writeQP writes s quoted-printable, with CRLF line breaks as MIME requires. It adds no line
// break of its own: the CRLF before a multipart delimiter belongs to the delimiter, so the
// body reads back exactly as given.
func writeQP(b *bytes.Buffer, s string) error {
	w := quotedprintable.NewWriter(b)
	if _, err := w.Write([]byte(s)); err != nil {
		return err
	}
	return w.Close()
}

// writeHeader writes one header field, folded at spaces so that lines stay within the 78
// characters RFC 5322 asks for where the value allows it. A 75-character encoded word does
// not fit after "Subject: ", so the fold may come straight after the colon. Unfolding (removing
// each CRLF) gives the value back, and whitespace between encoded words is ignored by readers.
func writeHeader(b *bytes.Buffer, name, value string) {
	const limit = 78
	b.WriteString(name)
	b.WriteString(":")
	lineLen := len(name) + 1
	for _, word := range strings.Split(value, " ") {
		if word != "" && lineLen+1+len(word) > limit {
			b.WriteString("\r\n")
			lineLen = 0
		}
		b.WriteString(" ")
		b.WriteString(word)
		lineLen += 1 + len(word)
	}
	b.WriteString("\r\n")
}

// parseAddress parses one address (Message.Validate has checked that it parses), refusing
// non-ASCII mailboxes, which SES cannot send to. what names the address in the error, which
// never quotes it.
func parseAddress(what, s string) (*mail.Address, error) {
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, feedback.Errorf(feedback.EINVALID, "the %s is not a valid email address", what)
	}
	for _, r := range a.Address {
		if r > 0x7e {
			return nil, feedback.Errorf(feedback.EINVALID, "the %s has non-ASCII characters in its mailbox", what)
		}
	}
	return a, nil
}

// formatAddress writes a bare address as itself and a named one as "Name" <address>, with a
// non-ASCII name encoded per RFC 2047.
func formatAddress(a *mail.Address) string {
	if a.Name == "" {
		return a.Address
	}
	return a.String()
}

// messageID returns a new, unique Message-ID in the sender's domain.
func messageID(from string) (string, error) {
	var r [16]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", fmt.Errorf("sesmail: make message id: %w", err)
	}
	domain := from[strings.LastIndexByte(from, '@')+1:]
	return "<" + hex.EncodeToString(r[:]) + "@" + domain + ">", nil
}

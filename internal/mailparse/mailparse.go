// Package mailparse turns a raw RFC 5322 message, exactly as SES or the local SMTP listener
// stored it, into a feedback.InboundEmail: decoded headers, a readable body split into what the
// sender wrote now and the history they quoted, attachments within limits, the signals that mark
// automatic mail and bounces, and SES's verdicts. It owns everything MIME, so that the domain never
// sees a boundary or a charset.
//
// Parse is built for hostile input: it never panics, never recurses without limit and never reads
// more than Limits allow. A damaged message yields whatever could be read, with plain-English
// Problems; only a message with nothing readable at all is an error, and then the caller keeps
// the raw message, flagged.
package mailparse

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/council/intake/internal/feedback"
	"github.com/jhillyerd/enmime/v2"
)

// Limits bound what Parse reads and keeps. A zero field takes its default (DefaultLimits).
type Limits struct {
	// MaxMessageBytes is the most Parse reads from the reader; the rest is ignored, with a
	// problem noted. Default 40 MB, the largest message SES receives.
	MaxMessageBytes int64
	// MaxDepth is how deeply multipart containers may nest (the top level is 1); deeper ones are
	// not opened. Default 20.
	MaxDepth int
	// MaxAttachments is how many attachments are kept; later ones are dropped. Default 20.
	MaxAttachments int
	// MaxAttachmentBytes is the largest decoded attachment kept. Default 25 MB.
	MaxAttachmentBytes int64
	// MaxTotalAttachmentBytes is the most decoded attachment bytes kept in all. Default 30 MB
	// (a 40 MB message cannot decode to more).
	MaxTotalAttachmentBytes int64
}

// Default limits.
const (
	DefaultMaxMessageBytes         = 40 << 20
	DefaultMaxDepth                = 20
	DefaultMaxAttachments          = 20
	DefaultMaxAttachmentBytes      = 25 << 20
	DefaultMaxTotalAttachmentBytes = 30 << 20
)

// DefaultLimits returns the limits Parse uses for any zero field.
func DefaultLimits() Limits {
	return Limits{
		MaxMessageBytes:         DefaultMaxMessageBytes,
		MaxDepth:                DefaultMaxDepth,
		MaxAttachments:          DefaultMaxAttachments,
		MaxAttachmentBytes:      DefaultMaxAttachmentBytes,
		MaxTotalAttachmentBytes: DefaultMaxTotalAttachmentBytes,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxMessageBytes <= 0 {
		l.MaxMessageBytes = d.MaxMessageBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxAttachments <= 0 {
		l.MaxAttachments = d.MaxAttachments
	}
	if l.MaxAttachmentBytes <= 0 {
		l.MaxAttachmentBytes = d.MaxAttachmentBytes
	}
	if l.MaxTotalAttachmentBytes <= 0 {
		l.MaxTotalAttachmentBytes = d.MaxTotalAttachmentBytes
	}
	return l
}

// ErrUnreadable is returned (wrapped) when nothing at all could be read from a message: it is
// empty, or has no header and is not text, or the parser failed outright.
var ErrUnreadable = errors.New("mailparse: nothing in the message could be read")

// Parse reads one raw message from r and returns it parsed. It returns an error only when r fails
// or nothing could be read (ErrUnreadable); otherwise every problem met on the way is in the
// result's Problems.
func Parse(r io.Reader, limits Limits) (msg *feedback.InboundEmail, err error) {
	limits = limits.withDefaults()
	raw, err := io.ReadAll(io.LimitReader(r, limits.MaxMessageBytes+1))
	if err != nil {
		return nil, fmt.Errorf("mailparse: read message: %w", err)
	}
	var problems []string
	if int64(len(raw)) > limits.MaxMessageBytes {
		raw = raw[:limits.MaxMessageBytes]
		problems = append(problems, fmt.Sprintf(
			"the message is larger than %s; only the first %s was read", mb(limits.MaxMessageBytes), mb(limits.MaxMessageBytes)))
	}
	defer func() {
		// A panic here is a bug in this package (enmime's are caught closer in); the raw message
		// is kept by the caller, so an error is the safe answer.
		if r := recover(); r != nil {
			msg, err = nil, fmt.Errorf("%w: parser failed: %v", ErrUnreadable, r)
		}
	}()
	m, _, err := parse(raw, limits, problems)
	return m, err
}

// readEnvelope is enmime's parser, as a variable so that a test can make it panic.
var readEnvelope = func(raw []byte) (*enmime.Envelope, error) {
	p := enmime.NewParser(
		enmime.SkipMalformedParts(true),
		enmime.MultipartWOBoundaryAsSinglePart(true),
		enmime.SetReadPartErrorPolicy(enmime.AllowCorruptTextPartErrorPolicy),
		enmime.MaxStoredPartErrors(100),
		// Trust a declared charset: guessing overrides correct windows-1252 with ISO-8859-1 and
		// turns curly quotes into control characters. Undeclared charsets are still detected.
		enmime.DisableCharacterDetection(true),
	)
	return p.ReadEnvelope(bytes.NewReader(raw))
}

// parse does the work of Parse on bytes it owns (it may change them: see flattenDeep). It also
// returns enmime's part tree, or nil, for tests that check its depth.
func parse(raw []byte, l Limits, problems []string) (*feedback.InboundEmail, *enmime.Part, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil, fmt.Errorf("%w: the message is empty", ErrUnreadable)
	}
	disarmed := flattenDeep(raw, l.MaxDepth)
	if n := disarmed; n > 0 {
		problems = append(problems, fmt.Sprintf(
			"%s nested more than %d levels deep %s not opened", count(n, "multipart section"), l.MaxDepth, were(n)))
	}

	env, err := safeEnvelope(raw)
	if err != nil {
		var herr error
		if env, herr = headerOnly(raw); herr != nil {
			return textOnly(raw, problems)
		}
		problems = append(problems, "the message body could not be read ("+err.Error()+"); only its header was read")
	}

	m := &feedback.InboundEmail{}
	declared := declaredCharset(env.Root)
	h := headers{env: env, declared: declared}
	h.fill(m)
	m.Problems = append(problems, h.problems...)
	m.Notes = h.notes

	b := body{limits: l, disarmed: disarmed, declared: declared}
	b.read(env, m)
	m.Problems = append(m.Problems, b.problems...)
	partErrs, partNotes := partProblems(env.Errors)
	m.Problems = append(m.Problems, partErrs...)
	m.Notes = append(m.Notes, partNotes...)
	return m, env.Root, nil
}

// safeEnvelope runs enmime, turning a panic into an error.
func safeEnvelope(raw []byte) (env *enmime.Envelope, err error) {
	defer func() {
		if r := recover(); r != nil {
			env, err = nil, errors.New("the MIME parser failed")
		}
	}()
	env, err = readEnvelope(raw)
	if err != nil {
		return nil, errors.New("its MIME structure is broken")
	}
	return env, nil
}

// headerOnly reads just the top-level header, for a message whose body enmime cannot parse.
func headerOnly(raw []byte) (env *enmime.Envelope, err error) {
	defer func() {
		if r := recover(); r != nil {
			env, err = nil, errors.New("the header parser failed")
		}
	}()
	h, err := enmime.ReadHeader(bufio.NewReader(bytes.NewReader(raw)), discard{})
	if err != nil || len(h) == 0 {
		return nil, errors.New("no header could be read")
	}
	root := enmime.NewPart("text/plain")
	root.Header = h
	return enmime.EnvelopeFromPart(root)
}

// textOnly treats a message without a readable header as plain text, if it is text at all.
func textOnly(raw []byte, problems []string) (*feedback.InboundEmail, *enmime.Part, error) {
	if !utf8.Valid(raw) || bytes.IndexByte(raw, 0) >= 0 {
		return nil, nil, fmt.Errorf("%w: no header and the content is not text", ErrUnreadable)
	}
	m := &feedback.InboundEmail{Text: cleanText(string(raw))}
	m.NewText, m.Quoted, m.Forwarded = splitQuoted(m.Text)
	m.Problems = append(problems, "the message has no readable header; its content was read as plain text")
	return m, nil, nil
}

// discard is an enmime.ErrorCollector that keeps nothing.
type discard struct{}

func (discard) AddError(string, string, ...any)   {}
func (discard) AddWarning(string, string, ...any) {}

// declaredCharset is the first charset other than US-ASCII and UTF-8 that any part of the
// message declares, or "": the best guess for raw 8-bit bytes in its header.
func declaredCharset(root *enmime.Part) string {
	if root == nil {
		return ""
	}
	leaves, _ := walk(root)
	for _, p := range append([]*enmime.Part{root}, leaves...) {
		if p.Header == nil {
			continue
		}
		_, params := parseType(p.Header.Get("Content-Type"))
		switch cs := strings.ToLower(params["charset"]); cs {
		case "", "us-ascii", "ascii", "utf-8", "utf8":
		default:
			return cs
		}
	}
	return ""
}

// partProblems turns enmime's part errors into plain English, once each: the problems (content
// may be lost) and the notes (harmless). enmime's details quote the message's own bytes, so
// only the error names are used: Problems may be logged.
func partProblems(errs []*enmime.Error) (out, notes []string) {
	seen := map[string]bool{}
	for _, e := range errs {
		var p string
		switch e.Name {
		case enmime.ErrorPlainTextFromHTML, enmime.ErrorCharsetDeclaration, enmime.ErrorDataHasBoundary:
			continue // normal for real mail; nothing was lost
		case enmime.ErrorMissingContentType:
			if !e.Severe {
				continue
			}
			p = "a part had no Content-Type"
		case enmime.ErrorMalformedBase64:
			p = "some base64-encoded content was damaged; what could be decoded was kept"
		case enmime.ErrorMalformedHeader:
			if n := "some header lines were written oddly and were skipped or repaired"; !seen[n] {
				seen[n] = true
				notes = append(notes, n)
			}
			continue
		case enmime.ErrorMissingBoundary:
			p = "a multipart section was not closed: the message may be truncated"
		case enmime.ErrorCharsetConversion:
			p = "a part declared a character set that could not be read; some characters may be wrong"
		case enmime.ErrorContentEncoding:
			p = "a part used an unknown transfer encoding and was kept as it was"
		case enmime.ErrorMalformedChildPart:
			p = "a part of the message could not be read and was skipped"
		default:
			p = "the MIME parser reported: " + e.Name
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out, notes
}

func mb(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func were(n int) string {
	if n == 1 {
		return "was"
	}
	return "were"
}

// oneLine makes a header value safe to echo: valid UTF-8, no control or direction-changing
// characters, white space collapsed, at most max runes.
func oneLine(s string, max int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\r' || r == '\n' || r == '\t' || r == '\u2028' || r == '\u2029':
			return ' '
		case isControl(r) || isBidi(r):
			return -1
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	return clip(s, max)
}

// cleanText makes a body safe to store: valid UTF-8, "\n" line breaks, no control characters other
// than tab and newline.
func cleanText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\r':
			return '\n'
		case r == '\n' || r == '\t':
			return r
		case isControl(r):
			return -1
		}
		return r
	}, s)
	return strings.TrimRight(s, " \t\n")
}

func isControl(r rune) bool { return r < 0x20 || (r >= 0x7f && r < 0xa0) }

// isBidi reports the invisible characters that change text direction: in a file name or a
// subject they can make "gpj.exe" read as "exe.jpg".
func isBidi(r rune) bool {
	return r == '\u200e' || r == '\u200f' || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') || r == '\ufeff'
}

// clip cuts s to at most max runes.
func clip(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	n := 0
	for i := range s {
		if n == max {
			return strings.TrimSpace(s[:i])
		}
		n++
	}
	return s
}

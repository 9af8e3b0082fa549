package feedback

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Limits on what a submission may hold. They are generous for a resident's own words and tight
// enough that junk cannot fill the store.
const (
	MaxMessageChars = 10000
	MaxSubjectChars = 200
	MaxNameChars    = 100
	MaxEmailChars   = 254
	MaxPhoneChars   = 30
	MaxKeyChars     = 200
)

// Submission is what arrives from a channel before it becomes a case. Field names match the
// web form's and the JSON API's.
type Submission struct {
	Kind        string
	Name        string
	Email       string
	Phone       string
	ServiceArea string
	Subject     string
	Message     string
	Channel     Channel
	// IdempotencyKey makes a repeated delivery return the first case (form: a key the page
	// generated; email: the SES message id; social: platform and post id).
	IdempotencyKey string
	// ReceivedAt is when an item entered by hand (phone, letter, in person) reached the
	// council; zero means now.
	ReceivedAt time.Time
}

var phoneChars = lazyRegexp(`^[0-9 +()\-.]+$`)

// Normalize trims white space, removes control characters (keeping line breaks and tabs in the
// message) and folds the kind and e-mail address to lower case.
func (s Submission) Normalize() Submission {
	s.Kind = strings.ToLower(strings.TrimSpace(s.Kind))
	s.Name = singleLine(s.Name)
	// Only white space is trimmed from the address: a hidden or control character in it is
	// refused by Validate rather than silently dropped, since the address would not be the
	// one the resident typed.
	s.Email = asciiDomain(strings.ToLower(strings.TrimSpace(s.Email)))
	s.Phone = singleLine(s.Phone)
	s.ServiceArea = strings.ToLower(singleLine(s.ServiceArea))
	s.Subject = singleLine(s.Subject)
	s.Message = strings.TrimSpace(clean(strings.ReplaceAll(s.Message, "\r\n", "\n"), true))
	s.IdempotencyKey = singleLine(s.IdempotencyKey)
	return s
}

func singleLine(v string) string { return strings.Join(strings.Fields(clean(v, false)), " ") }

func clean(v string, keepLines bool) string {
	if !utf8.ValidString(v) {
		v = strings.ToValidUTF8(v, "\uFFFD")
	}
	return strings.Map(func(r rune) rune {
		switch {
		case keepLines && (r == '\n' || r == '\t'):
			return r
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, v)
}

// Validate checks a normalized submission against every rule and returns all the problems at
// once, as an EINVALID *Error whose fields are named as the form names them. areas lists the
// service areas that may be chosen; an empty area is always allowed ("not sure").
func (s Submission) Validate(areas []string) error { return s.validate(areas, true) }

// validate is Validate; needContact says whether a complaint or service request must carry an
// email address or telephone number (not for a social post, whose author can be answered where
// they wrote).
func (s Submission) validate(areas []string, needContact bool) error {
	var errs []FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	kind := Kind(s.Kind)
	switch {
	case s.Kind == "":
		add("kind", "Choose whether this is a complaint, a compliment, a comment or a request for a service")
	case !kind.Valid():
		add("kind", "Choose a kind of feedback from the list: %q is not one of them", truncate(s.Kind, 40))
	}
	switch n := utf8.RuneCountInString(s.Message); {
	case n == 0 || !visible(s.Message):
		add("message", "Enter your message")
	case n > MaxMessageChars:
		add("message", "Your message must be %d characters or fewer; it is %d", MaxMessageChars, n)
	}
	if n := utf8.RuneCountInString(s.Subject); n > MaxSubjectChars {
		add("subject", "The subject must be %d characters or fewer; it is %d", MaxSubjectChars, n)
	}
	switch n := utf8.RuneCountInString(s.Name); {
	case n > MaxNameChars:
		add("name", "Your name must be %d characters or fewer", MaxNameChars)
	case linkLike(s.Name):
		add("name", "Enter your name only, without a web or email address")
	}
	switch {
	case s.Email == "":
	case hidden(s.Email):
		add("email", "The email address has hidden or control characters in it. Type it again, like name@example.com")
	case !validEmail(s.Email):
		add("email", "Enter an email address in the correct format, like name@example.com")
	case !asciiMailbox(s.Email):
		add("email", "We cannot send email to an address with accented or non-English letters before the @. Enter a different email address, or give a telephone number instead")
	}
	if s.Phone != "" {
		digits := 0
		for _, r := range s.Phone {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		if !phoneChars().MatchString(s.Phone) || digits < 7 || digits > 15 || len(s.Phone) > MaxPhoneChars {
			add("phone", "Enter a telephone number, like 01632 960 001 or +44 7700 900 982")
		}
	}
	if needContact && kind.NeedsReply() && s.Email == "" && s.Phone == "" {
		add("email", "Enter an email address or a telephone number so that we can reply to your %s", kind.Label())
	}
	if s.ServiceArea != "" && !contains(areas, s.ServiceArea) {
		add("service_area", "Choose a service from the list, or leave it blank if you are not sure")
	}
	if n := utf8.RuneCountInString(s.IdempotencyKey); n > MaxKeyChars {
		add("idempotency_key", "The idempotency key must be %d characters or fewer", MaxKeyChars)
	}
	if len(errs) > 0 {
		return &Error{Code: EINVALID, Message: "There is a problem with what was sent", Fields: errs}
	}
	return nil
}

// Fingerprint is a digest of what the sender wrote, so that a reused idempotency key with
// different content is told apart from a true repeat.
func (s Submission) Fingerprint() string {
	h := sha256.New()
	for _, f := range []string{s.Kind, s.Name, s.Email, s.Phone, s.ServiceArea, s.Subject, s.Message, string(s.Channel)} {
		fmt.Fprintf(h, "%d:%s;", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// visible reports whether v has anything a reader would see: not only spaces, zero-width and
// other format characters.
func visible(v string) bool {
	for _, r := range v {
		if !unicode.IsSpace(r) && !unicode.Is(unicode.Cf, r) && !unicode.IsControl(r) {
			return true
		}
	}
	return false
}

// hidden reports whether v holds a control character, or a format character such as a
// zero-width space or a bidirectional override, which can make an address read as another.
func hidden(v string) bool {
	for _, r := range v {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return true
		}
	}
	return false
}

// linkLike reports whether a name carries a web or email address, which a mail program would
// show as a link in the council's letter.
func linkLike(v string) bool {
	l := strings.ToLower(v)
	return strings.Contains(l, "://") || strings.Contains(l, "www.") || strings.Contains(l, "@")
}

// asciiMailbox reports whether the part of an address before the @ is ASCII: SES (and most
// mail systems) cannot deliver to anything else, so the form refuses it rather than store an
// address that can never be acknowledged.
func asciiMailbox(v string) bool {
	at := strings.LastIndexByte(v, '@')
	for _, r := range v[:max(at, 0)] {
		if r > 0x7e {
			return false
		}
	}
	return true
}

// asciiDomain writes an internationalised domain in its ASCII (punycode) form, which is how
// mail is sent to it; an address whose domain cannot be converted is left for Validate.
func asciiDomain(v string) string {
	at := strings.LastIndexByte(v, '@')
	if at < 0 {
		return v
	}
	d, err := idna.Lookup.ToASCII(v[at+1:])
	if err != nil {
		return v
	}
	return v[:at+1] + d
}

func validEmail(v string) bool {
	if len(v) > MaxEmailChars {
		return false
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(v, '@')
	domain := v[at+1:]
	return at > 0 && strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") &&
		!strings.HasSuffix(domain, ".") && !strings.Contains(domain, "..")
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

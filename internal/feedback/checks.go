package feedback

import (
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Input checks: the rules every form, API body and message is held to, in one place, each
// returning a message fit for the person who filled the field in.

// maxNoteChars bounds a note, a reason or a response's text.
const maxNoteChars = 10000

// Invalid is an EINVALID error about one field, its message fit for the person who filled it in.
func Invalid(field, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Code: EINVALID, Message: msg, Fields: []FieldError{{Field: field, Message: msg}}}
}

// cleanText holds what staff write (notes, reasons, summaries) to the rules residents' text is
// held to: *v is rewritten in place without control characters (line breaks and tabs kept,
// "\r\n" read as one line break) and without surrounding space, must have something a reader
// would see when required, and is at most maxNoteChars long.
func cleanText(field string, v *string, required bool) error {
	*v = strings.TrimSpace(clean(strings.ReplaceAll(*v, "\r\n", "\n"), true))
	name := strings.ReplaceAll(field, "_", " ")
	switch n := utf8.RuneCountInString(*v); {
	case required && (n == 0 || !visible(*v)):
		return Invalid(field, "Enter the %s", name)
	case n > maxNoteChars:
		return Invalid(field, "The %s must be %d characters or fewer", name, maxNoteChars)
	}
	return nil
}

func (s *Service) pastDate(field string, d time.Time) error {
	if d.IsZero() {
		return Invalid(field, "Enter the date")
	}
	if s.Calendar.Date(d).After(s.Calendar.Date(s.Clock.Now())) {
		return Invalid(field, "The date cannot be in the future")
	}
	return nil
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

func asciiDomainPart(addr string) bool {
	for _, r := range addr[strings.LastIndexByte(addr, '@')+1:] {
		if r > 0x7e {
			return false
		}
	}
	return true
}

func validMessageID(id string) bool {
	at := strings.IndexByte(id, '@')
	if at <= 0 || at == len(id)-1 || strings.Count(id, "@") != 1 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c > '~' || c == '<' || c == '>' {
			return false
		}
	}
	return true
}

// hasBreak reports whether s holds a character that could end a header line.
func hasBreak(s string) bool { return strings.ContainsAny(s, "\r\n\x00") }

// validFieldName reports whether s is a header field name: printable ASCII without colons.
func validFieldName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 33 || c > 126 || c == ':' {
			return false
		}
	}
	return true
}

// httpsURL reports whether v is an absolute https link with a host and no user name in it.
func httpsURL(v string) bool {
	if len(v) > maxURLChars || hidden(v) || strings.ContainsAny(v, " <>\"") {
		return false
	}
	u, err := url.Parse(v)
	return err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil
}

// normalizeContacts normalises the ways to reach the person, dropping repeats; at least one is
// needed.
func normalizeContacts(raw []string) ([]string, error) {
	var contacts []string
	for _, c := range raw {
		norm, err := NormalizeContact(c)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(contacts, norm) {
			contacts = append(contacts, norm)
		}
	}
	if len(contacts) == 0 {
		return nil, Invalid("contact", "Enter the person's email address, telephone number or platform:handle")
	}
	return contacts, nil
}

var (
	handlePattern = lazyRegexp(`^[a-z][a-z0-9_-]{0,30}:\S{1,100}$`)
	phoneDigits   = lazyRegexp(`[0-9]`)
)

// NormalizeContact returns the form of an identity the register keeps and matches: an email
// address in lower case, a telephone number as its digits (keeping a leading +), or
// platform:handle in lower case. It refuses anything else.
func NormalizeContact(v string) (string, error) {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return "", Invalid("contact", "Enter the person's email address, telephone number or platform:handle")
	case strings.Contains(v, "@") && !strings.Contains(v, ":"):
		e := strings.ToLower(v)
		if !validEmail(e) {
			return "", Invalid("contact", "The email address is not valid")
		}
		return e, nil
	case handlePattern().MatchString(strings.ToLower(v)):
		// "x:@Name" and "x:name" are one author, as the social channel records them.
		platform, handle, _ := strings.Cut(strings.ToLower(v), ":")
		return platform + ":" + strings.TrimPrefix(handle, "@"), nil
	}
	digits := strings.Join(phoneDigits().FindAllString(v, -1), "")
	if strings.Trim(v, "+0123456789 ()-.") != "" || len(digits) < 6 || len(digits) > 15 {
		return "", Invalid("contact", "Give an email address, a telephone number or platform:handle (such as x:@name)")
	}
	if strings.HasPrefix(v, "+") {
		return "+" + digits, nil
	}
	return digits, nil
}

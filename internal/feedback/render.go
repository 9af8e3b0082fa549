package feedback

import (
	"strconv"
	"strings"
)

// Letters are written by plain Go code into a page, not by text/template or html/template:
// those packages look methods up by name through reflection, which stops the linker from
// dropping any exported method of any type a function links (every AWS SDK operation of every
// client), and they parse their templates when the program starts. The text part is plain text;
// in the HTML part every value passes through Esc or Href, which escape it exactly as
// html/template would in the same place (render_test.go holds them to it).

// page is a letter being written: Lit for the letter's own words and markup, Esc and Href for
// the values a letter carries (in the text part, Esc writes them as they are).
type page struct {
	b    strings.Builder
	html bool
}

// Lit writes the letter's own words (and markup) as they are.
func (p *page) Lit(ss ...string) *page {
	for _, s := range ss {
		p.b.WriteString(s)
	}
	return p
}

// Esc writes a value: escaped for HTML text or a quoted attribute in the HTML part, as it is in
// the text part.
func (p *page) Esc(s string) *page {
	if p.html {
		s = escapeHTML(s)
	}
	p.b.WriteString(s)
	return p
}

// Href writes a link as the value of a quoted href attribute (HTML part only).
func (p *page) Href(s string) *page {
	p.b.WriteString(hrefValue(s))
	return p
}

// If writes s when cond holds (a convenience for the letters' many optional phrases).
func (p *page) If(cond bool, s string) *page {
	if cond {
		p.b.WriteString(s)
	}
	return p
}

func (p *page) String() string { return p.b.String() }

// htmlEscaper replaces what html/template's escaper replaces in text and quoted attributes.
var htmlEscaper = strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;", "+", "&#43;", "<", "&lt;", ">", "&gt;")

// escapeHTML escapes s for HTML text or a quoted attribute value, as html/template does.
func escapeHTML(s string) string { return htmlEscaper.Replace(s) }

// unsafeURL is what html/template writes in place of a link it refuses.
const unsafeURL = "#ZgotmplZ"

// hrefValue is s as html/template writes it into a quoted href attribute: a link whose scheme
// is not http, https or mailto is refused (a javascript: link cannot reach a letter); the rest
// is percent-encoded where it is not a URL's own character (keeping valid %xx escapes) and then
// escaped for the attribute.
func hrefValue(s string) string {
	if scheme, _, ok := strings.Cut(s, ":"); ok && !strings.Contains(scheme, "/") &&
		!strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") && !strings.EqualFold(scheme, "mailto") {
		return unsafeURL
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("-._~!#$*,/:;=?@[]", c) >= 0:
			b.WriteByte(c)
		case c == '&':
			b.WriteString("&amp;")
		case c == '+':
			b.WriteString("&#43;")
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			if c < 0x10 {
				b.WriteByte('0')
			}
			b.WriteString(strconv.FormatUint(uint64(c), 16))
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// orNot is the value, or "(not given)" when it is empty.
func orNot(s string) string { return or(s, "(not given)") }

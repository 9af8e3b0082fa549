package feedback

import (
	"bytes"
	"html/template"
	"strings"
	"testing"
)

// escapeCases are values a letter may carry: markup, quotes, entities, control and invalid
// bytes, non-ASCII text, and links of every scheme, relative ones and broken escapes included.
var escapeCases = []string{
	"", "Jo Bloggs", `O'Brien & <Sons> "quoted" a+b`, "\x00nul", "é ü 日本", "\xff\xfebad", "\ufdd0\ufffe",
	"https://example.gov.uk/a b?c=1&d='x'+y#f", "javascript:alert(1)", " javascript:alert(1)", "JavaScript:x",
	"mailto:a@b.c", "HTTPS://X", "/relative/path?q=%41%zz%4", "http://x/(paren)!*;$,[]@~", "100%", "%",
	"data:text/html,<b>", "ftp://x", "a:b/c", "a/b:c", "line1\nline2\ttab\r", "<script>alert('x')</script>",
}

// render executes an html/template holding s where the letters put values.
func renderTemplate(t testing.TB, tpl *template.Template, s string) string {
	var b bytes.Buffer
	if err := tpl.Execute(&b, s); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

var (
	textTemplate = template.Must(template.New("text").Parse(`<p style="white-space: pre-wrap">{{.}}</p>`))
	hrefTemplate = template.Must(template.New("href").Parse(`<a href="{{.}}">`))
)

func checkEscape(t testing.TB, s string) {
	if got, want := `<p style="white-space: pre-wrap">`+escapeHTML(s)+`</p>`, renderTemplate(t, textTemplate, s); got != want {
		t.Errorf("escapeHTML(%q) gives %q, html/template %q", s, got, want)
	}
	if got, want := `<a href="`+hrefValue(s)+`">`, renderTemplate(t, hrefTemplate, s); got != want {
		t.Errorf("hrefValue(%q) gives %q, html/template %q", s, got, want)
	}
}

// The letters escape what they carry exactly as html/template would in the same place.
func TestEscape_asHTMLTemplate(t *testing.T) {
	for _, s := range escapeCases {
		checkEscape(t, s)
	}
	var all strings.Builder
	for c := range 256 {
		all.WriteByte(byte(c))
	}
	checkEscape(t, all.String())
}

func FuzzEscape(f *testing.F) {
	for _, s := range escapeCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkEscape(t, s) })
}

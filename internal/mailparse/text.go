package mailparse

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/inbucket/html2text"
	"github.com/jhillyerd/enmime/v2"
)

// The case's text is every inline text part of the message, in order, each converted to text;
// of alternatives, the one that has the words (plain text first, then enriched, then HTML).
// HTML parts whose words were used are also kept as files; the alternatives not used, and the
// plain and enriched parts used, are not (the raw message keeps them).

// Kinds of text part.
const (
	notText = iota
	textHTML
	textEnriched
	textPlain
)

func textKind(p *enmime.Part) int {
	if p.Disposition == "attachment" || (p.FileName != "" && p.Disposition != "inline") {
		return notText
	}
	switch p.ContentType {
	case "text/plain", "":
		return textPlain
	case "text/enriched", "text/richtext":
		return textEnriched
	case "text/html":
		return textHTML
	}
	return notText
}

// segment is the text of one part, or of the alternative chosen among several.
type segment struct {
	text   string
	kind   int // the text kind it came from
	leaves []*enmime.Part
}

func (s segment) hasWords() bool { return strings.TrimSpace(s.text) != "" }

// texts collects the text of p's tree. skip receives the text parts that are neither in the text
// nor to be kept as files (alternatives not chosen, empty parts).
func (b *body) texts(p *enmime.Part, depth int, skip map[*enmime.Part]bool) []segment {
	if p.FirstChild == nil {
		k := textKind(p)
		if k == notText {
			return nil
		}
		return []segment{{text: b.leafText(p, k), kind: k, leaves: []*enmime.Part{p}}}
	}
	if depth > b.limits.MaxDepth {
		return nil
	}
	var children [][]segment
	for c := p.FirstChild; c != nil; c = c.NextSibling {
		children = append(children, b.texts(c, depth+1, skip))
	}
	if p.ContentType != "multipart/alternative" {
		var out []segment
		for _, segs := range children {
			out = append(out, segs...)
		}
		return out
	}
	best, bestRank := -1, 0
	for i, segs := range children {
		if r := rank(segs); r > bestRank {
			best, bestRank = i, r
		}
	}
	for i, segs := range children {
		if i != best {
			for _, s := range segs {
				for _, l := range s.leaves {
					skip[l] = true
				}
			}
		}
	}
	if best < 0 {
		return nil
	}
	return children[best]
}

// rank is how much an alternative is preferred: 0 without words, else its best text kind.
func rank(segs []segment) int {
	r := 0
	for _, s := range segs {
		if s.hasWords() {
			r = max(r, s.kind)
		}
	}
	return r
}

// leafText reads one text part as text.
func (b *body) leafText(p *enmime.Part, kind int) string {
	declared := p.Charset
	if cs := strings.ToLower(declared); cs == "" || cs == "us-ascii" || cs == "ascii" {
		declared = b.declared
	}
	s := toUTF8(p.Content, declared)
	switch kind {
	case textHTML:
		t, err := html2text.FromString(s)
		if err != nil {
			return ""
		}
		return t
	case textEnriched:
		return enrichedText(s)
	}
	if strings.Contains(s, "begin ") {
		s = b.uudecode(s)
	}
	return s
}

var (
	enrichedParam = regexp.MustCompile(`(?is)<param>.*?</param>`)
	enrichedTag   = regexp.MustCompile(`</?[A-Za-z0-9-]{1,60}>`)
	newlineRun    = regexp.MustCompile(`\n+`)
)

// enrichedText turns text/enriched (RFC 1896) into plain text: commands dropped, "<<" is "<",
// one line break is a space and n line breaks are n-1.
func enrichedText(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	s = enrichedParam.ReplaceAllString(s, "")
	s = strings.ReplaceAll(s, "<<", "\x00")
	s = enrichedTag.ReplaceAllString(s, "")
	s = strings.ReplaceAll(s, "\x00", "<")
	return newlineRun.ReplaceAllStringFunc(s, func(run string) string {
		if len(run) == 1 {
			return " "
		}
		return run[1:]
	})
}

// uuBegin matches the line that opens a uuencoded file.
var uuBegin = regexp.MustCompile(`(?m)^begin [0-7]{3,4} ([^\r\n]+)\r?\n`)

// uudecode takes the uuencoded files out of a plain text, keeping them as attachments, and
// returns the text without them. A block that does not decode is left in the text.
func (b *body) uudecode(s string) string {
	var out strings.Builder
	for {
		loc := uuBegin.FindStringSubmatchIndex(s)
		if loc == nil {
			out.WriteString(s)
			return out.String()
		}
		name := strings.TrimSpace(s[loc[2]:loc[3]])
		rest := s[loc[1]:]
		end := strings.Index(rest, "\nend")
		if end < 0 {
			out.WriteString(s)
			return out.String()
		}
		data, ok := uuLines(rest[:end+1])
		after := rest[end+len("\nend"):]
		if !ok || (after != "" && after[0] != '\n' && after[0] != '\r') {
			out.WriteString(s[:loc[1]])
			s = rest
			continue
		}
		out.WriteString(s[:loc[0]])
		b.uuFiles = append(b.uuFiles, uuFile{name: name, content: data})
		s = strings.TrimLeft(after, "\r\n")
	}
}

type uuFile struct {
	name    string
	content []byte
}

// uuLines decodes the body of a uuencoded block, line by line.
func uuLines(block string) ([]byte, bool) {
	var out bytes.Buffer
	for _, line := range strings.Split(block, "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" {
			continue
		}
		n := int((line[0] - 32) & 63)
		if n == 0 {
			break
		}
		chars := line[1:]
		if len(chars) < (n+2)/3*4 {
			return nil, false
		}
		for i := 0; i < n; i += 3 {
			var c [4]byte
			for j := range c {
				c[j] = (chars[i/3*4+j] - 32) & 63
			}
			dec := [3]byte{c[0]<<2 | c[1]>>4, c[1]<<4 | c[2]>>2, c[2]<<6 | c[3]}
			out.Write(dec[:min(3, n-i)])
		}
	}
	return out.Bytes(), true
}

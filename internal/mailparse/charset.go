package mailparse

import (
	"bytes"
	"io"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"
)

// Reading text whose character set is undeclared or wrong: ISO-2022 escape sequences first,
// then valid UTF-8, then the charset the message declares elsewhere, then windows-1252 (which
// maps every byte, so nothing readable ever becomes U+FFFD).

// iso2022Escapes are the escape sequences that switch ISO-2022-JP into its Japanese sets.
var iso2022Escapes = [][]byte{[]byte("\x1b$B"), []byte("\x1b$@"), []byte("\x1b(J"), []byte("\x1b$(D")}

func isISO2022JP(b []byte) bool {
	if bytes.IndexByte(b, 0x1b) < 0 {
		return false
	}
	for _, e := range iso2022Escapes {
		if bytes.Contains(b, e) {
			return true
		}
	}
	return false
}

// charsetEncoding finds a charset by any of its names; nil if unknown.
func charsetEncoding(name string) encoding.Encoding {
	name = strings.ToLower(strings.Trim(strings.TrimSpace(name), `"'`))
	if name == "" {
		return nil
	}
	switch name { // names mail uses that the WHATWG index lacks
	case "iso-2022-jp-2", "iso-2022-jp-3", "csiso2022jp":
		return japanese.ISO2022JP
	case "cp932", "ms932", "windows-31j", "sjis", "x-sjis":
		return japanese.ShiftJIS
	}
	e, err := htmlindex.Get(name)
	if err != nil {
		return nil
	}
	return e
}

// toUTF8 reads b as text: declared is the charset the part or message declares ("" if none).
// Text already converted by enmime is valid UTF-8 and is returned as it is, unless it carries
// ISO-2022-JP's escapes.
// (enmime has already run its detector on a part that declares no charset.)
func toUTF8(b []byte, declared string) string {
	if isISO2022JP(b) {
		if s, ok := decodeWith(japanese.ISO2022JP, b); ok {
			return s
		}
	}
	if utf8.Valid(b) {
		return string(b)
	}
	if e := charsetEncoding(declared); e != nil {
		if s, ok := decodeWith(e, b); ok {
			return s
		}
	}
	if s, ok := decodeWith(charmap.Windows1252, b); ok {
		return s
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// decodeWith decodes b, and reports whether every byte could be read (no U+FFFD appeared that
// was not there before).
func decodeWith(e encoding.Encoding, b []byte) (string, bool) {
	out, _, err := transform.Bytes(e.NewDecoder(), b)
	if err != nil || !utf8.Valid(out) {
		return "", false
	}
	if bytes.ContainsRune(out, utf8.RuneError) && !bytes.ContainsRune(b, utf8.RuneError) {
		return "", false
	}
	return string(out), true
}

// langTag matches RFC 2231's language suffix in an encoded word (=?iso-8859-2*sl?Q?...?=),
// which RFC 2047 decoders do not accept.
var langTag = regexp.MustCompile(`=\?([^?*\s]+)\*[A-Za-z0-9-]*\?`)

var wordDecoder = &mime.WordDecoder{CharsetReader: func(charset string, input io.Reader) (io.Reader, error) {
	e := charsetEncoding(charset)
	if e == nil {
		return nil, errUnknownCharset
	}
	return transform.NewReader(input, e.NewDecoder()), nil
}}

type charsetError struct{}

func (charsetError) Error() string { return "unknown charset" }

var errUnknownCharset error = charsetError{}

// decodeHeader turns a raw header value into text: raw 8-bit bytes by toUTF8 with the charset
// the message declares, then RFC 2047 encoded words (with RFC 2231 language tags allowed).
func decodeHeader(raw, declared string) string {
	s := toUTF8([]byte(raw), declared)
	if !strings.Contains(s, "=?") {
		return s
	}
	if strings.Contains(s, "*") {
		s = langTag.ReplaceAllString(s, "=?$1?")
	}
	if d, err := wordDecoder.DecodeHeader(s); err == nil {
		return d
	}
	return s
}

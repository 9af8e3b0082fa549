package casesimport

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/council/intake/internal/feedback"
)

// Encodings are the character sets an import file may be written in, by the names a file (or
// the person uploading it) may give. UTF-8 is the default; Windows-1252 is what Excel writes
// when a file is saved as plain "CSV (Comma delimited)" on a UK Windows machine.
var Encodings = map[string]string{
	"utf-8": "utf-8", "utf8": "utf-8",
	"windows-1252": "windows-1252", "cp1252": "windows-1252", "windows1252": "windows-1252",
}

// ReadCSV reads an import file written as CSV in UTF-8: ReadEncodedCSV(r, "utf-8").
func ReadCSV(r io.Reader) (File, error) { return ReadEncodedCSV(r, "") }

// ReadEncodedCSV reads an import file written as CSV (a header row first, commas, fields quoted
// as spreadsheets quote them) in enc, one of Encodings ("" is UTF-8). A byte-order mark is
// dropped. A file that is not valid text in its encoding is refused as a whole, naming the
// line, rather than stored with replacement characters; so is a file that is not CSV at all.
func ReadEncodedCSV(r io.Reader, enc string) (File, error) {
	name, ok := Encodings[strings.ToLower(strings.TrimSpace(enc))]
	if enc == "" {
		name, ok = "utf-8", true
	}
	if !ok {
		return File{}, feedback.Errorf(feedback.EINVALID, "Intake reads files in UTF-8 or Windows-1252, not %q: save the file as CSV UTF-8.", enc)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return File{}, fmt.Errorf("read import file: %w", err)
	}
	if name == "windows-1252" {
		b = fromWindows1252(b)
	}
	b = bytes.TrimPrefix(b, []byte("\ufeff"))
	if !utf8.Valid(b) {
		return File{}, feedback.Errorf(feedback.EINVALID, "Line %d of the file is not UTF-8 text: save the file as CSV UTF-8 (in Excel: Save As, then CSV UTF-8), or say that it is Windows-1252.", invalidLine(b))
	}
	return parseCSV(bytes.NewReader(b))
}

// invalidLine is the line of b where its first invalid UTF-8 byte is.
func invalidLine(b []byte) int {
	line := 1
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			return line
		}
		if r == '\n' {
			line++
		}
		b = b[size:]
	}
	return line
}

// windows1252 maps the bytes 0x80 to 0x9F, where Windows-1252 differs from Latin-1 (the rest of
// its upper half is Latin-1, which is Unicode's first 256 code points); the five bytes it leaves
// undefined stay their C1 control characters.
var windows1252 = [32]rune{
	'€', 0x81, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0x8D, 'Ž', 0x8F,
	0x90, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0x9D, 'ž', 'Ÿ',
}

func fromWindows1252(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/8)
	for _, c := range b {
		switch {
		case c < 0x80:
			out = append(out, c)
		case c < 0xA0:
			out = utf8.AppendRune(out, windows1252[c-0x80])
		default:
			out = utf8.AppendRune(out, rune(c))
		}
	}
	return out
}

func parseCSV(r io.Reader) (File, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	var f File
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return File{}, feedback.Errorf(feedback.EINVALID, "Line %d of the file cannot be read as CSV: %s.", pe.Line, pe.Err)
			}
			return File{}, fmt.Errorf("read import file: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if f.Header == nil {
			f.Header = rec
			continue
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(f.Rows) == MaxRows {
			return File{}, feedback.Errorf(feedback.EINVALID, "The file has more than %d rows; import at most %d at a time.", MaxRows, MaxRows)
		}
		f.Rows = append(f.Rows, Row{Line: line, Fields: rec})
	}
	if f.Header == nil {
		return File{}, feedback.Errorf(feedback.EINVALID, "The file is empty: it needs a header row and a row per case.")
	}
	return f, nil
}

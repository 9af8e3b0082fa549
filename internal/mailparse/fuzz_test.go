package mailparse_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/council/intake/internal/mailparse"
)

// fuzzLimits are small so that short inputs reach every limit: with MaxDepth 3 the depth scanner
// runs on any input with more than three "boundary" strings.
var fuzzLimits = mailparse.Limits{
	MaxMessageBytes:         1 << 20,
	MaxDepth:                3,
	MaxAttachments:          3,
	MaxAttachmentBytes:      4 << 10,
	MaxTotalAttachmentBytes: 8 << 10,
}

// FuzzParse holds Parse to its promises on any input: no panic, an error only as ErrUnreadable,
// safe one-line fields, nothing of the text lost, and a MIME tree no deeper than MaxDepth. The
// seed corpus is every message in testdata plus testdata/fuzz/FuzzParse, and runs with go test.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("testdata/*.eml")
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		in := append([]byte(nil), raw...)
		m, err := mailparse.Parse(bytes.NewReader(in), fuzzLimits)
		if err != nil {
			if !errors.Is(err, mailparse.ErrUnreadable) || strings.Contains(err.Error(), "parser failed") {
				t.Fatalf("Parse: %v", err)
			}
			return
		}
		checkSafe(t, m)
		if len(m.Attachments) > fuzzLimits.MaxAttachments {
			t.Errorf("%d attachments kept, limit %d", len(m.Attachments), fuzzLimits.MaxAttachments)
		}
		if d := mailparse.TreeDepth(raw, fuzzLimits); d > fuzzLimits.MaxDepth {
			t.Errorf("MIME tree %d deep, limit %d", d, fuzzLimits.MaxDepth)
		}
	})
}

package mailparse_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/council/intake/internal/mailparse"
)

const simple = "From: Ann Example <ann@example.com>\r\nTo: complaints@example.gov.uk\r\n" +
	"Subject: Potholes\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe road is full of potholes.\r\n"

// nested builds a message whose text sits under depth levels of multipart/mixed.
func nested(depth int) []byte {
	var b bytes.Buffer
	b.WriteString("From: a@example.com\r\nSubject: deep\r\nContent-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n")
	b.WriteString("--b0\r\nContent-Type: text/plain\r\n\r\ntop text\r\n")
	for i := 1; i < depth; i++ {
		fmt.Fprintf(&b, "--b%d\r\nContent-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n", i-1, i)
	}
	fmt.Fprintf(&b, "--b%d\r\nContent-Type: text/plain\r\n\r\ndeep text\r\n", depth-1)
	for i := depth - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\r\n", i)
	}
	return b.Bytes()
}

// withAttachment builds a message of about size bytes: a short text and one base64 attachment.
func withAttachment(size int) []byte {
	var b bytes.Buffer
	b.WriteString("From: Ann Example <ann@example.com>\r\nTo: complaints@example.gov.uk\r\nSubject: Photos\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n--XX\r\n" +
		"Content-Type: text/plain\r\n\r\nPhotos of the flooding attached.\r\n--XX\r\n" +
		"Content-Type: image/jpeg; name=\"flood.jpg\"\r\nContent-Disposition: attachment; filename=\"flood.jpg\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n")
	line := strings.Repeat("QUJD", 19) + "\r\n" // 76 characters of base64 ("ABC" × 19)
	for b.Len() < size-len(line)-10 {
		b.WriteString(line)
	}
	b.WriteString("--XX--\r\n")
	return b.Bytes()
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestParse_Robustness(t *testing.T) {
	manyHeaders := func() []byte {
		var b bytes.Buffer
		for i := 0; i < 20000; i++ {
			fmt.Fprintf(&b, "X-Junk-%d: %s\r\n", i, strings.Repeat("x", 50))
		}
		b.WriteString(simple)
		return b.Bytes()
	}()
	tests := []struct {
		name     string
		in       []byte
		limits   mailparse.Limits
		wantErr  bool
		subject  string
		text     string
		problems []string // fragments that must be among the problems
		clean    bool     // no problems at all
		attach   int
	}{
		{name: "empty", in: nil, wantErr: true},
		{name: "only white space", in: []byte("\r\n \r\n"), wantErr: true},
		{name: "binary without header", in: []byte{0xff, 0xfe, 0x00, 0x01, 0x02}, wantErr: true},
		{name: "simple", in: []byte(simple), subject: "Potholes", text: "full of potholes", clean: true},
		{name: "20000 header fields", in: manyHeaders, subject: "Potholes", text: "full of potholes", clean: true},
		{
			name: "nested 30 deep", in: nested(30), subject: "deep", text: "top text",
			problems: []string{"nested more than 20 levels deep was not opened"},
		},
		{
			name: "nested 2000 deep", in: nested(2000), subject: "deep", text: "top text",
			problems: []string{"nested more than 20 levels deep was not opened"},
		},
		{name: "nested exactly to the limit", in: nested(20), subject: "deep", text: "deep text", clean: true},
		{
			name: "larger than MaxMessageBytes", in: withAttachment(4 << 20), limits: mailparse.Limits{MaxMessageBytes: 1 << 20},
			subject: "Photos", text: "flooding", attach: 1,
			problems: []string{"larger than 1 MB; only the first 1 MB was read"},
		},
		{
			name: "attachment over MaxAttachmentBytes", in: withAttachment(1 << 20), limits: mailparse.Limits{MaxAttachmentBytes: 100 << 10},
			subject: "Photos", text: "flooding",
			problems: []string{"attachment 1 (image/jpeg, 0.7 MB) is larger than the 0.1 MB limit and was dropped"},
		},
		{
			name: "attachments over MaxTotalAttachmentBytes", in: withAttachment(1 << 20), limits: mailparse.Limits{MaxTotalAttachmentBytes: 100 << 10},
			subject: "Photos", text: "flooding",
			problems: []string{"would take the attachments past 0.1 MB in all and was dropped"},
		},
		{
			name: "multipart without a closing boundary or a part", in: []byte("Subject: x\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\n"),
			subject: "x",
		},
		{
			name: "header only", in: []byte("Subject: Just a subject\r\n"), subject: "Just a subject",
		},
		{
			name: "headerless text", in: []byte("please fix the lights\n"), text: "please fix the lights",
			problems: []string{"no readable header"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			m, err := mailparse.Parse(bytes.NewReader(tt.in), tt.limits)
			if tt.wantErr {
				if !errors.Is(err, mailparse.ErrUnreadable) {
					t.Fatalf("Parse = %v, %v; want ErrUnreadable", m, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if m.Subject != tt.subject {
				t.Errorf("Subject = %q, want %q", m.Subject, tt.subject)
			}
			if !strings.Contains(m.Text, tt.text) {
				t.Errorf("Text = %.200q, want it to contain %q", m.Text, tt.text)
			}
			if len(m.Attachments) != tt.attach {
				t.Errorf("%d attachments, want %d", len(m.Attachments), tt.attach)
			}
			for _, p := range tt.problems {
				if !containsFragment(m.Problems, p) {
					t.Errorf("Problems = %q, want one containing %q", m.Problems, p)
				}
			}
			if tt.clean && len(m.Problems) > 0 {
				t.Errorf("Problems = %q, want none", m.Problems)
			}
			checkSafe(t, m)
			t.Logf("%d bytes in %v", len(tt.in), time.Since(start))
		})
	}
}

func TestParse_ReadError(t *testing.T) {
	_, err := mailparse.Parse(io.MultiReader(strings.NewReader("Subject: x\r\n"), failingReader{}), mailparse.Limits{})
	if err == nil || errors.Is(err, mailparse.ErrUnreadable) || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("Parse = %v, want the reader's error", err)
	}
}

func TestParse_PanicInEnmime(t *testing.T) {
	restore := mailparse.PanicInEnmime()
	defer restore()
	m, err := mailparse.Parse(strings.NewReader(simple), mailparse.Limits{})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if m.Subject != "Potholes" || m.From.Email != "ann@example.com" {
		t.Errorf("Subject %q, From %q: want the header read despite the panic", m.Subject, m.From.Email)
	}
	if !containsFragment(m.Problems, "the MIME parser failed") {
		t.Errorf("Problems = %q, want the panic reported", m.Problems)
	}
}

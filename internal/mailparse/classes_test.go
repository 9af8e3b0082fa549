package mailparse_test

import (
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/council/intake/internal/mailparse"
)

func mustEncode(t *testing.T, enc interface{ String(string) (string, error) }, s string) string {
	t.Helper()
	out, err := enc.String(s)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// uuencode writes data as the uuencode utility does, for a test that must not depend on the
// code it tests.
func uuencode(name string, data []byte) string {
	var b strings.Builder
	b.WriteString("begin 644 " + name + "\n")
	enc := func(c byte) byte {
		if c == 0 {
			return '`'
		}
		return c + 32
	}
	for len(data) > 0 {
		n := min(45, len(data))
		line := data[:n]
		data = data[n:]
		b.WriteByte(enc(byte(n)))
		for i := 0; i < len(line); i += 3 {
			var c [3]byte
			copy(c[:], line[i:])
			b.WriteByte(enc(c[0] >> 2))
			b.WriteByte(enc((c[0]<<4 | c[1]>>4) & 0x3f))
			b.WriteByte(enc((c[1]<<2 | c[2]>>6) & 0x3f))
			b.WriteByte(enc(c[2] & 0x3f))
		}
		b.WriteByte('\n')
	}
	b.WriteString("`\nend\n")
	return b.String()
}

// Class 6: character sets are detected where the message does not declare them, uuencode is
// decoded, and U+FFFD is never stored where the bytes could be read.
func TestParse_Charsets(t *testing.T) {
	sjis := mustEncode(t, japanese.ShiftJIS.NewEncoder(), "ゴミ収集の苦情")
	gb := mustEncode(t, simplifiedchinese.GBK.NewEncoder(), "关于垃圾收集的投诉")
	jis := mustEncode(t, japanese.ISO2022JP.NewEncoder(), "ゴミが回収されていません。")
	tests := []struct {
		name, raw, subject, text string
		attachment               string // name of an attachment with content "Hello, council!\n"
	}{
		{"undeclared ISO-2022-JP body",
			"From: a@example.jp\r\nSubject: bins\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n" + jis + "\r\n",
			"bins", "ゴミが回収されていません。", ""},
		{"raw Shift_JIS subject, charset declared on the body",
			"From: a@example.jp\r\nSubject: " + sjis + "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=Shift_JIS\r\n\r\n" + sjis + "\r\n",
			"ゴミ収集の苦情", "ゴミ収集の苦情", ""},
		{"raw GB2312 subject, charset declared on the body",
			"From: a@example.cn\r\nSubject: " + gb + "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=gb2312\r\n\r\n" + gb + "\r\n",
			"关于垃圾收集的投诉", "关于垃圾收集的投诉", ""},
		{"raw windows-1252 subject, nothing declared",
			"From: a@example.com\r\nSubject: Caf\xe9 \x93bins\x94\r\n\r\nplain\r\n",
			"Café “bins”", "plain", ""},
		{"uuencoded attachment",
			"From: a@example.com\r\nSubject: note\r\n\r\nSee the note.\r\n\r\n" + uuencode("note.txt", []byte("Hello, council!\n")) + "\r\nThanks\r\n",
			"note", "See the note.", "note.txt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := mailparse.Parse(strings.NewReader(tt.raw), mailparse.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != tt.subject {
				t.Errorf("subject %q; want %q", m.Subject, tt.subject)
			}
			if !strings.Contains(m.Text, tt.text) || strings.ContainsRune(m.Text+m.Subject, '\uFFFD') {
				t.Errorf("text %q; want %q in it and no U+FFFD", m.Text, tt.text)
			}
			if tt.attachment == "" {
				return
			}
			if len(m.Attachments) != 1 || m.Attachments[0].Name != tt.attachment || string(m.Attachments[0].Content) != "Hello, council!\n" {
				t.Errorf("attachments %+v; want %s decoded", m.Attachments, tt.attachment)
			}
			if strings.Contains(m.Text, "begin 644") {
				t.Errorf("text %q still holds the encoded file", m.Text)
			}
		})
	}
}

// Class 8: the text kept is the alternative that has the words, from any text format.
func TestParse_WordsFromTheRightPart(t *testing.T) {
	alt := func(parts ...string) string {
		s := "From: a@example.com\r\nSubject: bins\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"a\"\r\n\r\n"
		for _, p := range parts {
			s += "--a\r\n" + p + "\r\n"
		}
		return s + "--a--\r\n"
	}
	tests := []struct {
		name, raw, subject, text string
		files                    []string // the HTML whose words were used is kept as a file
	}{
		{"empty text/plain beside HTML",
			alt("Content-Type: text/plain\r\n\r\n \r\n", "Content-Type: text/html\r\n\r\n<p>The bins were <span>missed</span>.</p>"),
			"bins", "The bins were missed.", []string{"attachment-1.html"}},
		{"text/enriched",
			alt("Content-Type: text/enriched\r\n\r\n<bold>The bins</bold> were <italic>missed</italic>.\r\n\r\nTwice."),
			"bins", "The bins were missed.\nTwice.", nil},
		{"RFC 2231 language in an encoded word",
			"From: a@example.si\r\nSubject: =?iso-8859-2*sl?Q?Prito=BEba_zaradi_smeti?=\r\n\r\nx\r\n",
			"Pritožba zaradi smeti", "x", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := mailparse.Parse(strings.NewReader(tt.raw), mailparse.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != tt.subject || !strings.Contains(m.Text, tt.text) {
				t.Errorf("subject %q, text %q; want %q, %q", m.Subject, m.Text, tt.subject, tt.text)
			}
			var files []string
			for _, a := range m.Attachments {
				files = append(files, a.Name)
			}
			if strings.Join(files, ",") != strings.Join(tt.files, ",") {
				t.Errorf("attachments %v; want %v", files, tt.files)
			}
		})
	}
}

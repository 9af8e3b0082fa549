package mailparse

import (
	"strings"
	"testing"
)

func TestSplitQuoted(t *testing.T) {
	tests := []struct {
		name, text, newText, quoted string
		forwarded                   bool
	}{
		{name: "nothing quoted", text: "Hello\n\nThe lights are out.", newText: "Hello\n\nThe lights are out."},
		{name: "empty", text: ""},
		{
			name: "bottom-posted reply keeps the answer", text: "On Tue, 3 Mar 2026, Ann wrote:\n> Is it fixed?\n\nNo, it is not.",
			newText: "No, it is not.", quoted: "On Tue, 3 Mar 2026, Ann wrote:\n> Is it fixed?",
		},
		{
			name: "top-posted reply without quote marks", text: "Still broken.\n\nOn Tue, 3 Mar 2026 at 10:00, Ann <a@example.com> wrote:\nIs it fixed?",
			newText: "Still broken.", quoted: "On Tue, 3 Mar 2026 at 10:00, Ann <a@example.com> wrote:\nIs it fixed?",
		},
		{
			name: "signature", text: "Thanks.\n-- \nAnn\n01234", newText: "Thanks.", quoted: "-- \nAnn\n01234",
		},
		{
			name: "two dashes without the space are not a signature", text: "Score was 2\n--\nthen 3", newText: "Score was 2\n--\nthen 3",
		},
		{
			name: "Sent from my phone only at the end", text: "Bins missed.\n\nSent from my iPhone", newText: "Bins missed.", quoted: "Sent from my iPhone",
		},
		{
			name: "Sent from my phone mid-text stays", text: "Sent from my iPhone earlier:\nthe photos", newText: "Sent from my iPhone earlier:\nthe photos",
		},
		{
			name: "original message", text: "No.\n\n-----Original Message-----\nFrom: x\nYes?", newText: "No.", quoted: "-----Original Message-----\nFrom: x\nYes?",
		},
		{
			name: "Outlook header block with underscores", text: "No.\n________________________________\nFrom: X\nSent: Monday\nTo: Y\nSubject: Z\n\nYes?",
			newText: "No.", quoted: "________________________________\nFrom: X\nSent: Monday\nTo: Y\nSubject: Z\n\nYes?",
		},
		{
			name: "a From: line alone is the sender's text", text: "From: my house to the shop the path is blocked.", newText: "From: my house to the shop the path is blocked.",
		},
		{
			name: "forward", text: "FYI\n\nBegin forwarded message:\n\nFrom: X\nHello", newText: "FYI", quoted: "Begin forwarded message:\n\nFrom: X\nHello", forwarded: true,
		},
		{
			name: "quote only", text: "> all quoted\n> here", newText: "", quoted: "> all quoted\n> here",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, q, f := splitQuoted(tt.text)
			if n != tt.newText || q != tt.quoted || f != tt.forwarded {
				t.Errorf("splitQuoted(%q)\n = %q, %q, %v\nwant %q, %q, %v", tt.text, n, q, f, tt.newText, tt.quoted, tt.forwarded)
			}
		})
	}
}

func TestSafeName(t *testing.T) {
	tests := []struct{ in, ctype, want string }{
		{"report.pdf", "application/pdf", "report.pdf"},
		{"../../etc/passwd", "", "passwd"},
		{`C:\Users\ann\photo.jpg`, "image/jpeg", "photo.jpg"},
		{"", "application/pdf", "attachment-7.pdf"},
		{"", "application/x-unknown", "attachment-7"},
		{"..", "", "attachment-7"},
		{"a\x00b\r\nc.txt", "", "ab c.txt"},
		{"invoice\u202efdp.exe", "", "invoicefdp.exe"},
		{`what?<>:"|*.txt`, "", "what_______.txt"},
		{"nul.txt", "", "_nul.txt"},
		{"  .hidden  ", "", "hidden"},
		{"\xff\xfe.txt", "", "_.txt"},
		{"ŵŷ.txt", "", "ŵŷ.txt"},
	}
	for _, tt := range tests {
		if got := safeName(tt.in, 7, tt.ctype); got != tt.want {
			t.Errorf("safeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	long := safeName(strings.Repeat("ŵ", 200)+".docx", 1, "")
	if len(long) > maxNameBytes || long[len(long)-5:] != ".docx" {
		t.Errorf("long name = %q (%d bytes), want at most %d bytes ending .docx", long, len(long), maxNameBytes)
	}
}

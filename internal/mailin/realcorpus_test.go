package mailin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/mailparse"
)

// The real-world corpus (issue 25): messages nobody here wrote, from the test data that Go
// modules ship in their module zips, fetched by the go command into the module cache as any
// dependency is. Only the list of files and what each must become are kept here
// (testdata/corpus); the messages themselves never are.

var update = flag.Bool("update", false, "rewrite testdata/corpus/expected.json and README.md's file list from what the corpus does now")

// corpusSource is one module whose test data holds messages.
type corpusSource struct {
	Module, Version, Licence string
	Globs                    []string // relative to the module's directory
}

var corpusSources = []corpusSource{
	{"github.com/jhillyerd/enmime/v2", "v2.3.0", "MIT (the module's LICENSE)",
		[]string{"testdata/mail/*.raw", "testdata/low-quality/*.raw", "testdata/parts/*.raw"}},
	{"github.com/axllent/mailpit", "v1.33.1", "MIT (the module's LICENSE)",
		[]string{"internal/storage/testdata/*.eml"}},
	{"github.com/inbucket/inbucket/v3", "v3.2.0", "MIT (the module's LICENSE)",
		[]string{"etc/swaks-tests/*.raw", "pkg/test/testdata/*.txt"}},
	{"github.com/wneessen/go-mail", "v0.8.1", "MIT (the module's LICENSE; SPDX in the .license files beside two of them)",
		[]string{"testdata/*.eml"}},
}

// corpusWant is what one message must become.
type corpusWant struct {
	File        string `json:"file"`        // module path, "@", path in the module
	Outcome     string `json:"outcome"`     // created, threaded, ignored, quarantined
	Sender      string `json:"sender"`      // From as read: "" when it is not one valid mailbox
	ReplyTo     string `json:"reply_to"`    // where an acknowledgement may go: "" for nowhere
	Acked       bool   `json:"acked"`       // an acknowledgement was sent there
	Subject     string `json:"subject"`     // as read
	Text        string `json:"text"`        // the start of the words stored (or read, when ignored)
	Attachments int    `json:"attachments"` // files read from the message
	// SameAs is set when the message is one received before (the same Message-ID from the same
	// sender with the same words): the file of the earlier one. Nothing else is then checked.
	SameAs string `json:"same_as,omitempty"`
}

type corpusMessage struct {
	name string // as corpusWant.File
	raw  []byte
}

var (
	corpusOnce sync.Once
	corpusMsgs []corpusMessage
	corpusErr  error
)

// loadCorpus has the go command put each source module in the module cache (checked against
// the checksum database, as any dependency is) and reads its messages.
func loadCorpus(t *testing.T) []corpusMessage {
	t.Helper()
	corpusOnce.Do(func() {
		for _, src := range corpusSources {
			out, err := exec.Command("go", "mod", "download", "-json", src.Module+"@"+src.Version).Output()
			if err != nil {
				corpusErr = fmt.Errorf("go mod download %s@%s: %v (the corpus needs the Go module proxy)", src.Module, src.Version, err)
				return
			}
			var mod struct{ Dir, Error string }
			if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
				corpusErr = fmt.Errorf("go mod download %s@%s: %s %v", src.Module, src.Version, mod.Error, err)
				return
			}
			for _, g := range src.Globs {
				files, err := filepath.Glob(filepath.Join(mod.Dir, g))
				if err != nil || len(files) == 0 {
					corpusErr = fmt.Errorf("%s@%s: nothing matches %s", src.Module, src.Version, g)
					return
				}
				for _, f := range files {
					raw, err := os.ReadFile(f)
					if err != nil {
						corpusErr = err
						return
					}
					rel, _ := filepath.Rel(mod.Dir, f)
					corpusMsgs = append(corpusMsgs, corpusMessage{name: src.Module + "@" + filepath.ToSlash(rel), raw: raw})
				}
			}
		}
	})
	if corpusErr != nil {
		t.Fatal(corpusErr)
	}
	return corpusMsgs
}

const corpusDir = "testdata/corpus"

// TestReceive_RealWorldCorpus takes in every message of the corpus through the email function's
// code (store, parse, receive, then the side effects as the notifier carries them out), on the
// embedded stack and on moto, one message a day so that the acknowledgement limit does not
// hide where acknowledgements go; then takes them all in again, which must change nothing.
func TestReceive_RealWorldCorpus(t *testing.T) {
	msgs := loadCorpus(t)
	if len(msgs) < 100 {
		t.Fatalf("the corpus has %d messages; it must have at least 100", len(msgs))
	}
	var want []corpusWant
	if !*update {
		b, err := os.ReadFile(filepath.Join(corpusDir, "expected.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatal(err)
		}
	}
	stacks(t, func(t *testing.T, s *stack) {
		got := make([]corpusWant, 0, len(msgs))
		s.files = map[string]string{}
		for _, m := range msgs {
			got = append(got, takeIn(t, s, m))
			s.clock.Advance(25 * time.Hour)
		}
		checkLetters(t, s, got)
		if *update {
			writeCorpus(t, got)
			return
		}
		byFile := map[string]corpusWant{}
		for _, w := range want {
			byFile[w.File] = w
		}
		for _, g := range got {
			w, ok := byFile[g.File]
			if !ok {
				t.Errorf("%s: not in expected.json (run with -update, then check what changed)", g.File)
				continue
			}
			if g != w {
				t.Errorf("%s:\n got %+v\nwant %+v", g.File, g, w)
			}
			delete(byFile, g.File)
		}
		for f := range byFile {
			t.Errorf("%s: expected, but not in the corpus", f)
		}
		before := len(s.sent(t))
		for _, m := range msgs {
			key, err := s.recv.Store(context.Background(), m.raw)
			if err != nil {
				t.Fatal(err)
			}
			out, err := s.recv.Receive(context.Background(), key)
			if err != nil {
				t.Fatalf("%s again: %v", m.name, err)
			}
			if out.Outcome != feedback.EmailIgnored && out.Reason != "received before" {
				t.Errorf("%s again: %+v; want received before", m.name, out)
			}
		}
		if after := len(s.sent(t)); after != before {
			t.Errorf("taking the corpus in twice sent %d more letters", after-before)
		}
	})
}

// takeIn receives one message and reports what became of it.
func takeIn(t *testing.T, s *stack, m corpusMessage) corpusWant {
	t.Helper()
	parsed, err := mailparse.Parse(bytes.NewReader(m.raw), mailparse.Limits{})
	if err != nil {
		parsed = &feedback.InboundEmail{}
	}
	out := s.receive(t, string(m.raw))
	g := corpusWant{File: m.name, Outcome: out.Outcome, Sender: parsed.From.Email, Subject: parsed.Subject,
		Attachments: len(parsed.Attachments), Text: start(parsed.NewText, parsed.Text)}
	if out.Reason == "received before" {
		g.SameAs = s.files[out.Reference]
		return g
	}
	if out.Reference == "" {
		return g
	}
	if out.Outcome != feedback.EmailThreaded {
		s.files[out.Reference] = m.name
	}
	c := caseOf(t, s, out.Reference)
	files := c.Attachments
	switch out.Outcome {
	case feedback.EmailThreaded:
		last := c.Messages[len(c.Messages)-1]
		g.Text, files = start(last.Text, ""), last.Attachments
	default:
		g.Text, g.ReplyTo = start(c.Message, ""), c.Contact.Email
		if c.Subject != parsed.Subject && parsed.Subject != "" {
			t.Errorf("%s: case subject %q; parsed %q", m.name, c.Subject, parsed.Subject)
		}
	}
	if wantFiles := min(len(parsed.Attachments), feedback.MaxEmailAttachments); out.Outcome != feedback.EmailQuarantined && len(files) != wantFiles {
		t.Errorf("%s: %d files kept; the message has %d", m.name, len(files), wantFiles)
	}
	// What the notifier sent is read from the case (reading moto's sent mail after every message
	// would read all of moto's state each time); the letters themselves are checked at the end.
	if out.Outcome != feedback.EmailThreaded {
		g.Acked = c.Effects[feedback.EffectAcknowledgement].State == feedback.EffectDone
	}
	return g
}

// checkLetters checks the letters sent for the whole corpus: an acknowledgement to each address
// the cases say, and nothing else to anyone but the officers.
func checkLetters(t *testing.T, s *stack, got []corpusWant) {
	var want, sent []string
	for _, g := range got {
		if g.Acked {
			want = append(want, strings.ToLower(g.ReplyTo))
		}
	}
	for _, l := range s.sent(t) {
		if l.To != "triage@example.gov.uk" {
			sent = append(sent, strings.ToLower(l.To))
		}
	}
	slices.Sort(want)
	slices.Sort(sent)
	if !slices.Equal(want, sent) {
		t.Errorf("acknowledgements sent to %v; the cases say %v", sent, want)
	}
}

// start is the first 60 characters of the words, on one line.
func start(text, orText string) string {
	if strings.TrimSpace(text) == "" {
		text = orText
	}
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) <= 60 {
		return text
	}
	return string([]rune(text)[:60])
}

// writeCorpus writes expected.json and the file list of README.md from what the corpus did.
func writeCorpus(t *testing.T, got []corpusWant) {
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(corpusDir, "expected.json"), append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	readme := filepath.Join(corpusDir, "README.md")
	old, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	head, _, _ := strings.Cut(string(old), fileListMarker)
	var list strings.Builder
	list.WriteString(head + fileListMarker + "\n\n| origin (module@version, path in the module) | licence | outcome |\n|---|---|---|\n")
	counts := map[string]int{}
	for _, g := range got {
		mod, path, _ := strings.Cut(g.File, "@")
		src := corpusSources[slices.IndexFunc(corpusSources, func(s corpusSource) bool { return s.Module == mod })]
		fmt.Fprintf(&list, "| %s@%s `%s` | %s | %s |\n", mod, src.Version, path, src.Licence, g.Outcome)
		counts[mod+" "+g.Outcome]++
	}
	if err := os.WriteFile(readme, []byte(list.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("corpus: %d messages; by source and outcome: %v", len(got), counts)
}

const fileListMarker = "## The files"

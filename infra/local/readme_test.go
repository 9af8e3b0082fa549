package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestREADME_ExamplesRunAsWritten runs the README's shell examples (its ```sh blocks, in order,
// in one shell, as a reader would paste them) against a fresh local runner started as the README
// says (`make run NOW=…`, with the Makefile's SOCIAL_SECRETS and
// API_TOKENS), on free loopback ports: every command must succeed, and every answer a block
// documents after `# =>` must appear in what it prints, in order (`…` stands for anything;
// runs of white space compare equal).
func TestREADME_ExamplesRunAsWritten(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the local runner")
	}
	for _, tool := range []string{"bash", "curl", "openssl", "python3"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the README's examples need %s: %v", tool, err)
		}
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	readme := readFile(t, filepath.Join(root, "README.md"))
	now := soleMatch(t, readme, `(?m)^make run NOW=(\S+)$`, "README.md")
	makefile := readFile(t, filepath.Join(root, "Makefile"))
	tokens := soleMatch(t, makefile, `(?m)^API_TOKENS \?= (\S+)$`, "Makefile")
	secrets := soleMatch(t, makefile, `(?m)^SOCIAL_SECRETS \?= (\S+)$`, "Makefile")
	blocks := shellBlocks(readme)
	if len(blocks) < 5 {
		t.Fatalf("found %d ```sh blocks in README.md; the walk-through has more", len(blocks))
	}

	smtp := freeAddr(t)
	r := start(t, buildRunner(t), t.TempDir(), "-now", now, "-smtp", smtp, "-social-secrets", secrets, "-api-tokens", tokens)
	addr := strings.TrimPrefix(r.base, "http://")

	ports := strings.NewReplacer("127.0.0.1:3000", addr, "127.0.0.1:2525", smtp)
	var script strings.Builder
	script.WriteString("set -eu -o pipefail\n")
	for i, b := range blocks {
		if len(b.want) == 0 {
			t.Errorf("README.md's ```sh block %d (line %d) documents nothing it prints (no `# =>` line)", i+1, b.line)
		}
		code := ports.Replace(b.code)
		if m := regexp.MustCompile(`(127\.0\.0\.1|localhost):\d+`).FindString(strings.NewReplacer(addr, "", smtp, "").Replace(code)); m != "" {
			t.Errorf("README.md's ```sh block %d (line %d) names %s, which is neither the runner (127.0.0.1:3000) nor its SMTP listener (127.0.0.1:2525)", i+1, b.line, m)
		}
		fmt.Fprintf(&script, "echo '%s%d'\n%s\n", blockMark, i, code)
	}
	fmt.Fprintf(&script, "echo '%sdone'\n", blockMark)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script.String())
	cmd.Dir = root
	var stderr syncBuffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	parts := strings.Split(string(out), blockMark)[1:] // "<i>\n<output of block i>"
	for i, b := range blocks {
		if i >= len(parts) || err != nil && i == len(parts)-1 {
			t.Fatalf("README.md's ```sh block %d (line %d) failed (%v):\n%s\nstdout:\n%s\nstderr:\n%s",
				i+1, b.line, err, b.code, strings.Join(parts[min(i, len(parts)):], ""), stderr.String())
		}
		printed := strings.Join(strings.Fields(strings.TrimPrefix(parts[i], fmt.Sprint(i))), " ")
		got := printed
		for _, want := range b.want {
			rest, ok := matchInOrder(got, ports.Replace(want))
			if !ok {
				t.Errorf("README.md's ```sh block %d (line %d) printed\n%s\nwhich does not show the documented answer\n# => %s", i+1, b.line, printed, want)
				break
			}
			got = rest
		}
	}
	if err != nil {
		t.Fatalf("the README's examples failed: %v\nstderr:\n%s", err, stderr.String())
	}
}

// blockMark separates the blocks' output.
const blockMark = "@@readme-block "

// shellBlock is one ```sh block of the README: its code, the line it starts at, and the answers
// its `# =>` comments document.
type shellBlock struct {
	code string
	line int
	want []string
}

// shellBlocks returns the README's ```sh blocks in order. Other blocks (```text) are not run.
func shellBlocks(readme string) []shellBlock {
	var blocks []shellBlock
	var cur *shellBlock
	for n, line := range strings.Split(readme, "\n") {
		switch {
		case cur == nil && line == "```sh":
			cur = &shellBlock{line: n + 1}
		case cur != nil && line == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.code += line + "\n"
			if want, ok := strings.CutPrefix(line, "# => "); ok {
				cur.want = append(cur.want, want)
			}
		}
	}
	return blocks
}

// matchInOrder reports whether want's pieces between "…" appear in got in order (white space
// compared as single spaces), and returns what follows the last.
func matchInOrder(got, want string) (string, bool) {
	for _, piece := range strings.Split(want, "…") {
		piece = strings.Join(strings.Fields(piece), " ")
		i := strings.Index(got, piece)
		if i < 0 {
			return got, false
		}
		got = got[i+len(piece):]
	}
	return got, true
}

func TestMatchInOrder(t *testing.T) {
	tests := []struct {
		got, want string
		ok        bool
	}{
		{`{"a":1,"b":2} 201`, `{"a":1,…} 201`, true},
		{`{"a":1,"b":2} 201`, `{"a":1,…} 200`, false},
		{`{"b":2,"a":1} 201`, `"a":1…"b":2`, false},
		{`x  y`, `x y`, true},
	}
	for _, tt := range tests {
		got := strings.Join(strings.Fields(tt.got), " ")
		if _, ok := matchInOrder(got, tt.want); ok != tt.ok {
			t.Errorf("matchInOrder(%q, %q) = %v; want %v", tt.got, tt.want, ok, tt.ok)
		}
	}
}

// TestREADME_LinksResolve: every relative link in the README and docs/ names a file that exists
// and, with a #fragment, a heading of that file.
func TestREADME_LinksResolve(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	pages, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	pages = append(pages, filepath.Join(root, "README.md"))
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	for _, page := range pages {
		for _, m := range link.FindAllStringSubmatch(readFile(t, page), -1) {
			target := m[1]
			if strings.Contains(target, "://") {
				continue
			}
			file, frag, _ := strings.Cut(target, "#")
			path := page
			if file != "" {
				path = filepath.Join(filepath.Dir(page), file)
			}
			rel, _ := filepath.Rel(root, page)
			if _, err := os.Stat(path); err != nil {
				t.Errorf("%s links to %s, which does not exist", rel, target)
				continue
			}
			if frag != "" && !hasHeading(readFile(t, path), frag) {
				t.Errorf("%s links to %s, which has no heading #%s", rel, file, frag)
			}
		}
	}
}

// hasHeading reports whether a Markdown page has a heading whose GitHub anchor is frag.
func hasHeading(page, frag string) bool {
	for _, line := range strings.Split(page, "\n") {
		if !strings.HasPrefix(line, "#") {
			continue
		}
		title := strings.ToLower(strings.TrimSpace(strings.TrimLeft(line, "#")))
		var slug strings.Builder
		for _, r := range title {
			switch {
			case r == ' ':
				slug.WriteRune('-')
			case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
				slug.WriteRune(r)
			}
		}
		if slug.String() == frag {
			return true
		}
	}
	return false
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// soleMatch returns the first group of the one match of pattern in text.
func soleMatch(t *testing.T, text, pattern, name string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindAllStringSubmatch(text, -1)
	if len(m) != 1 {
		t.Fatalf("%s: want one line matching %s, found %d", name, pattern, len(m))
	}
	return m[0][1]
}

package mailparse

import (
	"bytes"
	"strings"
	"unicode"

	"github.com/jhillyerd/enmime/v2/mediatype"
)

// enmime parses nested multiparts by recursion, and every level reads its bytes through the
// boundary readers of all the levels above it, so a message nested thousands of levels deep costs
// time in proportion to depth × size and can exhaust the stack (which Go cannot recover from).
// flattenDeep therefore finds, before enmime sees the message, every multipart container nested
// deeper than the limit and disarms it in place: each "boundary" in its Content-Type header
// becomes "xoundary", so enmime reads the container as one opaque leaf part. The lengths of the
// bytes do not change, so nothing is copied.
//
// The scan follows enmime's reading of boundaries (a delimiter is "--" + boundary at the start of
// a line followed by white space; a terminator adds "--"; the outermost boundary wins; in a
// preamble a delimiter may appear anywhere on a line). parts re-checks the depth of the tree enmime
// builds, so a disagreement shows up as a problem and in the fuzz test rather than silently.

// disarmedParam replaces "boundary" in a disarmed container's Content-Type, so that enmime reads the
// container as a leaf whose type is still multipart/*.
const disarmedParam = "xoundary"

// flattenDeep disarms multipart containers nested deeper than maxDepth (the top-level multipart is
// depth 1) and returns how many it disarmed.
func flattenDeep(msg []byte, maxDepth int) int {
	// Every container declares a boundary, so a message with no more "boundary" strings than
	// maxDepth cannot nest deeper than maxDepth: almost all mail stops here.
	if countFold(msg, "boundary") <= maxDepth {
		return 0
	}
	s := depthScanner{msg: msg, max: maxDepth}
	return s.run()
}

type frame struct {
	delim   []byte // "--" + boundary
	started bool   // a delimiter has been seen: we are past the preamble
}

type depthScanner struct {
	msg      []byte
	max      int
	stack    []frame
	disarmed int
}

func (s *depthScanner) run() int {
	pos, ct := s.header(0)
	mtype, params := parseType(ct)
	if !strings.HasPrefix(mtype, "multipart/") || params["boundary"] == "" {
		return 0
	}
	s.stack = []frame{{delim: []byte("--" + params["boundary"])}}
	for pos < len(s.msg) && len(s.stack) > 0 {
		end := lineEnd(s.msg, pos)
		i, final := s.boundary(s.msg[pos:end])
		if i < 0 {
			pos = end
			continue
		}
		if final {
			// The container is closed; what follows is its epilogue, read as content of its parent.
			s.stack = s.stack[:i]
			pos = end
			continue
		}
		s.stack = s.stack[:i+1]
		s.stack[i].started = true
		var ctStart, ctEnd int
		pos, ctStart, ctEnd = s.partHeader(end)
		if ctStart < 0 {
			continue
		}
		mtype, params := parseType(headerValue(s.msg[ctStart:ctEnd]))
		b := params["boundary"]
		if b == "" || mtype == "text/plain" || mtype == "text/html" {
			continue // enmime reads this part as a leaf
		}
		if len(s.stack) >= s.max {
			disarm(s.msg[ctStart:ctEnd])
			s.disarmed++
			continue
		}
		s.stack = append(s.stack, frame{delim: []byte("--" + b)})
	}
	return s.disarmed
}

// boundary reports which frame's delimiter or terminator line is, outermost first, or -1.
func (s *depthScanner) boundary(line []byte) (int, bool) {
	for i, f := range s.stack {
		if i == len(s.stack)-1 && !f.started {
			// enmime's boundary reader looks for the first delimiter anywhere in a preamble line.
			if bytes.Contains(line, append(f.delim, '-', '-')) {
				return i, true
			}
			if j := bytes.Index(line, f.delim); j >= 0 && isSpaceAt(line, j+len(f.delim)) {
				return i, false
			}
			continue
		}
		for _, c := range candidates(line) {
			rest := line[c:]
			if !bytes.HasPrefix(rest, f.delim) {
				continue
			}
			rest = rest[len(f.delim):]
			if bytes.HasPrefix(rest, []byte("--")) {
				return i, true
			}
			if len(rest) > 0 && unicode.IsSpace(rune(rest[0])) {
				return i, false
			}
		}
	}
	return -1, false
}

// candidates are where enmime's boundary reader checks for a boundary within one line: its start,
// and two bytes after any carriage return (it assumes CR is followed by LF).
func candidates(line []byte) []int {
	c := []int{0}
	for j := bytes.IndexByte(line, '\r'); j >= 0 && j+2 < len(line); {
		c = append(c, j+2)
		k := bytes.IndexByte(line[j+1:], '\r')
		if k < 0 {
			break
		}
		j += 1 + k
	}
	return c
}

func isSpaceAt(b []byte, i int) bool { return i < len(b) && unicode.IsSpace(rune(b[i])) }

// header reads the top-level header from pos and returns where the body starts and the first
// Content-Type value.
func (s *depthScanner) header(pos int) (int, string) {
	end, ctStart, ctEnd := s.headerBlock(pos, false)
	if ctStart < 0 {
		return end, ""
	}
	return end, headerValue(s.msg[ctStart:ctEnd])
}

// partHeader reads a part's header from pos, stopping early at any active boundary, and returns
// where it ended and the byte range of its first Content-Type field (-1 if none).
func (s *depthScanner) partHeader(pos int) (int, int, int) {
	return s.headerBlock(pos, true)
}

func (s *depthScanner) headerBlock(pos int, bounded bool) (end, ctStart, ctEnd int) {
	ctStart, ctEnd = -1, -1
	inCT := false
	for pos < len(s.msg) {
		next := lineEnd(s.msg, pos)
		line := s.msg[pos:next]
		if bounded {
			if i, _ := s.boundary(line); i >= 0 {
				return pos, ctStart, ctEnd
			}
		}
		content := bytes.TrimRight(line, "\r\n")
		if len(content) == 0 {
			return next, ctStart, ctEnd
		}
		colon := bytes.IndexByte(content, ':')
		switch {
		case content[0] == ' ' || content[0] == '\t' || colon < 0:
			// A continuation, indented or not (enmime repairs the latter).
			if inCT {
				ctEnd = next
			}
		case colon == 0:
			inCT = false
		default:
			inCT = false
			name := strings.TrimRight(string(content[:colon]), " ")
			if ctStart < 0 && strings.EqualFold(name, "Content-Type") {
				ctStart, ctEnd, inCT = pos, next, true
			}
		}
		pos = next
	}
	return pos, ctStart, ctEnd
}

// headerValue returns the value of one header field (name, colon, value and continuation lines).
func headerValue(field []byte) string {
	colon := bytes.IndexByte(field, ':')
	if colon < 0 {
		return ""
	}
	return strings.Join(strings.Fields(string(field[colon+1:])), " ")
}

func parseType(ct string) (string, map[string]string) {
	mtype, params, _, err := mediatype.Parse(ct)
	if err != nil {
		return "", nil
	}
	return strings.ToLower(mtype), params
}

// disarm turns every "boundary" in a Content-Type field into "xoundary", in place.
func disarm(field []byte) {
	for i := 0; i+len(disarmedParam) <= len(field); i++ {
		if bytes.EqualFold(field[i:i+len(disarmedParam)], []byte("boundary")) {
			field[i] = 'x'
		}
	}
}

func lineEnd(b []byte, pos int) int {
	if i := bytes.IndexByte(b[pos:], '\n'); i >= 0 {
		return pos + i + 1
	}
	return len(b)
}

// countFold counts the case-insensitive, non-overlapping occurrences of word (lower-case ASCII)
// in b.
func countFold(b []byte, word string) int {
	w := []byte(word)
	n := 0
	for i := 0; i+len(w) <= len(b); i++ {
		if b[i]|0x20 == w[0] && bytes.EqualFold(b[i:i+len(w)], w) {
			n++
			i += len(w) - 1
		}
	}
	return n
}

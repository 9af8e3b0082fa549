package mailparse

import (
	"regexp"
	"strings"
	"sync"
)

// What marks the start of quoted history. Outlook writes its headers in the user's language;
// English and Welsh are the ones a Welsh or English council meets most. Each is compiled on
// first use, not when the email function starts.
var (
	originalMessage = lazyRegexp(`(?i)^-{2,}\s*(original message|neges wreiddiol)\s*-{2,}$`)
	forwardMarker   = lazyRegexp(`(?i)^(-{2,}\s*forwarded message\s*-{2,}|begin forwarded message:)$`)
	outlookFrom     = lazyRegexp(`(?i)^\*?(from|oddi wrth):\*?\s`)
	outlookSent     = lazyRegexp(`(?i)^\*?(sent|date|anfonwyd|dyddiad):\*?\s`)
	outlookTo       = lazyRegexp(`(?i)^\*?(to|subject|at|pwnc|cc):\*?\s`)
	underscores     = lazyRegexp(`^_{10,}$`)
	attributionOn   = lazyRegexp(`(?i)^(on|ar)\s`)
	attributionEnd  = lazyRegexp(`(?i)(wrote|ysgrifennodd|writes):$`)
	mobileSignature = lazyRegexp(`(?i)^(sent from my |sent from mail for windows|get outlook for |anfonwyd o fy )`)
)

// splitQuoted separates what the sender wrote now from what they quoted: the history below an
// "On ... wrote:" line not followed by ">" lines, an Outlook "-----Original Message-----" or
// "From: / Sent:" block, a forwarded message, the signature after "-- " (or a lone "Sent from my
// phone"), and any ">" lines with their attribution. Nothing is lost: every line of text is in
// newText or in quoted, unchanged.
func splitQuoted(text string) (newText, quoted string, forwarded bool) {
	if text == "" {
		return "", "", false
	}
	lines := strings.Split(text, "\n")
	cut, forwarded := historyStart(lines)
	sig := signatureStart(lines, cut)
	marked := quotedLines(lines[:sig])

	var fresh, cutText []string
	var run []string
	flush := func() {
		if len(run) > 0 {
			cutText = append(cutText, strings.Join(run, "\n"))
			run = nil
		}
	}
	for i := 0; i < sig; i++ {
		if marked[i] {
			run = append(run, lines[i])
			continue
		}
		if strings.TrimSpace(lines[i]) == "" && len(run) > 0 && i+1 < sig && marked[i+1] {
			run = append(run, lines[i]) // a blank line inside a quoted block
			continue
		}
		flush()
		fresh = append(fresh, lines[i])
	}
	flush()
	if sig < len(lines) {
		cutText = append(cutText, strings.Join(lines[sig:], "\n"))
	}
	return trimBlank(collapseBlank(fresh)), trimBlank(strings.Join(cutText, "\n\n")), forwarded
}

// historyStart is where top-posted history begins (len(lines) for none): everything from there
// on is quoted. forwarded reports a forwarded message.
func historyStart(lines []string) (cut int, forwarded bool) {
	for i := range lines {
		t := strings.TrimSpace(lines[i])
		switch {
		case originalMessage().MatchString(t):
			return i, false
		case forwardMarker().MatchString(t):
			return i, true
		case isOutlookHeader(lines, i):
			if j := prevNonBlank(lines, i); j >= 0 && underscores().MatchString(strings.TrimSpace(lines[j])) {
				return j, false
			}
			return i, false
		default:
			if n := attribution(lines, i); n > 0 && !quoteFollows(lines, i+n) {
				return i, false
			}
		}
	}
	return len(lines), false
}

// signatureStart is where the signature begins above the history at cut (cut for none): a
// "-- " line, or a lone "Sent from my phone" with nothing but blank lines after it.
func signatureStart(lines []string, cut int) int {
	for i := 0; i < cut; i++ {
		if lines[i] == "-- " || lines[i] == "--\u00a0" {
			return i
		}
		if mobileSignature().MatchString(strings.TrimSpace(lines[i])) && onlyBlankBetween(lines, i+1, cut) {
			return i
		}
	}
	return cut
}

// quotedLines marks the quoted lines and their attributions within what the sender wrote
// (inline replies keep the sender's answers).
func quotedLines(lines []string) []bool {
	marked := make([]bool, len(lines))
	for i := range lines {
		if strings.HasPrefix(strings.TrimLeft(lines[i], " "), ">") {
			marked[i] = true
			continue
		}
		if n := attribution(lines, i); n > 0 && quoteFollows(lines, i+n) {
			for k := i; k < i+n; k++ {
				marked[k] = true
			}
		}
	}
	return marked
}

// isOutlookHeader reports an Outlook reply header: "From:" followed within a few lines by "Sent:"
// (or "Date:") and "To:" or "Subject:".
func isOutlookHeader(lines []string, i int) bool {
	if !outlookFrom().MatchString(strings.TrimSpace(lines[i])) {
		return false
	}
	sent, to := false, false
	for j := i + 1; j < len(lines) && j <= i+6; j++ {
		t := strings.TrimSpace(lines[j])
		sent = sent || outlookSent().MatchString(t)
		to = to || outlookTo().MatchString(t)
	}
	return sent && to
}

// attribution reports how many lines (1 or 2, since clients wrap long ones) an "On <date>, <name>
// wrote:" line takes at i, or 0.
func attribution(lines []string, i int) int {
	t := strings.TrimSpace(lines[i])
	if !attributionOn().MatchString(t) {
		return 0
	}
	if attributionEnd().MatchString(t) {
		return 1
	}
	if i+1 < len(lines) && attributionEnd().MatchString(strings.TrimSpace(lines[i+1])) {
		return 2
	}
	return 0
}

// quoteFollows reports whether the next non-blank line from i is a ">" line.
func quoteFollows(lines []string, i int) bool {
	for ; i < len(lines); i++ {
		t := strings.TrimSpace(lines[i])
		if t != "" {
			return strings.HasPrefix(t, ">")
		}
	}
	return false
}

func prevNonBlank(lines []string, i int) int {
	for j := i - 1; j >= 0; j-- {
		if strings.TrimSpace(lines[j]) != "" {
			return j
		}
	}
	return -1
}

func onlyBlankBetween(lines []string, from, to int) bool {
	for i := from; i < to; i++ {
		if strings.TrimSpace(lines[i]) != "" {
			return false
		}
	}
	return true
}

// collapseBlank joins lines, leaving at most one blank line in a row (cutting quotes out of the
// middle of a text leaves gaps).
func collapseBlank(lines []string) string {
	var out []string
	blank := 0
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			blank++
			if blank > 1 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// trimBlank removes blank lines (and trailing white space) from both ends of s, keeping the
// indentation of its first line.
func trimBlank(s string) string {
	s = strings.TrimRight(s, " \t\n")
	for {
		line, rest, ok := strings.Cut(s, "\n")
		if !ok || strings.TrimSpace(line) != "" {
			if strings.TrimSpace(s) == "" {
				return ""
			}
			return s
		}
		s = rest
	}
}

// lazyRegexp compiles expr the first time it is needed.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

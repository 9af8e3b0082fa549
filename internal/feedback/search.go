package feedback

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Search: finding a case however its details were typed. Every case carries search keys
// (SearchKeys): its resident's email address, telephone number and social handle, and the words
// of their name, the subject and the messages, each normalised and then hashed, so that a store's
// index holds no personal data in the clear. A search turns the officer's text into the keys it
// must find (searchPlan) and the store returns the cases carrying all of them.

// The bounds on a case's keys. A store writes one index entry per key, with the case, so the
// bounds bound the cost of writing a case (DynamoDB: at most maxSearchKeys index items, within
// one transaction with the case and its idempotency item).
const (
	// maxNameWords is the most words of the resident's name a case is found by.
	maxNameWords = 3
	// MaxSearchWords is the most words of the subject and messages a case is found by: the
	// first distinct ones, subject first.
	MaxSearchWords = 16
	// maxWordRunes leaves out "words" longer than any real one (links, encoded blobs).
	maxWordRunes = 32
	// maxSearchRunes bounds what an officer may type.
	maxSearchRunes = 200
)

// The kinds of search key. A word of the name, the subject or a message, and a social handle,
// share one kind, so that "Zoe" finds Zoë whether she signed her message or gave her name.
const (
	searchEmail = "email"
	searchPhone = "phone"
	searchWord  = "word"
)

// searchKey is the stored key of one normalised value of a kind: a short digest, so that an
// index entry does not reveal the address or name it stands for.
func searchKey(kind, value string) string { return "s" + digest(kind+":"+value) }

// SearchKeys returns the keys the case is found by, at most maxSearchKeys, each once: what the
// stores index the case under.
func SearchKeys(c *Case) []string {
	var keys []string
	add := func(kind, v string) {
		if k := searchKey(kind, v); v != "" && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	if e := strings.ToLower(strings.TrimSpace(c.Contact.Email)); e != "" {
		add(searchEmail, e)
	}
	if p, ok := NormalizePhone(c.Contact.Phone); ok {
		add(searchPhone, p)
	}
	if _, h, ok := strings.Cut(c.Contact.Handle, ":"); ok {
		add(searchWord, strings.TrimPrefix(strings.ToLower(h), "@"))
	}
	for i, w := range SearchWords(c.Contact.Name) {
		if i == maxNameWords {
			break
		}
		add(searchWord, w)
	}
	words := 0
	texts := []string{c.Subject, c.Message}
	for _, m := range c.Messages {
		texts = append(texts, m.Subject, m.Text)
	}
	for _, t := range texts {
		for _, w := range SearchWords(t) {
			if words == MaxSearchWords {
				return keys
			}
			if stopWords[w] {
				continue
			}
			before := len(keys)
			add(searchWord, w)
			if len(keys) > before {
				words++
			}
		}
	}
	return keys
}

// HasSearchKeys reports whether the case carries every one of keys: the stores' shared check of
// a candidate their index found (which, in DynamoDB, may lag the case).
func HasSearchKeys(c *Case, keys []string) bool {
	have := SearchKeys(c)
	for _, k := range keys {
		if !slices.Contains(have, k) {
			return false
		}
	}
	return true
}

// Fold returns s in lower case without accents ("Zoë Brontë" → "zoe bronte"): how names and
// words are compared.
func Fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return strings.ToLower(out)
}

// SearchWords returns the words of s, folded (Fold), in order, each once: runs of letters,
// digits and underscores (which handles contain), no longer than maxWordRunes.
func SearchWords(s string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(Fold(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_'
	}) {
		if w = strings.Trim(w, "_"); w != "" && utf8.RuneCountInString(w) <= maxWordRunes && !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// stopWords are the common short words no search is about: a case is not indexed by them, and a
// search leaves them out unless they are all it has.
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a about after all also am an and any are as at be been but by can could did do does
		for from had has have he her him his how i if in into is it its me my no not of on or our out she so than that the
		their them then there they this to too up us was we were what when which who will with would you your`) {
		m[w] = true
	}
	return m
}()

// NormalizePhone returns a UK telephone number in one form, national digits ("07700900123"),
// however it was written: "07700 900123", "+44 7700 900123", "+44 (0)7700 900123",
// "0044 7700 900123", "(07700) 900-123". A number from another country keeps its "+" and
// country code. It reports false for anything that is not a telephone number.
func NormalizePhone(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if v == "" || strings.Trim(v, "+0123456789 ()-.") != "" || strings.LastIndex(v, "+") > 0 {
		return "", false
	}
	var b strings.Builder
	for _, r := range v {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	d := b.String()
	international := strings.HasPrefix(v, "+")
	if !international && strings.HasPrefix(d, "00") {
		d, international = d[2:], true
	}
	if !international && strings.HasPrefix(d, "44") && len(d) == 12 {
		international = true // 447700900123: the country code without its +
	}
	if international {
		if !strings.HasPrefix(d, "44") {
			return "+" + d, len(d) >= 7 && len(d) <= 15
		}
		d = strings.TrimPrefix(d[2:], "0") // +44 (0)7700 …
		d = "0" + d
	}
	if len(d) < 9 || len(d) > 11 || d[0] != '0' {
		return "", false
	}
	return d, true
}

// searchPlan is what a search's text asks for: one case by reference, or the cases carrying
// every key (the most selective first, which the stores read from).
type searchPlan struct {
	ref  string
	keys []string
}

// planSearch reads an officer's search text: a reference (in any letter case, with or without
// its leading zeros), an email address, a telephone number, or words (of a name, a handle with or
// without its @, a subject or a message).
func (s *Service) planSearch(text string) (searchPlan, error) {
	text = strings.TrimSpace(text)
	switch n := utf8.RuneCountInString(text); {
	case n == 0:
		return searchPlan{}, Invalid("q", "Enter a reference, a name, an email address, a telephone number or words to search for")
	case n > maxSearchRunes:
		return searchPlan{}, Invalid("q", "The search must be %d characters or fewer", maxSearchRunes)
	}
	if ref := s.Policy.parseReference(text); ref != "" {
		return searchPlan{ref: ref}, nil
	}
	if !strings.ContainsAny(text, " \t") && strings.Count(text, "@") == 1 && !strings.HasPrefix(text, "@") && validEmail(strings.ToLower(text)) {
		return searchPlan{keys: []string{searchKey(searchEmail, strings.ToLower(text))}}, nil
	}
	if p, ok := NormalizePhone(text); ok {
		return searchPlan{keys: []string{searchKey(searchPhone, p)}}, nil
	}
	if handlePattern().MatchString(strings.ToLower(text)) {
		_, text, _ = strings.Cut(text, ":") // platform:@handle: the handle is what is indexed
	}
	words := SearchWords(text)
	var kept []string
	for _, w := range words {
		if !stopWords[w] {
			kept = append(kept, w)
		}
	}
	if len(kept) == 0 {
		kept = words
	}
	if len(kept) == 0 {
		return searchPlan{}, Invalid("q", "Enter a reference, a name, an email address, a telephone number or words to search for")
	}
	// Longer words are rarer: the store reads the first key's entries and checks the rest.
	slices.SortStableFunc(kept, func(a, b string) int { return utf8.RuneCountInString(b) - utf8.RuneCountInString(a) })
	plan := searchPlan{}
	for _, w := range kept {
		plan.keys = append(plan.keys, searchKey(searchWord, w))
	}
	return plan, nil
}

// parseReference returns the reference text names, written as the policy writes it, or "":
// the policy's format in any letter case, and with the sequence's leading zeros or without
// ("fb-2026-42" is FB-2026-000042).
func (p Policy) parseReference(text string) string {
	var b strings.Builder
	b.WriteString(`(?i)^`)
	last := 0
	for _, m := range refToken().FindAllStringSubmatchIndex(p.ReferenceFormat, -1) {
		b.WriteString(regexp.QuoteMeta(p.ReferenceFormat[last:m[0]]))
		if p.ReferenceFormat[m[2]:m[3]] == "year" {
			b.WriteString(`([0-9]{4})`)
		} else {
			b.WriteString(`([0-9]{1,18})`)
		}
		last = m[1]
	}
	b.WriteString(regexp.QuoteMeta(p.ReferenceFormat[last:]) + `$`)
	re, err := regexp.Compile(b.String())
	if err != nil || !re.MatchString(text) {
		return ""
	}
	// The pattern's groups may come in either order; FindReference reads them by name from a
	// text written with the full width, so rebuild that text from the digits found.
	m := re.FindStringSubmatch(text)
	i := 1
	out := refToken().ReplaceAllStringFunc(p.ReferenceFormat, func(tok string) string {
		v := m[i]
		i++
		if refToken().FindStringSubmatch(tok)[1] == "seq" {
			v = strings.TrimLeft(v, "0")
			if v == "" {
				v = "0"
			}
			width := 0
			if w := refToken().FindStringSubmatch(tok)[2]; w != "" {
				width = int(w[0] - '0')
			}
			if len(v) < width {
				v = strings.Repeat("0", width-len(v)) + v
			}
		}
		return v
	})
	if !p.MatchesReference(out) {
		return ""
	}
	return out
}

// SearchQuery asks a store for the cases carrying every one of Keys (SearchKeys), newest
// received first, after Cursor (a ReceivedKey the previous page ended at).
type SearchQuery struct {
	Keys   []string
	Cursor string
	Limit  int
}

// Search finds the cases who may see that match text (see planSearch) and q's filters, open
// and closed unless q.Status says which, newest received first, a page at a time.
func (s *Service) Search(ctx context.Context, who StaffMember, text string, q CaseQuery) (CasePage, error) {
	if !canWork(who) {
		return CasePage{}, Errorf(EFORBIDDEN, "Only officers, managers and the complaints team can search cases.")
	}
	q, err := s.checkCaseQuery(q)
	if err != nil {
		return CasePage{}, err
	}
	plan, err := s.planSearch(text)
	if err != nil {
		return CasePage{}, err
	}
	keep := func(c *Case) bool { return who.CanSee(c) && q.matchesAnyStatus(c) }
	if plan.ref != "" {
		c, err := s.Store.Get(ctx, plan.ref)
		switch {
		case ErrorCode(err) == ENOTFOUND, err == nil && !keep(c), q.Cursor != "":
			return CasePage{Cases: []*Case{}}, nil
		case err != nil:
			return CasePage{}, fmt.Errorf("search: %w", err)
		}
		return CasePage{Cases: []*Case{c}}, nil
	}
	want := q.Limit
	page := CasePage{Cases: []*Case{}}
	sq := SearchQuery{Keys: plan.keys, Cursor: q.Cursor}
	for {
		sq.Limit = want - len(page.Cases)
		got, err := s.Store.Search(ctx, sq)
		if err != nil {
			return CasePage{}, fmt.Errorf("search: %w", err)
		}
		for _, c := range got.Cases {
			if keep(c) {
				page.Cases = append(page.Cases, c)
			}
		}
		page.Next = got.Next
		if got.Next == "" || len(page.Cases) >= want {
			return page, nil
		}
		sq.Cursor = got.Next
	}
}

// matchesAnyStatus is Matches, but an empty Status keeps open and closed cases alike.
func (q CaseQuery) matchesAnyStatus(c *Case) bool {
	if q.Status == "" {
		q.Status = c.Status
	}
	return q.Matches(c)
}

package mailparse

import (
	"errors"
	"net/mail"
	"regexp"
	"strings"

	"github.com/council/intake/internal/feedback"
	"github.com/jhillyerd/enmime/v2"
)

// Caps on what one header may contribute. Real mail is far below them; they stop a hostile
// message from making the struct as large as the message.
const (
	maxHeaderRunes = 1000 // subject and other echoed values
	maxNameRunes   = 200  // display names (feedback.MaxNameChars)
	maxEmailRunes  = 254  // addresses (feedback.MaxEmailChars)
	maxIDRunes     = 250  // one message id
	maxAddresses   = 100  // addresses per header
	maxIDs         = 100  // ids per header
	maxRecipients  = 1000 // recipients in a delivery report
)

type headers struct {
	env      *enmime.Envelope
	declared string // a charset the message declares, for raw 8-bit header bytes
	problems []string
	notes    []string
}

func (h *headers) get(name string) string { return h.env.GetHeader(name) }

// raw returns a header's value as written, or "".
func (h *headers) raw(name string) string {
	if h.env.Root != nil && h.env.Root.Header != nil {
		return h.env.Root.Header.Get(name)
	}
	return h.get(name)
}

// text returns a header's value decoded: raw 8-bit bytes and encoded words alike.
func (h *headers) text(name string) string { return decodeHeader(h.raw(name), h.declared) }

func (h *headers) note(n string) { h.notes = append(h.notes, n) }

func (h *headers) has(name string) bool { return len(h.env.GetHeaderValues(name)) > 0 }

func (h *headers) problem(p string) { h.problems = append(h.problems, p) }

func (h *headers) fill(m *feedback.InboundEmail) {
	if from, ok := h.strict("From"); ok && len(from) == 1 {
		m.From = from[0]
	} else {
		m.FromRaw = oneLine(h.text("From"), maxHeaderRunes)
	}
	if replyTo, ok := h.strict("Reply-To"); ok {
		m.ReplyTo = replyTo
	} else {
		h.note("the Reply-To header is not a valid address, so it was not used")
	}
	m.To = h.addresses("To")
	m.Cc = h.addresses("Cc")

	m.Subject = oneLine(h.text("Subject"), maxHeaderRunes)
	if d, err := h.env.Date(); err == nil {
		m.Date = d
	} else if !errors.Is(err, mail.ErrHeaderNotPresent) {
		h.note("the email's date is written in a way that could not be read; the time it arrived is used")
	}
	if ids := h.ids("Message-ID"); len(ids) > 0 {
		m.MessageID = ids[0]
	}
	m.InReplyTo = h.ids("In-Reply-To")
	m.References = h.ids("References")

	m.Auto = h.autoSignals(m.From)
	m.Verdicts = h.verdicts()
}

// strict reads an address header that must be valid: every address a plausible mailbox, none
// repaired. ok is false when the header is present and is not that; an absent header is ok
// and empty.
func (h *headers) strict(name string) (list []feedback.Address, ok bool) {
	raw := h.raw(name)
	if strings.TrimSpace(raw) == "" {
		return nil, true
	}
	parsed, err := parseAddressList(raw, h.declared)
	if err != nil {
		parsed, err = h.env.AddressList(name)
	}
	if err != nil {
		// One address in angle brackets after a name that does not parse: the address is as
		// given, only the name is odd.
		m := angleAddr.FindStringSubmatch(raw)
		if m == nil {
			return nil, false
		}
		parsed = []*mail.Address{{Name: decodeHeader(strings.Trim(m[1], `" `), h.declared), Address: m[2]}}
		h.note("the " + name + " header's name is written oddly; its address was read")
	}
	for _, a := range parsed {
		if !plausibleMailbox(a.Address) {
			return nil, false
		}
		list = append(list, feedback.Address{Name: oneLine(a.Name, maxNameRunes), Email: cleanEmail(a.Address)})
	}
	if len(list) > maxAddresses {
		list = list[:maxAddresses]
	}
	return list, len(list) > 0
}

var angleAddr = regexp.MustCompile(`^\s*([^<>]*?)\s*<([^<>\s,;]+)>\s*$`)

func parseAddressList(raw, declared string) ([]*mail.Address, error) {
	s := toUTF8([]byte(raw), declared)
	if strings.Contains(s, "*") {
		s = langTag.ReplaceAllString(s, "=?$1?")
	}
	p := mail.AddressParser{WordDecoder: wordDecoder}
	return p.ParseList(s)
}

// plausibleMailbox reports an address with one "@", something on each side, and no white
// space or control characters.
func plausibleMailbox(addr string) bool {
	local, domain, ok := strings.Cut(addr, "@")
	return ok && local != "" && domain != "" && !strings.Contains(domain, "@") && !strings.HasSuffix(domain, ".") &&
		!strings.ContainsFunc(addr, func(r rune) bool { return r <= ' ' || r == 0x7f })
}

// addresses reads an address header, falling back to anything that looks like an address when
// the header does not parse: To and Cc only route and thread, and a slip in them is no reason
// to lose the message.
func (h *headers) addresses(name string) []feedback.Address {
	raw := h.get(name)
	if strings.TrimSpace(raw) == "" {
		return nil
	}
	var out []feedback.Address
	list, err := h.env.AddressList(name)
	switch {
	case err == nil:
		for _, a := range list {
			out = append(out, feedback.Address{Name: oneLine(a.Name, maxNameRunes), Email: cleanEmail(a.Address)})
		}
	case errors.Is(err, mail.ErrHeaderNotPresent):
		return nil
	default:
		for _, part := range strings.Split(raw, ",") {
			if e := looseEmail(part); e != "" {
				out = append(out, feedback.Address{Email: e})
			}
		}
		h.note("the " + name + " header is written oddly; the addresses in it were read")
	}
	kept := out[:0]
	for _, a := range out {
		if a.Email != "" {
			kept = append(kept, a)
		}
	}
	if len(kept) > maxAddresses {
		h.problem("the " + name + " header has more than 100 addresses; the rest were ignored")
		kept = kept[:maxAddresses]
	}
	if len(kept) == 0 {
		return nil
	}
	return kept
}

func cleanEmail(s string) string {
	s = oneLine(s, maxEmailRunes)
	s = strings.Trim(strings.ReplaceAll(s, " ", ""), "<>")
	return strings.ToLower(s)
}

// looseEmail finds an address in a fragment that net/mail rejects: the text in angle brackets,
// or the first word with an "@".
func looseEmail(s string) string {
	if i := strings.LastIndexByte(s, '<'); i >= 0 {
		if j := strings.IndexByte(s[i:], '>'); j > 0 && strings.Contains(s[i:i+j], "@") {
			return cleanEmail(s[i+1 : i+j])
		}
	}
	for _, f := range strings.Fields(s) {
		if strings.Contains(f, "@") {
			return cleanEmail(strings.Trim(f, `"'<>();:,`))
		}
	}
	return ""
}

// ids reads a header of message ids ("<a@b> <c@d>"), without the angle brackets. When the header
// is long only the first id and the latest ones are kept: those are the ones that find a thread.
func (h *headers) ids(name string) []string {
	ids := msgIDs(h.get(name))
	if len(ids) > maxIDs {
		ids = append(ids[:1:1], ids[len(ids)-maxIDs+1:]...)
	}
	return ids
}

func msgIDs(v string) []string {
	var out []string
	add := func(id string) {
		id = strings.Join(strings.Fields(oneLine(id, maxIDRunes)), "")
		if id = strings.Trim(id, "<>"); id != "" {
			out = append(out, id)
		}
	}
	rest := v
	for {
		i := strings.IndexByte(rest, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '>')
		if j < 0 {
			break
		}
		add(rest[i+1 : i+j])
		rest = rest[i+j+1:]
	}
	if out == nil {
		// Some mailers leave the brackets out.
		for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
			add(f)
		}
	}
	return out
}

func (h *headers) autoSignals(from feedback.Address) feedback.AutoSignals {
	a := feedback.AutoSignals{
		AutoSubmitted:        oneLine(h.get("Auto-Submitted"), maxHeaderRunes),
		Precedence:           strings.ToLower(oneLine(h.get("Precedence"), maxHeaderRunes)),
		AutoReplyBy:          h.autoReplyBy(),
		AutoResponseSuppress: oneLine(h.get("X-Auto-Response-Suppress"), maxHeaderRunes),
		ListID:               oneLine(h.get("List-Id"), maxHeaderRunes),
		ListUnsubscribe:      oneLine(h.get("List-Unsubscribe"), maxHeaderRunes),
	}
	if h.has("Return-Path") {
		rp := strings.ReplaceAll(oneLine(h.get("Return-Path"), maxEmailRunes), " ", "")
		if rp == "<>" || rp == "" {
			a.NullReturnPath = true
		} else {
			a.ReturnPath = cleanEmail(rp)
		}
	}
	a.AutoReplyHeader = a.AutoReplyBy != ""
	local, _, _ := strings.Cut(from.Email, "@")
	local = strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r == '.' {
			return -1
		}
		return r
	}, local)
	a.FromDaemon = local == "mailerdaemon" || local == "postmaster"
	return a
}

// autoresponders are X-Mailer values of programs that only ever send automatic replies.
var autoresponders = regexp.MustCompile(`(?i)^\s*(vacation|auto-?respon(der|se)|auto-?reply|mail ?responder|out of office)\b`)

// autoReplyBy names the vendor header that marks an automatic reply, or "".
func (h *headers) autoReplyBy() string {
	for _, name := range []string{"X-Autoreply", "X-Autorespond", "X-Autoresponder"} {
		if h.has(name) {
			return name
		}
	}
	if v := strings.ToLower(strings.TrimSpace(h.get("X-Apple-Action"))); v == "vacation" || v == "autoreply" {
		return "X-Apple-Action: " + strings.ToUpper(v)
	}
	if autoresponders.MatchString(h.get("X-Mailer")) {
		return "X-Mailer of an autoresponder"
	}
	return ""
}

// verdicts reads SES's receipt headers. Only the first Authentication-Results whose authserv-id is
// amazonses.com counts: a sender can add any header, but SES puts its own above theirs.
func (h *headers) verdicts() feedback.Verdicts {
	v := feedback.Verdicts{
		Spam:  sesVerdict(h.get("X-SES-Spam-Verdict")),
		Virus: sesVerdict(h.get("X-SES-Virus-Verdict")),
	}
	for _, ar := range h.env.GetHeaderValues("Authentication-Results") {
		id, results, _ := strings.Cut(ar, ";")
		if !strings.EqualFold(strings.TrimSpace(id), "amazonses.com") {
			continue
		}
		v.SPF = authResult(results, "spf")
		v.DKIM = authResult(results, "dkim")
		v.DMARC = authResult(results, "dmarc")
		break
	}
	if v.SPF == "" {
		if f := strings.Fields(h.get("Received-SPF")); len(f) > 0 {
			v.SPF = mapAuth(f[0])
		}
	}
	return v
}

func sesVerdict(s string) string {
	switch s = strings.ToUpper(strings.TrimSpace(s)); s {
	case feedback.VerdictPass, feedback.VerdictFail, feedback.VerdictGray, feedback.VerdictProcessingFailed:
		return s
	}
	return ""
}

// authResult finds method=result in an Authentication-Results value; with several results for one
// method (a message may carry several DKIM signatures), any pass is a pass.
func authResult(results, method string) string {
	found := ""
	for _, clause := range strings.Split(results, ";") {
		for _, f := range strings.Fields(clause) {
			m, r, ok := strings.Cut(f, "=")
			if !ok || !strings.EqualFold(m, method) {
				continue
			}
			v := mapAuth(r)
			if v == feedback.VerdictPass {
				return v
			}
			if found == "" {
				found = v
			}
		}
	}
	return found
}

// mapAuth maps an RFC 8601 result to SES's verdict words, as SES's own notifications do.
func mapAuth(r string) string {
	switch strings.ToLower(strings.Trim(r, ";,")) {
	case "pass":
		return feedback.VerdictPass
	case "fail", "softfail", "hardfail":
		return feedback.VerdictFail
	case "none", "neutral", "policy":
		return feedback.VerdictGray
	case "temperror", "permerror":
		return feedback.VerdictProcessingFailed
	}
	return ""
}

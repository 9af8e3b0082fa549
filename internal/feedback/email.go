package feedback

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"
	"unicode/utf8"
)

// The outcomes of an inbound email.
const (
	EmailCreated     = "created"     // a new case
	EmailThreaded    = "threaded"    // a follow-up stored on an existing case
	EmailIgnored     = "ignored"     // automatic mail (out-of-office, list, bounce, our own): never acknowledged
	EmailQuarantined = "quarantined" // a virus or suspected spam: stored and flagged, never acknowledged
)

// EmailOutcome says what became of an inbound email, and why.
type EmailOutcome struct {
	Outcome   string `json:"outcome"`
	Reference string `json:"reference,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

// KindAuto marks a receiving address whose mail is classified by its words.
const KindAuto Kind = "auto"

// The flags the email channel raises.
const (
	FlagUndeliverable   FlagCode = "undeliverable"
	FlagReplyToClosed   FlagCode = "reply_to_closed"
	FlagQuarantined     FlagCode = "quarantined"
	FlagSuspectedSpam   FlagCode = "suspected_spam"
	FlagUnauthenticated FlagCode = "unauthenticated"
	FlagClassify        FlagCode = "classify"
	FlagUnreadable      FlagCode = "unreadable"
	// FlagNoReplyAddress marks an email whose sender gave no address anyone reads replies at.
	FlagNoReplyAddress FlagCode = "no_reply_address"
	// FlagRestricted marks a message from someone under a restriction, naming it.
	FlagRestricted FlagCode = "restricted"
)

// maxThreadIDs bounds the message ids a reply is matched by.
const maxThreadIDs = 10

// MaxEmailAttachments bounds the files kept from one email; the raw message keeps the rest.
const MaxEmailAttachments = 20

// ReceiveEmail takes in one email, already parsed, whose raw form is stored under rawKey in the
// blob store. It is idempotent: SES and S3 deliver at least once, and the same message (by its
// Message-ID, or its raw bytes when it has none) received again changes nothing and sends
// nothing. Nothing is dropped: every message becomes a case, a follow-up on one, or is ignored
// with its reason logged and its raw form kept.
func (s *Service) ReceiveEmail(ctx context.Context, m *InboundEmail, rawKey string) (EmailOutcome, error) {
	if s.ownAddress(m.From.Email) {
		return s.ignore(ctx, rawKey, "", "mail from one of our own addresses")
	}
	if m.Report != nil || m.Auto.FromDaemon || m.Auto.NullReturnPath || (noReplyAddress(m.From.Email) && bounceSubject().MatchString(m.Subject)) {
		return s.bounce(ctx, m, rawKey)
	}
	if why := automatic(m.Auto); why != "" {
		return s.ignore(ctx, rawKey, "", why)
	}
	if autoReplySubject().MatchString(m.Subject) {
		return s.ignore(ctx, rawKey, "", "an automatic reply (by its subject)")
	}
	if c := s.findThread(ctx, m); c != nil {
		return s.thread(ctx, c, m, rawKey)
	}
	return s.openFromEmail(ctx, m, rawKey)
}

// automatic says why a message was sent by a machine and must not be answered, or "".
func automatic(a AutoSignals) string {
	switch {
	case a.AutoSubmitted != "" && !strings.EqualFold(a.AutoSubmitted, "no"):
		return "an automatic reply (Auto-Submitted: " + a.AutoSubmitted + ")"
	case a.AutoReplyHeader:
		by := a.AutoReplyBy
		if by == "" {
			by = "X-Autoreply"
		}
		return "an automatic reply (" + by + ")"
	case a.AutoResponseSuppress != "":
		return "an automatic message (X-Auto-Response-Suppress)"
	case a.Precedence == "bulk" || a.Precedence == "junk" || a.Precedence == "list" || a.Precedence == "auto_reply":
		return "bulk or automatic mail (Precedence: " + a.Precedence + ")"
	case a.ListID != "" || a.ListUnsubscribe != "":
		return "a mailing-list message"
	}
	return ""
}

func (s *Service) ownAddress(addr string) bool {
	addr = strings.ToLower(addr)
	if addr == "" {
		return false
	}
	if _, ok := s.Mailboxes[addr]; ok {
		return true
	}
	from := strings.ToLower(s.Council.From)
	if strings.Contains(from, "<"+addr+">") || from == addr {
		return true
	}
	return s.Council.ReplyDomain != "" && strings.HasSuffix(addr, "@"+strings.ToLower(s.Council.ReplyDomain))
}

func (s *Service) ignore(ctx context.Context, rawKey, ref, why string) (EmailOutcome, error) {
	s.log().InfoContext(ctx, "inbound email ignored", "raw", rawKey, "ref", ref, "reason", why)
	return EmailOutcome{Outcome: EmailIgnored, Reference: ref, Reason: why}, nil
}

// LetterMessageID is the Message-ID of the letter that carries out effect on case ref: fixed,
// so that a reply's In-Reply-To, or a bounce quoting it, names its case.
func (s *Service) LetterMessageID(ref, effect string) string {
	domain := s.Council.ReplyDomain
	if domain == "" {
		domain = "intake.invalid"
	}
	local := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '-'
	}, strings.ToLower(ref+"."+effect))
	return local + "@" + domain
}

// refFromLetterID returns the reference of the case a letter's Message-ID belongs to, or "".
func (s *Service) refFromLetterID(id string) string {
	local, domain, ok := strings.Cut(strings.ToLower(id), "@")
	if !ok || s.Council.ReplyDomain == "" || domain != strings.ToLower(s.Council.ReplyDomain) {
		return ""
	}
	return s.Policy.FindReference(local)
}

// refFromReplyAddress returns the reference in a reply+<ref>@<reply domain> address, or "".
func (s *Service) refFromReplyAddress(addr string) string {
	local, domain, ok := strings.Cut(strings.ToLower(addr), "@")
	if !ok || s.Council.ReplyDomain == "" || domain != strings.ToLower(s.Council.ReplyDomain) {
		return ""
	}
	tag, found := strings.CutPrefix(local, "reply+")
	if !found {
		return ""
	}
	return s.Policy.FindReference(tag)
}

// findThread finds the case a message follows up, in order: the per-case reply address, a
// Message-ID we sent or received for the case in In-Reply-To or References, a reference in the
// subject. A case is only found if the message comes from the case's own correspondent, so that
// a guessed reference never attaches a stranger's words to someone else's case.
func (s *Service) findThread(ctx context.Context, m *InboundEmail) *Case {
	var candidates []string
	read := map[string]*Case{} // cases already read, by reference
	for _, a := range append(append([]Address{}, m.To...), m.Cc...) {
		if ref := s.refFromReplyAddress(a.Email); ref != "" {
			candidates = append(candidates, ref)
		}
	}
	// In-Reply-To, then the newest References first; a long thread's oldest ids add nothing
	// but reads.
	ids := append([]string{}, m.InReplyTo...)
	for i := len(m.References) - 1; i >= 0 && len(ids) < maxThreadIDs; i-- {
		ids = append(ids, m.References[i])
	}
	for _, id := range ids {
		if ref := s.refFromLetterID(id); ref != "" {
			candidates = append(candidates, ref)
		} else if c, err := s.Store.GetByIdempotencyKey(ctx, emailKey(id)); err == nil {
			candidates = append(candidates, c.Ref)
			read[c.Ref] = c
		}
	}
	if ref := s.Policy.FindReference(m.Subject); ref != "" {
		candidates = append(candidates, ref)
	}
	// A reply usually names its case three ways (address, In-Reply-To, subject): each case is
	// read, and checked, once.
	tried := map[string]bool{}
	for _, ref := range candidates {
		if tried[ref] {
			continue
		}
		tried[ref] = true
		c := read[ref]
		if c == nil {
			var err error
			if c, err = s.Store.Get(ctx, ref); err != nil {
				continue
			}
		}
		if c.Contact.Email != "" && fromCorrespondent(c, m) {
			return c
		}
	}
	return nil
}

// fromCorrespondent reports whether m comes from c's correspondent: its From, or its single
// Reply-To, is the case's address.
func fromCorrespondent(c *Case, m *InboundEmail) bool {
	if m.From.Email != "" && strings.EqualFold(c.Contact.Email, m.From.Email) {
		return true
	}
	return len(m.ReplyTo) == 1 && strings.EqualFold(c.Contact.Email, m.ReplyTo[0].Email)
}

// emailKey is the idempotency key of a case opened by the email with this Message-ID. Message-IDs
// are compared without regard to case; they are stored and sent as they came.
func emailKey(messageID string) string { return "email:" + strings.ToLower(messageID) }

// clashKey is the idempotency key of a case opened by a message whose Message-ID an earlier,
// different message already used: the id and the sender and words that tell them apart.
func clashKey(messageID, sender, text string) string {
	h := sha256.Sum256([]byte(strings.ToLower(sender) + "\n" + text))
	return emailKey(messageID) + "#" + hex.EncodeToString(h[:8])
}

// messageKey identifies an inbound email: its Message-ID, byte for byte, or, without one, its
// raw form.
func messageKey(m *InboundEmail, rawKey string) string {
	if m.MessageID != "" {
		return m.MessageID
	}
	h := sha256.Sum256([]byte(rawKey))
	return "raw-" + hex.EncodeToString(h[:12])
}

// sameMessage reports whether a message already stored (its id, raw key, sender and words) is the
// one received again: the same raw object, or the same Message-ID from the same sender with the
// same words. The same Message-ID alone is not enough: mailers reuse them.
func sameMessage(id, raw, from, text string, m *InboundEmail, rawKey, newText string) bool {
	if !strings.EqualFold(id, messageKey(m, rawKey)) {
		return false
	}
	return raw == rawKey || (strings.EqualFold(from, m.From.Email) && text == newText)
}

// thread stores a follow-up on its case: the officer is told, the sender is not acknowledged
// again, a reply to a closed case is flagged, since it may be a request for Stage 2, and the
// sender is screened against the restrictions register (screenFollowUp).
func (s *Service) thread(ctx context.Context, c *Case, m *InboundEmail, rawKey string) (EmailOutcome, error) {
	id := messageKey(m, rawKey)
	text, quoted := bodyOf(m)
	before := func(c *Case) bool {
		for _, prior := range c.Messages {
			if sameMessage(prior.MessageID, prior.Raw, prior.From, prior.Text, m, rawKey, text) {
				return true
			}
		}
		return sameMessage(c.MessageID, c.Raw, c.Contact.Email, c.Message, m, rawKey, text)
	}
	if before(c) {
		return EmailOutcome{Outcome: EmailThreaded, Reference: c.Ref, Reason: "received before"}, nil
	}
	files, err := s.keepAttachments(ctx, c.Ref, id+"\n"+m.From.Email+"\n"+text, m)
	if err != nil {
		return EmailOutcome{}, err
	}
	ids := contactIDs(m.From.Email)
	restrictions, err := s.restrictionsOn(ctx, ids)
	if err != nil {
		return EmailOutcome{}, fmt.Errorf("receive email: %w", err)
	}
	now := s.Clock.Now()
	ref := c.Ref
	_, err = s.Store.Update(ctx, ref, func(c *Case) error {
		if before(c) {
			return errNothingToClaim
		}
		copyTo := screenFollowUp(c, ids, restrictions, now)
		c.Messages = append(c.Messages, Correspondence{At: now, Channel: ChannelEmail, From: m.From.Email,
			Subject: m.Subject, Text: text, Quoted: quoted, MessageID: id, Raw: rawKey, Attachments: files, CopyTo: copyTo})
		n := len(c.Messages)
		c.Record(now, "intake", "message received", "a follow-up email from the resident", "")
		if c.Status == StatusClosed {
			c.Raise(now, FlagReplyToClosed, "The resident wrote again after the case was closed: this may be a request for a Stage 2 review.")
		}
		s.flagVerdicts(c, m, now)
		c.addEffect(followUpEffect(n))
		c.UpdatedAt = now
		return nil
	})
	if errors.Is(err, errNothingToClaim) {
		return EmailOutcome{Outcome: EmailThreaded, Reference: ref, Reason: "received before"}, nil
	}
	if err != nil {
		return EmailOutcome{}, fmt.Errorf("receive email: thread onto %s: %w", ref, err)
	}
	s.log().InfoContext(ctx, "inbound email threaded", "ref", ref, "raw", rawKey)
	return EmailOutcome{Outcome: EmailThreaded, Reference: ref}, nil
}

// bounce handles a delivery report: a bounce of one of our letters marks the address as
// undeliverable on its case and tells the officer, so that someone phones or writes instead.
// Nothing is ever sent in answer.
func (s *Service) bounce(ctx context.Context, m *InboundEmail, rawKey string) (EmailOutcome, error) {
	var ref string
	if m.Report != nil {
		for _, id := range m.Report.OriginalMessageIDs {
			if ref = s.refFromLetterID(id); ref != "" {
				break
			}
		}
	}
	for _, a := range append(append([]Address{}, m.To...), m.Cc...) {
		if ref == "" {
			ref = s.refFromReplyAddress(a.Email)
		}
	}
	failed := false
	if m.Report != nil {
		for _, r := range m.Report.Recipients {
			failed = failed || r.Action == "failed"
		}
	}
	if ref == "" || !failed {
		return s.ignore(ctx, rawKey, ref, "a delivery report that needs no action")
	}
	now := s.Clock.Now()
	_, err := s.Store.Update(ctx, ref, func(c *Case) error {
		note := "Email to the resident's address could not be delivered: please phone or write instead."
		for _, f := range c.Flags {
			if f.Code == FlagUndeliverable && f.Cleared.IsZero() {
				return errNothingToClaim
			}
		}
		c.Raise(now, FlagUndeliverable, note)
		c.Record(now, "intake", "email bounced", "a delivery failure report for our letter", "")
		if c.Effects == nil {
			c.Effects = Effects{}
		}
		c.Effects[bounceEffect] = Effect{}
		c.UpdatedAt = now
		return nil
	})
	switch {
	case ErrorCode(err) == ENOTFOUND:
		return s.ignore(ctx, rawKey, "", "a delivery report for a case that no longer exists")
	case err != nil && !errors.Is(err, errNothingToClaim):
		return EmailOutcome{}, fmt.Errorf("receive email: record bounce on %s: %w", ref, err)
	}
	s.count(ctx, MetricBounces, nil)
	return s.ignore(ctx, rawKey, ref, "a delivery failure report: the address is marked undeliverable on the case")
}

// openFromEmail opens a new case from an email.
func (s *Service) openFromEmail(ctx context.Context, m *InboundEmail, rawKey string) (EmailOutcome, error) {
	id := messageKey(m, rawKey)
	kind, classify := s.kindOf(m)
	text, quoted := bodyOf(m)
	replyTo, noReply := replyAddress(m)
	sub := Submission{
		Kind: string(kind), Name: m.From.Name, Email: replyTo, Subject: m.Subject,
		Message: text, Channel: ChannelEmail, IdempotencyKey: emailKey(id),
	}.Normalize()
	if sub.Message == "" {
		sub.Message = "(The email had no text. See its attachments, or the original message.)"
	}
	if n := utf8.RuneCountInString(sub.Message); n > MaxMessageChars {
		sub.Message = truncate(sub.Message, MaxMessageChars) + "\n\n(The message was longer: the rest is in the original email.)"
	}
	if prior := s.receivedBefore(ctx, &sub, m, id, rawKey); prior != nil {
		return EmailOutcome{Outcome: outcomeOf(prior), Reference: prior.Ref, Reason: "received before"}, nil
	}

	now := s.Clock.Now()
	ref, err := s.nextRef(ctx, now)
	if err != nil {
		return EmailOutcome{}, fmt.Errorf("receive email: allocate reference: %w", err)
	}
	c := s.newCase(sub, sub.Fingerprint(), ref, now)
	c.MessageID, c.Raw = id, rawKey
	if quoted != "" {
		c.Messages = append(c.Messages, Correspondence{At: now, Channel: ChannelEmail, From: m.From.Email,
			Subject: m.Subject, Text: "(Quoted in the first email)", Quoted: quoted, MessageID: id, Raw: rawKey})
	}
	c.Record(now, "intake", "created", "from an email", "")
	if len(m.Notes) > 0 {
		c.Record(now, "intake", "email oddities", "Harmless oddities in the email, nothing lost: "+strings.Join(m.Notes, "; ")+".", "")
	}
	outcome := EmailOutcome{Outcome: EmailCreated}
	skipAck := func(why string) {
		c.Effects[EffectAcknowledgement] = Effect{State: EffectSkipped, At: now, Reason: why}
	}
	switch {
	case m.Verdicts.Virus == VerdictFail:
		c.Raise(now, FlagQuarantined, "The email failed its virus check: its attachments were not kept. The original is held for the complaints team.")
		skipAck("the email failed its virus check")
		outcome = EmailOutcome{Outcome: EmailQuarantined, Reason: "failed the virus check"}
	case m.Verdicts.Spam == VerdictFail:
		c.Raise(now, FlagSuspectedSpam, "The email was marked as spam by the mail service: check before replying.")
		skipAck("the email was marked as spam")
		outcome = EmailOutcome{Outcome: EmailQuarantined, Reason: "suspected spam"}
	}
	if noReply != "" {
		c.Raise(now, FlagNoReplyAddress, noReply)
	}
	if classify {
		c.Raise(now, FlagClassify, "The email's words do not say clearly what kind of feedback it is: please classify it.")
	}
	if s.flagVerdicts(c, m, now) && c.Effects[EffectAcknowledgement].State == EffectToDo {
		skipAck("the sender's address could not be verified (SPF, DKIM and DMARC all failed)")
	}
	if err := s.screen(ctx, c, now); err != nil {
		return EmailOutcome{}, fmt.Errorf("receive email: %w", err)
	}
	if len(m.Problems) > 0 {
		c.Raise(now, FlagUnreadable, "Part of the email could not be read: "+strings.Join(m.Problems, "; ")+". The original is kept.")
	}
	if outcome.Outcome != EmailQuarantined {
		if c.Attachments, err = s.keepAttachments(ctx, c.Ref, sub.IdempotencyKey, m); err != nil {
			return EmailOutcome{}, err
		}
	}
	prior, err := s.createCase(ctx, c, "outcome", outcome.Outcome)
	switch {
	case err != nil:
		return EmailOutcome{}, fmt.Errorf("receive email: %w", err)
	case prior != nil:
		return EmailOutcome{Outcome: outcomeOf(prior), Reference: prior.Ref, Reason: "received before"}, nil
	}
	outcome.Reference = c.Ref
	return outcome, nil
}

// sameContent reports whether a case opened from an email holds the same message as sub, made
// from m: the same sender, words and number of files.
func sameContent(prior *Case, sub Submission, m *InboundEmail) bool {
	if !strings.EqualFold(prior.Contact.Email, sub.Email) || prior.Message != sub.Message {
		return false
	}
	return outcomeOf(prior) == EmailQuarantined || len(prior.Attachments) == min(len(m.Attachments), MaxEmailAttachments)
}

// outcomeOf says how a case opened from an email was received.
func outcomeOf(c *Case) string {
	for _, f := range c.Flags {
		if f.Code == FlagQuarantined || f.Code == FlagSuspectedSpam {
			return EmailQuarantined
		}
	}
	return EmailCreated
}

// flagVerdicts marks a sender that failed SPF, DKIM and DMARC alike as unauthenticated, and
// reports whether it did.
func (s *Service) flagVerdicts(c *Case, m *InboundEmail, now time.Time) bool {
	v := m.Verdicts
	if v.SPF == VerdictFail && v.DKIM == VerdictFail && v.DMARC == VerdictFail {
		c.Raise(now, FlagUnauthenticated, "The sender's address failed every authentication check (SPF, DKIM, DMARC): it may be forged.")
		return true
	}
	return false
}

// bodyOf returns what the sender wrote this time, and what they quoted.
func bodyOf(m *InboundEmail) (text, quoted string) {
	text = strings.TrimSpace(m.NewText)
	if text == "" {
		return strings.TrimSpace(m.Text), ""
	}
	return text, strings.TrimSpace(m.Quoted)
}

// greetableAddress reports whether an address can be written to: the email channel falls back
// to Reply-To when From cannot be.
func greetableAddress(addr string) bool { return addr != "" && validEmail(addr) && asciiMailbox(addr) }

// keepAttachments stores an email's files in the blob store under the case, and returns their
// keys. Without a blob store (a test that needs none), files are not kept.
func (s *Service) keepAttachments(ctx context.Context, ref, messageKey string, m *InboundEmail) ([]string, error) {
	if s.Blobs == nil {
		return nil, nil
	}
	var keys []string
	for i, a := range m.Attachments {
		if i == MaxEmailAttachments {
			break
		}
		name := path.Base(strings.ReplaceAll(a.Name, "\\", "/"))
		if name == "." || name == "/" || name == "" {
			name = "attachment"
		}
		h := sha256.Sum256([]byte(messageKey))
		key := fmt.Sprintf("cases/%s/%s/%d-%s", ref, hex.EncodeToString(h[:6]), i+1, name)
		if CheckBlobKey(key) != nil {
			key = fmt.Sprintf("cases/%s/%s/%d-attachment", ref, hex.EncodeToString(h[:6]), i+1)
		}
		if err := s.Blobs.Put(ctx, key, a.Content, a.ContentType); err != nil {
			return nil, fmt.Errorf("receive email: keep attachment %d of %s: %w", i+1, ref, err)
		}
		keys = append(keys, key)
	}
	return keys, nil
}

// Words that make an email's kind clear when its address does not decide it. A complaint is
// "an expression of dissatisfaction, however made": the sender need not use the word.
var (
	complaintWords  = lazyRegexp(`(?i)\b(complain\w*|dissatisf\w*|unhappy|disappoint\w*|unacceptable|disgrace\w*|appalling|terrible|awful|rude|still (not|no|waiting|hasn't|haven't)|not good enough|fed up|third time|second time|yet again|ignored|no one has|nobody has|failed to|poor service)\b`)
	complimentWords = lazyRegexp(`(?i)\b(thank you|thanks|grateful|brilliant|excellent|fantastic|well done|compliment\w*|praise|above and beyond|so helpful|really helpful)\b`)
)

// kindOf decides an email's kind from the address it was sent to, or for an "auto" address (or
// none of ours) from its words; classify is set when the words do not decide it, and the case
// opens as a comment for an officer to classify.
func (s *Service) kindOf(m *InboundEmail) (kind Kind, classify bool) {
	for _, a := range append(append([]Address{}, m.To...), m.Cc...) {
		if k, ok := s.Mailboxes[strings.ToLower(a.Email)]; ok && k != KindAuto {
			return k, false
		}
	}
	words := m.Subject + "\n" + m.NewText
	if strings.TrimSpace(m.NewText) == "" {
		words = m.Subject + "\n" + m.Text
	}
	return kindFromWords(words)
}

// kindFromWords decides a kind from what someone wrote, for every channel whose words must
// decide it (an "auto" mailbox, a social post the monitor did not classify); classify is set
// when the words do not decide it, and the case opens as a comment for an officer to classify.
func kindFromWords(words string) (kind Kind, classify bool) {
	complaint, compliment := complaintWords().MatchString(words), complimentWords().MatchString(words)
	switch {
	case complaint:
		// Dissatisfaction wins over politeness: "thanks, but this is the third time…" is a complaint.
		return KindComplaint, false
	case compliment:
		return KindCompliment, false
	}
	return KindComment, true
}

package feedback

import (
	"context"
	"strings"
)

// Subjects that real systems give their bounces and automatic replies, in the languages councils
// receive. An auto-reply's subject must start with its words and a colon (or be only them), so
// that "Out of office staff were rude" is still a person; a bounce's subject counts only from a
// no-reply sender.
var (
	autoReplySubject = lazyRegexp(`(?i)^\s*(automatic reply|auto(matic)?[ -]?(reply|response|antwort)|autoreply|out of (the )?office( reply| auto ?reply)?|abwesenheitsnotiz|abwesend|r[ée]ponse automatique|absence du bureau|respuesta autom[áa]tica|fuera de la oficina|risposta automatica|automatisch antwoord|afwezigheidsbericht|ateb awtomatig|allan o'r swyddfa|odpowied[źz] automatyczna|automatick[áa] odpov[ěe][ďd]|vacation reply|自動応答|自動返信|自动回复|不在)\s*([:：\-]|$)`)
	bounceSubject    = lazyRegexp(`(?i)(undeliver(able|ed)|delivery (status notification|failure|has failed|failed)|mail delivery (failed|failure|system|subsystem)|returned mail|failure notice|mail error|message not delivered|non[- ]?delivery|unzustellbar|non remis|no se puede entregar|non recapitabile|onbestelbaar|配信エラー|送信エラー|メールエラー|エラーメール|退信|未送达)`)
)

// noReplyAddress reports an address nobody reads replies at: noreply, no-reply, donotreply,
// do-not-reply, mailer-daemon, postmaster, in any case and with any separator.
func noReplyAddress(addr string) bool {
	local, _, _ := strings.Cut(strings.ToLower(addr), "@")
	local = strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r == '.' || r == '+' {
			return -1
		}
		return r
	}, local)
	switch local {
	case "noreply", "donotreply", "dontreply", "mailerdaemon", "postmaster", "noresponse", "donotrespond":
		return true
	}
	return strings.HasPrefix(local, "noreply") || strings.HasPrefix(local, "donotreply")
}

// replyAddress is where an acknowledgement of m may go: a single valid Reply-To that is not a
// no-reply address, else From when it is not one; "" with a note for the officer when neither.
func replyAddress(m *InboundEmail) (addr, note string) {
	if len(m.ReplyTo) == 1 && greetableAddress(m.ReplyTo[0].Email) && !noReplyAddress(m.ReplyTo[0].Email) {
		return strings.ToLower(m.ReplyTo[0].Email), ""
	}
	switch {
	case m.From.Email != "" && !noReplyAddress(m.From.Email):
		return m.From.Email, ""
	case m.From.Email != "":
		return "", "The email came from a no-reply address (" + m.From.Email + "), so nothing was sent to it. Check the email for another way to reply."
	case strings.TrimSpace(m.FromRaw) != "":
		return "", "The sender's address is not a valid email address (From: " + m.FromRaw + "), so nothing was sent. Check the original email for a way to reply."
	}
	return "", "The email has no sender address, so nothing was sent. Check the original email for a way to reply."
}

// receivedBefore returns the case an email already opened, or nil. A case under the same
// Message-ID holds the same message only when the sender and the content agree; otherwise the
// email is another message that reused the id, and sub's idempotency key becomes its own.
func (s *Service) receivedBefore(ctx context.Context, sub *Submission, m *InboundEmail, id, rawKey string) *Case {
	prior, err := s.Store.GetByIdempotencyKey(ctx, sub.IdempotencyKey)
	if err != nil {
		return nil
	}
	if prior.Raw == rawKey || sameContent(prior, *sub, m) {
		return prior
	}
	sub.IdempotencyKey = clashKey(id, m.From.Email+m.FromRaw, sub.Message)
	if again, err := s.Store.GetByIdempotencyKey(ctx, sub.IdempotencyKey); err == nil {
		return again
	}
	s.log().WarnContext(ctx, "inbound email reuses the Message-ID of a different message; taken in as a new one",
		"raw", rawKey, "earlier", prior.Ref)
	return nil
}

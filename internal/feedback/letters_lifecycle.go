package feedback

import (
	"strings"
	"time"
)

// The lifecycle's letters are written when the officer acts and kept on the case (Letters), so
// that what is sent says what was true then however late the side effect runs. They are
// paragraphs in one frame; the HTML part escapes every paragraph, which is where an officer's
// summary or a resident's words would otherwise reach the HTML.

type lifecycleLetter struct {
	Greet   string
	Ref     string
	Council Council
	Paras   []string
	ReplyTo string
}

// residentLetter writes a letter to the resident as the named side effect and returns it. With
// no email address it is kept, for the officer to post, and its effect says so.
func (s *Service) residentLetter(c *Case, now time.Time, name, subject string, paras ...string) *Letter {
	l := lifecycleLetter{Greet: greetable(c.Contact.Name), Ref: c.Ref, Council: s.Council, Paras: paras, ReplyTo: s.replyAddress(c.Ref)}
	c.Letters = append(c.Letters, Letter{
		Name: name, At: now, To: c.Contact.Email, Subject: subject + " (" + c.Ref + ")",
		Text: render(residentLetterText, l, false), HTML: render(residentLetterHTML, l, true),
	})
	c.addEffect(LetterEffect(name))
	return &c.Letters[len(c.Letters)-1]
}

// staffEmail writes an email telling a member of staff that the case is now theirs.
func (s *Service) staffEmail(c *Case, now time.Time, name, to, why string) {
	l := s.letterFor(c)
	l.AckNote, l.AckFailed = ackNote(c.Effects[EffectAcknowledgement])
	c.Letters = append(c.Letters, Letter{
		Name: name, At: now, To: to, Staff: true,
		Subject: strings.ToUpper(c.Kind.Label()[:1]) + c.Kind.Label()[1:] + " " + why + ": " + c.Ref,
		Text:    render(assignText, l, false), HTML: render(assignHTML, l, true),
	})
	c.addEffect(LetterEffect(name))
}

// letter returns the case's letter of that name.
func (c *Case) letter(name string) (Letter, bool) {
	for _, l := range c.Letters {
		if l.Name == name {
			return l, true
		}
	}
	return Letter{}, false
}

func residentLetterText(p *page, l lifecycleLetter) {
	greeting(p, l.Greet)
	p.Lit("\n\nYour reference: ").Esc(l.Ref).Lit("\n")
	for _, para := range l.Paras {
		p.Lit("\n").Esc(para).Lit("\n")
	}
	p.Lit("\nPlease quote ").Esc(l.Ref).Lit(" if you contact us about this").If(l.ReplyTo != "", ", or reply to this email").Lit(".\n\n")
	signature(p, l.Council)
	p.Lit("\n")
}

func residentLetterHTML(p *page, l lifecycleLetter) {
	p.Lit(htmlHead, "<p>")
	greeting(p, l.Greet)
	p.Lit("</p>\n<p>Your reference: <strong>").Esc(l.Ref).Lit("</strong></p>\n")
	for _, para := range l.Paras {
		p.Lit(`<p style="white-space: pre-wrap">`).Esc(para).Lit("</p>\n")
	}
	p.Lit("<p>Please quote ").Esc(l.Ref).Lit(" if you contact us about this").If(l.ReplyTo != "", ", or reply to this email").Lit(".</p>\n")
	signatureHTML(p, l.Council)
	p.Lit(htmlFoot)
}

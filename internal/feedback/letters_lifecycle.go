package feedback

import (
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"
)

// The lifecycle's letters are written when the officer acts and kept on the case (Letters), so
// that what is sent says what was true then however late the side effect runs. They are
// paragraphs in one frame; html/template escapes every paragraph, which is where an officer's
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
	l := lifecycleLetter{Greet: greetable(c.Contact.Name), Ref: c.Ref, Council: s.Council, Paras: paras, ReplyTo: s.ReplyAddress(c.Ref)}
	c.Letters = append(c.Letters, Letter{
		Name: name, At: now, To: c.Contact.Email, Subject: subject + " (" + c.Ref + ")",
		Text: render(residentLetterText, l), HTML: render(residentLetterHTML, l),
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
		Text:    render(assignText, l), HTML: render(assignHTML, l),
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

var residentLetterText = texttemplate.Must(texttemplate.New("letter.txt").Parse(`{{if .Greet}}Dear {{.Greet}},{{else}}Hello,{{end}}

Your reference: {{.Ref}}
{{range .Paras}}
{{.}}
{{end}}
Please quote {{.Ref}} if you contact us about this{{if .ReplyTo}}, or reply to this email{{end}}.

{{.Council.Name}}{{if .Council.Phone}}
Telephone: {{.Council.Phone}}{{end}}{{if .Council.Website}}
Website: {{.Council.Website}}{{end}}
`))

var residentLetterHTML = htmltemplate.Must(htmltemplate.New("letter.html").Parse(`<!DOCTYPE html>
<html lang="en"><body style="font-family: Arial, sans-serif; font-size: 16px; line-height: 1.5; color: #0b0c0c">
<p>{{if .Greet}}Dear {{.Greet}},{{else}}Hello,{{end}}</p>
<p>Your reference: <strong>{{.Ref}}</strong></p>
{{range .Paras}}<p style="white-space: pre-wrap">{{.}}</p>
{{end}}<p>Please quote {{.Ref}} if you contact us about this{{if .ReplyTo}}, or reply to this email{{end}}.</p>
<p>{{.Council.Name}}{{if .Council.Phone}}<br>Telephone: {{.Council.Phone}}{{end}}{{if .Council.Website}}<br>Website: <a href="{{.Council.Website}}">{{.Council.Website}}</a>{{end}}</p>
</body></html>
`))

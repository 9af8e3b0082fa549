package feedback

import (
	"bytes"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"
)

// The letters Intake sends. Everything a resident wrote reaches the HTML parts through
// html/template, which escapes it; the text parts carry it as plain text.

// LongDate formats a date as residents read it: "Thursday 7 January 2027".
func LongDate(t time.Time) string { return t.Format("Monday 2 January 2006") }

// ReplyAddress is the address a reply to the case's mail goes to, which finds its case.
func (s *Service) ReplyAddress(ref string) string {
	if s.Council.ReplyDomain == "" {
		return ""
	}
	return "reply+" + strings.ToLower(ref) + "@" + s.Council.ReplyDomain
}

type letter struct {
	Case     *Case
	Council  Council
	Kind     string
	Area     string
	Received string
	AckBy    string
	Due      string
	Purpose  Purpose
	ReplyTo  string
}

func (s *Service) letterFor(c *Case) letter {
	l := letter{
		Case:     c,
		Council:  s.Council,
		Kind:     c.Kind.Label(),
		Area:     AreaLabel(c.ServiceArea),
		Received: c.ReceivedAt.In(s.Calendar.Location()).Format("Monday 2 January 2006 at 15:04"),
		AckBy:    LongDate(c.AcknowledgeBy),
		ReplyTo:  s.ReplyAddress(c.Ref),
	}
	if !c.RespondBy.IsZero() {
		l.Due = LongDate(c.RespondBy)
	}
	return l
}

func (s *Service) acknowledgementEmail(c *Case) Message {
	l := s.letterFor(c)
	return Message{
		From:    s.Council.From,
		To:      []string{c.Contact.Email},
		ReplyTo: l.ReplyTo,
		Subject: "We have received your " + l.Kind + " (" + c.Ref + ")",
		Headers: map[string]string{"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"},
		Text:    render(ackText, l),
		HTML:    renderHTML(ackHTML, l),
	}
}

func (s *Service) assignmentEmail(c *Case) Message {
	l := s.letterFor(c)
	return Message{
		From:    s.Council.From,
		To:      []string{c.AssignedTo},
		ReplyTo: l.ReplyTo,
		Subject: "New " + l.Kind + " assigned to you: " + c.Ref,
		Headers: map[string]string{"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"},
		Text:    render(assignText, l),
		HTML:    renderHTML(assignHTML, l),
	}
}

func (s *Service) reminderEmail(c *Case, p Purpose) Message {
	l := s.letterFor(c)
	l.Purpose = p
	subject := map[Purpose]string{
		PurposeWarning: "Response due soon",
		PurposeDue:     "Response due today",
		PurposeOverdue: "Response overdue",
	}[p]
	if subject == "" {
		subject = "Reminder"
	}
	return Message{
		From:    s.Council.From,
		To:      []string{c.AssignedTo},
		Subject: subject + ": " + c.Ref + " (" + c.Stage.Label() + ")",
		Headers: map[string]string{"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"},
		Text:    render(reminderText, l),
		HTML:    renderHTML(reminderHTML, l),
	}
}

func render(t *texttemplate.Template, data any) string {
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		// The templates are fixed and tested; a failure here is a programming error.
		panic("feedback: render " + t.Name() + ": " + err.Error())
	}
	return b.String()
}

func renderHTML(t *htmltemplate.Template, data any) string {
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		panic("feedback: render " + t.Name() + ": " + err.Error())
	}
	return b.String()
}

var ackText = texttemplate.Must(texttemplate.New("ack.txt").Parse(`{{if .Case.Contact.Name}}Dear {{.Case.Contact.Name}},{{else}}Hello,{{end}}

Thank you for contacting {{.Council.Name}}. We received your {{.Kind}} on {{.Received}}.

Your reference is {{.Case.Ref}}. Please quote it if you contact us about this.

What happens next
{{if eq .Case.Kind "complaint"}}An officer in the service concerned will look into your complaint (Stage 1 of our complaints procedure). They may contact you to talk it through. You will have our full written response by {{.Due}}. If we need longer, we will tell you why and give you a new date.

If you are unhappy with our response, you can ask for a review by a director (Stage 2). If you are still unhappy after that, you can ask the Local Government and Social Care Ombudsman to look at your complaint: www.lgo.org.uk, 0300 061 0614.
{{else if eq .Case.Kind "service_request"}}We have passed your request to the team that provides the service. They will contact you about it.
{{else if eq .Case.Kind "out_of_scope"}}This is dealt with under its own procedure, not our complaints procedure. We have passed it to the team responsible, who will contact you.
{{else}}We have passed your {{.Kind}} to the team concerned. Thank you for taking the time to tell us.
{{end}}
How to reply
Reply to this email to add anything. Keep {{.Case.Ref}} in the subject so that it reaches the right officer.

{{.Council.Name}}{{if .Council.Phone}}
Telephone: {{.Council.Phone}}{{end}}{{if .Council.Website}}
Website: {{.Council.Website}}{{end}}

This is an automatic acknowledgement.
`))

var ackHTML = htmltemplate.Must(htmltemplate.New("ack.html").Parse(`<!DOCTYPE html>
<html lang="en"><body style="font-family: Arial, sans-serif; font-size: 16px; line-height: 1.5; color: #0b0c0c">
<p>{{if .Case.Contact.Name}}Dear {{.Case.Contact.Name}},{{else}}Hello,{{end}}</p>
<p>Thank you for contacting {{.Council.Name}}. We received your {{.Kind}} on {{.Received}}.</p>
<p>Your reference is <strong>{{.Case.Ref}}</strong>. Please quote it if you contact us about this.</p>
<h2 style="font-size: 19px">What happens next</h2>
{{if eq .Case.Kind "complaint"}}<p>An officer in the service concerned will look into your complaint (Stage 1 of our complaints procedure). They may contact you to talk it through. You will have our full written response by <strong>{{.Due}}</strong>. If we need longer, we will tell you why and give you a new date.</p>
<p>If you are unhappy with our response, you can ask for a review by a director (Stage 2). If you are still unhappy after that, you can ask the <a href="https://www.lgo.org.uk">Local Government and Social Care Ombudsman</a> to look at your complaint (telephone 0300 061 0614).</p>
{{else if eq .Case.Kind "service_request"}}<p>We have passed your request to the team that provides the service. They will contact you about it.</p>
{{else if eq .Case.Kind "out_of_scope"}}<p>This is dealt with under its own procedure, not our complaints procedure. We have passed it to the team responsible, who will contact you.</p>
{{else}}<p>We have passed your {{.Kind}} to the team concerned. Thank you for taking the time to tell us.</p>
{{end}}<h2 style="font-size: 19px">How to reply</h2>
<p>Reply to this email to add anything. Keep {{.Case.Ref}} in the subject so that it reaches the right officer.</p>
<p>{{.Council.Name}}{{if .Council.Phone}}<br>Telephone: {{.Council.Phone}}{{end}}{{if .Council.Website}}<br>Website: <a href="{{.Council.Website}}">{{.Council.Website}}</a>{{end}}</p>
<p style="color: #505a5f">This is an automatic acknowledgement.</p>
</body></html>
`))

var assignText = texttemplate.Must(texttemplate.New("assign.txt").Parse(`A new {{.Kind}} has been assigned to you.

Reference:     {{.Case.Ref}}
Kind:          {{.Kind}}{{if .Case.Stage}} ({{.Case.Stage.Label}}){{end}}
Service area:  {{.Area}}
Received:      {{.Received}} by {{.Case.Channel}}
Acknowledge by: {{.AckBy}}{{if .Due}}
Respond by:    {{.Due}}{{end}}

From
Name:  {{or .Case.Contact.Name "(not given)"}}
Email: {{or .Case.Contact.Email "(not given)"}}
Phone: {{or .Case.Contact.Phone "(not given)"}}
{{if .Case.Subject}}
Subject: {{.Case.Subject}}
{{end}}
Their words
-----------
{{.Case.Message}}
-----------
{{if .Case.Contact.Email}}
{{if .Case.Effects.AckSkipped}}No acknowledgement was sent: {{.Case.Effects.AckSkipped}}.{{else}}An automatic acknowledgement has been sent to the resident.{{end}}{{else}}
No acknowledgement could be sent: there is no email address.{{end}}
`))

var assignHTML = htmltemplate.Must(htmltemplate.New("assign.html").Parse(`<!DOCTYPE html>
<html lang="en"><body style="font-family: Arial, sans-serif; font-size: 16px; line-height: 1.5; color: #0b0c0c">
<p>A new {{.Kind}} has been assigned to you.</p>
<table style="border-collapse: collapse">
<tr><th scope="row" style="text-align: left; padding-right: 1em">Reference</th><td>{{.Case.Ref}}</td></tr>
<tr><th scope="row" style="text-align: left; padding-right: 1em">Kind</th><td>{{.Kind}}{{if .Case.Stage}} ({{.Case.Stage.Label}}){{end}}</td></tr>
<tr><th scope="row" style="text-align: left; padding-right: 1em">Service area</th><td>{{.Area}}</td></tr>
<tr><th scope="row" style="text-align: left; padding-right: 1em">Received</th><td>{{.Received}} by {{.Case.Channel}}</td></tr>
<tr><th scope="row" style="text-align: left; padding-right: 1em">Acknowledge by</th><td>{{.AckBy}}</td></tr>
{{if .Due}}<tr><th scope="row" style="text-align: left; padding-right: 1em">Respond by</th><td><strong>{{.Due}}</strong></td></tr>{{end}}
<tr><th scope="row" style="text-align: left; padding-right: 1em">Name</th><td>{{or .Case.Contact.Name "(not given)"}}</td></tr>
<tr><th scope="row" style="text-align: left; padding-right: 1em">Email</th><td>{{or .Case.Contact.Email "(not given)"}}</td></tr>
<tr><th scope="row" style="text-align: left; padding-right: 1em">Phone</th><td>{{or .Case.Contact.Phone "(not given)"}}</td></tr>
{{if .Case.Subject}}<tr><th scope="row" style="text-align: left; padding-right: 1em">Subject</th><td>{{.Case.Subject}}</td></tr>{{end}}
</table>
<h2 style="font-size: 19px">Their words</h2>
<blockquote style="white-space: pre-wrap; border-left: 4px solid #b1b4b6; margin: 0; padding-left: 1em">{{.Case.Message}}</blockquote>
</body></html>
`))

var reminderText = texttemplate.Must(texttemplate.New("reminder.txt").Parse(`{{if eq .Purpose "warning"}}The response to {{.Case.Ref}} is due on {{.Due}}.{{else if eq .Purpose "due"}}The response to {{.Case.Ref}} is due today, {{.Due}}.{{else}}The response to {{.Case.Ref}} was due on {{.Due}} and is now overdue.{{end}}

Reference:    {{.Case.Ref}}
Stage:        {{.Case.Stage.Label}}
Service area: {{.Area}}
Received:     {{.Received}}

If you need longer, extend the stage once, with a reason, and tell the resident the new date and the Ombudsman's details.
`))

var reminderHTML = htmltemplate.Must(htmltemplate.New("reminder.html").Parse(`<!DOCTYPE html>
<html lang="en"><body style="font-family: Arial, sans-serif; font-size: 16px; line-height: 1.5; color: #0b0c0c">
<p>{{if eq .Purpose "warning"}}The response to <strong>{{.Case.Ref}}</strong> is due on {{.Due}}.{{else if eq .Purpose "due"}}The response to <strong>{{.Case.Ref}}</strong> is due today, {{.Due}}.{{else}}The response to <strong>{{.Case.Ref}}</strong> was due on {{.Due}} and is now <strong>overdue</strong>.{{end}}</p>
<p>Stage: {{.Case.Stage.Label}}<br>Service area: {{.Area}}<br>Received: {{.Received}}</p>
<p>If you need longer, extend the stage once, with a reason, and tell the resident the new date and the Ombudsman's details.</p>
</body></html>
`))

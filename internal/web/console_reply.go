package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/council/intake/internal/feedback"
)

// The reply form: the resident emailed in the officer's own words, one more action of the
// action table (feedback.ActionReply, the API's POST /v1/cases/{reference}/reply). Saved
// replies are offered as links that fill the text in (a GET parameter, no script); a case that
// cannot be replied to says why in words instead of showing the form.

// replyForm is what the reply form shows besides its text.
type replyForm struct {
	// To is the address the reply goes to.
	To string
	// Templates are the saved replies, each a link that fills the text in.
	Templates []replyTemplateLink
	// Notes are the restrictions on the resident, in words.
	Notes []string
	// Refusal says why no reply can be sent now, instead of the form.
	Refusal string
}

// replyTemplateLink is a saved reply as a link that fills the form in.
type replyTemplateLink struct {
	Name, Href string
	// Current marks the saved reply the text was filled in from.
	Current bool
}

// templateParam names the saved reply whose text fills the reply form in (its number, from 1).
const templateParam = "template"

// prefillReply fills the text of the reply form in from the saved reply the address names.
func (c *Console) prefillReply(r *http.Request, k *feedback.Case, values map[string]string) error {
	n, err := strconv.Atoi(r.URL.Query().Get(templateParam))
	if err != nil {
		return nil
	}
	ts, err := c.Service.ReplyTemplatesFor(r.Context(), sessionOf(r).Staff, k.Ref)
	if err != nil {
		return err
	}
	if n >= 1 && n <= len(ts) {
		values["text"] = ts[n-1].Text
	}
	return nil
}

// replyPanel says on the case page's side panel why the resident cannot be replied to (and
// then offers no reply), and what the restrictions on them say of contact.
func (c *Console) replyPanel(r *http.Request, d *consoleView, k *feedback.Case) error {
	if len(d.Panel) == 0 {
		return nil
	}
	notes, refusal := c.Service.ReplyCheck(r.Context(), sessionOf(r).Staff, k)
	if code := feedback.ErrorCode(refusal); refusal != nil && code != feedback.EINVALID && code != feedback.EFORBIDDEN {
		return refusal
	}
	d.ReplyNotes = notes
	if refusal != nil {
		d.ReplyRefusal = feedback.ErrorMessage(refusal)
		d.Panel = slices.DeleteFunc(d.Panel, func(a feedback.Action) bool { return a.Name == feedback.ActionReply })
	}
	return nil
}

// replyView is the reply form's part of the page: whom it goes to, the saved replies, the
// restrictions on the resident, or why it cannot be sent.
func (c *Console) replyView(r *http.Request, k *feedback.Case) (*replyForm, error) {
	who := sessionOf(r).Staff
	notes, refusal := c.Service.ReplyCheck(r.Context(), who, k)
	if code := feedback.ErrorCode(refusal); refusal != nil && code != feedback.EINVALID && code != feedback.EFORBIDDEN {
		return nil, refusal
	}
	f := &replyForm{To: k.Contact.Email, Notes: notes}
	if refusal != nil {
		f.Refusal = feedback.ErrorMessage(refusal)
		return f, nil
	}
	ts, err := c.Service.ReplyTemplatesFor(r.Context(), who, k.Ref)
	if err != nil {
		return nil, err
	}
	chosen := r.URL.Query().Get(templateParam)
	for i, t := range ts {
		n := strconv.Itoa(i + 1)
		f.Templates = append(f.Templates, replyTemplateLink{Name: t.Name, Current: chosen == n,
			Href: "/officer/cases/" + url.PathEscape(k.Ref) + "/" + string(feedback.ActionReply) + "?" + templateParam + "=" + n + "#text"})
	}
	return f, nil
}

// replyFormBody is the reply form's fields, inside the action page's form.
const replyFormBody = `{{define "reply"}}{{$d := .}}{{with .Form.Reply}}
<dl class="summary-list"><dt>To</dt><dd>{{.To}}</dd><dt>From</dt><dd>The council, with the case's reply address, so that their answer comes back to this case</dd></dl>
{{range .Notes}}<div class="inset">{{.}}</div>{{end}}
{{if .Templates}}<h2 class="heading-s" id="templates-title">Start from a saved reply</h2>
<p class="hint" id="templates-hint">Choosing one replaces the text below with it, filled in for this case.</p>
<ul aria-labelledby="templates-title" aria-describedby="templates-hint">{{range .Templates}}<li><a href="{{.Href}}"{{if .Current}} aria-current="true"{{end}}>{{.Name}}</a>{{if .Current}} (chosen){{end}}</li>{{end}}</ul>{{end}}
{{end}}{{template "textarea" (field $d "text" "Your reply" "The resident receives exactly this, by email. Write in plain English; sign it with your name.")}}{{end}}`

// replyPanelPart is what the side panel says of replying, below the actions.
const replyPanelPart = `{{if or .ReplyRefusal .ReplyNotes}}<h3 class="heading-s">Writing to the resident</h3>
{{with .ReplyRefusal}}<p>You cannot reply by email: {{.}}</p>{{end}}
{{range .ReplyNotes}}<p>{{.}}</p>{{end}}{{end}}`

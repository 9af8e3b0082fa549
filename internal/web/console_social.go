package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/council/intake/internal/feedback"
)

// The monitors' page: a person forwarding a social-media post by hand, through the same domain
// operation the monitoring tools' API calls.

// socialFormFields are the form's fields, named as the API's JSON fields with "." made "-", so
// that an error names the box it is about.
var socialFormFields = []string{"platform", "url", "post_id", "author-handle", "author-name", "text", "posted_at",
	"public", "kind", "service_area", "contact-email", "contact-phone", "in_reply_to"}

// socialView is what the monitors' pages show, beside consoleView.
type socialView struct {
	Platforms []option
	Result    *feedback.SocialResult
	Reply     string
	Limit     int
	Case      *feedback.Case
}

func canForward(who feedback.StaffMember) bool {
	return who.Role == feedback.RoleMonitor || who.Role == feedback.RoleAdmin
}

func (c *Console) socialView(r *http.Request, title string) consoleView {
	d := c.view(r, title)
	d.CSRF = c.SignIn.CSRF(sessionOf(r).Token)
	d.Social = &socialView{}
	for _, p := range feedback.Platforms {
		d.Social.Platforms = append(d.Social.Platforms, option{Value: string(p), Label: p.Label()})
	}
	for _, a := range c.Service.Routing.AreaNames() {
		d.Areas = append(d.Areas, option{Value: a, Label: feedback.AreaLabel(a)})
	}
	return d
}

func (c *Console) socialForm(w http.ResponseWriter, r *http.Request) {
	if !canForward(sessionOf(r).Staff) {
		c.forbidden(w, r, "Only social-media monitors and the complaints team can forward posts.")
		return
	}
	d := c.socialView(r, "Forward a social-media post")
	d.Values["public"] = "true"
	c.render(w, http.StatusOK, socialFormPage, d)
}

func (c *Console) forwardSocial(w http.ResponseWriter, r *http.Request) {
	sess, ok := c.posted(w, r, MaxBodyBytes)
	if !ok {
		return
	}
	if !canForward(sess.Staff) {
		c.forbidden(w, r, "Only social-media monitors and the complaints team can forward posts.")
		return
	}
	f := r.PostFormValue
	p := feedback.SocialPost{
		Platform: feedback.Platform(f("platform")), URL: f("url"), PostID: f("post_id"),
		Author: feedback.SocialAuthor{Handle: f("author-handle"), Name: f("author-name")},
		Text:   f("text"), PostedAt: f("posted_at"), Public: f("public") != "false", Kind: f("kind"),
		ServiceArea: f("service_area"), Contact: feedback.SocialContact{Email: f("contact-email"), Phone: f("contact-phone")},
		InReplyTo: f("in_reply_to"),
	}
	res, err := c.Service.ReceiveSocial(r.Context(), sess.Staff, p)
	switch code := feedback.ErrorCode(err); code {
	case "":
	case feedback.EINVALID:
		d := c.socialView(r, "Forward a social-media post")
		for _, name := range socialFormFields {
			d.Values[name] = f(name)
		}
		d.FieldErrs = map[string]string{}
		for _, fe := range feedback.ErrorFields(err) {
			id := strings.ReplaceAll(fe.Field, ".", "-")
			if _, known := d.FieldErrs[id]; !known {
				d.FieldErrs[id] = fe.Message
				d.Errors = append(d.Errors, feedback.FieldError{Field: id, Message: fe.Message})
			}
		}
		c.render(w, http.StatusUnprocessableEntity, socialFormPage, d)
		return
	default:
		c.fail(w, r, err)
		return
	}
	if res.Outcome != feedback.SocialRepeat && c.AfterCommit != nil {
		c.AfterCommit(r.Context(), res.Reference)
	}
	http.Redirect(w, r, "/officer/social/"+url.PathEscape(res.Reference)+"?outcome="+res.Outcome, http.StatusSeeOther)
}

// socialDone shows a forwarded post's reference and the public reply to post. It shows nothing
// of what the author wrote, so a monitor, who may not open cases, may see it.
func (c *Console) socialDone(w http.ResponseWriter, r *http.Request) {
	sess := sessionOf(r)
	ref := r.PathValue("ref")
	k, err := c.Service.Store.Get(r.Context(), ref)
	switch {
	case !c.Service.Policy.MatchesReference(ref) || feedback.ErrorCode(err) == feedback.ENOTFOUND ||
		err == nil && (k.Channel != feedback.ChannelSocial || !canForward(sess.Staff) && !sess.Staff.CanSee(k)):
		c.notFound(w, r, nil)
		return
	case err != nil:
		c.fail(w, r, err)
		return
	}
	d := c.socialView(r, "Post forwarded: "+k.Ref)
	d.Social.Case = k
	d.Social.Result = &feedback.SocialResult{Outcome: r.URL.Query().Get("outcome"), Reference: k.Ref}
	if k.AwaitsPublicReply() {
		d.Social.Reply, d.Social.Limit = k.Social.SuggestedReply, k.Social.Platform.ReplyLimit()
	}
	if r.URL.Query().Get("done") == "acknowledged" {
		d.Done = "Thank you: the public reply is recorded, so the author counts as acknowledged."
	}
	c.render(w, http.StatusOK, socialDonePage, d)
}

// socialAcknowledged records the monitor's public reply, from the result page or the case page.
func (c *Console) socialAcknowledged(w http.ResponseWriter, r *http.Request) {
	sess, ok := c.posted(w, r, 4<<10)
	if !ok {
		return
	}
	k, err := c.Service.SocialAcknowledged(r.Context(), sess.Staff, r.PathValue("ref"))
	switch code := feedback.ErrorCode(err); {
	case code == feedback.ENOTFOUND:
		c.notFound(w, r, nil)
		return
	case err != nil:
		c.fail(w, r, err)
		return
	}
	if r.PostFormValue("back") == "case" && sess.Staff.CanSee(k) {
		http.Redirect(w, r, "/officer/cases/"+url.PathEscape(k.Ref)+"?done=acknowledged", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/officer/social/"+url.PathEscape(k.Ref)+"?done=acknowledged", http.StatusSeeOther)
}

var socialFormPage = consolePage("social-new", `
`+errorSummary+`<p><a href="/officer">Back to my cases</a></p>
<h1>Forward a social-media post</h1>
<p>Copy in a post or direct message that needs a response. Intake records who wrote it and gives you a public reply to post with its reference. If the post was forwarded before, by anyone, you get the same reference.</p>
<form method="post" action="/officer/social/new" novalidate>
<input type="hidden" name="csrf" value="{{.CSRF}}">
{{$v := .Values}}{{$e := .FieldErrs}}
<div class="group{{if index $e "platform"}} error{{end}}"><label for="platform">Platform</label>
{{with index $e "platform"}}<span class="msg" id="platform-error">{{.}}</span>{{end}}
<select id="platform" name="platform"{{if index $e "platform"}} aria-describedby="platform-error"{{end}}><option value="">Choose the platform</option>{{range .Social.Platforms}}<option value="{{.Value}}"{{if eq (index $v "platform") .Value}} selected{{end}}>{{.Label}}</option>{{end}}</select></div>
<div class="group{{if index $e "url"}} error{{end}}"><label for="url">Link to the post</label>
<span class="hint" id="url-hint">Starting https://. For X, Facebook, Instagram, TikTok, YouTube and LinkedIn the post's id is read from the link.</span>
{{with index $e "url"}}<span class="msg" id="url-error">{{.}}</span>{{end}}
<input type="url" id="url" name="url" spellcheck="false" aria-describedby="url-hint{{if index $e "url"}} url-error{{end}}" value="{{index $v "url"}}"></div>
<div class="group{{if index $e "post_id"}} error{{end}}"><label for="post_id">Post id (only if the link does not carry it)</label>
{{with index $e "post_id"}}<span class="msg" id="post_id-error">{{.}}</span>{{end}}
<input type="text" id="post_id" name="post_id" spellcheck="false"{{if index $e "post_id"}} aria-describedby="post_id-error"{{end}} value="{{index $v "post_id"}}"></div>
<div class="group{{if index $e "author-handle"}} error{{end}}"><label for="author-handle">Author's handle</label>
<span class="hint" id="author-handle-hint">Like @ada_resident</span>
{{with index $e "author-handle"}}<span class="msg" id="author-handle-error">{{.}}</span>{{end}}
<input type="text" id="author-handle" name="author-handle" spellcheck="false" autocomplete="off" aria-describedby="author-handle-hint{{if index $e "author-handle"}} author-handle-error{{end}}" value="{{index $v "author-handle"}}"></div>
<div class="group{{if index $e "author-name"}} error{{end}}"><label for="author-name">Author's name (optional)</label>
{{with index $e "author-name"}}<span class="msg" id="author-name-error">{{.}}</span>{{end}}
<input type="text" id="author-name" name="author-name" autocomplete="off"{{if index $e "author-name"}} aria-describedby="author-name-error"{{end}} value="{{index $v "author-name"}}"></div>
<div class="group{{if index $e "text"}} error{{end}}"><label for="text">What they wrote</label>
{{with index $e "text"}}<span class="msg" id="text-error">{{.}}</span>{{end}}
<textarea id="text" name="text" rows="6"{{if index $e "text"}} aria-describedby="text-error"{{end}}>{{index $v "text"}}</textarea></div>
<div class="group{{if index $e "posted_at"}} error{{end}}"><label for="posted_at">When it was posted (optional, UK time)</label>
{{with index $e "posted_at"}}<span class="msg" id="posted_at-error">{{.}}</span>{{end}}
<input type="datetime-local" id="posted_at" name="posted_at"{{if index $e "posted_at"}} aria-describedby="posted_at-error"{{end}} value="{{index $v "posted_at"}}"></div>
<div class="group"><fieldset><legend>Where was it posted?</legend>
<div class="radio"><input type="radio" id="public" name="public" value="true"{{if ne (index $v "public") "false"}} checked{{end}}><label for="public">In public</label></div>
<div class="radio"><input type="radio" id="public-private" name="public" value="false"{{if eq (index $v "public") "false"}} checked{{end}}><label for="public-private">In a private message</label></div>
</fieldset></div>
<div class="group{{if index $e "kind"}} error{{end}}"><label for="kind">Kind of feedback</label>
{{with index $e "kind"}}<span class="msg" id="kind-error">{{.}}</span>{{end}}
<select id="kind" name="kind"{{if index $e "kind"}} aria-describedby="kind-error"{{end}}><option value="">Let the words decide</option>{{range .Kinds}}<option value="{{.Value}}"{{if eq (index $v "kind") .Value}} selected{{end}}>{{.Label}}</option>{{end}}</select></div>
<div class="group{{if index $e "service_area"}} error{{end}}"><label for="service_area">Service area</label>
{{with index $e "service_area"}}<span class="msg" id="service_area-error">{{.}}</span>{{end}}
<select id="service_area" name="service_area"{{if index $e "service_area"}} aria-describedby="service_area-error"{{end}}><option value="">Not sure</option>{{range .Areas}}<option value="{{.Value}}"{{if eq (index $v "service_area") .Value}} selected{{end}}>{{.Label}}</option>{{end}}</select></div>
<h2>Contact details the author gave (optional)</h2>
<p>Only what they gave you. With an email address, Intake acknowledges them by email instead of a public reply.</p>
<div class="group{{if index $e "contact-email"}} error{{end}}"><label for="contact-email">Email address</label>
{{with index $e "contact-email"}}<span class="msg" id="contact-email-error">{{.}}</span>{{end}}
<input type="email" id="contact-email" name="contact-email" spellcheck="false" autocomplete="off"{{if index $e "contact-email"}} aria-describedby="contact-email-error"{{end}} value="{{index $v "contact-email"}}"></div>
<div class="group{{if index $e "contact-phone"}} error{{end}}"><label for="contact-phone">Telephone number</label>
{{with index $e "contact-phone"}}<span class="msg" id="contact-phone-error">{{.}}</span>{{end}}
<input type="tel" id="contact-phone" name="contact-phone" autocomplete="off"{{if index $e "contact-phone"}} aria-describedby="contact-phone-error"{{end}} value="{{index $v "contact-phone"}}"></div>
<div class="group{{if index $e "in_reply_to"}} error{{end}}"><label for="in_reply_to">In reply to (optional: the id of the author's earlier post)</label>
{{with index $e "in_reply_to"}}<span class="msg" id="in_reply_to-error">{{.}}</span>{{end}}
<input type="text" id="in_reply_to" name="in_reply_to" spellcheck="false"{{if index $e "in_reply_to"}} aria-describedby="in_reply_to-error"{{end}} value="{{index $v "in_reply_to"}}"></div>
<button type="submit">Forward the post</button>
</form>`)

var socialDonePage = consolePage("social-done", `
<p><a href="/officer/social/new">Forward another post</a></p>
{{if .Done}}<div class="notice" role="status"><p>{{.Done}}</p></div>{{end}}
<h1>Post forwarded</h1>
<div class="notice"><p>Reference: <strong id="reference">{{.Social.Case.Ref}}</strong></p>
{{if eq .Social.Result.Outcome "repeat"}}<p>This post was forwarded before: this is its reference, and nothing new was stored.</p>{{end}}
{{if eq .Social.Result.Outcome "threaded"}}<p>This post was added to the author's earlier case.</p>{{end}}</div>
{{if .Social.Reply}}<h2>Post this public reply</h2>
<p>Reply to the author on {{.Social.Case.Social.Platform.Label}} with these words (at most {{.Social.Limit}} characters there), then press the button.</p>
<div class="text" id="suggested-reply">{{.Social.Reply}}</div>
<form method="post" action="/officer/social/{{.Social.Case.Ref}}/acknowledged">
<input type="hidden" name="csrf" value="{{.CSRF}}"><input type="hidden" name="back" value="social">
<button type="submit">I have posted the public reply</button></form>
{{else if eq .Social.Case.Channel "social"}}<p>The author has been acknowledged{{if .Social.Case.Contact.Email}} by email{{end}}.</p>{{end}}`)

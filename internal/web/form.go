package web

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"sync"

	"github.com/council/intake/internal/feedback"
)

// formData is what the form page shows: the resident's values (kept when it is re-displayed
// with errors) and the problems found.
type formData struct {
	Council        string
	Values         map[string]string
	Errors         []feedback.FieldError
	ErrorFor       map[string]string
	Kinds          []option
	Areas          []option
	IdempotencyKey string
}

type option struct{ Value, Label, Hint string }

var kindOptions = []option{
	{string(feedback.KindComplaint), "A complaint", "Something we did, or did not do, that you are unhappy with"},
	{string(feedback.KindCompliment), "A compliment", "Something we did well"},
	{string(feedback.KindComment), "A comment or suggestion", "An idea or view about our services"},
	{string(feedback.KindServiceRequest), "A request for a service", "For example, report a missed bin for the first time"},
}

func formFromSubmission(s feedback.Submission, key string) map[string]string {
	return map[string]string{
		"kind": s.Kind, "name": s.Name, "email": s.Email, "phone": s.Phone,
		"service_area": s.ServiceArea, "subject": s.Subject, "message": s.Message, "idempotency_key": key,
	}
}

// submitForm takes a post from the HTML form. It never answers with JSON: a person is looking
// at the answer. Success is a redirect to the thank-you page; every failure shows the form again
// with what the resident wrote and an error summary, under a status that says what went wrong.
func (h *Handler) submitForm(w http.ResponseWriter, r *http.Request, reqID string) {
	raw, readErr := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFormReadBytes))
	var tooBig *http.MaxBytesError
	if errors.As(readErr, &tooBig) {
		h.renderForm(w, http.StatusRequestEntityTooLarge, map[string]string{}, []feedback.FieldError{{
			Message: fmt.Sprintf("What you sent is too large for us to read. Your message must be %d characters or fewer: shorten it and send it again.", feedback.MaxMessageChars)}})
		return
	}
	if readErr != nil {
		h.renderForm(w, http.StatusBadRequest, map[string]string{}, []feedback.FieldError{{
			Message: "What you sent did not reach us in full. Check your answers and send the form again."}})
		return
	}
	// ParseQuery keeps every pair it could read, so even a partly unreadable form comes back
	// with the resident's words.
	f, parseErr := url.ParseQuery(string(raw))
	pageKey := f.Get("idempotency_key")
	sub := feedback.Submission{Kind: f.Get("kind"), Name: f.Get("name"), Email: f.Get("email"), Phone: f.Get("phone"),
		ServiceArea: f.Get("service_area"), Subject: f.Get("subject"), Message: f.Get("message")}
	again := formFromSubmission(sub, pageKey)
	switch {
	case len(raw) > MaxBodyBytes:
		// Say which answer is too long, as the domain words it, when that is what it is.
		errs := feedback.ErrorFields(sub.Normalize().Validate(h.Service.Routing.AreaNames()))
		if len(errs) == 0 {
			errs = []feedback.FieldError{{Message: errTooLarge.Message}}
		}
		h.renderForm(w, http.StatusRequestEntityTooLarge, again, errs)
		return
	case parseErr != nil:
		h.renderForm(w, http.StatusBadRequest, again, []feedback.FieldError{{
			Message: "Some of what you sent could not be read. Check your answers and send the form again."}})
		return
	}
	sub.IdempotencyKey = formKey(pageKey, sub)
	if k := r.Header.Get("Idempotency-Key"); k != "" {
		sub.IdempotencyKey = k // a program that names its own key gets the API's strict semantics
	}

	c, fresh, err := h.store(r.Context(), sub, f.Get(honeypot))
	switch code := feedback.ErrorCode(err); {
	case err == nil:
		if !fresh {
			w.Header().Set("Idempotent-Replayed", "true")
		}
		http.Redirect(w, r, "/thank-you?ref="+url.QueryEscape(c.Ref), http.StatusSeeOther)
	case code == feedback.EINVALID:
		errs := feedback.ErrorFields(err)
		for i := range errs {
			if errs[i].Field == honeypot {
				errs[i].Field = "" // the trap box is hidden: there is nothing to link to
			}
		}
		h.renderForm(w, http.StatusUnprocessableEntity, again, errs)
	case code == feedback.ECONFLICT:
		// Only a caller's own Idempotency-Key header can get here (see formKey). A fresh page
		// key lets the resident send what they now see.
		again["idempotency_key"] = ""
		h.renderForm(w, http.StatusConflict, again, []feedback.FieldError{{
			Message: "This form was already sent with different answers. Check your answers and send it again."}})
	case code == feedback.EUNAVAILABLE:
		w.Header().Set("Retry-After", RetryAfterSeconds)
		h.renderForm(w, http.StatusServiceUnavailable, again, []feedback.FieldError{{
			Message: "Sorry, the service is busy and your message has not been sent yet. Wait a few seconds and send it again: your words are still here."}})
	default:
		status := Status(err)
		if status >= 500 {
			h.log().ErrorContext(r.Context(), "form post failed", "request_id", reqID, "err", err)
		}
		h.renderForm(w, status, again, []feedback.FieldError{{
			Message: "Sorry, there is a problem with the service and your message has not been sent. Try again later. If it keeps happening, contact us and quote request id " + reqID + "."}})
	}
}

// formKey is the idempotency key a form post is stored under: a digest of the page's hidden key
// and of what the resident sent. Sending the same page twice (a double click, a resend after a
// lost answer) is the same key and content, so one case; pressing Back, editing and sending
// again is a new key, so new feedback rather than a conflict. The alternative, a fresh key on
// every render, does not help: Back shows the cached page with its old key. Treating the
// resulting conflict as "new feedback" would need a second submit under a made-up key, and
// would read a domain refusal as permission. The JSON API keeps the strict rule (same key,
// other content: 409), because there the caller chose the key.
func formKey(pageKey string, sub feedback.Submission) string {
	if pageKey == "" {
		return ""
	}
	sub.Channel = feedback.ChannelWeb
	sum := sha256.Sum256([]byte(pageKey + "\x00" + sub.Normalize().Fingerprint()))
	return "form:" + hex.EncodeToString(sum[:])
}

func (h *Handler) form(w http.ResponseWriter, r *http.Request) {
	h.renderForm(w, http.StatusOK, map[string]string{}, nil)
}

func (h *Handler) renderForm(w http.ResponseWriter, status int, values map[string]string, errs []feedback.FieldError) {
	d := formData{
		Council:        h.Service.Council.Name,
		Values:         values,
		Errors:         errs,
		ErrorFor:       map[string]string{},
		Kinds:          kindOptions,
		IdempotencyKey: values["idempotency_key"],
	}
	if d.IdempotencyKey == "" {
		// A fresh key per page view: pressing Send twice, or going back and resending, gives
		// the same reference rather than a second case.
		d.IdempotencyKey = randomHex(16)
	}
	for _, e := range errs {
		if _, seen := d.ErrorFor[e.Field]; !seen {
			d.ErrorFor[e.Field] = e.Message
		}
	}
	for _, a := range h.Service.Routing.AreaNames() {
		d.Areas = append(d.Areas, option{Value: a, Label: feedback.AreaLabel(a)})
	}
	page(w, status, formPage, d)
}

// thanks shows the reference from the query string only when it has the configured format:
// anyone can send a resident a link to this page, and it must not present their words
// ("PAY-0900-NOW") as the council's reference.
func (h *Handler) thanks(w http.ResponseWriter, r *http.Request) {
	ref := r.URL.Query().Get("ref")
	if !h.Service.Policy.MatchesReference(ref) {
		ref = ""
	}
	page(w, http.StatusOK, thanksPage, map[string]string{"Council": h.Service.Council.Name, "Ref": ref})
}

func page(w http.ResponseWriter, status int, t lazyTemplate, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	if err := t().Execute(w, data); err != nil {
		// Headers are gone; all that can be done is to stop writing.
		return
	}
}

const style = `<style>
body{font-family:Arial,sans-serif;font-size:19px;line-height:1.32;color:#0b0c0c;margin:0;background:#fff}
header{background:#0b0c0c;color:#fff;padding:10px 15px;font-weight:bold}
main{max-width:640px;margin:0 auto;padding:20px 15px 40px}
h1{font-size:36px;margin:20px 0 30px}
.group{margin-bottom:30px}
.group.error{border-left:5px solid #d4351c;padding-left:15px}
label,legend{display:block;font-weight:bold;margin-bottom:5px}
legend{font-size:24px;margin-bottom:10px}
fieldset{border:0;padding:0;margin:0}
.hint{color:#505a5f;margin-bottom:10px}
.msg{color:#d4351c;font-weight:bold;display:block;margin-bottom:10px}
input[type=text],input[type=email],input[type=tel],select,textarea{font:inherit;border:2px solid #0b0c0c;padding:5px;width:100%;box-sizing:border-box}
.error input,.error textarea,.error select{border-color:#d4351c}
textarea{min-height:10em}
.radio{display:flex;align-items:flex-start;margin-bottom:10px}
.radio input{width:28px;height:28px;margin:0 10px 0 0;flex-shrink:0}
.radio label{font-weight:normal;margin:0}
.radio .hint{margin:0}
input:focus,select:focus,textarea:focus,button:focus,a:focus{outline:3px solid #fd0;outline-offset:0;box-shadow:inset 0 0 0 2px #0b0c0c}
button{font:inherit;background:#00703c;color:#fff;border:0;padding:8px 12px;box-shadow:0 2px 0 #002d18;cursor:pointer}
.summary{border:5px solid #d4351c;padding:15px;margin-bottom:30px}
.summary h2{margin-top:0}
.summary a{color:#d4351c;font-weight:bold}
.panel{background:#00703c;color:#fff;padding:25px;text-align:center;margin-bottom:30px}
.panel h1{margin:0 0 15px}
.panel .ref{font-size:30px;font-weight:bold}
.trap{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}
</style>`

var formPage = parseLater(func() *template.Template { return template.Must(template.New("form").Parse(formHTML)) })

// formHTML is the public form: GOV.UK's patterns (an error summary linking to each field, the
// message beside its field), with no script.
const formHTML = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{if .Errors}}Error: {{end}}Contact us about our services – {{.Council}}</title>` + style + `</head>
<body><header>{{.Council}}</header>
<main id="main">
{{if .Errors}}<div class="summary" role="alert" aria-labelledby="summary-title" tabindex="-1" id="error-summary" autofocus>
<h2 id="summary-title">There is a problem</h2>
<ul>{{range .Errors}}<li>{{if .Field}}<a href="#{{.Field}}">{{.Message}}</a>{{else}}{{.Message}}{{end}}</li>{{end}}</ul>
</div>{{end}}
<h1>Contact us about our services</h1>
<p>Tell us about something we did well, something we could do better, or something you are unhappy with. We will send you a reference straight away.</p>
<form method="post" action="/v1/feedback" novalidate>
<input type="hidden" name="idempotency_key" value="{{.IdempotencyKey}}">

<div class="group{{if index .ErrorFor "kind"}} error{{end}}">
<fieldset aria-describedby="kind-hint{{if index .ErrorFor "kind"}} kind-error{{end}}">
<legend>What would you like to tell us?</legend>
<div class="hint" id="kind-hint">Choose one.</div>
{{if index .ErrorFor "kind"}}<span class="msg" id="kind-error">{{index .ErrorFor "kind"}}</span>{{end}}
{{range $i, $k := .Kinds}}<div class="radio">
<input type="radio" name="kind" value="{{$k.Value}}" id="{{if eq $i 0}}kind{{else}}kind-{{$k.Value}}{{end}}" aria-describedby="kind-{{$k.Value}}-hint"{{if eq (index $.Values "kind") $k.Value}} checked{{end}}>
<div><label for="{{if eq $i 0}}kind{{else}}kind-{{$k.Value}}{{end}}">{{$k.Label}}</label><div class="hint" id="kind-{{$k.Value}}-hint">{{$k.Hint}}</div></div>
</div>{{end}}
</fieldset>
</div>

<div class="group{{if index .ErrorFor "service_area"}} error{{end}}">
<label for="service_area">Which service is it about? (optional)</label>
{{if index .ErrorFor "service_area"}}<span class="msg" id="service_area-error">{{index .ErrorFor "service_area"}}</span>{{end}}
<select id="service_area" name="service_area">
<option value="">Not sure</option>
{{range .Areas}}<option value="{{.Value}}"{{if eq (index $.Values "service_area") .Value}} selected{{end}}>{{.Label}}</option>{{end}}
</select>
</div>

<div class="group{{if index .ErrorFor "subject"}} error{{end}}">
<label for="subject">Subject (optional)</label>
{{if index .ErrorFor "subject"}}<span class="msg" id="subject-error">{{index .ErrorFor "subject"}}</span>{{end}}
<input type="text" id="subject" name="subject" maxlength="200" value="{{index .Values "subject"}}">
</div>

<div class="group{{if index .ErrorFor "message"}} error{{end}}">
<label for="message">Your message</label>
<div class="hint" id="message-hint">Tell us what happened, when and where. Do not include bank details. Up to 10,000 characters.</div>
{{if index .ErrorFor "message"}}<span class="msg" id="message-error">{{index .ErrorFor "message"}}</span>{{end}}
<textarea id="message" name="message" rows="8" aria-describedby="message-hint{{if index .ErrorFor "message"}} message-error{{end}}">{{index .Values "message"}}</textarea>
</div>

<h2>Your details</h2>
<p class="hint">We need an email address or telephone number to reply to a complaint or a request. Compliments and comments can be anonymous.</p>

<div class="group{{if index .ErrorFor "name"}} error{{end}}">
<label for="name">Full name (optional)</label>
{{if index .ErrorFor "name"}}<span class="msg" id="name-error">{{index .ErrorFor "name"}}</span>{{end}}
<input type="text" id="name" name="name" autocomplete="name" spellcheck="false" value="{{index .Values "name"}}">
</div>

<div class="group{{if index .ErrorFor "email"}} error{{end}}">
<label for="email">Email address</label>
<div class="hint" id="email-hint">We will send your reference and our reply here.</div>
{{if index .ErrorFor "email"}}<span class="msg" id="email-error">{{index .ErrorFor "email"}}</span>{{end}}
<input type="email" id="email" name="email" autocomplete="email" spellcheck="false" aria-describedby="email-hint{{if index .ErrorFor "email"}} email-error{{end}}" value="{{index .Values "email"}}">
</div>

<div class="group{{if index .ErrorFor "phone"}} error{{end}}">
<label for="phone">Telephone number (optional)</label>
{{if index .ErrorFor "phone"}}<span class="msg" id="phone-error">{{index .ErrorFor "phone"}}</span>{{end}}
<input type="tel" id="phone" name="phone" autocomplete="tel" value="{{index .Values "phone"}}">
</div>

<div class="trap" aria-hidden="true">
<label for="website">Leave this box empty</label>
<input type="text" id="website" name="website" tabindex="-1" autocomplete="off">
</div>

<button type="submit">Send</button>
</form>
</main></body></html>
`

var thanksPage = parseLater(func() *template.Template {
	return template.Must(template.New("thanks").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Thank you – {{.Council}}</title>` + style + `</head>
<body><header>{{.Council}}</header>
<main id="main">
<div class="panel"><h1>Thank you</h1>{{if .Ref}}<div>Your reference is<br><span class="ref">{{.Ref}}</span></div>{{end}}</div>
<p>We have received your message. If you gave us an email address, we have sent you an acknowledgement with this reference.</p>
<h2>What happens next</h2>
<p>We have passed your message to the team responsible. If it is a complaint, the email tells you the date by which you will have our full response.</p>
<p>Please quote your reference if you contact us about this.</p>
<p><a href="/">Send us something else</a></p>
</main></body></html>
`))
})

// lazyTemplate is a page's template, parsed on first use: a Lambda function waits for every
// package initialiser at each cold start, and parsing the pages took a third of the officer
// function's.
type lazyTemplate func() *template.Template

// parseLater returns parse's template, parsed once, on first use.
func parseLater(parse func() *template.Template) lazyTemplate { return sync.OnceValue(parse) }

package web

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/council/intake/internal/feedback"
)

// The case's action forms, each a page of its own reached from the case page's side panel,
// and offered only when the domain says the action is possible now (Service.Actions). A form
// posted with mistakes comes back with 422, an error summary linking to each field, each field
// marked, and everything typed kept; the action itself is the action table's (runAction), the
// same as the API's.

// actionForm is the action form a page shows.
type actionForm struct {
	Name  feedback.ActionName
	Title string
	// Decision marks the Ombudsman form that records a decision rather than a referral.
	Decision bool
	// Reviewers are the managers and the complaints team, for the escalation's reviewer.
	Reviewers []option
	// Reply is the reply form's own part.
	Reply *replyForm
}

// formFields are the fields each action's form posts, read into the action table's fields.
var formFields = map[feedback.ActionName][]string{
	feedback.ActionNote:       {"text"},
	feedback.ActionReply:      {"text"},
	feedback.ActionAssign:     {"to"},
	feedback.ActionReclassify: {"kind"},
	feedback.ActionExtend:     {"working_days", "reason"},
	feedback.ActionRespond:    {"outcome", "summary", "lessons", "remedy", "compensation", "sent_by"},
	feedback.ActionEscalate:   {"reviewer", "reason"},
	feedback.ActionOmbudsman: {"step", "ombudsman", "referred_on-day", "referred_on-month", "referred_on-year",
		"decision", "decided_on-day", "decided_on-month", "decided_on-year", "remedy"},
	feedback.ActionClose:   {"note"},
	feedback.ActionHold:    {"reason"},
	feedback.ActionRelease: {"reason"},
}

// offered finds the case in the path and, among the actions possible now for it and the
// person, the one named there; now is false when it is not among them. An unknown action, or
// a case the person may not see, answers 404.
func (c *Console) offered(w http.ResponseWriter, r *http.Request) (k *feedback.Case, a feedback.Action, now, ok bool) {
	name := feedback.ActionName(r.PathValue("action"))
	if _, known := caseActions[name]; !known || c.ReadOnly {
		c.notFound(w, r, nil)
		return nil, a, false, false
	}
	if k, ok = c.visibleCase(w, r); !ok {
		return nil, a, false, false
	}
	for _, a := range c.Service.Actions(sessionOf(r).Staff, k) {
		if a.Name == name {
			return k, a, true, true
		}
	}
	return k, feedback.Action{Name: name}, false, true
}

// actionForm shows an action's form.
func (c *Console) actionForm(w http.ResponseWriter, r *http.Request) {
	k, a, now, ok := c.offered(w, r)
	if !ok {
		return
	}
	if !now {
		c.fail(w, r, feedback.Errorf(feedback.ECONFLICT, "That cannot be done to case %s now. Go back to the case to see what can.", k.Ref))
		return
	}
	values := map[string]string{}
	if a.Name == feedback.ActionReclassify {
		values["kind"] = string(k.Kind)
	}
	if a.Name == feedback.ActionReply {
		if err := c.prefillReply(r, k, values); err != nil {
			c.fail(w, r, err)
			return
		}
	}
	c.showAction(w, r, http.StatusOK, k, a, values, nil)
}

func (c *Console) showAction(w http.ResponseWriter, r *http.Request, status int, k *feedback.Case, a feedback.Action, values map[string]string, fail error) {
	d := c.view(r, a.Label+" – "+k.Ref)
	d.Case = k
	c.caseSummary(&d, k, func(t time.Time) string { return t.In(c.Service.Calendar.Location()).Format("2 Jan 2006 15:04") })
	d.CSRF = c.SignIn.CSRF(sessionOf(r).Token)
	d.Form = &actionForm{Name: a.Name, Title: a.Label, Decision: a.Name == feedback.ActionOmbudsman && k.Ombudsman.Which != ""}
	if a.Name == feedback.ActionEscalate {
		d.Form.Reviewers = c.reviewers(k)
	}
	if a.Name == feedback.ActionReply {
		var err error
		if d.Form.Reply, err = c.replyView(r, k); err != nil {
			c.fail(w, r, err)
			return
		}
	}
	d.Values = values
	if fail != nil {
		c.fieldErrors(&d, fail)
		d.dateErrorsOnDay("referred_on", "decided_on")
	}
	c.render(w, status, actionPage, d)
}

// reviewers are the members of staff who may review the case at Stage 2.
func (c *Console) reviewers(k *feedback.Case) []option {
	s1, _ := k.StageRecordOf(feedback.Stage1)
	var out []option
	for _, m := range c.Service.Staff {
		if (m.Role == feedback.RoleManager || m.Role == feedback.RoleAdmin) && m.Email != s1.Handler && m.Email != s1.Response.By {
			out = append(out, option{Value: m.Email, Label: staffName(m.Email) + " (" + m.Email + ")"})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Value < out[j].Value })
	return out
}

// act carries out an action form through the action table. A post of an action not offered
// now still goes to the domain, which decides and says why not.
func (c *Console) act(w http.ResponseWriter, r *http.Request) {
	sess, ok := c.posted(w, r, MaxBodyBytes)
	if !ok {
		return
	}
	k, a, now, ok := c.offered(w, r)
	if !ok {
		return
	}
	values := map[string]string{}
	for _, f := range formFields[a.Name] {
		values[f] = r.PostFormValue(f)
	}
	_, err := runAction(r.Context(), c.Service, sess.Staff, k.Ref, a.Name, values)
	switch code := feedback.ErrorCode(err); code {
	case "":
		if c.AfterCommit != nil {
			c.AfterCommit(r.Context(), k.Ref)
		}
		http.Redirect(w, r, "/officer/cases/"+url.PathEscape(k.Ref)+"?done="+string(a.Name), http.StatusSeeOther)
	case feedback.ENOTFOUND:
		c.notFound(w, r, nil)
	case feedback.EINVALID, feedback.ECONFLICT, feedback.EFORBIDDEN:
		if !now {
			// Not offered now: the domain's refusal says why, on a page of its own.
			c.fail(w, r, err)
			return
		}
		c.showAction(w, r, Status(err), k, a, values, err)
	default:
		c.fail(w, r, err)
	}
}

// dateErrorsOnDay moves the mistakes in the named date inputs to their first box, as the
// GOV.UK pattern has it: the date's group shows the message and the summary links to #field-day.
func (d *consoleView) dateErrorsOnDay(dates ...string) {
	for i, fe := range d.Errors {
		if slices.Contains(dates, fe.Field) {
			d.Errors[i].Field = fe.Field + "-day"
			d.FieldErrs[fe.Field+"-day"] = fe.Message
		}
	}
}

// formField is one field of an action form as its template draws it.
type formField struct {
	ID, Label, Hint, Value, Error string
	// Described is the field's aria-describedby: its hint and its error.
	Described string
	Options   []option
	// Day, Month and Year are a date input's boxes.
	Day, Month, Year string
}

// field draws the field id of the page d: its label and hint, the value typed, its error.
func field(d consoleView, id, label, hint string) formField {
	f := formField{ID: id, Label: label, Hint: hint, Value: d.Values[id], Error: d.FieldErrs[id],
		Day: d.Values[id+"-day"], Month: d.Values[id+"-month"], Year: d.Values[id+"-year"]}
	if f.Error == "" {
		f.Error = d.FieldErrs[id+"-day"]
	}
	var ids []string
	if hint != "" {
		ids = append(ids, id+"-hint")
	}
	if f.Error != "" {
		ids = append(ids, id+"-error")
	}
	f.Described = strings.Join(ids, " ")
	return f
}

func withOptions(f formField, opts []option) formField { f.Options = opts; return f }

// The choices the action forms offer, each value with its label.
var (
	sentByOptions    = []option{{Value: "email", Label: "By email, sent by Intake now"}, {Value: "post", Label: "By post, sent by me"}}
	ombudsmanOptions = []option{{Value: string(feedback.OmbudsmanLGSCO), Label: capitalise(feedback.OmbudsmanLGSCO.Label())},
		{Value: string(feedback.OmbudsmanHousing), Label: capitalise(feedback.OmbudsmanHousing.Label())}}
	decisionOptions = []option{{Value: "upheld", Label: "Upheld"}, {Value: "not_upheld", Label: "Not upheld"},
		{Value: "not_investigated", Label: "Not investigated"}, {Value: "settled", Label: "Settled"}}
)

// actionFields are the templates of the form fields.
const actionFields = `
{{define "msg"}}{{if .Error}}<p class="msg" id="{{.ID}}-error"><span class="visually-hidden">Error:</span> {{.Error}}</p>{{end}}{{end}}
{{define "hint"}}{{if .Hint}}<div class="hint" id="{{.ID}}-hint">{{.Hint}}</div>{{end}}{{end}}
{{define "textarea"}}<div class="group{{if .Error}} error{{end}}"><label for="{{.ID}}">{{.Label}}</label>{{template "hint" .}}{{template "msg" .}}
<textarea id="{{.ID}}" name="{{.ID}}" rows="4"{{with .Described}} aria-describedby="{{.}}"{{end}}>{{.Value}}</textarea></div>{{end}}
{{define "input"}}<div class="group{{if .Error}} error{{end}}"><label for="{{.ID}}">{{.Label}}</label>{{template "hint" .}}{{template "msg" .}}
<input type="text" id="{{.ID}}" name="{{.ID}}" value="{{.Value}}" spellcheck="false"{{with .Described}} aria-describedby="{{.}}"{{end}}></div>{{end}}
{{define "number"}}<div class="group{{if .Error}} error{{end}}"><label for="{{.ID}}">{{.Label}}</label>{{template "hint" .}}{{template "msg" .}}
<input type="text" inputmode="numeric" class="width-5" id="{{.ID}}" name="{{.ID}}" value="{{.Value}}"{{with .Described}} aria-describedby="{{.}}"{{end}}></div>{{end}}
{{define "select"}}<div class="group{{if .Error}} error{{end}}"><label for="{{.ID}}">{{.Label}}</label>{{template "hint" .}}{{template "msg" .}}
<select id="{{.ID}}" name="{{.ID}}"{{with .Described}} aria-describedby="{{.}}"{{end}}><option value="">Choose</option>{{$v := .Value}}{{range .Options}}<option value="{{.Value}}"{{if eq $v .Value}} selected{{end}}>{{.Label}}</option>{{end}}</select></div>{{end}}
{{define "radios"}}<div class="group{{if .Error}} error{{end}}"><fieldset{{with .Described}} aria-describedby="{{.}}"{{end}}><legend>{{.Label}}</legend>{{template "hint" .}}{{template "msg" .}}
{{$f := .}}{{range $i, $o := .Options}}<div class="radio"><input type="radio" id="{{$f.ID}}{{if $i}}-{{$o.Value}}{{end}}" name="{{$f.ID}}" value="{{$o.Value}}"{{if eq $f.Value $o.Value}} checked{{end}}><label for="{{$f.ID}}{{if $i}}-{{$o.Value}}{{end}}">{{$o.Label}}</label></div>{{end}}</fieldset></div>{{end}}
{{define "date"}}<div class="group{{if .Error}} error{{end}}"><fieldset role="group"{{with .Described}} aria-describedby="{{.}}"{{end}}><legend>{{.Label}}</legend>{{template "hint" .}}{{template "msg" .}}
<div class="date-input">
<div class="item"><label for="{{.ID}}-day">Day</label><input type="text" inputmode="numeric" id="{{.ID}}-day" name="{{.ID}}-day" value="{{.Day}}"></div>
<div class="item"><label for="{{.ID}}-month">Month</label><input type="text" inputmode="numeric" id="{{.ID}}-month" name="{{.ID}}-month" value="{{.Month}}"></div>
<div class="item year"><label for="{{.ID}}-year">Year</label><input type="text" inputmode="numeric" id="{{.ID}}-year" name="{{.ID}}-year" value="{{.Year}}"></div>
</div></fieldset></div>{{end}}`

var actionPage = consolePage("action", `
<p><a href="/officer/cases/{{.Case.Ref}}">Back to case {{.Case.Ref}}</a></p>
{{if or .Errors .Message}}<div class="summary" role="alert" aria-labelledby="summary-title" tabindex="-1" id="error-summary">
<h2 id="summary-title">There is a problem</h2>
{{if .Message}}<p>{{.Message}}</p>{{end}}
{{if .Errors}}<ul>{{range .Errors}}<li><a href="#{{.Field}}">{{.Message}}</a></li>{{end}}</ul>{{end}}
</div>{{end}}
{{$d := .}}{{with .Form}}
<h1><span class="caption">{{$d.Kind}}{{if $d.Stage}}, {{$d.Stage}}{{end}}, <span class="nowrap">{{$d.Case.Ref}}</span></span>{{.Title}}</h1>
{{if and .Reply .Reply.Refusal}}<div class="warning-text"><span class="icon" aria-hidden="true">!</span><strong><span class="visually-hidden">Warning</span> {{.Reply.Refusal}}</strong></div>
{{range .Reply.Notes}}<div class="inset">{{.}}</div>{{end}}
<p><a href="/officer/cases/{{$d.Case.Ref}}">Back to case {{$d.Case.Ref}}</a></p>
{{else}}<form method="post" action="/officer/cases/{{$d.Case.Ref}}/{{.Name}}" novalidate>
<input type="hidden" name="csrf" value="{{$d.CSRF}}">
{{if eq .Name "note"}}{{template "textarea" (field $d "text" "Note" "Only staff see notes.")}}
{{else if eq .Name "reply"}}{{template "reply" $d}}
{{else if eq .Name "assign"}}{{template "input" (field $d "to" "Assign to" "The email address of a member of staff or a team mailbox. They are emailed about the case.")}}
{{else if eq .Name "reclassify"}}{{template "radios" (withOptions (field $d "kind" "What kind of feedback is this?" "") $d.Kinds)}}
{{else if eq .Name "extend"}}<p>Once per stage: at most 10 working days at Stage 1, 20 at Stage 2. The resident is told the new date.</p>
{{template "number" (field $d "working_days" "Working days" "For example, 5")}}
{{template "textarea" (field $d "reason" "Why do you need longer?" "The resident is told this.")}}
{{else if eq .Name "respond"}}{{template "radios" (withOptions (field $d "outcome" "Outcome" "") $d.Outcomes)}}
{{template "textarea" (field $d "summary" "Summary of the response" "This goes in the letter to the resident.")}}
{{template "textarea" (field $d "remedy" "What we will do to put things right (optional)" "")}}
{{template "textarea" (field $d "lessons" "Lessons learned (optional)" "Only staff see these.")}}
{{template "number" (field $d "compensation" "Compensation paid, in pounds (optional)" "For example, 50 or 12.50")}}
{{template "radios" (withOptions (field $d "sent_by" "How is the response sent?" "") sentByOptions)}}
{{else if eq .Name "escalate"}}{{template "select" (withOptions (field $d "reviewer" "Stage 2 reviewer" "A manager or the complaints team, never the Stage 1 handler.") .Reviewers)}}
{{template "textarea" (field $d "reason" "Why did the resident ask for a review?" "")}}
{{else if eq .Name "ombudsman"}}{{if .Decision}}<input type="hidden" name="step" value="decision">
{{template "radios" (withOptions (field $d "decision" "The Ombudsman's decision" "") decisionOptions)}}
{{template "date" (field $d "decided_on" "Date of the decision" "For example, 27 3 2027")}}
{{template "textarea" (field $d "remedy" "Remedy the Ombudsman asked for (optional)" "")}}
{{else}}{{template "radios" (withOptions (field $d "ombudsman" "Which Ombudsman?" "") ombudsmanOptions)}}
{{template "date" (field $d "referred_on" "Date of the referral" "For example, 27 3 2027")}}{{end}}
{{else if eq .Name "close"}}{{template "textarea" (field $d "note" "Closing note" "Why the case is closed: dealt with, withdrawn, or the last response sent.")}}
{{else if eq .Name "hold"}}<p>A case under legal hold is never destroyed, whatever its retention period, until the hold is released.</p>
{{template "textarea" (field $d "reason" "Reason for the hold" "")}}
{{else if eq .Name "release"}}<p>Releasing the hold starts the retention period again from the closure: a case past it is destroyed at once.</p>
{{template "textarea" (field $d "reason" "Reason for releasing the hold" "")}}{{end}}
<button type="submit">{{if eq .Name "reply"}}Send the reply{{else}}{{.Title}}{{end}}</button>
</form>{{end}}{{end}}`)

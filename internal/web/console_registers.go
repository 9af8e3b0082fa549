package web

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/council/intake/internal/feedback"
)

// The complaints team's two registers in the console: the restrictions register (the register,
// a restriction made, and each restriction's page with its review) and the staff-safety list
// (the list, and a person added to it). The same domain operations as the API's
// /v1/restrictions and /v1/markers; the domain refuses everyone but admins.

// registerView is what the register's pages show, beside consoleView.
type registerView struct {
	Rows     []restrictionRow
	One      *restrictionRow
	Types    []option
	Officers []option
	// Checked are the restriction options ticked in the form shown.
	Checked map[string]bool
}

// restrictionRow is a restriction as the console shows it.
type restrictionRow struct {
	ID, Contacts, Types, Scope, Topic, PhoneTimes, NamedOfficer, Reason string
	DecidedBy, DecidedOn, ReviewBy, Status                              string
	Active, ReviewDue                                                   bool
	History, Letters                                                    []entry
}

// restrictionFields are the make form's fields; an error about "contact" is about the box of
// identities.
var restrictionFields = []string{"contact", "topic", "phone_times", "named_officer", "scope", "reason", "decided_by",
	"decided_on-day", "decided_on-month", "decided_on-year"}

func (c *Console) registerRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /officer/restrictions", c.signedIn(c.register))
	mux.HandleFunc("POST /officer/restrictions", c.signedIn(c.restrict))
	mux.HandleFunc("GET /officer/restrictions/{id}", c.signedIn(c.restrictionPage))
	mux.HandleFunc("POST /officer/restrictions/{id}/review", c.signedIn(c.reviewRestriction))
}

func (c *Console) registerView(r *http.Request, title string) consoleView {
	d := c.view(r, title)
	d.CSRF = c.SignIn.CSRF(sessionOf(r).Token)
	d.Register = &registerView{Checked: map[string]bool{}}
	for _, t := range feedback.RestrictionTypes {
		d.Register.Types = append(d.Register.Types, option{Value: string(t), Label: t.Label()})
	}
	for _, m := range c.Service.Staff {
		d.Register.Officers = append(d.Register.Officers, option{Value: m.Email, Label: m.Email})
	}
	sort.Slice(d.Register.Officers, func(i, j int) bool { return d.Register.Officers[i].Value < d.Register.Officers[j].Value })
	return d
}

// rowOf shows a restriction; today (the council's date) tells a review that is due.
func (c *Console) rowOf(x *feedback.Restriction, today time.Time) restrictionRow {
	var types []string
	for _, t := range x.Types {
		types = append(types, t.Label())
	}
	row := restrictionRow{ID: x.ID, Contacts: strings.Join(x.Contacts, ", "), Types: strings.Join(types, "; "),
		Scope: "All their contact", Topic: x.Topic, PhoneTimes: x.PhoneTimes, NamedOfficer: x.NamedOfficer, Reason: x.Reason,
		DecidedBy: x.DecidedBy, DecidedOn: shortDate(x.DecidedOn), ReviewBy: shortDate(x.ReviewBy),
		Status: "In force", Active: x.Status == feedback.RestrictionActive}
	if len(x.Scope) > 0 {
		row.Scope = "Cases " + strings.Join(x.Scope, ", ")
	}
	if !row.Active {
		row.Status = "Lifted on " + shortDate(x.LiftedOn)
	}
	row.ReviewDue = row.Active && !x.ReviewBy.After(today)
	loc := c.Service.Calendar.Location()
	for _, e := range x.History {
		row.History = append(row.History, entry{When: e.At.In(loc).Format("2 Jan 2006 15:04"), Who: e.By, What: e.Action, Detail: e.Detail, Reason: e.Reason})
	}
	for _, l := range x.Letters {
		state := string(x.Effects[feedback.LetterEffect(l.Name)].State)
		if state == "" {
			state = "pending"
		}
		row.Letters = append(row.Letters, entry{When: l.At.In(loc).Format("2 Jan 2006 15:04"), What: l.Subject, Who: l.To, Detail: state})
	}
	return row
}

// findRestriction reads the register as who (so that only admins may) and picks one.
func (c *Console) findRestriction(r *http.Request, who feedback.StaffMember, id string) (*feedback.Restriction, error) {
	all, err := c.Service.ListRestrictions(r.Context(), who)
	if err != nil {
		return nil, err
	}
	for _, x := range all {
		if x.ID == id {
			return x, nil
		}
	}
	return nil, feedback.Errorf(feedback.ENOTFOUND, "There is no restriction %s.", id)
}

const notAdmin = "Only the complaints team can see and decide restrictions."

// register lists the register, restrictions due for review first, and offers the make form.
func (c *Console) register(w http.ResponseWriter, r *http.Request) {
	c.showRegister(w, r, http.StatusOK, nil)
}

func (c *Console) showRegister(w http.ResponseWriter, r *http.Request, status int, d *consoleView) {
	who := sessionOf(r).Staff
	all, err := c.Service.ListRestrictions(r.Context(), who)
	switch {
	case feedback.ErrorCode(err) == feedback.EFORBIDDEN:
		c.forbidden(w, r, notAdmin)
		return
	case err != nil:
		c.fail(w, r, err)
		return
	}
	if d == nil {
		v := c.registerView(r, "Restrictions register")
		d = &v
	}
	today := c.Service.Calendar.Date(c.Service.Clock.Now())
	for _, x := range all {
		d.Register.Rows = append(d.Register.Rows, c.rowOf(x, today))
	}
	sort.SliceStable(d.Register.Rows, func(i, j int) bool {
		a, b := d.Register.Rows[i], d.Register.Rows[j]
		return a.Active && !b.Active || a.Active == b.Active && a.ReviewDue && !b.ReviewDue
	})
	c.render(w, status, registerPage, *d)
}

// restrict makes a restriction from the form; a refusal shows the form again with what was
// typed and the problems.
func (c *Console) restrict(w http.ResponseWriter, r *http.Request) {
	sess, ok := c.posted(w, r, MaxBodyBytes)
	if !ok {
		return
	}
	f := r.PostFormValue
	n := feedback.NewRestriction{Contacts: lines(f("contact")), Topic: f("topic"), PhoneTimes: f("phone_times"),
		Reason: f("reason"), DecidedBy: strings.TrimSpace(f("decided_by")), NamedOfficer: f("named_officer"), Scope: lines(f("scope"))}
	n.Types = postedTypes(r)
	var err error
	n.DecidedOn, err = c.postedDate(r, "decided_on", "the date of the decision")
	var x *feedback.Restriction
	if err == nil {
		x, err = c.Service.Restrict(r.Context(), sess.Staff, n)
	}
	switch code := feedback.ErrorCode(err); code {
	case "":
	case feedback.EFORBIDDEN:
		c.forbidden(w, r, notAdmin)
		return
	case feedback.EINVALID:
		d := c.registerView(r, "Restrictions register")
		for _, name := range restrictionFields {
			d.Values[name] = f(name)
		}
		for _, t := range n.Types {
			d.Register.Checked[string(t)] = true
		}
		c.fieldErrors(&d, err)
		d.dateErrorsOnDay("decided_on")
		c.showRegister(w, r, http.StatusUnprocessableEntity, &d)
		return
	default:
		c.fail(w, r, err)
		return
	}
	c.decided(w, r, x.ID, "made")
}

// fieldErrors puts a domain refusal's field errors on the form, each field once.
func (c *Console) fieldErrors(d *consoleView, err error) {
	d.FieldErrs = map[string]string{}
	fields := feedback.ErrorFields(err)
	if len(fields) == 0 {
		d.Message = feedback.ErrorMessage(err)
	}
	for _, fe := range fields {
		if _, known := d.FieldErrs[fe.Field]; !known {
			d.FieldErrs[fe.Field] = fe.Message
			d.Errors = append(d.Errors, fe)
		}
	}
}

// postedDate reads the posted GOV.UK date input field (field-day, field-month, field-year), a
// day in the council's time zone, with the one date parser; what names the date in messages.
// Three empty boxes are no date (the zero time: the domain's default); a mistake is refused
// against field, which the page shows on the date's first box (dateErrorsOnDay).
func (c *Console) postedDate(r *http.Request, field, what string) (time.Time, error) {
	day, month, year := r.PostFormValue(field+"-day"), r.PostFormValue(field+"-month"), r.PostFormValue(field+"-year")
	day, month, year = strings.TrimSpace(day), strings.TrimSpace(month), strings.TrimSpace(year)
	if day == "" && month == "" && year == "" {
		return time.Time{}, nil
	}
	t, msg := civilDate(day, month, year, what, c.Service.Calendar.Location())
	if msg != "" {
		return time.Time{}, fieldError(field, msg)
	}
	return t, nil
}

// joinFieldErrors is one refusal naming the fields of every error in errs, or nil if none.
func joinFieldErrors(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	var fields []feedback.FieldError
	for _, err := range errs {
		fields = append(fields, feedback.ErrorFields(err)...)
	}
	return &feedback.Error{Code: feedback.EINVALID, Message: fields[0].Message, Fields: fields}
}

// postedTypes are the restriction options ticked in a posted form.
func postedTypes(r *http.Request) []feedback.RestrictionType {
	var out []feedback.RestrictionType
	for _, t := range r.PostForm["types"] {
		out = append(out, feedback.RestrictionType(t))
	}
	return out
}

// lines splits a box of one value per line (or separated by commas), dropping blank ones.
func lines(s string) []string {
	var out []string
	for _, v := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == ',' }) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// decided shows the restriction's page after a decision on it (done says which). Where the
// console is told to (locally), the restriction's letter and review reminders are done first;
// in AWS the sweep does them.
func (c *Console) decided(w http.ResponseWriter, r *http.Request, id, done string) {
	if c.AfterCommit != nil {
		if err := c.Service.ProcessRestriction(r.Context(), id); err != nil {
			c.log().ErrorContext(r.Context(), "restriction side effects failed; the sweep will retry", "id", id, "err", err)
		}
	}
	http.Redirect(w, r, "/officer/restrictions/"+url.PathEscape(id)+"?done="+done, http.StatusSeeOther)
}

func (c *Console) restrictionPage(w http.ResponseWriter, r *http.Request) {
	c.showRestriction(w, r, http.StatusOK, nil)
}

func (c *Console) showRestriction(w http.ResponseWriter, r *http.Request, status int, d *consoleView) {
	x, err := c.findRestriction(r, sessionOf(r).Staff, r.PathValue("id"))
	switch feedback.ErrorCode(err) {
	case "":
	case feedback.EFORBIDDEN:
		c.forbidden(w, r, notAdmin)
		return
	case feedback.ENOTFOUND:
		c.notFound(w, r, err)
		return
	default:
		c.fail(w, r, err)
		return
	}
	if d == nil {
		v := c.registerView(r, "Restriction "+x.ID)
		d = &v
		for _, t := range x.Types {
			d.Register.Checked[string(t)] = true
		}
	}
	row := c.rowOf(x, c.Service.Calendar.Date(c.Service.Clock.Now()))
	d.Register.One = &row
	switch r.URL.Query().Get("done") {
	case "made":
		d.Done = "Restriction " + x.ID + " is made. The letter telling the person is on its way; the review is due by " + row.ReviewBy + "."
	case "reviewed":
		d.Done = "The review is recorded, and the person is written to."
	}
	c.render(w, status, restrictionPage, *d)
}

func (c *Console) reviewRestriction(w http.ResponseWriter, r *http.Request) {
	sess, ok := c.posted(w, r, MaxBodyBytes)
	if !ok {
		return
	}
	id := r.PathValue("id")
	types := postedTypes(r)
	decision := r.PostFormValue("decision")
	if decision != feedback.ReviewVary {
		types = nil // the boxes show the restriction as it is; only a variation changes them
	}
	x, err := c.Service.ReviewRestriction(r.Context(), sess.Staff, id, decision, r.PostFormValue("notes"), types)
	switch code := feedback.ErrorCode(err); code {
	case "":
	case feedback.EFORBIDDEN:
		c.forbidden(w, r, notAdmin)
		return
	case feedback.ENOTFOUND:
		c.notFound(w, r, err)
		return
	case feedback.EINVALID, feedback.ECONFLICT:
		d := c.registerView(r, "Restriction "+id)
		d.Values["decision"], d.Values["notes"] = decision, r.PostFormValue("notes")
		for _, t := range r.PostForm["types"] {
			d.Register.Checked[t] = true
		}
		c.fieldErrors(&d, err)
		status := http.StatusUnprocessableEntity
		if code == feedback.ECONFLICT {
			status = http.StatusConflict
		}
		c.showRestriction(w, r, status, &d)
		return
	default:
		c.fail(w, r, err)
		return
	}
	c.decided(w, r, x.ID, "reviewed")
}

// IsChecked is the template's test of a ticked option.
func (v *registerView) IsChecked(value string) bool { return v != nil && v.Checked[value] }

// The fields both registers' forms ask; a page using them defines $v (the values typed) and $e
// (the errors by field).
const (
	personField = `<div class="group{{if index $e "contact"}} error{{end}}"><label for="contact">The person: their email addresses, telephone numbers or platform:handle, one a line</label>
{{with index $e "contact"}}<span class="msg" id="contact-error">{{.}}</span>{{end}}
<textarea id="contact" name="contact" rows="3" spellcheck="false"{{if index $e "contact"}} aria-describedby="contact-error"{{end}}>{{index $v "contact"}}</textarea></div>
`
	decisionFields = `<div class="group{{if index $e "decided_by"}} error{{end}}"><label for="decided_by">Decided by (a member of staff; leave empty for you)</label>
{{with index $e "decided_by"}}<span class="msg" id="decided_by-error">{{.}}</span>{{end}}
<input type="email" id="decided_by" name="decided_by" spellcheck="false"{{if index $e "decided_by"}} aria-describedby="decided_by-error"{{end}} value="{{index $v "decided_by"}}"></div>
{{template "date" (field $ "decided_on" "Decided on" "Leave empty for today. For example, 4 1 2027")}}
`
)

var registerPage = consolePage("restrictions", `
`+errorSummary+`<p><a href="/officer">Back to my cases</a></p>
<h1>Restrictions register</h1>
<p>Restrictions on contact with unreasonably persistent complainants. A restriction never stops a message being taken in: it routes, flags and, if it says so, leaves it unacknowledged. Each is reviewed at least every six months, and the person is written to at each decision.</p>
{{with .Register}}{{if .Rows}}<table aria-label="Restrictions">
<thead><tr><th scope="col">Restriction</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Covers</th><th scope="col">Review by</th><th scope="col">Status</th></tr></thead>
<tbody>{{range .Rows}}<tr{{if .ReviewDue}} class="overdue"{{end}}><td><a href="/officer/restrictions/{{.ID}}">{{.ID}}</a></td><td>{{.Contacts}}</td><td>{{.Types}}</td><td>{{.Scope}}</td>
<td>{{if .Active}}{{.ReviewBy}}{{if .ReviewDue}} <strong class="tag">Review due</strong>{{end}}{{end}}</td><td>{{.Status}}</td></tr>{{end}}</tbody>
</table>{{else}}<p>No restrictions are in the register.</p>{{end}}{{end}}

<h2>Make a restriction</h2>
<p>Record a decision already taken under the policy (proposed by the service's director, ratified by the leadership team).</p>
<form method="post" action="/officer/restrictions" novalidate class="action">
<input type="hidden" name="csrf" value="{{.CSRF}}">
{{$v := .Values}}{{$e := .FieldErrs}}{{$reg := .Register}}
`+personField+`<div class="group{{if index $e "types"}} error{{end}}"><fieldset id="types"{{if index $e "types"}} aria-describedby="types-error"{{end}}><legend>What is restricted</legend>
{{with index $e "types"}}<span class="msg" id="types-error">{{.}}</span>{{end}}
{{range $reg.Types}}<div class="radio"><input type="checkbox" id="types-{{.Value}}" name="types" value="{{.Value}}"{{if $reg.IsChecked .Value}} checked{{end}}><label for="types-{{.Value}}">{{.Label}}</label></div>{{end}}</fieldset></div>
<div class="group{{if index $e "named_officer"}} error{{end}}"><label for="named_officer">Named officer (for contact through one officer only)</label>
{{with index $e "named_officer"}}<span class="msg" id="named_officer-error">{{.}}</span>{{end}}
<select id="named_officer" name="named_officer"{{if index $e "named_officer"}} aria-describedby="named_officer-error"{{end}}><option value="">None</option>{{range $reg.Officers}}<option value="{{.Value}}"{{if eq (index $v "named_officer") .Value}} selected{{end}}>{{.Label}}</option>{{end}}</select></div>
<div class="group{{if index $e "topic"}} error{{end}}"><label for="topic">Topic (optional: further contact about it is not acknowledged)</label>
{{with index $e "topic"}}<span class="msg" id="topic-error">{{.}}</span>{{end}}
<input type="text" id="topic" name="topic"{{if index $e "topic"}} aria-describedby="topic-error"{{end}} value="{{index $v "topic"}}"></div>
<div class="group{{if index $e "phone_times"}} error{{end}}"><label for="phone_times">Telephone times (for calls at set times only)</label>
{{with index $e "phone_times"}}<span class="msg" id="phone_times-error">{{.}}</span>{{end}}
<input type="text" id="phone_times" name="phone_times"{{if index $e "phone_times"}} aria-describedby="phone_times-error"{{end}} value="{{index $v "phone_times"}}"></div>
<div class="group{{if index $e "scope"}} error{{end}}"><label for="scope">Cases it covers (references, one a line; leave empty for all their contact)</label>
{{with index $e "scope"}}<span class="msg" id="scope-error">{{.}}</span>{{end}}
<textarea id="scope" name="scope" rows="2" spellcheck="false"{{if index $e "scope"}} aria-describedby="scope-error"{{end}}>{{index $v "scope"}}</textarea></div>
<div class="group{{if index $e "reason"}} error{{end}}"><label for="reason">Reason</label>
{{with index $e "reason"}}<span class="msg" id="reason-error">{{.}}</span>{{end}}
<textarea id="reason" name="reason" rows="3"{{if index $e "reason"}} aria-describedby="reason-error"{{end}}>{{index $v "reason"}}</textarea></div>
`+decisionFields+`<button type="submit">Make the restriction</button>
</form>`)

var restrictionPage = consolePage("restriction", `
<p><a href="/officer/restrictions">Back to the register</a></p>
{{if .Done}}<div class="notice" role="status"><p>{{.Done}}</p></div>{{end}}
{{if or .Errors .Message}}<div class="summary" role="alert" aria-labelledby="summary-title" tabindex="-1" id="error-summary">
<h2 id="summary-title">There is a problem</h2>
{{if .Message}}<p>{{.Message}}</p>{{end}}
<ul>{{range .Errors}}<li><a href="#{{.Field}}">{{.Message}}</a></li>{{end}}</ul>
</div>{{end}}
{{$reg := .Register}}{{with .Register.One}}
<h1>Restriction {{.ID}}{{if .ReviewDue}} <strong class="tag">Review due</strong>{{end}}</h1>
<dl class="summary-list">
<dt>Status</dt><dd>{{.Status}}</dd>
<dt>The person</dt><dd>{{.Contacts}}</dd>
<dt>What is restricted</dt><dd>{{.Types}}</dd>
{{if .NamedOfficer}}<dt>Named officer</dt><dd>{{.NamedOfficer}}</dd>{{end}}
{{if .Topic}}<dt>Topic</dt><dd>{{.Topic}}</dd>{{end}}
{{if .PhoneTimes}}<dt>Telephone times</dt><dd>{{.PhoneTimes}}</dd>{{end}}
<dt>Covers</dt><dd>{{.Scope}}</dd>
<dt>Reason</dt><dd>{{.Reason}}</dd>
<dt>Decided</dt><dd>by {{.DecidedBy}} on {{.DecidedOn}}</dd>
{{if .Active}}<dt>Review by</dt><dd>{{.ReviewBy}}</dd>{{end}}
</dl>
<h2>Letters to the person</h2>
{{if .Letters}}<table><thead><tr><th scope="col">When</th><th scope="col">Letter</th><th scope="col">To</th><th scope="col">Sent</th></tr></thead>
<tbody>{{range .Letters}}<tr><td>{{.When}}</td><td>{{.What}}</td><td>{{or .Who "By post"}}</td><td>{{.Detail}}</td></tr>{{end}}</tbody></table>{{else}}<p>None.</p>{{end}}
<h2>Decisions</h2>
<table><thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Why</th></tr></thead>
<tbody>{{range .History}}<tr><td>{{.When}}</td><td>{{.Who}}</td><td>{{.What}}{{if .Detail}}: {{.Detail}}{{end}}</td><td>{{.Reason}}</td></tr>{{end}}</tbody></table>
{{if .Active}}<form method="post" action="/officer/restrictions/{{.ID}}/review" novalidate class="action">
<input type="hidden" name="csrf" value="{{$.CSRF}}">
<h2>Review</h2>
{{$v := $.Values}}{{$e := $.FieldErrs}}
<div class="group{{if index $e "decision"}} error{{end}}"><fieldset id="decision"{{if index $e "decision"}} aria-describedby="decision-error"{{end}}><legend>Decision</legend>
{{with index $e "decision"}}<span class="msg" id="decision-error">{{.}}</span>{{end}}
<div class="radio"><input type="radio" id="decision-continue" name="decision" value="continue"{{if eq (index $v "decision") "continue"}} checked{{end}}><label for="decision-continue">Continue as it is</label></div>
<div class="radio"><input type="radio" id="decision-vary" name="decision" value="vary"{{if eq (index $v "decision") "vary"}} checked{{end}}><label for="decision-vary">Vary: restrict what is ticked below</label></div>
<div class="radio"><input type="radio" id="decision-lift" name="decision" value="lift"{{if eq (index $v "decision") "lift"}} checked{{end}}><label for="decision-lift">Lift</label></div></fieldset></div>
<div class="group{{if index $e "types"}} error{{end}}"><fieldset id="types"{{if index $e "types"}} aria-describedby="types-error"{{end}}><legend>What is restricted (for a variation)</legend>
{{with index $e "types"}}<span class="msg" id="types-error">{{.}}</span>{{end}}
{{range $reg.Types}}<div class="radio"><input type="checkbox" id="types-{{.Value}}" name="types" value="{{.Value}}"{{if $reg.IsChecked .Value}} checked{{end}}><label for="types-{{.Value}}">{{.Label}}</label></div>{{end}}</fieldset></div>
<div class="group{{if index $e "notes"}} error{{end}}"><label for="notes">Notes of the review</label>
{{with index $e "notes"}}<span class="msg" id="notes-error">{{.}}</span>{{end}}
<textarea id="notes" name="notes" rows="3"{{if index $e "notes"}} aria-describedby="notes-error"{{end}}>{{index $v "notes"}}</textarea></div>
<button type="submit">Record the review</button>
</form>{{end}}{{end}}`)

// ---- the staff-safety list ---------------------------------------------------------------

// markerFields are the staff-safety form's fields.
var markerFields = []string{"contact", "reason", "decided_by", "decided_on-day", "decided_on-month", "decided_on-year",
	"told_on-day", "told_on-month", "told_on-year"}

func (c *Console) markerRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /officer/markers", c.signedIn(c.markers))
	mux.HandleFunc("POST /officer/markers", c.signedIn(c.mark))
	mux.HandleFunc("POST /officer/markers/{id}/told", c.signedIn(c.markerTold))
}

func (c *Console) markers(w http.ResponseWriter, r *http.Request) {
	d := c.view(r, "Staff-safety list")
	d.CSRF = c.SignIn.CSRF(sessionOf(r).Token)
	switch r.URL.Query().Get("done") {
	case "":
	case "told":
		d.Done = "The day the person was told is recorded."
	default:
		d.Done = "The person is on the staff-safety list: their cases show it to everyone who opens them."
	}
	c.showMarkers(w, r, http.StatusOK, d)
}

func (c *Console) showMarkers(w http.ResponseWriter, r *http.Request, status int, d consoleView) {
	ms, err := c.Service.ListMarkers(r.Context(), sessionOf(r).Staff)
	switch {
	case feedback.ErrorCode(err) == feedback.EFORBIDDEN:
		c.forbidden(w, r, "Only the complaints team can see and add to the staff-safety list.")
		return
	case err != nil:
		c.fail(w, r, err)
		return
	}
	for _, m := range ms {
		told := "" // not yet: the page offers the form to record it
		if !m.ToldOn.IsZero() {
			told = "Told on " + shortDate(m.ToldOn)
		}
		d.Markers = append(d.Markers, entry{What: m.ID, Subject: strings.Join(m.Contacts, ", "), Detail: m.Reason,
			Who: m.DecidedBy, When: shortDate(m.DecidedOn), Reason: told, Text: shortDate(m.ExpiresAt)})
	}
	c.render(w, status, markersPage, d)
}

func (c *Console) mark(w http.ResponseWriter, r *http.Request) {
	sess, ok := c.posted(w, r, MaxBodyBytes)
	if !ok {
		return
	}
	f := r.PostFormValue
	n := feedback.NewMarker{Contacts: lines(f("contact")), Reason: f("reason"), DecidedBy: strings.TrimSpace(f("decided_by"))}
	var errs []error
	for _, d := range []struct {
		field, what string
		into        *time.Time
	}{{"decided_on", "the date of the decision", &n.DecidedOn}, {"told_on", "the date the person was told", &n.ToldOn}} {
		var err error
		if *d.into, err = c.postedDate(r, d.field, d.what); err != nil {
			errs = append(errs, err)
		}
	}
	err := joinFieldErrors(errs)
	if err == nil {
		_, err = c.Service.Mark(r.Context(), sess.Staff, n)
	}
	switch feedback.ErrorCode(err) {
	case "":
	case feedback.EFORBIDDEN:
		c.forbidden(w, r, "Only the complaints team can see and add to the staff-safety list.")
		return
	case feedback.EINVALID:
		d := c.view(r, "Staff-safety list")
		d.CSRF = c.SignIn.CSRF(sess.Token)
		for _, name := range markerFields {
			d.Values[name] = f(name)
		}
		c.fieldErrors(&d, err)
		d.dateErrorsOnDay("decided_on", "told_on")
		c.showMarkers(w, r, http.StatusUnprocessableEntity, d)
		return
	default:
		c.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/officer/markers?done=marked", http.StatusSeeOther)
}

// markerTold records the day the person was told in writing, from the form in the list's row.
func (c *Console) markerTold(w http.ResponseWriter, r *http.Request) {
	sess, ok := c.posted(w, r, MaxBodyBytes)
	if !ok {
		return
	}
	id := r.PathValue("id")
	// Each row's form has its own date input, named after the entry.
	box := "told-" + id
	told, err := c.postedDate(r, box, "the date the person was told")
	if err == nil {
		_, err = c.Service.RecordMarkerTold(r.Context(), sess.Staff, id, told)
	}
	switch code := feedback.ErrorCode(err); code {
	case "":
	case feedback.EFORBIDDEN:
		c.forbidden(w, r, "Only the complaints team can see and add to the staff-safety list.")
		return
	case feedback.EINVALID, feedback.ECONFLICT:
		// The error names the row's own date box, not the add form's.
		d := c.view(r, "Staff-safety list")
		d.CSRF = c.SignIn.CSRF(sess.Token)
		d.Errors = []feedback.FieldError{{Field: box, Message: feedback.ErrorMessage(err)}}
		d.FieldErrs = map[string]string{box: feedback.ErrorMessage(err)}
		d.dateErrorsOnDay(box)
		for _, part := range []string{"-day", "-month", "-year"} {
			d.Values[box+part] = r.PostFormValue(box + part)
		}
		status := http.StatusUnprocessableEntity
		if code == feedback.ECONFLICT {
			status = http.StatusConflict
		}
		c.showMarkers(w, r, status, d)
		return
	default:
		c.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/officer/markers?done=told", http.StatusSeeOther)
}

var markersPage = consolePage("markers", `
`+errorSummary+`<p><a href="/officer">Back to my cases</a></p>
{{if .Done}}<div class="notice" role="status"><p>{{.Done}}</p></div>{{end}}
<h1>Staff-safety list</h1>
<p>People who are a risk to staff. Every case they send shows it, with the reason, to whoever opens the case. An entry lasts for its retention period and is then destroyed.</p>
{{if .Markers}}<table aria-label="Staff-safety list">
<thead><tr><th scope="col">Entry</th><th scope="col">Who</th><th scope="col">Why</th><th scope="col">Decided</th><th scope="col">The person told</th><th scope="col">Kept until</th></tr></thead>
<tbody>{{range .Markers}}<tr><td>{{.What}}</td><td>{{.Subject}}</td><td>{{.Detail}}</td><td>by {{.Who}} on {{.When}}</td><td>{{if .Reason}}{{.Reason}}{{else}}Not yet told
<form method="post" action="/officer/markers/{{.What}}/told" novalidate>
<input type="hidden" name="csrf" value="{{$.CSRF}}">
{{template "date" (field $ (printf "told-%s" .What) "Told in writing on" "Leave empty for today")}}
<button type="submit">Record</button>
</form>{{end}}</td><td>{{.Text}}</td></tr>{{end}}</tbody>
</table>{{else}}<p>No one is on the list.</p>{{end}}
<h2>Add a person</h2>
<form method="post" action="/officer/markers" novalidate class="action">
<input type="hidden" name="csrf" value="{{.CSRF}}">
{{$v := .Values}}{{$e := .FieldErrs}}
`+personField+`<div class="group{{if index $e "reason"}} error{{end}}"><label for="reason">Reason (shown with their cases: say what staff must know, no more)</label>
{{with index $e "reason"}}<span class="msg" id="reason-error">{{.}}</span>{{end}}
<textarea id="reason" name="reason" rows="3"{{if index $e "reason"}} aria-describedby="reason-error"{{end}}>{{index $v "reason"}}</textarea></div>
`+decisionFields+`{{template "date" (field $ "told_on" "The person was told in writing on" "Leave empty if not yet. For example, 4 1 2027")}}
<button type="submit">Add to the list</button>
</form>`)

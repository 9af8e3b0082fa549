package web

import (
	"net/http"

	"github.com/council/intake/internal/feedback"
)

// Residents' rights in the console, for the complaints team: subject access (find a person,
// see what is held, download the export) and erasure (refused while the council must keep the
// data, unless an override reason is given). The same domain operations as the API's
// /v1/contacts. The person's address travels only in posted forms, never in an address that a
// log could keep.

// rightsView is what the residents' rights page shows.
type rightsView struct {
	Contact string
	Person  *feedback.PersonData
	Cases   []rightsCase
	Erased  []string
}

// rightsCase is one case held about the person.
type rightsCase struct {
	Ref, Kind, Received, Status, Kept string
}

func (c *Console) rightsRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /officer/rights", c.signedIn(c.rightsForm))
	mux.HandleFunc("POST /officer/rights", c.signedIn(c.findPerson))
	mux.HandleFunc("POST /officer/rights/export", c.signedIn(c.exportPerson))
	mux.HandleFunc("POST /officer/rights/erase", c.signedIn(c.erasePerson))
}

func (c *Console) rightsView(r *http.Request) consoleView {
	d := c.view(r, "Residents' rights")
	d.CSRF = c.SignIn.CSRF(sessionOf(r).Token)
	d.Rights = &rightsView{}
	return d
}

func (c *Console) rightsForm(w http.ResponseWriter, r *http.Request) {
	if sessionOf(r).Staff.Role != feedback.RoleAdmin {
		c.forbidden(w, r, "Only the complaints team answers subject access and erasure requests.")
		return
	}
	c.render(w, http.StatusOK, rightsPage, c.rightsView(r))
}

// person finds what is held about the person the posted form names, and shows it; a mistake
// or a refusal is shown on the page with status, and ok is false.
func (c *Console) person(w http.ResponseWriter, r *http.Request, d *consoleView) (*feedback.PersonData, bool) {
	sess, ok := c.posted(w, r, 16<<10)
	if !ok {
		return nil, false
	}
	d.Rights.Contact = r.PostFormValue("contact")
	d.Values["contact"] = d.Rights.Contact
	p, err := c.Service.PersonData(r.Context(), sess.Staff, d.Rights.Contact)
	switch code := feedback.ErrorCode(err); code {
	case "":
	case feedback.EINVALID:
		d.FieldErrs = map[string]string{"contact": "Enter the person's email address, telephone number or social handle"}
		d.Errors = []feedback.FieldError{{Field: "contact", Message: d.FieldErrs["contact"]}}
		c.render(w, http.StatusUnprocessableEntity, rightsPage, *d)
		return nil, false
	case feedback.EFORBIDDEN:
		c.forbidden(w, r, feedback.ErrorMessage(err))
		return nil, false
	default:
		c.fail(w, r, err)
		return nil, false
	}
	d.Rights.Person = p
	loc := c.Service.Calendar.Location()
	for _, k := range p.Cases {
		row := rightsCase{Ref: k.Ref, Kind: kindLabel(k.Kind), Received: shortDate(k.ReceivedAt.In(loc)), Status: "Open", Kept: "While open"}
		switch {
		case k.Hold != nil:
			row.Status, row.Kept = "Closed", "Under legal hold"
		case k.Status == feedback.StatusClosed:
			row.Status, row.Kept = "Closed", "Until "+feedback.LongDate(k.ExpiresAt.In(loc))
		}
		d.Rights.Cases = append(d.Rights.Cases, row)
	}
	return p, true
}

func (c *Console) findPerson(w http.ResponseWriter, r *http.Request) {
	d := c.rightsView(r)
	if _, ok := c.person(w, r, &d); ok {
		c.render(w, http.StatusOK, rightsPage, d)
	}
}

// exportPerson downloads the subject access export, the same ZIP as the API's.
func (c *Console) exportPerson(w http.ResponseWriter, r *http.Request) {
	d := c.rightsView(r)
	p, ok := c.person(w, r, &d)
	if !ok {
		return
	}
	z, err := subjectAccessZip(p)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	writeJSON(w, http.StatusOK, z)
}

// erasePerson erases the person's cases, or shows why it cannot, keeping the reason typed.
func (c *Console) erasePerson(w http.ResponseWriter, r *http.Request) {
	d := c.rightsView(r)
	if _, ok := c.person(w, r, &d); !ok {
		return
	}
	override := r.PostFormValue("override_reason")
	d.Values["override_reason"] = override
	out, err := c.Service.Erase(r.Context(), sessionOf(r).Staff, d.Rights.Contact, override)
	switch code := feedback.ErrorCode(err); code {
	case "":
		d.Rights.Person, d.Rights.Cases, d.Rights.Erased = nil, nil, out.Erased
		if d.Rights.Erased == nil {
			d.Rights.Erased = []string{}
		}
		d.Done = "The person's data has been erased."
		c.render(w, http.StatusOK, rightsPage, d)
	case feedback.ECONFLICT, feedback.EINVALID:
		c.fieldErrors(&d, err)
		if len(d.Errors) == 0 {
			// A refusal is about the cases; an override reason is what may lift it.
			d.FieldErrs["override_reason"] = feedback.ErrorMessage(err)
			d.Errors = []feedback.FieldError{{Field: "override_reason", Message: feedback.ErrorMessage(err)}}
			d.Message = ""
		}
		c.render(w, Status(err), rightsPage, d)
	default:
		c.fail(w, r, err)
	}
}

var rightsPage = consolePage("rights", `
{{if .Done}}<div class="notice" role="status"><p>{{.Done}}</p></div>{{end}}
{{if .Errors}}<div class="summary" role="alert" aria-labelledby="summary-title" tabindex="-1" id="error-summary">
<h2 id="summary-title">There is a problem</h2>
<ul>{{range .Errors}}<li><a href="#{{.Field}}">{{.Message}}</a></li>{{end}}</ul>
</div>{{end}}
<h1>Residents' rights</h1>
<p>Answer a subject access request (what we hold about a person) or an erasure request. Find the person by any of the ways they contacted us.</p>
<form method="post" action="/officer/rights" novalidate>
<input type="hidden" name="csrf" value="{{.CSRF}}">
{{template "input" (field . "contact" "Email address, telephone number or social handle" "For example, ada@example.com, 01632 960001 or x:ada_resident")}}
<button type="submit">Find what we hold</button>
</form>
{{with .Rights}}{{if .Erased}}<h2>Erased</h2><p>{{len .Erased}} case{{if ne (len .Erased) 1}}s{{end}} erased: {{range $i, $r := .Erased}}{{if $i}}, {{end}}{{$r}}{{end}}. Each is in the destruction log.</p>{{end}}
{{with .Person}}<h2>What we hold</h2>
<p>Found through: {{range $i, $v := .Identities}}{{if $i}}, {{end}}{{$v}}{{end}}.</p>
<h3>Cases ({{len .Cases}})</h3>
{{if $.Rights.Cases}}<ul>{{range $.Rights.Cases}}<li><a href="/officer/cases/{{.Ref}}" class="nowrap">{{.Ref}}</a>: {{.Kind}}, received {{.Received}}, {{.Status}}; kept {{.Kept}}</li>{{end}}</ul>{{else}}<p>None.</p>{{end}}
<h3>Restrictions on contact ({{len .Restrictions}})</h3>
{{if .Restrictions}}<ul>{{range .Restrictions}}<li>{{.ID}}, decided {{.DecidedOn.Format "2 January 2006"}}</li>{{end}}</ul>{{else}}<p>None.</p>{{end}}
<h3>Staff-safety markers ({{len .Markers}})</h3>
{{if .Markers}}<ul>{{range .Markers}}<li>{{.ID}}, kept until {{.ExpiresAt.Format "2 January 2006"}}</li>{{end}}</ul>{{else}}<p>None.</p>{{end}}
<form method="post" action="/officer/rights/export" novalidate>
<input type="hidden" name="csrf" value="{{$.CSRF}}"><input type="hidden" name="contact" value="{{$.Rights.Contact}}">
<button type="submit">Download the export (ZIP)</button>
</form>
<h2>Erase this person's data</h2>
<p>Erasure is refused while any case is open or under legal hold, and while any is within its retention period unless you give a reason to erase it early. The reason is kept in the destruction log: do not name the person.</p>
<form method="post" action="/officer/rights/erase" novalidate>
<input type="hidden" name="csrf" value="{{$.CSRF}}"><input type="hidden" name="contact" value="{{$.Rights.Contact}}">
{{template "textarea" (field $ "override_reason" "Reason to erase before the retention period ends (optional)" "")}}
<button type="submit" class="warning">Erase the data</button>
</form>{{end}}{{end}}`)

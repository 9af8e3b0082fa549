package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/council/intake/internal/casesimport"
	"github.com/council/intake/internal/feedback"
)

// Imports of past cases in the background, from the console: an admin starts a job
// (casesimport.Start) with the file's encoding and whether to import only the good rows; the
// job's page then asks for the file, which goes straight to S3 in AWS (a presigned form, so no
// request carries it through a function) or to the runner locally; from then on the same page
// shows the job's progress (reloading itself every five seconds, when asked to, until the import has finished),
// and then what it did and the file's problems by line and column. No JavaScript.

// Imports is where the console's imports in the background are kept and their files go.
type Imports struct {
	Jobs feedback.ImportJobStore
	// Presign, when set (in AWS), returns the form that uploads a file straight to storage as
	// key, sending the browser to redirect afterwards; the upload starts the import there.
	Presign func(ctx context.Context, key, redirect string) (UploadForm, error)
	// Accept, used when Presign is nil (locally), takes job id's file, posted to the console:
	// it stores the file and imports it in the background.
	Accept func(ctx context.Context, id string, file []byte) error
}

// UploadForm is a form that uploads a file straight to storage: its action and hidden fields.
type UploadForm struct {
	URL    string
	Fields []UploadField
}

// UploadField is one hidden field of an UploadForm.
type UploadField struct{ Name, Value string }

// importJobView is what an import job's page shows.
type importJobView struct {
	Job *feedback.ImportJob
	// Upload is the presigned form, when the file goes straight to storage.
	Upload *UploadForm
	// Ask asks for the file; Uploaded says it has gone and the import is about to begin.
	Ask, Uploaded bool
	// Refresh reloads the page while the import has not finished; Self is the page's address
	// (the links that stop and restart the reloading add to it).
	Refresh bool
	Self    string
}

// registerImports mounts the background import's routes (when Imports is set).
func (c *Console) registerImports(mux *http.ServeMux) {
	mux.HandleFunc("POST /officer/import/start", c.signedIn(c.importStart))
	mux.HandleFunc("GET /officer/import/{id}", c.signedIn(c.importJobPage))
	mux.HandleFunc("POST /officer/import/{id}", c.signedIn(c.importReceive))
}

// importAdmin checks, before any work, that imports are on and who may import; false when it
// has answered.
func (c *Console) importAdmin(w http.ResponseWriter, r *http.Request) bool {
	if c.Imports == nil {
		c.notFound(w, r, nil)
		return false
	}
	if sessionOf(r).Staff.Role != feedback.RoleAdmin {
		c.forbidden(w, r, "Only the complaints team can import past cases.")
		return false
	}
	return true
}

const expiredForm = "This form has expired or did not come from the console. Go back, reload the page and try again."

// importStart answers POST /officer/import/start: it makes the job and sends the browser to
// its page, which asks for the file.
func (c *Console) importStart(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if !c.importAdmin(w, r) {
		return
	}
	sess := sessionOf(r)
	if err := r.ParseForm(); err != nil || !c.SignIn.CheckCSRF(sess.Token, r.PostFormValue(csrfField)) {
		c.forbidden(w, r, expiredForm)
		return
	}
	j, err := casesimport.Start(r.Context(), c.Service, c.Imports.Jobs, sess.Staff, r.PostFormValue("encoding"), r.PostFormValue("good_rows_only") == "yes")
	switch {
	case feedback.ErrorCode(err) == feedback.EINVALID:
		d := c.importView(r)
		d.Errors = []feedback.FieldError{{Field: "encoding", Message: feedback.ErrorMessage(err)}}
		c.render(w, http.StatusUnprocessableEntity, importStartPage, d)
		return
	case err != nil:
		c.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/officer/import/"+url.PathEscape(j.ID), http.StatusSeeOther)
}

// importView is the import pages' common view.
func (c *Console) importView(r *http.Request) consoleView {
	d := c.view(r, "Import past cases")
	d.CSRF = c.SignIn.CSRF(sessionOf(r).Token)
	d.Values["columns"] = strings.Join(casesimport.Columns, ", ")
	d.Values["max"] = fmt.Sprint(casesimport.MaxFileBytes >> 20)
	return d
}

// importJob reads the job the address names; nil when it has answered.
func (c *Console) importJob(w http.ResponseWriter, r *http.Request) *feedback.ImportJob {
	j, err := c.Imports.Jobs.GetImportJob(r.Context(), r.PathValue("id"))
	switch {
	case feedback.ErrorCode(err) == feedback.ENOTFOUND:
		c.notFound(w, r, err)
		return nil
	case err != nil:
		c.fail(w, r, err)
		return nil
	}
	return j
}

// importJobPage answers GET /officer/import/{id}: the upload form while the job waits for its
// file, then its progress, then what it did.
func (c *Console) importJobPage(w http.ResponseWriter, r *http.Request) {
	if !c.importAdmin(w, r) {
		return
	}
	j := c.importJob(w, r)
	if j == nil {
		return
	}
	d := c.importView(r)
	v := &importJobView{Job: j}
	d.ImportJob = v
	uploaded := r.URL.Query().Has("uploaded")
	switch {
	case j.State == feedback.ImportWaiting && !uploaded:
		if j.By != sessionOf(r).Staff.Email {
			d.Message = "This import is waiting for " + j.By + " to upload the file."
			break
		}
		v.Ask = true
		if c.Imports.Presign != nil {
			redirect := c.Service.Council.ConsoleURL + "/officer/import/" + url.PathEscape(j.ID) + "?uploaded=1"
			f, err := c.Imports.Presign(r.Context(), j.File, redirect)
			if err != nil {
				c.fail(w, r, err)
				return
			}
			v.Upload = &f
			c.renderUpload(w, d, f.URL)
			return
		}
	case !j.Finished():
		// The page reloads itself only when its reader asks it to, and then says how to stop
		// (WCAG 2.2.1: a page must not change by itself unasked); by default it offers a link
		// to check progress.
		v.Uploaded, v.Refresh = uploaded, r.URL.Query().Get("reload") == "on"
		v.Self = "/officer/import/" + url.PathEscape(j.ID) + "?uploaded=1"
	}
	c.render(w, http.StatusOK, importJobPage, d)
}

// renderUpload writes the page whose form posts to storage at action, which the page's
// Content-Security-Policy must then allow.
func (c *Console) renderUpload(w http.ResponseWriter, d consoleView, action string) {
	u, err := url.Parse(action)
	origin := "'none'"
	if err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		origin = u.Scheme + "://" + u.Host
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' "+origin+"; base-uri 'none'; frame-ancestors 'none'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_ = importJobPage().Execute(w, d)
}

// importReceive answers POST /officer/import/{id} locally: the file, posted to the console,
// goes to Accept, and the browser to the job's page.
func (c *Console) importReceive(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, casesimport.MaxFileBytes+64<<10)
	if !c.importAdmin(w, r) {
		return
	}
	if c.Imports.Accept == nil || c.Imports.Presign != nil {
		c.notFound(w, r, nil)
		return
	}
	sess := sessionOf(r)
	// The CSRF token is the form's first field: checked before the file is read.
	if !c.SignIn.CheckCSRF(sess.Token, firstFormField(r, csrfField)) {
		c.forbidden(w, r, expiredForm)
		return
	}
	j := c.importJob(w, r)
	if j == nil {
		return
	}
	page := "/officer/import/" + url.PathEscape(j.ID)
	switch {
	case j.By != sess.Staff.Email:
		c.forbidden(w, r, "Only "+j.By+", who started this import, can upload its file.")
		return
	case j.State != feedback.ImportWaiting:
		http.Redirect(w, r, page, http.StatusSeeOther)
		return
	}
	body, problem := c.receivedFile(r)
	if problem != "" {
		d := c.importView(r)
		d.ImportJob = &importJobView{Job: j, Ask: true}
		d.Errors = []feedback.FieldError{{Field: "file", Message: problem}}
		c.render(w, http.StatusUnprocessableEntity, importJobPage, d)
		return
	}
	if err := c.Imports.Accept(r.Context(), j.ID, body); err != nil {
		c.fail(w, r, err)
		return
	}
	http.Redirect(w, r, page+"?uploaded=1", http.StatusSeeOther)
}

// receivedFile reads the posted file, or says in plain English what is wrong with it.
func (c *Console) receivedFile(r *http.Request) (body []byte, problem string) {
	tooBig := fmt.Sprintf("The file is larger than %d MB: split it", casesimport.MaxFileBytes>>20)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		if tooLarge(err) {
			return nil, tooBig
		}
		return nil, "Choose a CSV file to import"
	}
	file, _, err := r.FormFile("file")
	if err != nil {
		return nil, "Choose a CSV file to import"
	}
	defer file.Close()
	body, err = io.ReadAll(file)
	switch {
	case tooLarge(err) || len(body) > casesimport.MaxFileBytes:
		return nil, tooBig
	case err != nil:
		return nil, "The file could not be read: upload it again"
	case len(body) == 0:
		return nil, "The file is empty"
	}
	return body, ""
}

const importErrors = `{{if .Errors}}<div class="summary" role="alert" aria-labelledby="summary-title" tabindex="-1" id="error-summary">
<h2 id="summary-title">There is a problem</h2>
<ul>{{range .Errors}}<li><a href="#{{.Field}}">{{.Message}}</a></li>{{end}}</ul>
</div>{{end}}
<p><a href="/officer">Back to my cases</a> <a href="/officer/reports/annual">Annual report</a></p>`

var importStartPage = consolePage("import-start", importErrors+`
<h1>Import past cases</h1>
<p>Upload a CSV file with a header row and one row per case. The import runs in the background: its page shows how far it has got, and you may leave it and come back. Every row is checked first; nothing is imported unless every row is good, unless you choose to import only the good rows. Cases already here (by reference) are left as they are, so uploading the same file again adds nothing. Imported cases send no email.</p>
<p>The columns: {{index .Values "columns"}}. Dates are written as YYYY-MM-DD or DD/MM/YYYY, with a time of day if there is one (31/03/2019 23:30); the time then decides the financial year and the due dates. A service area may be given by its key or its name, in any case. A complaint that reached Stage 2 may be one row, or its Stage 1 row followed by a Stage 2 row with the same reference.</p>
<form method="post" action="/officer/import/start" novalidate>
<input type="hidden" name="csrf" value="{{.CSRF}}">
<div class="group{{if .Errors}} error{{end}}"><label for="encoding">The file is saved as</label>
<select id="encoding" name="encoding"><option value="utf-8">CSV UTF-8 (Excel's "CSV UTF-8")</option><option value="windows-1252">CSV in Windows-1252 (Excel's "CSV (Comma delimited)")</option></select></div>
<div class="group"><input type="checkbox" id="good_rows_only" name="good_rows_only" value="yes"> <label for="good_rows_only">If some rows have problems, import the good rows anyway</label></div>
<button type="submit">Continue</button>
</form>`)

var importJobPage = consolePage("import-job", importErrors+`
{{with .ImportJob}}{{$j := .Job}}
<h1>Import past cases</h1>
<dl class="summary-list"><dt>Status</dt><dd><strong class="tag" id="state">{{$j.State.Label}}</strong></dd>
<dt>Started by</dt><dd>{{$j.By}}</dd>
{{if $j.Rows}}<dt>Rows done</dt><dd id="done">{{$j.Done}} of {{$j.Rows}}</dd>{{end}}</dl>
{{if $.Message}}<p>{{$.Message}}</p>{{end}}
{{if .Ask}}<h2>Upload the file</h2>
<p>Choose the CSV file (at most {{index $.Values "max"}} MB). The import begins once it has been uploaded.</p>
{{with .Upload}}<form method="post" action="{{.URL}}" enctype="multipart/form-data">
{{range .Fields}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}{{else}}<form method="post" action="/officer/import/{{$j.ID}}" enctype="multipart/form-data" novalidate>
<input type="hidden" name="csrf" value="{{$.CSRF}}">
{{end}}<div class="group{{if $.Errors}} error{{end}}"><label for="file">CSV file</label>
<input type="file" id="file" name="file" accept=".csv,text/csv"></div>
<button type="submit">Upload and import</button>
</form>{{end}}
{{if .Self}}<p role="status">{{if eq $j.State "waiting"}}The file is uploaded; the import begins in a moment.{{else}}The import is running.{{end}}
{{if .Refresh}}This page reloads itself every 5 seconds.</p><p><a href="{{.Self}}">Stop reloading this page</a></p>
{{else}}You may leave this page and come back to it.</p><p><a href="{{.Self}}">Check progress</a> <a href="{{.Self}}&amp;reload=on">Reload this page every 5 seconds</a></p>{{end}}{{end}}
{{if $j.Finished}}<div class="notice" role="status">
{{if $j.Failure}}<p>{{$j.Failure}}</p>{{end}}
{{if $j.Written}}<p>The import has finished. No email was sent.</p>{{else if eq $j.State "done"}}<p>Nothing was imported. Correct the problems below and import the file again, or import only the good rows.</p>{{end}}
</div>
<table><caption>What the import did</caption><tbody>
<tr><th scope="row">Cases imported</th><td id="imported">{{$j.Imported}}</td></tr>
<tr><th scope="row">Kept as statistics only (past their retention end)</th><td id="statistics_only">{{$j.StatisticsOnly}}</td></tr>
<tr><th scope="row">Here already, left as they were</th><td id="already_there">{{$j.AlreadyThere}}</td></tr>
<tr><th scope="row">Rows with problems</th><td id="refused">{{$j.Refused}}</td></tr>
</tbody></table>
<p><a href="/officer/import">Import another file</a></p>{{end}}
{{if $j.Problems}}<table><caption>Problems in the file{{if gt $j.ProblemCount (len $j.Problems)}} (the first {{len $j.Problems}} of {{$j.ProblemCount}}){{end}}</caption>
<thead><tr><th scope="col">Line</th><th scope="col">Column</th><th scope="col">Problem</th></tr></thead>
<tbody>{{range $j.Problems}}<tr><td>{{if .Line}}{{.Line}}{{else}}The whole file{{end}}</td><td>{{.Column}}</td><td>{{.Message}}</td></tr>{{end}}</tbody></table>{{end}}
{{end}}`)

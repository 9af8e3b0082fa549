package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/council/intake/internal/casesimport"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/report"
)

// The annual complaints report's formats and the import of past cases, for the API
// (GET /v1/reports/annual, POST /v1/import) and the console (/officer/reports/annual,
// /officer/import). internal/report computes the report's tables; this file only writes them:
// HTML fit to attach to a committee paper (print stylesheet, captioned tables with header
// cells, bar charts drawn here as SVG, no JavaScript), one CSV per table (alone with ?table=, or
// all in a ZIP), and JSON.

// reportFormat picks the format from ?format= or, failing that, the Accept header.
func reportFormat(r *http.Request) (string, error) {
	switch f := strings.ToLower(r.URL.Query().Get("format")); f {
	case "html", "csv", "json", "zip":
		return f, nil
	case "":
	default:
		return "", &problemError{status: http.StatusUnprocessableEntity, detail: "The format must be html, csv, zip or json."}
	}
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, _, _ := mime.ParseMediaType(strings.TrimSpace(part))
		switch mt {
		case "text/html":
			return "html", nil
		case "text/csv":
			return "csv", nil
		case "application/zip":
			return "zip", nil
		case "application/json":
			return "json", nil
		}
	}
	return "json", nil
}

// reportYear reads ?year= (the year the financial year starts in); 0, when there is none, asks
// for the last complete one that has cases.
func reportYear(r *http.Request) (report.FinancialYear, error) {
	v := strings.TrimSpace(r.URL.Query().Get("year"))
	if v == "" {
		return 0, nil
	}
	if i := strings.IndexByte(v, '/'); i > 0 { // "2018/19"
		v = v[:i]
	}
	y, err := strconv.Atoi(v)
	if err != nil {
		return 0, fieldError("year", "Give the year the financial year starts in, such as 2018 for 2018/19")
	}
	return report.FinancialYear(y), nil
}

// staffRequest authenticates an officer request as api does, for handlers that write their own
// response (a report in HTML or CSV, an import); errors are problem+json.
func (h *Handler) staffRequest(fn func(w http.ResponseWriter, r *http.Request, who feedback.StaffMember) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		reqID := requestID(r)
		w.Header().Set("X-Request-Id", reqID)
		w.Header().Set("Cache-Control", "no-store")
		var who feedback.StaffMember
		err := ErrUnauthenticated
		if h.Staff != nil {
			who, err = h.Staff(r)
		}
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="intake"`)
			h.problem(w, r, reqID, &problemError{status: http.StatusUnauthorized,
				detail: "Sign in first: send Authorization: Bearer followed by your API token."})
			return
		}
		if err := fn(w, r, who); err != nil {
			h.problem(w, r, reqID, err)
		}
	}
}

// annualReport answers GET /v1/reports/annual?year=2018&format=html|csv|zip|json[&table=id].
func (h *Handler) annualReport(w http.ResponseWriter, r *http.Request, who feedback.StaffMember) error {
	format, err := reportFormat(r)
	if err != nil {
		return err
	}
	year, err := reportYear(r)
	if err != nil {
		return err
	}
	rep, err := report.Annual(r.Context(), h.Service, who, year)
	if err != nil {
		return err
	}
	return writeReport(w, rep, format, r.URL.Query().Get("table"), report.Page{Council: h.Service.Council.Name, Introduction: h.Service.Council.ReportIntroduction})
}

// writeReport writes rep in format; table picks one table (CSV or JSON).
func writeReport(w http.ResponseWriter, rep *report.AnnualReport, format, table string, p report.Page) error {
	var one *report.Table
	if table != "" {
		t, ok := rep.Table(table)
		if !ok {
			return feedback.Errorf(feedback.ENOTFOUND, "The report has no table called %s.", table)
		}
		one = &t
	}
	name := "annual-complaints-report-" + strings.ReplaceAll(rep.This, "/", "-")
	switch {
	case format == "json" && one != nil:
		writeJSON(w, http.StatusOK, one)
	case format == "json":
		writeJSON(w, http.StatusOK, rep)
	case format == "csv" && one != nil:
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+"-"+one.ID+`.csv"`)
		return report.WriteCSV(w, *one)
	case format == "csv" || format == "zip":
		var buf bytes.Buffer
		if err := report.WriteZIP(&buf, rep); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/zip")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.zip"`)
		_, _ = w.Write(buf.Bytes())
	default:
		var buf bytes.Buffer
		if err := report.WriteHTML(&buf, rep, p); err != nil {
			return fmt.Errorf("report html: %w", err)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(buf.Bytes())
	}
	return nil
}

// importFile answers POST /v1/import: a CSV body (text/csv), ?good_rows_only=true to import the
// good rows of a file that has bad ones. 200 with the result when written; 422 with the same
// shape, listing every problem by line and column, when nothing was.
func (h *Handler) importFile(w http.ResponseWriter, r *http.Request, who feedback.StaffMember) error {
	if who.Role != feedback.RoleAdmin {
		return feedback.Errorf(feedback.EFORBIDDEN, "Only the complaints team can import past cases.")
	}
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "text/csv" {
		return &problemError{status: http.StatusUnsupportedMediaType, detail: "Send the file as text/csv."}
	}
	// The file's character set, from text/csv; charset=windows-1252 or ?encoding=.
	enc := params["charset"]
	if q := r.URL.Query().Get("encoding"); q != "" {
		enc = q
	}
	res, err := runImport(r, http.MaxBytesReader(w, r.Body, casesimport.MaxFileBytes), enc, h.Service, who, r.URL.Query().Get("good_rows_only") == "true")
	if err != nil {
		return err
	}
	status := http.StatusOK
	if !res.Written {
		status = http.StatusUnprocessableEntity
	}
	writeJSON(w, status, res)
	return nil
}

func runImport(r *http.Request, body io.Reader, enc string, svc *feedback.Service, who feedback.StaffMember, goodOnly bool) (casesimport.Result, error) {
	f, err := casesimport.ReadEncodedCSV(body, enc)
	if err != nil {
		if tooLarge(err) {
			return casesimport.Result{}, feedback.Errorf(feedback.ETOOLARGE, "The file is larger than %d MB: split it.", casesimport.MaxFileBytes>>20)
		}
		return casesimport.Result{}, err
	}
	return casesimport.Import(r.Context(), svc, who, f, goodOnly)
}

func tooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

// reportConsole shows the report in the console: GET /officer/reports/annual?year=2018.
func (c *Console) reportConsole(w http.ResponseWriter, r *http.Request) {
	who := sessionOf(r).Staff
	year, err := reportYear(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	rep, err := report.Annual(r.Context(), c.Service, who, year)
	switch {
	case feedback.ErrorCode(err) == feedback.EFORBIDDEN:
		c.forbidden(w, r, feedback.ErrorMessage(err))
		return
	case err != nil:
		c.fail(w, r, err)
		return
	}
	last := report.LastCompleteYear(c.Service.Clock.Now(), c.Service.Calendar.Location())
	shown := strconv.Itoa(int(rep.Year))
	nav := &report.Nav{Year: shown, Query: "year=" + shown}
	for y := last + 1; y >= last-6; y-- {
		nav.Years = append(nav.Years, strconv.Itoa(int(y)))
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	_ = writeReport(w, rep, "html", "", report.Page{Council: c.Service.Council.Name, Introduction: c.Service.Council.ReportIntroduction, Nav: nav})
}

// importForm shows the console's import page.
func (c *Console) importForm(w http.ResponseWriter, r *http.Request) {
	d := c.view(r, "Import past cases")
	if d.Staff == nil || d.Staff.Role != feedback.RoleAdmin {
		c.forbidden(w, r, "Only the complaints team can import past cases.")
		return
	}
	if c.Imports != nil {
		// In the background (console_import.go): the file is asked for once the job is made.
		c.render(w, http.StatusOK, importStartPage, c.importView(r))
		return
	}
	d.CSRF = c.SignIn.CSRF(sessionOf(r).Token)
	d.Values["columns"] = strings.Join(casesimport.Columns, ", ")
	c.render(w, http.StatusOK, importPage, d)
}

// importUpload takes the console's upload (multipart, with the CSRF token) and shows what
// became of it.
func (c *Console) importUpload(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, casesimport.MaxFileBytes+64<<10)
	sess := sessionOf(r)
	// Limits before work: the session (signedIn), the role and the CSRF token (the form's first
	// field) are checked before the body is parsed.
	if sess.Staff.Role != feedback.RoleAdmin {
		c.forbidden(w, r, "Only the complaints team can import past cases.")
		return
	}
	if !c.SignIn.CheckCSRF(sess.Token, firstFormField(r, csrfField)) {
		c.forbidden(w, r, "This form has expired or did not come from the console. Go back, reload the page and try again.")
		return
	}
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		if tooLarge(err) {
			c.fail(w, r, feedback.Errorf(feedback.ETOOLARGE, "The file is larger than %d MB: split it.", casesimport.MaxFileBytes>>20))
			return
		}
		c.forbidden(w, r, "This form has expired or did not come from the console. Go back, reload the page and try again.")
		return
	}
	d := c.view(r, "Import past cases")
	d.CSRF = c.SignIn.CSRF(sess.Token)
	d.Values["columns"] = strings.Join(casesimport.Columns, ", ")
	file, _, err := r.FormFile("file")
	if err != nil {
		d.Errors = []feedback.FieldError{{Field: "file", Message: "Choose a CSV file to import"}}
		c.render(w, http.StatusUnprocessableEntity, importPage, d)
		return
	}
	defer file.Close()
	res, err := runImport(r, file, r.PostFormValue("encoding"), c.Service, sess.Staff, r.PostFormValue("good_rows_only") == "yes")
	switch {
	case feedback.ErrorCode(err) == feedback.EFORBIDDEN:
		c.forbidden(w, r, feedback.ErrorMessage(err))
		return
	case feedback.ErrorCode(err) == feedback.EINVALID:
		d.Errors = []feedback.FieldError{{Field: "file", Message: feedback.ErrorMessage(err)}}
		c.render(w, http.StatusUnprocessableEntity, importPage, d)
		return
	case err != nil:
		c.fail(w, r, err)
		return
	}
	d.Import = &res
	status := http.StatusOK
	if !res.Written {
		status = http.StatusUnprocessableEntity
		d.Errors = []feedback.FieldError{{Field: "file", Message: fmt.Sprintf("The file has %d problems, so nothing was imported. Correct them and upload it again, or import only the good rows.", len(res.Problems))}}
	}
	c.render(w, status, importPage, d)
}

var importPage = consolePage("import", `
{{if .Errors}}<div class="summary" role="alert" aria-labelledby="summary-title" tabindex="-1" id="error-summary">
<h2 id="summary-title">There is a problem</h2>
<ul>{{range .Errors}}<li><a href="#{{.Field}}">{{.Message}}</a></li>{{end}}</ul>
</div>{{end}}
<p><a href="/officer">Back to my cases</a> <a href="/officer/reports/annual">Annual report</a></p>
<h1>Import past cases</h1>
{{with .Import}}{{if .Written}}<div class="notice" role="status"><p>{{.Imported}} cases imported; {{.AlreadyThere}} were here already and were left as they were{{if .Skipped}}; {{.Skipped}} rows with problems were left out{{end}}. No email was sent.</p></div>{{end}}
{{if .Problems}}<table><caption>Problems in the file</caption>
<thead><tr><th scope="col">Line</th><th scope="col">Column</th><th scope="col">Problem</th></tr></thead>
<tbody>{{range .Problems}}<tr><td>{{.Line}}</td><td>{{.Column}}</td><td>{{.Message}}</td></tr>{{end}}</tbody></table>{{end}}{{end}}
<p>Upload a CSV file with a header row and one row per case. Every row is checked first; nothing is imported unless every row is good, unless you choose to import only the good rows. Cases already here (by reference) are left as they are, so uploading the same file again adds nothing. Imported cases send no email.</p>
<p>The columns: {{index .Values "columns"}}. Dates are written as YYYY-MM-DD or DD/MM/YYYY, with a time of day if there is one (31/03/2019 23:30); the time then decides the financial year and the due dates. A service area may be given by its key or its name, in any case. A complaint that reached Stage 2 may be one row, or its Stage 1 row followed by a Stage 2 row with the same reference.</p>
<form method="post" action="/officer/import" enctype="multipart/form-data" novalidate>
<input type="hidden" name="csrf" value="{{.CSRF}}">
<div class="group{{if .Errors}} error{{end}}">
<label for="file">CSV file</label>
<input type="file" id="file" name="file" accept=".csv,text/csv">
</div>
<div class="group"><label for="encoding">The file is saved as</label>
<select id="encoding" name="encoding"><option value="utf-8">CSV UTF-8 (Excel's "CSV UTF-8")</option><option value="windows-1252">CSV in Windows-1252 (Excel's "CSV (Comma delimited)")</option></select></div>
<div class="group"><input type="checkbox" id="good_rows_only" name="good_rows_only" value="yes"> <label for="good_rows_only">If some rows have problems, import the good rows anyway</label></div>
<button type="submit">Import</button>
</form>`)

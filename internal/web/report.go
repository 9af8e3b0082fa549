package web

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"html/template"
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

// MaxImportBytes caps an import file: 50,000 rows of a few hundred bytes.
const MaxImportBytes = 20 << 20

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

// reportYear reads ?year= (the year the financial year starts in), by default the last
// complete one.
func reportYear(r *http.Request, svc *feedback.Service) (report.FinancialYear, error) {
	v := strings.TrimSpace(r.URL.Query().Get("year"))
	if v == "" {
		return report.LastCompleteYear(svc.Clock.Now(), svc.Calendar.Location()), nil
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
	year, err := reportYear(r, h.Service)
	if err != nil {
		return err
	}
	rep, err := report.Annual(r.Context(), h.Service, who, year)
	if err != nil {
		return err
	}
	return writeReport(w, rep, format, r.URL.Query().Get("table"), h.Service.Council.Name, nil)
}

// writeReport writes rep in format; table picks one table (CSV or JSON).
func writeReport(w http.ResponseWriter, rep *report.AnnualReport, format, table, council string, nav *reportNav) error {
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
		return writeTableCSV(w, *one)
	case format == "csv" || format == "zip":
		var buf bytes.Buffer
		if err := writeReportZIP(&buf, rep); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/zip")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.zip"`)
		_, _ = w.Write(buf.Bytes())
	default:
		page(w, http.StatusOK, reportPage, newReportView(rep, council, nav))
	}
	return nil
}

// csvSafe keeps a cell from being read as a formula by a spreadsheet: text that starts with
// =, +, -, @ or a control character gets a leading apostrophe. Numbers are left as they are.
func csvSafe(s string) string {
	if s == "" {
		return s
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return s
	}
	if strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// writeTableCSV writes one table: its column headings, its rows and its total.
func writeTableCSV(w io.Writer, t report.Table) error {
	cw := csv.NewWriter(w)
	row := func(label string, cells []string) {
		rec := []string{csvSafe(label)}
		for _, c := range cells {
			rec = append(rec, csvSafe(c))
		}
		_ = cw.Write(rec)
	}
	row(t.Columns[0], t.Columns[1:])
	for _, r := range t.Rows {
		row(r.Label, r.Cells)
	}
	if t.Total != nil {
		row(t.Total.Label, t.Total.Cells)
	}
	cw.Flush()
	return cw.Error()
}

// writeReportZIP writes every table as <id>.csv in one ZIP.
func writeReportZIP(w io.Writer, rep *report.AnnualReport) error {
	zw := zip.NewWriter(w)
	for _, t := range rep.Tables {
		f, err := zw.Create(t.ID + ".csv")
		if err != nil {
			return fmt.Errorf("report zip: %w", err)
		}
		if err := writeTableCSV(f, t); err != nil {
			return fmt.Errorf("report zip: %s: %w", t.ID, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("report zip: %w", err)
	}
	return nil
}

// bar is one bar of a chart; the SVG's geometry is computed here, not in the template.
type bar struct {
	Label, Value string
	Y, Width     int
	TextY        int
	ValueX       int
}

// chart is a horizontal bar chart of one column of a table.
type chart struct {
	ID, Title string
	Height    int
	Bars      []bar
}

const (
	chartLabelWidth = 300
	chartBarWidth   = 320
	chartRow        = 26
)

func newChart(t report.Table) *chart {
	if t.Chart < 0 {
		return nil
	}
	c := &chart{ID: "chart-" + t.ID, Title: t.Caption + ": " + t.Columns[t.Chart+1]}
	max := 0.0
	var vals []float64
	var rows []report.Row
	for _, r := range t.Rows {
		if t.Chart >= len(r.Cells) {
			continue
		}
		v, err := strconv.ParseFloat(r.Cells[t.Chart], 64)
		if err != nil || v <= 0 {
			continue // a chart of every area's zero says nothing the table does not
		}
		vals, rows = append(vals, v), append(rows, r)
		max = max0(max, v)
	}
	if len(rows) == 0 {
		return nil
	}
	for i, r := range rows {
		label := r.Label
		if t.ID == "ombudsman_decisions" {
			label = r.Cells[0]
		}
		width := int(vals[i] / max * chartBarWidth)
		c.Bars = append(c.Bars, bar{Label: label, Value: r.Cells[t.Chart], Y: i*chartRow + 4, Width: max1(width, 1),
			TextY: i*chartRow + 19, ValueX: chartLabelWidth + max1(width, 1) + 6})
	}
	c.Height = len(rows)*chartRow + 8
	return c
}

func max0(a, b float64) float64 {
	if a > b {
		return a
	}
	return b
}

func max1(a, b int) int {
	if a > b {
		return a
	}
	return b
}

type reportTable struct {
	report.Table
	Chart *chart
}

// reportNav is the console's bar above the report: the year to show and the downloads.
type reportNav struct {
	Year  string
	Years []string
	Query string // "year=2018"
}

type reportView struct {
	Council string
	Report  *report.AnnualReport
	Tables  []reportTable
	Nav     *reportNav
}

func newReportView(rep *report.AnnualReport, council string, nav *reportNav) reportView {
	v := reportView{Council: council, Report: rep, Nav: nav}
	for _, t := range rep.Tables {
		v.Tables = append(v.Tables, reportTable{Table: t, Chart: newChart(t)})
	}
	return v
}

// numeric reports whether a cell is a figure (aligned right) rather than text (aligned left).
func numeric(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil || s == "-"
}

var reportPage = parseLater(func() *template.Template {
	return template.Must(template.New("report").Funcs(template.FuncMap{"numeric": numeric}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Report.Title}} – {{.Council}}</title>
<style>
body{font-family:Arial,Helvetica,sans-serif;color:#0b0c0c;margin:0 auto;max-width:980px;padding:20px;line-height:1.4}
h1{font-size:28px;margin:0 0 5px}h2{font-size:20px;margin:30px 0 10px}
p.meta{color:#505a5f;margin:0 0 20px}
table{border-collapse:collapse;width:100%;margin:0 0 10px;font-size:15px}
caption{text-align:left;font-weight:bold;font-size:17px;padding:0 0 8px}
th,td{text-align:left;padding:5px 8px;border:1px solid #b1b4b6;vertical-align:top}
thead th{background:#f3f2f1}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
tfoot th,tfoot td{font-weight:bold;border-top:2px solid #0b0c0c}
p.note{color:#505a5f;font-size:14px;margin:0 0 10px}
figure{margin:10px 0 25px}figcaption{font-size:14px;color:#505a5f}
svg text{font-family:Arial,Helvetica,sans-serif;font-size:13px;fill:#0b0c0c}
svg rect{fill:#1d70b8}
nav.console{background:#f3f2f1;padding:10px 15px;margin-bottom:20px}
nav.console a{color:#1d70b8;margin-right:15px}
nav.console label{font-weight:bold;margin-right:5px}
nav.console select,nav.console button{font:inherit}
section{break-inside:avoid;page-break-inside:avoid}
@media print{
 @page{size:A4;margin:15mm}
 body{max-width:none;padding:0;font-size:11pt}
 nav.console{display:none}
 table{font-size:10pt}
 thead{display:table-header-group}
 tr{break-inside:avoid}
 svg rect{fill:#505a5f}
 a{color:#0b0c0c;text-decoration:none}
}
</style></head>
<body>
{{with .Nav}}<nav class="console" aria-label="Report options">
<form method="get" action="/officer/reports/annual">
<label for="year">Financial year</label>
<select id="year" name="year">{{range .Years}}<option value="{{.}}"{{if eq . $.Nav.Year}} selected{{end}}>{{.}}</option>{{end}}</select>
<button type="submit">Show</button>
</form>
<p>Download: <a href="/v1/reports/annual?{{.Query}}&amp;format=html">HTML</a>
<a href="/v1/reports/annual?{{.Query}}&amp;format=zip">CSV (one file per table, zipped)</a>
<a href="/v1/reports/annual?{{.Query}}&amp;format=json">JSON</a>
<a href="/officer">Back to my cases</a></p>
</nav>{{end}}
<main>
<h1>{{.Report.Title}}</h1>
<p class="meta">{{.Council}}. Complaints, compliments and comments received from 1 April to 31 March, {{.Report.This}} compared with {{.Report.Previous}}; covering {{.Report.Scope}}.</p>
{{range .Tables}}<section aria-labelledby="h-{{.ID}}">
<h2 id="h-{{.ID}}">{{.Caption}}</h2>
<table id="{{.ID}}">
<caption>{{.Caption}}</caption>
<thead><tr>{{range $i, $c := .Columns}}<th scope="col"{{if $i}} class="n"{{end}}>{{$c}}</th>{{end}}</tr></thead>
<tbody>{{range .Rows}}<tr><th scope="row">{{.Label}}</th>{{range .Cells}}<td{{if numeric .}} class="n"{{end}}>{{.}}</td>{{end}}</tr>
{{end}}</tbody>
{{with .Total}}<tfoot><tr><th scope="row">{{.Label}}</th>{{range .Cells}}<td{{if numeric .}} class="n"{{end}}>{{.}}</td>{{end}}</tr></tfoot>{{end}}
</table>
{{with .Note}}<p class="note">{{.}}</p>{{end}}
{{with .Chart}}<figure>
<svg role="img" aria-labelledby="{{.ID}}-title" width="700" height="{{.Height}}" viewBox="0 0 700 {{.Height}}" xmlns="http://www.w3.org/2000/svg">
<title id="{{.ID}}-title">Bar chart: {{.Title}}</title>
{{range .Bars}}<text x="294" y="{{.TextY}}" text-anchor="end">{{.Label}}</text><rect x="300" y="{{.Y}}" width="{{.Width}}" height="20"></rect><text x="{{.ValueX}}" y="{{.TextY}}">{{.Value}}</text>
{{end}}</svg>
<figcaption>{{.Title}} (the table above gives every figure).</figcaption>
</figure>{{end}}
</section>
{{end}}
</main>
</body></html>`))
})

// importFile answers POST /v1/import: a CSV body (text/csv), ?good_rows_only=true to import the
// good rows of a file that has bad ones. 200 with the result when written; 422 with the same
// shape, listing every problem by line and column, when nothing was.
func (h *Handler) importFile(w http.ResponseWriter, r *http.Request, who feedback.StaffMember) error {
	if who.Role != feedback.RoleAdmin {
		return feedback.Errorf(feedback.EFORBIDDEN, "Only the complaints team can import past cases.")
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "text/csv" {
		return &problemError{status: http.StatusUnsupportedMediaType, detail: "Send the file as text/csv."}
	}
	res, err := runImport(r, http.MaxBytesReader(w, r.Body, MaxImportBytes), h.Service, who, r.URL.Query().Get("good_rows_only") == "true")
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

func runImport(r *http.Request, body io.Reader, svc *feedback.Service, who feedback.StaffMember, goodOnly bool) (casesimport.Result, error) {
	f, err := casesimport.ReadCSV(body)
	if err != nil {
		if tooLarge(err) {
			return casesimport.Result{}, feedback.Errorf(feedback.ETOOLARGE, "The file is larger than %d MB: split it.", MaxImportBytes>>20)
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
	year, err := reportYear(r, c.Service)
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
	nav := &reportNav{Year: strconv.Itoa(int(year)), Query: "year=" + strconv.Itoa(int(year))}
	for y := last + 1; y >= last-6; y-- {
		nav.Years = append(nav.Years, strconv.Itoa(int(y)))
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	_ = writeReport(w, rep, "html", "", c.Service.Council.Name, nav)
}

// importForm shows the console's import page.
func (c *Console) importForm(w http.ResponseWriter, r *http.Request) {
	d := c.view(r, "Import past cases")
	if d.Staff == nil || d.Staff.Role != feedback.RoleAdmin {
		c.forbidden(w, r, "Only the complaints team can import past cases.")
		return
	}
	d.CSRF = c.SignIn.CSRF(sessionOf(r).Token)
	d.Values["columns"] = strings.Join(casesimport.Columns, ", ")
	c.render(w, http.StatusOK, importPage, d)
}

// importUpload takes the console's upload (multipart, with the CSRF token) and shows what
// became of it.
func (c *Console) importUpload(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxImportBytes+64<<10)
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
			c.fail(w, r, feedback.Errorf(feedback.ETOOLARGE, "The file is larger than %d MB: split it.", MaxImportBytes>>20))
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
	res, err := runImport(r, file, c.Service, sess.Staff, r.PostFormValue("good_rows_only") == "yes")
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
<p>The columns: {{index .Values "columns"}}. Dates are written as YYYY-MM-DD.</p>
<form method="post" action="/officer/import" enctype="multipart/form-data" novalidate>
<input type="hidden" name="csrf" value="{{.CSRF}}">
<div class="group{{if .Errors}} error{{end}}">
<label for="file">CSV file</label>
<input type="file" id="file" name="file" accept=".csv,text/csv">
</div>
<div class="group"><input type="checkbox" id="good_rows_only" name="good_rows_only" value="yes"> <label for="good_rows_only">If some rows have problems, import the good rows anyway</label></div>
<button type="submit">Import</button>
</form>`)

package report

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
)

// The report as a committee reads it: one HTML page in the shape of a council's annual
// complaints paper (seed 002) — an introduction the complaints team writes, a summary in
// words, then the tables under headings, each with last year, this year and the change, and
// bar charts drawn as SVG (no JavaScript) across the years the data covers. The styles follow
// the GOV.UK Design System's type scale, tables and colours; the print stylesheet keeps each
// table on one page where it fits.

// Page is what the HTML report shows beside the report itself.
type Page struct {
	Council string
	// Introduction is the complaints team's own opening: paragraphs separated by a blank line.
	Introduction string
	// Nav is the console's bar above the report; nil for the report as a file.
	Nav *Nav
}

// Nav is the console's bar above the report: the year to show and the downloads.
type Nav struct {
	Year  string
	Years []string
	Query string // "year=2018"
}

// sections are the paper's headings, in its order, and the tables under each; a table not
// listed goes under "Other figures". Appendix tables are lettered as the paper letters them.
var sections = []struct {
	heading  string
	ids      []string
	appendix bool
}{
	{"Complaints received", []string{"received_by_stage", "complaints_by_channel", "acknowledged"}, false},
	{"Stage 1 complaints", []string{"stage1_outcomes", "stage1_timeliness"}, false},
	{"Stage 2 complaints", []string{"stage2_outcomes", "stage2_timeliness"}, false},
	{"Stage 3: the Ombudsman", []string{"ombudsman_decisions"}, false},
	{"Learning from complaints", []string{"lessons"}, false},
	{"Financial implications", []string{"compensation"}, false},
	{"Compliments and comments", []string{"compliments_comments"}, false},
	{"Unreasonably persistent complainants", []string{"restrictions"}, false},
	{"Appendices", []string{"stage1_by_area", "stage2_by_area", "ombudsman_by_area"}, true},
}

type htmlCell struct {
	Text string
	Num  bool
}

type htmlRow struct {
	Label string
	Cells []htmlCell
}

type htmlTable struct {
	ID, Caption, Note string
	Head              []htmlCell
	Body, After       []htmlRow
	Total             *htmlRow
	Charts            []svgChart
}

type htmlSection struct {
	Heading string
	Tables  []htmlTable
}

type htmlView struct {
	Page
	Report       *AnnualReport
	Introduction []string
	Sections     []htmlSection
}

// WriteHTML writes rep as one HTML page.
func WriteHTML(w io.Writer, rep *AnnualReport, p Page) error {
	v := htmlView{Page: p, Report: rep}
	for _, para := range strings.Split(strings.ReplaceAll(p.Introduction, "\r\n", "\n"), "\n\n") {
		if para = strings.TrimSpace(para); para != "" {
			v.Introduction = append(v.Introduction, para)
		}
	}
	placed := map[string]bool{}
	for _, s := range sections {
		sec := htmlSection{Heading: s.heading}
		for _, id := range s.ids {
			if t, ok := rep.Table(id); ok {
				placed[id] = true
				ht := newHTMLTable(t)
				if s.appendix {
					ht.Caption = fmt.Sprintf("Appendix %c: %s", 'A'+len(sec.Tables), t.Caption)
				}
				sec.Tables = append(sec.Tables, ht)
			}
		}
		if len(sec.Tables) > 0 {
			v.Sections = append(v.Sections, sec)
		}
	}
	other := htmlSection{Heading: "Other figures"}
	for _, t := range rep.Tables {
		if !placed[t.ID] {
			other.Tables = append(other.Tables, newHTMLTable(t))
		}
	}
	if len(other.Tables) > 0 {
		v.Sections = append(v.Sections, other)
	}
	return reportTemplate.Execute(w, v)
}

// numeric reports whether a cell is a figure rather than text.
func numeric(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil || s == "-"
}

// newHTMLTable lays t out: a change column after its cells when it compares years, and each
// column aligned as its contents are (figures right, text left), its total beneath it.
func newHTMLTable(t Table) htmlTable {
	cols := slicesClone(t.Columns)
	rows := append([]Row(nil), t.Rows...)
	total := t.Total
	if t.Compare != nil {
		cols = append(cols, "Change")
		withChange := func(r Row) Row {
			return Row{Label: r.Label, Cells: append(slicesClone(r.Cells), difference(r.Cells[t.Compare[0]], r.Cells[t.Compare[1]]))}
		}
		for i := range rows {
			rows[i] = withChange(rows[i])
		}
		if total != nil {
			tr := withChange(*total)
			total = &tr
		}
	}
	// A column is numeric when every cell it has is a figure.
	num := make([]bool, len(cols)-1)
	for i := range num {
		num[i] = true
		for _, r := range append(rows, totalOrEmpty(total)...) {
			if i < len(r.Cells) && r.Cells[i] != "" && !numeric(r.Cells[i]) {
				num[i] = false
			}
		}
	}
	row := func(r Row) htmlRow {
		hr := htmlRow{Label: r.Label}
		for i, c := range r.Cells {
			hr.Cells = append(hr.Cells, htmlCell{Text: c, Num: i < len(num) && num[i]})
		}
		return hr
	}
	ht := htmlTable{ID: t.ID, Caption: t.Caption, Note: t.Note}
	ht.Head = append(ht.Head, htmlCell{Text: cols[0]})
	for i, c := range cols[1:] {
		ht.Head = append(ht.Head, htmlCell{Text: c, Num: num[i]})
	}
	after := len(rows)
	if t.TotalAfter > 0 && t.TotalAfter < len(rows) {
		after = t.TotalAfter
	}
	for i, r := range rows {
		if i < after {
			ht.Body = append(ht.Body, row(r))
		} else {
			ht.After = append(ht.After, row(r))
		}
	}
	if total != nil {
		tr := row(*total)
		ht.Total = &tr
	}
	for i, c := range t.Charts {
		ht.Charts = append(ht.Charts, newSVGChart(fmt.Sprintf("chart-%s-%d", t.ID, i), c))
	}
	return ht
}

func totalOrEmpty(r *Row) []Row {
	if r == nil {
		return nil
	}
	return []Row{*r}
}

func slicesClone(s []string) []string { return append([]string(nil), s...) }

// difference is this year's figure less last year's, signed, to as many decimal places as the
// figures have ("+4", "-990.50", "0"); "" when either is not a figure.
func difference(prev, this string) string {
	a, err1 := strconv.ParseFloat(prev, 64)
	b, err2 := strconv.ParseFloat(this, 64)
	if err1 != nil || err2 != nil {
		return ""
	}
	places := max(decimals(prev), decimals(this)) // money's "0" for nothing takes the other's pence
	d := b - a
	if math.Abs(d) < 1e-9 {
		return "0"
	}
	s := strconv.FormatFloat(d, 'f', places, 64)
	if d > 0 {
		s = "+" + s
	}
	return s
}

func decimals(s string) int {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}

// svgBar is one bar of a chart, its geometry worked out here rather than in the template.
type svgBar struct {
	Y, Width, TextY, ValueX int
	Value, Colour, Year     string
}

type svgGroup struct {
	Label string
	Y     int
	Bars  []svgBar
}

type svgLegend struct {
	X      int
	Year   string
	Colour string
}

type svgChart struct {
	ID, Title, Unit string
	Height          int
	Legend          []svgLegend
	Groups          []svgGroup
}

const (
	chartLabelWidth = 230
	chartBarWidth   = 360
	chartBarHeight  = 16
)

// yearColours are the bars' colours, oldest year first (GOV.UK mid grey, light blue, blue).
var yearColours = []string{"#b1b4b6", "#5694ca", "#1d70b8"}

func newSVGChart(id string, c Chart) svgChart {
	sc := svgChart{ID: id, Title: c.Title, Unit: c.Unit}
	colours := yearColours[len(yearColours)-min(len(c.Years), len(yearColours)):]
	for i, y := range c.Years {
		sc.Legend = append(sc.Legend, svgLegend{X: chartLabelWidth + i*110, Year: y, Colour: colours[i%len(colours)]})
	}
	top := 0.0
	for _, g := range c.Groups {
		for _, v := range g.Values {
			if f, err := strconv.ParseFloat(v, 64); err == nil && f > top {
				top = f
			}
		}
	}
	y := 34
	for _, g := range c.Groups {
		sg := svgGroup{Label: g.Label, Y: y + chartBarHeight - 3}
		for i, v := range g.Values {
			f, _ := strconv.ParseFloat(v, 64)
			width := 0
			if top > 0 {
				width = int(f / top * chartBarWidth)
			}
			if f > 0 && width < 1 {
				width = 1
			}
			if v == "" {
				v = "-"
			}
			sg.Bars = append(sg.Bars, svgBar{Y: y, Width: width, TextY: y + chartBarHeight - 3, ValueX: chartLabelWidth + width + 6,
				Value: v, Colour: colours[i%len(colours)], Year: c.Years[i]})
			y += chartBarHeight + 2
		}
		sc.Groups = append(sc.Groups, sg)
		y += 12
	}
	sc.Height = y
	return sc
}

var reportTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Report.Title}} – {{.Council}}</title>
<style>
body{font-family:Arial,Helvetica,sans-serif;color:#0b0c0c;margin:0 auto;max-width:960px;padding:20px 30px;line-height:1.35;font-size:19px}
.govuk-caption-l{color:#505a5f;font-size:24px;margin:0 0 5px}
h1{font-size:40px;line-height:1.1;margin:0 0 30px}
h2{font-size:30px;margin:45px 0 20px;padding-top:10px;border-top:1px solid #b1b4b6}
p,li{margin:0 0 15px}
.govuk-body-s,p.note{font-size:16px;color:#505a5f}
.summary{border-left:10px solid #1d70b8;padding:5px 0 5px 20px;margin:0 0 30px}
.summary ul{margin:0;padding-left:20px}
table{border-collapse:collapse;border-spacing:0;width:100%;margin:0 0 10px;font-size:16px}
caption{text-align:left;font-weight:bold;font-size:24px;padding:0 0 15px}
th,td{text-align:left;padding:10px 20px 10px 0;border-bottom:1px solid #b1b4b6;vertical-align:top}
th{font-weight:bold}
tbody th{font-weight:normal}
.n{text-align:right;font-variant-numeric:tabular-nums}
td:last-child,th:last-child{padding-right:0}
tr.total th,tr.total td,tfoot th,tfoot td{font-weight:bold;border-top:2px solid #0b0c0c}
tbody.further th,tbody.further td{color:#505a5f}
figure{margin:10px 0 35px}figcaption{font-size:16px;color:#505a5f}
svg text{font-family:Arial,Helvetica,sans-serif;font-size:14px;fill:#0b0c0c}
section.table{margin:0 0 30px}
nav.console{background:#f3f2f1;padding:10px 15px;margin-bottom:20px;font-size:16px}
nav.console a{color:#1d70b8;margin-right:15px}
nav.console label{font-weight:bold;margin-right:5px}
nav.console select,nav.console button{font:inherit}
@media print{
 @page{size:A4;margin:15mm}
 body{max-width:none;padding:0;font-size:11pt}
 nav.console{display:none}
 h2{break-after:avoid}
 table,figure,section.table{break-inside:avoid;page-break-inside:avoid}
 table{font-size:10pt}
 thead{display:table-header-group}
 tr{break-inside:avoid}
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
<p class="govuk-caption-l">{{.Council}}</p>
<h1>{{.Report.Title}}</h1>
<p class="govuk-body-s">Complaints, compliments and comments received from 1 April to 31 March, {{.Report.This}} compared with {{.Report.Previous}}; covering {{.Report.Scope}}.</p>
{{with .Introduction}}<h2>Introduction</h2>
{{range .}}<p>{{.}}</p>
{{end}}{{end}}
<h2>Summary</h2>
<div class="summary"><ul>{{range .Report.Summary}}<li>{{.}}</li>{{end}}</ul></div>
{{range .Sections}}<h2>{{.Heading}}</h2>
{{range .Tables}}<section class="table">
<table id="{{.ID}}">
<caption>{{.Caption}}</caption>
<thead><tr>{{range .Head}}<th scope="col"{{if .Num}} class="n"{{end}}>{{.Text}}</th>{{end}}</tr></thead>
<tbody>{{range .Body}}<tr><th scope="row">{{.Label}}</th>{{range .Cells}}<td{{if .Num}} class="n"{{end}}>{{.Text}}</td>{{end}}</tr>
{{end}}</tbody>
{{if .After}}{{with .Total}}<tbody><tr class="total"><th scope="row">{{.Label}}</th>{{range .Cells}}<td{{if .Num}} class="n"{{end}}>{{.Text}}</td>{{end}}</tr></tbody>{{end}}
<tbody class="further">{{range .After}}<tr><th scope="row">{{.Label}}</th>{{range .Cells}}<td{{if .Num}} class="n"{{end}}>{{.Text}}</td>{{end}}</tr>
{{end}}</tbody>{{else}}{{with .Total}}<tfoot><tr><th scope="row">{{.Label}}</th>{{range .Cells}}<td{{if .Num}} class="n"{{end}}>{{.Text}}</td>{{end}}</tr></tfoot>{{end}}{{end}}
</table>
{{with .Note}}<p class="note">{{.}}</p>{{end}}
{{range .Charts}}<figure>
<svg role="img" aria-labelledby="{{.ID}}-title" width="700" height="{{.Height}}" viewBox="0 0 700 {{.Height}}" xmlns="http://www.w3.org/2000/svg">
<title id="{{.ID}}-title">Bar chart: {{.Title}} ({{.Unit}})</title>
{{range .Legend}}<rect x="{{.X}}" y="4" width="14" height="14" fill="{{.Colour}}"></rect><text x="{{.X}}" dx="20" y="16">{{.Year}}</text>
{{end}}{{range .Groups}}<text x="222" y="{{.Y}}" text-anchor="end">{{.Label}}</text>
{{range .Bars}}<rect x="230" y="{{.Y}}" width="{{.Width}}" height="16" fill="{{.Colour}}"><title>{{.Year}}: {{.Value}}</title></rect><text x="{{.ValueX}}" y="{{.TextY}}">{{.Value}}</text>
{{end}}{{end}}</svg>
<figcaption>{{.Title}}, in {{.Unit}} (the table above gives every figure).</figcaption>
</figure>
{{end}}</section>
{{end}}{{end}}
</main>
</body></html>`))

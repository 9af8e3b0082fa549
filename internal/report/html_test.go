package report_test

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/council/intake/internal/casesimport"
	"github.com/council/intake/internal/report"
)

// TestWriteHTML holds the committee's copy to the paper's conventions: introduction, summary,
// then tables; no heading repeats a caption; every compared table has its change; text columns
// left and figures right; totals under their columns; each table kept on one printed page; no
// codes; areas by their display names; one chart per unit.
func TestWriteHTML(t *testing.T) {
	ctx := context.Background()
	f := sevenoaksFixture(t)
	if _, err := casesimport.Import(ctx, f.svc, ana, readImport(t, sevenoaksCSV(t)), false); err != nil {
		t.Fatal(err)
	}
	rep, err := report.Annual(ctx, f.svc, ana, 2018)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	intro := "This report covers <formal> complaints.\n\nIt is for information."
	if err := report.WriteHTML(&buf, rep, report.Page{Council: "Sevenoaks District Council", Introduction: intro}); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	order := []string{"<h2>Introduction</h2>\n<p>This report covers &lt;formal&gt; complaints.</p>\n<p>It is for information.</p>", "<h2>Summary</h2>", "<caption>"}
	last := -1
	for _, s := range order {
		i := strings.Index(page, s)
		if i <= last {
			t.Errorf("%q is missing or out of order", s)
		}
		last = i
	}
	captions := map[string]bool{}
	for _, m := range regexp.MustCompile(`<caption>([^<]*)</caption>`).FindAllStringSubmatch(page, -1) {
		captions[m[1]] = true
	}
	for _, m := range regexp.MustCompile(`<h[1-6][^>]*>([^<]*)</h[1-6]>`).FindAllStringSubmatch(page, -1) {
		if captions[m[1]] {
			t.Errorf("the heading %q repeats its table's caption", m[1])
		}
	}
	tables := regexp.MustCompile(`(?s)<table id="([a-z0-9_]+)">(.*?)</table>`).FindAllStringSubmatch(page, -1)
	if len(tables) != len(rep.Tables) {
		t.Errorf("%d tables in the page, %d in the report", len(tables), len(rep.Tables))
	}
	cell := regexp.MustCompile(`<t[hd](?: [^>]*)?>`)
	for _, m := range tables {
		id, body := m[1], m[2]
		head := body[strings.Index(body, "<thead>"):strings.Index(body, "</thead>")]
		width := len(cell.FindAllString(head, -1))
		if tab, _ := rep.Table(id); tab.Compare != nil && !strings.Contains(head, ">Change</th>") {
			t.Errorf("%s compares years but shows no change", id)
		}
		for _, tr := range regexp.MustCompile(`(?s)<tr[^>]*>(.*?)</tr>`).FindAllStringSubmatch(body, -1) {
			if n := len(cell.FindAllString(tr[1], -1)); n != width {
				t.Errorf("%s: a row of %d cells under %d columns: %s", id, n, width, tr[1])
			}
		}
	}
	// The decisions table: its service-area column is text, left-aligned; its count right.
	if !strings.Contains(page, `<th scope="col">Decision</th><th scope="col">Service area</th><th scope="col" class="n">Number of decisions</th>`) {
		t.Error("the decisions table's text columns are not left-aligned")
	}
	if !strings.Contains(page, `<tfoot><tr><th scope="row">Total</th><td class="n">70</td><td class="n">81</td><td class="n">&#43;11</td></tr></tfoot>`) {
		t.Error("the complaints received's total is not under its columns")
	}
	if !regexp.MustCompile(`@media print\{(?s:.*)table,figure,section.table\{break-inside:avoid`).MatchString(page) {
		t.Error("the print stylesheet does not keep tables on one page")
	}
	text := regexp.MustCompile(`<[^>]*>`).ReplaceAllString(page, " ") // what a reader sees
	for _, code := range []string{"not_investigated", "partly_upheld", "lgsco", "stage1", "development-services", "parking-services", "LGO"} {
		if strings.Contains(text, code) {
			t.Errorf("the page shows the code %q", code)
		}
	}
	if !strings.Contains(page, `<th scope="row">Development Services</th>`) {
		t.Error("service areas are not shown by their display names")
	}
	charts := 0
	for _, tab := range rep.Tables {
		charts += len(tab.Charts)
	}
	if n := strings.Count(page, "<svg "); n != charts || charts < 5 {
		t.Errorf("%d charts drawn, %d in the report", n, charts)
	}
	if strings.Contains(page, "<script") {
		t.Error("the report has a script")
	}
}

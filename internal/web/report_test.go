package web_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/council/intake/internal/embedded/embeddedtest"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/web"
)

// reportTokens: ana the complaints team, pm the Parking Services manager, po a parking officer.
var reportTokens = map[string]string{
	"tok-ana-012345678": "ana@sevenoaks.example.gov.uk",
	"tok-pm-0123456789": "pm@sevenoaks.example.gov.uk",
	"tok-po-0123456789": "po@sevenoaks.example.gov.uk",
}

// newReportEnv is the API over a council with seed 002's service areas, a week after the end of
// 2018/19, with the Sevenoaks acceptance file imported through POST /v1/import.
func newReportEnv(t *testing.T) *httptest.Server {
	t.Helper()
	staff, err := feedback.ParseDirectory("ana@sevenoaks.example.gov.uk=admin,pm@sevenoaks.example.gov.uk=manager:Parking Services," +
		"po@sevenoaks.example.gov.uk=officer:Parking Services")
	if err != nil {
		t.Fatal(err)
	}
	// ParseDirectory lower-cases areas; Sevenoaks' keys are written as the paper writes them.
	for email, m := range staff {
		if len(m.Areas) > 0 {
			m.Areas = []string{"Parking Services"}
			staff[email] = m
		}
	}
	areas := map[string]string{}
	for _, a := range []string{"Audit", "Benefits", "Building Control", "Communications", "Communities & Business", "Customer Services",
		"Democratic Services", "Development Services", "Direct Services", "Electoral Services", "Environmental Health",
		"Facilities Management", "Housing Advice", "Housing Standards", "IT Services", "Land Charges", "Legal", "Licensing",
		"Local Tax", "Parking Services", "Planning Policy", "Print", "Private Sector Housing", "Property", "Revenues"} {
		areas[a] = "complaints@sevenoaks.example.gov.uk"
	}
	stack := embeddedtest.Open(t, embeddedtest.Options{Now: time.Date(2019, 4, 8, 9, 0, 0, 0, time.UTC),
		Council: feedback.Council{Name: "Sevenoaks District Council <Example>", From: "x@example.gov.uk"},
		Routing: feedback.Routing{Areas: areas, Triage: "complaints@sevenoaks.example.gov.uk"},
		Staff:   staff,
	})
	h := &web.Handler{Service: stack.Service, Staff: web.BearerTokens(reportTokens, staff), Log: slog.New(slog.DiscardHandler)}
	srv := httptest.NewServer(h.Routes())
	t.Cleanup(srv.Close)
	b, err := os.ReadFile("../../testdata/sevenoaks-2017-2019.csv")
	if err != nil {
		t.Fatal(err)
	}
	// One lesson written to test escaping: markup in HTML, a formula in CSV.
	file := strings.Replace(string(b), `"Explain the decision, not only the rule."`, `"=HYPERLINK(""x"") <script>alert(1)</script>"`, 1)
	status, body := send(t, srv, "POST", "/v1/import", "tok-ana-012345678", "text/csv", file)
	if status != http.StatusOK {
		t.Fatalf("POST /v1/import = %d %s", status, body)
	}
	return srv
}

func send(t *testing.T, srv *httptest.Server, method, path, token, contentType, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestHandler_AnnualReport(t *testing.T) {
	srv := newReportEnv(t)
	ana := "tok-ana-012345678"
	tests := []struct {
		name, path, token string
		status            int
		contentType       string
		contains          []string
		absent            []string
	}{
		{"JSON by default", "/v1/reports/annual?year=2018", ana, 200, "application/json",
			[]string{`"year":"2018/19"`, `"previous_year":"2017/18"`, `"label":"Benefits","cells":["11","16.2","8","11.1"]`}, nil},
		{"HTML for a committee paper", "/v1/reports/annual?year=2018&format=html", ana, 200, "text/html; charset=utf-8",
			[]string{"<caption>Appendix A: Stage 1 complaints received by service area</caption>", `<th scope="row">Benefits</th><td class="n">11</td><td class="n">16.2</td>`,
				"Stage 1 complaints rose by 4 to 72; 20 were upheld and 52 were found invalid.", `<th scope="col" class="n">Change</th>`,
				`<th scope="col"`, "<tfoot>", `<svg role="img"`, "@media print", "Sevenoaks District Council &lt;Example&gt;",
				"&lt;script&gt;alert(1)&lt;/script&gt;", `<th scope="row">Total</th><td class="n">68</td><td class="n">100</td><td class="n">72</td><td class="n">100</td>`},
			[]string{"<script", "<nav"}},
		{"one table as CSV", "/v1/reports/annual?year=2018&format=csv&table=stage1_by_area", ana, 200, "text/csv; charset=utf-8",
			[]string{"Service area,2017/18,% of total 2017/18,2018/19,% of total 2018/19\n", "Benefits,11,16.2,8,11.1\n", "Total,68,100,72,100\n"}, nil},
		{"a formula is not a formula", "/v1/reports/annual?year=2018&format=csv&table=lessons", ana, 200, "text/csv; charset=utf-8",
			[]string{`HYPERLINK(""x"") <script>alert(1)</script>`}, []string{`,=HYPERLINK`, `"=HYPERLINK`}},
		{"Accept picks the format", "/v1/reports/annual?year=2018&table=compensation", ana, 200, "application/json",
			[]string{`"caption":"Compensation paid (£)"`, `{"label":"Stage 1","cells":["990.50","0"]}`}, nil},
		{"a manager sees their areas", "/v1/reports/annual?year=2018&table=stage1_by_area", "tok-pm-0123456789", 200, "application/json",
			[]string{`"rows":[{"label":"Parking Services","cells":["7","100","12","100"]}]`}, []string{"Benefits"}},
		{"an officer may not", "/v1/reports/annual?year=2018", "tok-po-0123456789", 403, "application/problem+json", nil, nil},
		{"nobody may not", "/v1/reports/annual?year=2018", "", 401, "application/problem+json", nil, nil},
		{"no such table", "/v1/reports/annual?year=2018&table=nope", ana, 404, "application/problem+json", nil, nil},
		{"a bad year", "/v1/reports/annual?year=last", ana, 422, "application/problem+json", nil, nil},
		{"a bad format", "/v1/reports/annual?format=pdf", ana, 422, "application/problem+json", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", srv.URL+tt.path, nil)
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status || resp.Header.Get("Content-Type") != tt.contentType {
				t.Fatalf("GET %s = %d %s: %s", tt.path, resp.StatusCode, resp.Header.Get("Content-Type"), b)
			}
			for _, s := range tt.contains {
				if !strings.Contains(string(b), s) {
					t.Errorf("the answer lacks %q", s)
				}
			}
			for _, s := range tt.absent {
				if strings.Contains(string(b), s) {
					t.Errorf("the answer has %q", s)
				}
			}
		})
	}
	t.Run("every table as a CSV in a ZIP", func(t *testing.T) {
		req, _ := http.NewRequest("GET", srv.URL+"/v1/reports/annual?year=2018", nil)
		req.Header.Set("Authorization", "Bearer "+ana)
		req.Header.Set("Accept", "application/zip")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatalf("%d %s: %v", resp.StatusCode, resp.Header.Get("Content-Type"), err)
		}
		var names []string
		for _, f := range zr.File {
			names = append(names, f.Name)
		}
		// The complaints team's report: the 14 tables, and the restrictions register.
		if len(names) != 15 || names[1] != "stage1_by_area.csv" || names[14] != "restrictions.csv" {
			t.Errorf("the ZIP holds %v", names)
		}
	})
}

func TestHandler_Import(t *testing.T) {
	srv := newReportEnv(t)
	ana := "tok-ana-012345678"
	header := "reference,kind,channel,received_date,stage1_outcome,stage1_response_date\n"
	tests := []struct {
		name, token, contentType, body string
		status                         int
		want                           string
	}{
		{"bad rows by line and column", ana, "text/csv", header + "X-1,complaint,web,31st January 2019,,\nX-2,complaint,web,2019-01-31,maybe,2019-02-01\n", 422,
			`{"rows":2,"imported":0,"statistics_only":0,"already_there":0,"refused":2,"skipped":0,"problems":[{"line":2,"column":"received_date","message":"\"31st January 2019\" is not a date: write YYYY-MM-DD or DD/MM/YYYY, with a time of day if there is one (2019-03-31, 31/03/2019 23:30 or 2019-03-31T23:30:00+01:00)."},{"line":3,"column":"stage1_outcome","message":"\"maybe\" is not an outcome: write upheld, partly_upheld, not_upheld or invalid."}],"written":false}`},
		{"good rows", ana, "text/csv", header + "X-3,complaint,web,2019-01-31,upheld,2019-02-01\n", 200,
			`{"rows":1,"imported":1,"statistics_only":0,"already_there":0,"refused":0,"skipped":0,"problems":[],"written":true}`},
		{"the same again adds nothing", ana, "text/csv", header + "X-3,complaint,web,2019-01-31,upheld,2019-02-01\n", 200,
			`{"rows":1,"imported":0,"statistics_only":0,"already_there":1,"refused":0,"skipped":0,"problems":[],"written":true}`},
		{"not UTF-8", ana, "text/csv", "reference,kind,channel,received_date,lessons_learned\nX-4,comment,web,2019-01-31,Caf\xe9\n", 422, ""},
		{"Windows-1252, declared in the Content-Type", ana, "text/csv; charset=windows-1252", "reference,kind,channel,received_date,stage1_outcome,stage1_response_date,lessons_learned\nX-5,complaint,web,31/01/2019 17:45,upheld,2019-02-01,Say sorry \x96 soon\n", 200,
			`{"rows":1,"imported":1,"statistics_only":0,"already_there":0,"refused":0,"skipped":0,"problems":[],"written":true}`},
		{"only admins", "tok-pm-0123456789", "text/csv", header, 403, ""},
		{"only CSV", ana, "application/json", "{}", 415, ""},
		{"not CSV at all", ana, "text/csv", "a,\"b\nc", 422, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, b := send(t, srv, "POST", "/v1/import", tt.token, tt.contentType, tt.body)
			if status != tt.status {
				t.Fatalf("POST /v1/import = %d %s", status, b)
			}
			if tt.want != "" && strings.TrimSpace(string(b)) != tt.want {
				t.Errorf("POST /v1/import =\n%s\nwant\n%s", b, tt.want)
			}
			if tt.want == "" {
				var p map[string]any
				if err := json.Unmarshal(b, &p); err != nil || p["detail"] == "" {
					t.Errorf("not a problem: %s", b)
				}
			}
			if tt.name == "not UTF-8" && !strings.Contains(string(b), "save the file as CSV UTF-8") {
				t.Errorf("a file that is not UTF-8: %s", b)
			}
		})
	}
}

// TestConsole_ReportAndImport signs in to the console as the complaints team, imports the
// example file (docs/api.md) through the upload page, and shows the report; a manager sees the
// report, an officer sees neither page.
func TestConsole_ReportAndImport(t *testing.T) {
	e := newConsoleEnv(t, false)
	admin := e.signIn(t, "admin@example.gov.uk")
	resp, body := get(t, admin, e.srv.URL+"/officer/import")
	if resp.StatusCode != 200 || !strings.Contains(body, `enctype="multipart/form-data"`) {
		t.Fatalf("GET /officer/import = %d\n%s", resp.StatusCode, body)
	}
	file, err := os.ReadFile("../../testdata/import-example.csv")
	if err != nil {
		t.Fatal(err)
	}
	upload := func(t *testing.T, c *http.Client, csrf string, file []byte) (int, string) {
		t.Helper()
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("csrf", csrf)
		if bytes.Contains(file, []byte("X-3,")) {
			mw.WriteField("encoding", "windows-1252")
		}
		fw, _ := mw.CreateFormFile("file", "cases.csv")
		fw.Write(file)
		mw.Close()
		req, _ := http.NewRequest("POST", e.srv.URL+"/officer/import", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	tests := []struct {
		name   string
		csrf   string
		file   []byte
		status int
		want   string
	}{
		{"the example", csrfOf(t, body), file, 200, "4 cases imported; 0 were here already"},
		{"again", csrfOf(t, body), file, 200, "0 cases imported; 4 were here already"},
		{"a bad row", csrfOf(t, body), []byte("reference,kind,channel,received_date\nX-1,grumble,web,2026-01-05\n"), 422,
			"<td>2</td><td>kind</td><td>&#34;grumble&#34; is not a kind of feedback"},
		{"not UTF-8", csrfOf(t, body), []byte("reference,kind,channel,received_date,lessons_learned\nX-2,comment,web,2026-01-05,Caf\xe9\n"), 422,
			"save the file as CSV UTF-8"},
		{"Windows-1252, as chosen", csrfOf(t, body), []byte("reference,kind,channel,received_date,stage1_outcome,stage1_response_date,lessons_learned\nX-3,complaint,web,05/01/2026 16:30,upheld,2026-01-12,Caf\xe9 \x96 opening hours\n"), 200,
			"1 cases imported"},
		{"a forged form", "forged", file, 403, "did not come from the console"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, got := upload(t, admin, tt.csrf, tt.file)
			if status != tt.status || !strings.Contains(got, tt.want) {
				t.Errorf("upload = %d, want %d with %q\n%s", status, tt.status, tt.want, got)
			}
		})
	}
	resp, body = get(t, admin, e.srv.URL+"/officer/reports/annual?year=2025")
	if resp.StatusCode != 200 || !strings.Contains(body, "Annual complaints report 2025/26") || !strings.Contains(body, `<nav class="console"`) ||
		!strings.Contains(body, "Example &lt;District&gt; Council") {
		t.Errorf("GET the report = %d\n%s", resp.StatusCode, body)
	}
	manager := e.signIn(t, "manager@example.gov.uk")
	if resp, body := get(t, manager, e.srv.URL+"/officer/reports/annual?year=2025"); resp.StatusCode != 200 || strings.Contains(body, `<th scope="row">housing</th>`) {
		t.Errorf("a manager's report = %d (housing listed: %v)", resp.StatusCode, strings.Contains(body, "housing"))
	}
	officer := e.signIn(t, "planning@example.gov.uk")
	for _, tt := range []struct {
		c     *http.Client
		links []string
		not   []string
	}{
		{admin, []string{`href="/officer/reports/annual"`, `href="/officer/import"`}, nil},
		{manager, []string{`href="/officer/reports/annual"`}, []string{`href="/officer/import"`}},
		{officer, nil, []string{`href="/officer/reports/annual"`, `href="/officer/import"`}},
	} {
		_, body := get(t, tt.c, e.srv.URL+"/officer")
		for _, l := range tt.links {
			if !strings.Contains(body, l) {
				t.Errorf("My cases lacks %s", l)
			}
		}
		for _, l := range tt.not {
			if strings.Contains(body, l) {
				t.Errorf("My cases offers %s to someone who may not use it", l)
			}
		}
	}
	for _, path := range []string{"/officer/reports/annual", "/officer/import"} {
		if resp, _ := get(t, officer, e.srv.URL+path); resp.StatusCode != http.StatusForbidden {
			t.Errorf("an officer's GET %s = %d", path, resp.StatusCode)
		}
	}
}

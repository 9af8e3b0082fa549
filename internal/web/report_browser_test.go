package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestAnnualReport_Browser_Accessibility opens the committee HTML of the Sevenoaks report in
// headless Chromium, runs axe-core over it (no serious or critical violation), and keeps a
// screenshot as a committee would print it (INTAKE_REPORT_SCREENSHOT names where; otherwise a
// temporary directory).
func TestAnnualReport_Browser_Accessibility(t *testing.T) {
	ctx := consoleBrowser(t)
	axe := axeSource(t)
	srv := newReportEnv(t)
	status, html := send(t, srv, "GET", "/v1/reports/annual?year=2018&format=html", "tok-ana-012345678", "", "")
	if status != http.StatusOK {
		t.Fatalf("GET the report = %d", status)
	}
	// The browser cannot send the bearer token, so the very bytes the API answered are served
	// from a page of their own.
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(html)
	}))
	t.Cleanup(page.Close)
	var shot []byte
	if err := chromedp.Run(ctx, chromedp.Navigate(page.URL), chromedp.WaitVisible("#stage1_by_area", chromedp.ByID),
		chromedp.FullScreenshot(&shot, 100)); err != nil {
		t.Fatal(err)
	}
	checkAxe(t, ctx, axe, "annual report")
	var scripts int
	if err := chromedp.Run(ctx, chromedp.Evaluate(`document.scripts.length`, &scripts)); err != nil {
		t.Fatal(err)
	}
	if scripts != 0 { // axe is evaluated, not added as an element
		t.Errorf("the report has %d scripts", scripts)
	}
	dir := os.Getenv("INTAKE_REPORT_SCREENSHOT")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.WriteFile(filepath.Join(dir, "annual-report-2018-19.png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestConsole_Browser_ReportPages runs axe-core over the console's import page (empty, and
// after an upload with a bad row) and its report page, signed in as the complaints team.
func TestConsole_Browser_ReportPages(t *testing.T) {
	axe := axeSource(t)
	ctx := consoleBrowser(t)
	e := newConsoleEnv(t, false)
	bad := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(bad, []byte("reference,kind,channel,received_date\nX-1,grumble,web,05/01/2026\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	example, err := filepath.Abs("../../testdata/import-example.csv")
	if err != nil {
		t.Fatal(err)
	}
	step := func(name string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkAxe(t, ctx, axe, name)
	}
	e.browserSignIn(t, ctx, "admin@example.gov.uk")
	step("import page", chromedp.Navigate(e.srv.URL+"/officer/import"), chromedp.WaitVisible("#file", chromedp.ByID))
	step("import with a bad row", chromedp.SetUploadFiles("#file", []string{bad}, chromedp.ByID),
		chromedp.Click("main button[type=submit]", chromedp.ByQuery), chromedp.WaitVisible("#error-summary", chromedp.ByID))
	step("import done", chromedp.SetUploadFiles("#file", []string{example}, chromedp.ByID),
		chromedp.Click(`main button[type=submit]`, chromedp.ByQuery), chromedp.WaitVisible("//p[contains(., '4 cases imported')]"))
	step("report page", chromedp.Navigate(e.srv.URL+"/officer/reports/annual?year=2025"), chromedp.WaitVisible("#stage1_by_area", chromedp.ByID))
}

// browserSignIn signs email in to the console in the browser ctx, through the emailed link.
func (e *consoleEnv) browserSignIn(t *testing.T, ctx context.Context, email string) {
	t.Helper()
	if err := chromedp.Run(ctx, chromedp.Navigate(e.srv.URL+"/officer/sign-in"), chromedp.WaitVisible("#email", chromedp.ByID),
		chromedp.SendKeys("#email", email, chromedp.ByID), chromedp.Click("button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("//h1[text()='Check your email']")); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Run(ctx, chromedp.Navigate(e.srv.URL+e.lastLink(t)), chromedp.WaitVisible("#confirm", chromedp.ByID),
		chromedp.Click("#confirm", chromedp.ByID), chromedp.WaitVisible("header .who", chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
}

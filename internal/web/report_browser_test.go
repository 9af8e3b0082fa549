package web_test

import (
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

package web_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/council/intake/internal/casesimport"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/web"
)

// TestConsole_Browser_ImportInTheBackground runs axe-core over the pages of an import in the
// background, driven in headless Chromium as the complaints team would: the start page, the
// job's page asking for the file (and its error), the page while the import runs, and the page
// of a finished import with its problems.
func TestConsole_Browser_ImportInTheBackground(t *testing.T) {
	axe := axeSource(t)
	ctx := consoleBrowser(t)
	e := newConsoleEnv(t, true)
	jobs := e.svc.Store.(feedback.ImportJobStore)
	runner := &casesimport.Runner{Service: e.svc, Jobs: jobs, Files: e.svc.Blobs}
	e.console.Imports = &web.Imports{Jobs: jobs, Accept: func(ctx context.Context, id string, file []byte) error {
		if err := e.svc.Blobs.Put(ctx, feedback.ImportFileKey(id), file, "text/csv"); err != nil {
			return err
		}
		return runner.Run(ctx, id) // at once: the page after the upload shows it finished
	}}
	bad := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(bad, []byte("reference,kind,channel,received_date\nX-1,grumble,web,05/01/2026\nX-2,comment,web,05/01/2026\n"), 0o600); err != nil {
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
	step("import start page", chromedp.Navigate(e.srv.URL+"/officer/import"), chromedp.WaitVisible("#encoding", chromedp.ByID))
	step("the job asks for the file", chromedp.Click("#good_rows_only", chromedp.ByID), chromedp.Click("main button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("#file", chromedp.ByID))
	var jobURL string
	if err := chromedp.Run(ctx, chromedp.Location(&jobURL)); err != nil {
		t.Fatal(err)
	}
	step("no file chosen", chromedp.Click("main button[type=submit]", chromedp.ByQuery), chromedp.WaitVisible("#error-summary", chromedp.ByID))
	step("the import finished with a problem", chromedp.SetUploadFiles("#file", []string{bad}, chromedp.ByID),
		chromedp.Click("main button[type=submit]", chromedp.ByQuery), chromedp.WaitVisible("#imported", chromedp.ByID))
	var imported, refused string
	if err := chromedp.Run(ctx, chromedp.Text("#imported", &imported, chromedp.ByID), chromedp.Text("#refused", &refused, chromedp.ByID)); err != nil {
		t.Fatal(err)
	}
	if imported != "1" || refused != "1" {
		t.Errorf("imported %q, refused %q; want 1 and 1", imported, refused)
	}
	// Another job, shown while it runs.
	j, err := feedback.NewImportJob(consoleStaff["admin@example.gov.uk"], e.clock.Now(), "", false)
	if err != nil {
		t.Fatal(err)
	}
	j.State, j.Rows, j.Done = feedback.ImportRunning, 50000, 12000
	if err := jobs.PutImportJob(context.Background(), j, ""); err != nil {
		t.Fatal(err)
	}
	// While it runs the page does not reload itself unless asked (a meta refresh, which axe
	// reports as such whatever the page offers, only with reload=on).
	running := e.srv.URL + "/officer/import/" + j.ID + "?uploaded=1"
	if err := chromedp.Run(ctx, chromedp.Navigate(running), chromedp.WaitVisible("#done", chromedp.ByID),
		chromedp.WaitVisible("//a[text()='Reload this page every 5 seconds']")); err != nil {
		t.Fatalf("an import running: %v", err)
	}
	checkAxe(t, ctx, axe, "an import running")
}

package web_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// browser starts headless Chromium for the form's browser tests. Without Chromium the tests skip
// with a loud message; INTAKE_REQUIRE_BROWSER=1 (set by .ci/run once it has installed Chromium)
// makes that a failure.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		msg := "Chromium is not installed, so the browser tests of the form cannot run (apt-get install chromium)."
		if os.Getenv("INTAKE_REQUIRE_BROWSER") == "1" {
			t.Fatal(msg + " INTAKE_REQUIRE_BROWSER=1 makes this a failure.")
		}
		t.Skip("SKIPPING: " + msg)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1024, 1400),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	return ctx
}

// focused returns the id (or, for the button, the text) of the element that has focus.
func focused(ctx context.Context) (string, error) {
	var id string
	err := chromedp.Run(ctx, chromedp.Evaluate(`document.activeElement.id || document.activeElement.textContent.trim()`, &id))
	return id, err
}

func TestForm_Browser_KeyboardOnly(t *testing.T) {
	ctx := browser(t)
	e := newEnv(t)
	if err := chromedp.Run(ctx, chromedp.Navigate(e.srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	// Tab through the form as a keyboard user does, typing as we go; the focus order must
	// follow the page and skip the hidden honeypot.
	steps := []struct {
		wantFocus string
		keys      string
	}{
		{"kind", " "}, // the first radio: "A complaint"; space selects it
		{"service_area", ""},
		{"subject", "Missed bin"},
		{"message", "Our bin was missed <again> & again."},
		{"name", "Ada Resident"},
		{"email", "ada@example.com"},
		{"phone", ""},
		{"Send", kb.Enter},
	}
	for _, st := range steps {
		if err := chromedp.Run(ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
			t.Fatal(err)
		}
		got, err := focused(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got != st.wantFocus {
			t.Fatalf("after Tab the focus is on %q, want %q", got, st.wantFocus)
		}
		if st.keys != "" {
			if err := chromedp.Run(ctx, chromedp.KeyEvent(st.keys)); err != nil {
				t.Fatal(err)
			}
		}
	}
	var url, panel string
	if err := chromedp.Run(ctx,
		chromedp.WaitVisible(".panel", chromedp.ByQuery),
		chromedp.Location(&url),
		chromedp.Text(".panel", &panel, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(url, "/thank-you?ref=FB-2026-000001") || !strings.Contains(panel, "FB-2026-000001") {
		t.Errorf("after sending: %s showing %q; want the thank-you page with FB-2026-000001", url, panel)
	}
	c, err := e.store.Get(ctx, "FB-2026-000001")
	if err != nil || c.Message != "Our bin was missed <again> & again." || c.Kind != "complaint" {
		t.Errorf("stored case = %+v, %v; want the complaint as typed", c, err)
	}
}

func TestForm_Browser_ErrorsKeepTextAndTakeFocus(t *testing.T) {
	ctx := browser(t)
	e := newEnv(t)
	var summary, message, focus string
	var links []string
	err := chromedp.Run(ctx,
		chromedp.Navigate(e.srv.URL+"/"),
		chromedp.SendKeys("#message", "Words I do not want to type twice", chromedp.ByID),
		chromedp.SendKeys("#email", "ada@", chromedp.ByID),
		chromedp.Click("button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("#error-summary", chromedp.ByID),
		chromedp.Text("#error-summary", &summary, chromedp.ByID),
		chromedp.Value("#message", &message, chromedp.ByID),
		chromedp.Evaluate(`[...document.querySelectorAll('#error-summary a')].map(a => a.getAttribute('href'))`, &links),
		chromedp.Evaluate(`document.activeElement.id`, &focus),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(summary, "There is a problem") || !strings.Contains(summary, "Choose whether this is a complaint") {
		t.Errorf("error summary = %q", summary)
	}
	if message != "Words I do not want to type twice" {
		t.Errorf("the message box holds %q after the error; the resident's text was lost", message)
	}
	if strings.Join(links, " ") != "#kind #email" {
		t.Errorf("error summary links = %v, want #kind #email (each to its field)", links)
	}
	if focus != "error-summary" {
		t.Errorf("focus after the error is on %q; want the error summary, so a screen reader announces it", focus)
	}
	if os.Getenv("INTAKE_SCREENSHOTS") != "" {
		var png []byte
		if err := chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)); err == nil {
			os.WriteFile(filepath.Join(os.Getenv("INTAKE_SCREENSHOTS"), "form-errors.png"), png, 0o644)
		}
	}
}

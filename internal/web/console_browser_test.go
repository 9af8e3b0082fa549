//go:build linux

package web_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/council/intake/internal/feedback"
)

// consoleBrowser is the console tests' name for browser (browser_test.go), which starts
// Chromium in a process group of its own and removes its profile only after every process of
// it has exited.
func consoleBrowser(t *testing.T) context.Context { return browser(t) }

// axeSource returns axe-core's script, installed by `make axe` (npm ci).
func axeSource(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		msg := "axe-core is not installed, so the console's accessibility tests cannot run (make axe, which runs npm ci)."
		if os.Getenv("INTAKE_REQUIRE_BROWSER") == "1" {
			t.Fatal(msg + " INTAKE_REQUIRE_BROWSER=1 makes this a failure.")
		}
		t.Skip("SKIPPING: " + msg)
	}
	return string(b)
}

type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []string `json:"target"`
	} `json:"nodes"`
}

// checkAxe runs axe-core on the page the browser shows and fails on any serious or critical
// violation.
func checkAxe(t *testing.T, ctx context.Context, axe, name string) {
	t.Helper()
	var raw string
	err := chromedp.Run(ctx,
		chromedp.Evaluate(axe, nil),
		chromedp.Evaluate(`axe.run(document).then(r => JSON.stringify(r.violations))`, &raw,
			func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }),
	)
	if err != nil {
		t.Fatalf("%s: run axe: %v", name, err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		t.Fatalf("%s: axe results: %v", name, err)
	}
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			var where []string
			for _, n := range v.Nodes {
				where = append(where, strings.Join(n.Target, " "))
			}
			t.Errorf("%s: %s violation %s (%s) at %v", name, v.Impact, v.ID, v.Help, where)
		}
	}
}

func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	var u string
	if err := chromedp.Run(ctx, chromedp.Location(&u)); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestConsole_Browser_Accessibility(t *testing.T) {
	axe := axeSource(t)
	ctx := consoleBrowser(t)
	e := newConsoleEnv(t, true)
	k := e.submit(t, "complaint", "planning", "My bin was missed <again> & again.")
	if err := e.svc.Process(context.Background(), k.Ref); err != nil {
		t.Fatal(err)
	}
	e.submit(t, "comment", "planning", "A comment")
	e.clock.Set(time.Date(2027, 1, 8, 10, 0, 0, 0, time.UTC)) // the complaint is overdue

	step := func(name string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkAxe(t, ctx, axe, name)
	}
	step("sign-in page", chromedp.Navigate(e.srv.URL+"/officer/sign-in"), chromedp.WaitVisible("#email", chromedp.ByID))
	step("sign-in error", chromedp.Click("button[type=submit]", chromedp.ByQuery), chromedp.WaitVisible("#error-summary", chromedp.ByID))
	step("sign-in sent", chromedp.SendKeys("#email", "planning@example.gov.uk", chromedp.ByID),
		chromedp.Click("button[type=submit]", chromedp.ByQuery), chromedp.WaitVisible("//h1[text()='Check your email']"))
	link := e.srv.URL + e.lastLink(t)
	step("confirm", chromedp.Navigate(link), chromedp.WaitVisible("#confirm", chromedp.ByID))
	step("my cases", chromedp.Click("#confirm", chromedp.ByID), chromedp.WaitVisible("table", chromedp.ByQuery))
	step("case page", chromedp.Navigate(e.srv.URL+"/officer/cases/"+k.Ref), chromedp.WaitVisible("#note-text", chromedp.ByID))
	step("case page with an error", chromedp.Click(`form[action$="/note"] button`, chromedp.ByQuery), chromedp.WaitVisible("#error-summary", chromedp.ByID))
	step("not found", chromedp.Navigate(e.srv.URL+"/officer/cases/FB-2099-999999"), chromedp.WaitVisible("//h1[text()='Page not found']"))
	step("forbidden", chromedp.Navigate(e.srv.URL+"/officer"), chromedp.WaitVisible("table", chromedp.ByQuery),
		chromedp.SetValue(`header input[name=csrf]`, "forged", chromedp.ByQuery),
		chromedp.Click("header button", chromedp.ByQuery), chromedp.WaitVisible("//h1[text()='You cannot do that']"))
	step("link used", chromedp.Navigate(link), chromedp.WaitVisible("#confirm", chromedp.ByID),
		chromedp.Click("#confirm", chromedp.ByID), chromedp.WaitVisible("//h1[text()='That link cannot be used']"))
}

// keyboard drives the page in ctx by keys alone, as someone who cannot use a mouse does.
type keyboard struct {
	t   *testing.T
	ctx context.Context
}

func (k keyboard) press(keys ...string) {
	k.t.Helper()
	for _, key := range keys {
		if err := chromedp.Run(k.ctx, chromedp.KeyEvent(key)); err != nil {
			k.t.Fatal(err)
		}
	}
}

// tabTo presses Tab until the focus is on the element matching want (a JavaScript test of
// document.activeElement), at most limit times.
func (k keyboard) tabTo(what, want string, limit int) {
	k.t.Helper()
	for range limit {
		k.press(kb.Tab)
		var ok bool
		if err := chromedp.Run(k.ctx, chromedp.Evaluate(`(e => `+want+`)(document.activeElement)`, &ok)); err != nil {
			k.t.Fatal(err)
		}
		if ok {
			return
		}
	}
	k.t.Fatalf("Tab never reached %s", what)
}

func TestConsole_Browser_KeyboardOnly(t *testing.T) {
	ctx := consoleBrowser(t)
	e := newConsoleEnv(t, false)
	e.realLifecycle()
	k := e.submit(t, "complaint", "planning", "The planning portal lost my objection.")

	keys := keyboard{t, ctx}
	press, tabTo := keys.press, keys.tabTo

	if err := chromedp.Run(ctx, chromedp.Navigate(e.srv.URL+"/officer"), chromedp.WaitVisible("#email", chromedp.ByID)); err != nil {
		t.Fatal(err)
	}
	if u := location(t, ctx); !strings.HasSuffix(u, "/officer/sign-in") {
		t.Fatalf("signed out, /officer went to %s; want the sign-in page", u)
	}
	tabTo("the email box", `e.id === "email"`, 5)
	press("planning@example.gov.uk", kb.Enter)
	if err := chromedp.Run(ctx, chromedp.WaitVisible("//h1[text()='Check your email']")); err != nil {
		t.Fatal(err)
	}
	// The link from the outbox, opened as if from the email.
	if err := chromedp.Run(ctx, chromedp.Navigate(e.srv.URL+e.lastLink(t)), chromedp.WaitVisible("#confirm", chromedp.ByID)); err != nil {
		t.Fatal(err)
	}
	tabTo("the Sign in button", `e.id === "confirm"`, 5)
	press(kb.Enter)
	if err := chromedp.Run(ctx, chromedp.WaitVisible("table", chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	tabTo("the case's link", `e.tagName === "A" && e.textContent === "`+k.Ref+`"`, 20)
	press(kb.Enter)
	var h1 string
	if err := chromedp.Run(ctx, chromedp.WaitVisible("dl.summary-list", chromedp.ByQuery), chromedp.Text("h1", &h1, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h1, k.Ref) || !strings.HasSuffix(location(t, ctx), "/officer/cases/"+k.Ref) {
		t.Fatalf("after Enter on the case link: %s showing %q; want the case page of %s", location(t, ctx), h1, k.Ref)
	}

	// Respond to it, by the keyboard alone: the outcome by arrow keys in its radio group, the
	// summary typed, "sent by" chosen with Space, and the form sent with Enter.
	tabTo("the first outcome", `e.name === "outcome"`, 80)
	press(kb.ArrowDown, kb.ArrowDown) // upheld → partly upheld → not upheld
	tabTo("the summary", `e.id === "respond-summary"`, 5)
	press("We found that the portal worked; the objection was never sent.")
	tabTo("the first way of sending", `e.name === "sent_by"`, 5)
	press(" ")
	tabTo("the Record response button", `e.tagName === "BUTTON" && e.textContent === "Record response"`, 5)
	press(kb.Enter)
	var page string
	// The case page before the post has the same layout: wait for the notice only the page
	// after it shows.
	if err := chromedp.Run(ctx, chromedp.WaitVisible(".notice", chromedp.ByQuery), chromedp.Text(".notice", &page, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page, "The response has been recorded.") {
		t.Errorf("after responding by keyboard the page says:\n%s", page)
	}
	got, err := e.svc.Store.Get(context.Background(), k.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if got.Outcome() != feedback.OutcomeNotUpheld {
		t.Errorf("the case's outcome is %q, want not upheld", got.Outcome())
	}
}

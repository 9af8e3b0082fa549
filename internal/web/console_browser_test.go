//go:build linux

package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
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

// checkAxe runs axe-core on the page the browser shows and fails on any violation, whatever
// its impact.
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
		var where []string
		for _, n := range v.Nodes {
			where = append(where, strings.Join(n.Target, " "))
		}
		t.Errorf("%s: %s violation %s (%s) at %v", name, v.Impact, v.ID, v.Help, where)
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

// checkNoSidewaysScroll fails when the page is wider than the window, so that something
// scrolls sideways.
func checkNoSidewaysScroll(t *testing.T, ctx context.Context, width int64, name string) {
	t.Helper()
	var scroll int64
	if err := chromedp.Run(ctx, chromedp.Evaluate(`document.documentElement.scrollWidth`, &scroll)); err != nil {
		t.Fatal(err)
	}
	if scroll > width {
		t.Errorf("%s at %d px: the page is %d px wide, so it scrolls sideways", name, width, scroll)
	}
}

// TestConsole_Browser_Accessibility runs axe-core over every console page and state, at 1280
// and 375 px wide, and checks that nothing scrolls sideways at either width.
func TestConsole_Browser_Accessibility(t *testing.T) {
	axe := axeSource(t)
	ctx := consoleBrowser(t)
	e := newConsoleEnv(t, true)
	w := e.workedCases(t)
	k := e.submit(t, "complaint", "planning", "My bin was missed <again> & again, and a very-long-word-with-no-spaces-at-all-that-must-wrap-somewhere-on-a-phone.")
	if err := e.svc.Process(context.Background(), k.Ref); err != nil {
		t.Fatal(err)
	}
	e.submit(t, "comment", "planning", "A comment")
	// A conversation: a note and a reply on the timeline; a resident under a restriction that
	// names another officer, and one with no email address, whose reply pages say why not.
	bg, admin := context.Background(), consoleStaff["admin@example.gov.uk"]
	if _, err := e.svc.AddNote(bg, admin, k.Ref, "Rang the resident: <no answer>."); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Reply(bg, admin, k.Ref, "Thank you: we are looking into it & will write again."); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Process(bg, k.Ref); err != nil {
		t.Fatal(err)
	}
	restricted, _, err := e.svc.Submit(bg, feedback.Submission{Kind: "complaint", Name: "Bo Restricted", Email: "bo@example.com", ServiceArea: "planning",
		Message: "Again.", Channel: feedback.ChannelWeb})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Restrict(bg, admin, feedback.NewRestriction{Contacts: []string{"bo@example.com"}, Reason: "persistent",
		Types: []feedback.RestrictionType{feedback.RestrictNamedOfficer}, NamedOfficer: "ana.officer@example.gov.uk"}); err != nil {
		t.Fatal(err)
	}
	byPhone, _, err := e.svc.Submit(bg, feedback.Submission{Kind: "complaint", Name: "Cy", Phone: "07700 900124", ServiceArea: "planning",
		Message: "By phone.", Channel: feedback.ChannelWeb})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Set(time.Date(2027, 1, 8, 10, 0, 0, 0, time.UTC)) // the complaints are overdue

	var width int64
	step := func(name string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			t.Fatalf("%s at %d px: %v", name, width, err)
		}
		checkAxe(t, ctx, axe, fmt.Sprintf("%s at %d px", name, width))
		checkNoSidewaysScroll(t, ctx, width, name)
	}
	visit := func(name, path, waitFor string) {
		t.Helper()
		step(name, chromedp.Navigate(e.srv.URL+path), chromedp.WaitVisible(waitFor, chromedp.ByQuery))
	}
	for i, wd := range []int64{1280, 375} {
		width = wd
		if err := chromedp.Run(ctx, chromedp.EmulateViewport(width, 900), network.ClearBrowserCookies()); err != nil {
			t.Fatal(err)
		}
		email := []string{"admin@example.gov.uk", "manager@example.gov.uk"}[i] // links are limited per address
		visit("sign-in page", "/officer/cases/"+k.Ref, "#email")
		step("sign-in error", chromedp.Click("button[type=submit]", chromedp.ByQuery), chromedp.WaitVisible("#error-summary", chromedp.ByID))
		step("sign-in sent", chromedp.SendKeys("#email", email, chromedp.ByID),
			chromedp.Click("button[type=submit]", chromedp.ByQuery), chromedp.WaitVisible("//h1[text()='Check your email']"))
		link := e.srv.URL + e.lastLink(t)
		step("confirm", chromedp.Navigate(link), chromedp.WaitVisible("#confirm", chromedp.ByID))
		step("back on the case after signing in", chromedp.Click("#confirm", chromedp.ByID), chromedp.WaitVisible(".case-panel", chromedp.ByQuery))
		visit("my cases", "/officer", "table.queue")
		visit("my cases, overdue", "/officer?due=overdue&sort=received", "table.queue")
		visit("my cases, none", "/officer?due=today", "#count")
		for _, c := range []*feedback.Case{k, w.responded, w.referred, w.held} {
			visit("case page "+c.Ref, "/officer/cases/"+c.Ref, ".case-panel")
			now, err := e.svc.Store.Get(context.Background(), c.Ref)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range e.svc.Actions(consoleStaff[email], now) {
				visit("the "+string(a.Name)+" form of "+c.Ref, "/officer/cases/"+c.Ref+"/"+string(a.Name), "form[novalidate]")
				step("the "+string(a.Name)+" form of "+c.Ref+" with errors", chromedp.Click("main form button[type=submit]", chromedp.ByQuery),
					chromedp.WaitVisible("#error-summary", chromedp.ByID))
			}
		}
		visit("search results", "/officer/search?q=ada+resident", "table.queue")
		visit("search results, filtered", "/officer/search?q=ada&status=open&kind=complaint", "table.queue")
		visit("search, no results", "/officer/search?q=unheard-of&channel=email", "#count")
		visit("search, nothing asked", "/officer/search", "h1")
		visit("search, nothing searchable", "/officer/search?q=%21", "#error-summary")
		visit("a restricted resident's case", "/officer/cases/"+restricted.Ref, ".case-panel")
		visit("a restricted resident's reply page", "/officer/cases/"+restricted.Ref+"/reply", ".warning-text")
		visit("a case with no email address", "/officer/cases/"+byPhone.Ref, ".case-panel")
		step("the reply's text sent, opened", chromedp.Navigate(e.srv.URL+"/officer/cases/"+k.Ref), chromedp.WaitVisible(".item-out summary", chromedp.ByQuery),
			chromedp.Click(".item-out summary", chromedp.ByQuery), chromedp.WaitVisible(".item-out details .text", chromedp.ByQuery))
		visit("not found", "/officer/cases/FB-2099-999999", "h1")
		if i == 0 {
			visit("residents' rights", "/officer/rights", "#contact")
			step("residents' rights, no address", chromedp.Click("main form button", chromedp.ByQuery), chromedp.WaitVisible("#error-summary", chromedp.ByID))
			step("residents' rights, what is held", chromedp.SetValue("#contact", "ada@example.com", chromedp.ByID),
				chromedp.Click("main form button", chromedp.ByQuery), chromedp.WaitVisible("#override_reason", chromedp.ByID))
			step("residents' rights, refused", chromedp.Click(`form[action$="/erase"] button`, chromedp.ByQuery), chromedp.WaitVisible("#error-summary", chromedp.ByID))
			visit("restrictions", "/officer/restrictions", "h1")
			step("restrictions, a date that is none", chromedp.SetValue("#decided_on-day", "31", chromedp.ByID),
				chromedp.SetValue("#decided_on-month", "2", chromedp.ByID), chromedp.SetValue("#decided_on-year", "2026", chromedp.ByID),
				chromedp.Click(`form[action="/officer/restrictions"] button[type=submit]`, chromedp.ByQuery), chromedp.WaitVisible("#error-summary", chromedp.ByID))
			visit("staff safety", "/officer/markers", "h1")
			add := chromedp.Click(`form[action="/officer/markers"] button[type=submit]`, chromedp.ByQuery)
			step("staff safety, a date that is none", chromedp.SetValue("#contact", "sam@example.com", chromedp.ByID),
				chromedp.SetValue("#reason", "Threatened staff.", chromedp.ByID), chromedp.SetValue("#told_on-day", "soon", chromedp.ByID),
				add, chromedp.WaitVisible("#error-summary", chromedp.ByID))
			step("staff safety, one not yet told", chromedp.Clear("#told_on-day", chromedp.ByID), add,
				chromedp.WaitVisible(`form[action$="/told"]`, chromedp.ByQuery))
			step("staff safety, a told date that is none", chromedp.SetValue(`form[action$="/told"] input[name$="-day"]`, "32", chromedp.ByQuery),
				chromedp.Click(`form[action$="/told"] button`, chromedp.ByQuery), chromedp.WaitVisible("#error-summary", chromedp.ByID))
			visit("reports", "/officer/reports/annual", "h1")
			visit("import", "/officer/import", "h1")
			visit("forward a social post", "/officer/social/new", "h1")
		}
		step("forbidden", chromedp.Navigate(e.srv.URL+"/officer"), chromedp.WaitVisible("table", chromedp.ByQuery),
			chromedp.SetValue(`header input[name=csrf]`, "forged", chromedp.ByQuery),
			chromedp.Click("header button", chromedp.ByQuery), chromedp.WaitVisible("//h1[text()='You cannot do that']"))
		step("link used", chromedp.Navigate(link), chromedp.WaitVisible("#confirm", chromedp.ByID),
			chromedp.Click("#confirm", chromedp.ByID), chromedp.WaitVisible("//h1[text()='That link cannot be used']"))
	}
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

// TestConsole_Browser_KeyboardOnly is issue 21's keyboard acceptance: by the keyboard alone an
// officer signs in, opens the first overdue case from the counts and records a response.
func TestConsole_Browser_KeyboardOnly(t *testing.T) {
	ctx := consoleBrowser(t)
	e := newConsoleEnv(t, true)
	e.submit(t, "comment", "planning", "A comment.")
	k := e.submit(t, "complaint", "planning", "The planning portal lost my objection.") // due 7 January 2027
	e.clock.Set(time.Date(2027, 1, 4, 10, 0, 0, 0, time.UTC))
	e.submit(t, "complaint", "planning", "Not overdue.")
	e.clock.Set(time.Date(2027, 1, 8, 10, 0, 0, 0, time.UTC))

	keys := keyboard{t, ctx}
	press, tabTo := keys.press, keys.tabTo
	wait := func(sel string) {
		t.Helper()
		if err := chromedp.Run(ctx, chromedp.WaitVisible(sel, chromedp.ByQuery)); err != nil {
			t.Fatalf("waiting for %s on %s: %v", sel, location(t, ctx), err)
		}
	}

	if err := chromedp.Run(ctx, chromedp.Navigate(e.srv.URL+"/officer"), chromedp.WaitVisible("#email", chromedp.ByID)); err != nil {
		t.Fatal(err)
	}
	if u := location(t, ctx); !strings.HasSuffix(u, "/officer/sign-in") {
		t.Fatalf("signed out, /officer went to %s; want the sign-in page", u)
	}
	tabTo("the skip link", `e.className === "skip"`, 3)
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
	wait(".counts")
	tabTo("the Overdue count", `e.tagName === "A" && e.textContent.includes("Overdue")`, 20)
	press(kb.Enter)
	wait("table.queue")
	if u := location(t, ctx); !strings.HasSuffix(u, "/officer?due=overdue") {
		t.Fatalf("the Overdue count went to %s", u)
	}
	tabTo("the first case's link", `e.tagName === "A" && e.getAttribute("href").startsWith("/officer/cases/")`, 40)
	press(kb.Enter)
	wait(".case-panel")
	if u := location(t, ctx); !strings.HasSuffix(u, "/officer/cases/"+k.Ref) {
		t.Fatalf("the first overdue case's link went to %s; want %s", u, k.Ref)
	}
	tabTo("the Record the response button", `e.tagName === "A" && e.textContent === "Record the response"`, 40)
	press(kb.Enter)
	wait("form[novalidate]")

	// The outcome by arrow keys in its radio group, the summary typed, "sent by" chosen with
	// Space, and the form sent with Enter.
	tabTo("the first outcome", `e.name === "outcome"`, 40)
	press(kb.ArrowDown, kb.ArrowDown) // upheld → partly upheld → not upheld
	tabTo("the summary", `e.id === "summary"`, 5)
	press("We found that the portal worked; the objection was never sent.")
	tabTo("the first way of sending", `e.name === "sent_by"`, 10)
	press(" ")
	tabTo("the Record the response button", `e.tagName === "BUTTON" && e.textContent === "Record the response"`, 5)
	press(kb.Enter)
	var page string
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

// TestConsole_Browser_Screenshots writes the screenshots in docs/images (the work queue and a
// case page, 1280 px wide) when INTAKE_SCREENSHOTS names the directory to write them to:
//
//	INTAKE_SCREENSHOTS=$PWD/docs/images go test -run Screenshots ./internal/web/
func TestConsole_Browser_Screenshots(t *testing.T) {
	dir := os.Getenv("INTAKE_SCREENSHOTS")
	if dir == "" {
		t.Skip("INTAKE_SCREENSHOTS is not set: no screenshots to write")
	}
	ctx := consoleBrowser(t)
	e := newConsoleEnv(t, true)
	bg := context.Background()
	for _, s := range []struct{ kind, area, name, subject, message string }{
		{"complaint", "planning", "Ada Resident", "Objection lost by the portal", "The planning portal lost my objection to 14 Mill Lane."},
		{"complaint", "planning", "Bilal Khan", "", "Nobody has replied about the hedge at the back of the library car park."},
		{"service_request", "planning", "", "", "Please send me the decision notice for my extension."},
		{"complaint", "housing", "Chloe Evans", "Damp in the bedroom", "The damp in my bedroom has come back since the repair in October."},
		{"comment", "planning", "Dev Patel", "Thank you", "The new online maps are much easier to use."},
	} {
		c, _, err := e.svc.Submit(bg, feedback.Submission{Kind: s.kind, Name: s.name, Email: "resident@example.com", ServiceArea: s.area,
			Subject: s.subject, Message: s.message, Channel: feedback.ChannelWeb})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Process(bg, c.Ref); err != nil {
			t.Fatal(err)
		}
		e.clock.Set(e.clock.Now().Add(50 * time.Hour))
	}
	// The first case's conversation: a note, a reply and the resident's answer.
	admin := consoleStaff["admin@example.gov.uk"]
	e.clock.Set(time.Date(2027, 1, 4, 9, 30, 0, 0, time.UTC))
	if _, err := e.svc.AddNote(bg, admin, "FB-2026-000001", "Rang the planning team: the objection is not in the portal's log."); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(time.Date(2027, 1, 4, 9, 45, 0, 0, time.UTC))
	if _, err := e.svc.Reply(bg, admin, "FB-2026-000001", "Dear Ada,\n\nThank you for your patience. Could you tell us the date you sent your objection?\n\nSam, complaints team"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Process(bg, "FB-2026-000001"); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(time.Date(2027, 1, 7, 10, 0, 0, 0, time.UTC))
	c := e.signIn(t, "admin@example.gov.uk")
	u, _ := url.Parse(e.srv.URL)
	var cookies []*network.CookieParam
	for _, ck := range c.Jar.Cookies(u) {
		cookies = append(cookies, &network.CookieParam{Name: ck.Name, Value: ck.Value, URL: e.srv.URL + "/"})
	}
	if err := chromedp.Run(ctx, chromedp.EmulateViewport(1280, 900), network.SetCookies(cookies)); err != nil {
		t.Fatal(err)
	}
	for _, shot := range []struct{ file, path, wait string }{
		{"console-work-queue.png", "/officer", "table.queue"},
		{"console-case-page.png", "/officer/cases/FB-2026-000001", ".case-panel"},
	} {
		var png []byte
		if err := chromedp.Run(ctx, chromedp.Navigate(e.srv.URL+shot.path), chromedp.WaitVisible(shot.wait, chromedp.ByQuery),
			chromedp.FullScreenshot(&png, 100)); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, shot.file), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

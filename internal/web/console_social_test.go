package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/council/intake/internal/feedback"
)

// forwardValues is the monitors' form filled in for a public post on X.
func forwardValues(csrf string) url.Values {
	return url.Values{"csrf": {csrf}, "platform": {"x"}, "url": {"https://x.com/Ada_Resident/status/1860000000000000001"},
		"author-handle": {"@Ada_Resident"}, "author-name": {"Ada <b>Resident</b>"}, "text": {"The bins were missed <script>alert(1)</script>"},
		"posted_at": {"2026-12-21T09:30"}, "public": {"true"}, "service_area": {"planning"}}
}

func TestConsole_SocialForm(t *testing.T) {
	tests := []struct {
		name   string
		who    string
		status int
	}{
		{"a monitor", "monitor@example.gov.uk", http.StatusOK},
		{"the complaints team", "admin@example.gov.uk", http.StatusOK},
		{"an officer may not", "planning@example.gov.uk", http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newConsoleEnv(t, true)
			c := e.signIn(t, tt.who)
			resp, body := get(t, c, e.srv.URL+"/officer/social/new")
			if resp.StatusCode != tt.status {
				t.Fatalf("GET the form: %d", resp.StatusCode)
			}
			_, cases := get(t, c, e.srv.URL+"/officer")
			if offered := strings.Contains(cases, `href="/officer/social/new"`); offered != (tt.status == http.StatusOK) {
				t.Errorf("My cases offers the monitors' page: %v", offered)
			}
			if tt.status != http.StatusOK {
				csrf := csrfOf(t, cases)
				if resp, _ := postForm(t, c, e.srv.URL+"/officer/social/new", forwardValues(csrf)); resp.StatusCode != http.StatusForbidden {
					t.Errorf("POST by an officer: %d", resp.StatusCode)
				}
				return
			}
			resp, _ = postForm(t, c, e.srv.URL+"/officer/social/new", forwardValues(csrfOf(t, body)))
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/officer/social/FB-2026-000001") {
				t.Fatalf("POST: %d to %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			_, done := get(t, c, e.srv.URL+resp.Header.Get("Location"))
			if !strings.Contains(done, "FB-2026-000001") || !strings.Contains(done, "I have posted the public reply") || strings.Contains(done, "<script>") {
				t.Errorf("result page:\n%s", done)
			}
		})
	}
}

func TestConsole_SocialForm_Problems(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(url.Values)
		field string
	}{
		{"no platform", func(v url.Values) { v.Set("platform", "") }, "platform"},
		{"a link without the post id", func(v url.Values) { v.Set("url", "https://x.com/Ada_Resident") }, "post_id"},
		{"plain http", func(v url.Values) { v.Set("url", "http://x.com/a/status/1") }, "url"},
		{"no handle", func(v url.Values) { v.Set("author-handle", "") }, "author-handle"},
		{"no text", func(v url.Values) { v.Set("text", "") }, "text"},
		{"bad email", func(v url.Values) { v.Set("contact-email", "ada@") }, "contact-email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newConsoleEnv(t, true)
			c := e.signIn(t, "monitor@example.gov.uk")
			_, body := get(t, c, e.srv.URL+"/officer/social/new")
			v := forwardValues(csrfOf(t, body))
			tt.edit(v)
			resp, page := postForm(t, c, e.srv.URL+"/officer/social/new", v)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `href="#`+tt.field+`"`) ||
				!strings.Contains(page, `id="`+tt.field+`-error"`) {
				t.Errorf("%d; want 422 linking to #%s", resp.StatusCode, tt.field)
			}
			if !strings.Contains(page, "The bins were missed &lt;script&gt;") && tt.field != "text" {
				t.Errorf("the text typed is not kept, escaped")
			}
		})
	}
}

func TestConsole_SocialAcknowledged(t *testing.T) {
	e := newConsoleEnv(t, true)
	mon := e.signIn(t, "monitor@example.gov.uk")
	_, body := get(t, mon, e.srv.URL+"/officer/social/new")
	postForm(t, mon, e.srv.URL+"/officer/social/new", forwardValues(csrfOf(t, body)))
	// Another monitor forwards the same post: the same reference, nothing new.
	adm := e.signIn(t, "admin@example.gov.uk")
	_, body = get(t, adm, e.srv.URL+"/officer/social/new")
	resp, _ := postForm(t, adm, e.srv.URL+"/officer/social/new", forwardValues(csrfOf(t, body)))
	if loc := resp.Header.Get("Location"); loc != "/officer/social/FB-2026-000001?outcome=repeat" {
		t.Fatalf("forwarded again by the admin: %s", loc)
	}
	// The planning officer sees the button on the case page and presses it.
	off := e.signIn(t, "planning@example.gov.uk")
	_, casePage := get(t, off, e.srv.URL+"/officer/cases/FB-2026-000001")
	if !strings.Contains(casePage, "I have posted the public reply") || !strings.Contains(casePage, "@ada_resident") ||
		strings.Contains(casePage, "<b>Resident</b>") {
		t.Fatalf("case page:\n%s", casePage)
	}
	resp, _ = postForm(t, off, e.srv.URL+"/officer/social/FB-2026-000001/acknowledged", url.Values{"csrf": {csrfOf(t, casePage)}, "back": {"case"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/officer/cases/FB-2026-000001?done=acknowledged" {
		t.Fatalf("acknowledged: %d to %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, casePage = get(t, off, e.srv.URL+"/officer/cases/FB-2026-000001?done=acknowledged")
	if strings.Contains(casePage, "I have posted the public reply") || !strings.Contains(casePage, "The public reply is recorded") {
		t.Errorf("after acknowledging, the case page:\n%s", casePage)
	}
	k, _ := e.svc.Store.Get(context.Background(), "FB-2026-000001")
	if k.AcknowledgedAt().IsZero() || k.History[len(k.History)-1].By != "planning@example.gov.uk" {
		t.Errorf("acknowledgement not recorded: %+v", k.History)
	}
	// Without the form's token nothing is recorded.
	if resp, _ := postForm(t, mon, e.srv.URL+"/officer/social/FB-2026-000001/acknowledged", url.Values{"csrf": {"forged"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("forged CSRF: %d", resp.StatusCode)
	}
}

func TestConsole_Browser_SocialKeyboardOnly(t *testing.T) {
	axe := axeSource(t)
	ctx := consoleBrowser(t)
	e := newConsoleEnv(t, true)

	keys := keyboard{t, ctx}
	press, tabTo := keys.press, keys.tabTo
	run := func(what string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	// Sign in as the monitor.
	run("sign-in page", chromedp.Navigate(e.srv.URL+"/officer"), chromedp.WaitVisible("#email", chromedp.ByID))
	tabTo("the email box", `e.id === "email"`, 5)
	press("monitor@example.gov.uk", kb.Enter)
	run("link sent", chromedp.WaitVisible("//h1[text()='Check your email']"))
	run("confirm", chromedp.Navigate(e.srv.URL+e.lastLink(t)), chromedp.WaitVisible("#confirm", chromedp.ByID))
	tabTo("the Sign in button", `e.id === "confirm"`, 5)
	press(kb.Enter)
	run("my cases", chromedp.WaitVisible("#count", chromedp.ByID))

	// To the monitors' page by its link, and send it empty first: the errors are accessible.
	tabTo("the monitors' page link", `e.tagName === "A" && e.getAttribute("href") === "/officer/social/new"`, 10)
	press(kb.Enter)
	run("the form", chromedp.WaitVisible("#platform", chromedp.ByID))
	checkAxe(t, ctx, axe, "monitors' form")
	tabTo("the submit button", `e.tagName === "BUTTON" && e.textContent === "Forward the post"`, 40)
	press(kb.Enter)
	run("the errors", chromedp.WaitVisible("#error-summary", chromedp.ByID))
	checkAxe(t, ctx, axe, "monitors' form with errors")

	// Fill it in by keyboard alone.
	tabTo("the platform", `e.id === "platform"`, 20)
	press(kb.ArrowDown) // "Choose the platform" → X
	tabTo("the link", `e.id === "url"`, 5)
	press("https://x.com/Ada_Resident/status/1860000000000000001")
	tabTo("the handle", `e.id === "author-handle"`, 5)
	press("@Ada_Resident")
	tabTo("the text", `e.id === "text"`, 5)
	press("The bins on Mill Lane were missed again. Not good enough.")
	tabTo("the submit button", `e.tagName === "BUTTON" && e.textContent === "Forward the post"`, 40)
	press(kb.Enter)
	var ref, reply string
	run("the result", chromedp.WaitVisible("#reference", chromedp.ByID),
		chromedp.Text("#reference", &ref, chromedp.ByID), chromedp.Text("#suggested-reply", &reply, chromedp.ByID))
	if ref != "FB-2026-000001" || !strings.Contains(reply, ref) || len([]rune(reply)) > 280 {
		t.Fatalf("the result shows %q with reply %q", ref, reply)
	}
	checkAxe(t, ctx, axe, "monitors' result")
	k, err := e.svc.Store.Get(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	if k.Contact.Handle != "x:ada_resident" || k.Social.ForwardedBy != "monitor@example.gov.uk" || k.Kind != feedback.KindComplaint {
		t.Errorf("stored %+v, %+v, kind %s", k.Contact, k.Social, k.Kind)
	}

	// Record the public reply with the keyboard.
	tabTo("the reply button", `e.tagName === "BUTTON" && e.textContent === "I have posted the public reply"`, 10)
	press(kb.Enter)
	run("recorded", chromedp.WaitVisible("div.notice[role=status]", chromedp.ByQuery))
	if k, _ = e.svc.Store.Get(context.Background(), ref); k.AcknowledgedAt().IsZero() {
		t.Errorf("the public reply was not recorded")
	}
}

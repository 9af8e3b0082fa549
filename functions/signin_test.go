package functions_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/council/intake/internal/lambdatest"
	"github.com/council/intake/internal/mototest"
)

// TestFunctions_OfficerSignsIn: the console's sign-in, by the built officer function on moto,
// under its policies down to each item's key: the hourly limit (a sign-in quota item), the
// link (put, then taken once with a conditional delete), the session (put, read on each
// page, deleted at sign-out). Each is its own item family (docs/security.md), which the policy
// check holds the function to.
func TestFunctions_OfficerSignsIn(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := newStack(t)
	officer := s.start(t, "officer")
	const who = "waste.team@example.gov.uk"
	b := newBrowser(ctx, t, officer)
	do, token, cookies := b.do, b.token, b.cookies
	path := b.signIn(s, who)
	home := do("GET", "/officer", nil)
	if home.StatusCode != 200 {
		t.Fatalf("GET /officer signed in = %d %.300s", home.StatusCode, home.Body)
	}
	if resp := do("POST", "/officer/sign-out", url.Values{"csrf": {token(home)}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /officer/sign-out = %d %.300s", resp.StatusCode, resp.Body)
	}
	// The link was used once: a second use is refused.
	cookies["intake_presession"] = strings.Repeat("a", 32)
	again := do("GET", path, nil)
	if resp := do("POST", path, url.Values{"csrf": {token(again)}}); resp.StatusCode == http.StatusSeeOther {
		t.Errorf("the link signed in twice")
	}
}

// browser is an officer's browser on the console that the built officer function serves, through
// the HTTP API's payload: it keeps the cookies the function sets.
type browser struct {
	t       *testing.T
	ctx     context.Context
	fn      *lambdatest.Fn
	cookies map[string]string
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func newBrowser(ctx context.Context, t *testing.T, fn *lambdatest.Fn) *browser {
	return &browser{t: t, ctx: ctx, fn: fn, cookies: map[string]string{}}
}

// do sends a page request (a form post if form is not nil) and keeps the cookies it sets.
func (b *browser) do(method, path string, form url.Values) events.APIGatewayV2HTTPResponse {
	t := b.t
	t.Helper()
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: method + " " + path, RawPath: path,
		Headers: map[string]string{"accept": "text/html", "host": "intake.example.gov.uk"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			AccountID: "123456789012", APIID: "a1b2c3d4e5", Stage: "$default", DomainName: "intake.example.gov.uk",
			RequestID: "req-" + strings.ReplaceAll(path, "/", "-"),
			HTTP:      events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path, Protocol: "HTTP/1.1", SourceIP: "203.0.113.40"},
		},
	}
	for k, v := range b.cookies {
		ev.Cookies = append(ev.Cookies, k+"="+v)
	}
	if form != nil {
		ev.Body = form.Encode()
		ev.Headers["content-type"] = "application/x-www-form-urlencoded"
		ev.Headers["origin"] = "https://intake.example.gov.uk"
	}
	raw, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	resp := invokeHTTP(b.ctx, t, b.fn, raw)
	set := append([]string{}, resp.Cookies...)
	for k, v := range resp.Headers {
		if strings.EqualFold(k, "set-cookie") {
			set = append(set, v)
		}
	}
	for k, vs := range resp.MultiValueHeaders {
		if strings.EqualFold(k, "set-cookie") {
			set = append(set, vs...)
		}
	}
	for _, c := range (&http.Response{Header: http.Header{"Set-Cookie": set}}).Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return resp
}

// token is the CSRF token of the page resp.
func (b *browser) token(resp events.APIGatewayV2HTTPResponse) string {
	b.t.Helper()
	m := csrfField.FindStringSubmatch(resp.Body)
	if m == nil {
		b.t.Fatalf("no csrf field in the page (%d): %.400s", resp.StatusCode, resp.Body)
	}
	return m[1]
}

// signIn signs who in through the emailed link, as TestFunctions_OfficerSignsIn does, and
// returns the link's path.
func (b *browser) signIn(s *stack, who string) string {
	t := b.t
	t.Helper()
	sent := len(mototest.SentRaw(t, s.endpoint))
	form := b.do("GET", "/officer/sign-in", nil)
	if resp := b.do("POST", "/officer/sign-in", url.Values{"csrf": {b.token(form)}, "email": {who}}); resp.StatusCode != 200 {
		t.Fatalf("POST /officer/sign-in = %d %.300s", resp.StatusCode, resp.Body)
	}
	mails := mailTo(t, s.endpoint, sent, who)
	if len(mails) != 1 {
		t.Fatalf("%d sign-in emails to %s; want one", len(mails), who)
	}
	link := regexp.MustCompile(`/officer/sign-in/([A-Za-z0-9_-]+)`).FindStringSubmatch(mails[0].Text)
	if link == nil {
		t.Fatalf("no sign-in link in the email:\n%s", mails[0].Text)
	}
	path := "/officer/sign-in/" + link[1]
	confirm := b.do("GET", path, nil)
	if resp := b.do("POST", path, url.Values{"csrf": {b.token(confirm)}}); resp.StatusCode != http.StatusSeeOther || b.cookies["intake_session"] == "" {
		t.Fatalf("POST %s = %d, session cookie %q; want 303 and a session", "/officer/sign-in/…", resp.StatusCode, b.cookies["intake_session"])
	}
	return path
}

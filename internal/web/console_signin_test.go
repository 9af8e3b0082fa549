package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/council/intake/internal/feedback"
)

// answerFirstMailer checks, at each send, that the answer to the sign-in request was complete
// and flushed before the link went.
type answerFirstMailer struct {
	feedback.Mailer
	rec   *httptest.ResponseRecorder
	early *int
}

func (m answerFirstMailer) Send(ctx context.Context, msg feedback.Message) (string, error) {
	if m.rec == nil || !m.rec.Flushed || !strings.Contains(m.rec.Body.String(), "Check your email") {
		*m.early++
	}
	return m.Mailer.Send(ctx, msg)
}

// askForLink posts the sign-in form for email from the client address remote, straight to the
// console's handlers, and returns the recorder of the answer.
func (e *consoleEnv) askForLink(t *testing.T, mux *http.ServeMux, email, remote string, before func(*httptest.ResponseRecorder)) *httptest.ResponseRecorder {
	t.Helper()
	form := httptest.NewRecorder()
	mux.ServeHTTP(form, httptest.NewRequest(http.MethodGet, "/officer/sign-in", nil))
	req := httptest.NewRequest(http.MethodPost, "/officer/sign-in",
		strings.NewReader(url.Values{"email": {email}, "csrf": {csrfOf(t, form.Body.String())}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = remote
	for _, ck := range form.Result().Cookies() {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	if before != nil {
		before(rec)
	}
	mux.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("sign-in for %s: %d\n%s", email, rec.Code, rec.Body)
	}
	return rec
}

// TestConsole_SignIn_AnswersBeforeSending: the page saying "Check your email" is complete
// (with its length) and flushed before the link is sent, so the answer takes the same time for
// any address; the work before it is the same for anyone (TestSignIn_RequestLink_SameWorkForAnyone).
func TestConsole_SignIn_AnswersBeforeSending(t *testing.T) {
	e := newConsoleEnv(t, false)
	mux := http.NewServeMux()
	e.console.Register(mux)
	inner, early := e.svc.Mailer, 0
	rec := e.askForLink(t, mux, "planning@example.gov.uk", "203.0.113.1:4000", func(rec *httptest.ResponseRecorder) {
		e.svc.Mailer = answerFirstMailer{Mailer: inner, rec: rec, early: &early}
	})
	if all, _ := e.outbox.List(); len(all) != 1 {
		t.Fatalf("%d links sent; want 1", len(all))
	}
	if early != 0 {
		t.Errorf("the link was sent before the answer was complete and flushed")
	}
	if rec.Header().Get("Content-Length") == "" {
		t.Errorf("the answer has no Content-Length, so the browser cannot tell it is complete before the handler ends")
	}
}

// TestConsole_SignIn_NoLockout: seven requests for an officer's address from one client use
// up that client's five links, not the officer's: the officer, asking from their own address,
// still gets a link, and it works.
func TestConsole_SignIn_NoLockout(t *testing.T) {
	e := newConsoleEnv(t, false)
	mux := http.NewServeMux()
	e.console.Register(mux)
	for range 7 {
		e.askForLink(t, mux, "planning@example.gov.uk", "198.51.100.66:5000", nil)
	}
	if all, _ := e.outbox.List(); len(all) != 5 {
		t.Fatalf("%d links sent to the other client's asking; want 5", len(all))
	}
	e.askForLink(t, mux, "planning@example.gov.uk", "203.0.113.10:6000", nil)
	if all, _ := e.outbox.List(); len(all) != 6 {
		t.Fatalf("the officer's own request sent nothing after someone else's seven")
	}
	e.signInWith(t, browserClient(t), e.lastLink(t))
}

// signInWith confirms the sign-in link at path in the browser c.
func (e *consoleEnv) signInWith(t *testing.T, c *http.Client, link string) {
	t.Helper()
	_, body := get(t, c, e.srv.URL+link)
	resp, body := postForm(t, c, e.srv.URL+link, url.Values{"csrf": {csrfOf(t, body)}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/officer" {
		t.Fatalf("confirm sign-in: %d to %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
}

// TestConsole_SignIn_EndsTheEarlierSession: signing in as someone else in a browser ends the
// session that browser had, so the earlier cookie (copied, or kept by another tab) no longer
// works.
func TestConsole_SignIn_EndsTheEarlierSession(t *testing.T) {
	e := newConsoleEnv(t, false)
	c := e.signIn(t, "planning@example.gov.uk")
	base, _ := url.Parse(e.srv.URL)
	var first string
	for _, ck := range c.Jar.Cookies(base) {
		if ck.Name == "intake_session" {
			first = ck.Value
		}
	}
	if first == "" {
		t.Fatal("no session cookie after signing in")
	}
	// The same browser signs in as the housing officer.
	_, body := get(t, c, e.srv.URL+"/officer/sign-in")
	postForm(t, c, e.srv.URL+"/officer/sign-in", url.Values{"email": {"housing@example.gov.uk"}, "csrf": {csrfOf(t, body)}})
	e.signInWith(t, c, e.lastLink(t))
	if _, page := get(t, c, e.srv.URL+"/officer"); !strings.Contains(page, "Signed in as housing@example.gov.uk") {
		t.Fatalf("after the second sign-in the browser is not the housing officer:\n%s", page)
	}
	old := browserClient(t)
	old.Jar.SetCookies(base, []*http.Cookie{{Name: "intake_session", Value: first, Path: "/"}})
	if resp, _ := get(t, old, e.srv.URL+"/officer"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the earlier session still opens /officer (%d); want it ended (303 to sign in)", resp.StatusCode)
	}
}

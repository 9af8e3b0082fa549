package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func fetch(t *testing.T, c *http.Client, method, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	var resp *http.Response
	var err error
	if method == http.MethodPost {
		resp, err = c.PostForm(u, form)
	} else {
		resp, err = c.Get(u)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func csrf(t *testing.T, body string) string {
	t.Helper()
	m := csrfInput.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token in:\n%s", body)
	}
	return m[1]
}

// TestLocalRunner_ConsoleSignIn signs in as the acceptance does: the link is taken
// from the outbox; the session outlives a restart because the generated key is kept.
func TestLocalRunner_ConsoleSignIn(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the local runner")
	}
	bin := buildRunner(t)
	data := filepath.Join(t.TempDir(), "data")
	r := start(t, bin, data, "-now", "2026-12-21T10:00:00Z")
	resp, body := r.post(t, "application/json", `{"kind":"complaint","email":"ada@example.com","service_area":"planning","message":"Lost objection."}`, nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /v1/feedback = %d %s", resp.StatusCode, body)
	}

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	_, page := fetch(t, c, "GET", r.base+"/officer/sign-in", nil)
	fetch(t, c, "POST", r.base+"/officer/sign-in", url.Values{"email": {"planning@example.gov.uk"}, "csrf": {csrf(t, page)}})
	var link, caseLink string
	for _, m := range r.outbox(t) {
		if i := strings.Index(m.Text, r.base+"/officer/sign-in/"); i >= 0 {
			link = strings.Fields(m.Text[i:])[0]
		}
		if i := strings.Index(m.Text, r.base+"/officer/cases/"); i >= 0 {
			caseLink = strings.Fields(m.Text[i:])[0]
		}
	}
	if link == "" || caseLink != r.base+"/officer/cases/FB-2026-000001" {
		t.Fatalf("outbox has sign-in link %q and case link %q; want both pointing at this runner", link, caseLink)
	}
	_, page = fetch(t, c, "GET", link, nil)
	resp, page = fetch(t, c, "POST", link, url.Values{"csrf": {csrf(t, page)}})
	if resp.Request.URL.Path != "/officer" || !strings.Contains(page, "FB-2026-000001") || !strings.Contains(page, "7 Jan 2027") {
		t.Fatalf("after signing in: %s\n%s", resp.Request.URL, page)
	}
	if info, err := os.Stat(filepath.Join(data, "session.key")); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("session key file: %v, %v; want one readable by its owner only", info, err)
	}

	r.stop()
	r = start(t, bin, data, "-now", "2026-12-21T11:00:00Z")
	u, _ := url.Parse(r.base)
	old, _ := url.Parse(link)
	jar.SetCookies(u, jar.Cookies(old)) // same host, new port
	resp, page = fetch(t, c, "GET", r.base+"/officer/cases/FB-2026-000001", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Lost objection.") {
		t.Errorf("after a restart the session no longer works: %d %s", resp.StatusCode, resp.Request.URL)
	}
}

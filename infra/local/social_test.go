package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/council/intake/internal/web"
)

// readmeSnippet returns the README's shell block that holds marker.
func readmeSnippet(t *testing.T, marker string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, block := range strings.Split(string(b), "```sh\n")[1:] {
		block, _, _ = strings.Cut(block, "```")
		if strings.Contains(block, marker) {
			return block
		}
	}
	t.Fatalf("README.md has no sh block holding %q", marker)
	return ""
}

// TestLocalRunner_SocialREADME runs the README's curl + openssl example, as printed, against a
// runner started as the README starts it (its SOCIAL_SECRETS, its fixed clock): issue 9's first
// two acceptance points.
func TestLocalRunner_SocialREADME(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the local runner")
	}
	for _, tool := range []string{"sh", "curl", "openssl", "sed"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("SKIPPING: %s is not installed, so the README's signing example cannot be run", tool)
		}
	}
	bin := buildRunner(t)
	r := start(t, bin, filepath.Join(t.TempDir(), "data"), "-now", "2026-12-21T10:00:00Z", "-social-secrets", "local-monitor=local-monitor-secret-0123456789abcdef")
	if !strings.Contains(r.banner, "POST "+r.base+"/v1/social") || !strings.Contains(r.banner, r.base+"/officer/social/new") {
		t.Errorf("the banner does not say where the social routes are:\n%s", r.banner)
	}
	var lines []string
	for _, l := range strings.Split(readmeSnippet(t, "# sign-and-send"), "\n") {
		if !strings.HasPrefix(l, "#") { // the comments, and the answer shown after the command
			lines = append(lines, l)
		}
	}
	script := strings.ReplaceAll(strings.TrimSpace(strings.Join(lines, "\n")), "http://127.0.0.1:3000", r.base)
	send := func() map[string]any {
		t.Helper()
		out, err := exec.Command("sh", "-c", script+` -w '\n%{http_code}'`).Output()
		if err != nil {
			t.Fatalf("the README's example: %v\n%s", err, out)
		}
		body, code, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
		var got map[string]any
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatalf("answer %s %q is not JSON", code, body)
		}
		got["http"] = strings.TrimSpace(code)
		return got
	}
	first := send()
	ref, _ := first["reference"].(string)
	reply, _ := first["suggested_reply"].(string)
	if first["http"] != "201" || ref == "" || !strings.Contains(reply, ref) || utf8.RuneCountInString(reply) > 280 {
		t.Fatalf("first send: %v; want 201 with a reference and a reply of at most 280 characters naming it", first)
	}
	mail := r.outbox(t)
	if len(mail) != 1 || mail[0].To[0] != "waste.team@example.gov.uk" {
		t.Fatalf("mail = %+v; want one assignment to the bins team", mail)
	}
	for _, want := range []string{"Platform: X", "@ada_resident", "https://x.com/ada_resident/status/1860000000000000001"} {
		if !strings.Contains(mail[0].Text, want) {
			t.Errorf("the assignment email does not name %q:\n%s", want, mail[0].Text)
		}
	}

	again := send()
	if again["http"] != "200" || again["reference"] != ref || again["outcome"] != "repeat" {
		t.Errorf("sent again: %v; want 200 with %s", again, ref)
	}

	// Another monitor forwards the same post through the page: the same reference.
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	_, page := fetch(t, c, "GET", r.base+"/officer/sign-in", nil)
	fetch(t, c, "POST", r.base+"/officer/sign-in", url.Values{"email": {"monitor@example.gov.uk"}, "csrf": {csrf(t, page)}})
	link := ""
	for _, m := range r.outbox(t) {
		if i := strings.Index(m.Text, r.base+"/officer/sign-in/"); i >= 0 {
			link = strings.Fields(m.Text[i:])[0]
		}
	}
	_, page = fetch(t, c, "GET", link, nil)
	fetch(t, c, "POST", link, url.Values{"csrf": {csrf(t, page)}})
	_, page = fetch(t, c, "GET", r.base+"/officer/social/new", nil)
	resp, page := fetch(t, c, "POST", r.base+"/officer/social/new", url.Values{"csrf": {csrf(t, page)}, "platform": {"x"},
		"url": {"https://x.com/ada_resident/status/1860000000000000001"}, "author-handle": {"ada_resident"}, "text": {"typed again"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, ref) || !strings.Contains(page, "forwarded before") {
		t.Errorf("through the page: %d\n%s", resp.StatusCode, page)
	}
	if n := len(r.outbox(t)); n != 2 { // the assignment and the monitor's sign-in link
		t.Errorf("%d emails after the repeats; want nothing sent but the sign-in link", n)
	}
}

// TestLocalRunner_SocialAcknowledgedAsInAWS: issue 26's fifth point, the runner's half. In AWS
// POST /v1/social/{reference}/acknowledged has no authoriser, so only a monitoring tool's
// signature works there; the runner answers an officer's token on it as AWS does, refusing it
// and naming the route officers use, POST /v1/cases/{reference}/acknowledged, which records it.
func TestLocalRunner_SocialAcknowledgedAsInAWS(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the local runner")
	}
	const secret, token = "local-monitor-secret-0123456789abcdef", "tok-waste-team-officer-01"
	now := time.Date(2026, 12, 21, 10, 0, 0, 0, time.UTC)
	r := start(t, buildRunner(t), filepath.Join(t.TempDir(), "data"), "-now", now.Format(time.RFC3339),
		"-social-secrets", "local-monitor="+secret, "-api-tokens", token+"=waste.team@example.gov.uk")
	post := `{"platform":"x","post_id":"1860000000000000001","author":{"handle":"@ada_resident"},"text":"The bins on Mill Lane were missed again.","public":true,"service_area":"bins-and-recycling"}`
	req, _ := http.NewRequest("POST", r.base+"/v1/social", strings.NewReader(post))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(web.HeaderMonitor, "local-monitor")
	req.Header.Set(web.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(web.HeaderSignature, web.Sign(secret, now.Unix(), "POST", "/v1/social", []byte(post)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var created struct {
		Reference string `json:"reference"`
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(b, &created) != nil || created.Reference == "" {
		t.Fatalf("POST /v1/social = %d %s; want 201 with a reference", resp.StatusCode, b)
	}

	status, refused := r.api(t, "POST", "/v1/social/"+created.Reference+"/acknowledged", token, "")
	if detail, _ := refused["detail"].(string); status != http.StatusUnauthorized || !strings.Contains(detail, "POST /v1/cases/{reference}/acknowledged") {
		t.Errorf("an officer's token on the monitors' route = %d %v; want 401 naming POST /v1/cases/{reference}/acknowledged, as in AWS", status, refused)
	}
	if _, c := r.api(t, "GET", "/v1/cases/"+created.Reference, token, ""); c["acknowledged_at"] != nil {
		t.Fatalf("the refused request recorded the acknowledgement: %v", c["acknowledged_at"])
	}
	status, c := r.api(t, "POST", "/v1/cases/"+created.Reference+"/acknowledged", token, "{}")
	if at, _ := c["acknowledged_at"].(string); status != http.StatusOK || at == "" {
		t.Errorf("POST /v1/cases/%s/acknowledged with the officer's token = %d %v; want 200 with acknowledged_at", created.Reference, status, c)
	}
}

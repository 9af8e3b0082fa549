package web_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/embedded/embeddedtest"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/outbox"
	"github.com/council/intake/internal/web"
)

// socialSecret is the test monitoring tool's secret.
const socialSecret = "test-secret-0123456789abcdef0123456789"

type socialEnv struct {
	srv    *httptest.Server
	clock  *clock.Fixed
	svc    *feedback.Service
	outbox *outbox.Outbox
}

func newSocialEnv(t *testing.T) *socialEnv {
	t.Helper()
	staff, err := feedback.ParseDirectory("ana@council.gov.uk=admin,cy@council.gov.uk=officer:planning,mo@council.gov.uk=monitor")
	if err != nil {
		t.Fatal(err)
	}
	stack := embeddedtest.Open(t, embeddedtest.Options{Now: monday,
		Council: feedback.Council{Name: "Example District Council", From: "x@example.gov.uk"},
		Routing: feedback.Routing{Areas: map[string]string{"planning": "cy@council.gov.uk"}, Triage: "triage@council.gov.uk"},
		Staff:   staff,
	})
	svc := stack.Service
	s := &web.Social{
		Service: svc, Secrets: map[string]string{"brandwatch": socialSecret},
		AfterCommit: func(ctx context.Context, ref string) {
			if err := svc.Process(ctx, ref); err != nil {
				t.Errorf("Process %s: %v", ref, err)
			}
		},
		Log: slog.New(slog.DiscardHandler),
	}
	e := &socialEnv{srv: httptest.NewServer(validated(t, s.Routes())), clock: stack.Clock, svc: svc, outbox: stack.Outbox}
	t.Cleanup(e.srv.Close)
	return e
}

// socialPost is a public post on X by @Ada_Resident with the given id.
func socialPost(id string) string {
	return `{"platform":"x","post_id":"` + id + `","url":"https://x.com/Ada_Resident/status/` + id + `",
		"author":{"handle":"@Ada_Resident","name":"Ada Resident","profile_url":"https://x.com/Ada_Resident"},
		"text":"Third time the planning portal lost my objection <script>alert(1)</script>","posted_at":"2026-12-21T09:30:00Z",
		"public":true,"service_area":"planning"}`
}

type signed struct {
	monitor, secret string
	at              time.Time
}

// send posts body to path signed as s (the zero signed sends no signature headers), and
// returns the status and the decoded answer.
func (e *socialEnv) send(t *testing.T, path, body string, s signed, header map[string]string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if s.monitor != "" {
		ts := s.at.Unix()
		req.Header.Set(web.HeaderMonitor, s.monitor)
		req.Header.Set(web.HeaderTimestamp, strconv.FormatInt(ts, 10))
		req.Header.Set(web.HeaderSignature, web.Sign(s.secret, ts, http.MethodPost, path, []byte(body)))
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("answer is not JSON: %s", raw)
	}
	if resp.StatusCode >= 400 && resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("%d answered as %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return resp.StatusCode, out
}

func (e *socialEnv) cases(t *testing.T) int {
	t.Helper()
	page, err := e.svc.Store.ListCases(context.Background(), feedback.CaseQuery{Status: feedback.StatusOpen, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Cases)
}

func TestSocial_Receive(t *testing.T) {
	e := newSocialEnv(t)
	ok := signed{"brandwatch", socialSecret, monday}
	status, out := e.send(t, "/v1/social", socialPost("1860000000000000001"), ok, nil)
	if status != http.StatusCreated || out["reference"] != "FB-2026-000001" || out["outcome"] != "created" {
		t.Fatalf("first post: %d %v", status, out)
	}
	reply, _ := out["suggested_reply"].(string)
	if !strings.Contains(reply, "FB-2026-000001") || len([]rune(reply)) > 280 {
		t.Errorf("suggested_reply %q", reply)
	}
	msgs, _ := e.outbox.List()
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text, "Platform: X") || !strings.Contains(msgs[0].Text, "@ada_resident") ||
		!strings.Contains(msgs[0].Text, "https://x.com/Ada_Resident/status/1860000000000000001") {
		t.Fatalf("want one assignment naming the platform, the author and the link; got %d: %v", len(msgs), msgs)
	}
	if strings.Contains(msgs[0].HTML, "<script>") {
		t.Errorf("the assignment email's HTML carries the author's markup unescaped")
	}
	// The same request replayed within the window, and the same post signed afresh a minute later.
	for _, at := range []time.Time{monday, monday.Add(time.Minute)} {
		e.clock.Set(at)
		status, again := e.send(t, "/v1/social", socialPost("1860000000000000001"), signed{"brandwatch", socialSecret, at}, nil)
		if status != http.StatusOK || again["reference"] != "FB-2026-000001" || again["outcome"] != "repeat" {
			t.Errorf("again at %v: %d %v", at, status, again)
		}
	}
	if after, _ := e.outbox.List(); len(after) != 1 || e.cases(t) != 1 {
		t.Errorf("repeats stored or sent something: %d cases, %d emails", e.cases(t), len(after))
	}
}

func TestSocial_Receive_Unauthorized(t *testing.T) {
	body := socialPost("1860000000000000001")
	tests := []struct {
		name   string
		s      signed
		header map[string]string
		check  string
	}{
		{"no signature at all", signed{}, nil, "monitor"},
		{"unknown monitor", signed{"hootsuite", socialSecret, monday}, nil, "monitor"},
		{"wrong secret", signed{"brandwatch", "another-secret-0123456789abcdef01234", monday}, nil, "signature"},
		{"ten minutes old", signed{"brandwatch", socialSecret, monday.Add(-10 * time.Minute)}, nil, "timestamp"},
		{"six minutes ahead", signed{"brandwatch", socialSecret, monday.Add(6 * time.Minute)}, nil, "timestamp"},
		{"timestamp not a number", signed{"brandwatch", socialSecret, monday}, map[string]string{web.HeaderTimestamp: "yesterday"}, "timestamp"},
		{"body altered after signing", signed{"brandwatch", socialSecret, monday},
			map[string]string{web.HeaderSignature: web.Sign(socialSecret, monday.Unix(), "POST", "/v1/social", []byte(strings.Replace(body, "Third", "First", 1)))}, "signature"},
		{"signed for another route", signed{"brandwatch", socialSecret, monday},
			map[string]string{web.HeaderSignature: web.Sign(socialSecret, monday.Unix(), "POST", "/v1/social/FB-2026-000001/acknowledged", []byte(body))}, "signature"},
		{"signed for another method", signed{"brandwatch", socialSecret, monday},
			map[string]string{web.HeaderSignature: web.Sign(socialSecret, monday.Unix(), "PUT", "/v1/social", []byte(body))}, "signature"},
		{"signed over the body alone, as before", signed{"brandwatch", socialSecret, monday},
			map[string]string{web.HeaderSignature: legacySign(socialSecret, monday.Unix(), body)}, "signature"},
		{"signature not hex", signed{"brandwatch", socialSecret, monday}, map[string]string{web.HeaderSignature: "sha256=zz"}, "signature"},
		{"signature without its scheme", signed{"brandwatch", socialSecret, monday},
			map[string]string{web.HeaderSignature: strings.TrimPrefix(web.Sign(socialSecret, monday.Unix(), "POST", "/v1/social", []byte(body)), "sha256=")}, "signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newSocialEnv(t)
			status, out := e.send(t, "/v1/social", body, tt.s, tt.header)
			if status != http.StatusUnauthorized || out["check"] != tt.check || out["detail"] == "" {
				t.Errorf("got %d %v; want 401 naming the %s check", status, out, tt.check)
			}
			if n := e.cases(t); n != 0 {
				t.Errorf("a refused request stored %d cases", n)
			}
			if msgs, _ := e.outbox.List(); len(msgs) != 0 {
				t.Errorf("a refused request sent %d emails", len(msgs))
			}
		})
	}
}

func TestSocial_Receive_Problems(t *testing.T) {
	ok := signed{"brandwatch", socialSecret, monday}
	many := make([]string, 51)
	for i := range many {
		many[i] = socialPost(strconv.Itoa(1000 + i))
	}
	tests := []struct {
		name   string
		body   string
		status int
		field  string
	}{
		{"malformed JSON", `{"platform":"x",`, http.StatusBadRequest, ""},
		{"unknown platform", strings.Replace(socialPost("1"), `"x"`, `"myspace"`, 1), http.StatusUnprocessableEntity, "platform"},
		{"no text", `{"platform":"x","post_id":"1","author":{"handle":"ada"},"text":""}`, http.StatusUnprocessableEntity, "text"},
		{"no post id", `{"platform":"x","url":"https://x.com/ada","author":{"handle":"ada"},"text":"hello"}`, http.StatusUnprocessableEntity, "post_id"},
		{"non-https link", `{"platform":"x","post_id":"1","url":"http://x.com/ada/status/1","author":{"handle":"ada"},"text":"hello"}`, http.StatusUnprocessableEntity, "url"},
		{"unknown field", `{"platform":"x","post_id":"1","author":{"handle":"ada"},"text":"hello","colour":"red"}`, http.StatusBadRequest, ""},
		{"a batch over the limit", `{"items":[` + strings.Join(many, ",") + `]}`, http.StatusUnprocessableEntity, "items"},
		{"an empty batch", `{"items":[]}`, http.StatusUnprocessableEntity, "items"},
		{"items not a list", `{"items":{}}`, http.StatusBadRequest, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newSocialEnv(t)
			status, out := e.send(t, "/v1/social", tt.body, ok, nil)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %v", status, tt.status, out)
			}
			if tt.field != "" && !strings.Contains(fmt.Sprint(out["errors"]), "field:"+tt.field+" ") {
				t.Errorf("errors %v do not name %s", out["errors"], tt.field)
			}
			if e.cases(t) != 0 {
				t.Errorf("stored %d cases", e.cases(t))
			}
		})
	}
}

func TestSocial_Receive_Batch(t *testing.T) {
	e := newSocialEnv(t)
	items := make([]string, 50)
	bad := map[int]string{7: "platform", 21: "text", 49: "url"}
	for i := range items {
		id := strconv.Itoa(2000 + i)
		switch bad[i] {
		case "platform":
			items[i] = `{"platform":"myspace","post_id":"` + id + `","author":{"handle":"ada"},"text":"hello"}`
		case "text":
			items[i] = `{"platform":"x","post_id":"` + id + `","author":{"handle":"ada"},"text":""}`
		case "url":
			items[i] = `{"platform":"x","post_id":"` + id + `","url":"http://x.com/a/status/` + id + `","author":{"handle":"ada"},"text":"hello"}`
		default:
			items[i] = socialPost(id)
		}
	}
	body := `{"items":[` + strings.Join(items, ",") + `]}`
	status, out := e.send(t, "/v1/social", body, signed{"brandwatch", socialSecret, monday}, nil)
	if status != http.StatusMultiStatus || out["created"] != 47.0 || out["failed"] != 3.0 {
		t.Fatalf("batch: %d created %v failed %v", status, out["created"], out["failed"])
	}
	results := out["results"].([]any)
	for i, r := range results {
		res := r.(map[string]any)
		if res["index"] != float64(i) {
			t.Errorf("result %d has index %v", i, res["index"])
		}
		if field, isBad := bad[i]; isBad {
			if res["status"] != 422.0 || !strings.Contains(fmt.Sprint(res["errors"]), "field:"+field+" ") {
				t.Errorf("item %d: %v; want 422 naming %s", i, res, field)
			}
		} else if res["status"] != 201.0 || res["reference"] == "" {
			t.Errorf("item %d: %v", i, res)
		}
	}
	if n := e.cases(t); n != 47 {
		t.Errorf("%d cases stored, want 47", n)
	}
	// The whole batch again: 47 repeats, nothing new.
	_, again := e.send(t, "/v1/social", body, signed{"brandwatch", socialSecret, monday}, nil)
	if again["repeated"] != 47.0 || e.cases(t) != 47 {
		t.Errorf("batch again: repeated %v, %d cases", again["repeated"], e.cases(t))
	}
}

// TestSocial_Acknowledged: POST /v1/social/{reference}/acknowledged takes a monitoring tool's
// signed request and nothing else, locally as in AWS, where the route has no authoriser; an
// officer's token, or a console session's cookie, is refused with the route officers use.
func TestSocial_Acknowledged(t *testing.T) {
	const officersRoute = "POST /v1/cases/{reference}/acknowledged"
	tests := []struct {
		name   string
		s      signed
		header map[string]string
		status int
		detail string // what the refusal must say
	}{
		{"signed by the tool", signed{"brandwatch", socialSecret, monday}, nil, http.StatusOK, ""},
		{"an officer's token", signed{}, map[string]string{"Authorization": "Bearer tok-cy-0123456789"}, http.StatusUnauthorized, officersRoute},
		{"a console session", signed{}, map[string]string{"Cookie": "intake_session=abc", "X-CSRF-Token": "abc"}, http.StatusUnauthorized, officersRoute},
		{"nobody", signed{}, nil, http.StatusUnauthorized, officersRoute},
		{"a stale signature", signed{"brandwatch", socialSecret, monday.Add(-time.Hour)}, nil, http.StatusUnauthorized, "five minutes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newSocialEnv(t)
			_, out := e.send(t, "/v1/social", socialPost("1860000000000000001"), signed{"brandwatch", socialSecret, monday}, nil)
			ref := out["reference"].(string)
			status, ack := e.send(t, "/v1/social/"+ref+"/acknowledged", "", tt.s, tt.header)
			if status != tt.status {
				t.Fatalf("acknowledged: %d %v, want %d", status, ack, tt.status)
			}
			if detail, _ := ack["detail"].(string); !strings.Contains(detail, tt.detail) {
				t.Errorf("refused with %q; want it to say %q", detail, tt.detail)
			}
			c, _ := e.svc.Store.Get(context.Background(), ref)
			if done := !c.AcknowledgedAt().IsZero(); done != (tt.status == http.StatusOK) {
				t.Errorf("acknowledged recorded = %v after %d", done, status)
			}
		})
	}
}

// legacySign is the signature Intake once checked: the timestamp and the body alone.
func legacySign(secret string, ts int64, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "%d.%s", ts, body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// TestSocial_Acknowledged_Replayed replays signed requests against routes they were not signed
// for: an acknowledgement of one case against another case, and a signed post against an
// acknowledgement. Each is 401 and records nothing.
func TestSocial_Acknowledged_Replayed(t *testing.T) {
	e := newSocialEnv(t)
	ok := signed{"brandwatch", socialSecret, monday}
	var refs []string
	for _, id := range []string{"1860000000000000001", "1860000000000000002"} {
		_, out := e.send(t, "/v1/social", socialPost(id), ok, nil)
		refs = append(refs, out["reference"].(string))
	}
	ackFirst := web.Sign(socialSecret, monday.Unix(), "POST", "/v1/social/"+refs[0]+"/acknowledged", nil)
	post := socialPost("1860000000000000003")
	tests := []struct {
		name, path, body, signature string
	}{
		{"one case's acknowledgement against another case", "/v1/social/" + refs[1] + "/acknowledged", "", ackFirst},
		{"a signed post against an acknowledgement", "/v1/social/" + refs[1] + "/acknowledged", post,
			web.Sign(socialSecret, monday.Unix(), "POST", "/v1/social", []byte(post))},
		{"a signed post's signature over an empty body", "/v1/social/" + refs[1] + "/acknowledged", "",
			web.Sign(socialSecret, monday.Unix(), "POST", "/v1/social", nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := e.send(t, tt.path, tt.body, ok, map[string]string{web.HeaderSignature: tt.signature})
			if status != http.StatusUnauthorized || out["check"] != "signature" {
				t.Errorf("got %d %v; want 401 naming the signature check", status, out)
			}
			for _, ref := range refs {
				if c, _ := e.svc.Store.Get(context.Background(), ref); !c.AcknowledgedAt().IsZero() {
					t.Errorf("%s recorded as acknowledged", ref)
				}
			}
		})
	}
	// The acknowledgement signed for its own case is accepted.
	if status, out := e.send(t, "/v1/social/"+refs[0]+"/acknowledged", "", ok, map[string]string{web.HeaderSignature: ackFirst}); status != http.StatusOK {
		t.Errorf("the acknowledgement signed for its own case: %d %v", status, out)
	}
}

// countingBody counts the bytes a handler reads from a request body.
type countingBody struct {
	n, size int
}

func (c *countingBody) Read(p []byte) (int, error) {
	if c.n >= c.size {
		return 0, io.EOF
	}
	k := min(len(p), c.size-c.n)
	for i := range p[:k] {
		p[i] = 'a'
	}
	c.n += k
	return k, nil
}

// TestSocial_Receive_ReadsLittleBeforeTheSignature sends a large body: one without good
// signing headers is refused before its body is read, and one with them is read no further
// than MaxSocialBodyBytes (256 KB) before it is refused as too large.
func TestSocial_Receive_ReadsLittleBeforeTheSignature(t *testing.T) {
	const huge = 4 << 20
	tests := []struct {
		name    string
		monitor string
		status  int
		maxRead int
	}{
		{"unsigned", "", http.StatusUnauthorized, 0},
		{"from an unknown monitor", "hootsuite", http.StatusUnauthorized, 0},
		{"from a known monitor", "brandwatch", http.StatusRequestEntityTooLarge, 256<<10 + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newSocialEnv(t)
			h := &web.Social{Service: e.svc, Secrets: map[string]string{"brandwatch": socialSecret}, Log: slog.New(slog.DiscardHandler)}
			body := &countingBody{size: huge}
			req := httptest.NewRequest(http.MethodPost, "/v1/social", body)
			if tt.monitor != "" {
				req.Header.Set(web.HeaderMonitor, tt.monitor)
				req.Header.Set(web.HeaderTimestamp, strconv.FormatInt(monday.Unix(), 10))
				req.Header.Set(web.HeaderSignature, "sha256=00")
			}
			w := httptest.NewRecorder()
			h.Routes().ServeHTTP(w, req)
			if w.Code != tt.status {
				t.Errorf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			if body.n > tt.maxRead {
				t.Errorf("read %d bytes of the body before refusing it; want at most %d", body.n, tt.maxRead)
			}
		})
	}
}

// TestSign_MatchesTheREADMEsOpenSSL checks that the README's curl example signs as Intake
// checks: the same HMAC as `openssl dgst -sha256 -hmac`.
func TestSign_MatchesTheREADMEsOpenSSL(t *testing.T) {
	body := []byte(`{"platform":"x","post_id":"1860000000000000001","author":{"handle":"@ada_resident"},"text":"The bins on Mill Lane were missed again.","public":true}`)
	const secret, ts = "local-monitor-secret-0123456789abcdef", int64(1797847200)
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "%d.POST./v1/social.%s", ts, body)
	want := "sha256=" + hex.EncodeToString(m.Sum(nil))
	if got := web.Sign(secret, ts, "POST", "/v1/social", body); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl is not installed: the README's shell example is checked only by the Go HMAC above")
	}
	// The README's line, as printed: SIG=$(printf '%s.POST./v1/social.%s' "$TS" "$BODY" | openssl …)
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	line := ""
	for _, l := range strings.Split(string(readme), "\n") {
		if strings.HasPrefix(l, "SIG=$(printf") && strings.Contains(l, "/v1/social.") {
			line = strings.TrimSuffix(strings.TrimPrefix(l, "SIG=$("), ")")
		}
	}
	if line == "" {
		t.Fatal("README.md has no SIG=$(printf … /v1/social. …) line signing a post")
	}
	cmd := exec.Command("sh", "-c", line)
	cmd.Env = append(cmd.Environ(), "TS="+strconv.FormatInt(ts, 10), "BODY="+string(body), "SECRET="+secret)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := "sha256=" + strings.TrimSpace(string(out)); got != want {
		t.Errorf("openssl signs %s, Intake checks %s", got, want)
	}
}

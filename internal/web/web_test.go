package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/council/intake/internal/boltstore"
	"github.com/council/intake/internal/embedded/embeddedtest"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/web"
)

var monday = time.Date(2026, 12, 21, 10, 0, 0, 0, time.UTC)

type env struct {
	srv       *httptest.Server
	committed []string
	store     *boltstore.Store
	handler   *web.Handler
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWithPolicy(t, nil)
}

// newEnvWithPolicy is newEnv under policy (nil: the settings' defaults).
func newEnvWithPolicy(t *testing.T, policy *feedback.Policy) *env {
	t.Helper()
	stack := embeddedtest.Open(t, embeddedtest.Options{Now: monday, Policy: policy,
		Council: feedback.Council{Name: "Example <District> Council", From: "x@example.gov.uk"},
		Routing: feedback.Routing{Areas: map[string]string{"planning": "planning@example.gov.uk"}, Triage: "triage@example.gov.uk"},
	})
	e := &env{store: stack.Store}
	h := &web.Handler{
		Service:     stack.Service,
		AfterCommit: func(_ context.Context, ref string) { e.committed = append(e.committed, ref) },
		Log:         slog.New(slog.DiscardHandler),
	}
	e.handler = h
	e.srv = httptest.NewServer(validated(t, h.Routes()))
	t.Cleanup(e.srv.Close)
	return e
}

func noRedirect() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func post(t *testing.T, e *env, contentType, body string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/v1/feedback", strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := noRedirect().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

const validJSON = `{"kind":"complaint","name":"Ada","email":"ada@example.com","service_area":"planning","message":"The portal lost my objection."}`

func TestSubmit_JSON(t *testing.T) {
	e := newEnv(t)
	resp, body := post(t, e, "application/json", validJSON, map[string]string{"Idempotency-Key": "k1"})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status = %d, body %s", resp.StatusCode, body)
	}
	var got map[string]string
	json.Unmarshal([]byte(body), &got)
	want := map[string]string{"reference": "FB-2026-000001", "kind": "complaint", "received_at": "2026-12-21T10:00:00Z",
		"acknowledge_by": "2026-12-22", "respond_by": "2027-01-07"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	resp, body = post(t, e, "application/json", validJSON, map[string]string{"Idempotency-Key": "k1"})
	if !strings.Contains(body, "FB-2026-000001") || resp.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay = %d %s; want the same reference", resp.StatusCode, body)
	}
	if len(e.committed) != 1 {
		t.Errorf("side effects started %d times, want once (the replay must start none)", len(e.committed))
	}
}

func TestSubmit_Form(t *testing.T) {
	e := newEnv(t)
	form := url.Values{"kind": {"compliment"}, "message": {"The park is lovely"}, "idempotency_key": {"page-1"}}
	resp, _ := post(t, e, "application/x-www-form-urlencoded", form.Encode(), nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/thank-you?ref=FB-2026-000001" {
		t.Fatalf("status %d, Location %q; want 303 to the thank-you page", resp.StatusCode, resp.Header.Get("Location"))
	}
	page, err := http.Get(e.srv.URL + resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if !strings.Contains(string(b), "FB-2026-000001") {
		t.Error("the thank-you page does not show the reference")
	}
	// The hidden key makes a resubmitted page return the same case.
	resp, _ = post(t, e, "application/x-www-form-urlencoded", form.Encode(), nil)
	if resp.Header.Get("Location") != "/thank-you?ref=FB-2026-000001" {
		t.Errorf("resubmitting the same page gave %s", resp.Header.Get("Location"))
	}
}

func TestSubmit_FormErrorsKeepText(t *testing.T) {
	e := newEnv(t)
	form := url.Values{"kind": {"complaint"}, "email": {"not-an-email"}, "message": {`My words <b>stay</b> & "safe"`}, "idempotency_key": {"page-2"}}
	resp, body := post(t, e, "application/x-www-form-urlencoded", form.Encode(), nil)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status = %d, want 422", resp.StatusCode)
	}
	for _, want := range []string{
		"There is a problem",
		`href="#email"`,
		"Enter an email address in the correct format",
		"My words &lt;b&gt;stay&lt;/b&gt; &amp; &#34;safe&#34;",
		`value="not-an-email"`,
		`value="page-2"`,
		"<title>Error: ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("re-displayed form lacks %q", want)
		}
	}
	if strings.Contains(body, "<b>stay</b>") {
		t.Error("the resident's text was not escaped")
	}
}

func TestSubmit_Problems(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		body        string
		wantStatus  int
		wantField   string
	}{
		{"empty message", "application/json", `{"kind":"complaint","email":"a@example.com","message":""}`, 422, "message"},
		{"unknown kind", "application/json", `{"kind":"rant","message":"x"}`, 422, "kind"},
		{"malformed email", "application/json", `{"kind":"comment","email":"a@b","message":"x"}`, 422, "email"},
		{"too long", "application/json", `{"kind":"comment","message":"` + strings.Repeat("a", feedback.MaxMessageChars+1) + `"}`, 422, "message"},
		{"honeypot", "application/json", `{"kind":"comment","message":"buy now","website":"http://spam.example"}`, 422, "website"},
		{"not JSON", "application/json", `{"kind":`, 400, ""},
		{"body too large", "application/json", `{"message":"` + strings.Repeat("a", web.MaxBodyBytes) + `"}`, 413, ""},
		{"wrong media type", "text/plain", "hello", 415, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			resp, body := post(t, e, tt.contentType, tt.body, nil)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d (%s)", resp.StatusCode, tt.wantStatus, body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q, want application/problem+json", ct)
			}
			var p struct {
				Status int
				Detail string
				Errors []feedback.FieldError
			}
			if err := json.Unmarshal([]byte(body), &p); err != nil || p.Status != tt.wantStatus || p.Detail == "" {
				t.Errorf("problem body = %s (%v)", body, err)
			}
			if tt.wantField != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tt.wantField) {
				t.Errorf("errors = %+v, want the first naming %s", p.Errors, tt.wantField)
			}
			if _, err := e.store.Get(t.Context(), "FB-2026-000001"); feedback.ErrorCode(err) != feedback.ENOTFOUND {
				t.Error("a rejected submission was stored")
			}
		})
	}
}

func TestForm_Page(t *testing.T) {
	e := newEnv(t)
	resp, err := http.Get(e.srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	body := string(b)
	for _, want := range []string{
		`<html lang="en">`,
		`<label for="message">`, `<label for="email">`, `<label for="name">`,
		`<legend>What would you like to tell us?</legend>`,
		`action="/v1/feedback"`, `method="post"`,
		`name="idempotency_key"`, `name="website"`,
		`<option value="planning">Planning</option>`,
		"Example &lt;District&gt; Council",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("form page lacks %q", want)
		}
	}
	if strings.Contains(body, "<script") {
		t.Error("the form must work without JavaScript and carries none")
	}
}

// The thank-you page takes its reference from the query string, so it shows one only when it
// has the configured reference format: anyone can send a resident a link to it.
func TestThanks_ShowsOnlyReferencesOfTheConfiguredFormat(t *testing.T) {
	tests := []struct {
		name   string
		format string
		ref    string
		shown  bool
	}{
		{"a reference", "FB-{year}-{seq:6}", "FB-2026-000123", true},
		{"a sequence past its padding", "FB-{year}-{seq:6}", "FB-2026-1234567", true},
		{"a scam", "FB-{year}-{seq:6}", "PAY-0900-NOW-OR-LOSE-YOUR-HOME", false},
		{"markup", "FB-{year}-{seq:6}", `<script>x</script>`, false},
		{"too few digits", "FB-{year}-{seq:6}", "FB-2026-123", false},
		{"other letters", "FB-{year}-{seq:6}", "XX-2026-000123", false},
		{"text after it", "FB-{year}-{seq:6}", "FB-2026-000123-CALL-0900", false},
		{"empty", "FB-{year}-{seq:6}", "", false},
		{"another council's format", "CMP/{seq:4}/{year}", "CMP/0042/2026", true},
		{"another council's format, scam", "CMP/{seq:4}/{year}", "CMP/0042/2026/PAY", false},
		{"pattern characters are literal", "C.{year}.{seq}", "CX2026X7", false},
		{"pattern characters are literal, match", "C.{year}.{seq}", "C.2026.7", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := embeddedtest.DefaultPolicy(t)
			p.ReferenceFormat = tt.format
			e := newEnvWithPolicy(t, &p)
			resp, body := get(t, http.DefaultClient, e.srv.URL+"/thank-you?ref="+url.QueryEscape(tt.ref))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status = %d, want 200", resp.StatusCode)
			}
			hasRef := strings.Contains(body, "Your reference is")
			if hasRef != tt.shown {
				t.Errorf("reference shown = %v, want %v", hasRef, tt.shown)
			}
			for _, bad := range []string{"PAY", "script", "CALL"} {
				if strings.Contains(tt.ref, bad) && strings.Contains(body, bad) {
					t.Errorf("the page shows %q from an unchecked reference", bad)
				}
			}
		})
	}
}

// formPost is what the form sends: the fields in the page's order, as a browser encodes them.
func formPost(key, kind, message string) url.Values {
	return url.Values{"idempotency_key": {key}, "kind": {kind}, "service_area": {""}, "subject": {"About the bins"},
		"message": {message}, "name": {"Ada Resident"}, "email": {"ada@example.com"}, "phone": {""}, "website": {""}}
}

// The form promises up to 10,000 characters; that is counted on the decoded text, in any script.
func TestSubmit_FormTakesTenThousandCharactersInAnyScript(t *testing.T) {
	tests := []struct {
		name, char string
	}{
		{"English", "e"},
		{"Welsh", "ŵ"},
		{"Arabic", "ش"},
		{"Chinese", "中"},
		{"four-byte characters", "𠜎"},
		{"emoji", "😀"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			message := strings.Repeat(tt.char, feedback.MaxMessageChars)
			resp, _ := post(t, e, "application/x-www-form-urlencoded", formPost("k-"+tt.name, "comment", message).Encode(), nil)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("status = %d (%s), want 303 to the thank-you page", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			c, err := e.store.Get(t.Context(), "FB-2026-000001")
			if err != nil || c.Message != message {
				t.Errorf("stored message differs from the one sent (%v)", err)
			}
			// The same text through the JSON API, spelt as \uXXXX escapes: the most bytes it can take.
			jb := `{"kind":"comment","message":"` + strings.Repeat(jsonEscaped(tt.char), feedback.MaxMessageChars) + `"}`
			resp, body := post(t, e, "application/json", jb, nil)
			if resp.StatusCode != http.StatusCreated {
				t.Errorf("JSON: status = %d, want 201 (%.200s)", resp.StatusCode, body)
			}
		})
	}
	t.Run("one character too many", func(t *testing.T) {
		e := newEnv(t)
		message := strings.Repeat("𠜎", feedback.MaxMessageChars+1)
		resp, body := post(t, e, "application/x-www-form-urlencoded", formPost("k", "comment", message).Encode(), nil)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("status = %d %s, want 422 and the form", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if !strings.Contains(body, "Your message must be 10000 characters or fewer; it is 10001") || !strings.Contains(body, message) {
			t.Error("the form does not say what is wrong with the message, or lost it")
		}
	})
}

// jsonEscaped spells s with JSON's \u escapes (a surrogate pair for a four-byte character).
func jsonEscaped(s string) string {
	var b strings.Builder
	for _, u := range utf16.Encode([]rune(s)) {
		if u < 0x80 {
			b.WriteByte(byte(u))
		} else {
			fmt.Fprintf(&b, `\u%04x`, u)
		}
	}
	return b.String()
}

// A post from the HTML form never answers with JSON: every failure re-displays the form, with
// the resident's text and an error summary, and an HTTP status that says what went wrong.
func TestSubmit_FormFailuresRedisplayTheForm(t *testing.T) {
	message := `My words <b>stay</b> & "safe"`
	tests := []struct {
		name       string
		body       func() string
		header     map[string]string
		before     func(t *testing.T, e *env)
		wantStatus int
		wantText   []string // besides the error summary
		keepsText  bool
	}{
		{
			name:       "message far too long",
			body:       func() string { return formPost("k1", "comment", strings.Repeat("𠜎", 15000)).Encode() },
			wantStatus: http.StatusRequestEntityTooLarge,
			wantText:   []string{"Your message must be 10000 characters or fewer; it is 15000", `href="#message"`},
			keepsText:  false, // checked below: the long text is kept
		},
		{
			name:       "body too large to read back",
			body:       func() string { return formPost("k1", "comment", strings.Repeat("a", 4<<20)).Encode() },
			wantStatus: http.StatusRequestEntityTooLarge,
			wantText:   []string{"too large"},
		},
		{
			name:       "unreadable form",
			body:       func() string { return formPost("k1", "comment", message).Encode() + "&bad=%zz" },
			wantStatus: http.StatusBadRequest,
			wantText:   []string{"could not be read"},
			keepsText:  true,
		},
		{
			name: "honeypot",
			body: func() string {
				v := formPost("k1", "comment", message)
				v.Set("website", "http://spam.example")
				return v.Encode()
			},
			wantStatus: http.StatusUnprocessableEntity,
			wantText:   []string{"Leave the last box"},
			keepsText:  true,
		},
		{
			name:   "key reused for other content",
			body:   func() string { return formPost("k1", "comment", message).Encode() },
			header: map[string]string{"Idempotency-Key": "h1"},
			before: func(t *testing.T, e *env) {
				resp, _ := post(t, e, "application/x-www-form-urlencoded", formPost("k0", "comment", "Something else").Encode(),
					map[string]string{"Idempotency-Key": "h1"})
				if resp.StatusCode != http.StatusSeeOther {
					t.Fatalf("first post: status %d", resp.StatusCode)
				}
			},
			wantStatus: http.StatusConflict,
			wantText:   []string{"already"},
			keepsText:  true,
		},
		{
			name:       "internal error",
			body:       func() string { return formPost("k1", "comment", message).Encode() },
			before:     func(t *testing.T, e *env) { e.store.Close() },
			wantStatus: http.StatusInternalServerError,
			wantText:   []string{"has not been sent", "request id"},
			keepsText:  true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if tt.before != nil {
				tt.before(t, e)
			}
			body := tt.body()
			resp, page := post(t, e, "application/x-www-form-urlencoded", body, tt.header)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Fatalf("Content-Type = %q, want the form (text/html); body %.300s", ct, page)
			}
			for _, want := range append([]string{`id="error-summary"`, "There is a problem", "<title>Error: ", `action="/v1/feedback"`}, tt.wantText...) {
				if !strings.Contains(page, want) {
					t.Errorf("the re-displayed form lacks %q", want)
				}
			}
			if tt.keepsText && !strings.Contains(page, "My words &lt;b&gt;stay&lt;/b&gt; &amp; &#34;safe&#34;") {
				t.Error("the resident's message was lost (or not escaped)")
			}
			if strings.Contains(page, "<b>stay</b>") {
				t.Error("the resident's text was not escaped")
			}
			if tt.name == "message far too long" && !strings.Contains(page, strings.Repeat("𠜎", 15000)) {
				t.Error("the long message was not given back to be shortened")
			}
		})
	}
}

// Pressing Back, editing and sending the same page again is new feedback; sending the same
// page twice (a double click, a resend) is one case. The JSON API keeps strict keys.
func TestSubmit_FormResendAfterEditIsNewFeedback(t *testing.T) {
	e := newEnv(t)
	send := func(v url.Values) string {
		t.Helper()
		resp, _ := post(t, e, "application/x-www-form-urlencoded", v.Encode(), nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("status = %d, want 303", resp.StatusCode)
		}
		return strings.TrimPrefix(resp.Header.Get("Location"), "/thank-you?ref=")
	}
	first := send(formPost("page-1", "complaint", "The bin was missed."))
	again := send(formPost("page-1", "complaint", "The bin was missed."))
	edited := send(formPost("page-1", "complaint", "The bin was missed again on Tuesday."))
	editedAgain := send(formPost("page-1", "complaint", "The bin was missed again on Tuesday."))
	otherPage := send(formPost("page-2", "complaint", "The bin was missed."))
	if first != "FB-2026-000001" || again != first {
		t.Errorf("the same page sent twice gave %s and %s; want one case", first, again)
	}
	if edited == first || editedAgain != edited {
		t.Errorf("an edited resend gave %s (first %s), sent again %s; want a new case, once", edited, first, editedAgain)
	}
	if otherPage == first || otherPage == edited {
		t.Errorf("another page with the same words gave %s; want a case of its own", otherPage)
	}
	if len(e.committed) != 3 {
		t.Errorf("%d cases started their side effects, want 3", len(e.committed))
	}

	resp, _ := post(t, e, "application/json", validJSON, map[string]string{"Idempotency-Key": "api-1"})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("JSON: status = %d", resp.StatusCode)
	}
	resp, body := post(t, e, "application/json", strings.Replace(validJSON, "lost", "mislaid", 1), map[string]string{"Idempotency-Key": "api-1"})
	if resp.StatusCode != http.StatusConflict || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("JSON: same key, other content = %d %s %s; want 409 problem+json", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}

// busyStore is a store whose writes keep meeting a conflict it cannot clear, as DynamoDB's do
// when the store gives up its retries.
type busyStore struct{ feedback.Store }

func (busyStore) NextSequence(context.Context, string) (int64, error) {
	return 0, feedback.Errorf(feedback.EUNAVAILABLE, "The case store is busy. Please try again in a few seconds.")
}

func TestSubmit_BusyStoreIs503WithRetryAfter(t *testing.T) {
	e := newEnv(t)
	h := e.handler
	svc := *h.Service
	svc.Store = busyStore{svc.Store}
	busy := &web.Handler{Service: &svc, Log: slog.New(slog.DiscardHandler)}
	srv := httptest.NewServer(validated(t, busy.Routes()))
	t.Cleanup(srv.Close)
	tests := []struct {
		name, contentType, body, wantType, wantText string
	}{
		{"json", "application/json", `{"kind":"comment","message":"Hello"}`, "application/problem+json", "try again in a few seconds"},
		{"form", "application/x-www-form-urlencoded", formPost("k1", "comment", "Hello there").Encode(), "text/html; charset=utf-8", "Hello there"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Post(srv.URL+"/v1/feedback", tt.contentType, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" ||
				resp.Header.Get("Content-Type") != tt.wantType || !strings.Contains(string(b), tt.wantText) {
				t.Errorf("got %d Retry-After %q %s:\n%s", resp.StatusCode, resp.Header.Get("Retry-After"), resp.Header.Get("Content-Type"), b)
			}
		})
	}
}

func TestSubmit_JSONBodies(t *testing.T) {
	valid := `{"kind":"comment","message":"The library is lovely."}`
	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantText   string
		notText    string
	}{
		{"a valid object", valid, http.StatusCreated, "reference", ""},
		{"a byte-order mark first", "\ufeff" + valid, http.StatusCreated, "reference", ""},
		{"trailing white space", valid + "\n\n", http.StatusCreated, "reference", ""},
		{"junk after the object", valid + strings.Repeat("x", 1<<20), http.StatusBadRequest, "nothing after it", ""},
		{"a second object", valid + valid, http.StatusBadRequest, "nothing after it", ""},
		{"a number for a string", `{"kind":"comment","message":42}`, http.StatusBadRequest, `The field \"message\" must be a string, not a JSON number`, "Go struct"},
		{"an array, not an object", `["comment"]`, http.StatusBadRequest, "must be a JSON object", "Go"},
		{"cut short", `{"kind":"comm`, http.StatusBadRequest, "ends too soon", ""},
		{"empty", ``, http.StatusBadRequest, "empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			resp, body := post(t, e, "application/json", tt.body, nil)
			if resp.StatusCode != tt.wantStatus || !strings.Contains(body, tt.wantText) || (tt.notText != "" && strings.Contains(body, tt.notText)) {
				t.Errorf("got %d %s; want %d containing %q", resp.StatusCode, body, tt.wantStatus, tt.wantText)
			}
			if resp.StatusCode >= 400 && resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("Content-Type = %q, want application/problem+json", resp.Header.Get("Content-Type"))
			}
		})
	}
}

func TestAPI_UnknownRoutesAndMethods(t *testing.T) {
	srv := httptest.NewServer(newEnv(t).handler.Routes())
	t.Cleanup(srv.Close)
	tests := []struct {
		method, path string
		status       int
		allow        string
	}{
		{"GET", "/v1/nothing-here", 404, ""},
		{"POST", "/v1/feedbackx", 404, ""},
		{"GET", "/v1/feedback", 405, "POST"},
		{"DELETE", "/v1/cases", 405, "GET, POST"},
		{"PUT", "/v1/cases/FB-2026-000001", 405, "GET"},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, srv.URL+tt.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || resp.Header.Get("Content-Type") != "application/problem+json" ||
			resp.Header.Get("Allow") != tt.allow || !strings.Contains(string(b), `"request_id"`) {
			t.Errorf("%s %s = %d %s Allow %q: %s; want %d problem+json, Allow %q", tt.method, tt.path, resp.StatusCode,
				resp.Header.Get("Content-Type"), resp.Header.Get("Allow"), b, tt.status, tt.allow)
		}
	}
}

func TestDeferred(t *testing.T) {
	var builds atomic.Int32
	fail := true
	h := web.Deferred(slog.New(slog.DiscardHandler), func(context.Context) (http.Handler, error) {
		builds.Add(1)
		if fail {
			return nil, errors.New("ssmparam: get /intake/session-key: connection refused")
		}
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("built")) }), nil
	})
	serve := func() *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, "/officer", nil)
		r.Header.Set("X-Request-Id", "req-1")
		h.ServeHTTP(w, r)
		return w
	}

	// A failed build is an internal error that names only the request id, and is tried again.
	for range 2 {
		w := serve()
		if w.Code != http.StatusInternalServerError || strings.Contains(w.Body.String(), "ssmparam") || !strings.Contains(w.Body.String(), "req-1") {
			t.Fatalf("while the build fails: %d %s", w.Code, w.Body)
		}
	}
	if n := builds.Load(); n != 2 {
		t.Fatalf("built %d times for two requests while failing, want 2", n)
	}

	// Once built, the handler serves every request, concurrent ones included, and is not built again.
	fail = false
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if w := serve(); w.Code != http.StatusOK || w.Body.String() != "built" {
				t.Errorf("once built: %d %s", w.Code, w.Body)
			}
		})
	}
	wg.Wait()
	if n := builds.Load(); n != 3 {
		t.Errorf("built %d times in all, want 3", n)
	}
}

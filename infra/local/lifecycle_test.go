package main

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

const (
	tokOfficer = "tok-planning-officer-01"
	tokManager = "tok-planning-manager-01"
	tokAdmin   = "tok-complaints-admin-01"
)

// api calls the officer API with a bearer token and decodes the JSON answer.
func (r *runner) api(t *testing.T, method, path, token, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, r.base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

// clock moves the runner's fixed clock, which fires whatever has come due.
func (r *runner) clock(t *testing.T, now string) {
	t.Helper()
	resp, err := http.Post(r.base+"/_local/clock", "application/json", strings.NewReader(`{"now":"`+now+`"}`))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /_local/clock %s: %v %v", now, resp, err)
	}
	resp.Body.Close()
}

// mail counts the letters to addr whose subject starts with prefix and which mention ref.
func (r *runner) mail(t *testing.T, addr, prefix, ref string) int {
	t.Helper()
	n := 0
	for _, m := range r.outbox(t) {
		if slices.Contains(m.To, addr) && strings.HasPrefix(m.Subject, prefix) && strings.Contains(m.Subject+m.Text, ref) {
			n++
		}
	}
	return n
}

// TestLocalRunner_OfficerLifecycle runs issue 7's acceptance against the running local runner:
// the reminders at the runner's clock, and the lifecycle through the JSON API with bearer tokens.
func TestLocalRunner_OfficerLifecycle(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the local runner")
	}
	bin := buildRunner(t)
	r := start(t, bin, t.TempDir(), "-now", "2026-12-21T10:00:00Z",
		"-api-tokens", tokOfficer+"=planning@example.gov.uk,"+tokManager+"=planning.manager@example.gov.uk,"+tokAdmin+"=complaints@example.gov.uk")
	complaint := func(who string) string {
		resp, body := r.post(t, "application/json", `{"kind":"complaint","email":"`+who+`@example.com","service_area":"planning","message":"My objection was lost."}`, nil)
		var c struct{ Reference, RespondBy string }
		json.Unmarshal(body, &struct {
			Reference *string `json:"reference"`
			RespondBy *string `json:"respond_by"`
		}{&c.Reference, &c.RespondBy})
		if resp.StatusCode != http.StatusCreated || c.RespondBy != "2027-01-07" {
			t.Fatalf("POST /v1/feedback = %d %s; want 201 due 2027-01-07", resp.StatusCode, body)
		}
		return c.Reference
	}
	a, b := complaint("ada"), complaint("ben")

	// Without a token, nothing; with an officer's, the case as the API shows it.
	if status, _ := r.api(t, "GET", "/v1/cases/"+a, "not-a-token-at-all-xx", ""); status != http.StatusUnauthorized {
		t.Errorf("an unknown token got %d, want 401", status)
	}
	if status, c := r.api(t, "GET", "/v1/cases/"+a, tokOfficer, ""); status != http.StatusOK || c["respond_by"] != "2027-01-07" {
		t.Fatalf("GET /v1/cases/%s = %d %v", a, status, c)
	}

	// 4 January: B is extended by 5 working days, once.
	r.clock(t, "2027-01-04T10:00:00Z")
	status, c := r.api(t, "POST", "/v1/cases/"+b+"/extend", tokOfficer, `{"working_days":5,"reason":"Waiting for the site visit."}`)
	if status != http.StatusOK || c["respond_by"] != "2027-01-14" {
		t.Fatalf("extend = %d %v; want respond_by 2027-01-14", status, c)
	}
	if status, _ := r.api(t, "POST", "/v1/cases/"+b+"/extend", tokOfficer, `{"working_days":2,"reason":"More."}`); status != http.StatusConflict {
		t.Errorf("a second Stage 1 extension got %d, want 409", status)
	}
	if n := r.mail(t, "ben@example.com", "", "14 January 2027"); n != 1 {
		t.Errorf("%d letters to the resident naming the new date, want 1", n)
	}
	var schedules []struct{ Name string }
	resp, err := http.Get(r.base + "/_local/schedules")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&schedules)
	resp.Body.Close()
	for _, s := range schedules {
		if strings.HasPrefix(s.Name, b) && strings.HasSuffix(s.Name, "-20270107") {
			t.Errorf("B's schedule %s for the old date was not deleted", s.Name)
		}
	}

	// A's reminders: the warning at 09:00 on 5 January and not before; overdue on 8 January to
	// the officer and the manager.
	r.clock(t, "2027-01-05T08:59:00Z")
	if n := r.mail(t, "planning@example.gov.uk", "Response due soon", a); n != 0 {
		t.Errorf("the warning came before 09:00 (%d)", n)
	}
	r.clock(t, "2027-01-05T09:00:00Z")
	if n := r.mail(t, "planning@example.gov.uk", "Response due soon", a); n != 1 {
		t.Errorf("%d warnings for %s at 09:00 on 5 January, want 1", n, a)
	}

	// 6 January: B's Stage 1 response, not upheld.
	r.clock(t, "2027-01-06T14:00:00Z")
	if status, c := r.api(t, "POST", "/v1/cases/"+b+"/respond", tokOfficer,
		`{"outcome":"not_upheld","summary":"We found no fault.","sent_by":"email"}`); status != http.StatusOK || c["outcome"] != "not_upheld" {
		t.Fatalf("respond = %d %v", status, c)
	}

	r.clock(t, "2027-01-08T09:00:00Z")
	for _, to := range []string{"planning@example.gov.uk", "planning.manager@example.gov.uk"} {
		if n := r.mail(t, to, "Response overdue", a); n != 1 {
			t.Errorf("%d overdue reminders for %s to %s on 8 January, want 1", n, a, to)
		}
	}

	// B closes: two years. The Stage 1 handler may not review it; the manager may.
	if status, c := r.api(t, "POST", "/v1/cases/"+b+"/close", tokOfficer, `{"note":"Accepted."}`); status != http.StatusOK ||
		c["status"] != "closed" || !strings.HasPrefix(asString(c["expires_at"]), "2029-01-08") {
		t.Errorf("close = %d status %v expires_at %v; want closed, expiring 2029-01-08", status, c["status"], c["expires_at"])
	}
	r.clock(t, "2027-01-11T10:00:00Z")
	if status, _ := r.api(t, "POST", "/v1/cases/"+b+"/escalate", tokAdmin, `{"reviewer":"planning@example.gov.uk","reason":"Unhappy."}`); status != http.StatusConflict && status != http.StatusUnprocessableEntity {
		t.Errorf("escalating to the Stage 1 handler got %d, want a refusal", status)
	}
	status, c = r.api(t, "POST", "/v1/cases/"+b+"/escalate", tokAdmin, `{"reviewer":"planning.manager@example.gov.uk","reason":"Unhappy."}`)
	if status != http.StatusOK || c["stage"] != "stage2" || c["expires_at"] != nil || c["respond_by"] == nil {
		t.Fatalf("escalate = %d %v", status, c)
	}

	// Stage 2 responds (closing the case), then the Ombudsman: six years.
	r.clock(t, "2027-02-01T10:00:00Z")
	r.api(t, "POST", "/v1/cases/"+b+"/respond", tokManager, `{"outcome":"partly_upheld","summary":"Partly.","sent_by":"post"}`)
	r.clock(t, "2027-02-12T10:00:00Z")
	r.api(t, "POST", "/v1/cases/"+b+"/ombudsman", tokManager, `{"ombudsman":"lgsco","referred_on":"2027-02-10"}`)
	status, c = r.api(t, "POST", "/v1/cases/"+b+"/ombudsman", tokAdmin, `{"decision":"not_upheld","decided_on":"2027-02-11"}`)
	if status != http.StatusOK || c["status"] != "closed" || !strings.HasPrefix(asString(c["expires_at"]), "2033-02-01") {
		t.Errorf("after the Ombudsman: %d status %v expires_at %v; want closed, expiring six years after closure (2033-02-01)", status, c["status"], c["expires_at"])
	}
}

// TestLocalRunner_ClosesUnescalated: a complaint answered at Stage 1 and not escalated closes
// by itself once the day its response letter gave for asking for Stage 2 has passed, when the
// runner's clock moves past it: closed, kept two years from then, the history saying why.
func TestLocalRunner_ClosesUnescalated(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the local runner")
	}
	r := start(t, buildRunner(t), t.TempDir(), "-now", "2026-12-21T10:00:00Z",
		"-api-tokens", tokOfficer+"=planning@example.gov.uk")
	resp, body := r.post(t, "application/json", `{"kind":"complaint","email":"ada@example.com","service_area":"planning","message":"My objection was lost."}`, nil)
	var made struct {
		Reference string `json:"reference"`
	}
	if json.Unmarshal(body, &made) != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /v1/feedback = %d %s", resp.StatusCode, body)
	}
	ref := made.Reference
	r.clock(t, "2027-01-06T14:00:00Z")
	if status, c := r.api(t, "POST", "/v1/cases/"+ref+"/respond", tokOfficer,
		`{"outcome":"not_upheld","summary":"We found no fault.","sent_by":"email"}`); status != http.StatusOK {
		t.Fatalf("respond = %d %v", status, c)
	}
	if n := r.mail(t, "ada@example.com", "Our response", "Wednesday 3 February 2027"); n != 1 {
		t.Errorf("%d response letters giving 3 February as the last day to ask for Stage 2; want 1", n)
	}
	history := func(c map[string]any) string {
		h, _ := c["history"].([]any)
		last, _ := h[len(h)-1].(map[string]any)
		return asString(last["action"]) + ": " + asString(last["detail"])
	}
	r.clock(t, "2027-02-03T22:00:00Z")
	if _, c := r.api(t, "GET", "/v1/cases/"+ref, tokOfficer, ""); c["status"] != "open" {
		t.Errorf("on the last day to ask for Stage 2: status %v, %s; want open", c["status"], history(c))
	}
	r.clock(t, "2027-02-04T07:00:00Z")
	_, c := r.api(t, "GET", "/v1/cases/"+ref, tokOfficer, "")
	if c["status"] != "closed" || !strings.HasPrefix(asString(c["expires_at"]), "2029-02-04") ||
		history(c) != "closed: no Stage 2 review was asked for by Wednesday 3 February 2027" {
		t.Errorf("the morning after: status %v, expires_at %v, %s; want closed, kept until 2029-02-04, saying why",
			c["status"], c["expires_at"], history(c))
	}
}

func asString(v any) string {
	s, _ := v.(string)
	return s
}

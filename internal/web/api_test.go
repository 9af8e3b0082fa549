package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/embedded/embeddedtest"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/web"
)

// The API's staff and their tokens: cy is a planning officer, ed a housing officer, bo and di
// planning managers, ana the complaints team.
var apiTokens = map[string]string{
	"tok-cy-0123456789": "cy@council.gov.uk", "tok-ed-0123456789": "ed@council.gov.uk",
	"tok-bo-0123456789": "bo@council.gov.uk", "tok-di-0123456789": "di@council.gov.uk",
	"tok-ana-012345678": "ana@council.gov.uk",
}

type apiEnv struct {
	srv   *httptest.Server
	clock *clock.Fixed
	svc   *feedback.Service
}

func newAPIEnv(t *testing.T) *apiEnv {
	t.Helper()
	staff, err := feedback.ParseDirectory("ana@council.gov.uk=admin,bo@council.gov.uk=manager:planning,di@council.gov.uk=manager:planning," +
		"cy@council.gov.uk=officer:planning,ed@council.gov.uk=officer:housing")
	if err != nil {
		t.Fatal(err)
	}
	stack := embeddedtest.Open(t, embeddedtest.Options{Now: monday,
		Council: feedback.Council{Name: "Example District Council", From: "x@example.gov.uk"},
		Routing: feedback.Routing{Areas: map[string]string{"planning": "cy@council.gov.uk", "housing": "ed@council.gov.uk"}, Triage: "triage@council.gov.uk"},
		Staff:   staff,
	})
	svc := stack.Service
	h := &web.Handler{
		Service: svc,
		AfterCommit: func(ctx context.Context, ref string) {
			if err := svc.Process(ctx, ref); err != nil {
				t.Errorf("Process %s: %v", ref, err)
			}
		},
		Staff: web.BearerTokens(apiTokens, staff),
		Log:   slog.New(slog.DiscardHandler),
	}
	e := &apiEnv{srv: httptest.NewServer(validated(t, h.Routes())), clock: stack.Clock, svc: svc}
	t.Cleanup(e.srv.Close)
	return e
}

// call makes an API request as the holder of token and decodes the JSON answer.
func (e *apiEnv) call(t *testing.T, method, path, token, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: %d, not JSON: %s", method, path, resp.StatusCode, raw)
	}
	if resp.StatusCode >= 400 && resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("%s %s: %d with Content-Type %q, want application/problem+json", method, path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return resp.StatusCode, out
}

const planningComplaint = `{"kind":"complaint","name":"Ada Resident","email":"ada@example.com","service_area":"planning",
	"message":"The <b>portal</b> lost my objection.","channel":"phone","received_at":"2026-12-21T10:00:00Z"}`

func TestAPI_Auth(t *testing.T) {
	e := newAPIEnv(t)
	status, c := e.call(t, "POST", "/v1/cases", "tok-cy-0123456789", planningComplaint)
	if status != http.StatusCreated {
		t.Fatalf("POST /v1/cases = %d %v", status, c)
	}
	ref := c["reference"].(string)
	tests := []struct {
		name, method, path, token, body string
		want                            int
	}{
		{"no token", "GET", "/v1/cases/" + ref, "", "", http.StatusUnauthorized},
		{"unknown token", "GET", "/v1/cases/" + ref, "tok-nobody-000000", "", http.StatusUnauthorized},
		{"unknown token listing", "GET", "/v1/cases", "wrong", "", http.StatusUnauthorized},
		{"the area's officer", "GET", "/v1/cases/" + ref, "tok-cy-0123456789", "", http.StatusOK},
		{"the area's manager", "GET", "/v1/cases/" + ref, "tok-bo-0123456789", "", http.StatusOK},
		{"an officer of another area gets 404", "GET", "/v1/cases/" + ref, "tok-ed-0123456789", "", http.StatusNotFound},
		{"nor can they act on it", "POST", "/v1/cases/" + ref + "/note", "tok-ed-0123456789", `{"text":"hi"}`, http.StatusNotFound},
		{"nor see it listed", "GET", "/v1/cases?service_area=planning", "tok-ed-0123456789", "", http.StatusOK},
		{"no such case", "GET", "/v1/cases/FB-2026-999999", "tok-ana-012345678", "", http.StatusNotFound},
		{"an officer may not record a referral", "POST", "/v1/cases/" + ref + "/ombudsman", "tok-cy-0123456789",
			`{"ombudsman":"lgsco","referred_on":"2026-12-21"}`, http.StatusForbidden},
		{"a bad outcome", "POST", "/v1/cases/" + ref + "/respond", "tok-cy-0123456789", `{"outcome":"maybe","summary":"s","sent_by":"email"}`, http.StatusUnprocessableEntity},
		{"an unknown field", "POST", "/v1/cases/" + ref + "/note", "tok-cy-0123456789", `{"txt":"hi"}`, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := e.call(t, tt.method, tt.path, tt.token, tt.body)
			if status != tt.want {
				t.Fatalf("%s %s = %d %v, want %d", tt.method, tt.path, status, body, tt.want)
			}
			if status == http.StatusNotFound && strings.Contains(body["detail"].(string), "Ada") {
				t.Errorf("the 404 shows the case: %v", body)
			}
			if strings.Contains(tt.name, "listed") {
				if cases := body["cases"].([]any); len(cases) != 0 {
					t.Errorf("another area's officer listed %d cases", len(cases))
				}
			}
		})
	}
}

// TestAPI_Lifecycle runs issue 7's acceptance through the API with bearer tokens.
func TestAPI_Lifecycle(t *testing.T) {
	e := newAPIEnv(t)
	_, c := e.call(t, "POST", "/v1/cases", "tok-cy-0123456789", planningComplaint)
	ref := c["reference"].(string)
	at := func(s string) {
		t, err := time.Parse("2006-01-02T15:04", s)
		if err != nil {
			panic(err)
		}
		e.clock.Set(t)
	}
	steps := []struct {
		name   string
		day    string // when, in Europe/London (UTC in winter)
		path   string
		token  string
		body   string
		status int
		check  map[string]any
	}{
		{"the new complaint is due 7 January", "2026-12-21T10:00", "", "tok-cy-0123456789", "", 200,
			map[string]any{"respond_by": "2027-01-07", "status": "open", "stage": "stage1", "channel": "phone", "extended": false}},
		{"extend by 5 working days on 4 January", "2027-01-04T10:00", "/extend", "tok-cy-0123456789", `{"working_days":5,"reason":"Waiting for the inspector."}`, 200,
			map[string]any{"respond_by": "2027-01-14", "extended": true}},
		{"a second extension is refused", "2027-01-04T10:30", "/extend", "tok-cy-0123456789", `{"working_days":1,"reason":"more"}`, 409, nil},
		{"hand Stage 1 to bo", "2027-01-05T10:00", "/assign", "tok-cy-0123456789", `{"to":"bo@council.gov.uk"}`, 200, map[string]any{"assigned_to": "bo@council.gov.uk"}},
		{"respond not upheld on 6 January", "2027-01-06T14:00", "/respond", "tok-bo-0123456789",
			`{"outcome":"not_upheld","summary":"We found no fault.","lessons":"","compensation_pence":0,"sent_by":"email"}`, 200,
			map[string]any{"outcome": "not_upheld", "respond_by": nil, "status": "open"}},
		{"close", "2027-01-07T14:00", "/close", "tok-bo-0123456789", `{"note":"Accepted."}`, 200,
			map[string]any{"status": "closed", "closed_at": "2027-01-07T14:00:00Z", "expires_at": "2029-01-07T14:00:00Z"}},
		{"the Stage 1 handler cannot review", "2027-01-11T10:00", "/escalate", "tok-cy-0123456789", `{"reviewer":"bo@council.gov.uk","reason":"Unhappy."}`, 409, nil},
		{"another manager reviews", "2027-01-11T10:00", "/escalate", "tok-cy-0123456789", `{"reviewer":"di@council.gov.uk","reason":"Unhappy."}`, 200,
			map[string]any{"stage": "stage2", "status": "open", "respond_by": "2027-02-08", "expires_at": nil, "extended": false}},
		{"Stage 2 responds and closes", "2027-02-01T10:00", "/respond", "tok-di-0123456789", `{"outcome":"partly_upheld","summary":"Partly.","sent_by":"post"}`, 200,
			map[string]any{"status": "closed", "outcome": "partly_upheld", "expires_at": "2029-02-01T10:00:00Z"}},
		{"Ombudsman referral", "2027-02-12T10:00", "/ombudsman", "tok-di-0123456789", `{"ombudsman":"lgsco","referred_on":"2027-02-10"}`, 200,
			map[string]any{"expires_at": "2033-02-01T10:00:00Z"}},
		{"Ombudsman decision", "2027-02-12T10:00", "/ombudsman", "tok-ana-012345678", `{"decision":"not_upheld","decided_on":"2027-02-11","remedy":""}`, 200,
			map[string]any{"expires_at": "2033-02-01T10:00:00Z"}},
	}
	for _, st := range steps {
		at(st.day)
		method := "POST"
		if st.path == "" {
			method = "GET"
		}
		status, got := e.call(t, method, "/v1/cases/"+ref+st.path, st.token, st.body)
		if status != st.status {
			t.Fatalf("%s: %d %v, want %d", st.name, status, got, st.status)
		}
		for k, want := range st.check {
			if got[k] != want {
				t.Errorf("%s: %s = %v, want %v", st.name, k, got[k], want)
			}
		}
	}
	_, c = e.call(t, "GET", "/v1/cases/"+ref, "tok-ana-012345678", "")
	for _, k := range []string{"reference", "kind", "channel", "status", "stage", "assigned_to", "service_area", "received_at",
		"acknowledged_at", "respond_by", "extended", "closed_at", "outcome", "expires_at", "messages", "letters", "history"} {
		if _, ok := c[k]; !ok {
			t.Errorf("GET /v1/cases/{reference} lacks %q", k)
		}
	}
	var letters []string
	for _, l := range c["letters"].([]any) {
		m := l.(map[string]any)
		name := m["name"].(string)
		if strings.HasPrefix(name, "assignment-") {
			name = "assignment-" // assignment-N: N is the case's version
		}
		letters = append(letters, name+":"+m["state"].(string))
	}
	want := "[extension-stage1:done assignment-:done response-stage1:done escalation:done review-stage2:done response-stage2:posted]"
	if got := "[" + strings.Join(letters, " ") + "]"; got != want {
		t.Errorf("letters = %s\nwant %s", got, want)
	}
}

func TestAPI_ListCases(t *testing.T) {
	e := newAPIEnv(t)
	for _, area := range []string{"planning", "housing", "planning"} {
		body := strings.Replace(planningComplaint, `"planning"`, `"`+area+`"`, 1)
		if status, c := e.call(t, "POST", "/v1/cases", "tok-ana-012345678", body); status != 201 {
			t.Fatalf("POST = %d %v", status, c)
		}
	}
	e.clock.Set(time.Date(2027, 1, 8, 12, 0, 0, 0, time.UTC))
	tests := []struct {
		token, query string
		want         int
	}{
		{"tok-ana-012345678", "", 3},
		{"tok-cy-0123456789", "?status=open", 2},
		{"tok-ed-0123456789", "?overdue=true", 1},
		{"tok-bo-0123456789", "?service_area=housing", 0},
		{"tok-ana-012345678", "?status=closed", 0},
		{"tok-ana-012345678", "?kind=compliment", 0},
	}
	for _, tt := range tests {
		status, got := e.call(t, "GET", "/v1/cases"+tt.query, tt.token, "")
		if status != 200 || len(got["cases"].([]any)) != tt.want {
			t.Errorf("GET /v1/cases%s as %s = %d, %d cases; want %d", tt.query, tt.token, status, len(got["cases"].([]any)), tt.want)
		}
	}
	// Paging: one at a time, the cursor leads through every case once.
	seen := map[string]bool{}
	path := "/v1/cases?limit=1"
	for i := 0; i < 5; i++ {
		_, got := e.call(t, "GET", path, "tok-ana-012345678", "")
		for _, c := range got["cases"].([]any) {
			seen[c.(map[string]any)["reference"].(string)] = true
		}
		next, _ := got["next_cursor"].(string)
		if next == "" {
			break
		}
		path = "/v1/cases?limit=1&cursor=" + next
	}
	if len(seen) != 3 {
		t.Errorf("paging one at a time saw %d cases, want 3", len(seen))
	}
	if status, _ := e.call(t, "GET", "/v1/cases?status=sideways", "tok-ana-012345678", ""); status != 422 {
		t.Errorf("a bad status filter = %d, want 422", status)
	}
}

// TestAPI_RightsAndRestrictions goes through the admin routes of the restrictions register, the
// staff-safety list, subject access, erasure and the destruction log, as the complaints team
// would; every answer is also held to the OpenAPI document (the server is validated).
func TestAPI_RightsAndRestrictions(t *testing.T) {
	e := newAPIEnv(t)
	const admin, officer = "tok-ana-012345678", "tok-cy-0123456789"
	steps := []struct {
		method, path, token, body string
		status                    int
		has                       string // a key the answer must have
	}{
		{"POST", "/v1/restrictions", admin, `{"contact":"pat@example.com","types":["written_only"],"reason":"Repeated abusive calls.","decided_by":"ana@council.gov.uk"}`, 201, "review_by"},
		{"GET", "/v1/restrictions", admin, "", 200, "restrictions"},
		{"GET", "/v1/restrictions", officer, "", 403, "detail"},
		{"POST", "/v1/markers", admin, `{"contact":"pat@example.com","reason":"Threatened staff at the counter.","decided_by":"ana@council.gov.uk","told_on":"2026-12-21"}`, 201, "id"},
		{"GET", "/v1/markers", admin, "", 200, "markers"},
		// One made before the person was told; the day is recorded later, once.
		{"POST", "/v1/markers", admin, `{"contact":"sam@example.com","reason":"Threatened staff by phone."}`, 201, "id"},
		{"POST", "/v1/markers/SM-2026-0002/told", officer, `{"told_on":"2026-12-21"}`, 403, "detail"},
		{"POST", "/v1/markers/SM-2026-0002/told", admin, `{"told_on":"soon"}`, 422, "detail"},
		{"POST", "/v1/markers/SM-2026-0002/told", admin, `{"told_on":"2026-12-21"}`, 200, "told_on"},
		{"POST", "/v1/markers/SM-2026-0002/told", admin, "", 409, "detail"},
		{"POST", "/v1/markers/SM-2026-0099/told", admin, "", 404, "detail"},
		{"POST", "/v1/cases", officer, planningComplaint, 201, "reference"},
		{"DELETE", "/v1/contacts/ada@example.com", admin, "", 409, "detail"}, // an open case
		{"GET", "/v1/destructions?from=2026-01-01&to=2027-12-31", admin, "", 200, "destructions"},
	}
	for _, st := range steps {
		status, got := e.call(t, st.method, st.path, st.token, st.body)
		if status != st.status || got[st.has] == nil {
			t.Errorf("%s %s = %d %v; want %d with %q", st.method, st.path, status, got, st.status, st.has)
		}
	}
	resp, err := http.DefaultClient.Do(func() *http.Request {
		req, _ := http.NewRequest("GET", e.srv.URL+"/v1/contacts/ada@example.com/export", nil)
		req.Header.Set("Authorization", "Bearer "+admin)
		return req
	}())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/zip" {
		t.Errorf("export = %d %s; want a ZIP", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

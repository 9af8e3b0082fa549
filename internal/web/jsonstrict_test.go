package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestDecode_StrictJSON: every JSON body (the public API, the signed social API, the officer
// API) refuses a duplicate key, invalid UTF-8, a lone surrogate and a NUL with 400
// problem+json naming the problem, rather than letting encoding/json smooth it over; nothing is
// stored.
func TestDecode_StrictJSON(t *testing.T) {
	bodies := []struct {
		name, body, check, mention string
	}{
		{"a duplicate key", `{"kind":"comment","message":"first","message":"second"}`, "duplicate_key", `"message" twice`},
		{"a duplicate key, spelt with an escape", `{"kind":"comment","message":"first","\u006dessage":"second"}`, "duplicate_key", `"message" twice`},
		{"a duplicate key in a nested object", `{"kind":"comment","message":"hi","contact":{"email":"a@example.com","email":"b@example.com"}}`, "duplicate_key", `"email" twice`},
		{"invalid UTF-8", "{\"kind\":\"comment\",\"message\":\"caf\xe9\"}", "utf8", "UTF-8"},
		{"a lone high surrogate", `{"kind":"comment","message":"a\ud800b"}`, "surrogate", `\ud800`},
		{"a lone low surrogate", `{"kind":"comment","message":"a\udc00b"}`, "surrogate", `\udc00`},
		{"a high surrogate before another high one", `{"kind":"comment","message":"\ud800\ud800"}`, "surrogate", `\ud800`},
		{"a NUL", `{"kind":"comment","message":"a\u0000b"}`, "nul", "NUL"},
	}
	routes := []struct {
		name string
		send func(t *testing.T, body string) *http.Response
	}{
		{"POST /v1/feedback", func(t *testing.T, body string) *http.Response {
			e := newEnv(t)
			resp, b := post(t, e, "application/json", body, nil)
			resp.Body = io.NopCloser(strings.NewReader(b))
			return resp
		}},
		{"POST /v1/cases (officer API)", func(t *testing.T, body string) *http.Response {
			e := newAPIEnv(t)
			req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/v1/cases", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer tok-ana-012345678")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			return resp
		}},
		{"POST /v1/social (signed)", func(t *testing.T, body string) *http.Response {
			e := newSocialEnv(t)
			status, out := e.send(t, "/v1/social", body, signed{"brandwatch", socialSecret, monday}, nil)
			b, _ := json.Marshal(out)
			return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/problem+json"}}, Body: io.NopCloser(strings.NewReader(string(b)))}
		}},
	}
	for _, rt := range routes {
		for _, tt := range bodies {
			t.Run(rt.name+"/"+tt.name, func(t *testing.T) {
				resp := rt.send(t, tt.body)
				defer resp.Body.Close()
				raw, _ := io.ReadAll(resp.Body)
				var p struct {
					Status int    `json:"status"`
					Check  string `json:"check"`
					Detail string `json:"detail"`
				}
				json.Unmarshal(raw, &p)
				if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Content-Type") != "application/problem+json" {
					t.Fatalf("%d %s: %s; want 400 problem+json", resp.StatusCode, resp.Header.Get("Content-Type"), raw)
				}
				if p.Check != tt.check || !strings.Contains(p.Detail, tt.mention) {
					t.Errorf("problem %+v; want check %q and a detail naming %s", p, tt.check, tt.mention)
				}
			})
		}
	}
}

// TestDecode_StrictJSON_Accepts: what is good stays good: a surrogate pair (an emoji), other
// escapes, the same key in different objects, and a key that is a prefix of another.
func TestDecode_StrictJSON_Accepts(t *testing.T) {
	for _, body := range []string{
		`{"kind":"comment","message":"Thanks \ud83d\udc4d for the \"quick\" fix\\n"}`,
		`{"kind":"comment","message":"caf\u00e9 – é","name":"Ada","email":"ada@example.com"}`,
	} {
		e := newEnv(t)
		if resp, b := post(t, e, "application/json", body, nil); resp.StatusCode != http.StatusCreated {
			t.Errorf("%s: %d %s; want 201", body, resp.StatusCode, b)
		}
	}
}

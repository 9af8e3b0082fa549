package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestLocalRunner_SafetyMarkers: the complaints team marks a person who put staff at risk; the
// marker shows on that person's cases to the officer who may see them, never the list itself;
// and it is gone three years after the decision.
func TestLocalRunner_SafetyMarkers(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the local runner")
	}
	bin := buildRunner(t)
	r := start(t, bin, t.TempDir(), "-now", "2026-12-21T10:00:00Z",
		"-api-tokens", tokOfficer+"=planning@example.gov.uk,"+tokAdmin+"=complaints@example.gov.uk")
	status, m := r.api(t, "POST", "/v1/markers", tokAdmin, `{"contact":"pat@example.com","identities":["01632 960002"],
		"reason":"Threatened an officer at the counter.","told_on":"2026-12-21"}`)
	if status != http.StatusCreated || m["expires_on"] != "2029-12-21" || m["told_on"] != "2026-12-21" {
		t.Fatalf("POST /v1/markers = %d %v; want 201, kept until 2029-12-21", status, m)
	}
	if status, _ := r.api(t, "GET", "/v1/markers", tokOfficer, ""); status != http.StatusForbidden {
		t.Errorf("an officer reading the list got %d, want 403", status)
	}
	_, body := r.post(t, "application/json", `{"kind":"complaint","email":"pat@example.com","service_area":"planning","message":"Bins."}`, nil)
	var c struct {
		Reference string `json:"reference"`
	}
	json.Unmarshal(body, &c)
	_, got := r.api(t, "GET", "/v1/cases/"+c.Reference, tokOfficer, "")
	markers, _ := json.Marshal(got["safety_markers"])
	if !strings.Contains(string(markers), asString(m["id"])) || strings.Contains(string(markers), "01632960002") {
		t.Errorf("the officer's view of %s has safety_markers %s; want the marker, without the person's other identities", c.Reference, markers)
	}
	r.clock(t, "2029-12-21T10:00:00Z")
	if _, got := r.api(t, "GET", "/v1/cases/"+c.Reference, tokOfficer, ""); got["safety_markers"] != nil {
		t.Errorf("three years on the case still shows %v", got["safety_markers"])
	}
}

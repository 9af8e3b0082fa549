package main

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestLocalRunner_Restrictions runs issue 10's restrictions acceptance against the running
// runner: a restriction made on 21 December 2026 has review_by 21 June 2027; the letter to the
// person is in the outbox; the warning fires at 09:00 on 7 June 2027 and the review reminder on
// 21 June 2027; a new email and a web submission from the restricted person are stored, routed
// to the named officer, flagged and not acknowledged, while an unrestricted person still is.
func TestLocalRunner_Restrictions(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the local runner")
	}
	bin := buildRunner(t)
	r := start(t, bin, t.TempDir(), "-now", "2026-12-21T10:00:00Z",
		"-api-tokens", tokOfficer+"=planning@example.gov.uk,"+tokAdmin+"=complaints@example.gov.uk")

	body := `{"contact":"Pat.Persistent@example.com","identities":["01632 960 002","x:@patp"],
		"types":["named_officer_only","no_acknowledgement"],"reason":"Over forty emails a week about one settled matter.",
		"named_officer":"planning.manager@example.gov.uk","scope":"all"}`
	if status, _ := r.api(t, "POST", "/v1/restrictions", tokOfficer, body); status != http.StatusForbidden {
		t.Errorf("an officer making a restriction got %d, want 403", status)
	}
	status, made := r.api(t, "POST", "/v1/restrictions", tokAdmin, body)
	if status != http.StatusCreated || made["review_by"] != "2027-06-21" || made["decided_on"] != "2026-12-21" || made["id"] == nil {
		t.Fatalf("POST /v1/restrictions = %d %v; want 201 with an id and review_by 2027-06-21", status, made)
	}
	id := asString(made["id"])
	letters := 0
	for _, m := range r.outbox(t) {
		if slices.Contains(m.To, "pat.persistent@example.com") && strings.Contains(m.Subject, id) {
			letters++
			for _, want := range []string{"Why: Over forty emails", "Monday 21 June 2027", "Ombudsman", "planning.manager@example.gov.uk", "not acknowledge"} {
				if !strings.Contains(m.Text, want) {
					t.Errorf("the letter to the person lacks %q:\n%s", want, m.Text)
				}
			}
		}
	}
	if letters != 1 {
		t.Errorf("%d letters to the person about %s, want 1", letters, id)
	}
	_, list := r.api(t, "GET", "/v1/restrictions", tokAdmin, "")
	if rs, _ := list["restrictions"].([]any); len(rs) != 1 {
		t.Errorf("GET /v1/restrictions = %v; want the one restriction", list)
	}

	// Intake on every channel: stored, routed, flagged, not acknowledged; a stranger is.
	resp, err := http.Post(r.base+"/_local/email", "message/rfc822", strings.NewReader(
		"From: Pat <pat.persistent@example.com>\r\nTo: complaints@intake.example.gov.uk\r\nSubject: Again\r\n"+
			"Message-ID: <pat-1@mail.example.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nMy bins were missed again.\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	var mailed struct{ Outcome, Reference string }
	json.NewDecoder(resp.Body).Decode(&mailed)
	resp.Body.Close()
	_, web := r.post(t, "application/json", `{"kind":"complaint","email":"pat.persistent@example.com","service_area":"planning","message":"And the planning portal."}`, nil)
	var fromWeb struct {
		Reference string `json:"reference"`
	}
	json.Unmarshal(web, &fromWeb)
	_, other := r.post(t, "application/json", `{"kind":"complaint","email":"sam@example.com","service_area":"planning","message":"The portal lost my objection."}`, nil)
	var fromOther struct {
		Reference string `json:"reference"`
	}
	json.Unmarshal(other, &fromOther)
	for _, ref := range []string{mailed.Reference, fromWeb.Reference} {
		status, c := r.api(t, "GET", "/v1/cases/"+ref, tokAdmin, "")
		flags, _ := json.Marshal(c["flags"])
		if status != http.StatusOK || c["assigned_to"] != "planning.manager@example.gov.uk" || !strings.Contains(string(flags), id) {
			t.Errorf("case %s = %d assigned to %v, flags %s; want stored, routed to the named officer, flagged with %s", ref, status, c["assigned_to"], flags, id)
		}
		if n := r.mail(t, "pat.persistent@example.com", "", ref); n != 0 {
			t.Errorf("%d acknowledgements to the restricted person for %s, want none", n, ref)
		}
		if n := r.mail(t, "planning.manager@example.gov.uk", "", ref); n == 0 {
			t.Errorf("the named officer was not told of %s", ref)
		}
	}
	if n := r.mail(t, "sam@example.com", "", fromOther.Reference); n != 1 {
		t.Errorf("%d acknowledgements to an unrestricted person, want 1", n)
	}
	if _, c := r.api(t, "GET", "/v1/cases/"+fromOther.Reference, tokAdmin, ""); c["flags"] != nil {
		t.Errorf("an unrestricted person's case is flagged: %v", c["flags"])
	}

	// The review reminders, at 09:00 London (08:00 UTC in summer), to the decider (the
	// complaints team here) and the admins.
	r.clock(t, "2027-06-07T07:59:00Z")
	if n := r.mail(t, "complaints@example.gov.uk", "Restriction review due soon", id); n != 0 {
		t.Errorf("the review warning came before 09:00 on 7 June (%d)", n)
	}
	r.clock(t, "2027-06-07T08:00:00Z")
	if n := r.mail(t, "complaints@example.gov.uk", "Restriction review due soon", id); n != 1 {
		t.Errorf("%d review warnings at 09:00 on 7 June 2027, want 1", n)
	}
	r.clock(t, "2027-06-21T08:00:00Z")
	if n := r.mail(t, "complaints@example.gov.uk", "Restriction review due today", id); n != 1 {
		t.Errorf("%d review reminders at 09:00 on 21 June 2027, want 1", n)
	}

	// Reviewed: continued for another six months, with a letter; then lifted.
	status, rv := r.api(t, "POST", "/v1/restrictions/"+id+"/review", tokAdmin, `{"decision":"continue","notes":"Still forty a week."}`)
	if status != http.StatusOK || rv["review_by"] != "2027-12-21" {
		t.Fatalf("review = %d %v; want review_by 2027-12-21", status, rv)
	}
	status, rv = r.api(t, "POST", "/v1/restrictions/"+id+"/review", tokAdmin, `{"decision":"lift","notes":"Contact is reasonable now."}`)
	if status != http.StatusOK || rv["status"] != "lifted" || !strings.HasPrefix(asString(rv["expires_at"]), "2030-06-2") {
		t.Fatalf("lift = %d %v; want lifted, expiring three years on", status, rv)
	}
	if n := r.mail(t, "pat.persistent@example.com", "", id); n != 3 {
		t.Errorf("%d letters to the person (made, continued, lifted), want 3", n)
	}
	if hist, _ := rv["history"].([]any); len(hist) != 3 {
		t.Errorf("history = %v; want made, continued, lifted", rv["history"])
	}
}

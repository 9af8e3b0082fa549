package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// restrictValues is the make form filled in: two identities of one person, contact in writing
// and through a named officer, with a reason holding markup.
func restrictValues(csrf string) url.Values {
	return url.Values{"csrf": {csrf}, "contact": {"Pat@Example.com\n01632 960 002"},
		"types": {"written_only", "named_officer_only"}, "named_officer": {"planning@example.gov.uk"},
		"reason": {"Forty emails a day <b>abusive</b>"}}
}

// setDate types a date into the GOV.UK date input field of v: day, month and year as given.
func setDate(v url.Values, field, day, month, year string) url.Values {
	v.Set(field+"-day", day)
	v.Set(field+"-month", month)
	v.Set(field+"-year", year)
	return v
}

// dateProblem checks page for a mistake in the date input field, shown as the GOV.UK pattern
// has it: the summary links to the first box, the group shows the message, and the boxes keep
// what was typed.
func dateProblem(t *testing.T, page, field string, typed ...string) {
	t.Helper()
	if !strings.Contains(page, `href="#`+field+`-day"`) || !strings.Contains(page, `id="`+field+`-error"`) ||
		!strings.Contains(page, `id="`+field+`-day"`) {
		t.Errorf("the page does not link #%s-day and mark the date's group:\n%s", field, page)
	}
	for i, part := range []string{"-day", "-month", "-year"} {
		if i < len(typed) && !strings.Contains(page, `id="`+field+part+`" name="`+field+part+`" value="`+typed[i]+`"`) {
			t.Errorf("the date's %s box does not keep %q", part[1:], typed[i])
		}
	}
}

// registerAsAdmin is a console with the staff directory, an admin signed in to it, and the
// register's page as they first see it.
func registerAsAdmin(t *testing.T) (*consoleEnv, *http.Client, string) {
	t.Helper()
	e := newConsoleEnv(t, true)
	e.svc.Staff = consoleStaff
	c := e.signIn(t, "admin@example.gov.uk")
	_, page := get(t, c, e.srv.URL+"/officer/restrictions")
	return e, c, page
}

func TestConsole_Register_OnlyTheComplaintsTeam(t *testing.T) {
	tests := []struct {
		who    string
		status int
	}{
		{"admin@example.gov.uk", http.StatusOK},
		{"manager@example.gov.uk", http.StatusForbidden},
		{"planning@example.gov.uk", http.StatusForbidden},
		{"monitor@example.gov.uk", http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.who, func(t *testing.T) {
			e := newConsoleEnv(t, true)
			e.svc.Staff = consoleStaff
			c := e.signIn(t, tt.who)
			_, cases := get(t, c, e.srv.URL+"/officer")
			if offered := strings.Contains(cases, `href="/officer/restrictions"`); offered != (tt.status == http.StatusOK) {
				t.Errorf("My cases offers the register: %v", offered)
			}
			resp, _ := get(t, c, e.srv.URL+"/officer/restrictions")
			if resp.StatusCode != tt.status {
				t.Errorf("GET the register: %d, want %d", resp.StatusCode, tt.status)
			}
			resp, _ = postForm(t, c, e.srv.URL+"/officer/restrictions", restrictValues(csrfOf(t, cases)))
			if want := map[int]int{http.StatusOK: http.StatusSeeOther}[tt.status]; want == 0 && resp.StatusCode != http.StatusForbidden ||
				want != 0 && resp.StatusCode != want {
				t.Errorf("POST a restriction: %d", resp.StatusCode)
			}
		})
	}
	e := newConsoleEnv(t, true)
	resp, _ := get(t, browserClient(t), e.srv.URL+"/officer/restrictions")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/officer/sign-in?return=%2Fofficer%2Frestrictions" {
		t.Errorf("signed out: %d to %s; want a redirect to sign in", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestConsole_Restrict(t *testing.T) {
	e, c, page := registerAsAdmin(t)
	if !strings.Contains(page, "No restrictions are in the register.") {
		t.Fatalf("an empty register:\n%s", page)
	}
	resp, _ := postForm(t, c, e.srv.URL+"/officer/restrictions", restrictValues(csrfOf(t, page)))
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || loc != "/officer/restrictions/RS-2026-0001?done=made" {
		t.Fatalf("POST: %d to %s", resp.StatusCode, loc)
	}
	_, page = get(t, c, e.srv.URL+loc)
	for _, want := range []string{"Restriction RS-2026-0001 is made", "pat@example.com, 01632960002",
		"Contact in writing only (letter or email); Contact through one named officer only", "planning@example.gov.uk",
		"Forty emails a day &lt;b&gt;abusive&lt;/b&gt;", "All their contact", "by admin@example.gov.uk on 21 Dec 2026",
		"21 Jun 2027", "Record the review"} {
		if !strings.Contains(page, want) {
			t.Errorf("the restriction's page lacks %q", want)
		}
	}
	if strings.Contains(page, "<b>abusive") {
		t.Errorf("the reason is not escaped")
	}
	_, page = get(t, c, e.srv.URL+"/officer/restrictions")
	if !strings.Contains(page, `<a href="/officer/restrictions/RS-2026-0001">RS-2026-0001</a>`) || strings.Contains(page, "Review due") {
		t.Errorf("the register does not list the restriction, or calls its review due:\n%s", page)
	}
	// Six months on, its review is due: the register says so.
	e.clock.Set(time.Date(2027, 6, 21, 9, 0, 0, 0, time.UTC))
	c = e.signIn(t, "admin@example.gov.uk")
	if _, page = get(t, c, e.srv.URL+"/officer/restrictions"); !strings.Contains(page, "Review due") {
		t.Errorf("on its review date the register does not say the review is due")
	}
}

func TestConsole_Restrict_Problems(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(url.Values)
		field string
	}{
		{"no one", func(v url.Values) { v.Set("contact", " \n ") }, "contact"},
		{"an identity that is none", func(v url.Values) { v.Set("contact", "pat at example") }, "contact"},
		{"nothing restricted", func(v url.Values) { v.Del("types") }, "types"},
		{"no named officer", func(v url.Values) { v.Set("named_officer", "") }, "named_officer"},
		{"a scope that is not references", func(v url.Values) { v.Set("scope", "the bins") }, "scope"},
		{"no reason", func(v url.Values) { v.Set("reason", "") }, "reason"},
		{"a date that is none", func(v url.Values) { setDate(v, "decided_on", "31", "2", "2026") }, "decided_on"},
		{"a date that is words", func(v url.Values) { setDate(v, "decided_on", "yesterday", "", "") }, "decided_on"},
		{"half a date", func(v url.Values) { setDate(v, "decided_on", "14", "", "") }, "decided_on"},
		{"decided in the future", func(v url.Values) { setDate(v, "decided_on", "4", "1", "2027") }, "decided_on"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, c, page := registerAsAdmin(t)
			v := restrictValues(csrfOf(t, page))
			tt.edit(v)
			resp, page := postForm(t, c, e.srv.URL+"/officer/restrictions", v)
			if tt.field == "decided_on" {
				if resp.StatusCode != http.StatusUnprocessableEntity {
					t.Errorf("%d; want 422", resp.StatusCode)
				}
				dateProblem(t, page, tt.field, v.Get("decided_on-day"), v.Get("decided_on-month"), v.Get("decided_on-year"))
			} else if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `href="#`+tt.field+`"`) ||
				!strings.Contains(page, `id="`+tt.field+`-error"`) {
				t.Errorf("%d; want 422 linking to #%s:\n%s", resp.StatusCode, tt.field, page)
			}
			if tt.field != "reason" && !strings.Contains(page, "Forty emails a day &lt;b&gt;abusive&lt;/b&gt;") {
				t.Errorf("the reason typed is not kept, escaped")
			}
			if tt.field != "types" && !strings.Contains(page, `value="written_only" checked`) {
				t.Errorf("the options ticked are not kept")
			}
		})
	}
}

func TestConsole_ReviewRestriction(t *testing.T) {
	tests := []struct {
		name       string
		values     url.Values
		status     int
		wantOnPage []string
	}{
		{"continue", url.Values{"decision": {"continue"}, "notes": {"No contact since."}}, http.StatusSeeOther,
			[]string{"The review is recorded", "restriction continued", "No contact since.", "Record the review"}},
		{"vary", url.Values{"decision": {"vary"}, "types": {"witness"}, "notes": {"Calmer now."}}, http.StatusSeeOther,
			[]string{"The review is recorded", "A witness at any meeting", "restriction varied"}},
		{"lift", url.Values{"decision": {"lift"}, "notes": {"Resolved."}}, http.StatusSeeOther,
			[]string{"Lifted on 21 Dec 2026", "restriction lifted"}},
		{"no decision", url.Values{"notes": {"Hmm."}}, http.StatusUnprocessableEntity,
			[]string{`href="#decision"`, `id="decision-error"`, "Hmm."}},
		{"vary with nothing ticked", url.Values{"decision": {"vary"}, "notes": {"Less."}}, http.StatusUnprocessableEntity,
			[]string{`href="#types"`, `id="types-error"`}},
		{"no notes", url.Values{"decision": {"continue"}}, http.StatusUnprocessableEntity,
			[]string{`href="#notes"`, `id="notes-error"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, c, page := registerAsAdmin(t)
			if resp, _ := postForm(t, c, e.srv.URL+"/officer/restrictions", restrictValues(csrfOf(t, page))); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("make: %d", resp.StatusCode)
			}
			_, page = get(t, c, e.srv.URL+"/officer/restrictions/RS-2026-0001")
			v := tt.values
			v.Set("csrf", csrfOf(t, page))
			resp, page := postForm(t, c, e.srv.URL+"/officer/restrictions/RS-2026-0001/review", v)
			if resp.StatusCode != tt.status {
				t.Fatalf("review: %d, want %d\n%s", resp.StatusCode, tt.status, page)
			}
			if resp.StatusCode == http.StatusSeeOther {
				_, page = get(t, c, e.srv.URL+resp.Header.Get("Location"))
			}
			for _, want := range tt.wantOnPage {
				if !strings.Contains(page, want) {
					t.Errorf("the page lacks %q", want)
				}
			}
			if tt.name != "lift" {
				return
			}
			if strings.Contains(page, "Record the review") {
				t.Errorf("a lifted restriction still offers a review")
			}
			v.Set("decision", "continue")
			if resp, page := postForm(t, c, e.srv.URL+"/officer/restrictions/RS-2026-0001/review", v); resp.StatusCode != http.StatusConflict ||
				!strings.Contains(page, "was lifted already") {
				t.Errorf("reviewing it again: %d; want 409 saying it was lifted", resp.StatusCode)
			}
		})
	}
	e := newConsoleEnv(t, true)
	c := e.signIn(t, "admin@example.gov.uk")
	if resp, _ := get(t, c, e.srv.URL+"/officer/restrictions/RS-2026-0099"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown restriction: %d, want 404", resp.StatusCode)
	}
}

func TestConsole_Markers(t *testing.T) {
	e := newConsoleEnv(t, true)
	e.svc.Staff = consoleStaff
	// Only the complaints team sees the list, or adds to it.
	for _, who := range []string{"manager@example.gov.uk", "planning@example.gov.uk", "monitor@example.gov.uk"} {
		c := e.signIn(t, who)
		resp, cases := get(t, c, e.srv.URL+"/officer/markers")
		if resp.StatusCode != http.StatusForbidden || strings.Contains(cases, `href="/officer/markers"`) {
			t.Errorf("%s: GET the list %d", who, resp.StatusCode)
		}
		_, cases = get(t, c, e.srv.URL+"/officer")
		if strings.Contains(cases, `href="/officer/markers"`) {
			t.Errorf("%s: My cases offers the staff-safety list", who)
		}
		v := url.Values{"csrf": {csrfOf(t, cases)}, "contact": {"ada@example.com"}, "reason": {"r"}}
		if resp, _ := postForm(t, c, e.srv.URL+"/officer/markers", v); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: POST %d", who, resp.StatusCode)
		}
	}
	c := e.signIn(t, "admin@example.gov.uk")
	_, cases := get(t, c, e.srv.URL+"/officer")
	if !strings.Contains(cases, `href="/officer/markers"`) {
		t.Errorf("My cases does not offer the admin the staff-safety list")
	}
	_, page := get(t, c, e.srv.URL+"/officer/markers")
	if !strings.Contains(page, "No one is on the list.") {
		t.Fatalf("an empty list:\n%s", page)
	}
	csrf := csrfOf(t, page)
	problems := []struct {
		name   string
		values url.Values
		field  string
	}{
		{"no one", url.Values{"contact": {""}, "reason": {"Threatened staff <i>twice</i>."}}, "contact"},
		{"no reason", url.Values{"contact": {"ada@example.com"}, "reason": {" "}}, "reason"},
		{"told before the decision", setDate(setDate(url.Values{"contact": {"ada@example.com"}, "reason": {"Threatened staff <i>twice</i>."}},
			"decided_on", "14", "12", "2026"), "told_on", "1", "12", "2026"), "told_on"},
		{"a date that is none", setDate(url.Values{"contact": {"ada@example.com"}, "reason": {"Threatened staff <i>twice</i>."}},
			"told_on", "soon", "12", "2026"), "told_on"},
		{"a decision date that is none", setDate(url.Values{"contact": {"ada@example.com"}, "reason": {"Threatened staff <i>twice</i>."}},
			"decided_on", "30", "13", "2026"), "decided_on"},
	}
	for _, p := range problems {
		p.values.Set("csrf", csrf)
		resp, page := postForm(t, c, e.srv.URL+"/officer/markers", p.values)
		if p.field == "told_on" || p.field == "decided_on" {
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("%s: %d; want 422", p.name, resp.StatusCode)
			}
			dateProblem(t, page, p.field, p.values.Get(p.field+"-day"), p.values.Get(p.field+"-month"), p.values.Get(p.field+"-year"))
		} else if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `href="#`+p.field+`"`) || !strings.Contains(page, `id="`+p.field+`-error"`) {
			t.Errorf("%s: %d; want 422 linking to #%s", p.name, resp.StatusCode, p.field)
		}
		if p.field != "reason" && !strings.Contains(page, "Threatened staff &lt;i&gt;twice&lt;/i&gt;.") {
			t.Errorf("%s: the reason typed is not kept, escaped", p.name)
		}
	}
	v := setDate(url.Values{"csrf": {csrf}, "contact": {"Ada@Example.com\n01632 960 001"}, "reason": {"Threatened staff <i>twice</i>."}},
		"told_on", "21", "12", "2026")
	resp, _ := postForm(t, c, e.srv.URL+"/officer/markers", v)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/officer/markers?done=marked" {
		t.Fatalf("POST: %d to %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = get(t, c, e.srv.URL+"/officer/markers?done=marked")
	for _, want := range []string{"The person is on the staff-safety list", "ada@example.com, 01632960001",
		"Threatened staff &lt;i&gt;twice&lt;/i&gt;.", "by admin@example.gov.uk on 21 Dec 2026", "Told on 21 Dec 2026"} {
		if !strings.Contains(page, want) {
			t.Errorf("the list lacks %q", want)
		}
	}
	// One made before the person was told: its row offers the form to record the day, once.
	v = setDate(url.Values{"csrf": {csrf}, "contact": {"sam@example.com"}, "reason": {"Threatened staff by phone."}}, "decided_on", "18", "12", "2026")
	if resp, _ := postForm(t, c, e.srv.URL+"/officer/markers", v); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST the second: %d", resp.StatusCode)
	}
	_, page = get(t, c, e.srv.URL+"/officer/markers")
	const toldForm = `action="/officer/markers/SM-2026-0002/told"`
	if !strings.Contains(page, "Not yet told") || !strings.Contains(page, toldForm) || strings.Count(page, `/told"`) != 1 {
		t.Errorf("the list does not offer to record the day for the one marker not yet told:\n%s", page)
	}
	told := e.srv.URL + "/officer/markers/SM-2026-0002/told"
	if resp, _ := postForm(t, e.signIn(t, "manager@example.gov.uk"), told, url.Values{"csrf": {csrf}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a manager records the day: %d, want 403", resp.StatusCode)
	}
	for _, p := range []struct {
		name             string
		day, month, year string
		status           int
	}{
		{"before the decision", "17", "12", "2026", http.StatusUnprocessableEntity},
		{"not a date", "soon", "", "2026", http.StatusUnprocessableEntity},
	} {
		resp, page := postForm(t, c, told, setDate(url.Values{"csrf": {csrf}}, "told-SM-2026-0002", p.day, p.month, p.year))
		if resp.StatusCode != p.status {
			t.Errorf("%s: %d; want %d", p.name, resp.StatusCode, p.status)
		}
		dateProblem(t, page, "told-SM-2026-0002", p.day, p.month, p.year)
	}
	resp, _ = postForm(t, c, told, setDate(url.Values{"csrf": {csrf}}, "told-SM-2026-0002", "19", "12", "2026"))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/officer/markers?done=told" {
		t.Fatalf("POST the day: %d to %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = get(t, c, e.srv.URL+"/officer/markers?done=told")
	if !strings.Contains(page, "The day the person was told is recorded.") || !strings.Contains(page, "Told on 19 Dec 2026") || strings.Contains(page, toldForm) {
		t.Errorf("after recording the day, the list does not show it:\n%s", page)
	}
	if resp, _ := postForm(t, c, told, url.Values{"csrf": {csrf}}); resp.StatusCode != http.StatusConflict {
		t.Errorf("recording the day again: %d, want 409", resp.StatusCode)
	}
	// Their case shows it to its officer.
	k := e.submit(t, "complaint", "planning", "My bins.")
	_, casePage := get(t, e.signIn(t, "planning@example.gov.uk"), e.srv.URL+"/officer/cases/"+k.Ref)
	if !strings.Contains(casePage, "Staff safety") || !strings.Contains(casePage, "Threatened staff &lt;i&gt;twice&lt;/i&gt;.") {
		t.Errorf("the case of a person on the list does not show it")
	}
}

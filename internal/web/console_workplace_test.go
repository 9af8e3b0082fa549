package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/council/intake/internal/feedback"
)

// Issue 21: the console as a workplace.

// workedCases are complaints in each state an action form needs: open at Stage 1, responded at
// Stage 1, referred to the Ombudsman, and under legal hold.
type workedCases struct{ open, responded, referred, held *feedback.Case }

func (e *consoleEnv) workedCases(t *testing.T) workedCases {
	t.Helper()
	ctx := context.Background()
	admin := consoleStaff["admin@example.gov.uk"]
	var w workedCases
	w.open = e.submit(t, "complaint", "planning", "The portal lost my objection.")
	w.held = e.submit(t, "complaint", "planning", "Held.")
	w.responded = e.submit(t, "complaint", "planning", "Responded.")
	w.referred = e.submit(t, "complaint", "planning", "Referred.")
	resp := feedback.Response{Outcome: feedback.OutcomeNotUpheld, Summary: "No fault.", SentBy: feedback.SentByPost}
	for _, k := range []*feedback.Case{w.responded, w.referred} {
		if _, err := e.svc.Respond(ctx, admin, k.Ref, resp); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.svc.ReferOmbudsman(ctx, admin, w.referred.Ref, feedback.OmbudsmanLGSCO, monday); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.PlaceHold(ctx, admin, w.held.Ref, "Court proceedings."); err != nil {
		t.Fatal(err)
	}
	return w
}

// TestConsole_ActionForms_KeepWhatWasTyped is issue 21's first acceptance: every action form
// posted with a field missing or wrong answers 422 with an error summary whose links go to the
// fields, each field marked with its message, every mistake at once, and what was typed kept.
func TestConsole_ActionForms_KeepWhatWasTyped(t *testing.T) {
	e := newConsoleEnv(t, true)
	w := e.workedCases(t)
	c := e.signIn(t, "admin@example.gov.uk")
	tests := []struct {
		action string
		k      *feedback.Case
		form   url.Values
		errs   map[string]string // the field's id: its message
		kept   []string          // in the page's HTML
	}{
		{"respond", w.open, url.Values{"summary": {"We looked again <b>carefully</b>."}, "compensation": {"12.5.0"}},
			map[string]string{"outcome": "Choose an outcome", "sent_by": "Choose how the response is sent", "compensation": "Enter the compensation in pounds"},
			[]string{"We looked again &lt;b&gt;carefully&lt;/b&gt;.", `value="12.5.0"`}},
		{"respond", w.open, url.Values{"outcome": {"partly_upheld"}, "sent_by": {"post"}, "lessons": {"Check the portal."}},
			map[string]string{"summary": "Enter a summary of the response"},
			[]string{`value="partly_upheld" checked`, `value="post" checked`, "Check the portal."}},
		{"note", w.open, url.Values{"text": {"   "}}, map[string]string{"text": "Enter the note"}, nil},
		{"assign", w.open, url.Values{"to": {""}}, map[string]string{"to": "Enter the email address of the person or team"}, nil},
		{"assign", w.open, url.Values{"to": {"nobody@example.gov.uk"}}, map[string]string{"to": "Assign the case to a member of staff"},
			[]string{`value="nobody@example.gov.uk"`}},
		{"reclassify", w.open, url.Values{"kind": {"gossip"}}, map[string]string{"kind": "Choose what kind of feedback this is"}, nil},
		{"extend", w.open, url.Values{"working_days": {"five"}}, map[string]string{"working_days": "Enter the number of working days, like 5",
			"reason": "Enter the reason for the extension"}, []string{`value="five"`}},
		{"extend", w.open, url.Values{"working_days": {"30"}, "reason": {"A site visit."}}, map[string]string{"working_days": "1 to 10 working days"},
			[]string{`value="30"`, "A site visit."}},
		{"escalate", w.responded, url.Values{"reason": {"They wrote again."}}, map[string]string{"reviewer": "Enter the email address of the Stage 2 reviewer"},
			[]string{"They wrote again."}},
		{"ombudsman", w.responded, url.Values{"referred_on-day": {"31"}, "referred_on-month": {"2"}, "referred_on-year": {"2027"}},
			map[string]string{"ombudsman": "Choose which Ombudsman", "referred_on-day": "The date of the referral must be a real date"},
			[]string{`value="31"`, `value="2"`, `value="2027"`}},
		{"ombudsman", w.responded, url.Values{"ombudsman": {"housing"}, "referred_on-day": {"1"}, "referred_on-month": {"1"}, "referred_on-year": {"2030"}},
			map[string]string{"referred_on-day": "The date cannot be in the future"}, []string{`value="housing" checked`, `value="2030"`}},
		{"ombudsman", w.referred, url.Values{"step": {"decision"}, "decided_on-month": {"3"}, "remedy": {"Apologise."}},
			map[string]string{"decision": "Choose the Ombudsman's decision", "decided_on-day": "The date of the decision must include a day and a year"},
			[]string{"Apologise.", `value="3"`}},
		{"close", w.open, url.Values{"note": {""}}, map[string]string{"note": "Enter a closing note"}, nil},
		{"hold", w.open, url.Values{"reason": {""}}, map[string]string{"reason": "Enter the reason for the legal hold"}, nil},
		{"release", w.held, url.Values{"reason": {""}}, map[string]string{"reason": "Enter the reason for releasing the legal hold"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.action+" "+fmt.Sprint(len(tt.errs))+" "+strings.Join(tt.kept, ","), func(t *testing.T) {
			u := e.srv.URL + "/officer/cases/" + tt.k.Ref + "/" + tt.action
			resp, page := get(t, c, u)
			if resp.StatusCode != 200 || !strings.Contains(page, " novalidate") {
				t.Fatalf("GET the %s form = %d (want 200, a form with novalidate)\n%s", tt.action, resp.StatusCode, page)
			}
			tt.form.Set("csrf", csrfOf(t, page))
			resp, body := postForm(t, c, u, tt.form)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("POST %s = %d, want 422\n%s", tt.action, resp.StatusCode, body)
			}
			if !strings.Contains(body, "<title>Error: ") || !strings.Contains(body, `id="error-summary"`) {
				t.Errorf("no error summary, or a title without Error:\n%s", body)
			}
			for id, msg := range tt.errs {
				link := regexp.MustCompile(`<a href="#` + regexp.QuoteMeta(id) + `">[^<]*` + regexp.QuoteMeta(html.EscapeString(msg)))
				if !link.MatchString(body) {
					t.Errorf("the summary has no link to #%s saying %q", id, msg)
				}
				if !strings.Contains(body, `id="`+id+`"`) {
					t.Errorf("no field with id %q for the summary's link", id)
				}
				field := strings.TrimSuffix(id, "-day")
				if !strings.Contains(body, `id="`+field+`-error"`) {
					t.Errorf("the field %s is not marked with its message", field)
				}
			}
			if n := strings.Count(body, `<li><a href="#`); n != len(tt.errs) {
				t.Errorf("the summary lists %d mistakes, want %d (every one at once)", n, len(tt.errs))
			}
			for _, v := range tt.kept {
				if !strings.Contains(body, v) {
					t.Errorf("what was typed is lost: no %q", v)
				}
			}
		})
	}
}

// visibleText is what a person reads on a page: no markup, no style, no attribute values.
func visibleText(page string) string {
	page = regexp.MustCompile(`(?s)<style.*?</style>|<[^>]*>`).ReplaceAllString(page, " ")
	return html.UnescapeString(page)
}

// TestConsole_NoCodesShown is issue 21's second acceptance: the visible text of every console
// page of a worked case (acknowledged, reminded, responded, escalated, referred to the
// Ombudsman and decided, closed, and replied to) holds no internal key or code.
func TestConsole_NoCodesShown(t *testing.T) {
	e := newConsoleEnv(t, true)
	ctx := context.Background()
	k := e.submit(t, "complaint", "planning", "The portal lost my objection.")
	admin, manager := consoleStaff["admin@example.gov.uk"], consoleStaff["manager@example.gov.uk"]
	process := func() {
		if err := e.svc.Process(ctx, k.Ref); err != nil {
			t.Fatal(err)
		}
	}
	var c *http.Client
	var seen []string
	look := func(step string) {
		t.Helper()
		pages := []string{"/officer", "/officer?due=soon", "/officer/cases/" + k.Ref}
		now, err := e.svc.Store.Get(ctx, k.Ref)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range e.svc.Actions(admin, now) {
			pages = append(pages, "/officer/cases/"+k.Ref+"/"+string(a.Name))
		}
		for _, p := range pages {
			resp, body := get(t, c, e.srv.URL+p)
			if resp.StatusCode != 200 {
				t.Fatalf("%s: GET %s = %d", step, p, resp.StatusCode)
			}
			text := visibleText(body)
			for _, code := range []string{"letter:", "schedules:", "unschedule:", "reminder:", "partly_upheld", "lgsco", "not_upheld", "stage1", "stage2"} {
				if strings.Contains(text, code) {
					i := strings.Index(text, code)
					t.Errorf("%s: %s shows %q: …%s…", step, p, code, text[max(0, i-80):min(len(text), i+80)])
				}
			}
			seen = append(seen, text)
		}
	}
	process()
	if _, err := e.svc.Assign(ctx, admin, k.Ref, "ana.officer@example.gov.uk"); err != nil {
		t.Fatal(err)
	}
	process()
	k, _ = e.svc.Store.Get(ctx, k.Ref)
	for _, r := range e.svc.Reminders(k) {
		if r.Purpose == feedback.PurposeWarning {
			e.clock.Set(r.At)
			if _, err := e.svc.Remind(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
	}
	c = e.signIn(t, "admin@example.gov.uk")
	look("acknowledged and reminded")
	steps := []struct {
		name string
		do   func() (*feedback.Case, error)
	}{
		{"replied to", func() (*feedback.Case, error) {
			return e.svc.Reply(ctx, admin, k.Ref, "Thank you: we are looking into it.")
		}},
		{"responded", func() (*feedback.Case, error) {
			return e.svc.Respond(ctx, admin, k.Ref, feedback.Response{Outcome: feedback.OutcomePartlyUpheld, Summary: "Partly.", SentBy: feedback.SentByEmail})
		}},
		{"escalated", func() (*feedback.Case, error) {
			return e.svc.Escalate(ctx, admin, k.Ref, "manager@example.gov.uk", "Unhappy.")
		}},
		{"responded at Stage 2", func() (*feedback.Case, error) {
			return e.svc.Respond(ctx, manager, k.Ref, feedback.Response{Outcome: feedback.OutcomeNotUpheld, Summary: "No.", SentBy: feedback.SentByEmail})
		}},
		{"referred", func() (*feedback.Case, error) {
			return e.svc.ReferOmbudsman(ctx, admin, k.Ref, feedback.OmbudsmanLGSCO, e.clock.Now())
		}},
		{"decided", func() (*feedback.Case, error) {
			return e.svc.RecordOmbudsmanDecision(ctx, admin, k.Ref, feedback.DecisionNotUpheld, e.clock.Now(), "")
		}},
	}
	for _, s := range steps {
		if _, err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		process()
		look(s.name)
	}
	all := strings.Join(seen, "\n")
	for _, want := range []string{
		"Reminder to Ana Officer on Tuesday 5 January 2027: due soon",
		"Partly upheld", "the Local Government and Social Care Ombudsman", "Letter to the resident: Our response to your complaint",
		"Reply to the resident", "Thank you: we are looking into it.",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no page says %q", want)
		}
	}
}

// TestConsole_WorkQueue: the counts link to the lists they count; the filters and sorts.
func TestConsole_WorkQueue(t *testing.T) {
	e := newConsoleEnv(t, true)
	ctx := context.Background()
	first := e.submit(t, "complaint", "planning", "first") // due 7 January 2027
	e.clock.Set(time.Date(2027, 1, 4, 10, 0, 0, 0, time.UTC))
	second := e.submit(t, "complaint", "planning", "second") // due 18 January 2027
	third := e.submit(t, "complaint", "planning", "third")   // due 18 January 2027, received later
	comment := e.submit(t, "comment", "planning", "a comment")
	if err := e.svc.Process(ctx, second.Ref); err != nil { // acknowledged
		t.Fatal(err)
	}
	if _, err := e.svc.Assign(ctx, consoleStaff["admin@example.gov.uk"], third.Ref, "manager@example.gov.uk"); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(time.Date(2027, 1, 8, 10, 0, 0, 0, time.UTC)) // the first is a working day overdue
	c := e.signIn(t, "manager@example.gov.uk")
	_, page := get(t, c, e.srv.URL+"/officer")
	for _, want := range []string{
		`<a href="/officer?due=overdue" class="warn"><span class="n">1</span> Overdue</a>`,
		`<a href="/officer?due=today"><span class="n">0</span> Due today</a>`,
		`<a href="/officer?due=soon"><span class="n">0</span> Due in the next 5 working days</a>`,
		`<a href="/officer?assigned=unassigned"><span class="n">3</span> Unassigned</a>`,
		`<a href="/officer?unacknowledged=true"><span class="n">3</span> Awaiting acknowledgement</a>`,
		"1 working day overdue", "6 working days left", "Ada Resident", "first",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("My cases lacks %q", want)
		}
	}
	e.clock.Set(time.Date(2027, 1, 12, 10, 0, 0, 0, time.UTC)) // the others are due in 4 working days
	c = e.signIn(t, "manager@example.gov.uk")
	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{"!" + first.Ref, second.Ref, third.Ref, comment.Ref}},
		{"?due=overdue", []string{"!" + first.Ref}},
		{"?due=soon", []string{second.Ref, third.Ref}},
		{"?due=today", nil},
		{"?assigned=me", []string{third.Ref}},
		{"?assigned=unassigned", []string{"!" + first.Ref, second.Ref, comment.Ref}},
		{"?unacknowledged=true", []string{"!" + first.Ref, third.Ref, comment.Ref}},
		{"?sort=received", []string{"!" + first.Ref, second.Ref, third.Ref, comment.Ref}},
		{"?sort=received&kind=complaint&due=soon", []string{second.Ref, third.Ref}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			_, body := get(t, c, e.srv.URL+"/officer"+tt.query)
			var got []string
			for _, m := range refInRow.FindAllStringSubmatch(body, -1) {
				got = append(got, map[bool]string{true: "!", false: ""}[m[1] != ""]+m[2])
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("rows = %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("an officer has no unassigned count", func(t *testing.T) {
		_, body := get(t, e.signIn(t, "planning@example.gov.uk"), e.srv.URL+"/officer")
		if strings.Contains(body, "> Unassigned</a>") || !strings.Contains(body, "Due soon") {
			t.Errorf("an officer's counts:\n%s", body)
		}
	})
}

// TestConsole_SignInReturnsToThePage: a link to a case opened without a session signs the
// officer in and lands on the case; after a session ended, the page says so; the way back is
// only ever a console path.
func TestConsole_SignInReturnsToThePage(t *testing.T) {
	e := newConsoleEnv(t, true)
	k := e.submit(t, "complaint", "planning", "The portal lost my objection.")
	// Each sign-in asks for a link for its own address: links are limited per address an hour.
	addresses := []string{"planning@example.gov.uk", "manager@example.gov.uk", "admin@example.gov.uk", "housing@example.gov.uk", "ana.officer@example.gov.uk"}
	n := 0
	signInVia := func(t *testing.T, c *http.Client, start string) (string, string) {
		t.Helper()
		resp, form := get(t, c, start)
		if resp.StatusCode == http.StatusSeeOther {
			_, form = get(t, c, e.srv.URL+resp.Header.Get("Location"))
		}
		e.clock.Set(e.clock.Now().Add(61 * time.Minute))
		n++
		postForm(t, c, e.srv.URL+"/officer/sign-in", url.Values{"email": {addresses[n%len(addresses)]}, "csrf": {csrfOf(t, form)}})
		link := e.lastLink(t)
		_, confirm := get(t, c, e.srv.URL+link)
		resp, _ = postForm(t, c, e.srv.URL+link, url.Values{"csrf": {csrfOf(t, confirm)}})
		return form, resp.Header.Get("Location")
	}
	c := browserClient(t)
	form, landed := signInVia(t, c, e.srv.URL+"/officer/cases/"+k.Ref+"?done=note")
	if landed != "/officer/cases/"+k.Ref+"?done=note" {
		t.Errorf("after signing in, landed on %q; want the case", landed)
	}
	if strings.Contains(form, "Your session has ended") {
		t.Error("a first visit says a session ended")
	}
	t.Run("a session that ended", func(t *testing.T) {
		u, _ := url.Parse(e.srv.URL)
		c.Jar.SetCookies(u, []*http.Cookie{{Name: "intake_session", Value: "expired-or-forged", Path: "/"}})
		form, landed := signInVia(t, c, e.srv.URL+"/officer/cases/"+k.Ref)
		if !strings.Contains(form, "Your session has ended. Sign in again.") {
			t.Errorf("the sign-in page does not say the session ended:\n%s", form)
		}
		if landed != "/officer/cases/"+k.Ref {
			t.Errorf("landed on %q", landed)
		}
	})
	for _, bad := range []string{"https://evil.example/officer", "//evil.example/officer", "/\\evil.example", "/officer/../../evil", "/elsewhere", "/officer/sign-in/x"} {
		t.Run("refuses "+bad, func(t *testing.T) {
			_, landed := signInVia(t, browserClient(t), e.srv.URL+"/officer/sign-in?return="+url.QueryEscape(bad))
			if landed != "/officer" {
				t.Errorf("return=%q landed on %q; want /officer", bad, landed)
			}
		})
	}
}

// TestAPI_ListCases_QueueFields is issue 21's third acceptance: GET /v1/cases items carry what
// the work queue's rows show, working days counted on the council's calendar.
func TestAPI_ListCases_QueueFields(t *testing.T) {
	e := newAPIEnv(t)
	_, named := e.call(t, "POST", "/v1/cases", "tok-cy-0123456789", planningComplaint) // received Monday 21 December 2026
	_, anon := e.call(t, "POST", "/v1/cases", "tok-cy-0123456789", `{"kind":"comment","service_area":"planning",
		"message":"The new   library opening hours are much better for working parents like me, thank you all.","channel":"letter"}`)
	tests := []struct {
		now  time.Time
		want map[string]any // by reference: name, subject, respond_by, working_days_left
	}{
		{monday, map[string]any{
			named["reference"].(string): []any{"Ada Resident", "The <b>portal</b> lost my objection.", "2027-01-07", 10.0},
			anon["reference"].(string):  []any{"Anonymous", "The new library opening hours are much better for working…", nil, nil},
		}},
		{time.Date(2027, 1, 7, 9, 0, 0, 0, time.UTC), map[string]any{named["reference"].(string): []any{"Ada Resident", "The <b>portal</b> lost my objection.", "2027-01-07", 0.0}}},
		{time.Date(2027, 1, 11, 9, 0, 0, 0, time.UTC), map[string]any{named["reference"].(string): []any{"Ada Resident", "The <b>portal</b> lost my objection.", "2027-01-07", -2.0}}},
	}
	for _, tt := range tests {
		t.Run(tt.now.Format(time.DateOnly), func(t *testing.T) {
			e.clock.Set(tt.now)
			status, list := e.call(t, "GET", "/v1/cases", "tok-cy-0123456789", "")
			if status != 200 {
				t.Fatalf("GET /v1/cases = %d", status)
			}
			found := 0
			for _, item := range list["cases"].([]any) {
				c := item.(map[string]any)
				want, ok := tt.want[c["reference"].(string)]
				if !ok {
					continue
				}
				found++
				got := []any{c["name"], c["subject"], c["respond_by"], c["working_days_left"]}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s: name, subject, respond_by, working_days_left = %v, want %v", c["reference"], got, want)
				}
				if _, ok := c["received_at"].(string); !ok {
					t.Errorf("%s: no received_at", c["reference"])
				}
			}
			if found != len(tt.want) {
				t.Errorf("found %d of the %d cases", found, len(tt.want))
			}
		})
	}
}

// TestConsole_ResidentsRights: the complaints team finds a person, sees what is held,
// downloads the export, and erases; the refusals and the override reason; nobody else may.
func TestConsole_ResidentsRights(t *testing.T) {
	e := newConsoleEnv(t, true)
	ctx := context.Background()
	k := e.submit(t, "complaint", "planning", "The portal lost my objection.")
	c := e.signIn(t, "admin@example.gov.uk")
	_, page := get(t, c, e.srv.URL+"/officer/rights")
	csrf := csrfOf(t, page)
	post := func(path string, v url.Values) (*http.Response, string) {
		v.Set("csrf", csrf)
		return postForm(t, c, e.srv.URL+path, v)
	}
	if resp, body := post("/officer/rights", url.Values{"contact": {"not an address"}}); resp.StatusCode != 422 || !strings.Contains(body, `<a href="#contact">`) {
		t.Errorf("find with no address = %d\n%s", resp.StatusCode, body)
	}
	resp, body := post("/officer/rights", url.Values{"contact": {"ada@example.com"}})
	if resp.StatusCode != 200 || !strings.Contains(body, k.Ref) || !strings.Contains(body, "Download the export") {
		t.Fatalf("find = %d\n%s", resp.StatusCode, body)
	}
	resp, _ = post("/officer/rights/export", url.Values{"contact": {"ada@example.com"}})
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/zip" {
		t.Errorf("export = %d, %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if resp, body := post("/officer/rights/erase", url.Values{"contact": {"ada@example.com"}, "override_reason": {"Asked twice."}}); resp.StatusCode != 409 ||
		!strings.Contains(body, "is open") || !strings.Contains(body, "Asked twice.") {
		t.Errorf("erase an open case's person = %d\n%s", resp.StatusCode, body)
	}
	if _, err := e.svc.Close(ctx, consoleStaff["admin@example.gov.uk"], k.Ref, "Done."); err != nil {
		t.Fatal(err)
	}
	if resp, body := post("/officer/rights/erase", url.Values{"contact": {"ada@example.com"}}); resp.StatusCode != 409 ||
		!strings.Contains(body, `<a href="#override_reason">`) || !strings.Contains(body, "give an override reason") {
		t.Errorf("erase within the retention period = %d\n%s", resp.StatusCode, body)
	}
	if resp, body := post("/officer/rights/erase", url.Values{"contact": {"ada@example.com"}, "override_reason": {"Court order."}}); resp.StatusCode != 200 ||
		!strings.Contains(body, "1 case erased: "+k.Ref) {
		t.Errorf("erase with a reason = %d\n%s", resp.StatusCode, body)
	}
	officer := e.signIn(t, "planning@example.gov.uk")
	if resp, _ := get(t, officer, e.srv.URL+"/officer/rights"); resp.StatusCode != 403 {
		t.Errorf("an officer's residents' rights page = %d, want 403", resp.StatusCode)
	}
	if _, body := get(t, officer, e.srv.URL+"/officer"); strings.Contains(body, "/officer/rights") {
		t.Error("an officer's navigation offers residents' rights")
	}
}

// TestAPI_CaseActions_SameTable: the API's actions read their fields through the console's
// action table: every bad field at once, the same messages, one date parser.
func TestAPI_CaseActions_SameTable(t *testing.T) {
	e := newAPIEnv(t)
	_, c := e.call(t, "POST", "/v1/cases", "tok-cy-0123456789", planningComplaint)
	ref := c["reference"].(string)
	tests := []struct {
		path, token, body string
		status            int
		errs              string // the problem's errors, field: message
	}{
		{"/respond", "tok-cy-0123456789", `{"summary":""}`, 422,
			"[outcome: Choose an outcome summary: Enter a summary of the response sent_by: Choose how the response is sent]"},
		{"/extend", "tok-cy-0123456789", `{"working_days":3}`, 422, "[reason: Enter the reason for the extension]"},
		{"/respond", "tok-cy-0123456789", `{"outcome":"not_upheld","summary":"No fault.","sent_by":"email"}`, 200, "[]"},
		{"/ombudsman", "tok-bo-0123456789", `{"ombudsman":"lgsco","referred_on":"2026-02-30"}`, 422,
			"[referred_on: The date of the referral must be a real date, like 4 1 2027]"},
		{"/ombudsman", "tok-bo-0123456789", `{"ombudsman":"lgsco","referred_on":"21/12/2026"}`, 422,
			"[referred_on: Enter the date of the referral as a real date, like 2027-01-04]"},
		{"/ombudsman", "tok-bo-0123456789", `{"ombudsman":"lgsco","referred_on":"2026-12-21T09:00:00Z"}`, 200, "[]"},
		{"/ombudsman", "tok-bo-0123456789", `{"decision":"settled","decided_on":"2026-12-21"}`, 200, "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.path+" "+tt.body, func(t *testing.T) {
			status, out := e.call(t, "POST", "/v1/cases/"+ref+tt.path, tt.token, tt.body)
			if status != tt.status {
				t.Fatalf("POST %s = %d, want %d: %v", tt.path, status, tt.status, out)
			}
			var errs []string
			list, _ := out["errors"].([]any)
			for _, fe := range list {
				m := fe.(map[string]any)
				errs = append(errs, fmt.Sprintf("%s: %s", m["field"], m["message"]))
			}
			if got := fmt.Sprintf("%v", errs); got != tt.errs && !(tt.errs == "[]" && len(errs) == 0) {
				t.Errorf("errors = %s, want %s", got, tt.errs)
			}
		})
	}
}

package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/embedded/embeddedtest"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/outbox"
	"github.com/council/intake/internal/web"
)

var consoleStaff = feedback.Directory{
	"admin@example.gov.uk":       {Email: "admin@example.gov.uk", Role: feedback.RoleAdmin},
	"manager@example.gov.uk":     {Email: "manager@example.gov.uk", Role: feedback.RoleManager, Areas: []string{"planning"}},
	"planning@example.gov.uk":    {Email: "planning@example.gov.uk", Role: feedback.RoleOfficer, Areas: []string{"planning"}},
	"housing@example.gov.uk":     {Email: "housing@example.gov.uk", Role: feedback.RoleOfficer, Areas: []string{"housing"}},
	"ana.officer@example.gov.uk": {Email: "ana.officer@example.gov.uk", Role: feedback.RoleOfficer, Areas: []string{"planning"}},
	"monitor@example.gov.uk":     {Email: "monitor@example.gov.uk", Role: feedback.RoleMonitor},
}

type consoleEnv struct {
	srv     *httptest.Server
	svc     *feedback.Service
	clock   *clock.Fixed
	outbox  *outbox.Outbox
	console *web.Console
}

func newConsoleEnv(t *testing.T, withLifecycle bool) *consoleEnv {
	t.Helper()
	stack := embeddedtest.Open(t, embeddedtest.Options{Now: monday,
		Council: feedback.Council{Name: "Example <District> Council", From: "x@example.gov.uk", ConsoleURL: "http://console.test"},
		Routing: feedback.Routing{Areas: map[string]string{"planning": "planning@example.gov.uk", "housing": "housing@example.gov.uk"}, Triage: "triage@example.gov.uk"},
	})
	e := &consoleEnv{svc: stack.Service, clock: stack.Clock, outbox: stack.Outbox}
	e.console = &web.Console{
		Service: stack.Service,
		SignIn:  &feedback.SignIn{Service: stack.Service, Sessions: stack.Store, Directory: consoleStaff, Key: []byte("test key, thirty-two bytes long.")},
		Log:     slog.New(slog.DiscardHandler),
	}
	// Without the lifecycle the console only shows; with it, the domain's own rules decide.
	e.console.ReadOnly = !withLifecycle
	if withLifecycle {
		stack.Service.Staff = consoleStaff
	}
	mux := (&web.Handler{Service: stack.Service, Log: slog.New(slog.DiscardHandler)}).Routes()
	e.console.Register(mux)
	e.srv = httptest.NewServer(validated(t, mux))
	t.Cleanup(e.srv.Close)
	return e
}

// realLifecycle puts the domain's lifecycle service behind the console's action forms.
func (e *consoleEnv) realLifecycle() {
	e.svc.Staff = consoleStaff
	e.console.ReadOnly = false
}

// submit stores a case as the form would.
func (e *consoleEnv) submit(t *testing.T, kind, area, message string) *feedback.Case {
	t.Helper()
	c, _, err := e.svc.Submit(context.Background(), feedback.Submission{Kind: kind, Name: "Ada Resident", Email: "ada@example.com",
		ServiceArea: area, Message: message, Channel: feedback.ChannelWeb})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// browserClient keeps cookies and does not follow redirects, so tests see each answer.
func browserClient(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func postForm(t *testing.T, c *http.Client, u string, v url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := c.PostForm(u, v)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := csrfInput.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token in the page:\n%s", body)
	}
	return m[1]
}

// lastLink returns the path of the newest sign-in link in the outbox.
func (e *consoleEnv) lastLink(t *testing.T) string {
	t.Helper()
	all, err := e.outbox.List()
	if err != nil {
		t.Fatal(err)
	}
	for i := len(all) - 1; i >= 0; i-- {
		if _, after, ok := strings.Cut(all[i].Text, "http://console.test"); ok && strings.HasPrefix(after, "/officer/sign-in/") {
			return strings.Fields(after)[0]
		}
	}
	t.Fatal("no sign-in link in the outbox")
	return ""
}

// signIn signs in as email through the pages, as a person does, and returns the client.
func (e *consoleEnv) signIn(t *testing.T, email string) *http.Client {
	t.Helper()
	c := browserClient(t)
	_, body := get(t, c, e.srv.URL+"/officer/sign-in")
	if resp, body := postForm(t, c, e.srv.URL+"/officer/sign-in", url.Values{"email": {email}, "csrf": {csrfOf(t, body)}}); resp.StatusCode != 200 {
		t.Fatalf("request link: %d\n%s", resp.StatusCode, body)
	}
	link := e.lastLink(t)
	_, body = get(t, c, e.srv.URL+link)
	resp, body := postForm(t, c, e.srv.URL+link, url.Values{"csrf": {csrfOf(t, body)}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/officer" {
		t.Fatalf("confirm sign-in: %d to %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	return c
}

func TestConsole_SignIn(t *testing.T) {
	for _, secure := range []bool{false, true} {
		t.Run(fmt.Sprintf("secure=%v", secure), func(t *testing.T) {
			e := newConsoleEnv(t, false)
			e.console.Secure = secure
			c := browserClient(t)
			_, body := get(t, c, e.srv.URL+"/officer/sign-in")
			postForm(t, c, e.srv.URL+"/officer/sign-in", url.Values{"email": {"planning@example.gov.uk"}, "csrf": {csrfOf(t, body)}})
			link := e.lastLink(t)
			// Opening the link (or a mail scanner fetching it) does not use it up.
			for range 2 {
				if resp, _ := get(t, c, e.srv.URL+link); resp.StatusCode != 200 || resp.Header.Get("Referrer-Policy") != "no-referrer" {
					t.Fatalf("GET link: %d, Referrer-Policy %q", resp.StatusCode, resp.Header.Get("Referrer-Policy"))
				}
			}
			_, body = get(t, c, e.srv.URL+link)
			resp, _ := postForm(t, c, e.srv.URL+link, url.Values{"csrf": {csrfOf(t, body)}})
			var session *http.Cookie
			for _, ck := range resp.Cookies() {
				if ck.Name == "intake_session" {
					session = ck
				}
			}
			if resp.StatusCode != http.StatusSeeOther || session == nil {
				t.Fatalf("confirm: %d, cookies %v; want 303 and a session cookie", resp.StatusCode, resp.Cookies())
			}
			if !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Secure != secure || session.MaxAge != 8*3600 || session.Path != "/" {
				t.Errorf("session cookie = %+v; want HttpOnly, SameSite=Lax, Secure=%v, 8 hours, Path=/", session, secure)
			}
			if !secure { // the test server is http: a Secure cookie is not sent back
				if resp, body := get(t, c, e.srv.URL+"/officer"); resp.StatusCode != 200 || !strings.Contains(body, "Signed in as planning@example.gov.uk") {
					t.Errorf("after signing in, /officer = %d\n%s", resp.StatusCode, body)
				}
			}
			// The link worked once.
			_, body = get(t, c, e.srv.URL+link)
			resp, body = postForm(t, c, e.srv.URL+link, url.Values{"csrf": {csrfOf(t, body)}})
			if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "already been used") {
				t.Errorf("second use of the link: %d\n%s", resp.StatusCode, body)
			}
		})
	}
}

func TestConsole_SignIn_SamePageForAnyAddress(t *testing.T) {
	e := newConsoleEnv(t, false)
	bodies := map[string]string{}
	for _, email := range []string{"planning@example.gov.uk", "nobody@example.com"} {
		c := browserClient(t)
		_, body := get(t, c, e.srv.URL+"/officer/sign-in")
		resp, body := postForm(t, c, e.srv.URL+"/officer/sign-in", url.Values{"email": {email}, "csrf": {csrfOf(t, body)}})
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", email, resp.StatusCode)
		}
		bodies[email] = body
	}
	if bodies["planning@example.gov.uk"] != bodies["nobody@example.com"] {
		t.Errorf("the page differs for a staff address and an unknown one:\n%s\n---\n%s", bodies["planning@example.gov.uk"], bodies["nobody@example.com"])
	}
	if all, _ := e.outbox.List(); len(all) != 1 || all[0].To[0] != "planning@example.gov.uk" {
		t.Errorf("outbox = %+v; want one link, to the staff address", all)
	}
}

func TestConsole_RefusesPostsWithoutCSRF(t *testing.T) {
	e := newConsoleEnv(t, true)
	k := e.submit(t, "complaint", "planning", "The portal lost my objection.")
	signedIn := e.signIn(t, "planning@example.gov.uk")
	_, page := get(t, signedIn, e.srv.URL+"/officer/cases/"+k.Ref)
	good := csrfOf(t, page)
	other := e.signIn(t, "admin@example.gov.uk")
	_, otherPage := get(t, other, e.srv.URL+"/officer")
	otherToken := csrfOf(t, otherPage)

	tests := []struct {
		name   string
		client *http.Client
		path   string
		form   url.Values
		want   int
	}{
		{"note without a token", signedIn, "/officer/cases/" + k.Ref + "/note", url.Values{"text": {"x"}}, 403},
		{"note with another session's token", signedIn, "/officer/cases/" + k.Ref + "/note", url.Values{"text": {"x"}, "csrf": {otherToken}}, 403},
		{"sign-out without a token", signedIn, "/officer/sign-out", url.Values{}, 403},
		{"sign-in request without the pre-sign-in cookie", browserClient(t), "/officer/sign-in", url.Values{"email": {"planning@example.gov.uk"}, "csrf": {good}}, 403},
		{"note with the session's token", signedIn, "/officer/cases/" + k.Ref + "/note", url.Values{"text": {"Rang the resident."}, "csrf": {good}}, 303},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := postForm(t, tt.client, e.srv.URL+tt.path, tt.form)
			if resp.StatusCode != tt.want {
				t.Errorf("POST %s = %d, want %d\n%s", tt.path, resp.StatusCode, tt.want, body)
			}
		})
	}
	got, _ := e.svc.Store.Get(context.Background(), k.Ref)
	if len(got.History) != 1 || got.History[0].Detail != "Rang the resident." {
		t.Errorf("history = %+v; want only the note posted with a good token", got.History)
	}
}

func TestConsole_WhoSeesWhichCase(t *testing.T) {
	e := newConsoleEnv(t, false)
	planning := e.submit(t, "complaint", "planning", "Planning complaint")
	housing := e.submit(t, "comment", "housing", "Housing comment")
	tests := []struct {
		who       string
		canSee    map[string]bool
		listCount int
	}{
		{"admin@example.gov.uk", map[string]bool{planning.Ref: true, housing.Ref: true}, 2},
		{"manager@example.gov.uk", map[string]bool{planning.Ref: true, housing.Ref: false}, 1},
		{"planning@example.gov.uk", map[string]bool{planning.Ref: true, housing.Ref: false}, 1},
		{"housing@example.gov.uk", map[string]bool{planning.Ref: false, housing.Ref: true}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.who, func(t *testing.T) {
			c := e.signIn(t, tt.who)
			for ref, visible := range tt.canSee {
				resp, body := get(t, c, e.srv.URL+"/officer/cases/"+ref)
				if want := map[bool]int{true: 200, false: 404}[visible]; resp.StatusCode != want {
					t.Errorf("GET case %s = %d, want %d", ref, resp.StatusCode, want)
				}
				if !visible && strings.Contains(body, "complaint") {
					t.Errorf("the 404 page for %s gives the case away:\n%s", ref, body)
				}
			}
			_, body := get(t, c, e.srv.URL+"/officer")
			if want := fmt.Sprintf("%d open case", tt.listCount); !strings.Contains(body, want) {
				t.Errorf("My cases does not say %q:\n%s", want, body)
			}
		})
	}
	t.Run("not signed in", func(t *testing.T) {
		resp, _ := get(t, browserClient(t), e.srv.URL+"/officer/cases/"+planning.Ref)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/officer/sign-in?return=%2Fofficer%2Fcases%2F"+planning.Ref {
			t.Errorf("GET a case signed out = %d to %q; want 303 to the sign-in page", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

var refInRow = regexp.MustCompile(`<tr( class="overdue")?>\s*<td class="nowrap"><a href="/officer/cases/([^"]+)">`)

func TestConsole_MyCases(t *testing.T) {
	e := newConsoleEnv(t, false)
	first := e.submit(t, "complaint", "planning", "first") // due 7 January 2027
	e.clock.Set(time.Date(2027, 1, 4, 10, 0, 0, 0, time.UTC))
	second := e.submit(t, "complaint", "planning", "second") // due 18 January 2027
	comment := e.submit(t, "comment", "planning", "a comment")
	e.clock.Set(time.Date(2027, 1, 8, 10, 0, 0, 0, time.UTC)) // the first is now overdue
	c := e.signIn(t, "planning@example.gov.uk")

	tests := []struct {
		query string
		want  []string // references in order; "!" marks an overdue row
	}{
		{"", []string{"!" + first.Ref, second.Ref, comment.Ref}},
		{"?overdue=true", []string{"!" + first.Ref}},
		{"?kind=comment", []string{comment.Ref}},
		{"?stage=stage1", []string{"!" + first.Ref, second.Ref}},
		{"?service_area=housing", nil},
		{"?channel=email", nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			_, body := get(t, c, e.srv.URL+"/officer"+tt.query)
			var got []string
			for _, m := range refInRow.FindAllStringSubmatch(body, -1) {
				got = append(got, map[bool]string{true: "!", false: ""}[m[1] != ""]+m[2])
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("rows = %v, want %v\n%s", got, tt.want, body)
			}
		})
	}
}

func TestConsole_MyCases_Paging(t *testing.T) {
	e := newConsoleEnv(t, false)
	for i := range web.PageSize + 5 {
		e.submit(t, "comment", "planning", fmt.Sprintf("comment %d", i))
	}
	c := e.signIn(t, "planning@example.gov.uk")
	tests := []struct {
		query          string
		rows           int
		wantPrev, next string
	}{
		{"?kind=comment", web.PageSize, "", "/officer?kind=comment&amp;page=2"},
		{"?kind=comment&page=2", 5, "/officer?kind=comment", ""},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			_, body := get(t, c, e.srv.URL+"/officer"+tt.query)
			if n := len(refInRow.FindAllString(body, -1)); n != tt.rows {
				t.Errorf("%d rows, want %d", n, tt.rows)
			}
			for rel, href := range map[string]string{"prev": tt.wantPrev, "next": tt.next} {
				link := `href="` + href + `" rel="` + rel + `"`
				if has := strings.Contains(body, `rel="`+rel+`"`); has != (href != "") || (href != "" && !strings.Contains(body, link)) {
					t.Errorf("want %s link %q in:\n%s", rel, href, body)
				}
			}
		})
	}
}

func TestConsole_CasePage(t *testing.T) {
	e := newConsoleEnv(t, false)
	k := e.submit(t, "complaint", "planning", "My bin was missed <script>alert(1)</script> & again.")
	if err := e.svc.Process(context.Background(), k.Ref); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(time.Date(2027, 1, 5, 10, 0, 0, 0, time.UTC))
	c := e.signIn(t, "planning@example.gov.uk")
	resp, body := get(t, c, e.srv.URL+"/officer/cases/"+k.Ref)
	if resp.StatusCode != 200 {
		t.Fatalf("GET case = %d", resp.StatusCode)
	}
	for _, want := range []string{
		k.Ref, "Complaint", "Stage 1 (investigation)", "planning@example.gov.uk",
		"Thursday 7 January 2027 (2 working days left)",
		"My bin was missed &lt;script&gt;alert(1)&lt;/script&gt; &amp; again.",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the case page lacks %q", want)
		}
	}
	// What was sent, in words, each with what became of it, on the timeline.
	for _, want := range []string{
		`Acknowledgement to the resident: we have received your feedback</h3>\n<p class="meta">[^<]*, by Intake\. Sent</p>\n<p>To ada@example\.com</p>`,
		`Email to planning@example\.gov\.uk: a case assigned to you</h3>\n<p class="meta">[^<]*, by Intake\. Sent</p>`,
	} {
		if !regexp.MustCompile(want).MatchString(body) {
			t.Errorf("the case page lacks %q", want)
		}
	}
	if strings.Contains(body, "<script>") {
		t.Error("the resident's words reach the page unescaped")
	}
	if strings.Contains(body, `/note"`) {
		t.Error("action forms are shown with no lifecycle service to carry them out")
	}
	if resp, _ := postForm(t, c, e.srv.URL+"/officer/cases/"+k.Ref+"/note", url.Values{"csrf": {csrfOf(t, body)}, "text": {"x"}}); resp.StatusCode != 404 {
		t.Errorf("POST an action with no lifecycle service = %d, want 404", resp.StatusCode)
	}
}

func TestConsole_Actions(t *testing.T) {
	e := newConsoleEnv(t, true)
	k := e.submit(t, "complaint", "planning", "The portal lost my objection.")
	c := e.signIn(t, "admin@example.gov.uk")
	_, page := get(t, c, e.srv.URL+"/officer/cases/"+k.Ref)
	csrf := csrfOf(t, page)
	// One worked case, action after action, through the domain: each refusal is the domain's.
	tests := []struct {
		action     string
		form       url.Values
		wantStatus int
		wantText   string // on the page after the redirect, or on the error page
	}{
		{"note", url.Values{"text": {"Rang the resident."}}, 303, "Your note has been added."},
		{"note", url.Values{"text": {"  "}}, 422, "Enter the note"},
		{"assign", url.Values{"to": {"housing@example.gov.uk"}}, 303, "from planning@example.gov.uk to housing@example.gov.uk"},
		{"reclassify", url.Values{"kind": {"nonsense"}}, 422, "Choose what kind of feedback this is"},
		{"extend", url.Values{"working_days": {"five"}}, 422, "Enter the number of working days, like 5"},
		{"extend", url.Values{"working_days": {"5"}, "reason": {"Waiting for a site visit"}}, 303, "Stage 1 (investigation) extended by 5 working days"},
		{"extend", url.Values{"working_days": {"1"}, "reason": {"More"}}, 409, "extended once already"},
		{"escalate", url.Values{"reviewer": {"admin@example.gov.uk"}, "reason": {"Unhappy"}}, 409, "has not had its response yet"},
		{"respond", url.Values{"outcome": {"not_upheld"}, "summary": {"We found no fault."}, "compensation": {"12.50"}, "sent_by": {"post"}}, 303, "Not upheld, responded"},
		{"escalate", url.Values{"reviewer": {"manager@example.gov.uk"}, "reason": {"Unhappy"}}, 303, "to Stage 2, reviewer manager@example.gov.uk"},
		{"ombudsman", url.Values{"ombudsman": {"lgsco"}, "referred_on-day": {"21"}, "referred_on-month": {"12"}, "referred_on-year": {"2026"}}, 303,
			"Referred to the Local Government and Social Care Ombudsman on 21 December 2026"},
		{"close", url.Values{"note": {"Done"}}, 303, "The case has been closed."},
		{"explode", url.Values{}, 404, "Page not found"},
	}
	for _, tt := range tests {
		t.Run(tt.action+" "+tt.wantText, func(t *testing.T) {
			tt.form.Set("csrf", csrf)
			resp, body := postForm(t, c, e.srv.URL+"/officer/cases/"+k.Ref+"/"+tt.action, tt.form)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("POST %s = %d, want %d\n%s", tt.action, resp.StatusCode, tt.wantStatus, body)
			}
			if resp.StatusCode == 303 {
				if loc := resp.Header.Get("Location"); loc != "/officer/cases/"+k.Ref+"?done="+tt.action {
					t.Errorf("redirect to %q", loc)
				}
				_, body = get(t, c, e.srv.URL+resp.Header.Get("Location"))
			}
			if !strings.Contains(body, tt.wantText) {
				t.Errorf("page lacks %q:\n%s", tt.wantText, body)
			}
		})
	}
	t.Run("an officer who cannot see the case", func(t *testing.T) {
		other := e.signIn(t, "housing@example.gov.uk")
		_, page := get(t, other, e.srv.URL+"/officer")
		resp, _ := postForm(t, other, e.srv.URL+"/officer/cases/"+k.Ref+"/note", url.Values{"csrf": {csrfOf(t, page)}, "text": {"sneaky"}})
		if resp.StatusCode != 404 {
			t.Errorf("POST note to another area's case = %d, want 404", resp.StatusCode)
		}
	})
}

func TestConsole_SignOut(t *testing.T) {
	e := newConsoleEnv(t, false)
	c := e.signIn(t, "planning@example.gov.uk")
	u, _ := url.Parse(e.srv.URL)
	stolen := c.Jar.Cookies(u) // as if someone had copied the cookie
	_, page := get(t, c, e.srv.URL+"/officer")
	resp, _ := postForm(t, c, e.srv.URL+"/officer/sign-out", url.Values{"csrf": {csrfOf(t, page)}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/officer/sign-in?signed_out=1" {
		t.Fatalf("sign out = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	replay := browserClient(t)
	replay.Jar.SetCookies(u, stolen)
	if resp, _ := get(t, replay, e.srv.URL+"/officer"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the old session cookie still works after sign-out: %d", resp.StatusCode)
	}
}

func TestConsole_Staff(t *testing.T) {
	e := newConsoleEnv(t, false)
	c := e.signIn(t, "planning@example.gov.uk")
	u, _ := url.Parse(e.srv.URL)
	var cookie *http.Cookie
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "intake_session" {
			cookie = ck
		}
	}
	_, page := get(t, c, e.srv.URL+"/officer")
	csrf := csrfOf(t, page)
	bearer := func(r *http.Request) (feedback.StaffMember, error) {
		if r.Header.Get("Authorization") == "Bearer good" {
			return consoleStaff["admin@example.gov.uk"], nil
		}
		return feedback.StaffMember{}, feedback.Errorf(feedback.EFORBIDDEN, "bad token")
	}
	tests := []struct {
		name   string
		method string
		cookie bool
		csrf   string
		auth   string
		noBear bool
		want   string // the resolved address, or "" for an error
	}{
		{"cookie on GET", "GET", true, "", "", false, "planning@example.gov.uk"},
		{"cookie on POST with the CSRF header", "POST", true, csrf, "", false, "planning@example.gov.uk"},
		{"cookie on POST without it falls through to the bearer", "POST", true, "", "Bearer good", false, "admin@example.gov.uk"},
		{"cookie on POST without it and no token", "POST", true, "", "", false, ""},
		{"bearer token", "GET", false, "", "Bearer good", false, "admin@example.gov.uk"},
		{"nothing", "GET", false, "", "", false, ""},
		{"nothing, no bearer resolver", "GET", false, "", "", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "/v1/cases", nil)
			if tt.cookie {
				r.AddCookie(cookie)
			}
			if tt.csrf != "" {
				r.Header.Set(web.CSRFHeader, tt.csrf)
			}
			if tt.auth != "" {
				r.Header.Set("Authorization", tt.auth)
			}
			b := bearer
			if tt.noBear {
				b = nil
			}
			m, err := e.console.Staff(b)(r)
			if (err == nil) != (tt.want != "") || m.Email != tt.want {
				t.Errorf("Staff = %+v, %v; want %q", m, err, tt.want)
			}
		})
	}
}

func TestConsole_DownloadsAttachments(t *testing.T) {
	e := newConsoleEnv(t, false)
	k := e.submit(t, "complaint", "planning", "See the photo.")
	ctx := context.Background()
	key := "cases/" + k.Ref + "/abc/1-photo <b>.html"
	if err := e.svc.Blobs.Put(ctx, key, []byte("<script>alert(1)</script>"), "text/html"); err != nil {
		t.Fatal(err)
	}
	e.svc.Store.Update(ctx, k.Ref, func(c *feedback.Case) error { c.Attachments = []string{key}; return nil })
	c := e.signIn(t, "planning@example.gov.uk")
	_, page := get(t, c, e.srv.URL+"/officer/cases/"+k.Ref)
	if !strings.Contains(page, `href="/officer/cases/`+k.Ref+`/files/1"`) || strings.Contains(page, "photo <b>") {
		t.Fatalf("the case page does not link the file, escaped:\n%s", page)
	}
	resp, body := get(t, c, e.srv.URL+"/officer/cases/"+k.Ref+"/files/1")
	if resp.StatusCode != http.StatusOK || body != "<script>alert(1)</script>" ||
		resp.Header.Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("download = %d %q %v", resp.StatusCode, body, resp.Header)
	}
	for _, tt := range []struct {
		who, path string
	}{
		{"planning@example.gov.uk", "/files/2"},
		{"planning@example.gov.uk", "/files/0"},
		{"housing@example.gov.uk", "/files/1"}, // cannot see the case
	} {
		if resp, _ := get(t, e.signIn(t, tt.who), e.srv.URL+"/officer/cases/"+k.Ref+tt.path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s GET %s = %d, want 404", tt.who, tt.path, resp.StatusCode)
		}
	}
}

// linkingBlobs is the files on disk with the links a store like S3 hands out: each link names
// what it was asked for.
type linkingBlobs struct {
	feedback.Blobs
	asked []string
}

func (b *linkingBlobs) Link(ctx context.Context, key string, l feedback.BlobLink) (string, error) {
	if err := feedback.CheckBlobKey(key); err != nil {
		return "", err
	}
	b.asked = append(b.asked, key)
	return "https://files.example/" + url.PathEscape(key) + "?" + url.Values{
		"at": {l.At.Format(time.RFC3339)}, "ttl": {l.TTL.String()}, "name": {l.Filename}}.Encode(), nil
}

// TestConsole_DownloadsThroughLinks: with a store that hands out links, a file goes to whoever
// may see the case as a 303 to a five-minute link, made now, under the file's own name; nobody
// else gets a link.
func TestConsole_DownloadsThroughLinks(t *testing.T) {
	e := newConsoleEnv(t, false)
	blobs := &linkingBlobs{Blobs: e.svc.Blobs}
	e.svc.Blobs = blobs
	k := e.submit(t, "complaint", "planning", "See the photo.")
	ctx := context.Background()
	key := "cases/" + k.Ref + "/abc/1-photo <b>.html"
	e.svc.Store.Update(ctx, k.Ref, func(c *feedback.Case) error { c.Attachments = []string{key}; return nil })
	for _, tt := range []struct {
		who, path string
	}{
		{"planning@example.gov.uk", "/files/2"},
		{"planning@example.gov.uk", "/files/0"},
		{"housing@example.gov.uk", "/files/1"}, // cannot see the case
	} {
		if resp, _ := get(t, e.signIn(t, tt.who), e.srv.URL+"/officer/cases/"+k.Ref+tt.path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s GET %s = %d, want 404", tt.who, tt.path, resp.StatusCode)
		}
	}
	if len(blobs.asked) != 0 {
		t.Fatalf("links were made for requests refused: %q", blobs.asked)
	}
	resp, _ := get(t, e.signIn(t, "planning@example.gov.uk"), e.srv.URL+"/officer/cases/"+k.Ref+"/files/1")
	want := "https://files.example/" + url.PathEscape(key) + "?" + url.Values{
		"at": {e.clock.Now().Format(time.RFC3339)}, "ttl": {"5m0s"}, "name": {"1-photo <b>.html"}}.Encode()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want ||
		!strings.Contains(resp.Header.Get("Cache-Control"), "no-store") || resp.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("download = %d to %q (Cache-Control %q); want 303 to %q, not stored, no referrer", resp.StatusCode,
			resp.Header.Get("Location"), resp.Header.Get("Cache-Control"), want)
	}
}

// TestConsole_LegalHold: the complaints team places and releases a legal hold from the case
// page, open or closed, through the domain; an officer sees no such form and cannot post one.
func TestConsole_LegalHold(t *testing.T) {
	e := newConsoleEnv(t, true)
	e.realLifecycle()
	k := e.submit(t, "complaint", "planning", "The portal lost my objection.")
	admin := e.signIn(t, "admin@example.gov.uk")
	_, page := get(t, admin, e.srv.URL+"/officer/cases/"+k.Ref)
	if !strings.Contains(page, "Place a legal hold") {
		t.Fatalf("the admin's case page has no legal hold form:\n%s", page)
	}
	csrf := csrfOf(t, page)
	tests := []struct {
		action, reason string
		wantStatus     int
		wantText       string
	}{
		{"hold", "", 422, "Enter the reason"},
		{"hold", "Court proceedings.", 303, "Under legal hold since"},
		{"hold", "Again.", 409, "under legal hold already"},
		{"release", "Proceedings over.", 303, "Kept while open"},
	}
	for _, tt := range tests {
		t.Run(tt.action+" "+tt.wantText, func(t *testing.T) {
			resp, body := postForm(t, admin, e.srv.URL+"/officer/cases/"+k.Ref+"/"+tt.action, url.Values{"csrf": {csrf}, "reason": {tt.reason}})
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("POST %s = %d, want %d\n%s", tt.action, resp.StatusCode, tt.wantStatus, body)
			}
			if resp.StatusCode == 303 {
				_, body = get(t, admin, e.srv.URL+resp.Header.Get("Location"))
			}
			if !strings.Contains(body, tt.wantText) {
				t.Errorf("page lacks %q:\n%s", tt.wantText, body)
			}
		})
	}
	t.Run("an officer", func(t *testing.T) {
		officer := e.signIn(t, "planning@example.gov.uk")
		_, page := get(t, officer, e.srv.URL+"/officer/cases/"+k.Ref)
		if strings.Contains(page, "Place a legal hold") {
			t.Error("an officer's case page offers a legal hold")
		}
		resp, _ := postForm(t, officer, e.srv.URL+"/officer/cases/"+k.Ref+"/hold", url.Values{"csrf": {csrfOf(t, page)}, "reason": {"Mine."}})
		if resp.StatusCode != 403 {
			t.Errorf("an officer's POST hold = %d, want 403", resp.StatusCode)
		}
	})
}

package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/council/intake/internal/casesimport"
	"github.com/council/intake/internal/feedback"
)

// Console serves the officer console: sign-in by emailed link, "My cases" and the case pages,
// as server-rendered HTML that needs no JavaScript. Register mounts its routes beside Handler's.
type Console struct {
	Service *feedback.Service
	SignIn  *feedback.SignIn
	// ReadOnly hides the case actions and refuses their posts with 404: the console only shows.
	ReadOnly bool
	// List lists the cases an officer may see for a query. It is the seam for the lifecycle
	// service's ListCases; nil lists through Store.ListAssigned and Store.ListDue. Whatever it
	// returns, the console still keeps only the cases the officer may see, applies the filters
	// and orders them soonest due first.
	List func(ctx context.Context, who feedback.StaffMember, q CaseQuery) ([]*feedback.Case, error)
	// AfterCommit, when set, carries out a case's side effects after an action (the local
	// runner; in AWS the table's stream does).
	AfterCommit func(ctx context.Context, ref string)
	// Secure marks the session cookie Secure. Only a console served over plain http (the local
	// runner) may leave it off, or the browser would never send the cookie back.
	Secure bool
	// Imports, when set, imports past cases in the background (console_import.go).
	Imports *Imports
	Log     *slog.Logger
}

// CaseQuery filters "My cases"; empty fields do not filter.
type CaseQuery struct {
	ServiceArea string
	Kind        feedback.Kind
	Stage       feedback.Stage
	Channel     feedback.Channel
	// Due is "overdue", "today" or "soon" (within the next five working days).
	Due string
	// Assigned is "me" (assigned to the person signed in) or "unassigned" (to a team mailbox).
	Assigned string
	// Unacknowledged keeps the cases whose acknowledgement has not gone.
	Unacknowledged bool
	// Sort is "due" (soonest due first, the default) or "received" (oldest first).
	Sort string
	// Page counts from 1.
	Page int
}

// PageSize is how many cases "My cases" shows at once.
const PageSize = 20

const (
	sessionCookie = "intake_session"
	// preCookie carries the anti-forgery secret of the forms shown before signing in.
	preCookie = "intake_presession"
	csrfField = "csrf"
	// CSRFHeader carries the anti-forgery token when a script uses the session cookie to call
	// the API with anything but GET.
	CSRFHeader = "X-CSRF-Token"
)

// Register mounts the console's routes on mux.
func (c *Console) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /officer/sign-in", c.signInForm)
	mux.HandleFunc("POST /officer/sign-in", c.requestLink)
	mux.HandleFunc("GET /officer/sign-in/{token}", c.confirmForm)
	mux.HandleFunc("POST /officer/sign-in/{token}", c.redeem)
	mux.HandleFunc("POST /officer/sign-out", c.signedIn(c.signOut))
	mux.HandleFunc("GET /officer", c.signedIn(c.myCases))
	mux.HandleFunc("GET /officer/search", c.signedIn(c.search))
	mux.HandleFunc("GET /officer/cases/{ref}", c.signedIn(c.casePage))
	mux.HandleFunc("GET /officer/cases/{ref}/files/{n}", c.signedIn(c.download))
	mux.HandleFunc("GET /officer/cases/{ref}/{action}", c.signedIn(c.actionForm))
	mux.HandleFunc("POST /officer/cases/{ref}/{action}", c.signedIn(c.act))
	mux.HandleFunc("GET /officer/social/new", c.signedIn(c.socialForm))
	mux.HandleFunc("POST /officer/social/new", c.signedIn(c.forwardSocial))
	mux.HandleFunc("GET /officer/social/{ref}", c.signedIn(c.socialDone))
	mux.HandleFunc("POST /officer/social/{ref}/acknowledged", c.signedIn(c.socialAcknowledged))
	mux.HandleFunc("GET /officer/reports/annual", c.signedIn(c.reportConsole))
	mux.HandleFunc("GET /officer/import", c.signedIn(c.importForm))
	mux.HandleFunc("POST /officer/import", c.signedIn(c.importUpload))
	c.registerImports(mux)
	c.rightsRoutes(mux)
	c.registerRoutes(mux)
	c.markerRoutes(mux)
	mux.HandleFunc("/officer/", func(w http.ResponseWriter, r *http.Request) { c.notFound(w, r, nil) })
}

// Staff returns a resolver for the API's Staff field that accepts a console session cookie
// and otherwise falls through to bearer (nil: no other way in). A cookie-authenticated request
// other than GET or HEAD must also carry the session's CSRF token in the X-CSRF-Token header,
// or the cookie is ignored: a browser sends cookies on requests another site makes it send.
func (c *Console) Staff(bearer func(*http.Request) (feedback.StaffMember, error)) func(*http.Request) (feedback.StaffMember, error) {
	return func(r *http.Request) (feedback.StaffMember, error) {
		if sess, err := c.session(r); err == nil {
			safe := r.Method == http.MethodGet || r.Method == http.MethodHead
			if safe || c.SignIn.CheckCSRF(sess.Token, r.Header.Get(CSRFHeader)) {
				return sess.Staff, nil
			}
		}
		if bearer == nil {
			return feedback.StaffMember{}, feedback.ErrSignedOut
		}
		return bearer(r)
	}
}

func (c *Console) session(r *http.Request) (feedback.Session, error) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil {
		return feedback.Session{}, feedback.ErrSignedOut
	}
	return c.SignIn.Resume(r.Context(), ck.Value)
}

type sessionKey struct{}

// signedIn lets through requests with a live session, which it puts in the context; others are
// sent to sign in (a page) or refused (a post).
func (c *Console) signedIn(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess, err := c.session(r)
		switch {
		case err == nil:
			next(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, sess)))
		case feedback.ErrorCode(err) != feedback.EFORBIDDEN:
			c.fail(w, r, err)
		case r.Method == http.MethodGet:
			http.Redirect(w, r, signInPath(r), http.StatusSeeOther)
		default:
			c.forbidden(w, r, "You are not signed in, or your session has ended. Sign in again.")
		}
	}
}

func sessionOf(r *http.Request) feedback.Session {
	s, _ := r.Context().Value(sessionKey{}).(feedback.Session)
	return s
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

func shortDate(t time.Time) string { return t.Format("2 Jan 2006") }

func kindLabel(k feedback.Kind) string {
	l := k.Label()
	if l == "" {
		return ""
	}
	return strings.ToUpper(l[:1]) + l[1:]
}

func stageLabel(s feedback.Stage) string {
	if l := s.Label(); l != "" {
		return l
	}
	return "–"
}

func or(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// consoleView is what every console page shows.
type consoleView struct {
	Council, Title string
	Staff          *feedback.StaffMember
	// CSRF is the token the page's forms carry (the session's, or the pre-sign-in one).
	CSRF      string
	SignOut   string // the sign-out form's CSRF token, when signed in
	Errors    []feedback.FieldError
	Values    map[string]string
	Message   string
	SignedOut bool
	// Expired says a session ended before the page asked for could be shown.
	Expired bool
	Token   string
	Done    string
	// FieldErrs are the messages of a form's fields, by the field's id.
	FieldErrs map[string]string
	// Forward offers the monitors' page to those who may forward social posts.
	Forward bool
	// Social is what the monitors' pages show.
	Social *socialView
	// Register is what the restrictions register's pages show.
	Register *registerView
	// Nav is the service navigation: the sections this person may open.
	Nav []navItem
	// Rights is what the residents' rights page shows.
	Rights *rightsView
	// SearchBox puts the search box in the navigation (for those who work cases); SearchPage
	// is what the search page shows.
	SearchBox  bool
	SearchPage *searchView
	// ImportJob is what an import's page shows (console_import.go).
	ImportJob *importJobView

	// My cases.
	Query        CaseQuery
	Counts       []queueCount
	Filters      []queueFilter
	Rows         []caseRow
	Total        int
	PageNo       int
	Pages        int
	Prev, Next   string
	Areas, Kinds []option

	// The import page's result.
	Import *casesimport.Result

	// A case.
	Case                        *feedback.Case
	Kind, Stage, Area, Received string
	Acknowledged, Due, DaysLeft string
	Overdue                     bool
	DueTag                      string
	Flags                       []entry
	// Timeline is the case's one timeline, oldest first.
	Timeline                               []timelineItem
	Markers                                []entry
	StageOptions, ChannelOptions, Outcomes []option
	// Panel are the actions possible now, the next expected step first.
	Panel []feedback.Action
	// ReplyRefusal says why the resident cannot be replied to now; ReplyNotes what the
	// restrictions on them say of contact.
	ReplyRefusal string
	ReplyNotes   []string
	// Form is the action form the page shows.
	Form *actionForm
}

// navItem is a section of the service navigation.
type navItem struct {
	Label, Href string
	Current     bool
}

// serviceNav lists the sections who may open, marking the one path is in. The search box
// follows them in the navigation (searchBox).
func serviceNav(who feedback.StaffMember, path string) []navItem {
	admin, manager := who.Role == feedback.RoleAdmin, who.Role == feedback.RoleManager
	sections := []struct {
		show        bool
		label, href string
		// under are the paths (and what is below them) that belong to the section.
		under []string
	}{
		{canWorkCases(who), "My cases", "/officer", []string{"/officer/cases"}},
		{canForward(who), "Forward a social post", "/officer/social/new", []string{"/officer/social"}},
		{admin, "Restrictions", "/officer/restrictions", []string{"/officer/restrictions"}},
		{admin, "Staff safety", "/officer/markers", []string{"/officer/markers"}},
		{admin || manager, "Reports", "/officer/reports/annual", []string{"/officer/reports", "/officer/import"}},
		{admin, "Residents' rights", "/officer/rights", []string{"/officer/rights"}},
	}
	var items []navItem
	for _, s := range sections {
		if !s.show {
			continue
		}
		item := navItem{Label: s.label, Href: s.href, Current: path == s.href}
		for _, u := range s.under {
			item.Current = item.Current || path == u || strings.HasPrefix(path, u+"/")
		}
		items = append(items, item)
	}
	return items
}

// canWorkCases reports whether who works cases (officers, managers and the complaints team).
func canWorkCases(who feedback.StaffMember) bool {
	return who.Role == feedback.RoleOfficer || who.Role == feedback.RoleManager || who.Role == feedback.RoleAdmin
}

func (c *Console) view(r *http.Request, title string) consoleView {
	d := consoleView{Council: c.Service.Council.Name, Title: title, Values: map[string]string{}}
	if sess := sessionOf(r); sess.Token != "" {
		d.Staff = &sess.Staff
		d.SignOut = c.SignIn.CSRF(sess.Token)
		d.Forward = canForward(sess.Staff)
		d.Nav = serviceNav(sess.Staff, r.URL.Path)
		d.SearchBox = canWorkCases(sess.Staff)
	}
	d.StageOptions, d.ChannelOptions, d.Outcomes, d.Kinds = stageOptions, channelOptions, outcomeOptions, caseKindOptions
	return d
}

// The console's fixed choices, shared by every page (templates only read them).
var (
	stageOptions    = []option{{Value: string(feedback.Stage1), Label: feedback.Stage1.Label()}, {Value: string(feedback.Stage2), Label: feedback.Stage2.Label()}}
	channelOptions  = []option{{Value: string(feedback.ChannelWeb), Label: feedback.ChannelWeb.Label()}, {Value: string(feedback.ChannelEmail), Label: feedback.ChannelEmail.Label()}, {Value: string(feedback.ChannelSocial), Label: feedback.ChannelSocial.Label()}}
	outcomeOptions  = []option{{Value: "upheld", Label: "Upheld"}, {Value: "partly_upheld", Label: "Partly upheld"}, {Value: "not_upheld", Label: "Not upheld"}, {Value: "invalid", Label: "Invalid"}}
	caseKindOptions = func() []option {
		var out []option
		for _, k := range feedback.Kinds {
			out = append(out, option{Value: string(k), Label: kindLabel(k)})
		}
		return out
	}()
)

// render writes a console page. Console pages are never cached, and send no Referer: the
// confirm page's address holds a sign-in token.
func (c *Console) render(w http.ResponseWriter, status int, t lazyTemplate, d consoleView) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	page(w, status, t, d)
}

func (c *Console) notFound(w http.ResponseWriter, r *http.Request, _ error) {
	d := c.view(r, "Page not found")
	c.render(w, http.StatusNotFound, notFoundPage, d)
}

func (c *Console) forbidden(w http.ResponseWriter, r *http.Request, msg string) {
	d := c.view(r, "You cannot do that")
	d.Message = msg
	c.render(w, http.StatusForbidden, forbiddenPage, d)
}

// fail answers an unexpected error: logged with a request id (never an address or a token),
// shown as "internal error" with that id.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := Status(err)
	d := c.view(r, "Sorry, there is a problem")
	reqID := requestID(r)
	if status >= 500 {
		c.log().ErrorContext(r.Context(), "console request failed", "request_id", reqID, "method", r.Method, "route", r.Pattern, "err", err)
		d.Message = "Internal error: quote request id " + reqID + " if you contact the complaints team."
	} else {
		d.Message = feedback.ErrorMessage(err)
	}
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "5")
	}
	c.render(w, status, problemPage, d)
}

func (c *Console) log() *slog.Logger {
	if c.Log == nil {
		return slog.Default()
	}
	return c.Log
}

// The way back after signing in: a page asked for without a live session is remembered in a
// cookie while its owner signs in (the emailed link opens in the same browser), and opened
// once they have. Only a path on the console is ever remembered or followed: never another
// site's address, so the sign-in page cannot be made to send people elsewhere.
const (
	returnCookie = "intake_return"
	// wasSignedInCookie outlives the session, so that a page asked for after it ended can say
	// so ("Your session has ended"). It holds nothing but "1".
	wasSignedInCookie = "intake_was_signed_in"
)

// localPath returns s if it is a path on the console (with any query), and otherwise false.
func localPath(s string) (string, bool) {
	if !strings.HasPrefix(s, "/officer") || strings.ContainsAny(s, "\\\r\n\t") || strings.Contains(s, "//") {
		return "", false
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || (u.Path != "/officer" && !strings.HasPrefix(u.Path, "/officer/")) ||
		strings.HasPrefix(u.Path, "/officer/sign-") || path.Clean(u.Path) != strings.TrimSuffix(u.Path, "/") {
		return "", false
	}
	return s, true
}

// signInPath is the sign-in page for a page asked for without a live session: carrying that
// page, and saying whether a session had ended.
func signInPath(r *http.Request) string {
	v := url.Values{}
	if p, ok := localPath(r.URL.RequestURI()); ok && p != "/officer" {
		v.Set("return", p)
	}
	if _, err := r.Cookie(wasSignedInCookie); err == nil {
		v.Set("expired", "1")
	}
	if len(v) == 0 {
		return "/officer/sign-in"
	}
	return "/officer/sign-in?" + v.Encode()
}

// rememberReturn keeps the page to open after signing in, from the sign-in page's address.
func (c *Console) rememberReturn(w http.ResponseWriter, r *http.Request) {
	if p, ok := localPath(r.URL.Query().Get("return")); ok {
		http.SetCookie(w, &http.Cookie{Name: returnCookie, Value: url.QueryEscape(p), Path: "/officer/sign-in", MaxAge: 3600,
			HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteLaxMode})
	}
}

// afterSignIn is where a new session starts: the page remembered, or My cases. It forgets the
// page, and marks the browser as having been signed in.
func (c *Console) afterSignIn(w http.ResponseWriter, r *http.Request) string {
	to := "/officer"
	if ck, err := r.Cookie(returnCookie); err == nil {
		if s, err := url.QueryUnescape(ck.Value); err == nil {
			if p, ok := localPath(s); ok {
				to = p
			}
		}
		http.SetCookie(w, &http.Cookie{Name: returnCookie, Path: "/officer/sign-in", MaxAge: -1, HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteLaxMode})
	}
	http.SetCookie(w, &http.Cookie{Name: wasSignedInCookie, Value: "1", Path: "/officer", MaxAge: 30 * 24 * 3600,
		HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteLaxMode})
	return to
}

// forgetSignedIn is signing out: a page asked for afterwards does not say a session ended.
func (c *Console) forgetSignedIn(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: wasSignedInCookie, Path: "/officer", MaxAge: -1, HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteLaxMode})
}

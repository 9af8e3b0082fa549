package web

import (
	"context"
	"log/slog"
	"net/http"
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
	// Lifecycle carries out the case actions (assign, extend, respond, …). Nil hides the action
	// forms on the case page and refuses their posts with 404: the console is read-only.
	Lifecycle Lifecycle
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
	Log    *slog.Logger
}

// Lifecycle is what the case page's action forms need from the lifecycle service. Each method
// acts as who, refuses with a domain error (EFORBIDDEN, EINVALID, ECONFLICT) a rule broken, and
// returns the case as it stands afterwards.
type Lifecycle interface {
	Assign(ctx context.Context, who feedback.StaffMember, ref, to string) (*feedback.Case, error)
	Reclassify(ctx context.Context, who feedback.StaffMember, ref string, kind feedback.Kind) (*feedback.Case, error)
	AddNote(ctx context.Context, who feedback.StaffMember, ref, text string) (*feedback.Case, error)
	Extend(ctx context.Context, who feedback.StaffMember, ref string, workingDays int, reason string) (*feedback.Case, error)
	Respond(ctx context.Context, who feedback.StaffMember, ref string, r Response) (*feedback.Case, error)
	Escalate(ctx context.Context, who feedback.StaffMember, ref, reviewer, reason string) (*feedback.Case, error)
	Ombudsman(ctx context.Context, who feedback.StaffMember, ref string, o OmbudsmanUpdate) (*feedback.Case, error)
	Close(ctx context.Context, who feedback.StaffMember, ref, note string) (*feedback.Case, error)
	// Hold places a legal hold (place) or releases it, with a reason.
	Hold(ctx context.Context, who feedback.StaffMember, ref string, place bool, reason string) (*feedback.Case, error)
}

// Response is a stage's response as the respond form (and the API's /respond) sends it.
type Response struct {
	Outcome           string // upheld, partly_upheld, not_upheld, invalid
	Summary           string
	Lessons           string
	CompensationPence int64
	SentBy            string // email or post
}

// OmbudsmanUpdate records a referral to an Ombudsman (Ombudsman and ReferredOn) or, later, its
// decision (Decision, DecidedOn and Remedy). Dates are YYYY-MM-DD.
type OmbudsmanUpdate struct {
	Ombudsman  string // lgsco or housing
	ReferredOn string
	Decision   string // upheld, not_upheld, not_investigated, settled
	DecidedOn  string
	Remedy     string
}

// CaseQuery filters "My cases"; empty fields do not filter.
type CaseQuery struct {
	ServiceArea string
	Kind        feedback.Kind
	Stage       feedback.Stage
	Channel     feedback.Channel
	Overdue     bool
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
	mux.HandleFunc("GET /officer/cases/{ref}", c.signedIn(c.casePage))
	mux.HandleFunc("GET /officer/cases/{ref}/files/{n}", c.signedIn(c.download))
	mux.HandleFunc("POST /officer/cases/{ref}/{action}", c.signedIn(c.act))
	mux.HandleFunc("GET /officer/social/new", c.signedIn(c.socialForm))
	mux.HandleFunc("POST /officer/social/new", c.signedIn(c.forwardSocial))
	mux.HandleFunc("GET /officer/social/{ref}", c.signedIn(c.socialDone))
	mux.HandleFunc("POST /officer/social/{ref}/acknowledged", c.signedIn(c.socialAcknowledged))
	mux.HandleFunc("GET /officer/reports/annual", c.signedIn(c.reportConsole))
	mux.HandleFunc("GET /officer/import", c.signedIn(c.importForm))
	mux.HandleFunc("POST /officer/import", c.signedIn(c.importUpload))
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
			http.Redirect(w, r, "/officer/sign-in", http.StatusSeeOther)
		default:
			c.forbidden(w, r, "You are not signed in, or your session has ended. Sign in again.")
		}
	}
}

func sessionOf(r *http.Request) feedback.Session {
	s, _ := r.Context().Value(sessionKey{}).(feedback.Session)
	return s
}

// today is the civil date now, at midnight in Europe/London.
func (c *Console) today() time.Time { return c.Service.Calendar.Date(c.Service.Clock.Now()) }

// workingDaysLeft counts the working days from today to due: 0 on the day, negative once past.
func (c *Console) workingDaysLeft(due time.Time) int {
	cal, today, due := c.Service.Calendar, c.today(), c.Service.Calendar.Date(due)
	n := 0
	for d := today; d.Before(due); d = d.AddDate(0, 0, 1) {
		if cal.IsWorkingDay(d.AddDate(0, 0, 1)) {
			n++
		}
	}
	for d := due; d.Before(today); d = d.AddDate(0, 0, 1) {
		if cal.IsWorkingDay(d.AddDate(0, 0, 1)) {
			n--
		}
	}
	return n
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

func letterName(effect string) string {
	switch {
	case effect == feedback.EffectAcknowledgement:
		return "Acknowledgement to the resident"
	case effect == feedback.EffectAssignment:
		return "Assignment email to the officer"
	case strings.HasPrefix(effect, "reminder:"):
		return "Reminder to the officer (" + effect[strings.LastIndexByte(effect, '-')+1:] + ")"
	}
	return effect
}

func effectState(e feedback.Effect) string {
	switch e.State {
	case feedback.EffectDone:
		return "Sent"
	case feedback.EffectSkipped:
		return "Not sent: " + e.Reason
	case feedback.EffectFailed:
		return "Failed: " + e.Reason
	}
	return ""
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
	Token     string
	Done      string
	// FieldErrs are the messages of a form's fields, by the field's id.
	FieldErrs map[string]string
	// Forward offers the monitors' page to those who may forward social posts.
	Forward bool
	// Social is what the monitors' pages show.
	Social *socialView
	// Register is what the restrictions register's pages show.
	Register *registerView

	// My cases.
	Query        CaseQuery
	Rows         []caseRow
	Total        int
	PageNo       int
	Pages        int
	Prev, Next   string
	Areas, Kinds []option

	// The import page's result.
	Import *casesimport.Result

	// A case.
	Case                                   *feedback.Case
	Kind, Stage, Area, Received            string
	Acknowledged, Due, DaysLeft            string
	Overdue, Actions, HoldForm             bool
	Messages, Flags, Letters, History      []entry
	Markers                                []entry
	StageOptions, ChannelOptions, Outcomes []option
}

func (c *Console) view(r *http.Request, title string) consoleView {
	d := consoleView{Council: c.Service.Council.Name, Title: title, Values: map[string]string{}}
	if sess := sessionOf(r); sess.Token != "" {
		d.Staff = &sess.Staff
		d.SignOut = c.SignIn.CSRF(sess.Token)
		d.Forward = canForward(sess.Staff)
	}
	d.StageOptions, d.ChannelOptions, d.Outcomes, d.Kinds = stageOptions, channelOptions, outcomeOptions, caseKindOptions
	return d
}

// The console's fixed choices, shared by every page (templates only read them).
var (
	stageOptions    = []option{{Value: string(feedback.Stage1), Label: feedback.Stage1.Label()}, {Value: string(feedback.Stage2), Label: feedback.Stage2.Label()}}
	channelOptions  = []option{{Value: string(feedback.ChannelWeb), Label: "Web form"}, {Value: string(feedback.ChannelEmail), Label: "Email"}, {Value: string(feedback.ChannelSocial), Label: "Social media"}}
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

package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/mail"
	"net/url"
	"path"
	"sort"
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

// preToken returns the anti-forgery token for the forms shown before signing in, setting the
// cookie it is derived from if the browser has none.
func (c *Console) preToken(w http.ResponseWriter, r *http.Request) string {
	v := ""
	if ck, err := r.Cookie(preCookie); err == nil && len(ck.Value) == 32 {
		v = ck.Value
	} else {
		v = randomHex(16)
		http.SetCookie(w, &http.Cookie{Name: preCookie, Value: v, Path: "/officer/sign-in", MaxAge: 3600,
			HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteLaxMode})
	}
	return c.SignIn.CSRF("pre:" + v)
}

func (c *Console) checkPre(r *http.Request) bool {
	ck, err := r.Cookie(preCookie)
	return err == nil && c.SignIn.CheckCSRF("pre:"+ck.Value, r.PostFormValue(csrfField))
}

// ---- sign-in -----------------------------------------------------------------------------

func (c *Console) signInForm(w http.ResponseWriter, r *http.Request) {
	d := c.view(r, "Sign in")
	d.CSRF = c.preToken(w, r)
	d.SignedOut = r.URL.Query().Get("signed_out") == "1"
	c.render(w, http.StatusOK, signInPage, d)
}

func (c *Console) requestLink(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if !c.checkPre(r) {
		c.forbidden(w, r, "This form has expired. Go back, reload the page and try again.")
		return
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		d := c.view(r, "Sign in")
		d.CSRF = c.preToken(w, r)
		d.Errors = []feedback.FieldError{{Field: "email", Message: "Enter your council email address, like name@council.gov.uk"}}
		d.Values = map[string]string{"email": email}
		c.render(w, http.StatusUnprocessableEntity, signInPage, d)
		return
	}
	if err := c.SignIn.RequestLink(r.Context(), email); err != nil {
		c.fail(w, r, err)
		return
	}
	// The same page whether or not the address is on the staff: nothing to enumerate.
	c.render(w, http.StatusOK, sentPage, c.view(r, "Check your email"))
}

func (c *Console) confirmForm(w http.ResponseWriter, r *http.Request) {
	// A GET never uses the link: mail scanners fetch links before people click them.
	d := c.view(r, "Sign in to the console")
	d.CSRF = c.preToken(w, r)
	d.Token = r.PathValue("token")
	c.render(w, http.StatusOK, confirmPage, d)
}

func (c *Console) redeem(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if !c.checkPre(r) {
		c.forbidden(w, r, "This form has expired. Open the link from your email again.")
		return
	}
	sess, err := c.SignIn.Redeem(r.Context(), r.PathValue("token"))
	if err != nil {
		if code := feedback.ErrorCode(err); code == feedback.ENOTFOUND || code == feedback.EFORBIDDEN {
			d := c.view(r, "That link cannot be used")
			d.Message = feedback.ErrorMessage(err)
			c.render(w, Status(err), linkUsedPage, d)
			return
		}
		c.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sess.Token, Path: "/", Expires: sess.ExpiresAt,
		MaxAge: int(sess.ExpiresAt.Sub(c.Service.Clock.Now()).Seconds()), HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteLaxMode})
	http.SetCookie(w, &http.Cookie{Name: preCookie, Path: "/officer/sign-in", MaxAge: -1, HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/officer", http.StatusSeeOther)
}

func (c *Console) signOut(w http.ResponseWriter, r *http.Request) {
	sess := sessionOf(r)
	if !c.SignIn.CheckCSRF(sess.Token, r.PostFormValue(csrfField)) {
		c.forbidden(w, r, "This form has expired. Go back, reload the page and try again.")
		return
	}
	if err := c.SignIn.SignOut(r.Context(), sess.Token); err != nil {
		c.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Path: "/", MaxAge: -1, HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/officer/sign-in?signed_out=1", http.StatusSeeOther)
}

// ---- my cases ----------------------------------------------------------------------------

func parseQuery(v url.Values) CaseQuery {
	q := CaseQuery{ServiceArea: v.Get("service_area"), Kind: feedback.Kind(v.Get("kind")),
		Stage: feedback.Stage(v.Get("stage")), Channel: feedback.Channel(v.Get("channel")), Overdue: v.Get("overdue") == "true"}
	q.Page, _ = strconv.Atoi(v.Get("page"))
	if q.Page < 1 {
		q.Page = 1
	}
	return q
}

func (q CaseQuery) values(page int) string {
	v := url.Values{}
	for k, s := range map[string]string{"service_area": q.ServiceArea, "kind": string(q.Kind), "stage": string(q.Stage), "channel": string(q.Channel)} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if q.Overdue {
		v.Set("overdue", "true")
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return "/officer"
	}
	return "/officer?" + v.Encode()
}

// listCases is the one place the console lists cases: through List when the lifecycle service
// provides it, otherwise through the store's two open-case indexes.
func (c *Console) listCases(ctx context.Context, who feedback.StaffMember, q CaseQuery) ([]*feedback.Case, error) {
	if c.List != nil {
		return c.List(ctx, who, q)
	}
	st, routing := c.Service.Store, c.Service.Routing
	boxes := map[string]bool{who.Email: true}
	for _, a := range who.Areas {
		boxes[routing.Owner(a)] = true
	}
	if who.Role == feedback.RoleAdmin {
		for _, a := range routing.AreaNames() {
			boxes[routing.Owner(a)] = true
		}
		boxes[routing.Triage] = true
	}
	var all []*feedback.Case
	for box := range boxes {
		cs, err := st.ListAssigned(ctx, box)
		if err != nil {
			return nil, err
		}
		all = append(all, cs...)
	}
	// Complaints of the officer's areas assigned to someone else still show, through the
	// due-date index (every open complaint has a due date).
	cs, err := st.ListDue(ctx, c.Service.Clock.Now().AddDate(10, 0, 0))
	if err != nil {
		return nil, err
	}
	return append(all, cs...), nil
}

type caseRow struct {
	Ref, Kind, Area, Stage, Channel, AssignedTo, Due string
	Overdue                                          bool
}

func (c *Console) myCases(w http.ResponseWriter, r *http.Request) {
	sess := sessionOf(r)
	q := parseQuery(r.URL.Query())
	listed, err := c.listCases(r.Context(), sess.Staff, q)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	today := c.today()
	seen := map[string]bool{}
	var cases []*feedback.Case
	for _, k := range listed {
		if seen[k.Ref] || k.Status != feedback.StatusOpen || !sess.Staff.CanSee(k) {
			continue
		}
		seen[k.Ref] = true
		overdue := !k.RespondBy.IsZero() && k.RespondBy.Before(today)
		if (q.ServiceArea != "" && k.ServiceArea != q.ServiceArea) || (q.Kind != "" && k.Kind != q.Kind) ||
			(q.Stage != "" && k.Stage != q.Stage) || (q.Channel != "" && k.Channel != q.Channel) || (q.Overdue && !overdue) {
			continue
		}
		cases = append(cases, k)
	}
	sort.SliceStable(cases, func(i, j int) bool {
		a, b := cases[i], cases[j]
		if a.RespondBy.IsZero() != b.RespondBy.IsZero() {
			return !a.RespondBy.IsZero() // cases with a due date first
		}
		if !a.RespondBy.Equal(b.RespondBy) {
			return a.RespondBy.Before(b.RespondBy)
		}
		if !a.ReceivedAt.Equal(b.ReceivedAt) {
			return a.ReceivedAt.Before(b.ReceivedAt)
		}
		return a.Ref < b.Ref
	})
	d := c.view(r, "My cases")
	d.Query = q
	d.Total = len(cases)
	pages := max(1, (len(cases)+PageSize-1)/PageSize)
	if q.Page > pages {
		q.Page = pages
	}
	from := (q.Page - 1) * PageSize
	for _, k := range cases[from:min(from+PageSize, len(cases))] {
		row := caseRow{Ref: k.Ref, Kind: kindLabel(k.Kind), Area: feedback.AreaLabel(k.ServiceArea), Stage: stageLabel(k.Stage),
			Channel: string(k.Channel), AssignedTo: k.AssignedTo, Due: "–"}
		if !k.RespondBy.IsZero() {
			row.Due, row.Overdue = shortDate(k.RespondBy), k.RespondBy.Before(today)
		}
		d.Rows = append(d.Rows, row)
	}
	if q.Page > 1 {
		d.Prev = q.values(q.Page - 1)
	}
	if q.Page < pages {
		d.Next = q.values(q.Page + 1)
	}
	d.PageNo, d.Pages = q.Page, pages
	for _, a := range c.Service.Routing.AreaNames() {
		d.Areas = append(d.Areas, option{Value: a, Label: feedback.AreaLabel(a)})
	}
	c.render(w, http.StatusOK, casesPage, d)
}

// ---- a case ------------------------------------------------------------------------------

type entry struct {
	When, Who, What, Detail, Reason string
	Text, Quoted, Subject           string
	Attachments                     []fileLink
}

// fileLink is an attachment as the case page links to it.
type fileLink struct{ Name, URL string }

// caseFiles lists the blob keys of every file a case holds, in the order the case page numbers
// them: the first message's, then each follow-up's.
func caseFiles(k *feedback.Case) []string {
	files := append([]string{}, k.Attachments...)
	for _, m := range k.Messages {
		files = append(files, m.Attachments...)
	}
	return files
}

// links turns blob keys into download links, numbered from first.
func links(ref string, keys []string, first int) []fileLink {
	var out []fileLink
	for i, key := range keys {
		out = append(out, fileLink{Name: path.Base(key), URL: fmt.Sprintf("/officer/cases/%s/files/%d", url.PathEscape(ref), first+i)})
	}
	return out
}

// download serves one of a case's files to someone who may see the case, always as a download
// and never as something the browser would render or run: the files are whatever a resident
// (or anyone) sent.
func (c *Console) download(w http.ResponseWriter, r *http.Request) {
	k, ok := c.visibleCase(w, r)
	if !ok {
		return
	}
	files := caseFiles(k)
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 || n > len(files) || c.Service.Blobs == nil {
		c.notFound(w, r, nil)
		return
	}
	body, err := c.Service.Blobs.Get(r.Context(), files[n-1])
	if feedback.ErrorCode(err) == feedback.ENOTFOUND {
		c.notFound(w, r, nil)
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": path.Base(files[n-1])}))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(body)
}

func (c *Console) casePage(w http.ResponseWriter, r *http.Request) {
	k, ok := c.visibleCase(w, r)
	if !ok {
		return
	}
	c.showCase(w, r, http.StatusOK, k, nil)
}

// visibleCase returns the case named in the path if the officer may see it, and otherwise
// answers 404: someone who may not see a case is not told it exists.
func (c *Console) visibleCase(w http.ResponseWriter, r *http.Request) (*feedback.Case, bool) {
	ref := r.PathValue("ref")
	if !c.Service.Policy.MatchesReference(ref) {
		c.notFound(w, r, nil)
		return nil, false
	}
	k, err := c.Service.Store.Get(r.Context(), ref)
	switch {
	case feedback.ErrorCode(err) == feedback.ENOTFOUND || (err == nil && !sessionOf(r).Staff.CanSee(k)):
		c.notFound(w, r, nil)
		return nil, false
	case err != nil:
		c.fail(w, r, err)
		return nil, false
	}
	return k, true
}

func (c *Console) showCase(w http.ResponseWriter, r *http.Request, status int, k *feedback.Case, fail error) {
	loc := c.Service.Calendar.Location()
	when := func(t time.Time) string { return t.In(loc).Format("2 Jan 2006 15:04") }
	d := c.view(r, k.Ref)
	d.Case = k
	d.Kind, d.Stage, d.Area = kindLabel(k.Kind), stageLabel(k.Stage), feedback.AreaLabel(k.ServiceArea)
	d.Received = when(k.ReceivedAt)
	ms, err := c.Service.MarkersFor(r.Context(), k)
	if err != nil {
		c.log().Error("read staff-safety markers", "ref", k.Ref, "err", err)
	}
	for _, m := range ms {
		told := "not yet told in writing"
		if !m.ToldOn.IsZero() {
			told = "told in writing on " + shortDate(m.ToldOn)
		}
		d.Markers = append(d.Markers, entry{What: m.ID, Detail: m.Reason, When: shortDate(m.DecidedOn), Who: m.DecidedBy, Reason: told})
	}
	if ack := k.Effects[feedback.EffectAcknowledgement]; ack.State == feedback.EffectDone {
		d.Acknowledged = when(ack.At)
	} else {
		d.Acknowledged = "Not yet (due by " + shortDate(k.AcknowledgeBy) + ")"
	}
	if !k.RespondBy.IsZero() {
		d.Due = feedback.LongDate(k.RespondBy)
		left := c.workingDaysLeft(k.RespondBy)
		d.Overdue = left < 0
		switch {
		case left < 0:
			d.DaysLeft = "Overdue by " + plural(-left, "working day")
		case left == 0:
			d.DaysLeft = "Due today"
		default:
			d.DaysLeft = plural(left, "working day") + " left"
		}
	}
	d.Messages = append(d.Messages, entry{When: when(k.ReceivedAt), Who: "Resident", What: string(k.Channel), Subject: k.Subject, Text: k.Message,
		Attachments: links(k.Ref, k.Attachments, 1)})
	next := len(k.Attachments) + 1
	for _, m := range k.Messages {
		d.Messages = append(d.Messages, entry{When: when(m.At), Who: or(m.From, "Resident"), What: string(m.Channel),
			Subject: m.Subject, Text: m.Text, Quoted: m.Quoted, Attachments: links(k.Ref, m.Attachments, next)})
		next += len(m.Attachments)
	}
	for _, f := range k.Flags {
		e := entry{When: when(f.At), What: string(f.Code), Detail: f.Note}
		if !f.Cleared.IsZero() {
			e.Reason = "Dealt with " + when(f.Cleared)
		}
		d.Flags = append(d.Flags, e)
	}
	for name, e := range k.Effects {
		if name == feedback.EffectSchedules || e.State == feedback.EffectToDo {
			continue
		}
		d.Letters = append(d.Letters, entry{When: when(e.At), What: letterName(name), Detail: effectState(e)})
	}
	sort.Slice(d.Letters, func(i, j int) bool { return d.Letters[i].When+d.Letters[i].What < d.Letters[j].When+d.Letters[j].What })
	for _, e := range k.History {
		d.History = append(d.History, entry{When: when(e.At), Who: e.By, What: e.Action, Detail: e.Detail, Reason: e.Reason})
	}
	if c.Lifecycle != nil && sessionOf(r).Staff.Role == feedback.RoleAdmin {
		// Legal hold is the complaints team's, on open and closed cases alike.
		d.HoldForm = true
		d.CSRF = c.SignIn.CSRF(sessionOf(r).Token)
	}
	if k.AwaitsPublicReply() {
		d.CSRF = c.SignIn.CSRF(sessionOf(r).Token)
	}
	if c.Lifecycle != nil && k.Status == feedback.StatusOpen {
		d.Actions = true
		d.CSRF = c.SignIn.CSRF(sessionOf(r).Token)
	}
	if done := r.URL.Query().Get("done"); actionLabels[done] != "" {
		d.Done = actionLabels[done]
	}
	if fail != nil {
		d.Message = feedback.ErrorMessage(fail)
		d.Errors = feedback.ErrorFields(fail)
	}
	c.render(w, status, casePage, d)
}

var actionLabels = map[string]string{
	"assign": "The case has been assigned.", "reclassify": "The case has been reclassified.", "note": "Your note has been added.",
	"extend": "The stage has been extended.", "respond": "The response has been recorded.", "escalate": "The case has been escalated to Stage 2.",
	"ombudsman": "The Ombudsman's involvement has been recorded.", "close": "The case has been closed.",
	"acknowledged": "The public reply is recorded: the author counts as acknowledged.",
	"hold":         "The case is under legal hold: it will not be destroyed until the hold is released.",
	"release":      "The legal hold has been released.",
}

// posted reads a console form of at most limit bytes and checks that it came from a page of
// this session (its CSRF token); a form that did not is refused with a page saying what to do,
// and ok is false.
func (c *Console) posted(w http.ResponseWriter, r *http.Request, limit int64) (sess feedback.Session, ok bool) {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	sess = sessionOf(r)
	if !c.SignIn.CheckCSRF(sess.Token, r.PostFormValue(csrfField)) {
		c.forbidden(w, r, "This form has expired or did not come from the console. Go back, reload the page and try again.")
		return sess, false
	}
	return sess, true
}

// act carries out one of the case page's action forms.
func (c *Console) act(w http.ResponseWriter, r *http.Request) {
	sess, ok := c.posted(w, r, MaxBodyBytes)
	if !ok {
		return
	}
	action := r.PathValue("action")
	if c.Lifecycle == nil || actionLabels[action] == "" {
		c.notFound(w, r, nil)
		return
	}
	k, ok := c.visibleCase(w, r)
	if !ok {
		return
	}
	ctx, who, ref, f := r.Context(), sess.Staff, k.Ref, r.PostFormValue
	var err error
	switch action {
	case "assign":
		_, err = c.Lifecycle.Assign(ctx, who, ref, strings.TrimSpace(f("to")))
	case "reclassify":
		_, err = c.Lifecycle.Reclassify(ctx, who, ref, feedback.Kind(f("kind")))
	case "note":
		_, err = c.Lifecycle.AddNote(ctx, who, ref, f("text"))
	case "extend":
		days, convErr := strconv.Atoi(strings.TrimSpace(f("working_days")))
		if convErr != nil {
			err = fieldError("working_days", "Enter the number of working days, like 5")
			break
		}
		_, err = c.Lifecycle.Extend(ctx, who, ref, days, f("reason"))
	case "respond":
		pence, convErr := pounds(f("compensation"))
		if convErr != nil {
			err = fieldError("compensation", "Enter the compensation in pounds, like 50 or 12.50, or leave it empty")
			break
		}
		_, err = c.Lifecycle.Respond(ctx, who, ref, Response{Outcome: f("outcome"), Summary: f("summary"), Lessons: f("lessons"),
			CompensationPence: pence, SentBy: f("sent_by")})
	case "escalate":
		_, err = c.Lifecycle.Escalate(ctx, who, ref, strings.TrimSpace(f("reviewer")), f("reason"))
	case "ombudsman":
		_, err = c.Lifecycle.Ombudsman(ctx, who, ref, OmbudsmanUpdate{Ombudsman: f("ombudsman"), ReferredOn: f("referred_on"),
			Decision: f("decision"), DecidedOn: f("decided_on"), Remedy: f("remedy")})
	case "close":
		_, err = c.Lifecycle.Close(ctx, who, ref, f("note"))
	case "hold", "release":
		_, err = c.Lifecycle.Hold(ctx, who, ref, action == "hold", f("reason"))
	}
	switch code := feedback.ErrorCode(err); code {
	case "":
		if c.AfterCommit != nil {
			c.AfterCommit(ctx, ref)
		}
		http.Redirect(w, r, "/officer/cases/"+url.PathEscape(ref)+"?done="+action, http.StatusSeeOther)
	case feedback.ENOTFOUND:
		c.notFound(w, r, nil)
	case feedback.EINVALID, feedback.ECONFLICT, feedback.EFORBIDDEN:
		if k, gerr := c.Service.Store.Get(ctx, ref); gerr == nil {
			c.showCase(w, r, Status(err), k, err)
			return
		}
		c.fail(w, r, err)
	default:
		c.fail(w, r, err)
	}
}

// pounds reads "12.50" or "£12" as pence; empty is 0.
func pounds(s string) (int64, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "£")
	if s == "" {
		return 0, nil
	}
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 2 {
		return 0, errors.New("more than two decimal places")
	}
	p, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || p < 0 {
		return 0, errors.New("not a number of pounds")
	}
	frac += strings.Repeat("0", 2-len(frac))
	f, err := strconv.ParseInt(frac, 10, 64)
	if err != nil || f < 0 {
		return 0, errors.New("not a number of pence")
	}
	return p*100 + f, nil
}

// ---- shared ------------------------------------------------------------------------------

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

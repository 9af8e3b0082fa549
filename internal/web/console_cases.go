package web

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/council/intake/internal/feedback"
)

// The console's cases: "My cases" with its filters and pages, a case's page, its files, and
// the action forms that carry out the lifecycle.

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
	c.caseSummary(&d, k, when)
	d.Markers = c.caseMarkers(r, k)
	d.Messages = caseMessages(k, when)
	caseRecords(&d, k, when)
	c.caseForms(&d, r, k)
	if fail != nil {
		d.Message = feedback.ErrorMessage(fail)
		d.Errors = feedback.ErrorFields(fail)
	}
	c.render(w, status, casePage, d)
}

// caseSummary fills in the case page's summary: what the case is, when it came and was
// acknowledged, and how long is left to respond.
func (c *Console) caseSummary(d *consoleView, k *feedback.Case, when func(time.Time) string) {
	d.Kind, d.Stage, d.Area = kindLabel(k.Kind), stageLabel(k.Stage), feedback.AreaLabel(k.ServiceArea)
	d.Received = when(k.ReceivedAt)
	if ack := k.Effects[feedback.EffectAcknowledgement]; ack.State == feedback.EffectDone {
		d.Acknowledged = when(ack.At)
	} else {
		d.Acknowledged = "Not yet (due by " + shortDate(k.AcknowledgeBy) + ")"
	}
	if k.RespondBy.IsZero() {
		return
	}
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

// caseMarkers lists the staff-safety markers on the case's people; a failure to read them is
// logged and the page shown without them.
func (c *Console) caseMarkers(r *http.Request, k *feedback.Case) []entry {
	ms, err := c.Service.MarkersFor(r.Context(), k)
	if err != nil {
		c.log().Error("read staff-safety markers", "ref", k.Ref, "err", err)
	}
	var out []entry
	for _, m := range ms {
		told := "not yet told in writing"
		if !m.ToldOn.IsZero() {
			told = "told in writing on " + shortDate(m.ToldOn)
		}
		out = append(out, entry{What: m.ID, Detail: m.Reason, When: shortDate(m.DecidedOn), Who: m.DecidedBy, Reason: told})
	}
	return out
}

// caseMessages lists the first message and every one after it, each with its files numbered
// on from the message before.
func caseMessages(k *feedback.Case, when func(time.Time) string) []entry {
	out := []entry{{When: when(k.ReceivedAt), Who: "Resident", What: string(k.Channel), Subject: k.Subject, Text: k.Message,
		Attachments: links(k.Ref, k.Attachments, 1)}}
	next := len(k.Attachments) + 1
	for _, m := range k.Messages {
		out = append(out, entry{When: when(m.At), Who: or(m.From, "Resident"), What: string(m.Channel),
			Subject: m.Subject, Text: m.Text, Quoted: m.Quoted, Attachments: links(k.Ref, m.Attachments, next)})
		next += len(m.Attachments)
	}
	return out
}

// caseRecords fills in the case's flags, the letters sent or tried, and its history.
func caseRecords(d *consoleView, k *feedback.Case, when func(time.Time) string) {
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
}

// caseForms says which forms the page shows the signed-in officer, with the session's CSRF
// token for them, and what the action just done did.
func (c *Console) caseForms(d *consoleView, r *http.Request, k *feedback.Case) {
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

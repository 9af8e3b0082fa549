package web

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/council/intake/internal/feedback"
)

// The console's cases: "My cases" with its filters and pages, a case's page, its files, and
// the action forms that carry out the lifecycle.

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

// fileLinkTTL is how long a file's download link works: long enough to start the download, short
// enough that a link copied from the address bar is soon of no use.
const fileLinkTTL = 5 * time.Minute

// download serves one of a case's files to someone who may see the case, always as a download
// and never as something the browser would render or run: the files are whatever a resident
// (or anyone) sent. A store that hands out links (S3) is sent a 303 to a short-lived link to
// the file; otherwise (the files on disk) the bytes are served here.
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
	name := path.Base(files[n-1])
	if linker, ok := c.Service.Blobs.(feedback.BlobLinker); ok {
		// However large, the file goes from the store to the browser, not through a Lambda
		// response (6 MB at most): a link for this officer, now, for a few minutes.
		link, err := linker.Link(r.Context(), files[n-1], feedback.BlobLink{At: c.Service.Clock.Now(), TTL: fileLinkTTL, Filename: name})
		if err != nil {
			c.fail(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "private, no-store")
		w.Header().Set("Referrer-Policy", "no-referrer")
		http.Redirect(w, r, link, http.StatusSeeOther)
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
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
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
	d.Timeline = caseTimeline(k, when)
	caseFlags(&d, k, when)
	if !c.ReadOnly {
		d.Panel = c.Service.Actions(sessionOf(r).Staff, k)
		if err := c.replyPanel(r, &d, k); err != nil {
			c.fail(w, r, err)
			return
		}
	}
	if len(d.Panel) > 0 || k.AwaitsPublicReply() {
		d.CSRF = c.SignIn.CSRF(sessionOf(r).Token)
	}
	if a, ok := caseActions[feedback.ActionName(r.URL.Query().Get("done"))]; ok {
		d.Done = a.done
	}
	if fail != nil {
		d.Message = feedback.ErrorMessage(fail)
	}
	c.render(w, status, casePage, d)
}

// caseSummary fills in the case page's summary: what the case is, when it came and was
// acknowledged, and how long is left to respond.
func (c *Console) caseSummary(d *consoleView, k *feedback.Case, when func(time.Time) string) {
	d.Kind, d.Stage, d.Area = kindLabel(k.Kind), stageLabel(k.Stage), feedback.AreaLabel(k.ServiceArea)
	d.Received = when(k.ReceivedAt)
	if ack := k.AcknowledgedAt(); !ack.IsZero() {
		d.Acknowledged = when(ack)
	} else {
		d.Acknowledged = "Not yet (due by " + shortDate(k.AcknowledgeBy) + ")"
	}
	left, dated := c.Service.WorkingDaysLeft(k)
	if !dated {
		return
	}
	d.Due, d.DaysLeft = feedback.LongDate(k.RespondBy), daysLeft(left)
	d.Overdue = left < 0
	d.DueTag, _ = dueTag(left)
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

// caseFlags fills in the case's flags: what an officer should look at, and when it was dealt with.
func caseFlags(d *consoleView, k *feedback.Case, when func(time.Time) string) {
	for _, f := range k.Flags {
		e := entry{When: when(f.At), Detail: f.Note}
		if !f.Cleared.IsZero() {
			e.Reason = "Dealt with " + when(f.Cleared)
		}
		d.Flags = append(d.Flags, e)
	}
}

// effectLine is a side effect in words: "Reminder to Ana Officer on Tuesday 5 January 2027:
// due soon", "Letter to the resident: Our response to your complaint".
func effectLine(l feedback.EffectLine, e feedback.Effect) string {
	to := "the resident"
	if l.To != "" {
		to = staffName(l.To)
	}
	s := l.What + " to " + to
	if l.What == "Reminder" && !e.At.IsZero() {
		s += " on " + feedback.LongDate(e.At)
	}
	if l.About != "" {
		s += ": " + l.About
	}
	return s
}

// staffName is a member of staff's name as their address spells it ("ana.officer@…" is Ana
// Officer); a team mailbox's address is shown as it is.
func staffName(email string) string {
	local, _, ok := strings.Cut(email, "@")
	parts := strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '_' || r == '-' })
	if !ok || len(parts) < 2 {
		return email
	}
	for i, p := range parts {
		parts[i] = capitalise(p)
	}
	return strings.Join(parts, " ")
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

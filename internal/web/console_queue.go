package web

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/council/intake/internal/feedback"
)

// The work queue ("My cases"): counts of what needs doing, each a link to the list it counts;
// the open cases an officer may see, filtered and sorted, with how long each has left.

// soonWorkingDays is how far ahead "due soon" looks.
const soonWorkingDays = 5

func parseQuery(v url.Values) CaseQuery {
	q := CaseQuery{ServiceArea: v.Get("service_area"), Kind: feedback.Kind(v.Get("kind")),
		Stage: feedback.Stage(v.Get("stage")), Channel: feedback.Channel(v.Get("channel")),
		Unacknowledged: v.Get("unacknowledged") == "true"}
	switch d := v.Get("due"); {
	case d == "overdue" || d == "today" || d == "soon":
		q.Due = d
	case v.Get("overdue") == "true": // the address before the work queue
		q.Due = "overdue"
	}
	if a := v.Get("assigned"); a == "me" || a == "unassigned" {
		q.Assigned = a
	}
	if v.Get("sort") == "received" {
		q.Sort = "received"
	}
	q.Page, _ = strconv.Atoi(v.Get("page"))
	if q.Page < 1 {
		q.Page = 1
	}
	return q
}

// values is the address of the list q asks for, at page.
func (q CaseQuery) values(page int) string {
	v := url.Values{}
	for k, s := range map[string]string{"service_area": q.ServiceArea, "kind": string(q.Kind), "stage": string(q.Stage),
		"channel": string(q.Channel), "due": q.Due, "assigned": q.Assigned, "sort": q.Sort} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if q.Unacknowledged {
		v.Set("unacknowledged", "true")
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

// queued is an open case in the queue, with the working days left to its response date.
type queued struct {
	*feedback.Case
	left  int
	dated bool
}

func (k queued) due(which string) bool {
	switch which {
	case "overdue":
		return k.dated && k.left < 0
	case "today":
		return k.dated && k.left == 0
	case "soon":
		return k.dated && k.left > 0 && k.left <= soonWorkingDays
	}
	return true
}

func (k queued) unacknowledged() bool { return k.AcknowledgedAt().IsZero() }

// unassigned reports whether the case is still where routing put it (its area's mailbox, or
// triage) rather than given to someone.
func (c *Console) unassigned(k *feedback.Case) bool {
	to, routing := k.AssignedTo, c.Service.Routing
	return to == "" || strings.EqualFold(to, routing.Owner(k.ServiceArea)) || strings.EqualFold(to, routing.Triage)
}

// matches reports whether k is on the list q asks for.
func (c *Console) matches(q CaseQuery, who feedback.StaffMember, k queued) bool {
	switch {
	case q.ServiceArea != "" && k.ServiceArea != q.ServiceArea, q.Kind != "" && k.Kind != q.Kind,
		q.Stage != "" && k.Stage != q.Stage, q.Channel != "" && k.Channel != q.Channel,
		!k.due(q.Due), q.Unacknowledged && !k.unacknowledged(),
		q.Assigned == "me" && !strings.EqualFold(k.AssignedTo, who.Email),
		q.Assigned == "unassigned" && !c.unassigned(k.Case):
		return false
	}
	return true
}

// queueCount is one of the counts at the top of the queue, a link to the list it counts.
type queueCount struct {
	Label, Href string
	N           int
	Warn        bool
}

// queueFilter is a quick filter link ("Assigned to me").
type queueFilter struct {
	Label, Href string
	Current     bool
}

type caseRow struct {
	Ref, Resident, Subject, Kind, Area, Stage, AssignedTo, Received, Due, Left, Tag, TagClass string
}

func (c *Console) myCases(w http.ResponseWriter, r *http.Request) {
	who := sessionOf(r).Staff
	q := parseQuery(r.URL.Query())
	listed, err := c.listCases(r.Context(), who, CaseQuery{})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	open := c.openCases(who, listed)
	d := c.view(r, "My cases")
	d.Query = q
	d.Counts, d.Filters = c.counts(who, open), filters(q)
	var cases []queued
	for _, k := range open {
		if c.matches(q, who, k) {
			cases = append(cases, k)
		}
	}
	sortQueue(cases, q.Sort)
	d.Total = len(cases)
	pages := max(1, (len(cases)+PageSize-1)/PageSize)
	q.Page = min(q.Page, pages)
	from := (q.Page - 1) * PageSize
	for _, k := range cases[from:min(from+PageSize, len(cases))] {
		d.Rows = append(d.Rows, c.queueRow(k))
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

// openCases keeps the open cases who may see, each once, with their working days left.
func (c *Console) openCases(who feedback.StaffMember, listed []*feedback.Case) []queued {
	seen := map[string]bool{}
	var out []queued
	for _, k := range listed {
		if seen[k.Ref] || k.Status != feedback.StatusOpen || !who.CanSee(k) {
			continue
		}
		seen[k.Ref] = true
		left, dated := c.Service.WorkingDaysLeft(k)
		out = append(out, queued{Case: k, left: left, dated: dated})
	}
	return out
}

// counts are the queue's counts over every open case who may see.
func (c *Console) counts(who feedback.StaffMember, open []queued) []queueCount {
	rows := []struct {
		label string
		q     CaseQuery
		warn  bool
		show  bool
	}{
		{"Overdue", CaseQuery{Due: "overdue"}, true, true},
		{"Due today", CaseQuery{Due: "today"}, false, true},
		{"Due in the next 5 working days", CaseQuery{Due: "soon"}, false, true},
		{"Unassigned", CaseQuery{Assigned: "unassigned"}, false, who.Role == feedback.RoleManager || who.Role == feedback.RoleAdmin},
		{"Awaiting acknowledgement", CaseQuery{Unacknowledged: true}, false, true},
	}
	var out []queueCount
	for _, row := range rows {
		if !row.show {
			continue
		}
		n := 0
		for _, k := range open {
			if c.matches(row.q, who, k) {
				n++
			}
		}
		out = append(out, queueCount{Label: row.label, Href: row.q.values(1), N: n, Warn: row.warn && n > 0})
	}
	return out
}

// filters are the quick filters: everything, the officer's own, the team's unassigned.
func filters(q CaseQuery) []queueFilter {
	var out []queueFilter
	for _, f := range []struct{ label, assigned string }{{"All my cases", ""}, {"Assigned to me", "me"}, {"Unassigned", "unassigned"}} {
		next := q
		next.Assigned, next.Page = f.assigned, 1
		out = append(out, queueFilter{Label: f.label, Href: next.values(1), Current: q.Assigned == f.assigned})
	}
	return out
}

// sortQueue orders the queue soonest due first (cases with no date last), or oldest received
// first; ties by reference.
func sortQueue(cases []queued, by string) {
	sort.SliceStable(cases, func(i, j int) bool {
		a, b := cases[i], cases[j]
		if by != "received" {
			if a.dated != b.dated {
				return a.dated
			}
			if !a.RespondBy.Equal(b.RespondBy) {
				return a.RespondBy.Before(b.RespondBy)
			}
		}
		if !a.ReceivedAt.Equal(b.ReceivedAt) {
			return a.ReceivedAt.Before(b.ReceivedAt)
		}
		return a.Ref < b.Ref
	})
}

func (c *Console) queueRow(k queued) caseRow {
	row := caseRow{Ref: k.Ref, Resident: residentName(k.Case), Subject: subjectOf(k.Case), Kind: kindLabel(k.Kind),
		Area: feedback.AreaLabel(k.ServiceArea), Stage: stageLabel(k.Stage), AssignedTo: k.AssignedTo,
		Received: shortDate(k.ReceivedAt.In(c.Service.Calendar.Location())), Due: "No response date"}
	if k.dated {
		row.Due, row.Left = shortDate(k.RespondBy), daysLeft(k.left)
		row.Tag, row.TagClass = dueTag(k.left)
	}
	return row
}

// daysLeft says how long is left to respond, in working days.
func daysLeft(left int) string {
	switch {
	case left < 0:
		return plural(-left, "working day") + " overdue"
	case left == 0:
		return "Due today"
	}
	return plural(left, "working day") + " left"
}

// dueTag is the tag a response date earns, with its colour's class.
func dueTag(left int) (tag, class string) {
	switch {
	case left < 0:
		return "Overdue", "tag-red"
	case left == 0:
		return "Due today", "tag-orange"
	case left <= soonWorkingDays:
		return "Due soon", "tag-yellow"
	}
	return "", ""
}

// residentName is who sent the case, as a list shows them: their name, their social handle,
// or "Anonymous".
func residentName(k *feedback.Case) string {
	switch {
	case strings.TrimSpace(k.Contact.Name) != "":
		return k.Contact.Name
	case k.Social != nil && k.Social.Handle != "":
		return "@" + k.Social.Handle
	}
	return "Anonymous"
}

// subjectOf is the case's subject, or the first words of its message.
func subjectOf(k *feedback.Case) string {
	if s := strings.TrimSpace(k.Subject); s != "" {
		return s
	}
	return firstWords(k.Message, 60)
}

// firstWords shortens s to at most n characters, at a word boundary, marking the cut.
func firstWords(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut := string([]rune(s)[:n])
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return cut + "…"
}

package casesimport

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/council/intake/internal/feedback"
)

// rowReader reads one row's fields by column name, collecting problems.
type rowReader struct {
	row  Row
	cols map[string]int
	ps   []Problem
	loc  *time.Location
}

func (r *rowReader) get(col string) string {
	i := r.cols[col]
	if i == 0 || i > len(r.row.Fields) {
		return ""
	}
	return strings.TrimSpace(r.row.Fields[i-1])
}

func (r *rowReader) bad(col, format string, args ...any) {
	r.ps = append(r.ps, Problem{Line: r.row.lineOf(r.cols[col] - 1), Column: col, Message: fmt.Sprintf(format, args...)})
}

// dateMessage says how dates may be written.
const dateMessage = "write YYYY-MM-DD or DD/MM/YYYY, with a time of day if there is one (2019-03-31, 31/03/2019 23:30 or 2019-03-31T23:30:00+01:00)."

// dateLayouts are the ways a date may be written: ISO 8601 as systems write it, and day first
// as a UK spreadsheet does, each with or without a time of day. A time without an offset is
// Europe/London's.
var dateLayouts = []string{
	time.DateOnly, time.RFC3339, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04",
	"02/01/2006", "02/01/2006 15:04:05", "02/01/2006 15:04", "2/1/2006", "2/1/2006 15:04",
}

// date reads col as an instant: the start of the day in Europe/London for a date alone, or the
// time given, which then decides the financial year and the due dates.
func (r *rowReader) date(col string, required bool) time.Time {
	v := r.get(col)
	if v == "" {
		if required {
			r.bad(col, "Enter the date: %s", dateMessage)
		}
		return time.Time{}
	}
	for _, layout := range dateLayouts {
		if t, err := time.ParseInLocation(layout, v, r.loc); err == nil {
			return t
		}
	}
	r.bad(col, "%q is not a date: %s", v, dateMessage)
	return time.Time{}
}

func (r *rowReader) pence(col string) int64 {
	v := strings.ReplaceAll(strings.TrimPrefix(r.get(col), "£"), ",", "")
	if v == "" {
		return 0
	}
	pounds, pennies, hasPennies := strings.Cut(v, ".")
	p, err1 := strconv.ParseInt(pounds, 10, 64)
	var d int64
	var err2 error
	if hasPennies {
		if len(pennies) != 2 {
			err2 = errors.New("pence")
		} else {
			d, err2 = strconv.ParseInt(pennies, 10, 64)
		}
	}
	if err1 != nil || err2 != nil || p < 0 || d < 0 || p > 10_000_000 {
		r.bad(col, "%q is not an amount of money: write pounds, and pence if any, such as 990.50.", r.get(col))
		return 0
	}
	return p*100 + d
}

func (r *rowReader) extension(col string, st feedback.Stage) int {
	v := r.get(col)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > feedback.MaxExtension(st) {
		r.bad(col, "%q is not a number of working days from 0 to %d.", v, feedback.MaxExtension(st))
		return 0
	}
	return n
}

func (r *rowReader) outcome(col string) feedback.Outcome {
	v := strings.ReplaceAll(strings.ToLower(r.get(col)), " ", "_")
	if v == "" {
		return ""
	}
	switch o := feedback.Outcome(v); o {
	case feedback.OutcomeUpheld, feedback.OutcomePartlyUpheld, feedback.OutcomeNotUpheld, feedback.OutcomeInvalid:
		return o
	}
	r.bad(col, "%q is not an outcome: write upheld, partly_upheld, not_upheld or invalid.", r.get(col))
	return ""
}

// rowCase reads one row into a case, step by step; each step checks its columns against the
// ones read before it.
type rowCase struct {
	*rowReader
	s        *feedback.Service
	who      feedback.StaffMember
	c        *feedback.Case
	now      time.Time
	today    time.Time
	received time.Time
	acked    time.Time
	reached  feedback.Stage
}

// readRow reads row as a case, with every problem found; nil when the row's shape is wrong.
func readRow(s *feedback.Service, row Row, cols map[string]int, now time.Time, who feedback.StaffMember) (*feedback.Case, []Problem) {
	r := &rowReader{row: row, cols: cols, loc: s.Calendar.Location()}
	if len(row.Fields) != len(cols) {
		r.bad("", "The row has %d fields but the header has %d columns.", len(row.Fields), len(cols))
		return nil, r.ps
	}
	rc := &rowCase{rowReader: r, s: s, who: who, now: now, today: s.Calendar.Date(now)}
	// Each step reads what the steps before it read; a row stops at the first step that finds
	// a problem, so that one mistake is reported once, not again by every check it spoils.
	for _, step := range []func(){rc.identity, rc.dates, rc.stageReached, rc.newCase, rc.stages, rc.ombudsman, rc.lessons, rc.closed} {
		step()
		if len(r.ps) > 0 {
			return rc.c, r.ps
		}
	}
	s.Imported(rc.c, rc.acked, who, now, "Imported from an earlier system (line "+strconv.Itoa(row.Line)+" of the file).")
	return rc.c, nil
}

// identity checks the reference, kind, channel and service area; newCase reads them again.
func (r *rowCase) identity() {
	if !refPattern.MatchString(r.get("reference")) {
		r.bad("reference", "Enter the case's reference: up to 40 letters, digits, '-', '/', '_' or '.'.")
	}
	if !r.kind().Valid() {
		r.bad("kind", "%q is not a kind of feedback: write complaint, compliment, comment, service_request or out_of_scope.", r.get("kind"))
	}
	switch feedback.Channel(strings.ToLower(r.get("channel"))) {
	case feedback.ChannelWeb, feedback.ChannelEmail, feedback.ChannelSocial, feedback.ChannelPhone, feedback.ChannelLetter, feedback.ChannelInPerson:
	default:
		r.bad("channel", "%q is not a channel: write web, email, social, phone, letter or in_person.", r.get("channel"))
	}
	if area := r.get("service_area"); area != "" && len(r.s.Routing.Areas) > 0 {
		if _, ok := r.s.Routing.Find(area); !ok {
			var names []string
			for _, a := range r.s.Routing.AreaNames() {
				names = append(names, r.s.Routing.Label(a))
			}
			r.bad("service_area", "%q is not one of the council's service areas (%s).", area, strings.Join(names, ", "))
		}
	}
}

// area is the service area's key: the row names it by key or display name, in any case.
func (r *rowCase) area() string {
	v := r.get("service_area")
	if key, ok := r.s.Routing.Find(v); ok {
		return key
	}
	return v
}

func (r *rowCase) kind() feedback.Kind { return feedback.Kind(strings.ToLower(r.get("kind"))) }

// notBefore checks that a date given in col is not in the future nor before earliest (what).
// Days are compared, not instants: a response dated the day a complaint arrived at 16:00 is
// not before it.
func (r *rowCase) notBefore(col string, t, earliest time.Time, what string) {
	cal := r.s.Calendar
	switch {
	case t.IsZero():
	case cal.Date(t).After(r.today):
		r.bad(col, "The date cannot be in the future.")
	case !earliest.IsZero() && cal.Date(t).Before(cal.Date(earliest)):
		r.bad(col, "The date is before %s.", what)
	}
}

func (r *rowCase) dates() {
	r.received = r.date("received_date", true)
	r.acked = r.date("acknowledged_date", false)
	r.notBefore("received_date", r.received, time.Time{}, "")
	r.notBefore("acknowledged_date", r.acked, r.received, "the date received")
}

func (r *rowCase) stageReached() {
	kind := r.kind()
	reached := feedback.Stage(strings.ToLower(strings.ReplaceAll(r.get("stage_reached"), " ", "")))
	switch {
	case reached == "" && kind == feedback.KindComplaint:
		reached = feedback.Stage1
	case reached == "none":
		reached = feedback.StageNone
	}
	switch {
	case reached != feedback.StageNone && reached != feedback.Stage1 && reached != feedback.Stage2:
		r.bad("stage_reached", "%q is not a stage: write stage1 or stage2 (or leave it empty).", r.get("stage_reached"))
	case reached != feedback.StageNone && kind != feedback.KindComplaint && kind.Valid():
		r.bad("stage_reached", "Only a complaint has stages; this row is a %s.", kind.Label())
	case reached == feedback.StageNone && kind == feedback.KindComplaint:
		r.bad("stage_reached", "A complaint reaches at least stage1.")
	}
	r.reached = reached
}

func (r *rowCase) newCase() {
	s, area := r.s, r.area()
	r.c = &feedback.Case{
		Ref: r.get("reference"), Kind: r.kind(), Channel: feedback.Channel(strings.ToLower(r.get("channel"))),
		Status: feedback.StatusOpen, ServiceArea: area,
		Message:    "Imported from an earlier system.",
		AssignedTo: s.Routing.Owner(area), ReceivedAt: r.received,
		AcknowledgeBy: s.Calendar.AddWorkingDays(r.received, s.Policy.AcknowledgeWorkingDays),
		CreatedAt:     r.now, UpdatedAt: r.now,
	}
}

// stage reads one stage's columns: the stage opened at openedAt with days to respond.
func (r *rowCase) stage(st feedback.Stage, openedAt time.Time, days int) feedback.StageRecord {
	p := string(st) + "_"
	rec := feedback.StageRecord{Stage: st, OpenedAt: openedAt, ExtendedBy: r.extension(p+"extension_days", st)}
	if !openedAt.IsZero() {
		rec.RespondBy = r.s.Calendar.AddWorkingDays(openedAt, days+rec.ExtendedBy)
	}
	out, at := r.outcome(p+"outcome"), r.date(p+"response_date", false)
	r.notBefore(p+"response_date", at, openedAt, "the stage began")
	pence := r.pence(p + "compensation")
	switch {
	case out != "" && at.IsZero() && r.get(p+"response_date") == "":
		r.bad(p+"response_date", "Give the date of the response as well as its outcome.")
	case out == "" && !at.IsZero() && r.get(p+"outcome") == "":
		r.bad(p+"outcome", "Give the outcome of the response as well as its date.")
	}
	if pence > 0 && at.IsZero() {
		r.bad(p+"compensation", "Compensation is paid with a response: give the response's outcome and date.")
	}
	if !at.IsZero() {
		rec.Response = feedback.Response{Outcome: out, CompensationPence: pence, At: at, By: r.who.Email, Summary: "Imported from an earlier system."}
	}
	return rec
}

func (r *rowCase) stages() {
	c, pol := r.c, r.s.Policy
	if c.Kind == feedback.KindComplaint && (r.reached == feedback.Stage1 || r.reached == feedback.Stage2) {
		st1 := r.stage(feedback.Stage1, r.received, pol.Stage1WorkingDays)
		c.Stages = append(c.Stages, st1)
		c.Stage = feedback.Stage1
		if r.reached == feedback.Stage2 {
			opened2 := r.date("stage2_opened_date", true)
			r.notBefore("stage2_opened_date", opened2, st1.Response.At, "the Stage 1 response")
			if !st1.Responded() && r.get("stage1_response_date") == "" {
				r.bad("stage1_response_date", "A complaint that reached stage2 had a Stage 1 response: give its date.")
			}
			c.Stages = append(c.Stages, r.stage(feedback.Stage2, opened2, pol.Stage2WorkingDays))
			c.Stage = feedback.Stage2
		}
		c.RespondBy = c.Stages[len(c.Stages)-1].RespondBy
	}
	r.only(len(c.Stages) == 0, "Only a complaint that reached stage1 can have this.",
		"stage1_outcome", "stage1_response_date", "stage1_extension_days", "stage1_compensation")
	r.only(len(c.Stages) < 2, "Only a complaint that reached stage2 can have this: set stage_reached to stage2.",
		"stage2_opened_date", "stage2_outcome", "stage2_response_date", "stage2_extension_days", "stage2_compensation")
}

// only names each of cols that has a value when it must not.
func (r *rowCase) only(refused bool, message string, cols ...string) {
	for _, col := range cols {
		if refused && r.get(col) != "" {
			r.bad(col, "%s", message)
		}
	}
}

func (r *rowCase) ombudsman() {
	c := r.c
	which := feedback.Ombudsman(strings.ToLower(r.get("ombudsman")))
	if which == "" {
		r.only(true, "Name the Ombudsman (lgsco or housing) in the ombudsman column as well.",
			"ombudsman_referred_date", "ombudsman_decision", "ombudsman_decided_date", "ombudsman_compensation")
		return
	}
	if which != feedback.OmbudsmanLGSCO && which != feedback.OmbudsmanHousing {
		r.bad("ombudsman", "%q is not an Ombudsman: write lgsco or housing (or leave it empty).", r.get("ombudsman"))
	}
	if c.Kind != feedback.KindComplaint {
		r.bad("ombudsman", "Only a complaint goes to the Ombudsman.")
	}
	c.Ombudsman = feedback.OmbudsmanRecord{Which: which, ReferredOn: r.date("ombudsman_referred_date", true)}
	r.notBefore("ombudsman_referred_date", c.Ombudsman.ReferredOn, r.received, "the date received")
	d := feedback.Decision(strings.ToLower(r.get("ombudsman_decision")))
	if d == "" {
		r.only(true, "Give the Ombudsman's decision as well.", "ombudsman_decided_date", "ombudsman_compensation")
		return
	}
	switch d {
	case feedback.DecisionUpheld, feedback.DecisionNotUpheld, feedback.DecisionNotInvestigated, feedback.DecisionSettled:
	default:
		r.bad("ombudsman_decision", "%q is not a decision: write upheld, not_upheld, not_investigated or settled.", r.get("ombudsman_decision"))
	}
	c.Ombudsman.Decision = d
	c.Ombudsman.DecidedOn = r.date("ombudsman_decided_date", true)
	r.notBefore("ombudsman_decided_date", c.Ombudsman.DecidedOn, c.Ombudsman.ReferredOn, "the referral")
	c.Ombudsman.CompensationPence = r.pence("ombudsman_compensation")
}

func (r *rowCase) lessons() {
	lessons := r.get("lessons_learned")
	if lessons == "" {
		return
	}
	last := -1
	for i, st := range r.c.Stages {
		if st.Responded() {
			last = i
		}
	}
	switch {
	case utf8.RuneCountInString(lessons) > 2000:
		r.bad("lessons_learned", "Write the lessons in at most 2,000 characters.")
	case last < 0:
		r.bad("lessons_learned", "Lessons are recorded with a response: give the stage's outcome and date.")
	default:
		r.c.Stages[last].Response.Lessons = lessons
	}
}

func (r *rowCase) closed() {
	c := r.c
	closed := r.date("closed_date", false)
	if closed.IsZero() {
		return
	}
	latest := r.received
	for _, st := range c.Stages {
		if st.Response.At.After(latest) {
			latest = st.Response.At
		}
	}
	r.notBefore("closed_date", closed, latest, "the last response")
	c.Status, c.ClosedAt, c.RespondBy = feedback.StatusClosed, closed, time.Time{}
	c.ExpiresAt = r.s.Policy.RetentionEnd(c, closed, c.Ombudsman.Which != "")
	// A case past its retention end is imported as its statistical record alone (StoreImported
	// decides that); one past the statistics' retention too is refused.
	if end := r.s.Policy.StatisticsEnd(closed); !end.After(r.now) {
		r.bad("closed_date", "This case's statistics were kept until %s, so nothing of it may be kept: it is not imported.", end.Format("2 January 2006"))
	}
}

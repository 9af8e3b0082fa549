package feedback

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/council/intake/internal/workdays"
)

// The annual complaints report: the tables a council puts before its committee each year
// (modelled on Sevenoaks' Annual Complaints Report 2018/19, seed 002) and the figures the
// Complaint Handling Code asks for beyond them, for a financial year (1 April to 31 March in
// Europe/London) with the year before beside it. Building it is pure computation over cases;
// the formats (HTML, CSV, JSON) are the web package's.

// FinancialYear names a financial year by the calendar year it starts in: 2018 is 1 April
// 2018 to 31 March 2019, written "2018/19".
type FinancialYear int

// Label is the year as committee papers write it: "2018/19".
func (y FinancialYear) Label() string { return fmt.Sprintf("%d/%02d", int(y), (int(y)+1)%100) }

// Start is the first instant of the year in loc; End the first instant of the next.
func (y FinancialYear) Start(loc *time.Location) time.Time {
	return time.Date(int(y), time.April, 1, 0, 0, 0, 0, loc)
}

// End is the first instant of the following year in loc.
func (y FinancialYear) End(loc *time.Location) time.Time { return (y + 1).Start(loc) }

// LastCompleteYear is the latest financial year that has ended at now.
func LastCompleteYear(now time.Time, loc *time.Location) FinancialYear {
	t := now.In(loc)
	y := t.Year() - 1
	if t.Month() < time.April {
		y--
	}
	return FinancialYear(y)
}

// Table is one table of the report, ready for any format: a caption, column headings (the
// first heads the row labels), rows, and a total row. Cells are written as the paper writes
// them: counts as integers, percentages to one decimal place, money in pounds and pence.
type Table struct {
	// ID names the table in URLs (?table=) and CSV file names.
	ID      string   `json:"id"`
	Caption string   `json:"caption"`
	Columns []string `json:"columns"`
	Rows    []Row    `json:"rows"`
	Total   *Row     `json:"total,omitempty"`
	// Chart is the index in Cells of the column to draw as a bar chart, or -1 for none.
	Chart int `json:"-"`
	// Note says how the figures were counted, in plain English.
	Note string `json:"note,omitempty"`
}

// Row is a labelled row of cells.
type Row struct {
	Label string   `json:"label"`
	Cells []string `json:"cells"`
}

// AnnualReport is the annual complaints report for Year, with Previous beside it.
type AnnualReport struct {
	Year     FinancialYear `json:"-"`
	Title    string        `json:"title"`
	This     string        `json:"year"`
	Previous string        `json:"previous_year"`
	// Scope says whose cases it covers: "all service areas" or a manager's areas.
	Scope  string  `json:"scope"`
	Tables []Table `json:"tables"`
}

// Table returns the table with the given id.
func (r *AnnualReport) Table(id string) (Table, bool) {
	for _, t := range r.Tables {
		if t.ID == id {
			return t, true
		}
	}
	return Table{}, false
}

// ReportOptions says which year to report and what areas to list.
type ReportOptions struct {
	Year FinancialYear
	// Areas are the service areas every by-area table lists, zeros included; areas found on
	// cases are added. Nil: only the areas found.
	Areas []string
	// Scope describes the cases given ("all service areas", or a manager's areas).
	Scope string
}

// yearOf tells which of the two years (0 this, 1 previous) an instant falls in, or -1.
type yearOf func(time.Time) int

// BuildReport computes the report from cases: those received from the start of the year
// before the previous one (so that a Stage 2 or an Ombudsman referral made in a reported year
// about an older complaint is counted) to the end of the reported year. Each figure is
// counted in the year its event happened: Stage 1 received and compliments and comments by
// the date received, Stage 2 by the date it opened, the Ombudsman by the date of referral and
// of decision, compensation and lessons by the date of the response.
func BuildReport(cases []*Case, cal *workdays.Calendar, o ReportOptions) *AnnualReport {
	loc := cal.Location()
	this, prev := o.Year, o.Year-1
	which := func(t time.Time) int {
		switch {
		case t.IsZero():
			return -1
		case !t.Before(this.Start(loc)) && t.Before(this.End(loc)):
			return 0
		case !t.Before(prev.Start(loc)) && t.Before(prev.End(loc)):
			return 1
		}
		return -1
	}
	areas := slices.Clone(o.Areas)
	for _, c := range cases {
		if c.ServiceArea != "" && !slices.Contains(areas, c.ServiceArea) {
			areas = append(areas, c.ServiceArea)
		}
	}
	sort.Strings(areas)
	scope := o.Scope
	if scope == "" {
		scope = "all service areas"
	}
	b := &reportBuilder{cases: cases, cal: cal, which: which, areas: areas,
		labels: [2]string{this.Label(), prev.Label()}}
	r := &AnnualReport{Year: this, This: this.Label(), Previous: prev.Label(), Scope: scope,
		Title: "Annual complaints report " + this.Label()}
	r.Tables = []Table{
		b.receivedByStage(),
		b.byArea("stage1_by_area", "Stage 1 complaints received by service area", stage1Opened),
		b.outcomes(Stage1),
		b.byArea("stage2_by_area", "Stage 2 complaints received by service area", stage2Opened),
		b.outcomes(Stage2),
		b.byArea("ombudsman_by_area", "Ombudsman complaints received by service area", func(c *Case) time.Time { return c.Ombudsman.ReferredOn }),
		b.decisions(),
		b.compensation(),
		b.lessons(),
		b.acknowledged(),
		b.timeliness(Stage1),
		b.timeliness(Stage2),
		b.byChannel(),
		b.complimentsComments(),
	}
	return r
}

type reportBuilder struct {
	// spans memoises workingDays: a year's responses share few pairs of dates, and the
	// calendar's holiday rules are slow to ask.
	spans  map[[2]int64]int
	cases  []*Case
	cal    *workdays.Calendar
	which  yearOf
	areas  []string
	labels [2]string // this year's and last year's
}

func stage1Opened(c *Case) time.Time {
	if c.Kind != KindComplaint {
		return time.Time{}
	}
	if st, ok := c.StageRecordOf(Stage1); ok && !st.OpenedAt.IsZero() {
		return st.OpenedAt
	}
	return c.ReceivedAt
}

func stage2Opened(c *Case) time.Time {
	if st, ok := c.StageRecordOf(Stage2); ok && c.Kind == KindComplaint {
		return st.OpenedAt
	}
	return time.Time{}
}

func opened(st Stage) func(*Case) time.Time {
	if st == Stage2 {
		return stage2Opened
	}
	return stage1Opened
}

func itoa(n int) string { return strconv.Itoa(n) }

// Percent is n as a percentage of total to one decimal place, half away from zero, without a
// trailing ".0" (as the paper writes 0 and 100); "0" when total is 0.
func Percent(n, total int) string {
	if total == 0 {
		return "0"
	}
	tenths := (n*1000*2 + total) / (2 * total) // round half up, in tenths of a per cent
	if tenths%10 == 0 {
		return itoa(tenths / 10)
	}
	return fmt.Sprintf("%d.%d", tenths/10, tenths%10)
}

// Pounds writes pence as pounds with two decimals, "0" for nothing (as the paper does).
func Pounds(pence int64) string {
	if pence == 0 {
		return "0"
	}
	return fmt.Sprintf("%d.%02d", pence/100, pence%100)
}

func (b *reportBuilder) count(when func(*Case) time.Time) [2]int {
	var n [2]int
	for _, c := range b.cases {
		if y := b.which(when(c)); y >= 0 {
			n[y]++
		}
	}
	return n
}

func (b *reportBuilder) receivedByStage() Table {
	t := Table{ID: "received_by_stage", Caption: "Complaints received at each stage",
		Columns: []string{"Stage", b.labels[1], b.labels[0]}, Chart: 1,
		Note: "Stage 2 is counted in the year it began, the Ombudsman in the year of referral."}
	var total [2]int
	for _, s := range []struct {
		label string
		when  func(*Case) time.Time
	}{
		{"Stage 1", stage1Opened}, {"Stage 2", stage2Opened},
		{"Ombudsman", func(c *Case) time.Time { return c.Ombudsman.ReferredOn }},
	} {
		n := b.count(s.when)
		total[0], total[1] = total[0]+n[0], total[1]+n[1]
		t.Rows = append(t.Rows, Row{s.label, []string{itoa(n[1]), itoa(n[0])}})
	}
	t.Total = &Row{"Total", []string{itoa(total[1]), itoa(total[0])}}
	return t
}

// byArea counts cases by service area in each year, with each area's share of the year's
// total: every area listed, zeros included.
func (b *reportBuilder) byArea(id, caption string, when func(*Case) time.Time) Table {
	t := Table{ID: id, Caption: caption, Chart: 2,
		Columns: []string{"Service area", b.labels[1], "% of total " + b.labels[1], b.labels[0], "% of total " + b.labels[0]}}
	counts := map[string]*[2]int{}
	var total [2]int
	for _, c := range b.cases {
		y := b.which(when(c))
		if y < 0 {
			continue
		}
		if counts[c.ServiceArea] == nil {
			counts[c.ServiceArea] = new([2]int)
		}
		counts[c.ServiceArea][y]++
		total[y]++
	}
	rows := slices.Clone(b.areas)
	if counts[""] != nil {
		rows = append(rows, "")
	}
	for _, a := range rows {
		n := [2]int{}
		if p := counts[a]; p != nil {
			n = *p
		}
		t.Rows = append(t.Rows, Row{areaName(a), []string{itoa(n[1]), Percent(n[1], total[1]), itoa(n[0]), Percent(n[0], total[0])}})
	}
	t.Total = &Row{"Total", []string{itoa(total[1]), Percent(total[1], total[1]), itoa(total[0]), Percent(total[0], total[0])}}
	if total[1] == 0 {
		t.Total.Cells[1] = "0"
	}
	return t
}

func areaName(a string) string {
	if a == "" {
		return "No service area"
	}
	return a
}

// OutcomeLabel is an outcome as the report's rows read.
func OutcomeLabel(o Outcome) string {
	switch o {
	case OutcomeUpheld:
		return "Complaint upheld"
	case OutcomePartlyUpheld:
		return "Complaint partly upheld"
	case OutcomeNotUpheld:
		return "Complaint not upheld"
	case OutcomeInvalid:
		return "Complaint invalid"
	}
	return "Awaiting a response"
}

func (b *reportBuilder) outcomes(st Stage) Table {
	name := map[Stage]string{Stage1: "Stage 1", Stage2: "Stage 2"}[st]
	t := Table{ID: string(st) + "_outcomes", Caption: "Outcome of complaints at " + name,
		Columns: []string{"Outcome", "Total " + b.labels[1], "Total " + b.labels[0]}, Chart: 1,
		Note: "Complaints received at " + name + " in the year, by the outcome of their " + name + " response."}
	counts := map[Outcome]*[2]int{}
	var total [2]int
	for _, c := range b.cases {
		y := b.which(opened(st)(c))
		if y < 0 {
			continue
		}
		rec, _ := c.StageRecordOf(st)
		o := rec.Response.Outcome
		if !rec.Responded() {
			o = ""
		}
		if counts[o] == nil {
			counts[o] = new([2]int)
		}
		counts[o][y]++
		total[y]++
	}
	for _, o := range []Outcome{OutcomeInvalid, OutcomeUpheld, OutcomePartlyUpheld, OutcomeNotUpheld, ""} {
		n := [2]int{}
		if p := counts[o]; p != nil {
			n = *p
		}
		t.Rows = append(t.Rows, Row{OutcomeLabel(o), []string{itoa(n[1]), itoa(n[0])}})
	}
	t.Total = &Row{"Total", []string{itoa(total[1]), itoa(total[0])}}
	return t
}

// DecisionLabel is an Ombudsman's decision as the report's rows read.
func DecisionLabel(d Decision) string {
	switch d {
	case DecisionNotInvestigated:
		return "Closed after initial enquiries - no further action"
	case DecisionUpheld:
		return "Upheld"
	case DecisionNotUpheld:
		return "Not upheld"
	case DecisionSettled:
		return "Settled"
	}
	return string(d)
}

func (b *reportBuilder) decisions() Table {
	t := Table{ID: "ombudsman_decisions", Caption: "Ombudsman decisions by decision and service area, " + b.labels[0],
		Columns: []string{"Decision", "Service area", "Number of decisions"}, Chart: 1,
		Note: "Decisions made in the year; only decisions and areas with any are listed."}
	type key struct {
		d    Decision
		area string
	}
	counts := map[key]int{}
	total := 0
	for _, c := range b.cases {
		if c.Ombudsman.Decision == "" || b.which(c.Ombudsman.DecidedOn) != 0 {
			continue
		}
		counts[key{c.Ombudsman.Decision, c.ServiceArea}]++
		total++
	}
	keys := make([]key, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].d != keys[j].d {
			return DecisionLabel(keys[i].d) < DecisionLabel(keys[j].d)
		}
		return keys[i].area < keys[j].area
	})
	for _, k := range keys {
		t.Rows = append(t.Rows, Row{DecisionLabel(k.d), []string{areaName(k.area), itoa(counts[k])}})
	}
	t.Total = &Row{"Total", []string{"", itoa(total)}}
	return t
}

func (b *reportBuilder) compensation() Table {
	t := Table{ID: "compensation", Caption: "Compensation paid (£)",
		Columns: []string{"Stage", b.labels[1], b.labels[0]}, Chart: 1,
		Note: "Counted in the year of the response (of the decision, for the Ombudsman)."}
	var rows [3][2]int64
	for _, c := range b.cases {
		for i, st := range []Stage{Stage1, Stage2} {
			if rec, ok := c.StageRecordOf(st); ok && rec.Responded() {
				if y := b.which(rec.Response.At); y >= 0 {
					rows[i][y] += rec.Response.CompensationPence
				}
			}
		}
		if y := b.which(c.Ombudsman.DecidedOn); y >= 0 {
			rows[2][y] += c.Ombudsman.CompensationPence
		}
	}
	var total [2]int64
	for i, label := range []string{"Stage 1", "Stage 2", "LGO"} {
		t.Rows = append(t.Rows, Row{label, []string{Pounds(rows[i][1]), Pounds(rows[i][0])}})
		total[0] += rows[i][0]
		total[1] += rows[i][1]
	}
	t.Total = &Row{"Total", []string{Pounds(total[1]), Pounds(total[0])}}
	return t
}

func (b *reportBuilder) lessons() Table {
	t := Table{ID: "lessons", Caption: "Lessons learned by service area, " + b.labels[0],
		Columns: []string{"Service area", "Occasions", "Lessons learned"}, Chart: 0,
		Note: "Lessons recorded with a Stage 1 or Stage 2 response made in the year."}
	byArea := map[string][]string{}
	total := 0
	for _, c := range b.cases {
		for _, rec := range c.Stages {
			if l := strings.TrimSpace(rec.Response.Lessons); l != "" && rec.Responded() && b.which(rec.Response.At) == 0 {
				byArea[c.ServiceArea] = append(byArea[c.ServiceArea], l)
				total++
			}
		}
	}
	for _, a := range b.areas {
		ls := byArea[a]
		t.Rows = append(t.Rows, Row{areaName(a), []string{itoa(len(ls)), strings.Join(ls, " / ")}})
	}
	if ls := byArea[""]; len(ls) > 0 {
		t.Rows = append(t.Rows, Row{areaName(""), []string{itoa(len(ls)), strings.Join(ls, " / ")}})
	}
	t.Total = &Row{"Total", []string{itoa(total), ""}}
	return t
}

func (b *reportBuilder) acknowledged() Table {
	t := Table{ID: "acknowledged", Caption: "Complaints acknowledged within target",
		Columns: []string{"Acknowledgement", b.labels[1], "%", b.labels[0], "%"}, Chart: 2,
		Note: "Complaints received in the year; on time means by the acknowledgement date the policy sets."}
	var onTime, late, none, total [2]int
	for _, c := range b.cases {
		y := b.which(stage1Opened(c))
		if y < 0 {
			continue
		}
		total[y]++
		at := c.AcknowledgedAt()
		switch {
		case at.IsZero():
			none[y]++
		case !b.cal.Date(at).After(b.cal.Date(c.AcknowledgeBy)):
			onTime[y]++
		default:
			late[y]++
		}
	}
	for _, r := range []struct {
		label string
		n     [2]int
	}{{"Within target", onTime}, {"Late", late}, {"No acknowledgement recorded", none}} {
		t.Rows = append(t.Rows, Row{r.label, []string{itoa(r.n[1]), Percent(r.n[1], total[1]), itoa(r.n[0]), Percent(r.n[0], total[0])}})
	}
	t.Total = &Row{"Total", []string{itoa(total[1]), Percent(total[1], total[1]), itoa(total[0]), Percent(total[0], total[0])}}
	return t
}

// WorkingDaysBetween counts the working days after from's date up to and including to's.
func WorkingDaysBetween(cal *workdays.Calendar, from, to time.Time) int {
	d, end := cal.Date(from), cal.Date(to)
	n := 0
	for d.Before(end) {
		d = d.AddDate(0, 0, 1)
		if cal.IsWorkingDay(d) {
			n++
		}
	}
	return n
}

func (b *reportBuilder) workingDays(from, to time.Time) int {
	k := [2]int64{b.cal.Date(from).Unix(), b.cal.Date(to).Unix()}
	if n, ok := b.spans[k]; ok {
		return n
	}
	if b.spans == nil {
		b.spans = map[[2]int64]int{}
	}
	n := WorkingDaysBetween(b.cal, from, to)
	b.spans[k] = n
	return n
}

func median(xs []int) string {
	if len(xs) == 0 {
		return "-"
	}
	slices.Sort(xs)
	m := len(xs) / 2
	if len(xs)%2 == 1 {
		return itoa(xs[m])
	}
	sum := xs[m-1] + xs[m]
	if sum%2 == 0 {
		return itoa(sum / 2)
	}
	return fmt.Sprintf("%d.5", sum/2)
}

func (b *reportBuilder) timeliness(st Stage) Table {
	name := map[Stage]string{Stage1: "Stage 1", Stage2: "Stage 2"}[st]
	t := Table{ID: string(st) + "_timeliness", Caption: name + " responses within timescale",
		Columns: []string{"Response", b.labels[1], "%", b.labels[0], "%"}, Chart: 2,
		Note: name + " complaints received in the year and responded to. Within an extension: the stage was extended and answered by the extended date."}
	var inTime, inExt, late, waiting, total, extended [2]int
	var days [2][]int
	for _, c := range b.cases {
		y := b.which(opened(st)(c))
		if y < 0 {
			continue
		}
		rec, _ := c.StageRecordOf(st)
		if rec.ExtendedBy > 0 {
			extended[y]++
		}
		if !rec.Responded() {
			waiting[y]++
			continue
		}
		total[y]++
		days[y] = append(days[y], b.workingDays(rec.OpenedAt, rec.Response.At))
		switch onTime := rec.RespondBy.IsZero() || !b.cal.Date(rec.Response.At).After(b.cal.Date(rec.RespondBy)); {
		case onTime && rec.ExtendedBy == 0:
			inTime[y]++
		case onTime:
			inExt[y]++
		default:
			late[y]++
		}
	}
	for _, r := range []struct {
		label string
		n     [2]int
	}{{"Within timescale", inTime}, {"Within an extension", inExt}, {"Late", late}} {
		t.Rows = append(t.Rows, Row{r.label, []string{itoa(r.n[1]), Percent(r.n[1], total[1]), itoa(r.n[0]), Percent(r.n[0], total[0])}})
	}
	t.Total = &Row{"Total responded", []string{itoa(total[1]), Percent(total[1], total[1]), itoa(total[0]), Percent(total[0], total[0])}}
	t.Rows = append(t.Rows,
		Row{"Extensions used", []string{itoa(extended[1]), "", itoa(extended[0]), ""}},
		Row{"Awaiting a response", []string{itoa(waiting[1]), "", itoa(waiting[0]), ""}},
		Row{"Median working days to respond", []string{median(days[1]), "", median(days[0]), ""}})
	return t
}

// ChannelLabel is a channel as the report's rows read.
func ChannelLabel(ch Channel) string {
	switch ch {
	case ChannelWeb:
		return "Web form"
	case ChannelEmail:
		return "Email"
	case ChannelSocial:
		return "Social media"
	case ChannelPhone:
		return "Phone"
	case ChannelLetter:
		return "Letter"
	case ChannelInPerson:
		return "In person"
	}
	return "Not recorded"
}

func (b *reportBuilder) byChannel() Table {
	t := Table{ID: "complaints_by_channel", Caption: "Complaints received by channel",
		Columns: []string{"Channel", b.labels[1], "% of total " + b.labels[1], b.labels[0], "% of total " + b.labels[0]}, Chart: 2}
	counts := map[Channel]*[2]int{}
	var total [2]int
	for _, c := range b.cases {
		if y := b.which(stage1Opened(c)); y >= 0 {
			if counts[c.Channel] == nil {
				counts[c.Channel] = new([2]int)
			}
			counts[c.Channel][y]++
			total[y]++
		}
	}
	channels := []Channel{ChannelWeb, ChannelEmail, ChannelSocial, ChannelPhone, ChannelLetter, ChannelInPerson}
	if counts[""] != nil {
		channels = append(channels, "")
	}
	for _, ch := range channels {
		n := [2]int{}
		if p := counts[ch]; p != nil {
			n = *p
		}
		t.Rows = append(t.Rows, Row{ChannelLabel(ch), []string{itoa(n[1]), Percent(n[1], total[1]), itoa(n[0]), Percent(n[0], total[0])}})
	}
	t.Total = &Row{"Total", []string{itoa(total[1]), Percent(total[1], total[1]), itoa(total[0]), Percent(total[0], total[0])}}
	return t
}

func (b *reportBuilder) complimentsComments() Table {
	t := Table{ID: "compliments_comments", Caption: "Compliments and comments received by service area",
		Columns: []string{"Service area", "Compliments " + b.labels[1], "Comments " + b.labels[1], "Compliments " + b.labels[0], "Comments " + b.labels[0]}, Chart: 2}
	counts := map[string]*[4]int{}
	var total [4]int
	for _, c := range b.cases {
		y := b.which(c.ReceivedAt)
		if y < 0 || (c.Kind != KindCompliment && c.Kind != KindComment) {
			continue
		}
		col := map[int]int{1: 0, 0: 2}[y]
		if c.Kind == KindComment {
			col++
		}
		if counts[c.ServiceArea] == nil {
			counts[c.ServiceArea] = new([4]int)
		}
		counts[c.ServiceArea][col]++
		total[col]++
	}
	rows := slices.Clone(b.areas)
	if counts[""] != nil {
		rows = append(rows, "")
	}
	for _, a := range rows {
		n := [4]int{}
		if p := counts[a]; p != nil {
			n = *p
		}
		t.Rows = append(t.Rows, Row{areaName(a), []string{itoa(n[0]), itoa(n[1]), itoa(n[2]), itoa(n[3])}})
	}
	t.Total = &Row{"Total", []string{itoa(total[0]), itoa(total[1]), itoa(total[2]), itoa(total[3])}}
	return t
}

// AnnualReportFor reads the cases the report needs through Store.ListReceived (never the whole
// store) and builds the report for year, seen as who may see it: an admin sees every service
// area, a manager only theirs.
func (s *Service) AnnualReportFor(ctx context.Context, who StaffMember, year FinancialYear) (*AnnualReport, error) {
	if who.Role != RoleAdmin && who.Role != RoleManager {
		return nil, Errorf(EFORBIDDEN, "Only managers and the complaints team can see the annual report.")
	}
	loc := s.Calendar.Location()
	if year < 2000 || year > LastCompleteYear(s.Clock.Now(), loc)+1 {
		return nil, invalid("year", "Choose a financial year from 2000 to this one")
	}
	q := ReceivedQuery{From: (year - 2).Start(loc), To: year.End(loc), Limit: DefaultReceivedPage}
	var cases []*Case
	for {
		page, err := s.Store.ListReceived(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("annual report %d: %w", int(year), err)
		}
		for _, c := range page.Cases {
			if who.CanSee(c) {
				cases = append(cases, c)
			}
		}
		if page.Next == "" {
			break
		}
		q.Cursor = page.Next
	}
	o := ReportOptions{Year: year, Areas: s.Routing.AreaNames()}
	if who.Role == RoleManager {
		o.Areas = slices.Clone(who.Areas)
		o.Scope = "the service areas " + strings.Join(who.Areas, ", ")
		// A manager sees cases assigned to them in other areas too; the tables list those
		// areas as they come, but the scope names the remit.
	}
	r := BuildReport(cases, s.Calendar, o)
	if who.Role == RoleAdmin && s.Restrictions != nil {
		// The register is the complaints team's: only their report shows it.
		all, err := s.Restrictions.ListRestrictions(ctx)
		if err != nil {
			return nil, fmt.Errorf("annual report %d: restrictions: %w", int(year), err)
		}
		r.Tables = append(r.Tables, restrictionsTable(all, year, loc, s.reviewMonths()))
	}
	return r, nil
}

// restrictionsTable counts the restrictions on unreasonably persistent complainants: in force
// at the end of each year, made, lifted, and reviews done and done by their date (Appendix 4:
// reviewed at least every six months). A review's date is worked out as Intake set it: the
// review period after the decision, then after each review.
func restrictionsTable(all []*Restriction, year FinancialYear, loc *time.Location, months int) Table {
	t := Table{ID: "restrictions", Caption: "Restrictions on unreasonably persistent complainants",
		Columns: []string{"Restrictions", (year - 1).Label(), year.Label()}, Chart: -1,
		Note: "A review is on time when it was done by the date set at the decision before it (the review period after that decision)."}
	var inForce, made, lifted, reviews, onTime [2]int
	for i, y := range []FinancialYear{year, year - 1} {
		start, end := y.Start(loc), y.End(loc)
		in := func(at time.Time) bool { return !at.Before(start) && at.Before(end) }
		for _, r := range all {
			if r.DecidedOn.Before(end) && (r.LiftedOn.IsZero() || !r.LiftedOn.Before(end)) {
				inForce[i]++
			}
			if in(r.DecidedOn) {
				made[i]++
			}
			if !r.LiftedOn.IsZero() && in(r.LiftedOn) {
				lifted[i]++
			}
			due := ReviewDate(r.DecidedOn, months)
			for _, e := range r.History {
				if e.Action != "restriction continued" && e.Action != "restriction varied" && e.Action != "restriction lifted" {
					continue
				}
				if in(e.At) {
					reviews[i]++
					if !e.At.In(loc).After(due.AddDate(0, 0, 1)) {
						onTime[i]++
					}
				}
				due = ReviewDate(e.At.In(loc), months)
			}
		}
	}
	row := func(label string, v [2]int) Row { return Row{Label: label, Cells: []string{itoa(v[1]), itoa(v[0])}} }
	t.Rows = []Row{
		row("In force at the end of the year", inForce), row("Made", made), row("Lifted", lifted),
		row("Reviews done", reviews), row("Reviews done by their date", onTime),
	}
	return t
}

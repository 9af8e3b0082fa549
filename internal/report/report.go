// Package report builds the annual complaints report from the cases the domain lets a
// reader see: the tables a council puts before its committee, ready for any format.
package report

import (
	"context"
	"fmt"
	"github.com/council/intake/internal/feedback"
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
	// Note says how the figures were counted, in plain English.
	Note string `json:"note,omitempty"`
	// Compare, when set, is the index in Cells of last year's figure and of this year's, whose
	// difference the committee's copy shows as a change.
	Compare *[2]int `json:"-"`
	// TotalAfter, when above zero, is how many rows the total sums; the rows after it are
	// further figures about the same cases, not part of the total.
	TotalAfter int `json:"-"`
	// Charts draw some of the rows across the years the data covers (Build fills them).
	Charts []Chart `json:"-"`
	trends []trend
}

// trend says which rows of a table to chart, and in what unit: one chart per unit, so that
// counts and medians never share an axis.
type trend struct {
	title string
	unit  string
	rows  []string // nil: every row
}

// Chart is a bar chart of some rows of a table across years, oldest first: one group of bars
// per row, one bar per year.
type Chart struct {
	Title  string
	Unit   string
	Years  []string
	Groups []ChartGroup
}

// ChartGroup is one row's figures, one per year of its chart, as the table writes them.
type ChartGroup struct {
	Label  string
	Values []string
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
	Scope string `json:"scope"`
	// Summary is the report's opening in words, sentence by sentence, generated from its tables.
	Summary []string `json:"summary"`
	Tables  []Table  `json:"tables"`
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

// Options says which year to report and what areas to list.
type Options struct {
	Year FinancialYear
	// Areas are the service areas every by-area table lists, zeros included; areas found on
	// cases are added. Nil: only the areas found.
	Areas []string
	// Scope describes the cases given ("all service areas", or a manager's areas).
	Scope string
	// Label is a service area's display name (nil: the key as it is).
	Label func(area string) string
	// EmptyAreas lists every area in the by-area tables, zeros included; otherwise an area
	// with nothing to report in either year is left out.
	EmptyAreas bool
}

// yearOf tells which of the two years (0 this, 1 previous) an instant falls in, or -1.
type yearOf func(time.Time) int

// Build computes the report from cases: those received from the start of the year
// before the previous one (so that a Stage 2 or an Ombudsman referral made in a reported year
// about an older complaint is counted) to the end of the reported year. Each figure is
// counted in the year its event happened: Stage 1 received and compliments and comments by
// the date received, Stage 2 by the date it opened, the Ombudsman by the date of referral and
// of decision, compensation and lessons by the date of the response.
func Build(cases []*feedback.Case, cal *workdays.Calendar, o Options) *AnnualReport {
	this := o.Year
	scope := o.Scope
	if scope == "" {
		scope = "all service areas"
	}
	r := &AnnualReport{Year: this, This: this.Label(), Previous: (this - 1).Label(), Scope: scope,
		Title: "Annual complaints report " + this.Label()}
	r.Tables = newBuilder(cases, cal, o).tables()
	// The year before last, for the charts: the same tables a year earlier.
	o.Year--
	older := newBuilder(cases, cal, o).tables()
	for i := range r.Tables {
		r.Tables[i].Charts = charts(r.Tables[i], older, this)
	}
	r.Summary = summarise(r)
	return r
}

func newBuilder(cases []*feedback.Case, cal *workdays.Calendar, o Options) *reportBuilder {
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
	label := o.Label
	if label == nil {
		label = func(a string) string { return a }
	}
	areas := slices.Clone(o.Areas)
	for _, c := range cases {
		if c.ServiceArea != "" && !slices.Contains(areas, c.ServiceArea) {
			areas = append(areas, c.ServiceArea)
		}
	}
	sort.Slice(areas, func(i, j int) bool { return label(areas[i]) < label(areas[j]) })
	return &reportBuilder{cases: cases, cal: cal, which: which, areas: areas, label: label, emptyAreas: o.EmptyAreas,
		labels: [2]string{this.Label(), prev.Label()}}
}

// tables builds every table, in the order the formats list them.
func (b *reportBuilder) tables() []Table {
	return []Table{
		b.receivedByStage(),
		b.byArea("stage1_by_area", "Stage 1 complaints received by service area", stage1Opened),
		b.outcomes(feedback.Stage1),
		b.byArea("stage2_by_area", "Stage 2 complaints received by service area", stage2Opened),
		b.outcomes(feedback.Stage2),
		b.byArea("ombudsman_by_area", "Ombudsman complaints received by service area", func(c *feedback.Case) time.Time { return c.Ombudsman.ReferredOn }),
		b.decisions(),
		b.compensation(),
		b.lessons(),
		b.acknowledged(),
		b.timeliness(feedback.Stage1),
		b.timeliness(feedback.Stage2),
		b.byChannel(),
		b.complimentsComments(),
	}
}

// charts draws t's trends across the years the data covers: the year before last (from
// older, the same table a year earlier) where it has any figure, last year and this.
func charts(t Table, older []Table, year FinancialYear) []Chart {
	if t.Compare == nil {
		return nil
	}
	var before *Table
	for i := range older {
		if older[i].ID == t.ID {
			before = &older[i]
		}
	}
	var out []Chart
	for _, tr := range t.trends {
		c := Chart{Title: tr.title, Unit: tr.unit}
		hasOldest := false
		for _, r := range t.Rows {
			if tr.rows != nil && !slices.Contains(tr.rows, r.Label) {
				continue
			}
			g := ChartGroup{Label: r.Label, Values: []string{"", r.Cells[t.Compare[0]], r.Cells[t.Compare[1]]}}
			if before != nil {
				for _, br := range before.Rows {
					if br.Label == r.Label {
						g.Values[0] = br.Cells[before.Compare[0]]
						hasOldest = hasOldest || (g.Values[0] != "0" && g.Values[0] != "-" && g.Values[0] != "")
					}
				}
			}
			c.Groups = append(c.Groups, g)
		}
		c.Years = []string{(year - 2).Label(), (year - 1).Label(), year.Label()}
		if !hasOldest {
			c.Years = c.Years[1:]
			for i := range c.Groups {
				c.Groups[i].Values = c.Groups[i].Values[1:]
			}
		}
		if len(c.Groups) > 0 {
			out = append(out, c)
		}
	}
	return out
}

type reportBuilder struct {
	label      func(area string) string
	emptyAreas bool
	// spans memoises workingDays: a year's responses share few pairs of dates, and the
	// calendar's holiday rules are slow to ask.
	spans  map[[2]int64]int
	cases  []*feedback.Case
	cal    *workdays.Calendar
	which  yearOf
	areas  []string
	labels [2]string // this year's and last year's
}

func stage1Opened(c *feedback.Case) time.Time {
	if c.Kind != feedback.KindComplaint {
		return time.Time{}
	}
	if st, ok := c.StageRecordOf(feedback.Stage1); ok && !st.OpenedAt.IsZero() {
		return st.OpenedAt
	}
	return c.ReceivedAt
}

func stage2Opened(c *feedback.Case) time.Time {
	if st, ok := c.StageRecordOf(feedback.Stage2); ok && c.Kind == feedback.KindComplaint {
		return st.OpenedAt
	}
	return time.Time{}
}

func opened(st feedback.Stage) func(*feedback.Case) time.Time {
	if st == feedback.Stage2 {
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

// Annual reads the cases the report needs through the service (never the whole store), and the
// statistical records of those destroyed, and builds the report for year (0: the last complete
// financial year that has any), seen as who may see it: an admin sees every service area, a
// manager only theirs.
func Annual(ctx context.Context, s *feedback.Service, who feedback.StaffMember, year FinancialYear) (*AnnualReport, error) {
	if err := feedback.MayReadReport(who); err != nil {
		return nil, err
	}
	loc := s.Calendar.Location()
	if year == 0 {
		var err error
		if year, err = latestYear(ctx, s, who); err != nil {
			return nil, err
		}
	}
	if year < 2000 || year > LastCompleteYear(s.Clock.Now(), loc)+1 {
		return nil, feedback.Invalid("year", "Choose a financial year from 2000 to this one")
	}
	// Three years before the reported one: the charts' oldest year counts Stage 2 and Ombudsman
	// referrals about complaints received the year before it, as the tables' years do.
	cases, err := reportInputs(ctx, s, who, (year - 3).Start(loc), year.End(loc))
	if err != nil {
		return nil, fmt.Errorf("annual report %d: %w", int(year), err)
	}
	o := Options{Year: year, Areas: s.Routing.AreaNames(), Label: s.Routing.Label, EmptyAreas: s.Council.ReportEmptyAreas}
	if who.Role == feedback.RoleManager {
		o.Areas = slices.Clone(who.Areas)
		names := make([]string, len(who.Areas))
		for i, a := range who.Areas {
			names[i] = s.Routing.Label(a)
		}
		o.Scope = "the service areas " + strings.Join(names, ", ")
		// A manager sees cases assigned to them in other areas too; the tables list those
		// areas as they come, but the scope names the remit.
	}
	r := Build(cases, s.Calendar, o)
	all, ok, err := s.ReportRestrictions(ctx, who)
	if err != nil {
		return nil, fmt.Errorf("annual report %d: restrictions: %w", int(year), err)
	}
	if ok {
		r.Tables = append(r.Tables, restrictionsTable(all, year, loc, s.ReviewMonths()))
	}
	return r, nil
}

// latestYear is the last complete financial year in which who's report has any case received,
// looking back ten years; failing that, the last complete year.
// reportInputs reads the cases received from from to to, and the statistical records of those
// destroyed, as cases: the destroyed count through their records, so that a year's report reads
// the same after its cases have gone. A case is never both: it is destroyed (and its record
// written) only once expired, and an expired case is never listed.
func reportInputs(ctx context.Context, s *feedback.Service, who feedback.StaffMember, from, to time.Time) ([]*feedback.Case, error) {
	cases, err := s.ReportCases(ctx, who, from, to)
	if err != nil {
		return nil, err
	}
	stats, err := s.ReportStatistics(ctx, who, from, to)
	if err != nil {
		return nil, err
	}
	for _, st := range stats {
		cases = append(cases, st.Case())
	}
	return cases, nil
}

func latestYear(ctx context.Context, s *feedback.Service, who feedback.StaffMember) (FinancialYear, error) {
	loc := s.Calendar.Location()
	last := LastCompleteYear(s.Clock.Now(), loc)
	for y := last; y > last-10; y-- {
		cases, err := reportInputs(ctx, s, who, y.Start(loc), y.End(loc))
		if err != nil {
			return 0, fmt.Errorf("annual report: latest year: %w", err)
		}
		if len(cases) > 0 {
			return y, nil
		}
	}
	return last, nil
}

// restrictionsTable counts the restrictions on unreasonably persistent complainants: in force
// at the end of each year, made, lifted, and reviews done and done by their date (Appendix 4:
// reviewed at least every six months). A review's date is worked out as Intake set it: the
// review period after the decision, then after each review.
func restrictionsTable(all []*feedback.Restriction, year FinancialYear, loc *time.Location, months int) Table {
	t := Table{ID: "restrictions", Caption: "Restrictions on unreasonably persistent complainants",
		Columns: []string{"Restrictions", (year - 1).Label(), year.Label()}, Compare: &[2]int{0, 1},
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
			due := feedback.ReviewDate(r.DecidedOn, months)
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
				due = feedback.ReviewDate(e.At.In(loc), months)
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

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

// Options says which year to report and what areas to list.
type Options struct {
	Year FinancialYear
	// Areas are the service areas every by-area table lists, zeros included; areas found on
	// cases are added. Nil: only the areas found.
	Areas []string
	// Scope describes the cases given ("all service areas", or a manager's areas).
	Scope string
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
	return r
}

type reportBuilder struct {
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
// statistical records of those destroyed, and builds the report for year, seen as who may see it: an admin sees every service area, a
// manager only theirs.
func Annual(ctx context.Context, s *feedback.Service, who feedback.StaffMember, year FinancialYear) (*AnnualReport, error) {
	if err := feedback.MayReadReport(who); err != nil {
		return nil, err
	}
	loc := s.Calendar.Location()
	if year < 2000 || year > LastCompleteYear(s.Clock.Now(), loc)+1 {
		return nil, feedback.Invalid("year", "Choose a financial year from 2000 to this one")
	}
	cases, err := s.ReportCases(ctx, who, (year - 2).Start(loc), year.End(loc))
	if err != nil {
		return nil, fmt.Errorf("annual report %d: %w", int(year), err)
	}
	// The destroyed cases count through their statistical records, so that a year's report
	// reads the same after its cases have gone. A case is never both: it is destroyed (and
	// its record written) only once expired, and an expired case is never listed.
	stats, err := s.ReportStatistics(ctx, who, (year - 2).Start(loc), year.End(loc))
	if err != nil {
		return nil, fmt.Errorf("annual report %d: %w", int(year), err)
	}
	for _, st := range stats {
		cases = append(cases, st.Case())
	}
	o := Options{Year: year, Areas: s.Routing.AreaNames()}
	if who.Role == feedback.RoleManager {
		o.Areas = slices.Clone(who.Areas)
		o.Scope = "the service areas " + strings.Join(who.Areas, ", ")
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

// restrictionsTable counts the restrictions on unreasonably persistent complainants: in force
// at the end of each year, made, lifted, and reviews done and done by their date (Appendix 4:
// reviewed at least every six months). A review's date is worked out as Intake set it: the
// review period after the decision, then after each review.
func restrictionsTable(all []*feedback.Restriction, year FinancialYear, loc *time.Location, months int) Table {
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

package report

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/workdays"
)

// The report's tables, one builder method each, in the order Build lists them.

func (b *reportBuilder) count(when func(*feedback.Case) time.Time) [2]int {
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
		Columns: []string{"Stage", b.labels[1], b.labels[0]}, Compare: &[2]int{0, 1},
		Note:   "Stage 2 is counted in the year it began, the Ombudsman in the year of referral.",
		trends: []trend{{title: "Complaints received at each stage, by year", unit: "complaints"}}}
	var total [2]int
	for _, s := range []struct {
		label string
		when  func(*feedback.Case) time.Time
	}{
		{"Stage 1", stage1Opened}, {"Stage 2", stage2Opened},
		{"Ombudsman", func(c *feedback.Case) time.Time { return c.Ombudsman.ReferredOn }},
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
func (b *reportBuilder) byArea(id, caption string, when func(*feedback.Case) time.Time) Table {
	t := Table{ID: id, Caption: caption, Compare: &[2]int{0, 2},
		Columns: []string{"Service area", b.labels[1], "% of total " + b.labels[1], b.labels[0], "% of total " + b.labels[0]}}
	rows, total := b.areaCounts(2, func(c *feedback.Case) int { return b.which(when(c)) })
	for _, r := range rows {
		n := r.n
		t.Rows = append(t.Rows, Row{b.areaName(r.area), []string{itoa(n[1]), Percent(n[1], total[1]), itoa(n[0]), Percent(n[0], total[0])}})
	}
	t.Total = &Row{"Total", []string{itoa(total[1]), Percent(total[1], total[1]), itoa(total[0]), Percent(total[0], total[0])}}
	if total[1] == 0 {
		t.Total.Cells[1] = "0"
	}
	return t
}

// areaRow is one service area's counts in an area table.
type areaRow struct {
	area string
	n    []int
}

// areaCounts counts the cases by service area into width columns, col saying which (or -1 to
// leave a case out): a row for every area listed, zeros included, then one for cases with no
// area if there are any; and the columns' totals.
func (b *reportBuilder) areaCounts(width int, col func(*feedback.Case) int) ([]areaRow, []int) {
	counts := map[string][]int{}
	total := make([]int, width)
	for _, c := range b.cases {
		i := col(c)
		if i < 0 {
			continue
		}
		if counts[c.ServiceArea] == nil {
			counts[c.ServiceArea] = make([]int, width)
		}
		counts[c.ServiceArea][i]++
		total[i]++
	}
	areas := slices.Clone(b.areas)
	if counts[""] != nil {
		areas = append(areas, "")
	}
	var rows []areaRow
	for _, a := range areas {
		if counts[a] == nil && !b.emptyAreas {
			continue // nothing to report, and the council does not list empty areas
		}
		r := areaRow{a, counts[a]}
		if r.n == nil {
			r.n = make([]int, width)
		}
		rows = append(rows, r)
	}
	return rows, total
}

// areaName is a service area's display name.
func (b *reportBuilder) areaName(a string) string {
	if a == "" {
		return "No service area"
	}
	return b.label(a)
}

// outcomeLabels are the outcomes as the report's rows read; outcomeLabel reads one.
var outcomeLabels = map[feedback.Outcome]string{
	feedback.OutcomeUpheld:       "Complaint upheld",
	feedback.OutcomePartlyUpheld: "Complaint partly upheld",
	feedback.OutcomeNotUpheld:    "Complaint not upheld",
	feedback.OutcomeInvalid:      "Complaint invalid",
}

func outcomeLabel(o feedback.Outcome) string {
	if l, ok := outcomeLabels[o]; ok {
		return l
	}
	return "Awaiting a response"
}

func (b *reportBuilder) outcomes(st feedback.Stage) Table {
	name := map[feedback.Stage]string{feedback.Stage1: "Stage 1", feedback.Stage2: "Stage 2"}[st]
	t := Table{ID: string(st) + "_outcomes", Caption: "Outcome of complaints at " + name,
		Columns: []string{"Outcome", "Total " + b.labels[1], "Total " + b.labels[0]}, Compare: &[2]int{0, 1},
		Note:   "Complaints received at " + name + " in the year, by the outcome of their " + name + " response.",
		trends: []trend{{title: "Outcome of complaints at " + name + ", by year", unit: "complaints"}}}
	counts := map[feedback.Outcome]*[2]int{}
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
	for _, o := range []feedback.Outcome{feedback.OutcomeInvalid, feedback.OutcomeUpheld, feedback.OutcomePartlyUpheld, feedback.OutcomeNotUpheld, ""} {
		n := [2]int{}
		if p := counts[o]; p != nil {
			n = *p
		}
		t.Rows = append(t.Rows, Row{outcomeLabel(o), []string{itoa(n[1]), itoa(n[0])}})
	}
	t.Total = &Row{"Total", []string{itoa(total[1]), itoa(total[0])}}
	return t
}

// decisionLabels are the Ombudsman's decisions as the report's rows read; decisionLabel reads one.
var decisionLabels = map[feedback.Decision]string{
	feedback.DecisionNotInvestigated: "Closed after initial enquiries - no further action",
	feedback.DecisionUpheld:          "Upheld",
	feedback.DecisionNotUpheld:       "Not upheld",
	feedback.DecisionSettled:         "Settled",
}

func decisionLabel(d feedback.Decision) string {
	if l, ok := decisionLabels[d]; ok {
		return l
	}
	return string(d)
}

func (b *reportBuilder) decisions() Table {
	t := Table{ID: "ombudsman_decisions", Caption: "Ombudsman decisions by decision and service area, " + b.labels[0],
		Columns: []string{"Decision", "Service area", "Number of decisions"},
		Note:    "Decisions made in the year; only decisions and areas with any are listed."}
	type key struct {
		d    feedback.Decision
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
			return decisionLabel(keys[i].d) < decisionLabel(keys[j].d)
		}
		return b.areaName(keys[i].area) < b.areaName(keys[j].area)
	})
	for _, k := range keys {
		t.Rows = append(t.Rows, Row{decisionLabel(k.d), []string{b.areaName(k.area), itoa(counts[k])}})
	}
	t.Total = &Row{"Total", []string{"", itoa(total)}}
	return t
}

func (b *reportBuilder) compensation() Table {
	t := Table{ID: "compensation", Caption: "Compensation paid (£)",
		Columns: []string{"Stage", b.labels[1], b.labels[0]}, Compare: &[2]int{0, 1},
		Note:   "Counted in the year of the response (of the decision, for the Ombudsman).",
		trends: []trend{{title: "Compensation paid at each stage, by year", unit: "£"}}}
	var rows [3][2]int64
	for _, c := range b.cases {
		for i, st := range []feedback.Stage{feedback.Stage1, feedback.Stage2} {
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
	for i, label := range []string{"Stage 1", "Stage 2", "Ombudsman"} {
		t.Rows = append(t.Rows, Row{label, []string{Pounds(rows[i][1]), Pounds(rows[i][0])}})
		total[0] += rows[i][0]
		total[1] += rows[i][1]
	}
	t.Total = &Row{"Total", []string{Pounds(total[1]), Pounds(total[0])}}
	return t
}

func (b *reportBuilder) lessons() Table {
	t := Table{ID: "lessons", Caption: "Lessons learned by service area, " + b.labels[0],
		Columns: []string{"Service area", "Occasions", "Lessons learned"},
		Note:    "Lessons recorded with a Stage 1 or Stage 2 response made in the year."}
	type lesson struct {
		day  time.Time
		text string
	}
	found := map[string][]lesson{}
	total := 0
	for _, c := range b.cases {
		for _, rec := range c.Stages {
			if l := strings.TrimSpace(rec.Response.Lessons); l != "" && rec.Responded() && b.which(rec.Response.At) == 0 {
				found[c.ServiceArea] = append(found[c.ServiceArea], lesson{b.cal.Date(rec.Response.At), l})
				total++
			}
		}
	}
	// By day of the response, then wording: an order that live cases and the statistical
	// records of destroyed ones share, so that the table reads the same after a purge.
	byArea := map[string][]string{}
	for a, ls := range found {
		slices.SortStableFunc(ls, func(x, y lesson) int {
			if c := x.day.Compare(y.day); c != 0 {
				return c
			}
			return strings.Compare(x.text, y.text)
		})
		for _, l := range ls {
			byArea[a] = append(byArea[a], l.text)
		}
	}
	for _, a := range append(slices.Clone(b.areas), "") {
		if ls := byArea[a]; len(ls) > 0 || (b.emptyAreas && a != "") {
			t.Rows = append(t.Rows, Row{b.areaName(a), []string{itoa(len(ls)), strings.Join(ls, " / ")}})
		}
	}
	t.Total = &Row{"Total", []string{itoa(total), ""}}
	return t
}

func (b *reportBuilder) acknowledged() Table {
	t := Table{ID: "acknowledged", Caption: "Complaints acknowledged within target",
		Columns: []string{"Acknowledgement", b.labels[1], "%", b.labels[0], "%"}, Compare: &[2]int{0, 2},
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

// workingDaysBetween counts the working days after from's date up to and including to's.
func workingDaysBetween(cal *workdays.Calendar, from, to time.Time) int {
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
	n := workingDaysBetween(b.cal, from, to)
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

func (b *reportBuilder) timeliness(st feedback.Stage) Table {
	name := map[feedback.Stage]string{feedback.Stage1: "Stage 1", feedback.Stage2: "Stage 2"}[st]
	t := Table{ID: string(st) + "_timeliness", Caption: name + " responses within timescale",
		Columns: []string{"Response", b.labels[1], "%", b.labels[0], "%"}, Compare: &[2]int{0, 2}, TotalAfter: 3,
		Note: name + " complaints received in the year and responded to. Within an extension: the stage was extended and answered by the extended date.",
		trends: []trend{
			{title: name + " responses by timeliness, by year", unit: "responses", rows: []string{"Within timescale", "Within an extension", "Late"}},
			{title: "Median working days to respond at " + name + ", by year", unit: "working days", rows: []string{"Median working days to respond"}},
		}}
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

// channelLabels are the channels as the report's rows read; channelLabel reads one.
var channelLabels = map[feedback.Channel]string{
	feedback.ChannelWeb:      "Web form",
	feedback.ChannelEmail:    "Email",
	feedback.ChannelSocial:   "Social media",
	feedback.ChannelPhone:    "Phone",
	feedback.ChannelLetter:   "Letter",
	feedback.ChannelInPerson: "In person",
}

func channelLabel(ch feedback.Channel) string {
	if l, ok := channelLabels[ch]; ok {
		return l
	}
	return "Not recorded"
}

func (b *reportBuilder) byChannel() Table {
	t := Table{ID: "complaints_by_channel", Caption: "Complaints received by channel",
		Columns: []string{"Channel", b.labels[1], "% of total " + b.labels[1], b.labels[0], "% of total " + b.labels[0]}, Compare: &[2]int{0, 2}}
	counts := map[feedback.Channel]*[2]int{}
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
	channels := []feedback.Channel{feedback.ChannelWeb, feedback.ChannelEmail, feedback.ChannelSocial, feedback.ChannelPhone, feedback.ChannelLetter, feedback.ChannelInPerson}
	if counts[""] != nil {
		channels = append(channels, "")
	}
	for _, ch := range channels {
		n := [2]int{}
		if p := counts[ch]; p != nil {
			n = *p
		}
		t.Rows = append(t.Rows, Row{channelLabel(ch), []string{itoa(n[1]), Percent(n[1], total[1]), itoa(n[0]), Percent(n[0], total[0])}})
	}
	t.Total = &Row{"Total", []string{itoa(total[1]), Percent(total[1], total[1]), itoa(total[0]), Percent(total[0], total[0])}}
	return t
}

func (b *reportBuilder) complimentsComments() Table {
	t := Table{ID: "compliments_comments", Caption: "Compliments and comments received by service area",
		Columns: []string{"Service area", "Compliments " + b.labels[1], "Comments " + b.labels[1], "Compliments " + b.labels[0], "Comments " + b.labels[0]}}
	rows, total := b.areaCounts(4, func(c *feedback.Case) int {
		y := b.which(c.ReceivedAt)
		if y < 0 || (c.Kind != feedback.KindCompliment && c.Kind != feedback.KindComment) {
			return -1
		}
		col := map[int]int{1: 0, 0: 2}[y]
		if c.Kind == feedback.KindComment {
			col++
		}
		return col
	})
	for _, r := range rows {
		n := r.n
		t.Rows = append(t.Rows, Row{b.areaName(r.area), []string{itoa(n[0]), itoa(n[1]), itoa(n[2]), itoa(n[3])}})
	}
	t.Total = &Row{"Total", []string{itoa(total[0]), itoa(total[1]), itoa(total[2]), itoa(total[3])}}
	return t
}

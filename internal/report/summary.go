package report

import (
	"fmt"
	"strconv"
	"strings"
)

// The report's opening in words, as a committee paper writes it ("Stage 1 complaints rose by
// 4 to 72; 20 were upheld …"), generated from the tables so that the words never disagree
// with the figures.

// figures reads a built report's cells by table, row and column.
type figures struct{ r *AnnualReport }

// cell is the cell of table id's row label (or "Total") at col; "" when there is none.
func (f figures) cell(id, label string, col int) string {
	t, ok := f.r.Table(id)
	if !ok {
		return ""
	}
	rows := t.Rows
	if t.Total != nil {
		rows = append(rows[:len(rows):len(rows)], *t.Total)
	}
	for _, row := range rows {
		if row.Label == label && col < len(row.Cells) {
			return row.Cells[col]
		}
	}
	return ""
}

// count is cell as a whole number (0 when it is not one).
func (f figures) count(id, label string, col int) int {
	n, _ := strconv.Atoi(f.cell(id, label, col))
	return n
}

// change says how a count moved from last year to this: "rose by 4 to 72".
func change(prev, this int) string {
	switch {
	case this > prev && prev == 0:
		return fmt.Sprintf("rose from none to %d", this)
	case this > prev:
		return fmt.Sprintf("rose by %d to %d", this-prev, this)
	case this < prev:
		return fmt.Sprintf("fell by %d to %d", prev-this, this)
	}
	return fmt.Sprintf("stayed at %d", this)
}

// were writes "1 was upheld" or "20 were upheld".
func were(n int, what string) string {
	if n == 1 {
		return "1 was " + what
	}
	return fmt.Sprintf("%d were %s", n, what)
}

// list joins phrases as English does: "a", "a and b", "a, b and c".
func list(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// outcomeWords are the outcome rows as the summary reads them.
var outcomeWords = []struct{ row, words string }{
	{"Complaint upheld", "upheld"}, {"Complaint partly upheld", "partly upheld"},
	{"Complaint not upheld", "not upheld"}, {"Complaint invalid", "found invalid"},
	{"Awaiting a response", "still awaiting a response"},
}

func summarise(r *AnnualReport) []string {
	f := figures{r}
	var out []string
	prev, this := f.count("received_by_stage", "Total", 0), f.count("received_by_stage", "Total", 1)
	out = append(out, fmt.Sprintf("The council received %d complaints in %s at all stages, against %d in %s.", this, r.This, prev, r.Previous))
	for _, st := range []struct{ name, id string }{{"Stage 1", "stage1_outcomes"}, {"Stage 2", "stage2_outcomes"}} {
		s := fmt.Sprintf("%s complaints %s", st.name, change(f.count("received_by_stage", st.name, 0), f.count("received_by_stage", st.name, 1)))
		var parts []string
		for _, o := range outcomeWords {
			if n := f.count(st.id, o.row, 1); n > 0 {
				parts = append(parts, were(n, o.words))
			}
		}
		if len(parts) > 0 {
			s += "; " + list(parts)
		}
		out = append(out, s+".")
	}
	if t, ok := r.Table("stage1_timeliness"); ok && f.count(t.ID, "Total responded", 2) > 0 {
		out = append(out, fmt.Sprintf("%s%% of Stage 1 responses were sent within the timescale and %s%% within an extension; the median response took %s working days.",
			f.cell(t.ID, "Within timescale", 3), f.cell(t.ID, "Within an extension", 3), f.cell(t.ID, "Median working days to respond", 2)))
	}
	referred, decided := f.count("received_by_stage", "Ombudsman", 1), 0
	if t, ok := r.Table("ombudsman_decisions"); ok && t.Total != nil {
		decided, _ = strconv.Atoi(t.Total.Cells[1])
	}
	out = append(out, fmt.Sprintf("Complaints referred to the Ombudsman %s; the Ombudsman decided %d in the year.",
		change(f.count("received_by_stage", "Ombudsman", 0), referred), decided))
	paidBefore, paid := f.cell("compensation", "Total", 0), f.cell("compensation", "Total", 1)
	switch {
	case paid == "0" && paidBefore == "0":
		out = append(out, "No compensation was paid in either year.")
	case paid == "0":
		out = append(out, fmt.Sprintf("No compensation was paid, against £%s in %s.", paidBefore, r.Previous))
	default:
		out = append(out, fmt.Sprintf("Compensation of £%s was paid, against £%s in %s.", paid, paidBefore, r.Previous))
	}
	if n := f.count("lessons", "Total", 0); n > 0 {
		out = append(out, fmt.Sprintf("Lessons were learned from complaints on %d occasions.", n))
	}
	return out
}

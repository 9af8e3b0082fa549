package casesimport

import (
	"fmt"
	"strings"

	"github.com/council/intake/internal/feedback"
)

// Older systems export a complaint that reached Stage 2 as two rows: its Stage 1 row, then,
// further down, a Stage 2 row with the same reference. joinStages reads such a pair as one
// case: the rows must agree wherever both give a value, except that the Stage 2 row's
// stage_reached and closed_date are the case's (it closed after Stage 2). Any other repeat of
// a reference is a problem that says what the file may hold.

// count is how many of the file's rows r stands for.
func (r Row) count() int {
	if r.lines == nil {
		return 1
	}
	return 2
}

// joinStages returns the file's rows with each Stage 2 row joined to its case's Stage 1 row,
// how many rows were refused, and why.
func joinStages(rows []Row, cols map[string]int) ([]Row, int, []Problem) {
	names := make([]string, len(cols))
	for name, i := range cols {
		names[i-1] = name
	}
	field := func(r Row, col string) string {
		if i := cols[col]; i > 0 && i <= len(r.Fields) {
			return strings.TrimSpace(r.Fields[i-1])
		}
		return ""
	}
	stage := func(r Row) feedback.Stage {
		return feedback.Stage(strings.ToLower(strings.ReplaceAll(field(r, "stage_reached"), " ", "")))
	}
	var out []Row
	var ps []Problem
	skipped := 0
	at := map[string]int{} // reference -> index in out
	for _, row := range rows {
		ref := field(row, "reference")
		i, seen := at[ref]
		if !seen || ref == "" || len(row.Fields) != len(cols) {
			at[ref] = len(out)
			out = append(out, row)
			continue
		}
		first := out[i]
		if first.lines != nil || stage(row) != feedback.Stage2 || (stage(first) != feedback.Stage1 && stage(first) != feedback.StageNone) {
			ps = append(ps, Problem{Line: row.Line, Column: "reference", Message: fmt.Sprintf(
				"%s is also on line %d: each case may appear once, or as a Stage 1 row followed by its Stage 2 row.", ref, first.Line)})
			skipped++
			continue
		}
		joined, conflicts := joinRows(ref, first, row, names)
		if len(conflicts) > 0 {
			ps = append(ps, conflicts...)
			skipped += 2
			out[i] = Row{Line: first.Line, Fields: nil, lines: []int{}} // refused: read as nothing
			continue
		}
		out[i] = joined
	}
	kept := out[:0]
	for _, r := range out {
		if r.Fields != nil {
			kept = append(kept, r)
		}
	}
	return kept, skipped, ps
}

// joinRows joins a case's Stage 1 row and Stage 2 row field by field.
func joinRows(ref string, first, second Row, names []string) (Row, []Problem) {
	j := Row{Line: first.Line, Fields: make([]string, len(names)), lines: make([]int, len(names))}
	var ps []Problem
	for i, name := range names {
		a, b := strings.TrimSpace(first.Fields[i]), strings.TrimSpace(second.Fields[i])
		switch {
		case a == "" || (b != "" && (name == "stage_reached" || name == "closed_date")):
			j.Fields[i], j.lines[i] = b, second.Line
		case b == "" || strings.EqualFold(a, b):
			j.Fields[i], j.lines[i] = a, first.Line
		default:
			ps = append(ps, Problem{Line: second.Line, Column: name, Message: fmt.Sprintf(
				"%s's Stage 1 row (line %d) says %q and its Stage 2 row says %q: a case's rows must agree.", ref, first.Line, a, b)})
		}
	}
	return j, ps
}

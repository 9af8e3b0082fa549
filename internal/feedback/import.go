package feedback

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The import of past cases: how a council moves its history over from an earlier system, and
// how last year's column of the annual report gets filled. Every row is checked first and
// every problem named by line and column in plain English; nothing is written unless the whole
// file is good (or the admin asks for the good rows alone); a reference already in the store is
// left as it is, so importing the same file twice adds nothing. Imported cases are cases like
// any other (the report's index serves them), carry their retention end, and have a settled
// side-effect ledger: they send no email and schedule no reminder.

// ImportColumns are the columns an import file may have, in the order docs/api.md documents
// them. The header row names them; their order in the file is free.
var ImportColumns = []string{
	"reference", "kind", "channel", "service_area", "received_date", "acknowledged_date",
	"stage_reached",
	"stage1_outcome", "stage1_response_date", "stage1_extension_days", "stage1_compensation",
	"stage2_opened_date", "stage2_outcome", "stage2_response_date", "stage2_extension_days", "stage2_compensation",
	"ombudsman", "ombudsman_referred_date", "ombudsman_decision", "ombudsman_decided_date", "ombudsman_compensation",
	"lessons_learned", "closed_date",
}

// requiredImportColumns must be in every file's header.
var requiredImportColumns = []string{"reference", "kind", "channel", "received_date"}

// MaxImportRows bounds one file, so that an import is one request's work.
const MaxImportRows = 50000

// ImportFile is a file to import, as read from CSV: its header and its rows. Line numbers are
// the file's own (the header is line 1), so that a problem can be found in a spreadsheet.
type ImportFile struct {
	Header []string
	Rows   []ImportRow
}

// ImportRow is one row of an import file.
type ImportRow struct {
	Line   int
	Fields []string
}

// ImportProblem is one thing wrong with an import file: where, and what, in plain English.
// Line 0 is the file as a whole.
type ImportProblem struct {
	Line    int    `json:"line"`
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
}

func (p ImportProblem) String() string {
	switch {
	case p.Line == 0:
		return p.Message
	case p.Column == "":
		return fmt.Sprintf("Line %d: %s", p.Line, p.Message)
	}
	return fmt.Sprintf("Line %d, column %s: %s", p.Line, p.Column, p.Message)
}

// ImportResult says what an import did.
type ImportResult struct {
	Rows int `json:"rows"`
	// Imported counts the cases written; AlreadyThere the rows whose reference was in the store
	// already (left unchanged); Skipped the bad rows left out when only good rows were asked for.
	Imported     int             `json:"imported"`
	AlreadyThere int             `json:"already_there"`
	Skipped      int             `json:"skipped"`
	Problems     []ImportProblem `json:"problems"`
	// Written is false when problems stopped the import before anything was written.
	Written bool `json:"written"`
}

// ReadImportCSV reads an import file written as CSV (UTF-8, a header row first, commas, fields
// quoted as spreadsheets quote them). A file that is not CSV at all is refused as a whole with
// the line where reading stopped.
func ReadImportCSV(r io.Reader) (ImportFile, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	var f ImportFile
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return ImportFile{}, Errorf(EINVALID, "Line %d of the file cannot be read as CSV: %s.", pe.Line, pe.Err)
			}
			return ImportFile{}, fmt.Errorf("read import file: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if f.Header == nil {
			f.Header = rec
			continue
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(f.Rows) == MaxImportRows {
			return ImportFile{}, Errorf(EINVALID, "The file has more than %d rows; import at most %d at a time.", MaxImportRows, MaxImportRows)
		}
		f.Rows = append(f.Rows, ImportRow{Line: line, Fields: rec})
	}
	if f.Header == nil {
		return ImportFile{}, Errorf(EINVALID, "The file is empty: it needs a header row and a row per case.")
	}
	return f, nil
}

var importRef = lazyRegexp(`^[A-Za-z0-9][A-Za-z0-9/_.-]{0,39}$`)

// Import checks every row of f and, if all are good (or goodRowsOnly), writes them as cases.
// Only admins may import.
func (s *Service) Import(ctx context.Context, who StaffMember, f ImportFile, goodRowsOnly bool) (ImportResult, error) {
	if who.Role != RoleAdmin {
		return ImportResult{}, Errorf(EFORBIDDEN, "Only the complaints team can import past cases.")
	}
	res := ImportResult{Rows: len(f.Rows), Problems: []ImportProblem{}}
	cols, problems := importHeader(f.Header)
	if len(problems) > 0 {
		res.Problems = problems
		return res, nil
	}
	if len(f.Rows) > MaxImportRows {
		res.Problems = append(res.Problems, ImportProblem{Message: fmt.Sprintf("The file has %d rows; import at most %d at a time.", len(f.Rows), MaxImportRows)})
		return res, nil
	}
	now := s.Clock.Now()
	seen := map[string]int{}
	var good []*Case
	for _, row := range f.Rows {
		c, ps := s.importRow(row, cols, now, who)
		if c != nil {
			if first, dup := seen[c.Ref]; dup {
				ps = append(ps, ImportProblem{Line: row.Line, Column: "reference", Message: fmt.Sprintf("%s is also on line %d: each case may appear once.", c.Ref, first)})
			} else {
				seen[c.Ref] = row.Line
			}
		}
		if len(ps) > 0 {
			res.Problems = append(res.Problems, ps...)
			res.Skipped++
			continue
		}
		good = append(good, c)
	}
	if len(res.Problems) > 0 && !goodRowsOnly {
		res.Skipped = 0
		return res, nil
	}
	res.Written = true
	for _, c := range good {
		err := s.Store.Create(ctx, c)
		switch {
		case err == nil:
			res.Imported++
		case ErrorCode(err) == ECONFLICT:
			res.AlreadyThere++
		default:
			return res, fmt.Errorf("import: create case: %w", err)
		}
	}
	s.log().Info("cases imported", "rows", res.Rows, "imported", res.Imported, "already_there", res.AlreadyThere, "skipped", res.Skipped)
	return res, nil
}

func importHeader(header []string) (map[string]int, []ImportProblem) {
	cols := map[string]int{}
	var ps []ImportProblem
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch {
		case !slices.Contains(ImportColumns, name):
			ps = append(ps, ImportProblem{Line: 1, Column: h, Message: fmt.Sprintf("%q is not a column Intake knows. The columns are: %s.", h, strings.Join(ImportColumns, ", "))})
		case cols[name] > 0:
			ps = append(ps, ImportProblem{Line: 1, Column: name, Message: "This column appears twice."})
		}
		cols[name] = i + 1 // 1-based, so that 0 means absent
	}
	for _, name := range requiredImportColumns {
		if cols[name] == 0 {
			ps = append(ps, ImportProblem{Line: 1, Column: name, Message: "The header must have this column."})
		}
	}
	return cols, ps
}

// rowReader reads one row's fields by column name, collecting problems.
type rowReader struct {
	row  ImportRow
	cols map[string]int
	ps   []ImportProblem
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
	r.ps = append(r.ps, ImportProblem{Line: r.row.Line, Column: col, Message: fmt.Sprintf(format, args...)})
}

func (r *rowReader) date(col string, required bool) time.Time {
	v := r.get(col)
	if v == "" {
		if required {
			r.bad(col, "Enter the date, written as YYYY-MM-DD (for example 2019-03-31).")
		}
		return time.Time{}
	}
	t, err := time.ParseInLocation(time.DateOnly, v, r.loc)
	if err != nil {
		r.bad(col, "%q is not a date written as YYYY-MM-DD (for example 2019-03-31).", v)
		return time.Time{}
	}
	return t
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
			err2 = fmt.Errorf("pence")
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

func (r *rowReader) extension(col string, st Stage) int {
	v := r.get(col)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > MaxExtension(st) {
		r.bad(col, "%q is not a number of working days from 0 to %d.", v, MaxExtension(st))
		return 0
	}
	return n
}

func (r *rowReader) outcome(col string) Outcome {
	v := strings.ReplaceAll(strings.ToLower(r.get(col)), " ", "_")
	if v == "" {
		return ""
	}
	switch o := Outcome(v); o {
	case OutcomeUpheld, OutcomePartlyUpheld, OutcomeNotUpheld, OutcomeInvalid:
		return o
	}
	r.bad(col, "%q is not an outcome: write upheld, partly_upheld, not_upheld or invalid.", r.get(col))
	return ""
}

func (s *Service) importRow(row ImportRow, cols map[string]int, now time.Time, who StaffMember) (*Case, []ImportProblem) {
	loc := s.Calendar.Location()
	r := &rowReader{row: row, cols: cols, loc: loc}
	if len(row.Fields) != len(cols) {
		r.bad("", "The row has %d fields but the header has %d columns.", len(row.Fields), len(cols))
		return nil, r.ps
	}
	ref := r.get("reference")
	if !importRef().MatchString(ref) {
		r.bad("reference", "Enter the case's reference: up to 40 letters, digits, '-', '/', '_' or '.'.")
	}
	kind := Kind(strings.ToLower(r.get("kind")))
	if !kind.Valid() {
		r.bad("kind", "%q is not a kind of feedback: write complaint, compliment, comment, service_request or out_of_scope.", r.get("kind"))
	}
	ch := Channel(strings.ToLower(r.get("channel")))
	switch ch {
	case ChannelWeb, ChannelEmail, ChannelSocial, ChannelPhone, ChannelLetter, ChannelInPerson:
	default:
		r.bad("channel", "%q is not a channel: write web, email, social, phone, letter or in_person.", r.get("channel"))
	}
	area := r.get("service_area")
	if names := s.Routing.AreaNames(); area != "" && len(names) > 0 && !slices.Contains(names, area) {
		r.bad("service_area", "%q is not one of the council's service areas (%s).", area, strings.Join(names, ", "))
	}
	received := r.date("received_date", true)
	acked := r.date("acknowledged_date", false)
	today := s.Calendar.Date(now)
	notBefore := func(col string, t, earliest time.Time, what string) {
		switch {
		case t.IsZero():
		case t.After(today):
			r.bad(col, "The date cannot be in the future.")
		case !earliest.IsZero() && t.Before(earliest):
			r.bad(col, "The date is before %s.", what)
		}
	}
	notBefore("received_date", received, time.Time{}, "")
	notBefore("acknowledged_date", acked, received, "the date received")

	reached := Stage(strings.ToLower(strings.ReplaceAll(r.get("stage_reached"), " ", "")))
	switch {
	case reached == "" && kind == KindComplaint:
		reached = Stage1
	case reached == "none":
		reached = StageNone
	}
	switch {
	case reached != StageNone && reached != Stage1 && reached != Stage2:
		r.bad("stage_reached", "%q is not a stage: write stage1 or stage2 (or leave it empty).", r.get("stage_reached"))
	case reached != StageNone && kind != KindComplaint && kind.Valid():
		r.bad("stage_reached", "Only a complaint has stages; this row is a %s.", kind.Label())
	case reached == StageNone && kind == KindComplaint:
		r.bad("stage_reached", "A complaint reaches at least stage1.")
	}

	c := &Case{
		Ref: ref, Kind: kind, Channel: ch, Status: StatusOpen, ServiceArea: area,
		Message:    "Imported from an earlier system.",
		AssignedTo: s.Routing.Owner(area), ReceivedAt: received,
		AcknowledgeBy: s.Calendar.AddWorkingDays(received, s.Policy.AcknowledgeWorkingDays),
		CreatedAt:     now, UpdatedAt: now,
	}
	stageCols := func(st Stage, openedAt time.Time, days int) StageRecord {
		p := string(st) + "_"
		rec := StageRecord{Stage: st, OpenedAt: openedAt, ExtendedBy: r.extension(p+"extension_days", st)}
		if !openedAt.IsZero() {
			rec.RespondBy = s.Calendar.AddWorkingDays(openedAt, days+rec.ExtendedBy)
		}
		out, at := r.outcome(p+"outcome"), r.date(p+"response_date", false)
		notBefore(p+"response_date", at, openedAt, "the stage began")
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
			rec.Response = Response{Outcome: out, CompensationPence: pence, At: at, By: who.Email, Summary: "Imported from an earlier system."}
		}
		return rec
	}
	if kind == KindComplaint && (reached == Stage1 || reached == Stage2) {
		st1 := stageCols(Stage1, received, s.Policy.Stage1WorkingDays)
		c.Stages = append(c.Stages, st1)
		c.Stage = Stage1
		if reached == Stage2 {
			opened2 := r.date("stage2_opened_date", true)
			notBefore("stage2_opened_date", opened2, st1.Response.At, "the Stage 1 response")
			if !st1.Responded() && r.get("stage1_response_date") == "" {
				r.bad("stage1_response_date", "A complaint that reached stage2 had a Stage 1 response: give its date.")
			}
			c.Stages = append(c.Stages, stageCols(Stage2, opened2, s.Policy.Stage2WorkingDays))
			c.Stage = Stage2
		}
		c.RespondBy = c.Stages[len(c.Stages)-1].RespondBy
	}
	for _, col := range []string{"stage1_outcome", "stage1_response_date", "stage1_extension_days", "stage1_compensation"} {
		if r.get(col) != "" && len(c.Stages) == 0 {
			r.bad(col, "Only a complaint that reached stage1 can have this.")
		}
	}
	for _, col := range []string{"stage2_opened_date", "stage2_outcome", "stage2_response_date", "stage2_extension_days", "stage2_compensation"} {
		if r.get(col) != "" && len(c.Stages) < 2 {
			r.bad(col, "Only a complaint that reached stage2 can have this: set stage_reached to stage2.")
		}
	}

	if which := Ombudsman(strings.ToLower(r.get("ombudsman"))); which != "" {
		if which != OmbudsmanLGSCO && which != OmbudsmanHousing {
			r.bad("ombudsman", "%q is not an Ombudsman: write lgsco or housing (or leave it empty).", r.get("ombudsman"))
		}
		if kind != KindComplaint {
			r.bad("ombudsman", "Only a complaint goes to the Ombudsman.")
		}
		c.Ombudsman = OmbudsmanRecord{Which: which, ReferredOn: r.date("ombudsman_referred_date", true)}
		notBefore("ombudsman_referred_date", c.Ombudsman.ReferredOn, received, "the date received")
		if d := Decision(strings.ToLower(r.get("ombudsman_decision"))); d != "" {
			switch d {
			case DecisionUpheld, DecisionNotUpheld, DecisionNotInvestigated, DecisionSettled:
			default:
				r.bad("ombudsman_decision", "%q is not a decision: write upheld, not_upheld, not_investigated or settled.", r.get("ombudsman_decision"))
			}
			c.Ombudsman.Decision = d
			c.Ombudsman.DecidedOn = r.date("ombudsman_decided_date", true)
			notBefore("ombudsman_decided_date", c.Ombudsman.DecidedOn, c.Ombudsman.ReferredOn, "the referral")
			c.Ombudsman.CompensationPence = r.pence("ombudsman_compensation")
		} else {
			for _, col := range []string{"ombudsman_decided_date", "ombudsman_compensation"} {
				if r.get(col) != "" {
					r.bad(col, "Give the Ombudsman's decision as well.")
				}
			}
		}
	} else {
		for _, col := range []string{"ombudsman_referred_date", "ombudsman_decision", "ombudsman_decided_date", "ombudsman_compensation"} {
			if r.get(col) != "" {
				r.bad(col, "Name the Ombudsman (lgsco or housing) in the ombudsman column as well.")
			}
		}
	}

	if lessons := r.get("lessons_learned"); lessons != "" {
		last := -1
		for i, st := range c.Stages {
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
			c.Stages[last].Response.Lessons = lessons
		}
	}

	if closed := r.date("closed_date", false); !closed.IsZero() {
		latest := received
		for _, st := range c.Stages {
			if st.Response.At.After(latest) {
				latest = st.Response.At
			}
		}
		notBefore("closed_date", closed, latest, "the last response")
		c.Status, c.ClosedAt, c.RespondBy = StatusClosed, closed, time.Time{}
		c.ExpiresAt = s.Policy.RetentionEnd(c, closed, c.Ombudsman.Which != "")
		if !c.ExpiresAt.After(now) {
			r.bad("closed_date", "This case's retention period ended on %s, so it must not be kept: it is not imported.", c.ExpiresAt.Format("2 January 2006"))
		}
	}

	// Settled effects: an imported case sends no email and schedules no reminder.
	c.Effects = Effects{
		EffectAcknowledgement: {State: EffectSkipped, At: now, Reason: "imported from an earlier system"},
		EffectAssignment:      {State: EffectSkipped, At: now, Reason: "imported from an earlier system"},
		EffectSchedules:       {State: EffectSkipped, At: now, Reason: "imported from an earlier system"},
	}
	if !acked.IsZero() {
		c.Effects[EffectAcknowledgement] = Effect{State: EffectDone, At: acked, Reason: "imported from an earlier system"}
	}
	if c.Status == StatusOpen && len(r.ps) == 0 {
		// The daily sweep would otherwise send an open imported complaint's missed reminders.
		for _, rem := range s.Reminders(c) {
			c.Effects[ReminderEffect(rem.Name)] = Effect{State: EffectSkipped, At: now, Reason: "imported from an earlier system"}
		}
	}
	c.Record(now, who.Email, "imported", "Imported from an earlier system (line "+strconv.Itoa(row.Line)+" of the file).", "")
	if len(r.ps) > 0 {
		return c, r.ps
	}
	return c, nil
}

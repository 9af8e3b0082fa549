// Package casesimport reads past cases from a CSV file an earlier system wrote and stores them
// through the domain: how a council moves its history over, and how last year's column of the
// annual report gets filled.
package casesimport

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/council/intake/internal/feedback"
)

// Every row is checked first and
// every problem named by line and column in plain English; nothing is written unless the whole
// file is good (or the admin asks for the good rows alone); a reference already in the store is
// left as it is, so importing the same file twice adds nothing. Imported cases are cases like
// any other (the report's index serves them), carry their retention end, and have a settled
// side-effect ledger: they send no email and schedule no reminder. A row already past its
// retention end keeps only its anonymous statistical record (feedback.Service.StoreImported).

// Columns are the columns an import file may have, in the order docs/api.md documents
// them. The header row names them; their order in the file is free.
var Columns = []string{
	"reference", "kind", "channel", "service_area", "received_date", "acknowledged_date",
	"stage_reached",
	"stage1_outcome", "stage1_response_date", "stage1_extension_days", "stage1_compensation",
	"stage2_opened_date", "stage2_outcome", "stage2_response_date", "stage2_extension_days", "stage2_compensation",
	"ombudsman", "ombudsman_referred_date", "ombudsman_decision", "ombudsman_decided_date", "ombudsman_compensation",
	"lessons_learned", "closed_date",
}

// requiredColumns must be in every file's header.
var requiredColumns = []string{"reference", "kind", "channel", "received_date"}

// MaxRows bounds one file: 50,000 rows fit the importer function's limits (docs/performance.md).
const MaxRows = 50000

// File is a file to import, as read from CSV: its header and its rows. Line numbers are
// the file's own (the header is line 1), so that a problem can be found in a spreadsheet.
type File struct {
	Header []string
	Rows   []Row
}

// Row is one row of an import file.
type Row struct {
	Line   int
	Fields []string
	// lines are the file's lines of each field when the row joins a case's Stage 1 and Stage 2
	// rows (nil: every field is on Line).
	lines []int
}

// lineOf is the line field i (0-based) came from.
func (r Row) lineOf(i int) int {
	if i >= 0 && i < len(r.lines) {
		return r.lines[i]
	}
	return r.Line
}

// Problem is one thing wrong with an import file: where, and what, in plain English.
// Line 0 is the file as a whole.
type Problem = feedback.ImportProblem

// Result says what an import did.
type Result struct {
	Rows int `json:"rows"`
	// Imported counts the cases written; StatisticsOnly the rows past their retention end, of
	// which only the anonymous statistical record was kept (the annual report counts them);
	// AlreadyThere the rows whose reference was in the store or the destruction log already
	// (left unchanged); Refused the rows with problems; Skipped the bad rows left out when only
	// good rows were asked for.
	Imported       int       `json:"imported"`
	StatisticsOnly int       `json:"statistics_only"`
	AlreadyThere   int       `json:"already_there"`
	Refused        int       `json:"refused"`
	Skipped        int       `json:"skipped"`
	Problems       []Problem `json:"problems"`
	// Written is false when problems stopped the import before anything was written.
	Written bool `json:"written"`
}

var refPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9/_.-]{0,39}$`)

// Options are how an import runs.
type Options struct {
	// GoodRowsOnly imports the good rows of a file that has problems.
	GoodRowsOnly bool
	// Workers is how many chunks of cases are written at once: 1 if not set. Each write is a
	// round trip to the store, so in AWS several at once are what makes 50,000 rows take
	// minutes rather than a quarter of an hour.
	Workers int
	// ChunkSize is how many cases one write hands to the service: DefaultChunkSize if not set.
	ChunkSize int
	// Progress, when set, is told the result so far once the file is checked and after each
	// chunk is written; calls do not overlap.
	Progress func(Result)
}

// DefaultChunkSize is how many cases one write hands to the service, and so how often the
// progress is told: 50,000 rows make 200 chunks.
const DefaultChunkSize = 250

// Import checks every row of f and, if all are good (or goodRowsOnly), stores them as cases
// through the service. Only admins may import.
func Import(ctx context.Context, s *feedback.Service, who feedback.StaffMember, f File, goodRowsOnly bool) (Result, error) {
	return ImportWith(ctx, s, who, f, Options{GoodRowsOnly: goodRowsOnly})
}

// ImportWith is Import, run as o says.
func ImportWith(ctx context.Context, s *feedback.Service, who feedback.StaffMember, f File, o Options) (Result, error) {
	if err := feedback.MayImport(who); err != nil {
		return Result{}, err
	}
	res, good := check(s, who, f, o.GoodRowsOnly)
	if !res.Written {
		return res, nil
	}
	if o.Progress != nil {
		o.Progress(res)
	}
	if o.ChunkSize <= 0 {
		o.ChunkSize = DefaultChunkSize
	}
	err := store(ctx, s, who, good, max(o.Workers, 1), o.ChunkSize, func(n feedback.ImportCounts) {
		res.Imported, res.StatisticsOnly, res.AlreadyThere = n.Imported, n.StatisticsOnly, n.AlreadyThere
		if o.Progress != nil {
			o.Progress(res)
		}
	})
	if err != nil {
		return res, fmt.Errorf("import: %w", err)
	}
	return res, nil
}

// check reads every row of f into a case; Written says whether they are to be stored.
func check(s *feedback.Service, who feedback.StaffMember, f File, goodRowsOnly bool) (Result, []*feedback.Case) {
	res := Result{Rows: len(f.Rows), Problems: []Problem{}}
	cols, problems := importHeader(f.Header)
	if len(problems) > 0 {
		res.Problems = problems
		return res, nil
	}
	if len(f.Rows) > MaxRows {
		res.Problems = append(res.Problems, Problem{Message: fmt.Sprintf("The file has %d rows; import at most %d at a time.", len(f.Rows), MaxRows)})
		return res, nil
	}
	now := s.Clock.Now()
	rows, skipped, ps := joinStages(f.Rows, cols)
	res.Problems, res.Skipped, res.Refused = append(res.Problems, ps...), skipped, skipped
	var good []*feedback.Case
	for _, row := range rows {
		c, ps := readRow(s, row, cols, now, who)
		if len(ps) > 0 {
			res.Problems = append(res.Problems, ps...)
			res.Skipped += row.count()
			res.Refused += row.count()
			continue
		}
		good = append(good, c)
	}
	sort.SliceStable(res.Problems, func(i, j int) bool { return res.Problems[i].Line < res.Problems[j].Line })
	if len(res.Problems) > 0 && !goodRowsOnly {
		res.Skipped = 0
		return res, nil
	}
	res.Written = true
	return res, good
}

// store writes the cases a chunk at a time, workers chunks at once, telling progress the
// counts so far after each chunk. The first error stops the chunks not yet begun; what was
// written stays (importing the file again leaves it as it is and writes the rest).
func store(ctx context.Context, s *feedback.Service, who feedback.StaffMember, cases []*feedback.Case, workers, chunkSize int, progress func(feedback.ImportCounts)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks := make(chan []*feedback.Case)
	var (
		mu    sync.Mutex
		total feedback.ImportCounts
		first error
		wg    sync.WaitGroup
	)
	for range workers {
		wg.Go(func() {
			for chunk := range chunks {
				n, err := s.StoreImported(ctx, who, chunk)
				mu.Lock()
				total.Imported, total.StatisticsOnly, total.AlreadyThere = total.Imported+n.Imported, total.StatisticsOnly+n.StatisticsOnly, total.AlreadyThere+n.AlreadyThere
				if err != nil && first == nil {
					first = err
					cancel()
				}
				progress(total)
				mu.Unlock()
			}
		})
	}
feed:
	for i := 0; i < len(cases); i += chunkSize {
		select {
		case chunks <- cases[i:min(i+chunkSize, len(cases))]:
		case <-ctx.Done():
			break feed
		}
	}
	close(chunks)
	wg.Wait()
	return first
}

func importHeader(header []string) (map[string]int, []Problem) {
	cols := map[string]int{}
	var ps []Problem
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch {
		case !slices.Contains(Columns, name):
			ps = append(ps, Problem{Line: 1, Column: h, Message: fmt.Sprintf("%q is not a column Intake knows. The columns are: %s.", h, strings.Join(Columns, ", "))})
		case cols[name] > 0:
			ps = append(ps, Problem{Line: 1, Column: name, Message: "This column appears twice."})
		}
		cols[name] = i + 1 // 1-based, so that 0 means absent
	}
	for _, name := range requiredColumns {
		if cols[name] == 0 {
			ps = append(ps, Problem{Line: 1, Column: name, Message: "The header must have this column."})
		}
	}
	return cols, ps
}

package casesimport

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"

	"github.com/council/intake/internal/feedback"
)

// Imports in the background (feedback.ImportJob): Start makes the job when an admin asks to
// import; the file is then uploaded to its key (in AWS straight to S3 from the browser, locally
// to the runner); Run imports it, recording progress on the job, which the import page shows.

// MaxFileBytes caps an import file: 50,000 rows of a few hundred bytes.
const MaxFileBytes = 20 << 20

// Start makes an import job for who, waiting for its file.
func Start(ctx context.Context, s *feedback.Service, jobs feedback.ImportJobStore, who feedback.StaffMember, encoding string, goodRowsOnly bool) (*feedback.ImportJob, error) {
	switch encoding {
	case "", "utf-8", "windows-1252":
	default:
		return nil, feedback.Invalid("encoding", "The file must be saved as CSV UTF-8 or CSV in Windows-1252")
	}
	j, err := feedback.NewImportJob(who, s.Clock.Now(), encoding, goodRowsOnly)
	if err != nil {
		return nil, err
	}
	if err := jobs.PutImportJob(ctx, j, ""); err != nil {
		return nil, fmt.Errorf("start import: %w", err)
	}
	return j, nil
}

// Runner imports uploaded files in the background.
type Runner struct {
	Service *feedback.Service
	Jobs    feedback.ImportJobStore
	// Files holds the uploaded files (feedback.ImportFileKey); each is deleted once imported.
	Files feedback.Blobs
	// Bucket, when set, is the only bucket HandleS3 takes events from.
	Bucket string
	// Workers and ChunkSize are Options'.
	Workers, ChunkSize int
	Log                *slog.Logger
}

// DefaultWorkers is how many chunks the importer function writes at once: eight round trips
// to DynamoDB in flight keep 50,000 rows well inside its 15 minutes (docs/performance.md)
// without approaching a new on-demand table's 4,000 write units a second.
const DefaultWorkers = 8

// Run imports the file of job id, once: a job that is not waiting for its file (a repeated
// event, or one whose run began elsewhere) is left alone. What goes wrong with the file is
// recorded on the job in plain English; an error is returned only when the job itself could
// not be recorded.
func (r *Runner) Run(ctx context.Context, id string) error {
	j, err := r.Jobs.GetImportJob(ctx, id)
	switch {
	case feedback.ErrorCode(err) == feedback.ENOTFOUND:
		r.log().WarnContext(ctx, "import file with no job", "job", id)
		return nil
	case err != nil:
		return fmt.Errorf("import %s: %w", id, err)
	case j.State != feedback.ImportWaiting:
		r.log().InfoContext(ctx, "import already begun", "job", id, "state", j.State)
		return nil
	}
	j.State, j.UpdatedAt = feedback.ImportRunning, r.Service.Clock.Now()
	if err := r.Jobs.PutImportJob(ctx, j, feedback.ImportWaiting); feedback.ErrorCode(err) == feedback.ECONFLICT {
		return nil
	} else if err != nil {
		return fmt.Errorf("import %s: begin: %w", id, err)
	}
	r.run(ctx, j)
	j.UpdatedAt = r.Service.Clock.Now()
	if err := r.Jobs.PutImportJob(ctx, j, feedback.ImportRunning); err != nil {
		return fmt.Errorf("import %s: finish: %w", id, err)
	}
	if err := r.Files.Delete(ctx, j.File); err != nil {
		r.log().WarnContext(ctx, "imported file not deleted", "job", id, "err", err)
	}
	r.log().InfoContext(ctx, "import finished", "job", id, "state", j.State, "rows", j.Rows, "imported", j.Imported,
		"statistics_only", j.StatisticsOnly, "already_there", j.AlreadyThere, "refused", j.Refused)
	return nil
}

// run reads and imports j's file, leaving j done or failed.
func (r *Runner) run(ctx context.Context, j *feedback.ImportJob) {
	fail := func(msg string) { j.State, j.Failure = feedback.ImportFailed, msg }
	who, ok := r.Service.Staff.Lookup(j.By)
	if !ok || feedback.MayImport(who) != nil {
		fail(j.By + " is no longer in the complaints team, so the import was not made.")
		return
	}
	body, err := r.Files.Get(ctx, j.File)
	switch {
	case feedback.ErrorCode(err) == feedback.ENOTFOUND:
		fail("The file was not found. Upload it again.")
		return
	case err != nil:
		r.log().ErrorContext(ctx, "import file unreadable", "job", j.ID, "err", err)
		fail("The file could not be read (an internal error). Upload it again.")
		return
	case len(body) > MaxFileBytes:
		fail(fmt.Sprintf("The file is larger than %d MB: split it.", MaxFileBytes>>20))
		return
	}
	f, err := ReadEncodedCSV(bytes.NewReader(body), j.Encoding)
	if err != nil {
		fail(feedback.ErrorMessage(err))
		return
	}
	res, err := ImportWith(ctx, r.Service, who, f, Options{GoodRowsOnly: j.GoodRowsOnly, Workers: r.Workers, ChunkSize: r.ChunkSize, Progress: func(res Result) {
		record(j, res)
		j.UpdatedAt = r.Service.Clock.Now()
		if err := r.Jobs.PutImportJob(ctx, j, feedback.ImportRunning); err != nil {
			r.log().WarnContext(ctx, "import progress not recorded", "job", j.ID, "err", err)
		}
	}})
	record(j, res)
	j.State = feedback.ImportDone
	if err != nil {
		r.log().ErrorContext(ctx, "import stopped", "job", j.ID, "err", err)
		fail(fmt.Sprintf("The import stopped after %d rows because of an internal error. The rows written stay; upload the file again to finish: rows already here are left as they are.", j.Done))
	}
}

// record copies what the import has done so far onto the job.
func record(j *feedback.ImportJob, res Result) {
	j.Rows, j.Imported, j.StatisticsOnly, j.AlreadyThere = res.Rows, res.Imported, res.StatisticsOnly, res.AlreadyThere
	j.Refused, j.Skipped, j.Written = res.Refused, res.Skipped, res.Written
	j.Done = res.Imported + res.StatisticsOnly + res.AlreadyThere
	j.ProblemCount = len(res.Problems)
	j.Problems = res.Problems[:min(len(res.Problems), feedback.MaxImportProblems)]
}

func (r *Runner) log() *slog.Logger {
	if r.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Log
}

package feedback

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
)

// Imports in the background: in AWS the console uploads the file to S3 and a function imports
// it, so that no import depends on one 30-second request; locally the runner does the same in a
// goroutine. The import page shows the job's record as it goes. Reading and checking the file is
// internal/casesimport's; this is the record and the port it is kept through.

// ImportJob is one import of a file in the background, and how far it has got.
type ImportJob struct {
	ID string `json:"id"`
	// By is the member of the complaints team who started it: the import runs as them.
	By string `json:"by"`
	// File is the blob key the file is uploaded to (ImportFileKey).
	File         string `json:"file"`
	Encoding     string `json:"encoding,omitempty"`
	GoodRowsOnly bool   `json:"good_rows_only,omitempty"`

	State ImportState `json:"state"`
	// Rows is the file's rows, once read; Done the rows written so far.
	Rows int `json:"rows"`
	Done int `json:"done"`
	// The outcome, as casesimport.Result counts it.
	Imported       int  `json:"imported"`
	StatisticsOnly int  `json:"statistics_only"`
	AlreadyThere   int  `json:"already_there"`
	Refused        int  `json:"refused"`
	Skipped        int  `json:"skipped"`
	Written        bool `json:"written"`
	// Problems are the file's first MaxImportProblems problems; ProblemCount all of them.
	Problems     []ImportProblem `json:"problems,omitempty"`
	ProblemCount int             `json:"problem_count"`
	// Failure says, in plain English, why the import stopped, when it failed.
	Failure string `json:"failure,omitempty"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// ExpiresAt is when the record goes: ImportJobDays after it was started.
	ExpiresAt time.Time `json:"expires_at"`
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

// ImportState is where an import job is.
type ImportState string

// The states of an import job, in order.
const (
	ImportWaiting ImportState = "waiting" // for its file
	ImportRunning ImportState = "running"
	ImportDone    ImportState = "done"
	ImportFailed  ImportState = "failed"
)

// Label is the state in words.
func (s ImportState) Label() string {
	switch s {
	case ImportWaiting:
		return "Waiting for the file"
	case ImportRunning:
		return "Importing"
	case ImportDone:
		return "Finished"
	case ImportFailed:
		return "Stopped"
	}
	return string(s)
}

// Finished reports whether the job will change no more.
func (j *ImportJob) Finished() bool { return j.State == ImportDone || j.State == ImportFailed }

// MaxImportProblems is how many of a file's problems a job keeps: enough to correct a file by,
// and few enough that the record stays well inside a DynamoDB item's 400 KB.
const MaxImportProblems = 200

// ImportJobDays is how long an import job's record is kept.
const ImportJobDays = 30

// ImportJobStore keeps import jobs. Implementations: internal/boltstore and internal/dynamo,
// both held to storetest.RunImportJobs.
type ImportJobStore interface {
	// PutImportJob writes j if the stored job is in state from: "" for a job not yet stored.
	// Otherwise it writes nothing and returns ECONFLICT, so that two runs of one job (an
	// event delivered twice) cannot both start it.
	PutImportJob(ctx context.Context, j *ImportJob, from ImportState) error
	// GetImportJob returns the job, or ENOTFOUND.
	GetImportJob(ctx context.Context, id string) (*ImportJob, error)
}

// NewImportJob returns a job for who to import a file, waiting for the file: its id is random
// (128 bits), so that the upload and progress addresses cannot be guessed.
func NewImportJob(who StaffMember, now time.Time, encoding string, goodRowsOnly bool) (*ImportJob, error) {
	if err := MayImport(who); err != nil {
		return nil, err
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("import job id: %w", err)
	}
	id := hex.EncodeToString(b[:])
	return &ImportJob{ID: id, By: who.Email, File: ImportFileKey(id), Encoding: encoding, GoodRowsOnly: goodRowsOnly,
		State: ImportWaiting, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.AddDate(0, 0, ImportJobDays)}, nil
}

// ImportFilePrefix starts the blob key of every uploaded import file.
const ImportFilePrefix = "imports/"

// ImportFileKey is the blob key the file of job id is uploaded to.
func ImportFileKey(id string) string { return ImportFilePrefix + id + ".csv" }

// ImportJobOfFile returns the id of the job whose file key is key, if it is one.
func ImportJobOfFile(key string) (string, bool) {
	const suffix = ".csv"
	if len(key) != len(ImportFilePrefix)+32+len(suffix) || key[:len(ImportFilePrefix)] != ImportFilePrefix || key[len(key)-len(suffix):] != suffix {
		return "", false
	}
	id := key[len(ImportFilePrefix) : len(key)-len(suffix)]
	if _, err := hex.DecodeString(id); err != nil {
		return "", false
	}
	return id, true
}

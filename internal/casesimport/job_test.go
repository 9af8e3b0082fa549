package casesimport_test

import (
	"context"
	"strings"
	"testing"

	"github.com/council/intake/internal/casesimport"
	"github.com/council/intake/internal/feedback"
)

// TestRunner_Run: an import in the background imports its file once, records its progress and
// outcome on the job for the import page, and deletes the file; what is wrong with a file is
// recorded on the job in plain English; only the complaints team may start one.
func TestRunner_Run(t *testing.T) {
	ctx := context.Background()
	good := sevenoaksCSV(t)
	tests := []struct {
		name     string
		file     []byte // nil: none uploaded
		encoding string
		want     feedback.ImportState
		check    func(t *testing.T, j *feedback.ImportJob)
	}{
		{"a good file", []byte(good), "", feedback.ImportDone, func(t *testing.T, j *feedback.ImportJob) {
			rows := strings.Count(strings.TrimSpace(good), "\n")
			if !j.Written || j.Rows != rows || j.Done != rows || j.Imported+j.StatisticsOnly != rows || j.ProblemCount != 0 {
				t.Errorf("job = %+v; want all %d rows written", j, rows)
			}
		}},
		{"a file with a bad row", []byte(strings.Replace(good, "2017-04-03", "3rd April 2017", 1)), "", feedback.ImportDone, func(t *testing.T, j *feedback.ImportJob) {
			if j.Written || j.Done != 0 || j.ProblemCount != 1 || j.Problems[0].Column != "received_date" {
				t.Errorf("job = %+v; want one problem, nothing written", j)
			}
		}},
		{"a file that is not UTF-8", []byte("reference,kind,channel,received_date\nA1,compliment,web,2019-01-02\nA2,compliment,web,2019-01-0\xe9\n"), "", feedback.ImportFailed, func(t *testing.T, j *feedback.ImportJob) {
			if !strings.Contains(j.Failure, "CSV UTF-8") {
				t.Errorf("failure %q; want it to say to save the file as CSV UTF-8", j.Failure)
			}
		}},
		{"no file", nil, "", feedback.ImportFailed, func(t *testing.T, j *feedback.ImportJob) {
			if j.Failure != "The file was not found. Upload it again." {
				t.Errorf("failure %q", j.Failure)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := sevenoaksFixture(t)
			j, err := casesimport.Start(ctx, f.svc, f.store, ana, tt.encoding, false)
			if err != nil {
				t.Fatal(err)
			}
			if tt.file != nil {
				if err := f.blobs.Put(ctx, j.File, tt.file, "text/csv"); err != nil {
					t.Fatal(err)
				}
			}
			var progress []int
			r := &casesimport.Runner{Service: f.svc, Jobs: progressJobs{f.store, &progress}, Files: f.blobs, Workers: 4, ChunkSize: 40}
			for range 2 { // a repeated event does nothing more
				if err := r.Run(ctx, j.ID); err != nil {
					t.Fatal(err)
				}
			}
			got, err := f.store.GetImportJob(ctx, j.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.State != tt.want {
				t.Fatalf("state %s (%s); want %s", got.State, got.Failure, tt.want)
			}
			tt.check(t, got)
			if _, err := f.blobs.Get(ctx, j.File); feedback.ErrorCode(err) != feedback.ENOTFOUND {
				t.Errorf("the file is still there after the import: %v", err)
			}
			if tt.name == "a good file" && (len(progress) != 5 || progress[len(progress)-1] != got.Done) {
				t.Errorf("progress recorded %v; want the checked file, then four chunks of 40, ending at %d", progress, got.Done)
			}
		})
	}
	t.Run("only the complaints team starts one", func(t *testing.T) {
		f := sevenoaksFixture(t)
		if _, err := casesimport.Start(ctx, f.svc, f.store, bo, "", false); feedback.ErrorCode(err) != feedback.EFORBIDDEN {
			t.Errorf("a manager started an import: %v", err)
		}
		if _, err := casesimport.Start(ctx, f.svc, f.store, ana, "latin-9", false); feedback.ErrorCode(err) != feedback.EINVALID {
			t.Errorf("an unknown encoding: %v", err)
		}
	})
}

// progressJobs records the rows done at each write of a running job.
type progressJobs struct {
	feedback.ImportJobStore
	done *[]int
}

func (p progressJobs) PutImportJob(ctx context.Context, j *feedback.ImportJob, from feedback.ImportState) error {
	if from == feedback.ImportRunning && j.State == feedback.ImportRunning {
		*p.done = append(*p.done, j.Done)
	}
	return p.ImportJobStore.PutImportJob(ctx, j, from)
}

package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/feedback"
)

// NewImportJobStore returns a fresh, empty import job store that reads time from clk.
type NewImportJobStore func(t *testing.T, clk feedback.Clock) feedback.ImportJobStore

// RunImportJobs runs the conformance suite for feedback.ImportJobStore.
func RunImportJobs(t *testing.T, newStore NewImportJobStore) {
	for _, tt := range []struct {
		name string
		test func(t *testing.T, s feedback.ImportJobStore, clk *clock.Fixed)
	}{
		{"Put_Get", testImportJobPutGet},
		{"Put_FromState", testImportJobFromState},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clk := clock.NewFixed(Start)
			tt.test(t, newStore(t, clk), clk)
		})
	}
}

var importAdmin = feedback.StaffMember{Email: "complaints@council.example", Role: feedback.RoleAdmin}

func testImportJobPutGet(t *testing.T, s feedback.ImportJobStore, clk *clock.Fixed) {
	ctx := context.Background()
	j, err := feedback.NewImportJob(importAdmin, Start, "windows-1252", true)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutImportJob(ctx, j, ""); err != nil {
		t.Fatalf("PutImportJob (new): %v", err)
	}
	got, err := s.GetImportJob(ctx, j.ID)
	if err != nil {
		t.Fatalf("GetImportJob: %v", err)
	}
	if diff := cmp.Diff(j, got, cmpopts.EquateApproxTime(time.Millisecond)); diff != "" {
		t.Errorf("GetImportJob (-want +got):\n%s", diff)
	}
	// Finished, with its counts and problems.
	done := *got
	done.State, done.Rows, done.Done, done.Imported, done.StatisticsOnly, done.AlreadyThere = feedback.ImportDone, 5, 4, 2, 1, 1
	done.Refused, done.Skipped, done.Written, done.ProblemCount = 1, 1, true, 1
	done.Problems = []feedback.ImportProblem{{Line: 3, Column: "kind", Message: "Say what kind of feedback this is: \"grievance\" is not one."}}
	done.UpdatedAt = Start.Add(time.Minute)
	if err := s.PutImportJob(ctx, &done, feedback.ImportWaiting); err != nil {
		t.Fatalf("PutImportJob (done): %v", err)
	}
	got, _ = s.GetImportJob(ctx, j.ID)
	if diff := cmp.Diff(&done, got, cmpopts.EquateApproxTime(time.Millisecond)); diff != "" {
		t.Errorf("GetImportJob after finishing (-want +got):\n%s", diff)
	}
	if _, err := s.GetImportJob(ctx, "0123456789abcdef0123456789abcdef"); code(err) != feedback.ENOTFOUND {
		t.Errorf("GetImportJob of an unknown id: %v; want ENOTFOUND", err)
	}
}

func testImportJobFromState(t *testing.T, s feedback.ImportJobStore, clk *clock.Fixed) {
	ctx := context.Background()
	j, _ := feedback.NewImportJob(importAdmin, Start, "", false)
	if err := s.PutImportJob(ctx, j, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.PutImportJob(ctx, j, ""); code(err) != feedback.ECONFLICT {
		t.Errorf("PutImportJob of a stored job as new: %v; want ECONFLICT", err)
	}
	running := *j
	running.State = feedback.ImportRunning
	if err := s.PutImportJob(ctx, &running, feedback.ImportWaiting); err != nil {
		t.Fatal(err)
	}
	// A second run of the same job finds it running already.
	if err := s.PutImportJob(ctx, &running, feedback.ImportWaiting); code(err) != feedback.ECONFLICT {
		t.Errorf("starting a running job again: %v; want ECONFLICT", err)
	}
	if got, _ := s.GetImportJob(ctx, j.ID); got.State != feedback.ImportRunning {
		t.Errorf("state %s; want running", got.State)
	}
}

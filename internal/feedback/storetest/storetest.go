// Package storetest is the conformance suite for feedback.Store: every store, embedded or
// cloud, must pass Run, so that they are interchangeable.
package storetest

import (
	"testing"
	"time"

	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/feedback"
)

// Start is the instant at which every suite's clock starts.
var Start = time.Date(2026, 12, 21, 10, 0, 0, 0, time.UTC)

// NewStore returns a fresh, empty store that reads time from clk. Cleanup is the caller's, via
// t.Cleanup.
type NewStore func(t *testing.T, clk feedback.Clock) feedback.Store

// Run runs the whole suite against stores made by newStore. A stand-in that cannot hold one of
// the suite's tests names it in cannot, with the reason; every real store runs them all.
func Run(t *testing.T, newStore NewStore, cannot ...Cannot) {
	for _, tt := range suite {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range cannot {
				if c.Test == tt.name {
					t.Skip("SKIPPING on this stand-in: " + c.Why)
				}
			}
			clk := clock.NewFixed(Start)
			tt.test(t, newStore(t, clk), clk)
		})
	}
}

// Cannot names a test of the suite that a stand-in (not a real store) cannot run, and why.
type Cannot struct{ Test, Why string }

// suite is Run's tests, in the order they run. Each is given a fresh store reading a fixed clock
// that starts at Start.
var suite = []struct {
	name string
	test func(t *testing.T, s feedback.Store, clk *clock.Fixed)
}{
	{"Create_Get", testCreateGet},
	{"Create_Get_Social", testCreateGetSocial},
	{"Create_Conflict", testCreateConflict},
	{"GetByIdempotencyKey", testIdempotency},
	{"NextSequence", testSequence},
	{"NextSequence_Concurrent", testSequenceConcurrent},
	{"Update", testUpdate},
	{"Update_Concurrent", testUpdateConcurrent},
	{"UpdateFrom", testUpdateFrom},
	{"Expired", testExpired},
	{"ListPending", testListPending},
	{"ListDue", testListDue},
	{"ListAssigned", testListAssigned},
	{"ListCases", testListCases},
	{"TakeQuota", testTakeQuota},
	{"TakeQuota_Concurrent", testTakeQuotaConcurrent},
	{"Hold", testHold},
	{"ListExpired", testListExpired},
	{"Purge", testPurge},
	{"DestructionLog", testDestructionLog},
	{"ListByContact", testListByContact},
	{"ListReceived", testListReceived},
	{"Search", testSearch},
}

func code(err error) string { return feedback.ErrorCode(err) }

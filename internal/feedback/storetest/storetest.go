// Package storetest is the conformance suite for feedback.Store: every store, embedded or
// cloud, must pass Run, so that they are interchangeable.
package storetest

import (
	"testing"
	"time"

	"github.com/council/intake/internal/feedback"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Start is the instant at which every suite's clock starts.
var Start = time.Date(2026, 12, 21, 10, 0, 0, 0, time.UTC)

// NewStore returns a fresh, empty store that reads time from clk. Cleanup is the caller's, via
// t.Cleanup.
type NewStore func(t *testing.T, clk feedback.Clock) feedback.Store

// Run runs the whole suite against stores made by newStore.
func Run(t *testing.T, newStore NewStore) {
	for _, tt := range suite {
		t.Run(tt.name, func(t *testing.T) { tt.test(t, newStore) })
	}
}

// suite is Run's tests, in the order they run.
var suite = []struct {
	name string
	test func(*testing.T, NewStore)
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
}

// NewCase returns a valid open complaint with the given reference, as the service would make it.
func NewCase(ref string, at time.Time) *feedback.Case {
	return &feedback.Case{
		Ref: ref, Kind: feedback.KindComplaint, Channel: feedback.ChannelWeb, Status: feedback.StatusOpen,
		Stage: feedback.Stage1, ServiceArea: "waste", Subject: "Missed bin",
		Message:       "My bin was missed <b>again</b> & again.\nSecond line: ünïcödé",
		Contact:       feedback.Contact{Name: "Ada Resident", Email: "ada@example.com", Phone: "01632 960001"},
		AssignedTo:    "waste@council.example",
		ReceivedAt:    at,
		AcknowledgeBy: time.Date(2026, 12, 22, 0, 0, 0, 0, time.UTC),
		RespondBy:     time.Date(2027, 1, 7, 0, 0, 0, 0, time.UTC),
		Fingerprint:   "fp-" + ref,
		Effects: feedback.Effects{
			feedback.EffectAcknowledgement: {State: feedback.EffectFailed, At: at, Reason: "refused", Attempts: 2},
			feedback.EffectAssignment:      {ClaimedBy: "worker-1#1", ClaimedUntil: at.Add(time.Minute)},
			feedback.EffectSchedules:       {},
		},
		CreatedAt: at, UpdatedAt: at,
	}
}

// settled returns effects that are all done.
func settled(at time.Time) feedback.Effects {
	return feedback.Effects{
		feedback.EffectAcknowledgement: {State: feedback.EffectDone, At: at, MessageID: "m-1"},
		feedback.EffectAssignment:      {State: feedback.EffectDone, At: at},
		feedback.EffectSchedules:       {State: feedback.EffectSkipped, At: at, Reason: "not needed"},
	}
}

var cmpCase = cmp.Options{cmpopts.EquateApproxTime(time.Millisecond), cmpopts.IgnoreFields(feedback.Case{}, "Version")}

func code(err error) string { return feedback.ErrorCode(err) }

package feedback

import (
	"sort"
	"time"
)

// A side effect (an email, a set of reminder schedules) is done at least once and, as far as
// any outside system allows, exactly once. The mechanism is claim, do, stamp, all recorded on
// the case itself through Store.Update:
//
//  1. claim: a conditional write records which worker is doing the effect and until when; a
//     worker that finds a live claim by another leaves the effect alone;
//  2. do: send the email or create the schedules;
//  3. stamp: a second write records the outcome (done, skipped or failed for good) and drops the
//     claim. A transient failure drops the claim without an outcome, so the effect is tried
//     again later; a claim whose worker died expires and is taken over.
//
// A duplicate is then possible only if a worker dies between doing an effect and stamping it.
// Mailers that can deduplicate (the local outbox) are handed a key per effect to close even that
// window; SES cannot, and docs/design.md says so.

// EffectState is where a side effect stands.
type EffectState string

// The effect states. Only EffectToDo is pending; the other three are settled for good.
const (
	EffectToDo    EffectState = ""
	EffectDone    EffectState = "done"
	EffectSkipped EffectState = "skipped" // deliberately not done: no address, a limit reached
	EffectFailed  EffectState = "failed"  // refused for good: someone must act another way
)

// Effect is one side effect of a case and what became of it.
type Effect struct {
	State EffectState `json:"state,omitempty"`
	// At is when the effect was settled.
	At time.Time `json:"at,omitzero"`
	// Reason says, in plain English and without personal data, why the effect was skipped or
	// failed, or what the last transient failure was.
	Reason string `json:"reason,omitempty"`
	// MessageID is the provider's id of the email sent, where there was one.
	MessageID string `json:"message_id,omitempty"`
	// Attempts counts the tries that failed transiently, and those whose claim was taken over
	// unstamped (the worker died, or its stamp was lost).
	Attempts int `json:"attempts,omitempty"`
	// ClaimedBy and ClaimedUntil record the worker doing the effect now, and when its claim
	// lapses so that another may take over.
	ClaimedBy    string    `json:"claimed_by,omitempty"`
	ClaimedUntil time.Time `json:"claimed_until,omitzero"`
}

// Settled reports whether the effect is finished for good, whatever the outcome.
func (e Effect) Settled() bool { return e.State != EffectToDo }

// Effects are a case's side effects by name.
type Effects map[string]Effect

// has reports whether the case calls for the named effect at all.
func (es Effects) has(name string) bool {
	_, ok := es[name]
	return ok
}

// Pending lists the effects not yet settled, in the order they must be done: the
// acknowledgement before the assignment (which says whether the resident was acknowledged),
// then the rest by name.
func (es Effects) Pending() []string {
	var names []string
	for name, e := range es {
		if !e.Settled() {
			names = append(names, name)
		}
	}
	sort.Slice(names, func(i, j int) bool {
		ri, rj := rankOf(names[i]), rankOf(names[j])
		if ri != rj {
			return ri < rj
		}
		return names[i] < names[j]
	})
	return names
}

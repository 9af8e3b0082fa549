package feedback

import (
	"context"
	"time"
)

// Work met under another worker's claim. In AWS a notifier that dies holding a case's claims
// (killed, timed out) leaves its stream record to Lambda's retry, which finds the claims still
// live and could only give up: the work would wait for the next morning's sweep. So a worker
// that finds a case's intake effects held by a worker elsewhere re-queues them: a one-time
// reminder just after the claim's end (PurposeResume) carries them out, or finds them done.
// Locally the runner holds the store alone and takes over a dead process's claims at once.

// resumeGrace is how long after a claim's end its work is re-queued for, so that the lapse is
// certain whatever the clocks' drift.
const resumeGrace = 5 * time.Second

// heldElsewhere returns when the last live claim another worker holds on c's intake effects
// ends, or zero if there is none.
func (s *Service) heldElsewhere(c *Case) time.Time {
	now := s.Clock.Now()
	var until time.Time
	for _, n := range intakeEffects(c) {
		e := c.Effects[n]
		if e.ClaimedBy != "" && !s.ownedHere(e.ClaimedBy) && !s.claimable(e, now) && e.ClaimedUntil.After(until) {
			until = e.ClaimedUntil
		}
	}
	return until
}

// resumeAfter re-queues the case's intake effects for just after held, when another worker's
// claim on them ends; nothing if held is zero. With no scheduler it reports the work as not done
// (EUNAVAILABLE), so that the trigger is retried.
func (s *Service) resumeAfter(ctx context.Context, ref string, held time.Time) error {
	if held.IsZero() {
		return nil
	}
	if s.Scheduler == nil {
		return Errorf(EUNAVAILABLE, "process %s: the side effects are claimed by another worker until %s", ref, held.UTC().Format(time.RFC3339))
	}
	at := held.Add(resumeGrace)
	r := Reminder{Purpose: PurposeResume, Ref: ref, At: at,
		Name: ReminderName(ref, StageNone, PurposeResume) + "-" + at.UTC().Format("20060102T150405")}
	if err := s.Scheduler.Schedule(ctx, r); err != nil {
		return Errorf(EUNAVAILABLE, "process %s: re-queue the side effects another worker holds: %s", ref, ErrorMessage(err))
	}
	s.log().InfoContext(ctx, "side effects held by another worker; re-queued for the claim's end", "ref", ref, "at", at.UTC().Format(time.RFC3339))
	return nil
}

// resume carries out a re-queued case's intake effects; a case gone meanwhile has none.
func (s *Service) resume(ctx context.Context, ref string) error {
	if err := s.Process(ctx, ref); err != nil && ErrorCode(err) != ENOTFOUND {
		return err
	}
	return nil
}

// NewWork reports whether the case has intake side effects nobody has tried yet: unsettled,
// unclaimed and never attempted. A write that adds work to a case makes it true, the claim
// that takes the work makes it false again, so the store can mark such writes for the table's
// stream (a case pending already before the write is invoked for again).
func (c *Case) NewWork() bool {
	for _, n := range intakeEffects(c) {
		if e := c.Effects[n]; e.ClaimedBy == "" && e.Attempts == 0 {
			return true
		}
	}
	return false
}

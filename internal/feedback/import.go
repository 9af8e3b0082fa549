package feedback

import (
	"context"
	"fmt"
	"time"
)

// The import of past cases, the domain's part: who may import, how an imported case's ledger is
// settled, and how the cases are stored. Reading the file is internal/casesimport's.

// MayImport refuses anyone but the complaints team.
func MayImport(who StaffMember) error {
	if who.Role != RoleAdmin {
		return Errorf(EFORBIDDEN, "Only the complaints team can import past cases.")
	}
	return nil
}

// Imported readies a case read from an earlier system for the store: its side-effect ledger
// settled, so that it sends no email and schedules no reminder, and its history saying where
// it came from (detail). acked is the day it was acknowledged, if known.
func (s *Service) Imported(c *Case, acked time.Time, who StaffMember, now time.Time, detail string) {
	const why = "imported from an earlier system"
	c.Effects = Effects{
		EffectAcknowledgement: {State: EffectSkipped, At: now, Reason: why},
		EffectAssignment:      {State: EffectSkipped, At: now, Reason: why},
		EffectSchedules:       {State: EffectSkipped, At: now, Reason: why},
	}
	if !acked.IsZero() {
		c.Effects[EffectAcknowledgement] = Effect{State: EffectDone, At: acked, Reason: why}
	}
	if c.Status == StatusOpen {
		// The daily sweep would otherwise send an open imported complaint's missed reminders.
		for _, rem := range s.Reminders(c) {
			c.Effects[ReminderEffect(rem.Name)] = Effect{State: EffectSkipped, At: now, Reason: why}
		}
	}
	c.Record(now, who.Email, "imported", detail, "")
}

// StoreImported writes imported cases (the complaints team only); a reference already in the
// store is left as it is, so importing the same file twice adds nothing.
func (s *Service) StoreImported(ctx context.Context, who StaffMember, cases []*Case) (imported, alreadyThere int, err error) {
	if err := MayImport(who); err != nil {
		return 0, 0, err
	}
	for _, c := range cases {
		err := s.Store.Create(ctx, c)
		switch {
		case err == nil:
			imported++
		case ErrorCode(err) == ECONFLICT:
			alreadyThere++
		default:
			return imported, alreadyThere, fmt.Errorf("create case: %w", err)
		}
	}
	s.log().Info("cases imported", "imported", imported, "already_there", alreadyThere)
	return imported, alreadyThere, nil
}

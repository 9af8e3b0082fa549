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

// ReasonImportedPastRetention is the destruction log's reason for a case imported after its
// retention period had ended: only its statistical record is kept.
const ReasonImportedPastRetention = "imported after its retention period ended: statistics only"

// ImportCounts says what StoreImported did with the cases it was given.
type ImportCounts struct {
	// Imported counts the cases written; StatisticsOnly those past their retention end, of
	// which only the anonymous statistical record was kept; AlreadyThere those found in the
	// store (or, past retention, in the destruction log) already and left as they were.
	Imported, StatisticsOnly, AlreadyThere int
}

// StoreImported writes imported cases (the complaints team only). A case whose retention period
// has ended already is not kept: its anonymous statistical record is, with a destruction log
// line saying so, so that the annual report counts it. A reference already in the store (or in
// the destruction log) is left as it is, so importing the same file twice adds nothing.
func (s *Service) StoreImported(ctx context.Context, who StaffMember, cases []*Case) (ImportCounts, error) {
	var n ImportCounts
	if err := MayImport(who); err != nil {
		return n, err
	}
	now := s.Clock.Now()
	for _, c := range cases {
		if c.Expired(now) {
			// A case still kept under this reference is counted already: its figures must not
			// be counted twice.
			if _, err := s.Store.Get(ctx, c.Ref); err == nil {
				n.AlreadyThere++
				continue
			} else if ErrorCode(err) != ENOTFOUND {
				return n, fmt.Errorf("import %s: %w", c.Ref, err)
			}
			kept, err := s.importStatistic(ctx, c, now)
			if err != nil {
				return n, err
			}
			if kept {
				n.StatisticsOnly++
			} else {
				n.AlreadyThere++
			}
			continue
		}
		err := s.Store.Create(ctx, c)
		switch {
		case err == nil:
			n.Imported++
		case ErrorCode(err) == ECONFLICT:
			n.AlreadyThere++
		default:
			return n, fmt.Errorf("create case: %w", err)
		}
	}
	s.log().Info("cases imported", "imported", n.Imported, "statistics_only", n.StatisticsOnly, "already_there", n.AlreadyThere)
	return n, nil
}

// importStatistic keeps the statistical record of an imported case past its retention end,
// once per reference (the destruction log line is the mark that it was kept).
func (s *Service) importStatistic(ctx context.Context, c *Case, now time.Time) (bool, error) {
	st, err := s.StatisticOf(c)
	if err != nil {
		return false, err
	}
	if !st.KeepUntil.After(now) {
		return false, Errorf(EINVALID, "Case %s is past the retention of its statistics too, and cannot be imported.", c.Ref)
	}
	d := Destruction{Ref: c.Ref, Kind: c.Kind, Channel: c.Channel, ReceivedAt: c.ReceivedAt, ClosedAt: c.ClosedAt,
		ExpiredAt: c.ExpiresAt, DestroyedAt: now, Reason: ReasonImportedPastRetention,
		KeepUntil: now.AddDate(s.Policy.RetainDestructionLogYears, 0, 0)}
	kept, err := s.Store.KeepStatistic(ctx, d, st)
	if err != nil {
		return false, fmt.Errorf("import %s: keep statistic: %w", c.Ref, err)
	}
	return kept, nil
}

// StatisticsEnd is when the statistical record of a case that closed (or, never closed, was
// received) on day is destroyed.
func (p Policy) StatisticsEnd(day time.Time) time.Time { return day.AddDate(p.StatisticsYears, 0, 0) }

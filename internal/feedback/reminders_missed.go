package feedback

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Reminders whose time has passed: those a back-dated case asks for as it is entered (an import,
// a telephone call entered late), and those whose schedule was lost (sent to the dead-letter
// queue, or never made). Of one series (a stage's warning, due and overdue reminders; a
// review's warning and review) only the latest that has passed is worth sending: it fires at
// once, and the earlier ones are superseded by it. An acknowledgement check is a series of one.

// series names the reminders that supersede each other.
func (r Reminder) series() string {
	if r.Purpose == PurposeAckCheck {
		return string(r.Of) + "|" + r.Ref + "|" + string(PurposeAckCheck)
	}
	return string(r.Of) + "|" + r.Ref + "|" + string(r.Stage) + "|" + r.Due.Format(time.DateOnly)
}

// worthScheduling keeps, of rs, every reminder still to come and, of each series, the latest
// whose time has passed (the scheduler fires it at once); the earlier past ones are left out.
func worthScheduling(rs []Reminder, now time.Time) []Reminder {
	latest := map[string]int{}
	for i, r := range rs {
		if !r.At.After(now) {
			if j, ok := latest[r.series()]; !ok || rs[j].At.Before(r.At) {
				latest[r.series()] = i
			}
		}
	}
	var out []Reminder
	for i, r := range rs {
		if j, past := latest[r.series()]; r.At.After(now) || past && j == i {
			out = append(out, r)
		}
	}
	return out
}

// missedReminders returns, of rs (one record's reminders, each series in time order), those
// whose time has passed and that es does not record as sent or skipped, leaving out any a
// later reminder of its series has superseded by being recorded: a due reminder is not worth
// sending once the overdue one went.
func missedReminders(rs []Reminder, es Effects, now time.Time) []Reminder {
	var missed []Reminder
	for _, r := range rs {
		if r.At.After(now) {
			continue
		}
		if es[ReminderEffect(r.Name)].Settled() {
			kept := missed[:0]
			for _, m := range missed {
				if m.series() != r.series() {
					kept = append(kept, m)
				}
			}
			missed = kept
			continue
		}
		missed = append(missed, r)
	}
	return missed
}

// superseded reports whether a later reminder of r's series is recorded on c already: a due
// reminder that fires late, after the overdue one went, says nothing new.
func (s *Service) superseded(r Reminder, c *Case) bool {
	for _, later := range s.Reminders(c) {
		if later.series() == r.series() && later.At.After(r.At) && c.Effects[ReminderEffect(later.Name)].Settled() {
			return true
		}
	}
	return false
}

// undatedWindow is how far back the sweep looks for open items owed an acknowledgement check.
const undatedWindow = 90 * 24 * time.Hour

// sweepUndated is the safety net for the reminders that have no response date, which the due
// index does not find: the acknowledgement check of an open item with no email address (the
// open cases, a page at a time), and a restriction's review reminders (the register). It sends
// the latest missed one of each series and returns how many it sent.
func (s *Service) sweepUndated(ctx context.Context, now time.Time) (int, error) {
	var (
		sent int
		errs []error
	)
	fire := func(r Reminder) {
		ok, err := s.Remind(ctx, r)
		errs = append(errs, err)
		if ok {
			sent++
			s.log().InfoContext(ctx, "sweep sent a missed reminder", "ref", r.Ref, "purpose", r.Purpose)
		}
	}
	q := CaseQuery{Status: StatusOpen, Limit: 100}
	for {
		page, err := s.Store.ListCases(ctx, q)
		if err != nil {
			return sent, errors.Join(append(errs, fmt.Errorf("sweep acknowledgement checks: %w", err))...)
		}
		for _, c := range page.Cases {
			if c.Contact.Email != "" || c.AcknowledgeBy.IsZero() || now.Sub(c.ReceivedAt) > undatedWindow {
				continue
			}
			for _, r := range missedReminders(s.Reminders(c), c.Effects, now) {
				if r.Purpose == PurposeAckCheck {
					fire(r)
				}
			}
		}
		if q.Cursor = page.Next; q.Cursor == "" {
			break
		}
	}
	if s.Restrictions == nil {
		return sent, errors.Join(errs...)
	}
	rs, err := s.Restrictions.ListRestrictions(ctx)
	if err != nil {
		return sent, errors.Join(append(errs, fmt.Errorf("sweep review reminders: %w", err))...)
	}
	for _, r := range rs {
		if r.Status != RestrictionActive {
			continue
		}
		if missed := missedReminders(s.reviewReminders(r), r.Effects, now); len(missed) > 0 {
			fire(missed[len(missed)-1])
		}
	}
	return sent, errors.Join(errs...)
}

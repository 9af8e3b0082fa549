package feedback

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// The complaints team's registers (restrictions and staff-safety markers) record decisions about
// a person: who the person is, who decided, on which day, under an id of the register's own.

// contactIDs is the set of the given ways to reach someone that normalise, for matching against
// a register's contacts; those that do not (empty, or malformed) are left out.
func contactIDs(values ...string) map[string]bool {
	ids := map[string]bool{}
	for _, v := range values {
		if n, err := NormalizeContact(v); err == nil {
			ids[n] = true
		}
	}
	return ids
}

// decision resolves who decided (by, a member of staff, or else who records it) and on which
// day (on, or else today; never after today).
func (s *Service) decision(who StaffMember, by string, on, today time.Time) (decider string, decided time.Time, err error) {
	decider = who.Email
	if by != "" {
		m, ok := s.Staff.Lookup(by)
		if !ok {
			return "", time.Time{}, Invalid("decided_by", "The decision must be by a member of staff Intake knows")
		}
		decider = m.Email
	}
	decided = today
	if !on.IsZero() {
		if decided = s.Calendar.Date(on); decided.After(today) {
			return "", time.Time{}, Invalid("decided_on", "The decision cannot be dated in the future")
		}
	}
	return decider, decided, nil
}

// registerID allocates the next id in a register, numbered afresh each calendar year:
// prefix-2026-0001 from the sequence named "<sequence>-2026".
func (s *Service) registerID(ctx context.Context, sequence, prefix string, now time.Time) (string, error) {
	year := now.In(s.Calendar.Location()).Year()
	seq, err := s.Store.NextSequence(ctx, sequence+"-"+strconv.Itoa(year))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s-%d-%04d", prefix, year, seq), nil
}

// noRegister is the error of an operation on a register the service was not given.
func noRegister(name string) error { return errors.New("no " + name + " register is configured") }

// registerAdmin lets who work on the named register only if it is configured and who is the
// complaints team; forbidden says so otherwise.
func registerAdmin(configured bool, name string, who StaffMember, forbidden string) error {
	if !configured {
		return noRegister(name)
	}
	if who.Role != RoleAdmin {
		return Errorf(EFORBIDDEN, "%s", forbidden)
	}
	return nil
}

// expired reports whether an entry kept until expiresAt (zero: no end yet) has passed it at now.
func expired(expiresAt, now time.Time) bool {
	return !expiresAt.IsZero() && !now.Before(expiresAt)
}

// namesAny reports whether an entry's contacts include one of the person's identities ids.
func namesAny(contacts []string, ids map[string]bool) bool {
	return slices.ContainsFunc(contacts, func(v string) bool { return ids[v] })
}

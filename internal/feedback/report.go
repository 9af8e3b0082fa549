package feedback

import (
	"context"
	"fmt"
	"time"
)

// The annual complaints report's rules: who may read it and what it reads. Building and
// writing the report is internal/report's; the domain keeps the permission and the port
// (Store.ListReceived, never the whole store).

// MayReadReport refuses anyone but managers and the complaints team.
func MayReadReport(who StaffMember) error {
	if who.Role != RoleAdmin && who.Role != RoleManager {
		return Errorf(EFORBIDDEN, "Only managers and the complaints team can see the annual report.")
	}
	return nil
}

// ReportCases reads, page by page through Store.ListReceived, the cases received in [from, to)
// that who may see.
func (s *Service) ReportCases(ctx context.Context, who StaffMember, from, to time.Time) ([]*Case, error) {
	if err := MayReadReport(who); err != nil {
		return nil, err
	}
	q := ReceivedQuery{From: from, To: to, Limit: DefaultReceivedPage}
	var cases []*Case
	for {
		page, err := s.Store.ListReceived(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("list received: %w", err)
		}
		for _, c := range page.Cases {
			if who.CanSee(c) {
				cases = append(cases, c)
			}
		}
		if page.Next == "" {
			return cases, nil
		}
		q.Cursor = page.Next
	}
}

// ReportRestrictions reads the register of restrictions for the report; ok is false when who's
// report does not show it: the register is the complaints team's, so only their report does.
func (s *Service) ReportRestrictions(ctx context.Context, who StaffMember) (all []*Restriction, ok bool, err error) {
	if who.Role != RoleAdmin || s.Restrictions == nil {
		return nil, false, nil
	}
	all, err = s.Restrictions.ListRestrictions(ctx)
	return all, err == nil, err
}

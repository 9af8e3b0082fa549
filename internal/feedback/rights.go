package feedback

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Residents' rights under UK GDPR: subject access (everything held about a person, found
// through any of their identities) and erasure (refused while the council must keep the data).

// PersonData is everything Intake holds about one person.
type PersonData struct {
	// Identities are the person's identities searched: the one asked for and those linked to
	// it in the restrictions register and the staff-safety list.
	Identities   []string       `json:"identities"`
	Cases        []*Case        `json:"cases"`
	Restrictions []*Restriction `json:"restrictions"`
	Markers      []*Marker      `json:"markers"`
	ExportedAt   time.Time      `json:"exported_at"`
}

// PersonData gathers everything held about the person with the given identity (the complaints
// team only): their cases (with messages, letters and history), restrictions and markers.
func (s *Service) PersonData(ctx context.Context, who StaffMember, contact string) (*PersonData, error) {
	if who.Role != RoleAdmin {
		return nil, Errorf(EFORBIDDEN, "Only the complaints team answers subject access requests.")
	}
	id, err := NormalizeContact(contact)
	if err != nil {
		return nil, err
	}
	p := &PersonData{Identities: []string{id}, Cases: []*Case{}, Restrictions: []*Restriction{}, Markers: []*Marker{}, ExportedAt: s.Clock.Now()}
	link := func(contacts []string) bool {
		if !slices.ContainsFunc(contacts, func(v string) bool { return slices.Contains(p.Identities, v) }) {
			return false
		}
		for _, v := range contacts {
			if !slices.Contains(p.Identities, v) {
				p.Identities = append(p.Identities, v)
			}
		}
		return true
	}
	if s.Restrictions != nil {
		rs, err := s.Restrictions.ListRestrictions(ctx)
		if err != nil {
			return nil, fmt.Errorf("person data: %w", err)
		}
		for _, r := range rs {
			if link(r.Contacts) {
				p.Restrictions = append(p.Restrictions, r)
			}
		}
	}
	if s.Markers != nil {
		ms, err := s.Markers.ListMarkers(ctx)
		if err != nil {
			return nil, fmt.Errorf("person data: %w", err)
		}
		for _, m := range ms {
			if link(m.Contacts) {
				p.Markers = append(p.Markers, m)
			}
		}
	}
	seen := map[string]bool{}
	for _, ident := range p.Identities {
		cs, err := s.Store.ListByContact(ctx, ident)
		if err != nil {
			return nil, fmt.Errorf("person data: %w", err)
		}
		for _, c := range cs {
			if !seen[c.Ref] {
				seen[c.Ref] = true
				p.Cases = append(p.Cases, c)
			}
		}
	}
	slices.SortStableFunc(p.Cases, func(a, b *Case) int { return a.ReceivedAt.Compare(b.ReceivedAt) })
	s.log().Info("subject access export", "by", who.Email, "cases", len(p.Cases))
	return p, nil
}

// Erasure says what an erasure did.
type Erasure struct {
	Erased []string `json:"erased"`
}

// Erase removes the person's cases, with their stored files, writing a destruction log line
// for each (the complaints team only). It is refused, with the reasons, while any case of
// theirs is open or under legal hold; and while any is within its retention period unless
// override gives the recorded reason for erasing it early (kept in the destruction log, so it
// must not name the person). Restrictions and staff-safety markers are kept: they expire on
// their own.
func (s *Service) Erase(ctx context.Context, who StaffMember, contact, override string) (*Erasure, error) {
	if who.Role != RoleAdmin {
		return nil, Errorf(EFORBIDDEN, "Only the complaints team erases a person's data.")
	}
	if err := cleanText("override_reason", &override, false); err != nil {
		return nil, err
	}
	p, err := s.PersonData(ctx, who, contact)
	if err != nil {
		return nil, err
	}
	var blocked, retained []string
	for _, c := range p.Cases {
		switch {
		case c.Status == StatusOpen:
			blocked = append(blocked, fmt.Sprintf("case %s is open", c.Ref))
		case c.Hold != nil:
			blocked = append(blocked, fmt.Sprintf("case %s is under legal hold", c.Ref))
		default:
			retained = append(retained, fmt.Sprintf("case %s must be kept until %s", c.Ref, c.ExpiresAt.In(s.Calendar.Location()).Format("2 January 2006")))
		}
	}
	override = strings.TrimSpace(override)
	switch {
	case len(blocked) > 0:
		return nil, Errorf(ECONFLICT, "The person's data cannot be erased: %s. Close the cases and release any hold first.", strings.Join(append(blocked, retained...), "; "))
	case len(retained) > 0 && override == "":
		return nil, Errorf(ECONFLICT, "The person's data cannot be erased yet: %s (the retention period). To erase it now, give an override reason.", strings.Join(retained, "; "))
	}
	reason := "erased at the person's request"
	if override != "" {
		reason += "; retention overridden by " + who.Email + ": " + override
	}
	out := &Erasure{Erased: []string{}}
	now := s.Clock.Now()
	for _, c := range p.Cases {
		if _, err := s.destroy(ctx, c, reason, now, false); err != nil {
			return out, fmt.Errorf("erase: %w", err)
		}
		if err := s.Store.Purge(ctx, c.Ref); err != nil {
			return out, fmt.Errorf("erase: %w", err)
		}
		out.Erased = append(out.Erased, c.Ref)
	}
	return out, nil
}

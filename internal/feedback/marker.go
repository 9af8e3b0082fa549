package feedback

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// maxMarkerYears is the longest a staff-safety marker is kept (the "red dot" list of the
// councils' papers: at most three years, and the person told in writing).
const maxMarkerYears = 3

// Marker is a staff-safety marker on a person who has put staff at risk: who, why, decided by
// whom and when, when the person was told in writing. It is shown on every case of theirs to
// the staff who may see the case, and destroyed MarkerYears after the decision.
type Marker struct {
	ID        string    `json:"id"`
	Contacts  []string  `json:"contacts"`
	Reason    string    `json:"reason"`
	DecidedBy string    `json:"decided_by"`
	DecidedOn time.Time `json:"decided_on"`
	// ToldOn is when the person was told in writing; zero until they have been.
	ToldOn    time.Time `json:"told_on,omitzero"`
	ExpiresAt time.Time `json:"expires_at"`
	CreatedAt time.Time `json:"created_at"`
}

// MarkerStore keeps the staff-safety markers. Implementations: internal/boltstore and
// internal/dynamo, held to internal/feedback/storetest (RunMarkers).
type MarkerStore interface {
	// CreateMarker writes a new marker, or ECONFLICT if its id is taken.
	CreateMarker(ctx context.Context, m *Marker) error
	// ListMarkers returns every marker not yet expired, oldest decision first.
	ListMarkers(ctx context.Context) ([]*Marker, error)
	// RecordMarkerTold records the day the person was told in writing, once: ENOTFOUND if
	// there is no such marker (or it has expired), ECONFLICT if a day is recorded already.
	RecordMarkerTold(ctx context.Context, id string, told time.Time) (*Marker, error)
}

// Expired reports whether the marker has passed its retention end at now.
func (m *Marker) Expired(now time.Time) bool { return expired(m.ExpiresAt, now) }

// NewMarker is what an admin decides.
type NewMarker struct {
	Contacts  []string
	Reason    string
	DecidedBy string
	DecidedOn time.Time // zero: today
	ToldOn    time.Time // zero: not yet
}

func (s *Service) markerYears() int {
	if y := s.Policy.MarkerYears; y > 0 && y <= maxMarkerYears {
		return y
	}
	return maxMarkerYears
}

// Mark puts a person on the staff-safety list (the complaints team only).
func (s *Service) Mark(ctx context.Context, who StaffMember, n NewMarker) (*Marker, error) {
	if err := registerAdmin(s.Markers != nil, "staff-safety", who, "Only the complaints team marks a person as a risk to staff."); err != nil {
		return nil, err
	}
	contacts, err := normalizeContacts(n.Contacts)
	if err != nil {
		return nil, err
	}
	if err := cleanText("reason", &n.Reason, true); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	today := s.Calendar.Date(now)
	decider, decided, err := s.decision(who, n.DecidedBy, n.DecidedOn, today)
	if err != nil {
		return nil, err
	}
	told := time.Time{}
	if !n.ToldOn.IsZero() {
		if told, err = s.toldOn(n.ToldOn, decided, today); err != nil {
			return nil, err
		}
	}
	id, err := s.registerID(ctx, "marker", "SM", now)
	if err != nil {
		return nil, fmt.Errorf("mark: allocate an id: %w", err)
	}
	m := &Marker{ID: id, Contacts: contacts, Reason: strings.TrimSpace(n.Reason),
		DecidedBy: decider, DecidedOn: decided, ToldOn: told, ExpiresAt: decided.AddDate(s.markerYears(), 0, 0), CreatedAt: now}
	if err := s.Markers.CreateMarker(ctx, m); err != nil {
		return nil, fmt.Errorf("mark: %w", err)
	}
	s.log().Info("staff-safety marker made", "id", m.ID, "expires_at", m.ExpiresAt.Format(time.DateOnly))
	return m, nil
}

// toldOn returns the day of told, which must be on or after the decision and not after today.
func (s *Service) toldOn(told, decided, today time.Time) (time.Time, error) {
	if told = s.Calendar.Date(told); told.After(today) || told.Before(decided) {
		return time.Time{}, Invalid("told_on", "The person is told on or after the decision, and not in the future")
	}
	return told, nil
}

// RecordMarkerTold records the day the person was told in writing of their marker, when that
// came after the marker was made (the complaints team only): once, on or after the decision and
// not in the future; a zero day is today.
func (s *Service) RecordMarkerTold(ctx context.Context, who StaffMember, id string, told time.Time) (*Marker, error) {
	if err := registerAdmin(s.Markers != nil, "staff-safety", who, "Only the complaints team records when a person was told of their marker."); err != nil {
		return nil, err
	}
	all, err := s.Markers.ListMarkers(ctx)
	if err != nil {
		return nil, fmt.Errorf("record marker %s told: %w", id, err)
	}
	i := slices.IndexFunc(all, func(m *Marker) bool { return m.ID == id })
	if i < 0 {
		return nil, Errorf(ENOTFOUND, "There is no staff-safety marker %s, or it has passed its retention end.", id)
	}
	m := all[i]
	if !m.ToldOn.IsZero() {
		return nil, Errorf(ECONFLICT, "The person was recorded as told on %s already.", m.ToldOn.Format("2 January 2006"))
	}
	today := s.Calendar.Date(s.Clock.Now())
	if told.IsZero() {
		told = today
	}
	if told, err = s.toldOn(told, m.DecidedOn, today); err != nil {
		return nil, err
	}
	m, err = s.Markers.RecordMarkerTold(ctx, id, told)
	if err != nil {
		return nil, fmt.Errorf("record marker %s told: %w", id, err)
	}
	s.log().Info("staff-safety marker: the person's letter recorded", "id", m.ID)
	return m, nil
}

// ListMarkers returns the staff-safety list (the complaints team only).
func (s *Service) ListMarkers(ctx context.Context, who StaffMember) ([]*Marker, error) {
	if err := registerAdmin(s.Markers != nil, "staff-safety", who, "Only the complaints team reads the staff-safety list."); err != nil {
		return nil, err
	}
	return s.Markers.ListMarkers(ctx)
}

// MarkersFor returns the staff-safety markers on the sender of a case, for showing with the
// case to whoever may see it.
func (s *Service) MarkersFor(ctx context.Context, c *Case) ([]*Marker, error) {
	if s.Markers == nil {
		return nil, nil
	}
	ids := contactIDs(c.Contact.Email, c.Contact.Phone)
	if len(ids) == 0 {
		return nil, nil
	}
	all, err := s.Markers.ListMarkers(ctx)
	if err != nil {
		return nil, fmt.Errorf("markers for %s: %w", c.Ref, err)
	}
	var out []*Marker
	for _, m := range all {
		if namesAny(m.Contacts, ids) {
			out = append(out, m)
		}
	}
	return out, nil
}

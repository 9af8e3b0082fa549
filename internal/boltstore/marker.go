package boltstore

import (
	"context"
	"time"

	"github.com/council/intake/internal/feedback"
	bolt "go.etcd.io/bbolt"
)

var _ feedback.MarkerStore = (*Store)(nil)

// CreateMarker writes a new staff-safety marker.
func (s *Store) CreateMarker(_ context.Context, m *feedback.Marker) error {
	if err := s.db.Update(func(tx *bolt.Tx) error { return markers.create(tx, m) }); err != nil {
		return wrap("create marker "+m.ID, err)
	}
	return nil
}

// RecordMarkerTold sets the marker's told day if it has none.
func (s *Store) RecordMarkerTold(_ context.Context, id string, told time.Time) (*feedback.Marker, error) {
	var m *feedback.Marker
	err := s.db.Update(func(tx *bolt.Tx) error {
		var err error
		if m, err = markers.get(tx, id, s.clock.Now()); err != nil {
			return err
		}
		if !m.ToldOn.IsZero() {
			return feedback.Errorf(feedback.ECONFLICT, "marker %s: the person's letter is recorded already", id)
		}
		m.ToldOn = told
		return markers.put(tx, m)
	})
	if err != nil {
		return nil, wrap("record marker "+id+" told", err)
	}
	return m, nil
}

// ListMarkers returns the markers not yet expired, oldest decision first.
func (s *Store) ListMarkers(_ context.Context) ([]*feedback.Marker, error) {
	return markers.list(s)
}

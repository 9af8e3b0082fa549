package boltstore

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/council/intake/internal/feedback"
	bolt "go.etcd.io/bbolt"
)

var _ feedback.MarkerStore = (*Store)(nil)

// CreateMarker writes a new staff-safety marker.
func (s *Store) CreateMarker(_ context.Context, m *feedback.Marker) error {
	v, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("boltstore: encode marker %s: %w", m.ID, err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMark)
		if b.Get([]byte(m.ID)) != nil {
			return feedback.Errorf(feedback.ECONFLICT, "marker %s already exists", m.ID)
		}
		return b.Put([]byte(m.ID), v)
	})
	if err != nil {
		return wrap("create marker "+m.ID, err)
	}
	return nil
}

// RecordMarkerTold sets the marker's told day if it has none.
func (s *Store) RecordMarkerTold(_ context.Context, id string, told time.Time) (*feedback.Marker, error) {
	now := s.clock.Now()
	var m feedback.Marker
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMark)
		v := b.Get([]byte(id))
		if v == nil {
			return feedback.Errorf(feedback.ENOTFOUND, "no marker %s", id)
		}
		m = feedback.Marker{}
		if err := json.Unmarshal(v, &m); err != nil {
			return fmt.Errorf("decode marker %s: %w", id, err)
		}
		switch {
		case m.Expired(now):
			return feedback.Errorf(feedback.ENOTFOUND, "no marker %s", id)
		case !m.ToldOn.IsZero():
			return feedback.Errorf(feedback.ECONFLICT, "marker %s: the person's letter is recorded already", id)
		}
		m.ToldOn = told
		v, err := json.Marshal(&m)
		if err != nil {
			return fmt.Errorf("encode marker %s: %w", id, err)
		}
		return b.Put([]byte(id), v)
	})
	if err != nil {
		return nil, wrap("record marker "+id+" told", err)
	}
	return &m, nil
}

// ListMarkers returns the markers not yet expired, oldest decision first.
func (s *Store) ListMarkers(_ context.Context) ([]*feedback.Marker, error) {
	now := s.clock.Now()
	var out []*feedback.Marker
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMark).ForEach(func(k, v []byte) error {
			var m feedback.Marker
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("decode marker %s: %w", k, err)
			}
			if !m.Expired(now) {
				out = append(out, &m)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore: list markers: %w", err)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].DecidedOn.Equal(out[j].DecidedOn) {
			return out[i].DecidedOn.Before(out[j].DecidedOn)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

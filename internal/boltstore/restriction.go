package boltstore

import (
	"context"

	"github.com/council/intake/internal/feedback"
	bolt "go.etcd.io/bbolt"
)

var _ feedback.RestrictionStore = (*Store)(nil)

// CreateRestriction writes a new restriction.
func (s *Store) CreateRestriction(_ context.Context, r *feedback.Restriction) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		stored := *r
		stored.Version = 1
		return restrictions.create(tx, &stored)
	})
	if err != nil {
		return wrap("create restriction "+r.ID, err)
	}
	r.Version = 1
	return nil
}

// GetRestriction returns a restriction that has not expired.
func (s *Store) GetRestriction(_ context.Context, id string) (*feedback.Restriction, error) {
	var r *feedback.Restriction
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		r, err = restrictions.get(tx, id, s.clock.Now())
		return err
	})
	if err != nil {
		return nil, wrap("get restriction "+id, err)
	}
	return r, nil
}

// UpdateRestriction applies fn inside one write transaction.
func (s *Store) UpdateRestriction(_ context.Context, id string, fn func(*feedback.Restriction) error) (*feedback.Restriction, error) {
	var r *feedback.Restriction
	err := s.db.Update(func(tx *bolt.Tx) error {
		var err error
		if r, err = restrictions.get(tx, id, s.clock.Now()); err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
		if r.ID != id {
			return feedback.Errorf(feedback.EINVALID, "the id of restriction %s cannot change", id)
		}
		r.Version++
		return restrictions.put(tx, r)
	})
	if err != nil {
		return nil, wrap("update restriction "+id, err)
	}
	return r, nil
}

// ListRestrictions returns every restriction not yet expired, oldest decision first.
func (s *Store) ListRestrictions(_ context.Context) ([]*feedback.Restriction, error) {
	return restrictions.list(s)
}

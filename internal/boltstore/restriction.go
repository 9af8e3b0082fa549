package boltstore

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/council/intake/internal/feedback"
	bolt "go.etcd.io/bbolt"
)

var _ feedback.RestrictionStore = (*Store)(nil)

// CreateRestriction writes a new restriction.
func (s *Store) CreateRestriction(_ context.Context, r *feedback.Restriction) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRestr)
		if b.Get([]byte(r.ID)) != nil {
			return feedback.Errorf(feedback.ECONFLICT, "restriction %s already exists", r.ID)
		}
		stored := *r
		stored.Version = 1
		return putRestriction(b, &stored)
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
		r, err = s.getRestriction(tx, id)
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
		if r, err = s.getRestriction(tx, id); err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
		if r.ID != id {
			return feedback.Errorf(feedback.EINVALID, "the id of restriction %s cannot change", id)
		}
		r.Version++
		return putRestriction(tx.Bucket(bucketRestr), r)
	})
	if err != nil {
		return nil, wrap("update restriction "+id, err)
	}
	return r, nil
}

// ListRestrictions returns every restriction not yet expired, oldest decision first.
func (s *Store) ListRestrictions(_ context.Context) ([]*feedback.Restriction, error) {
	now := s.clock.Now()
	var out []*feedback.Restriction
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRestr).ForEach(func(k, v []byte) error {
			var r feedback.Restriction
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decode restriction %s: %w", k, err)
			}
			if !r.Expired(now) {
				out = append(out, &r)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore: list restrictions: %w", err)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].DecidedOn.Equal(out[j].DecidedOn) {
			return out[i].DecidedOn.Before(out[j].DecidedOn)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func (s *Store) getRestriction(tx *bolt.Tx, id string) (*feedback.Restriction, error) {
	v := tx.Bucket(bucketRestr).Get([]byte(id))
	if v == nil {
		return nil, feedback.Errorf(feedback.ENOTFOUND, "no restriction %s", id)
	}
	var r feedback.Restriction
	if err := json.Unmarshal(v, &r); err != nil {
		return nil, fmt.Errorf("decode restriction %s: %w", id, err)
	}
	if r.Expired(s.clock.Now()) {
		return nil, feedback.Errorf(feedback.ENOTFOUND, "no restriction %s", id)
	}
	return &r, nil
}

func putRestriction(b *bolt.Bucket, r *feedback.Restriction) error {
	v, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode restriction %s: %w", r.ID, err)
	}
	return b.Put([]byte(r.ID), v)
}

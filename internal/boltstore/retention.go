package boltstore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/council/intake/internal/feedback"
	bolt "go.etcd.io/bbolt"
)

// ListByContact returns the live cases of the identity, oldest received first.
func (s *Store) ListByContact(_ context.Context, identity string) ([]*feedback.Case, error) {
	cs, err := s.walk(func(c *feedback.Case) bool { return identity != "" && feedback.ContactKey(c) == identity })
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].ReceivedAt.Before(cs[j].ReceivedAt) })
	return cs, err
}

// ListExpired returns up to limit cases whose retention end is at or before before, soonest
// expired first. It reads the expiry index up to before, and so only the cases it returns.
func (s *Store) ListExpired(_ context.Context, before time.Time, limit int) ([]*feedback.Case, error) {
	// Keys start with the retention end; every end at or before before sorts before bound.
	bound := []byte(feedback.SortableTime(before) + "\x01")
	var out []*feedback.Case
	err := s.db.View(func(tx *bolt.Tx) error {
		cases, cur := tx.Bucket(bucketCases), tx.Bucket(bucketExpiry).Cursor()
		for k, _ := cur.First(); k != nil && bytes.Compare(k, bound) < 0; k, _ = cur.Next() {
			if limit > 0 && len(out) == limit {
				break
			}
			ref := k[bytes.LastIndexByte(k, 0)+1:]
			v := cases.Get(ref)
			if v == nil {
				return fmt.Errorf("index %s names case %s, which is not stored", bucketExpiry, ref)
			}
			var c feedback.Case
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("decode case %s: %w", ref, err)
			}
			if c.Expired(before) {
				out = append(out, &c)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore: list expired cases: %w", err)
	}
	return out, nil
}

// Purge deletes the case, its idempotency key and its index entries, whether or not it has
// expired.
func (s *Store) Purge(_ context.Context, ref string) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		cases := tx.Bucket(bucketCases)
		v := cases.Get([]byte(ref))
		if v == nil {
			return nil
		}
		var c feedback.Case
		if err := json.Unmarshal(v, &c); err != nil {
			return fmt.Errorf("decode case %s: %w", ref, err)
		}
		if c.IdempotencyKey != "" {
			if err := tx.Bucket(bucketIdem).Delete([]byte(c.IdempotencyKey)); err != nil {
				return err
			}
		}
		if err := tx.Bucket(bucketReceived).Delete([]byte(feedback.ReceivedKey(&c))); err != nil {
			return err
		}
		if err := moveIndexes(tx, indexKeys(&c), nil); err != nil {
			return err
		}
		return cases.Delete([]byte(ref))
	})
	if err != nil {
		return fmt.Errorf("boltstore: purge case %s: %w", ref, err)
	}
	return nil
}

// LogDestruction writes a destruction log line, keyed by its reference.
func (s *Store) LogDestruction(_ context.Context, d feedback.Destruction) error {
	v, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("boltstore: encode destruction of %s: %w", d.Ref, err)
	}
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketDestr).Put([]byte(d.Ref), v) }); err != nil {
		return fmt.Errorf("boltstore: log destruction of %s: %w", d.Ref, err)
	}
	return nil
}

// ListDestructions returns the log lines of cases that expired within [from, to), oldest
// first, leaving out lines past their own retention.
func (s *Store) ListDestructions(_ context.Context, from, to time.Time) ([]feedback.Destruction, error) {
	now := s.clock.Now()
	var out []feedback.Destruction
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketDestr).ForEach(func(k, v []byte) error {
			var d feedback.Destruction
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("decode destruction %s: %w", k, err)
			}
			if !d.ExpiredAt.Before(from) && d.ExpiredAt.Before(to) && now.Before(d.KeepUntil) {
				out = append(out, d)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore: list destructions: %w", err)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ExpiredAt.Before(out[j].ExpiredAt) })
	return out, nil
}

package boltstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TakeQuota records a use of the quota key unless limit uses fall within the window already.
// A quota's old uses are pruned whenever it is taken.
func (s *Store) TakeQuota(_ context.Context, key, use string, limit int, window time.Duration) (bool, error) {
	now := s.clock.Now()
	allowed := false
	err := s.writes.Batch(func(tx *bolt.Tx) error {
		allowed = false
		b := tx.Bucket(bucketQuota)
		uses := map[string]time.Time{}
		if v := b.Get([]byte(key)); v != nil {
			if err := json.Unmarshal(v, &uses); err != nil {
				return fmt.Errorf("decode quota: %w", err)
			}
		}
		if _, ok := uses[use]; ok {
			allowed = true
			return nil
		}
		for name, at := range uses {
			if now.Sub(at) >= window {
				delete(uses, name)
			}
		}
		if len(uses) >= limit {
			return nil
		}
		uses[use] = now
		allowed = true
		v, err := json.Marshal(uses)
		if err != nil {
			return err
		}
		return b.Put([]byte(key), v)
	})
	if err != nil {
		return false, fmt.Errorf("boltstore: take quota: %w", err)
	}
	return allowed, nil
}

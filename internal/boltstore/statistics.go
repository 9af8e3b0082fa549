package boltstore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/council/intake/internal/feedback"
	bolt "go.etcd.io/bbolt"
)

// statisticKey orders the statistical records by day received, then id.
func statisticKey(st feedback.Statistic) []byte {
	return []byte(feedback.SortableTime(st.ReceivedOn) + "\x00" + st.ID)
}

// KeepStatistic writes the destruction log line and the statistical record in one
// transaction, unless the log has a line for the reference already.
func (s *Store) KeepStatistic(_ context.Context, d feedback.Destruction, st feedback.Statistic) (bool, error) {
	line, err := json.Marshal(d)
	if err != nil {
		return false, fmt.Errorf("boltstore: encode destruction of %s: %w", d.Ref, err)
	}
	rec, err := json.Marshal(st)
	if err != nil {
		return false, fmt.Errorf("boltstore: encode statistic: %w", err)
	}
	var kept bool
	err = s.db.Update(func(tx *bolt.Tx) error {
		kept = false
		log := tx.Bucket(bucketDestr)
		if log.Get([]byte(d.Ref)) != nil {
			return nil
		}
		if err := log.Put([]byte(d.Ref), line); err != nil {
			return err
		}
		kept = true
		return tx.Bucket(bucketStats).Put(statisticKey(st), rec)
	})
	if err != nil {
		return false, fmt.Errorf("boltstore: keep statistic of %s: %w", d.Ref, err)
	}
	return kept, nil
}

// ListStatistics reads the records received in [from, to) as one range of the bucket,
// leaving out those past their own retention.
func (s *Store) ListStatistics(_ context.Context, from, to time.Time) ([]feedback.Statistic, error) {
	now := s.clock.Now()
	lo, hi := []byte(feedback.SortableTime(from)), []byte(feedback.SortableTime(to))
	var out []feedback.Statistic
	err := s.db.View(func(tx *bolt.Tx) error {
		cur := tx.Bucket(bucketStats).Cursor()
		for k, v := cur.Seek(lo); k != nil && bytes.Compare(k, hi) < 0; k, v = cur.Next() {
			var st feedback.Statistic
			if err := json.Unmarshal(v, &st); err != nil {
				return fmt.Errorf("decode statistic %s: %w", k, err)
			}
			if now.Before(st.KeepUntil) {
				out = append(out, st)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore: list statistics: %w", err)
	}
	return out, nil
}

// Package localsched is the local stand-in for EventBridge Scheduler: it keeps one-time
// reminders in buckets of the local store's bbolt file and fires each when the clock passes its
// time, deleting it after a successful run as EventBridge does with ActionAfterCompletion
// DELETE. It is held to the same conformance suite as the EventBridge adapter.
//
// Reminders are keyed by time, so firing reads only those that are due, and each Schedule or
// Cancel writes one reminder: neither costs more as reminders accumulate.
package localsched

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/council/intake/internal/feedback"
	bolt "go.etcd.io/bbolt"
)

var (
	// bucketByTime maps the reminder's time (sortable) and name to the reminder.
	bucketByTime = []byte("reminders")
	// bucketByName maps a reminder's name to its key in bucketByTime.
	bucketByName = []byte("reminder-names")
)

// appendFill is how full bbolt packs the reminders' pages: their keys (a time, a name beginning
// with the case's reference) mostly arrive after the last, and at bbolt's default of half a page
// such a bucket ends half empty, deeper and costlier to commit to as reminders accumulate (see
// boltstore's appendFill).
const appendFill = 0.9

// Fire handles a reminder whose time has come. An error keeps the reminder for another try.
type Fire func(ctx context.Context, r feedback.Reminder) error

// Scheduler keeps reminders in a bbolt file it shares with the store. Writes go through the
// file's Batch, so that they share commits with the store's.
type Scheduler struct {
	db    File
	clock feedback.Clock
}

// File is the bbolt file the reminders are kept in: a *boltstore.Store, whose Batch shares
// commits with the store's own writes, or a bare *bolt.DB.
type File interface {
	View(func(*bolt.Tx) error) error
	Batch(func(*bolt.Tx) error) error
}

// Open keeps reminders in db, creating their buckets if need be.
func Open(db File, clk feedback.Clock) (*Scheduler, error) {
	err := db.Batch(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketByTime, bucketByName} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("localsched: create buckets: %w", err)
	}
	return &Scheduler{db: db, clock: clk}, nil
}

// Import takes in the reminders an older Intake kept in a JSON file (a map from name to
// reminder) and then removes the file; a missing file is not an error.
func (s *Scheduler) Import(ctx context.Context, path string) error {
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("localsched: read %s: %w", path, err)
	}
	var old map[string]feedback.Reminder
	if err := json.Unmarshal(data, &old); err != nil {
		return fmt.Errorf("localsched: %s is not valid JSON: %w", path, err)
	}
	err = s.db.Batch(func(tx *bolt.Tx) error {
		for _, r := range old {
			k, v, err := encode(r)
			if err != nil {
				return err
			}
			if err := schedule(tx, r.Name, k, v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("localsched: import %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("localsched: remove %s after importing it: %w", path, err)
	}
	return nil
}

// key sorts reminders by time, then by name.
func key(r feedback.Reminder) []byte {
	return []byte(feedback.SortableTime(r.At) + "\x00" + r.Name)
}

// encode returns r's key and value, made before the write transaction so that it holds
// bbolt's single writer for as short a time as can be.
func encode(r feedback.Reminder) (k, v []byte, err error) {
	v, err = json.Marshal(r)
	if err != nil {
		return nil, nil, fmt.Errorf("encode reminder %s: %w", r.Name, err)
	}
	return key(r), v, nil
}

// schedule keeps the reminder (name, key k, value v) unless one of that name is kept already.
// Running it twice (bbolt may run a batched function again) changes nothing.
func schedule(tx *bolt.Tx, name string, k, v []byte) error {
	names := tx.Bucket(bucketByName)
	names.FillPercent = appendFill
	if names.Get([]byte(name)) != nil {
		return nil
	}
	byTime := tx.Bucket(bucketByTime)
	byTime.FillPercent = appendFill
	if err := byTime.Put(k, v); err != nil {
		return err
	}
	return names.Put([]byte(name), k)
}

// Schedule keeps r; an existing reminder with the same name is left as it is. A reminder whose
// time has passed is kept to fire now, at the next tick, as EventBridge Scheduler's adapter
// fires it at once.
func (s *Scheduler) Schedule(_ context.Context, r feedback.Reminder) error {
	if now := s.clock.Now(); r.At.Before(now) {
		r.At = now
	}
	k, v, err := encode(r)
	if err == nil {
		err = s.db.Batch(func(tx *bolt.Tx) error { return schedule(tx, r.Name, k, v) })
	}
	if err != nil {
		return fmt.Errorf("localsched: schedule %s: %w", r.Name, err)
	}
	return nil
}

// Cancel forgets the named reminder.
func (s *Scheduler) Cancel(_ context.Context, name string) error {
	err := s.db.Batch(func(tx *bolt.Tx) error {
		names := tx.Bucket(bucketByName)
		k := names.Get([]byte(name))
		if k == nil {
			return nil
		}
		if err := tx.Bucket(bucketByTime).Delete(k); err != nil {
			return err
		}
		return names.Delete([]byte(name))
	})
	if err != nil {
		return fmt.Errorf("localsched: cancel %s: %w", name, err)
	}
	return nil
}

// List returns every reminder held, soonest first (then by name). It reads them all: it is for
// the runner's page of waiting reminders, not for firing them.
func (s *Scheduler) List() []feedback.Reminder {
	rs, _ := s.upTo(time.Time{})
	return rs
}

// upTo returns the reminders due at or before until, soonest first; all of them if until is
// zero. It reads no reminder that is not due.
func (s *Scheduler) upTo(until time.Time) ([]feedback.Reminder, error) {
	var bound []byte
	if !until.IsZero() {
		// Every key for an instant at or before until sorts before this one.
		bound = key(feedback.Reminder{At: until, Name: "\xff"})
	}
	out := []feedback.Reminder{}
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketByTime).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if bound != nil && bytes.Compare(k, bound) > 0 {
				break
			}
			var r feedback.Reminder
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decode reminder %q: %w", k, err)
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("localsched: read reminders: %w", err)
	}
	return out, nil
}

// FireDue fires every reminder whose time has come, soonest first, and deletes each that fired
// without error. It returns how many fired successfully.
func (s *Scheduler) FireDue(ctx context.Context, fire Fire, log *slog.Logger) int {
	due, err := s.upTo(s.clock.Now())
	if err != nil {
		log.Error("could not read the reminders due", "err", err)
		return 0
	}
	fired := 0
	for _, r := range due {
		if err := fire(ctx, r); err != nil {
			log.Error("reminder failed; it will be tried again", "reminder", r.Name, "err", err)
			continue
		}
		if err := s.Cancel(ctx, r.Name); err != nil {
			log.Error("could not delete a fired reminder", "reminder", r.Name, "err", err)
		}
		fired++
	}
	return fired
}

// Run fires due reminders every interval until ctx is done.
func (s *Scheduler) Run(ctx context.Context, interval time.Duration, fire Fire, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		s.FireDue(ctx, fire, log)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

package boltstore

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/council/intake/internal/feedback"
	bolt "go.etcd.io/bbolt"
)

// The registers, restrictions and staff-safety markers, are kept alike: each in a bucket of its
// own, an entry as JSON under its id; an entry is gone to every read at its retention end; a
// list goes oldest decision first, then by id. register holds what differs between them.
type register[T any] struct {
	name    string // "restriction", "marker": for errors
	bucket  []byte
	expired func(*T, time.Time) bool
	// decided returns the entry's decision day and id: the list's order, and its key.
	decided func(*T) (time.Time, string)
}

var (
	restrictions = register[feedback.Restriction]{name: "restriction", bucket: bucketRestr,
		expired: (*feedback.Restriction).Expired,
		decided: func(r *feedback.Restriction) (time.Time, string) { return r.DecidedOn, r.ID }}
	markers = register[feedback.Marker]{name: "marker", bucket: bucketMark,
		expired: (*feedback.Marker).Expired,
		decided: func(m *feedback.Marker) (time.Time, string) { return m.DecidedOn, m.ID }}
)

func (g register[T]) id(v *T) string {
	_, id := g.decided(v)
	return id
}

// create puts v unless an entry has its id (ECONFLICT).
func (g register[T]) create(tx *bolt.Tx, v *T) error {
	if tx.Bucket(g.bucket).Get([]byte(g.id(v))) != nil {
		return feedback.Errorf(feedback.ECONFLICT, "%s %s already exists", g.name, g.id(v))
	}
	return g.put(tx, v)
}

// get returns the entry id, or ENOTFOUND if there is none or it has expired at now.
func (g register[T]) get(tx *bolt.Tx, id string, now time.Time) (*T, error) {
	v := tx.Bucket(g.bucket).Get([]byte(id))
	if v == nil {
		return nil, feedback.Errorf(feedback.ENOTFOUND, "no %s %s", g.name, id)
	}
	e := new(T)
	if err := json.Unmarshal(v, e); err != nil {
		return nil, fmt.Errorf("decode %s %s: %w", g.name, id, err)
	}
	if g.expired(e, now) {
		return nil, feedback.Errorf(feedback.ENOTFOUND, "no %s %s", g.name, id)
	}
	return e, nil
}

// put writes v under its id.
func (g register[T]) put(tx *bolt.Tx, v *T) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s %s: %w", g.name, g.id(v), err)
	}
	return tx.Bucket(g.bucket).Put([]byte(g.id(v)), b)
}

// list returns the entries not yet expired, oldest decision first.
func (g register[T]) list(s *Store) ([]*T, error) {
	now := s.clock.Now()
	var out []*T
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(g.bucket).ForEach(func(k, v []byte) error {
			e := new(T)
			if err := json.Unmarshal(v, e); err != nil {
				return fmt.Errorf("decode %s %s: %w", g.name, k, err)
			}
			if !g.expired(e, now) {
				out = append(out, e)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore: list %ss: %w", g.name, err)
	}
	sort.SliceStable(out, func(i, j int) bool {
		di, idi := g.decided(out[i])
		dj, idj := g.decided(out[j])
		if !di.Equal(dj) {
			return di.Before(dj)
		}
		return idi < idj
	})
	return out, nil
}

// Package boltstore keeps cases in a bbolt file under the local data directory: the embedded
// store that lets Intake run with no AWS account. It is held to the same conformance suite as
// the DynamoDB store.
package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/council/intake/internal/feedback"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

var (
	_ feedback.Store    = (*Store)(nil)
	_ feedback.Sessions = (*Store)(nil)

	bucketCases = []byte("cases")
	bucketIdem  = []byte("idempotency")
	bucketSeq   = []byte("sequences")
	bucketQuota = []byte("quotas")
	bucketCreds = []byte("credentials")
	bucketMeta  = []byte("meta")
	bucketDestr = []byte("destructions")
	bucketRestr = []byte("restrictions")
	bucketMark  = []byte("markers")
	// bucketStats holds the anonymous statistical records, keyed by day received then id
	// (statisticKey), so that a report reads a year's records as one range.
	bucketStats = []byte("statistics")
	// bucketReceived indexes the cases by feedback.ReceivedKey; each value is the case as a
	// report reads it (receivedRecord), so that a report reads a year's cases without
	// touching any other case or decoding what a report does not need.
	bucketReceived = []byte("received")
)

// Store is a feedback.Store in one bbolt file. bbolt serialises writers, so every update is a
// transaction and there are no lost updates to retry. Writers that meet share a commit (group
// commit through Batch): a write's function may then run twice, so each one sets its results
// afresh, and a write the domain refuses (a conflict, a claim with nothing to claim) writes
// nothing and leaves the batch alone rather than failing it.
type Store struct {
	db     *bolt.DB
	writes *committer
	clock  feedback.Clock

	seqMu sync.Mutex
	// seqs holds the last value handed out of each counter read so far. The file is this
	// process's alone (Open locks it), so once read a counter is kept here and each value is
	// handed out once without a write of its own; the write that uses a value stores the
	// counter as at least that value, in the same transaction.
	seqs map[string]uint64
}

// Open opens (creating if need be) the store at dir/intake.db. Only one process may hold it: a
// second gets an error saying so after a second's wait.
func Open(dir string, clk feedback.Clock) (*Store, error) {
	path := filepath.Join(dir, "intake.db")
	// The hashmap freelist finds free pages in constant time, where the default array's cost
	// grows with the number of free pages, which grows with the file. The freelist is not
	// written at each commit either (NoFreelistSync): a file with many free pages (after a
	// purge, or an index rebuild) would otherwise write them all out at every commit; Open
	// finds them again by reading the file's page tree instead.
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, FreelistType: bolt.FreelistMapType, NoFreelistSync: true})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("boltstore: %s is in use by another Intake process; stop it or choose another data directory", path)
	}
	if err != nil {
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketCases, bucketIdem, bucketSeq, bucketQuota, bucketCreds, bucketMeta, bucketDestr, bucketRestr, bucketMark, bucketStats, bucketImports} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		if bytes.Equal(tx.Bucket(bucketMeta).Get(keyIndexVersion), indexVersion) {
			return nil
		}
		return rebuildIndexes(tx)
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("boltstore: prepare %s: %w", path, err)
	}
	return &Store{db: db, writes: newCommitter(db), clock: clk, seqs: map[string]uint64{}}, nil
}

// Close commits the writes already made and releases the file.
func (s *Store) Close() error {
	s.writes.Close()
	return s.db.Close()
}

// Batch runs fn in a write transaction it shares with the other writes waiting (see committer),
// for the embedded adapters that keep their own buckets in the store's file (internal/localsched).
func (s *Store) Batch(fn func(*bolt.Tx) error) error { return s.writes.Batch(fn) }

// View runs fn in a read transaction.
func (s *Store) View(fn func(*bolt.Tx) error) error { return s.db.View(fn) }

// DB is the bbolt file the store keeps its cases in, for the embedded adapters that keep their
// own buckets in the same file (see internal/localsched) and for bulk loading in benchmarks.
func (s *Store) DB() *bolt.DB { return s.db }

// NextSequence increments the named counter.
func (s *Store) NextSequence(_ context.Context, name string) (int64, error) {
	n, err := s.reserve(name)
	if err == nil {
		err = s.writes.Batch(func(tx *bolt.Tx) error { return putSequence(tx, name, n) })
	}
	if err != nil {
		return 0, fmt.Errorf("boltstore: next %s: %w", name, err)
	}
	return int64(n), nil
}

// reserve hands out the next value of the named counter, reading the counter from the file the
// first time. A value is handed out once even if the write that uses it then fails or is
// refused (it is then a gap, as a NextSequence whose caller fails leaves one).
func (s *Store) reserve(name string) (uint64, error) {
	s.seqMu.Lock()
	defer s.seqMu.Unlock()
	n, ok := s.seqs[name]
	if !ok {
		err := s.db.View(func(tx *bolt.Tx) error {
			if v := tx.Bucket(bucketSeq).Get([]byte(name)); v != nil {
				n = binary.BigEndian.Uint64(v)
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	n++
	s.seqs[name] = n
	return n, nil
}

// putSequence stores the named counter as n unless it is past n already (writes that reserved
// values in one order may commit in another; bbolt may also run a batched write twice).
func putSequence(tx *bolt.Tx, name string, n uint64) error {
	b := tx.Bucket(bucketSeq)
	if v := b.Get([]byte(name)); v != nil && binary.BigEndian.Uint64(v) >= n {
		return nil
	}
	return b.Put([]byte(name), binary.BigEndian.AppendUint64(nil, n))
}

// Create writes the case, its idempotency key and its index entries together.
func (s *Store) Create(_ context.Context, c *feedback.Case) error {
	return s.create(c, "", 0)
}

// CreateNumbered takes the next value of the named counter, names the case by ref of it and
// writes the case as Create does, counter and case in one transaction: a new case costs one
// commit, not two.
func (s *Store) CreateNumbered(_ context.Context, sequence string, c *feedback.Case, ref func(seq int64) string) error {
	n, err := s.reserve(sequence)
	if err != nil {
		return fmt.Errorf("boltstore: next %s: %w", sequence, err)
	}
	c.Ref = ref(int64(n))
	return s.create(c, sequence, n)
}

// create writes the case, its idempotency key and its index entries together, and, when
// sequence is named, that counter as at least n.
func (s *Store) create(c *feedback.Case, sequence string, n uint64) error {
	stored := *c
	stored.Version = 1
	v, err := json.Marshal(&stored)
	if err != nil {
		return fmt.Errorf("boltstore: encode case %s: %w", c.Ref, err)
	}
	keys := indexKeys(&stored)
	rk, rv, err := encodeReceived(&stored)
	if err != nil {
		return fmt.Errorf("boltstore: %w", err)
	}
	var refused error
	err = s.writes.Batch(func(tx *bolt.Tx) error {
		refused = nil
		cases, idem := tx.Bucket(bucketCases), tx.Bucket(bucketIdem)
		if cases.Get([]byte(c.Ref)) != nil {
			refused = feedback.Errorf(feedback.ECONFLICT, "case %s already exists", c.Ref)
			return nil
		}
		if c.IdempotencyKey != "" {
			if idem.Get([]byte(c.IdempotencyKey)) != nil {
				refused = feedback.Errorf(feedback.ECONFLICT, "the idempotency key was already used")
				return nil
			}
			if err := idem.Put([]byte(c.IdempotencyKey), []byte(c.Ref)); err != nil {
				return err
			}
		}
		if sequence != "" {
			if err := putSequence(tx, sequence, n); err != nil {
				return err
			}
		}
		if err := appended(tx.Bucket(bucketReceived)).Put(rk, rv); err != nil {
			return err
		}
		if err := cases.Put([]byte(c.Ref), v); err != nil {
			return err
		}
		return moveIndexes(tx, nil, keys)
	})
	if err == nil {
		err = refused
	}
	if err != nil {
		return wrap("create case "+c.Ref, err)
	}
	c.Version = 1
	return nil
}

// Get returns a live case.
func (s *Store) Get(_ context.Context, ref string) (*feedback.Case, error) {
	var c *feedback.Case
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		c, err = s.get(tx, ref)
		return err
	})
	if err != nil {
		return nil, wrap("get case "+ref, err)
	}
	return c, nil
}

// GetByIdempotencyKey returns the live case created with key.
func (s *Store) GetByIdempotencyKey(_ context.Context, key string) (*feedback.Case, error) {
	var c *feedback.Case
	err := s.db.View(func(tx *bolt.Tx) error {
		ref := tx.Bucket(bucketIdem).Get([]byte(key))
		if ref == nil {
			return feedback.Errorf(feedback.ENOTFOUND, "no case has that idempotency key")
		}
		var err error
		c, err = s.get(tx, string(ref))
		return err
	})
	if err != nil {
		return nil, wrap("get by idempotency key", err)
	}
	return c, nil
}

// Update reads the case, applies fn and encodes the result outside any write transaction, then
// writes it, and moves its index entries, in a shared commit if the case is still as it was
// read; if another writer changed it meanwhile, fn runs again on the new case. Only byte
// comparisons and puts happen while bbolt's single writer is held, so concurrent updates are
// not queued behind each other's JSON. If fn refuses, nothing is written.
func (s *Store) Update(_ context.Context, ref string, fn func(*feedback.Case) error) (*feedback.Case, error) {
	for {
		var read []byte
		err := s.db.View(func(tx *bolt.Tx) error {
			if v := tx.Bucket(bucketCases).Get([]byte(ref)); v != nil {
				read = bytes.Clone(v)
			}
			return nil
		})
		if err != nil {
			return nil, wrap("update case "+ref, err)
		}
		c, err := s.decode(ref, read)
		if err != nil {
			return nil, wrap("update case "+ref, err)
		}
		before := indexKeys(c)
		key, received := c.IdempotencyKey, feedback.ReceivedKey(c)
		if err := fn(c); err != nil {
			return nil, wrap("update case "+ref, err)
		}
		if c.Ref != ref || c.IdempotencyKey != key {
			return nil, feedback.Errorf(feedback.EINVALID, "the reference and idempotency key of case %s cannot change", ref)
		}
		c.Version++
		v, err := json.Marshal(c)
		if err != nil {
			return nil, fmt.Errorf("boltstore: encode case %s: %w", ref, err)
		}
		after := indexKeys(c)
		rk, rv, err := encodeReceived(c)
		if err != nil {
			return nil, fmt.Errorf("boltstore: %w", err)
		}
		lost := false
		err = s.writes.Batch(func(tx *bolt.Tx) error {
			cases := tx.Bucket(bucketCases)
			if lost = !bytes.Equal(cases.Get([]byte(ref)), read); lost {
				return nil
			}
			if err := cases.Put([]byte(ref), v); err != nil {
				return err
			}
			idx := appended(tx.Bucket(bucketReceived))
			if string(rk) != received {
				if err := idx.Delete([]byte(received)); err != nil {
					return err
				}
			}
			if err := idx.Put(rk, rv); err != nil {
				return err
			}
			return moveIndexes(tx, before, after)
		})
		if err != nil {
			return nil, wrap("update case "+ref, err)
		}
		if !lost {
			return c, nil
		}
	}
}

// UpdateFrom is Update: reading the case from the file costs next to nothing, and reading it
// afresh is what makes the write conditional.
func (s *Store) UpdateFrom(ctx context.Context, c *feedback.Case, fn func(*feedback.Case) error) (*feedback.Case, error) {
	return s.Update(ctx, c.Ref, fn)
}

func (s *Store) get(tx *bolt.Tx, ref string) (*feedback.Case, error) {
	return s.decode(ref, tx.Bucket(bucketCases).Get([]byte(ref)))
}

// decode returns the live case stored as v (nil if there is none).
func (s *Store) decode(ref string, v []byte) (*feedback.Case, error) {
	if v == nil {
		return nil, feedback.Errorf(feedback.ENOTFOUND, "no case %s", ref)
	}
	var c feedback.Case
	if err := json.Unmarshal(v, &c); err != nil {
		return nil, fmt.Errorf("decode case %s: %w", ref, err)
	}
	if c.Expired(s.clock.Now()) {
		return nil, feedback.Errorf(feedback.ENOTFOUND, "no case %s", ref)
	}
	return &c, nil
}

// wrap adds context to infrastructure errors and passes domain errors through unchanged, so
// their codes and messages reach the caller.
func wrap(op string, err error) error {
	var e *feedback.Error
	if errors.As(err, &e) {
		return err
	}
	return fmt.Errorf("boltstore: %s: %w", op, err)
}

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
	"sort"
	"sync"
	"time"

	"github.com/council/intake/internal/feedback"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

var (
	_ feedback.Store    = (*Store)(nil)
	_ feedback.Sessions = (*Store)(nil)

	_ feedback.RestrictionStore = (*Store)(nil)
	_ feedback.MarkerStore      = (*Store)(nil)

	bucketCases = []byte("cases")
	bucketIdem  = []byte("idempotency")
	bucketSeq   = []byte("sequences")
	bucketQuota = []byte("quotas")
	bucketCreds = []byte("credentials")
	bucketMeta  = []byte("meta")
	bucketDestr = []byte("destructions")
	bucketRestr = []byte("restrictions")
	bucketMark  = []byte("markers")
	// bucketReceived indexes the cases by feedback.ReceivedKey; each value is the case as a
	// report reads it (receivedRecord), so that a report reads a year's cases without
	// touching any other case or decoding what a report does not need.
	bucketReceived = []byte("received")
)

// appendFill is how full bbolt packs a page of a bucket whose small entries mostly arrive in
// ascending key order: the received records (by receipt) and the indexes (times and dates, or a
// mailbox then a time). bbolt splits a page at its bucket's FillPercent, half by default, and a
// page that only ever receives keys after its last is never filled further, so at the default
// such a bucket ends half empty: twice the pages, trees a level deeper at 100,000 cases, and more
// pages rewritten by every commit as the store grows. The setting lasts one transaction, so each
// write sets it on the buckets it appends to (appended). The cases themselves are too large for
// it to matter (bbolt leaves at least two on each side of a split), and buckets keyed by hashes
// (idempotency, quotas, credentials) keep the default, which suits keys that land anywhere.
const appendFill = 0.9

// appended returns b set to pack its pages to appendFill in this transaction.
func appended(b *bolt.Bucket) *bolt.Bucket {
	b.FillPercent = appendFill
	return b
}

// The indexes, kept in the same transaction as the case they point to, so that the lists read
// only the cases they return: what they cost does not grow with the cases stored. Each maps a key
// that sorts in the list's order to nothing; the reference ends the key.
var (
	// bucketPending holds the cases whose intake side effects are not all settled, by creation.
	bucketPending = []byte("index-pending")
	// bucketDue holds the open cases with a response date, by that date.
	bucketDue = []byte("index-due")
	// bucketAssigned holds the open cases by mailbox, then by receipt.
	bucketAssigned = []byte("index-assigned")
	// bucketExpiry holds the cases with a retention end, by that instant, so that the purge
	// reads only the cases whose end has come rather than decoding every case each sweep.
	bucketExpiry = []byte("index-expiry")

	indexes = [][]byte{bucketPending, bucketDue, bucketAssigned, bucketExpiry}
	// indexVersion names the indexes' present layout; a file without it (made before the
	// indexes, or with another layout) has them, and the received index, rebuilt once, at Open.
	// Version 2 drops the entries that purges before it left behind; version 3 adds the expiry
	// index.
	keyIndexVersion = []byte("index-version")
	indexVersion    = []byte("3")
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
		for _, b := range [][]byte{bucketCases, bucketIdem, bucketSeq, bucketQuota, bucketCreds, bucketMeta, bucketDestr, bucketRestr, bucketMark} {
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

// rebuildIndexes makes every index afresh from the cases: once, for a file written before the
// indexes existed or in an older layout.
func rebuildIndexes(tx *bolt.Tx) error {
	for _, b := range append([][]byte{bucketReceived}, indexes...) {
		if err := tx.DeleteBucket(b); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
			return err
		}
		if _, err := tx.CreateBucket(b); err != nil {
			return err
		}
	}
	err := tx.Bucket(bucketCases).ForEach(func(k, v []byte) error {
		var c feedback.Case
		if err := json.Unmarshal(v, &c); err != nil {
			return fmt.Errorf("decode case %s: %w", k, err)
		}
		if err := putReceived(tx.Bucket(bucketReceived), &c); err != nil {
			return err
		}
		return moveIndexes(tx, nil, indexKeys(&c))
	})
	if err != nil {
		return fmt.Errorf("rebuild indexes: %w", err)
	}
	return tx.Bucket(bucketMeta).Put(keyIndexVersion, indexVersion)
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

// ListPending returns cases with side effects outstanding, oldest first.
func (s *Store) ListPending(_ context.Context) ([]*feedback.Case, error) {
	return s.list(bucketPending, nil, nil)
}

// ListDue returns open cases due on or before the date, soonest first.
func (s *Store) ListDue(_ context.Context, onOrBefore time.Time) ([]*feedback.Case, error) {
	// Keys start with the due date as the case holds it; the first one past the day ends
	// the walk.
	day := []byte(onOrBefore.Format(dateLayout))
	cs, err := s.list(bucketDue, nil, func(k []byte) bool { return bytes.Compare(k[:len(dateLayout)], day) <= 0 })
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].RespondBy.Before(cs[j].RespondBy) })
	return cs, err
}

// ListAssigned returns the open cases assigned to mailbox, oldest first.
func (s *Store) ListAssigned(_ context.Context, mailbox string) ([]*feedback.Case, error) {
	return s.list(bucketAssigned, append([]byte(mailbox), 0), nil)
}

// ListCases returns a page of the cases matching q, in feedback.ListKey order.
func (s *Store) ListCases(_ context.Context, q feedback.CaseQuery) (feedback.CasePage, error) {
	cs, err := s.walk(func(c *feedback.Case) bool { return q.Matches(c) && feedback.ListKey(c) > q.Cursor })
	if err != nil {
		return feedback.CasePage{}, err
	}
	sort.Slice(cs, func(i, j int) bool { return feedback.ListKey(cs[i]) < feedback.ListKey(cs[j]) })
	page := feedback.CasePage{Cases: cs}
	if q.Limit > 0 && len(cs) > q.Limit {
		page.Cases = cs[:q.Limit]
		page.Next = feedback.ListKey(cs[q.Limit-1])
	}
	return page, nil
}

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

// ListReceived walks the received index from the later of q.From and the cursor up to q.To,
// decoding only the cases in the range.
func (s *Store) ListReceived(_ context.Context, q feedback.ReceivedQuery) (feedback.CasePage, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = feedback.DefaultReceivedPage
	}
	start, end := []byte(feedback.ReceivedBound(q.From)), feedback.ReceivedBound(q.To)
	if c := []byte(q.Cursor + "\x00"); q.Cursor != "" && string(c) > string(start) {
		start = c
	}
	now := s.clock.Now()
	var page feedback.CasePage
	err := s.db.View(func(tx *bolt.Tx) error {
		cur := tx.Bucket(bucketReceived).Cursor()
		for k, v := cur.Seek(start); k != nil && string(k) < end; k, v = cur.Next() {
			if len(page.Cases) == limit {
				page.Next = feedback.ReceivedKey(page.Cases[limit-1])
				return nil
			}
			var r receivedRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decode received %s: %w", k, err)
			}
			c := r.toCase()
			if !c.Expired(now) {
				page.Cases = append(page.Cases, c)
			}
		}
		return nil
	})
	if err != nil {
		return feedback.CasePage{}, fmt.Errorf("boltstore: list received: %w", err)
	}
	return page, nil
}

// walk reads every case: the console's lists filter on so many fields that the embedded store
// (one council's local data) walks them rather than keep an index per filter, where DynamoDB
// queries its cases index.
func (s *Store) walk(keep func(*feedback.Case) bool) ([]*feedback.Case, error) {
	now := s.clock.Now()
	var out []*feedback.Case
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCases).ForEach(func(k, v []byte) error {
			var c feedback.Case
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("decode case %s: %w", k, err)
			}
			if !c.Expired(now) && keep(&c) {
				out = append(out, &c)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore: list cases: %w", err)
	}
	return out, nil
}

// list reads the cases an index names, in the index's order: those whose keys start with
// prefix, up to the first key that within refuses. Expired cases are left out.
func (s *Store) list(index, prefix []byte, within func(k []byte) bool) ([]*feedback.Case, error) {
	now := s.clock.Now()
	var out []*feedback.Case
	err := s.db.View(func(tx *bolt.Tx) error {
		cases, cur := tx.Bucket(bucketCases), tx.Bucket(index).Cursor()
		for k, _ := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = cur.Next() {
			if within != nil && !within(k) {
				break
			}
			ref := k[bytes.LastIndexByte(k, 0)+1:]
			v := cases.Get(ref)
			if v == nil {
				return fmt.Errorf("index %s names case %s, which is not stored", index, ref)
			}
			var c feedback.Case
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("decode case %s: %w", ref, err)
			}
			if !c.Expired(now) {
				out = append(out, &c)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore: list cases: %w", err)
	}
	return out, nil
}

// dateLayout starts the due index's keys: the due date as the case holds it, so that a walk
// can stop at a date exactly as the old whole-store filter did.
const dateLayout = "2006-01-02"

// indexKeys returns the case's key in each index it belongs in (by index name), or none.
func indexKeys(c *feedback.Case) map[string][]byte {
	keys := make(map[string][]byte, len(indexes))
	ref := "\x00" + c.Ref
	if c.Pending() {
		keys[string(bucketPending)] = []byte(feedback.SortableTime(c.CreatedAt) + ref)
	}
	if c.Status == feedback.StatusOpen && !c.RespondBy.IsZero() {
		keys[string(bucketDue)] = []byte(c.RespondBy.Format(dateLayout) + feedback.SortableTime(c.RespondBy) + ref)
	}
	if c.Status == feedback.StatusOpen {
		keys[string(bucketAssigned)] = []byte(c.AssignedTo + "\x00" + feedback.SortableTime(c.ReceivedAt) + ref)
	}
	if !c.ExpiresAt.IsZero() {
		keys[string(bucketExpiry)] = []byte(feedback.SortableTime(c.ExpiresAt) + ref)
	}
	return keys
}

// moveIndexes deletes the entries in before that after does not keep, and puts after's.
func moveIndexes(tx *bolt.Tx, before, after map[string][]byte) error {
	for _, name := range indexes {
		old, cur := before[string(name)], after[string(name)]
		if bytes.Equal(old, cur) {
			continue
		}
		b := appended(tx.Bucket(name))
		if old != nil {
			if err := b.Delete(old); err != nil {
				return err
			}
		}
		if cur != nil {
			if err := b.Put(cur, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

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

// receivedRecord is a case as the received index keeps it: what a report reads and nothing
// else (no message, contact, correspondence, letters, flags or history; of the side effects
// only when the acknowledgement went), with short keys and times as Unix nanoseconds, because
// a report decodes a year of these and decoding is most of its time.
type receivedRecord struct {
	Ref        string             `json:"r"`
	Kind       feedback.Kind      `json:"k"`
	Channel    feedback.Channel   `json:"c,omitempty"`
	Status     feedback.Status    `json:"s"`
	Stage      feedback.Stage     `json:"g,omitempty"`
	Area       string             `json:"a,omitempty"`
	AssignedTo string             `json:"t,omitempty"`
	Received   int64              `json:"rv,omitempty"`
	AckBy      int64              `json:"ab,omitempty"`
	RespondBy  int64              `json:"rb,omitempty"`
	Acked      int64              `json:"ak,omitempty"`
	Closed     int64              `json:"cl,omitempty"`
	Expires    int64              `json:"ex,omitempty"`
	Stages     []receivedStage    `json:"st,omitempty"`
	Ombudsman  *receivedOmbudsman `json:"o,omitempty"`
	Version    int                `json:"v"`
}

type receivedStage struct {
	Stage     feedback.Stage   `json:"g"`
	Opened    int64            `json:"op,omitempty"`
	RespondBy int64            `json:"rb,omitempty"`
	Extended  int              `json:"x,omitempty"`
	Outcome   feedback.Outcome `json:"oc,omitempty"`
	Lessons   string           `json:"l,omitempty"`
	Pence     int64            `json:"p,omitempty"`
	At        int64            `json:"at,omitempty"`
}

type receivedOmbudsman struct {
	Which    feedback.Ombudsman `json:"w"`
	Referred int64              `json:"rf,omitempty"`
	Decision feedback.Decision  `json:"d,omitempty"`
	Decided  int64              `json:"dd,omitempty"`
	Pence    int64              `json:"p,omitempty"`
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func newReceivedRecord(c *feedback.Case) receivedRecord {
	r := receivedRecord{Ref: c.Ref, Kind: c.Kind, Channel: c.Channel, Status: c.Status, Stage: c.Stage, Area: c.ServiceArea,
		AssignedTo: c.AssignedTo, Received: nanos(c.ReceivedAt), AckBy: nanos(c.AcknowledgeBy), RespondBy: nanos(c.RespondBy),
		Acked: nanos(c.AcknowledgedAt()), Closed: nanos(c.ClosedAt), Expires: nanos(c.ExpiresAt), Version: c.Version}
	for _, st := range c.Stages {
		r.Stages = append(r.Stages, receivedStage{Stage: st.Stage, Opened: nanos(st.OpenedAt), RespondBy: nanos(st.RespondBy),
			Extended: st.ExtendedBy, Outcome: st.Response.Outcome, Lessons: st.Response.Lessons,
			Pence: st.Response.CompensationPence, At: nanos(st.Response.At)})
	}
	if o := c.Ombudsman; o.Which != "" {
		r.Ombudsman = &receivedOmbudsman{Which: o.Which, Referred: nanos(o.ReferredOn), Decision: o.Decision,
			Decided: nanos(o.DecidedOn), Pence: o.CompensationPence}
	}
	return r
}

func (r receivedRecord) toCase() *feedback.Case {
	c := &feedback.Case{Ref: r.Ref, Kind: r.Kind, Channel: r.Channel, Status: r.Status, Stage: r.Stage, ServiceArea: r.Area,
		AssignedTo: r.AssignedTo, ReceivedAt: fromNanos(r.Received), AcknowledgeBy: fromNanos(r.AckBy),
		RespondBy: fromNanos(r.RespondBy), ClosedAt: fromNanos(r.Closed), ExpiresAt: fromNanos(r.Expires), Version: r.Version}
	if r.Acked != 0 {
		c.Effects = feedback.Effects{feedback.EffectAcknowledgement: {State: feedback.EffectDone, At: fromNanos(r.Acked)}}
	}
	for _, st := range r.Stages {
		c.Stages = append(c.Stages, feedback.StageRecord{Stage: st.Stage, OpenedAt: fromNanos(st.Opened), RespondBy: fromNanos(st.RespondBy),
			ExtendedBy: st.Extended, Response: feedback.Response{Outcome: st.Outcome, Lessons: st.Lessons,
				CompensationPence: st.Pence, At: fromNanos(st.At)}})
	}
	if o := r.Ombudsman; o != nil {
		c.Ombudsman = feedback.OmbudsmanRecord{Which: o.Which, ReferredOn: fromNanos(o.Referred), Decision: o.Decision,
			DecidedOn: fromNanos(o.Decided), CompensationPence: o.Pence}
	}
	return c
}

// putReceived writes the case's entry in the received index.
func putReceived(b *bolt.Bucket, c *feedback.Case) error {
	k, v, err := encodeReceived(c)
	if err != nil {
		return err
	}
	return b.Put(k, v)
}

// encodeReceived returns the case's key and entry in the received index, made before a write
// transaction so that the transaction only puts them.
func encodeReceived(c *feedback.Case) (k, v []byte, err error) {
	v, err = json.Marshal(newReceivedRecord(c))
	if err != nil {
		return nil, nil, fmt.Errorf("encode case %s: %w", c.Ref, err)
	}
	return []byte(feedback.ReceivedKey(c)), v, nil
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

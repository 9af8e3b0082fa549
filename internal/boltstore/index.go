package boltstore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/council/intake/internal/feedback"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
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
	// bucketDue holds the open cases with a response date, or a window to ask for Stage 2, by
	// that date (feedback.DueOn).
	bucketDue = []byte("index-due")
	// bucketAssigned holds the open cases by mailbox, then by receipt.
	bucketAssigned = []byte("index-assigned")
	// bucketExpiry holds the cases with a retention end, by that instant, so that the purge
	// reads only the cases whose end has come rather than decoding every case each sweep.
	bucketExpiry = []byte("index-expiry")
	// bucketSearch holds every case under each of its search keys (feedback.SearchKeys): the
	// key, a NUL, then the case's feedback.ReceivedKey, so that a key's cases sort by receipt.
	bucketSearch = []byte("index-search")

	indexes = [][]byte{bucketPending, bucketDue, bucketAssigned, bucketExpiry, bucketSearch}
	// indexVersion names the indexes' present layout; a file without it (made before the
	// indexes, or with another layout) has them, and the received index, rebuilt once, at Open.
	// Version 2 drops the entries that purges before it left behind; version 3 adds the expiry
	// index; version 4 the search index; version 5 adds to the due index the cases answered at
	// Stage 1 (feedback.DueOn).
	keyIndexVersion = []byte("index-version")
	indexVersion    = []byte("5")
)

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

// dateLayout starts the due index's keys: the due date as the case holds it, so that a walk
// can stop at a date exactly as the old whole-store filter did.
const dateLayout = "2006-01-02"

// indexKeys returns the case's entries in each index it belongs in (by index name): one in
// most, one per search key in the search index.
func indexKeys(c *feedback.Case) map[string][][]byte {
	keys := make(map[string][][]byte, len(indexes))
	ref := "\x00" + c.Ref
	one := func(b []byte, k string) { keys[string(b)] = [][]byte{[]byte(k)} }
	if c.Pending() {
		one(bucketPending, feedback.SortableTime(c.CreatedAt)+ref)
	}
	if due := feedback.DueOn(c); !due.IsZero() {
		one(bucketDue, due.Format(dateLayout)+feedback.SortableTime(due)+ref)
	}
	if c.Status == feedback.StatusOpen {
		one(bucketAssigned, c.AssignedTo+"\x00"+feedback.SortableTime(c.ReceivedAt)+ref)
	}
	if !c.ExpiresAt.IsZero() {
		one(bucketExpiry, feedback.SortableTime(c.ExpiresAt)+ref)
	}
	received := feedback.ReceivedKey(c)
	for _, k := range feedback.SearchKeys(c) {
		keys[string(bucketSearch)] = append(keys[string(bucketSearch)], []byte(k+"\x00"+received))
	}
	return keys
}

// moveIndexes deletes the entries in before that after does not keep, and puts after's new ones.
func moveIndexes(tx *bolt.Tx, before, after map[string][][]byte) error {
	for _, name := range indexes {
		old, cur := before[string(name)], after[string(name)]
		if slices.EqualFunc(old, cur, bytes.Equal) {
			continue
		}
		b := tx.Bucket(name)
		if !bytes.Equal(name, bucketSearch) { // its keys start with hashes, which land anywhere
			b = appended(b)
		}
		for _, k := range old {
			if !slices.ContainsFunc(cur, func(c []byte) bool { return bytes.Equal(c, k) }) {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
		}
		for _, k := range cur {
			if !slices.ContainsFunc(old, func(o []byte) bool { return bytes.Equal(o, k) }) {
				if err := b.Put(k, nil); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

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

// ListPending returns cases with side effects outstanding, oldest first.
func (s *Store) ListPending(_ context.Context) ([]*feedback.Case, error) {
	return s.list(bucketPending, nil, nil)
}

// ListDue returns open cases due (feedback.DueOn) on or before the date, soonest first.
func (s *Store) ListDue(_ context.Context, onOrBefore time.Time) ([]*feedback.Case, error) {
	// Keys start with the due date as the case holds it; the first one past the day ends
	// the walk.
	day := []byte(onOrBefore.Format(dateLayout))
	cs, err := s.list(bucketDue, nil, func(k []byte) bool { return bytes.Compare(k[:len(dateLayout)], day) <= 0 })
	sort.SliceStable(cs, func(i, j int) bool { return feedback.DueOn(cs[i]).Before(feedback.DueOn(cs[j])) })
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

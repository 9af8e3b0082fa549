package boltstore

import (
	"bytes"
	"context"

	"github.com/council/intake/internal/feedback"
	bolt "go.etcd.io/bbolt"
)

// Search walks the search index's entries under q.Keys[0] backwards (newest received first)
// from q.Cursor, checks the other keys' entries for the same case in the index itself, and
// decodes only the cases it returns. The index is written in the case's own transaction, so it
// is never behind the case.
func (s *Store) Search(_ context.Context, q feedback.SearchQuery) (feedback.CasePage, error) {
	page := feedback.CasePage{Cases: []*feedback.Case{}}
	if len(q.Keys) == 0 {
		return page, nil
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		idx := tx.Bucket(bucketSearch)
		prefix := []byte(q.Keys[0] + "\x00")
		cur := idx.Cursor()
		// Seek finds the first entry at or after the bound; the walk starts before it.
		bound := append(bytes.Clone(prefix[:len(prefix)-1]), 1)
		if q.Cursor != "" {
			bound = append(bytes.Clone(prefix), q.Cursor...)
		}
		k, _ := cur.Seek(bound)
		if k == nil {
			k, _ = cur.Last()
		} else {
			k, _ = cur.Prev()
		}
		for ; k != nil && bytes.HasPrefix(k, prefix); k, _ = cur.Prev() {
			received := k[len(prefix):]
			if !hasAll(idx, q.Keys[1:], received) {
				continue
			}
			if q.Limit > 0 && len(page.Cases) == q.Limit {
				page.Next = feedback.ReceivedKey(page.Cases[len(page.Cases)-1])
				return nil
			}
			ref := received[bytes.LastIndexByte(received, '#')+1:]
			c, err := s.get(tx, string(ref))
			if feedback.ErrorCode(err) == feedback.ENOTFOUND {
				continue // expired, and not yet purged
			}
			if err != nil {
				return err
			}
			page.Cases = append(page.Cases, c)
		}
		return nil
	})
	if err != nil {
		return feedback.CasePage{}, wrap("search", err)
	}
	return page, nil
}

// hasAll reports whether the case received as received has an entry under each of keys.
func hasAll(idx *bolt.Bucket, keys []string, received []byte) bool {
	for _, k := range keys {
		if idx.Get(append([]byte(k+"\x00"), received...)) == nil {
			return false
		}
	}
	return true
}

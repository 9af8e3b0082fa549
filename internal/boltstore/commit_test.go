package boltstore

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// openCommitter opens a bbolt file of its own with a committer on it.
func openCommitter(t *testing.T) (*committer, *bolt.DB) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "test.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c := newCommitter(db)
	t.Cleanup(func() { c.Close(); db.Close() })
	return c, db
}

var bucketTest = []byte("test")

// put returns a write that stores key=key in the test bucket and records its transaction's id.
func put(key string, txs *sync.Map) func(*bolt.Tx) error {
	return func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketTest)
		if err != nil {
			return err
		}
		txs.Store(key, tx.ID())
		return b.Put([]byte(key), []byte(key))
	}
}

// stored lists the keys in the test bucket.
func stored(t *testing.T, s *bolt.DB) []string {
	t.Helper()
	var keys []string
	err := s.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketTest); b != nil {
			return b.ForEach(func(k, _ []byte) error { keys = append(keys, string(k)); return nil })
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// TestCommitter_SharesCommits: writes that arrive while a commit is under way
// share the next one; a write that fails, or panics, fails alone and the others are committed.
func TestCommitter_SharesCommits(t *testing.T) {
	tests := []struct {
		name    string
		bad     func(*bolt.Tx) error // one of the waiting writes, or nil
		wantErr string
	}{
		{"all good", nil, ""},
		{"one refused", func(*bolt.Tx) error { return errors.New("refused") }, "refused"},
		{"one panics", func(*bolt.Tx) error { panic("a bug") }, "a write panicked: a bug"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, db := openCommitter(t)
			var txs sync.Map

			// The first write holds its commit open until the others are all waiting.
			const waiting = 20
			started, release := make(chan struct{}), make(chan struct{})
			first := make(chan error, 1)
			go func() {
				first <- c.Batch(func(tx *bolt.Tx) error {
					close(started)
					<-release
					return put("first", &txs)(tx)
				})
			}()
			<-started

			var wg sync.WaitGroup
			errs := make([]error, waiting+1)
			for i := range waiting {
				wg.Go(func() { errs[i] = c.Batch(put(fmt.Sprintf("w%02d", i), &txs)) })
			}
			want := waiting
			if tt.bad != nil {
				want++
				wg.Go(func() { errs[waiting] = c.Batch(tt.bad) })
			}
			// The first commit cannot end before release: wait until every other write is
			// queued behind it.
			for len(c.queue) < want {
				time.Sleep(time.Millisecond)
			}
			close(release)
			if err := <-first; err != nil {
				t.Fatalf("first write: %v", err)
			}
			wg.Wait()

			for i, err := range errs[:waiting] {
				if err != nil {
					t.Errorf("write %d: %v", i, err)
				}
			}
			if got := errs[waiting]; tt.wantErr != "" && (got == nil || !strings.Contains(got.Error(), tt.wantErr)) {
				t.Errorf("the bad write's error = %v; want one saying %q", got, tt.wantErr)
			}
			if got := len(stored(t, db)); got != waiting+1 {
				t.Errorf("%d keys stored; want %d (the first and every good write)", got, waiting+1)
			}
			ids := map[any]bool{}
			txs.Range(func(_, id any) bool { ids[id] = true; return true })
			// A batch that fails is rolled back and run again without the bad write: the same
			// transaction id. So two: the first write's, and the one all the others shared.
			if len(ids) != 2 {
				t.Errorf("the %d writes took %d transactions; want 2: writes waiting behind a commit share the next", waiting+1, len(ids))
			}
		})
	}
}

// TestCommitter_Alone: a lone write is committed in a transaction of its own, and a write after
// Close is refused, not lost in a queue no one reads.
func TestCommitter_Alone(t *testing.T) {
	c, db := openCommitter(t)
	var txs sync.Map
	for i := range 3 {
		if err := c.Batch(put(fmt.Sprint(i), &txs)); err != nil {
			t.Fatal(err)
		}
	}
	if got := strings.Join(stored(t, db), ","); got != "0,1,2" {
		t.Errorf("stored %q; want 0,1,2", got)
	}
	ids := map[any]bool{}
	txs.Range(func(_, id any) bool { ids[id] = true; return true })
	if len(ids) != 3 {
		t.Errorf("3 writes one after another took %d transactions; want 3", len(ids))
	}
	c.Close()
	if err := c.Batch(put("late", &txs)); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("Batch after Close = %v; want an error saying the store is closed", err)
	}
}

package boltstore

import (
	"errors"
	"fmt"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// maxBatch is the most writes one commit carries (bbolt's own DefaultMaxBatchSize).
const maxBatch = 1000

// errClosed answers a write made after Close.
var errClosed = errors.New("boltstore: the store is closed")

// committer shares commits between concurrent writers (group commit) without making any of them
// wait for company. A write that finds the file idle is committed at once; the writes that
// arrive while a commit is under way (its page writes and its two fdatasyncs) go together in
// the next one. So a lone writer pays one commit, as with db.Update, and under load a commit
// carries as many writes as arrived while the last one was on its way to the disk: a slow disk
// gathers larger batches by itself. bbolt's own db.Batch instead waits MaxBatchDelay for company
// every time, which a lone writer pays in full and which no one setting suits every disk.
//
// One goroutine commits; Close stops it.
type committer struct {
	db    *bolt.DB
	queue chan *write
	done  chan struct{}

	mu     sync.RWMutex // Close holds it to close queue; writers hold it to send
	closed bool
}

// A write is one function waiting for its commit.
type write struct {
	fn     func(*bolt.Tx) error
	result chan error
}

func newCommitter(db *bolt.DB) *committer {
	c := &committer{db: db, queue: make(chan *write, maxBatch), done: make(chan struct{})}
	go c.run()
	return c
}

// Batch runs fn in a write transaction shared with whatever other writes are waiting, and
// returns once that transaction is on disk. As with bbolt's db.Batch, fn may run more than once
// (when another write in its batch fails, the rest are run again without it), so it must set
// its results afresh each time. An error fn returns fails only fn: it writes nothing and the
// others are committed without it.
func (c *committer) Batch(fn func(*bolt.Tx) error) error {
	w := &write{fn: fn, result: make(chan error, 1)}
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return errClosed
	}
	c.queue <- w
	c.mu.RUnlock()
	return <-w.result
}

// Close commits what is queued and stops the committing goroutine.
func (c *committer) Close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.queue)
	}
	c.mu.Unlock()
	<-c.done
}

func (c *committer) run() {
	defer close(c.done)
	batch := make([]*write, 0, maxBatch)
	for w := range c.queue {
		batch = append(batch[:0], w)
	gather:
		for len(batch) < maxBatch {
			select {
			case w, ok := <-c.queue:
				if !ok {
					break gather
				}
				batch = append(batch, w)
			default:
				break gather
			}
		}
		c.commit(batch)
	}
}

// commit writes batch in one transaction. A write whose function fails is answered with its
// error and the rest are run again without it.
func (c *committer) commit(batch []*write) {
	for len(batch) > 0 {
		failed, ferr := -1, error(nil)
		err := c.db.Update(func(tx *bolt.Tx) error {
			for i, w := range batch {
				if err := run(w.fn, tx); err != nil {
					failed, ferr = i, err
					return err
				}
			}
			return nil
		})
		if failed < 0 {
			for _, w := range batch {
				w.result <- err
			}
			return
		}
		batch[failed].result <- ferr
		batch = append(batch[:failed], batch[failed+1:]...)
	}
}

// run calls fn, turning a panic into an error for fn's writer alone, so that one bad write
// cannot leave every other writer waiting for a commit that never comes.
func run(fn func(*bolt.Tx) error, tx *bolt.Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("boltstore: a write panicked: %v", r)
		}
	}()
	return fn(tx)
}

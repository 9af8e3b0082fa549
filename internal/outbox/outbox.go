// Package outbox is the local mailer: instead of sending email it keeps every message in a
// JSON-lines file under the data directory, where the local runner's outbox page shows it. It
// is held to the same conformance suite as the SES mailer.
package outbox

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/council/intake/internal/feedback"
)

// Sent is a message as the outbox keeps it.
type Sent struct {
	ID string `json:"id"`
	feedback.Message
	SentAt time.Time `json:"sent_at"`
}

// Outbox keeps sent mail in dir/outbox.jsonl. It is safe for concurrent use within a process.
// It sends one letter per Message.Key: asked again for a key it has sent, it answers with the
// first letter's id and appends nothing, which SES cannot do.
//
// The file stays open and letters are appended to it. Send returns only once its letter is on
// disk, but letters appended while another's fsync runs share the next one (group commit): one
// fsync per letter when letters come one at a time, far fewer under load, and the same
// durability either way.
type Outbox struct {
	path  string
	clock feedback.Clock

	mu    sync.Mutex // guards what follows: the file's end and what is in the file
	f     *os.File
	size  int64 // bytes of whole letters in the file
	count int
	keys  map[string]sent // Message.Key → the letter sent

	syncMu sync.Mutex // one fsync at a time; guards synced
	synced int64      // bytes known to be on disk
}

// sent is where a keyed letter is: its id, and the end of its line in the file.
type sent struct {
	id  string
	end int64
}

// Open returns the outbox kept in dir. A last line cut short, which a process killed in the
// middle of appending a long letter leaves (the kernel may stop a write at a page boundary), is
// removed: that letter never counted as sent, and is sent again by whoever sends it next.
func Open(dir string, clk feedback.Clock) (*Outbox, error) {
	o := &Outbox{path: filepath.Join(dir, "outbox.jsonl"), clock: clk, keys: map[string]sent{}}
	if err := o.repair(); err != nil {
		return nil, err
	}
	all, err := o.List()
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(o.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("outbox: open %s: %w", o.path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("outbox: stat %s: %w", o.path, err)
	}
	o.f, o.size, o.synced, o.count = f, st.Size(), st.Size(), len(all)
	for _, s := range all {
		if s.Key != "" {
			o.keys[s.Key] = sent{id: s.ID, end: o.size}
		}
	}
	return o, nil
}

// Close closes the file. Every letter Send returned for is on disk already.
func (o *Outbox) Close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.f.Close()
}

// Send appends m to the outbox and returns once it is on disk.
func (o *Outbox) Send(_ context.Context, m feedback.Message) (string, error) {
	if err := m.Validate(); err != nil {
		return "", err
	}
	o.mu.Lock()
	if prior, ok := o.keys[m.Key]; ok && m.Key != "" {
		o.mu.Unlock()
		// The first Send of this key may still be waiting for its fsync: answer only once
		// the letter is on disk.
		return prior.id, o.syncTo(prior.end)
	}
	s := Sent{ID: "local-" + strconv.Itoa(o.count+1), Message: m, SentAt: o.clock.Now().UTC()}
	line, err := json.Marshal(s)
	if err != nil {
		o.mu.Unlock()
		return "", fmt.Errorf("outbox: encode message: %w", err)
	}
	if _, err := o.f.Write(append(line, '\n')); err != nil {
		// Leave no part of the line for the next letter to follow.
		o.f.Truncate(o.size)
		o.mu.Unlock()
		return "", fmt.Errorf("outbox: append to %s: %w", o.path, err)
	}
	o.count++
	o.size += int64(len(line)) + 1
	end := o.size
	if m.Key != "" {
		o.keys[m.Key] = sent{id: s.ID, end: end}
	}
	o.mu.Unlock()
	return s.ID, o.syncTo(end)
}

// syncTo returns once the file is on disk up to end. One fsync covers every letter appended
// before it began, so a caller that waited for another's fsync may find its letter covered.
func (o *Outbox) syncTo(end int64) error {
	o.syncMu.Lock()
	defer o.syncMu.Unlock()
	if o.synced >= end {
		return nil
	}
	o.mu.Lock()
	size := o.size
	o.mu.Unlock()
	if err := o.f.Sync(); err != nil {
		// Not known to be on disk: the caller's effect fails for now and, tried again, finds
		// its key and syncs again.
		return fmt.Errorf("outbox: sync %s: %w", o.path, err)
	}
	o.synced = size
	return nil
}

func (o *Outbox) repair() error {
	data, err := os.ReadFile(o.path)
	if os.IsNotExist(err) || len(data) == 0 || data[len(data)-1] == '\n' {
		return nil
	}
	if err != nil {
		return fmt.Errorf("outbox: read %s: %w", o.path, err)
	}
	if err := os.Truncate(o.path, int64(bytes.LastIndexByte(data, '\n')+1)); err != nil {
		return fmt.Errorf("outbox: remove the torn last line of %s: %w", o.path, err)
	}
	return nil
}

// List returns every message sent, oldest first.
func (o *Outbox) List() ([]Sent, error) {
	// A letter being appended is not read half-written.
	o.mu.Lock()
	defer o.mu.Unlock()
	data, err := os.ReadFile(o.path)
	if os.IsNotExist(err) {
		return []Sent{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("outbox: read %s: %w", o.path, err)
	}
	out := []Sent{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var s Sent
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			return nil, fmt.Errorf("outbox: %s line %d: %w", o.path, n, err)
		}
		out = append(out, s)
	}
	return out, sc.Err()
}

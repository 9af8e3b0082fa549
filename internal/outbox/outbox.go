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
type Outbox struct {
	mu    sync.Mutex
	path  string
	clock feedback.Clock
	count int
	keys  map[string]string // Message.Key → id of the letter sent
}

// Open returns the outbox kept in dir. A last line cut short, which a process killed in the
// middle of appending a long letter leaves (the kernel may stop a write at a page boundary), is
// removed: that letter never counted as sent, and is sent again by whoever sends it next.
func Open(dir string, clk feedback.Clock) (*Outbox, error) {
	o := &Outbox{path: filepath.Join(dir, "outbox.jsonl"), clock: clk, keys: map[string]string{}}
	if err := o.repair(); err != nil {
		return nil, err
	}
	all, err := o.List()
	if err != nil {
		return nil, err
	}
	o.count = len(all)
	for _, s := range all {
		if s.Key != "" {
			o.keys[s.Key] = s.ID
		}
	}
	return o, nil
}

// Send appends m to the outbox.
func (o *Outbox) Send(_ context.Context, m feedback.Message) (string, error) {
	if err := m.Validate(); err != nil {
		return "", err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if id, ok := o.keys[m.Key]; ok && m.Key != "" {
		return id, nil
	}
	o.count++
	s := Sent{ID: "local-" + strconv.Itoa(o.count), Message: m, SentAt: o.clock.Now().UTC()}
	line, err := json.Marshal(s)
	if err != nil {
		return "", fmt.Errorf("outbox: encode message: %w", err)
	}
	f, err := os.OpenFile(o.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return "", fmt.Errorf("outbox: open %s: %w", o.path, err)
	}
	defer f.Close()
	if _, err := f.Write(append(line, '\n')); err != nil {
		return "", fmt.Errorf("outbox: append to %s: %w", o.path, err)
	}
	if err := f.Sync(); err != nil {
		return "", fmt.Errorf("outbox: sync %s: %w", o.path, err)
	}
	if m.Key != "" {
		o.keys[m.Key] = s.ID
	}
	return s.ID, nil
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

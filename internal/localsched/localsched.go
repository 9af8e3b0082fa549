// Package localsched is the local stand-in for EventBridge Scheduler: it keeps one-time
// reminders in a file under the data directory and fires each when the clock passes its time,
// deleting it after a successful run as EventBridge does with ActionAfterCompletion DELETE. It
// is held to the same conformance suite as the EventBridge adapter.
package localsched

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/council/intake/internal/feedback"
)

// Fire handles a reminder whose time has come. An error keeps the reminder for another try.
type Fire func(ctx context.Context, r feedback.Reminder) error

// Scheduler keeps reminders in dir/schedules.json.
type Scheduler struct {
	mu        sync.Mutex
	path      string
	clock     feedback.Clock
	reminders map[string]feedback.Reminder
}

// Open loads the reminders kept in dir.
func Open(dir string, clk feedback.Clock) (*Scheduler, error) {
	s := &Scheduler{path: filepath.Join(dir, "schedules.json"), clock: clk, reminders: map[string]feedback.Reminder{}}
	data, err := os.ReadFile(s.path)
	switch {
	case os.IsNotExist(err):
	case err != nil:
		return nil, fmt.Errorf("localsched: read %s: %w", s.path, err)
	default:
		if err := json.Unmarshal(data, &s.reminders); err != nil {
			return nil, fmt.Errorf("localsched: %s is not valid JSON: %w", s.path, err)
		}
	}
	return s, nil
}

// Schedule keeps r; an existing reminder with the same name is left as it is.
func (s *Scheduler) Schedule(_ context.Context, r feedback.Reminder) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.reminders[r.Name]; ok {
		return nil
	}
	s.reminders[r.Name] = r
	return s.save()
}

// Cancel forgets the named reminder.
func (s *Scheduler) Cancel(_ context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.reminders[name]; !ok {
		return nil
	}
	delete(s.reminders, name)
	return s.save()
}

// List returns every reminder held, soonest first.
func (s *Scheduler) List() []feedback.Reminder {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]feedback.Reminder, 0, len(s.reminders))
	for _, r := range s.reminders {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].At.Equal(out[j].At) {
			return out[i].At.Before(out[j].At)
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// FireDue fires every reminder whose time has come, soonest first, and deletes each that fired
// without error. It returns how many fired successfully.
func (s *Scheduler) FireDue(ctx context.Context, fire Fire, log *slog.Logger) int {
	now := s.clock.Now()
	fired := 0
	for _, r := range s.List() {
		if r.At.After(now) {
			break
		}
		if err := fire(ctx, r); err != nil {
			log.Error("reminder failed; it will be tried again", "reminder", r.Name, "err", err)
			continue
		}
		if err := s.Cancel(ctx, r.Name); err != nil {
			log.Error("could not delete a fired reminder", "reminder", r.Name, "err", err)
		}
		fired++
	}
	return fired
}

// Run fires due reminders every interval until ctx is done.
func (s *Scheduler) Run(ctx context.Context, interval time.Duration, fire Fire, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		s.FireDue(ctx, fire, log)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// save writes the reminders atomically: a crash leaves the old file or the new, never half.
func (s *Scheduler) save() error {
	data, err := json.MarshalIndent(s.reminders, "", "  ")
	if err != nil {
		return fmt.Errorf("localsched: encode: %w", err)
	}
	tmp := s.path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("localsched: write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, s.path); err != nil {
		return fmt.Errorf("localsched: replace %s: %w", s.path, err)
	}
	return nil
}

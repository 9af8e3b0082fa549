// Package embedded wires Intake's embedded adapters (the bbolt store, the local outbox, the
// local scheduler and the blob directory) into one feedback.Service over a data directory: what the local runner runs
// on, and what tests use in place of AWS.
package embedded

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/council/intake/internal/boltstore"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/fileblobs"
	"github.com/council/intake/internal/localsched"
	"github.com/council/intake/internal/outbox"
)

// Stack is the service with its embedded adapters.
type Stack struct {
	Store     *boltstore.Store
	Blobs     *fileblobs.Dir
	Outbox    *outbox.Outbox
	Scheduler *localsched.Scheduler
	Service   *feedback.Service
}

// Open opens (creating) the data directory and returns the service described by svc, whose
// Clock, Calendar, Policy, Council, Routing and Log are kept and whose Store, Mailer and
// Scheduler are the embedded adapters.
func Open(dir string, svc feedback.Service) (*Stack, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("embedded: create data directory %s: %w", dir, err)
	}
	st, err := boltstore.Open(dir, svc.Clock)
	if err != nil {
		return nil, err
	}
	ob, err := outbox.Open(dir, svc.Clock)
	if err != nil {
		st.Close()
		return nil, err
	}
	// Reminders live in the store's file, so that scheduling them shares its group commits.
	sc, err := localsched.Open(st, svc.Clock)
	if err == nil {
		// An older Intake kept them in a file of their own.
		err = sc.Import(context.Background(), filepath.Join(dir, "schedules.json"))
	}
	if err != nil {
		ob.Close()
		st.Close()
		return nil, err
	}
	bl, err := fileblobs.New(filepath.Join(dir, "blobs"))
	if err != nil {
		st.Close()
		return nil, err
	}
	svc.Store, svc.Mailer, svc.Scheduler, svc.Blobs, svc.Restrictions, svc.Markers = st, ob, sc, bl, st, st
	return &Stack{Store: st, Blobs: bl, Outbox: ob, Scheduler: sc, Service: &svc}, nil
}

// Close releases the data directory.
func (s *Stack) Close() error {
	return errors.Join(s.Outbox.Close(), s.Blobs.Close(), s.Store.Close())
}

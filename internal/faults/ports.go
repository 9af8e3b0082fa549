package faults

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/council/intake/internal/feedback"
)

// Store is a feedback.Store whose calls that the domain's work rests on fail at the injector's
// rate: the reads and writes of intake, the ledger and the reminders. The rest (reports,
// retention, statistics) go straight through.
type Store struct {
	feedback.Store
	In *Injector
}

// numbering is the embedded store's one-write creation, which the domain looks for.
type numbering interface {
	CreateNumbered(ctx context.Context, sequence string, c *feedback.Case, ref func(seq int64) string) error
}

// numberingStore is a Store over a store that creates and numbers a case in one write.
type numberingStore struct{ *Store }

// WrapStore returns st with faults from in. If st numbers cases as it creates them, so does
// the result, so that the domain takes the same path it takes without faults.
func WrapStore(st feedback.Store, in *Injector) feedback.Store {
	s := &Store{Store: st, In: in}
	if _, ok := st.(numbering); ok {
		return numberingStore{s}
	}
	return s
}

// write runs a write through a fault: not at all (transient, permanent) or before an error
// (ambiguous).
func (s *Store) write(op string, do func() error) error {
	switch k := s.In.Next(PerCall); k {
	case Transient:
		return unavailable("case store", op, k)
	case Permanent:
		return fmt.Errorf("faults: case store %s: injected permanent failure: %w", op, feedback.Errorf(feedback.EINTERNAL, "internal error"))
	case Ambiguous:
		if err := do(); err != nil {
			return err
		}
		return unavailable("case store", op, k)
	}
	return do()
}

// read faults a read: it fails before it is made, or (ambiguous) is made and its answer lost.
func (s *Store) read(op string) error {
	switch k := s.In.Next(PerCall); k {
	case Transient, Ambiguous:
		return unavailable("case store", op, k)
	case Permanent:
		return fmt.Errorf("faults: case store %s: injected permanent failure: %w", op, feedback.Errorf(feedback.EINTERNAL, "internal error"))
	}
	return nil
}

// NextSequence is the inner store's, with faults.
func (s *Store) NextSequence(ctx context.Context, name string) (n int64, err error) {
	err = s.write("next sequence", func() (e error) { n, e = s.Store.NextSequence(ctx, name); return e })
	return n, err
}

// Create is the inner store's, with faults.
func (s *Store) Create(ctx context.Context, c *feedback.Case) error {
	return s.write("create", func() error { return s.Store.Create(ctx, c) })
}

// CreateNumbered is the inner store's, with faults.
func (s numberingStore) CreateNumbered(ctx context.Context, sequence string, c *feedback.Case, ref func(seq int64) string) error {
	return s.write("create", func() error { return s.Store.Store.(numbering).CreateNumbered(ctx, sequence, c, ref) })
}

// Get is the inner store's, with faults.
func (s *Store) Get(ctx context.Context, ref string) (*feedback.Case, error) {
	if err := s.read("get"); err != nil {
		return nil, err
	}
	return s.Store.Get(ctx, ref)
}

// GetByIdempotencyKey is the inner store's, with faults.
func (s *Store) GetByIdempotencyKey(ctx context.Context, key string) (*feedback.Case, error) {
	if err := s.read("get by idempotency key"); err != nil {
		return nil, err
	}
	return s.Store.GetByIdempotencyKey(ctx, key)
}

// Update is the inner store's, with faults.
func (s *Store) Update(ctx context.Context, ref string, fn func(*feedback.Case) error) (c *feedback.Case, err error) {
	err = s.write("update", func() (e error) { c, e = s.Store.Update(ctx, ref, fn); return e })
	return c, err
}

// UpdateFrom is the inner store's, with faults.
func (s *Store) UpdateFrom(ctx context.Context, known *feedback.Case, fn func(*feedback.Case) error) (c *feedback.Case, err error) {
	err = s.write("update", func() (e error) { c, e = s.Store.UpdateFrom(ctx, known, fn); return e })
	return c, err
}

// ListPending is the inner store's, with faults.
func (s *Store) ListPending(ctx context.Context) ([]*feedback.Case, error) {
	if err := s.read("list pending"); err != nil {
		return nil, err
	}
	return s.Store.ListPending(ctx)
}

// ListDue is the inner store's, with faults.
func (s *Store) ListDue(ctx context.Context, onOrBefore time.Time) ([]*feedback.Case, error) {
	if err := s.read("list due"); err != nil {
		return nil, err
	}
	return s.Store.ListDue(ctx, onOrBefore)
}

// TakeQuota is the inner store's, with faults.
func (s *Store) TakeQuota(ctx context.Context, key, use string, limit int, window time.Duration) (ok bool, err error) {
	err = s.write("take quota", func() (e error) { ok, e = s.Store.TakeQuota(ctx, key, use, limit, window); return e })
	return ok, err
}

// Mailer is a feedback.Mailer that fails at the injector's rate. It refuses for good every
// letter to an address it refuses (by the address, as SES refuses a suppressed address), other
// than the staff's: Intake's own mailboxes are the council's to fix, and a run that refused one
// would refuse every letter to it.
type Mailer struct {
	feedback.Mailer
	In *Injector
	// Staff are the addresses never refused for good (lower case).
	Staff map[string]bool
}

// Send is the inner mailer's, with faults.
func (m *Mailer) Send(ctx context.Context, msg feedback.Message) (string, error) {
	for _, to := range msg.To {
		to = strings.ToLower(to)
		if !m.Staff[to] && m.In.Refused("mail/"+to) {
			return "", fmt.Errorf("faults: mailer send: injected permanent failure: %w",
				feedback.Errorf(feedback.EINVALID, "the email service refused the message for good (injected)"))
		}
	}
	switch k := m.In.Next(ByKey); k {
	case Transient:
		return "", unavailable("email service", "send", k)
	case Ambiguous:
		if _, err := m.Mailer.Send(ctx, msg); err != nil {
			return "", err
		}
		return "", unavailable("email service", "send", k)
	}
	return m.Mailer.Send(ctx, msg)
}

// Scheduler is a feedback.Scheduler that fails at the injector's rate. A reminder it refuses
// for good (by its name) it refuses every time; cancelling is never refused for good.
type Scheduler struct {
	feedback.Scheduler
	In *Injector
}

// Schedule is the inner scheduler's, with faults.
func (s *Scheduler) Schedule(ctx context.Context, r feedback.Reminder) error {
	if s.In.Refused("schedule/" + r.Name) {
		return fmt.Errorf("faults: scheduler: injected permanent failure: %w",
			feedback.Errorf(feedback.EINVALID, "the scheduler refused the reminder for good (injected)"))
	}
	return faulted(s.In, ByKey, "scheduler", "schedule", func() error { return s.Scheduler.Schedule(ctx, r) })
}

// Cancel is the inner scheduler's, with faults.
func (s *Scheduler) Cancel(ctx context.Context, name string) error {
	return faulted(s.In, Never, "scheduler", "cancel", func() error { return s.Scheduler.Cancel(ctx, name) })
}

// Blobs is a feedback.Blobs whose calls fail, transiently or ambiguously, at the injector's
// rate.
type Blobs struct {
	feedback.Blobs
	In *Injector
}

// Put is the inner store's, with faults.
func (b *Blobs) Put(ctx context.Context, key string, body []byte, contentType string) error {
	return faulted(b.In, Never, "blob store", "put", func() error { return b.Blobs.Put(ctx, key, body, contentType) })
}

// Get is the inner store's, with faults.
func (b *Blobs) Get(ctx context.Context, key string) (body []byte, err error) {
	err = faulted(b.In, Never, "blob store", "get", func() (e error) { body, e = b.Blobs.Get(ctx, key); return e })
	return body, err
}

// Delete is the inner store's, with faults.
func (b *Blobs) Delete(ctx context.Context, key string) error {
	return faulted(b.In, Never, "blob store", "delete", func() error { return b.Blobs.Delete(ctx, key) })
}

// faulted runs do through a transient or ambiguous fault, or lets it through; p says whether
// the permanent share of faults is decided elsewhere or fails ambiguously.
func faulted(in *Injector, p Permanence, port, op string, do func() error) error {
	switch k := in.Next(p); k {
	case Transient:
		return unavailable(port, op, k)
	case Ambiguous:
		if err := do(); err != nil {
			return err
		}
		return unavailable(port, op, k)
	}
	return do()
}

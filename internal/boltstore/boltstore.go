// Package boltstore keeps cases in a bbolt file under the local data directory: the embedded
// store that lets Intake run with no AWS account. It is held to the same conformance suite as
// the DynamoDB store.
package boltstore

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"time"

	"github.com/council/intake/internal/feedback"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

var (
	_ feedback.Store    = (*Store)(nil)
	_ feedback.Sessions = (*Store)(nil)

	bucketCases = []byte("cases")
	bucketIdem  = []byte("idempotency")
	bucketSeq   = []byte("sequences")
	bucketQuota = []byte("quotas")
	bucketCreds = []byte("credentials")
	// bucketReceived indexes the cases by feedback.ReceivedKey; each value is the case as a
	// report reads it (receivedRecord), so that a report reads a year's cases without
	// touching any other case or decoding what a report does not need.
	bucketReceived = []byte("received")
)

// Store is a feedback.Store in one bbolt file. bbolt serialises writers, so every update is a
// transaction and there are no lost updates to retry.
type Store struct {
	db    *bolt.DB
	clock feedback.Clock
}

// Open opens (creating if need be) the store at dir/intake.db. Only one process may hold it: a
// second gets an error saying so after a second's wait.
func Open(dir string, clk feedback.Clock) (*Store, error) {
	path := filepath.Join(dir, "intake.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("boltstore: %s is in use by another Intake process; stop it or choose another data directory", path)
	}
	if err != nil {
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketCases, bucketIdem, bucketSeq, bucketQuota, bucketCreds} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		if tx.Bucket(bucketReceived) != nil {
			return nil
		}
		// A data directory from before the index: build it once from the cases.
		idx, err := tx.CreateBucket(bucketReceived)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketCases).ForEach(func(k, v []byte) error {
			var c feedback.Case
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("decode case %s: %w", k, err)
			}
			return putReceived(idx, &c)
		})
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("boltstore: create buckets in %s: %w", path, err)
	}
	return &Store{db: db, clock: clk}, nil
}

// Close releases the file.
func (s *Store) Close() error { return s.db.Close() }

// NextSequence increments the named counter.
func (s *Store) NextSequence(_ context.Context, name string) (int64, error) {
	var n uint64
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSeq)
		if v := b.Get([]byte(name)); v != nil {
			n = binary.BigEndian.Uint64(v)
		}
		n++
		return b.Put([]byte(name), binary.BigEndian.AppendUint64(nil, n))
	})
	if err != nil {
		return 0, fmt.Errorf("boltstore: next %s: %w", name, err)
	}
	return int64(n), nil
}

// Create writes the case and its idempotency key together.
func (s *Store) Create(_ context.Context, c *feedback.Case) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		cases, idem := tx.Bucket(bucketCases), tx.Bucket(bucketIdem)
		if cases.Get([]byte(c.Ref)) != nil {
			return feedback.Errorf(feedback.ECONFLICT, "case %s already exists", c.Ref)
		}
		if c.IdempotencyKey != "" {
			if idem.Get([]byte(c.IdempotencyKey)) != nil {
				return feedback.Errorf(feedback.ECONFLICT, "the idempotency key was already used")
			}
			if err := idem.Put([]byte(c.IdempotencyKey), []byte(c.Ref)); err != nil {
				return err
			}
		}
		stored := *c
		stored.Version = 1
		if err := putReceived(tx.Bucket(bucketReceived), &stored); err != nil {
			return err
		}
		return put(cases, &stored)
	})
	if err != nil {
		return wrap("create case "+c.Ref, err)
	}
	c.Version = 1
	return nil
}

// Get returns a live case.
func (s *Store) Get(_ context.Context, ref string) (*feedback.Case, error) {
	var c *feedback.Case
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		c, err = s.get(tx, ref)
		return err
	})
	if err != nil {
		return nil, wrap("get case "+ref, err)
	}
	return c, nil
}

// GetByIdempotencyKey returns the live case created with key.
func (s *Store) GetByIdempotencyKey(_ context.Context, key string) (*feedback.Case, error) {
	var c *feedback.Case
	err := s.db.View(func(tx *bolt.Tx) error {
		ref := tx.Bucket(bucketIdem).Get([]byte(key))
		if ref == nil {
			return feedback.Errorf(feedback.ENOTFOUND, "no case has that idempotency key")
		}
		var err error
		c, err = s.get(tx, string(ref))
		return err
	})
	if err != nil {
		return nil, wrap("get by idempotency key", err)
	}
	return c, nil
}

// Update applies fn to the case inside one write transaction.
func (s *Store) Update(_ context.Context, ref string, fn func(*feedback.Case) error) (*feedback.Case, error) {
	var c *feedback.Case
	err := s.db.Update(func(tx *bolt.Tx) error {
		var err error
		if c, err = s.get(tx, ref); err != nil {
			return err
		}
		key, received := c.IdempotencyKey, feedback.ReceivedKey(c)
		if err := fn(c); err != nil {
			return err
		}
		if c.Ref != ref || c.IdempotencyKey != key {
			return feedback.Errorf(feedback.EINVALID, "the reference and idempotency key of case %s cannot change", ref)
		}
		idx := tx.Bucket(bucketReceived)
		if feedback.ReceivedKey(c) != received {
			if err := idx.Delete([]byte(received)); err != nil {
				return err
			}
		}
		if err := putReceived(idx, c); err != nil {
			return err
		}
		c.Version++
		return put(tx.Bucket(bucketCases), c)
	})
	if err != nil {
		return nil, wrap("update case "+ref, err)
	}
	return c, nil
}

// ListPending returns cases with side effects outstanding, oldest first.
func (s *Store) ListPending(_ context.Context) ([]*feedback.Case, error) {
	cs, err := s.list(func(c *feedback.Case) bool { return c.Pending() })
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].CreatedAt.Before(cs[j].CreatedAt) })
	return cs, err
}

// ListDue returns open cases due on or before the date, soonest first.
func (s *Store) ListDue(_ context.Context, onOrBefore time.Time) ([]*feedback.Case, error) {
	day := onOrBefore.Format("2006-01-02")
	cs, err := s.list(func(c *feedback.Case) bool {
		return c.Status == feedback.StatusOpen && !c.RespondBy.IsZero() && c.RespondBy.Format("2006-01-02") <= day
	})
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].RespondBy.Before(cs[j].RespondBy) })
	return cs, err
}

// ListAssigned returns the open cases assigned to mailbox, oldest first.
func (s *Store) ListAssigned(_ context.Context, mailbox string) ([]*feedback.Case, error) {
	cs, err := s.list(func(c *feedback.Case) bool { return c.Status == feedback.StatusOpen && c.AssignedTo == mailbox })
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].ReceivedAt.Before(cs[j].ReceivedAt) })
	return cs, err
}

// ListCases returns a page of the cases matching q, in feedback.ListKey order.
func (s *Store) ListCases(_ context.Context, q feedback.CaseQuery) (feedback.CasePage, error) {
	cs, err := s.list(func(c *feedback.Case) bool { return q.Matches(c) && feedback.ListKey(c) > q.Cursor })
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

// list walks every case; the embedded store holds one council's local data, not production
// volumes, so a walk is fine here where DynamoDB needs its indexes.
func (s *Store) list(keep func(*feedback.Case) bool) ([]*feedback.Case, error) {
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

// TakeQuota records a use of the quota key unless limit uses fall within the window already.
// A quota's old uses are pruned whenever it is taken.
func (s *Store) TakeQuota(_ context.Context, key, use string, limit int, window time.Duration) (bool, error) {
	now := s.clock.Now()
	allowed := false
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketQuota)
		uses := map[string]time.Time{}
		if v := b.Get([]byte(key)); v != nil {
			if err := json.Unmarshal(v, &uses); err != nil {
				return fmt.Errorf("decode quota: %w", err)
			}
		}
		if _, ok := uses[use]; ok {
			allowed = true
			return nil
		}
		for name, at := range uses {
			if now.Sub(at) >= window {
				delete(uses, name)
			}
		}
		if len(uses) >= limit {
			return nil
		}
		uses[use] = now
		allowed = true
		v, err := json.Marshal(uses)
		if err != nil {
			return err
		}
		return b.Put([]byte(key), v)
	})
	if err != nil {
		return false, fmt.Errorf("boltstore: take quota: %w", err)
	}
	return allowed, nil
}

func (s *Store) get(tx *bolt.Tx, ref string) (*feedback.Case, error) {
	v := tx.Bucket(bucketCases).Get([]byte(ref))
	if v == nil {
		return nil, feedback.Errorf(feedback.ENOTFOUND, "no case %s", ref)
	}
	var c feedback.Case
	if err := json.Unmarshal(v, &c); err != nil {
		return nil, fmt.Errorf("decode case %s: %w", ref, err)
	}
	if c.Expired(s.clock.Now()) {
		return nil, feedback.Errorf(feedback.ENOTFOUND, "no case %s", ref)
	}
	return &c, nil
}

// receivedRecord is a case as the received index keeps it: what a report reads and nothing
// else (no message, contact, correspondence, letters, flags or history; of the side effects
// only when the acknowledgement went), with short keys and times as Unix nanoseconds, because
// a report decodes a year of these and decoding is most of its time.
type receivedRecord struct {
	Ref        string             `json:"r"`
	Kind       feedback.Kind      `json:"k"`
	Channel    feedback.Channel   `json:"c,omitempty"`
	Status     feedback.Status    `json:"s"`
	Stage      feedback.Stage     `json:"g,omitempty"`
	Area       string             `json:"a,omitempty"`
	AssignedTo string             `json:"t,omitempty"`
	Received   int64              `json:"rv,omitempty"`
	AckBy      int64              `json:"ab,omitempty"`
	RespondBy  int64              `json:"rb,omitempty"`
	Acked      int64              `json:"ak,omitempty"`
	Closed     int64              `json:"cl,omitempty"`
	Expires    int64              `json:"ex,omitempty"`
	Stages     []receivedStage    `json:"st,omitempty"`
	Ombudsman  *receivedOmbudsman `json:"o,omitempty"`
	Version    int                `json:"v"`
}

type receivedStage struct {
	Stage     feedback.Stage   `json:"g"`
	Opened    int64            `json:"op,omitempty"`
	RespondBy int64            `json:"rb,omitempty"`
	Extended  int              `json:"x,omitempty"`
	Outcome   feedback.Outcome `json:"oc,omitempty"`
	Lessons   string           `json:"l,omitempty"`
	Pence     int64            `json:"p,omitempty"`
	At        int64            `json:"at,omitempty"`
}

type receivedOmbudsman struct {
	Which    feedback.Ombudsman `json:"w"`
	Referred int64              `json:"rf,omitempty"`
	Decision feedback.Decision  `json:"d,omitempty"`
	Decided  int64              `json:"dd,omitempty"`
	Pence    int64              `json:"p,omitempty"`
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func newReceivedRecord(c *feedback.Case) receivedRecord {
	r := receivedRecord{Ref: c.Ref, Kind: c.Kind, Channel: c.Channel, Status: c.Status, Stage: c.Stage, Area: c.ServiceArea,
		AssignedTo: c.AssignedTo, Received: nanos(c.ReceivedAt), AckBy: nanos(c.AcknowledgeBy), RespondBy: nanos(c.RespondBy),
		Acked: nanos(c.AcknowledgedAt()), Closed: nanos(c.ClosedAt), Expires: nanos(c.ExpiresAt), Version: c.Version}
	for _, st := range c.Stages {
		r.Stages = append(r.Stages, receivedStage{Stage: st.Stage, Opened: nanos(st.OpenedAt), RespondBy: nanos(st.RespondBy),
			Extended: st.ExtendedBy, Outcome: st.Response.Outcome, Lessons: st.Response.Lessons,
			Pence: st.Response.CompensationPence, At: nanos(st.Response.At)})
	}
	if o := c.Ombudsman; o.Which != "" {
		r.Ombudsman = &receivedOmbudsman{Which: o.Which, Referred: nanos(o.ReferredOn), Decision: o.Decision,
			Decided: nanos(o.DecidedOn), Pence: o.CompensationPence}
	}
	return r
}

func (r receivedRecord) toCase() *feedback.Case {
	c := &feedback.Case{Ref: r.Ref, Kind: r.Kind, Channel: r.Channel, Status: r.Status, Stage: r.Stage, ServiceArea: r.Area,
		AssignedTo: r.AssignedTo, ReceivedAt: fromNanos(r.Received), AcknowledgeBy: fromNanos(r.AckBy),
		RespondBy: fromNanos(r.RespondBy), ClosedAt: fromNanos(r.Closed), ExpiresAt: fromNanos(r.Expires), Version: r.Version}
	if r.Acked != 0 {
		c.Effects = feedback.Effects{feedback.EffectAcknowledgement: {State: feedback.EffectDone, At: fromNanos(r.Acked)}}
	}
	for _, st := range r.Stages {
		c.Stages = append(c.Stages, feedback.StageRecord{Stage: st.Stage, OpenedAt: fromNanos(st.Opened), RespondBy: fromNanos(st.RespondBy),
			ExtendedBy: st.Extended, Response: feedback.Response{Outcome: st.Outcome, Lessons: st.Lessons,
				CompensationPence: st.Pence, At: fromNanos(st.At)}})
	}
	if o := r.Ombudsman; o != nil {
		c.Ombudsman = feedback.OmbudsmanRecord{Which: o.Which, ReferredOn: fromNanos(o.Referred), Decision: o.Decision,
			DecidedOn: fromNanos(o.Decided), CompensationPence: o.Pence}
	}
	return c
}

// putReceived writes the case's entry in the received index.
func putReceived(b *bolt.Bucket, c *feedback.Case) error {
	v, err := json.Marshal(newReceivedRecord(c))
	if err != nil {
		return fmt.Errorf("encode case %s: %w", c.Ref, err)
	}
	return b.Put([]byte(feedback.ReceivedKey(c)), v)
}

func put(b *bolt.Bucket, c *feedback.Case) error {
	v, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode case %s: %w", c.Ref, err)
	}
	return b.Put([]byte(c.Ref), v)
}

// wrap adds context to infrastructure errors and passes domain errors through unchanged, so
// their codes and messages reach the caller.
func wrap(op string, err error) error {
	var e *feedback.Error
	if errors.As(err, &e) {
		return err
	}
	return fmt.Errorf("boltstore: %s: %w", op, err)
}

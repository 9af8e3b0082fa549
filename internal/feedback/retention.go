package feedback

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ReasonRetentionEnded is the reason the destruction log gives for a record destroyed because
// its retention period ended (Appendix 3 of the complaints policy: two years after closure, six
// if an Ombudsman was involved).
const ReasonRetentionEnded = "retention period ended"

// Destruction is one line of the destruction log: the evidence that a record was destroyed,
// and when and why. It holds no personal data (no name, address, contact or message text),
// so the log may be kept for years after the record itself has gone.
type Destruction struct {
	Ref        string    `json:"ref"`
	Kind       Kind      `json:"kind"`
	Channel    Channel   `json:"channel"`
	ReceivedAt time.Time `json:"received_at"`
	ClosedAt   time.Time `json:"closed_at,omitzero"`
	// ExpiredAt is when the retention period ended; DestroyedAt when the record went.
	ExpiredAt   time.Time `json:"expired_at"`
	DestroyedAt time.Time `json:"destroyed_at"`
	Reason      string    `json:"reason"`
	// Objects counts the stored files (raw mail, attachments) deleted with the record.
	Objects int `json:"objects"`
	// KeepUntil is when the log line itself expires (Policy.RetainDestructionLogYears).
	KeepUntil time.Time `json:"keep_until"`
}

// Hold is a legal hold on a case: while it stands the case has no retention end and is never
// destroyed.
type Hold struct {
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
}

// BlobKeys lists every stored object that belongs to the case: the raw first message, its
// attachments, and each later message's raw form and attachments. Destroying a case destroys
// them all.
func (c *Case) BlobKeys() []string {
	var keys []string
	add := func(k ...string) {
		for _, key := range k {
			if key != "" {
				keys = append(keys, key)
			}
		}
	}
	add(c.Raw)
	add(c.Attachments...)
	for _, m := range c.Messages {
		add(m.Raw)
		add(m.Attachments...)
	}
	return keys
}

// Destroy destroys what a case leaves outside its record once its retention period has ended:
// its stored files are deleted and a line, without personal data, is written to the
// destruction log and to the log, and the case's anonymous statistical record is kept (see
// keepStatistic). It is idempotent, so a redelivered stream record or a purge interrupted
// halfway does no harm. It refuses a case under legal hold or not yet expired: the
// record itself is deleted by DynamoDB's TTL in AWS, and by PurgeExpired locally.
func (s *Service) Destroy(ctx context.Context, c *Case) (Destruction, error) {
	now := s.Clock.Now()
	switch {
	case c.Hold != nil:
		return Destruction{}, Errorf(ECONFLICT, "Case %s is under legal hold and cannot be destroyed.", c.Ref)
	case !c.Expired(now):
		return Destruction{}, Errorf(ECONFLICT, "Case %s has not reached the end of its retention period.", c.Ref)
	}
	return s.destroy(ctx, c, ReasonRetentionEnded, c.ExpiresAt, true)
}

// destroy deletes the case's stored files and writes its destruction log line with reason;
// ended is when the record's life ended (its retention end, or the moment of an erasure). With
// keep, the line is written with the case's statistical record: a case destroyed at the end of
// its retention still counts in the annual report, while an erasure takes the figures with it.
func (s *Service) destroy(ctx context.Context, c *Case, reason string, ended time.Time, keep bool) (Destruction, error) {
	now := s.Clock.Now()
	keys := c.BlobKeys()
	if len(keys) > 0 && s.Blobs == nil {
		return Destruction{}, fmt.Errorf("destroy %s: %d stored files but no blob store is configured", c.Ref, len(keys))
	}
	var errs []error
	for _, k := range keys {
		if err := s.Blobs.Delete(ctx, k); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Destruction{}, fmt.Errorf("destroy %s: delete stored files: %w", c.Ref, err)
	}
	d := Destruction{
		Ref: c.Ref, Kind: c.Kind, Channel: c.Channel, ReceivedAt: c.ReceivedAt, ClosedAt: c.ClosedAt,
		ExpiredAt: ended, DestroyedAt: now, Reason: reason, Objects: len(keys),
		KeepUntil: now.AddDate(s.Policy.RetainDestructionLogYears, 0, 0),
	}
	log := func() error { return s.Store.LogDestruction(ctx, d) }
	if keep {
		log = func() error { return s.keepStatistic(ctx, c, d) }
	}
	if err := log(); err != nil {
		return Destruction{}, fmt.Errorf("destroy %s: %w", c.Ref, err)
	}
	s.log().Info("record destroyed", "ref", d.Ref, "kind", string(d.Kind), "channel", string(d.Channel),
		"received_at", d.ReceivedAt.UTC().Format(time.RFC3339), "closed_at", stampOrEmpty(d.ClosedAt),
		"expired_at", d.ExpiredAt.UTC().Format(time.RFC3339), "objects", d.Objects, "reason", d.Reason)
	return d, nil
}

func stampOrEmpty(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// purgeBatch is how many expired cases one PurgeExpired call destroys at most; the next sweep
// takes the rest.
const purgeBatch = 100

// PurgeExpired destroys the cases whose retention period has ended and deletes their records:
// the embedded store's stand-in for DynamoDB's TTL and the stream handler behind it. Each case's
// files and log line go first and the record last, so a purge interrupted halfway is finished
// by the next. It returns how many cases it destroyed.
func (s *Service) PurgeExpired(ctx context.Context) (int, error) {
	cases, err := s.Store.ListExpired(ctx, s.Clock.Now(), purgeBatch)
	if err != nil {
		return 0, fmt.Errorf("purge: %w", err)
	}
	n := 0
	var errs []error
	for _, c := range cases {
		if _, err := s.Destroy(ctx, c); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := s.Store.Purge(ctx, c.Ref); err != nil {
			errs = append(errs, fmt.Errorf("purge %s: %w", c.Ref, err))
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// PlaceHold puts a case under legal hold (the complaints team only, with a reason): its
// retention end is cleared, so it is never destroyed while the hold stands.
func (s *Service) PlaceHold(ctx context.Context, who StaffMember, ref, reason string) (*Case, error) {
	if err := cleanText("reason", &reason, true); err != nil {
		return nil, err
	}
	if who.Role != RoleAdmin {
		return nil, Errorf(EFORBIDDEN, "Only the complaints team places a legal hold.")
	}
	return s.act(ctx, who, ref, func(c *Case, now time.Time) error {
		if c.Hold != nil {
			return Errorf(ECONFLICT, "Case %s is under legal hold already.", ref)
		}
		c.Hold = &Hold{By: who.Email, At: now, Reason: strings.TrimSpace(reason)}
		s.retain(c)
		c.Record(now, who.Email, "legal hold placed", "the case will not be destroyed until the hold is released", c.Hold.Reason)
		return nil
	})
}

// ReleaseHold lifts a legal hold (the complaints team only, with a reason); a closed case's
// retention end is worked out again from its closure, so a case whose period ended during the
// hold is destroyed at once.
func (s *Service) ReleaseHold(ctx context.Context, who StaffMember, ref, reason string) (*Case, error) {
	if err := cleanText("reason", &reason, true); err != nil {
		return nil, err
	}
	if who.Role != RoleAdmin {
		return nil, Errorf(EFORBIDDEN, "Only the complaints team releases a legal hold.")
	}
	return s.act(ctx, who, ref, func(c *Case, now time.Time) error {
		if c.Hold == nil {
			return Errorf(ECONFLICT, "Case %s is not under legal hold.", ref)
		}
		c.Hold = nil
		s.retain(c)
		detail := "retention ends " + stampOrEmpty(c.ExpiresAt)
		if c.ExpiresAt.IsZero() {
			detail = "the case is open; its retention period starts when it closes"
		}
		c.Record(now, who.Email, "legal hold released", detail, strings.TrimSpace(reason))
		return nil
	})
}

// Destructions returns the destruction log's lines for records whose retention ended within
// [from, to): the complaints team's evidence of what was destroyed, and when.
func (s *Service) Destructions(ctx context.Context, who StaffMember, from, to time.Time) ([]Destruction, error) {
	if who.Role != RoleAdmin {
		return nil, Errorf(EFORBIDDEN, "Only the complaints team reads the destruction log.")
	}
	if !from.Before(to) {
		return nil, Invalid("to", "The end of the period must be after its start")
	}
	return s.Store.ListDestructions(ctx, from, to)
}

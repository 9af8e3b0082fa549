// Package mailin takes inbound email from where it was stored to the domain: it reads the raw
// message from the blob store, parses it (internal/mailparse) and hands it to
// feedback.Service.ReceiveEmail. The email Lambda function runs it for each object SES writes to
// the inbound-mail bucket; the local runner runs it for each message its SMTP listener or
// POST /_local/email receives, after storing the raw message the same way. Both paths are this
// code.
package mailin

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/mailparse"
	"github.com/council/intake/internal/s3blobs"
)

// Receiver turns stored raw messages into cases.
type Receiver struct {
	Blobs   feedback.Blobs
	Service *feedback.Service
	// Bucket, in AWS, is the bucket Blobs reads; an event naming another is refused.
	Bucket string
	Limits mailparse.Limits
	Log    *slog.Logger
}

// Receive reads the raw message stored under key and takes it in. A message that cannot be
// parsed at all still becomes a case, flagged for an officer, with the raw message kept.
func (r *Receiver) Receive(ctx context.Context, key string) (feedback.EmailOutcome, error) {
	raw, err := r.Blobs.Get(ctx, key)
	if err != nil {
		return feedback.EmailOutcome{}, fmt.Errorf("mailin: read %s: %w", key, err)
	}
	m, err := mailparse.Parse(bytes.NewReader(raw), r.Limits)
	if errors.Is(err, mailparse.ErrUnreadable) {
		m = &feedback.InboundEmail{
			Subject:  "(an email that could not be read)",
			Text:     "Intake received an email it could not read. The original message is kept with the case for the complaints team.",
			Problems: []string{"the message could not be read as email at all"},
		}
	} else if err != nil {
		return feedback.EmailOutcome{}, fmt.Errorf("mailin: parse %s: %w", key, err)
	}
	out, err := r.Service.ReceiveEmail(ctx, m, key)
	if err != nil {
		return feedback.EmailOutcome{}, fmt.Errorf("mailin: %s: %w", key, err)
	}
	if m, ok := r.Blobs.(unmatchedMarker); ok && out.Outcome == feedback.EmailIgnored {
		if err := m.MarkUnmatched(ctx, key); err != nil {
			return feedback.EmailOutcome{}, fmt.Errorf("mailin: %s: %w", key, err)
		}
	}
	r.log().InfoContext(ctx, "inbound email", "key", key, "outcome", out.Outcome, "ref", out.Reference, "reason", out.Reason)
	return out, nil
}

// unmatchedMarker is a blob store that can mark a stored message as never part of a case, so
// that it expires on its own (internal/s3blobs: a tag the bucket's lifecycle rule expires).
// Mail of a case is destroyed with the case instead.
type unmatchedMarker interface {
	MarkUnmatched(ctx context.Context, key string) error
}

// Store keeps a raw message received locally under a key derived from its bytes, as SES keeps
// each message under its own id, and returns the key.
func (r *Receiver) Store(ctx context.Context, raw []byte) (string, error) {
	sum := sha256.Sum256(raw)
	key := "inbound/" + hex.EncodeToString(sum[:16])
	if err := r.Blobs.Put(ctx, key, raw, "message/rfc822"); err != nil {
		return "", fmt.Errorf("mailin: store message: %w", err)
	}
	return key, nil
}

// HandleS3 takes in every object of an S3 event. An error makes Lambda retry the event (and in
// the end send it to the on-failure destination); objects already taken in are not taken in
// twice, because ReceiveEmail is idempotent.
func (r *Receiver) HandleS3(ctx context.Context, ev events.S3Event) error {
	keys, errs := s3blobs.ObjectKeys(ev, r.Bucket, "mailin")
	for _, key := range keys {
		if _, err := r.Receive(ctx, key); err != nil {
			r.log().ErrorContext(ctx, "inbound email failed; Lambda will retry", "key", key, "err", err)
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (r *Receiver) log() *slog.Logger {
	if r.Log == nil {
		return slog.Default()
	}
	return r.Log
}

// Package notify turns the case table's DynamoDB stream into the side effects of intake: for
// every new or changed case with work outstanding it asks the service to carry that work out,
// and likewise for a restriction decided (its letter to the person, its review reminders), and
// for a sign-in link put by the officer function (its email, sealed in the item).
// The service stamps each side effect on the case, so a redelivered record sends nothing twice.
// It also finishes what DynamoDB's TTL starts: when TTL deletes a case whose retention period
// has ended, the stream's REMOVE record (made by the DynamoDB service itself) carries the case as
// it was, and the service deletes its stored files and writes the destruction log.
package notify

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/council/intake/internal/dynamo"
	"github.com/council/intake/internal/feedback"
)

// Processor carries out a case's outstanding side effects, and destroys what a case deleted by
// TTL leaves behind. The stream's new image is the whole case as written, so the processor
// starts from it: when nothing has changed the case since, claiming its effects needs no read.
type Processor interface {
	ProcessCase(ctx context.Context, c *feedback.Case) error
	Destroy(ctx context.Context, c *feedback.Case) (feedback.Destruction, error)
	// ProcessRestriction carries out a restriction's outstanding side effects: the letter to
	// the person of each decision, and the review reminders.
	ProcessRestriction(ctx context.Context, id string) error
}

// ByTTL reports whether a stream record is a deletion made by DynamoDB's time to live, rather
// than by a person or a program: AWS marks those with the service principal.
func ByTTL(r events.DynamoDBEventRecord) bool {
	return r.EventName == string(events.DynamoDBOperationTypeRemove) && r.UserIdentity != nil &&
		r.UserIdentity.Type == "Service" && r.UserIdentity.PrincipalID == "dynamodb.amazonaws.com"
}

// LinkCourier sends the sign-in link sealed into a new link item: feedback.LinkCourier.
type LinkCourier interface {
	Deliver(ctx context.Context, c feedback.Credential) error
}

// Handler handles batches from the stream.
type Handler struct {
	Service Processor
	// Links sends sign-in links; a link item arriving without one is a failure (and logged).
	Links LinkCourier
	Log   *slog.Logger
}

// Handle processes every record and reports the ones that failed, so that Lambda retries from
// the first failure (ReportBatchItemFailures) and nothing after it is lost.
func (h *Handler) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var resp events.DynamoDBEventResponse
	for _, r := range ev.Records {
		if r.EventName == string(events.DynamoDBOperationTypeRemove) {
			if !h.destroy(ctx, r) {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: r.Change.SequenceNumber})
			}
			continue
		}
		if link, ok, err := dynamo.LinkFromStreamImage(r.Change.NewImage); ok || err != nil {
			if !h.link(ctx, r, link, err) {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: r.Change.SequenceNumber})
			}
			continue
		}
		if id, pending, ok := dynamo.RestrictionFromStreamImage(r.Change.NewImage); ok {
			if pending && !h.restriction(ctx, id) {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: r.Change.SequenceNumber})
			}
			continue
		}
		c, ok, err := dynamo.CaseFromStreamImage(r.Change.NewImage)
		if err != nil {
			h.Log.ErrorContext(ctx, "stream record is not a readable case", "event_id", r.EventID, "err", err)
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: r.Change.SequenceNumber})
			continue
		}
		if !ok || !c.Pending() {
			continue
		}
		if err := h.Service.ProcessCase(ctx, c); err != nil {
			if feedback.ErrorCode(err) == feedback.ENOTFOUND {
				h.Log.InfoContext(ctx, "case gone before its side effects", "ref", c.Ref)
				continue
			}
			h.Log.ErrorContext(ctx, "side effects failed; Lambda will retry", "ref", c.Ref, "err", err)
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: r.Change.SequenceNumber})
		}
	}
	return resp, nil
}

// link sends the sign-in link sealed into a new link item, reporting false when Lambda should
// deliver the record again. Nothing logged names the address or carries the token.
func (h *Handler) link(ctx context.Context, r events.DynamoDBEventRecord, c feedback.Credential, err error) bool {
	switch {
	case err != nil:
		h.Log.ErrorContext(ctx, "stream record is not a readable sign-in link", "event_id", r.EventID, "err", err)
		return false
	case h.Links == nil:
		h.Log.ErrorContext(ctx, "a sign-in link on the stream, and nothing here to send it", "event_id", r.EventID)
		return false
	}
	if err := h.Links.Deliver(ctx, c); err != nil {
		h.Log.ErrorContext(ctx, "sign-in link not sent; Lambda will retry", "event_id", r.EventID, "err", err)
		return false
	}
	return true
}

// restriction carries out a restriction's side effects, reporting false when Lambda should
// deliver the record again.
func (h *Handler) restriction(ctx context.Context, id string) bool {
	err := h.Service.ProcessRestriction(ctx, id)
	switch {
	case err == nil:
		return true
	case feedback.ErrorCode(err) == feedback.ENOTFOUND:
		h.Log.InfoContext(ctx, "restriction gone before its side effects", "id", id)
		return true
	}
	h.Log.ErrorContext(ctx, "restriction side effects failed; Lambda will retry", "id", id, "err", err)
	return false
}

// destroy handles a REMOVE record, reporting false when Lambda should deliver it again. Only
// TTL's deletions of case items are destructions at the end of a retention period; other
// deletions (a purge or an erasure, which do their own destruction) and other items (counters,
// quotas, the destruction log's own lines) are skipped.
func (h *Handler) destroy(ctx context.Context, r events.DynamoDBEventRecord) bool {
	if !ByTTL(r) {
		return true
	}
	c, ok, err := dynamo.CaseFromStreamImage(r.Change.OldImage)
	if err != nil {
		h.Log.Error("TTL removed an unreadable case; its stored files need deleting by hand", "event_id", r.EventID, "err", err)
		return false
	}
	if !ok {
		return true
	}
	if _, err := h.Service.Destroy(ctx, c); err != nil {
		if feedback.ErrorCode(err) == feedback.ECONFLICT {
			h.Log.Error("TTL removed a case that may not be destroyed; its stored files are kept", "ref", c.Ref, "err", err)
			return true
		}
		h.Log.Error("destruction failed; Lambda will retry", "ref", c.Ref, "err", err)
		return false
	}
	return true
}

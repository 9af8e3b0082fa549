// Package notify turns the case table's DynamoDB stream into the side effects of intake: for
// every new or changed case with work outstanding it asks the service to carry that work out.
// The service stamps each side effect on the case, so a redelivered record sends nothing twice.
package notify

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/council/intake/internal/dynamo"
	"github.com/council/intake/internal/feedback"
)

// Processor carries out a case's outstanding side effects.
type Processor interface {
	Process(ctx context.Context, ref string) error
}

// Handler handles batches from the stream.
type Handler struct {
	Service Processor
	Log     *slog.Logger
}

// Handle processes every record and reports the ones that failed, so that Lambda retries from
// the first failure (ReportBatchItemFailures) and nothing after it is lost.
func (h *Handler) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var resp events.DynamoDBEventResponse
	for _, r := range ev.Records {
		if r.EventName == string(events.DynamoDBOperationTypeRemove) {
			continue // retention deletions are not intake's business
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
		if err := h.Service.Process(ctx, c.Ref); err != nil {
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

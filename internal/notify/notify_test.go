package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"slices"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/notify"
)

// processor records which cases it was asked to process or destroy and fails those in fail.
type processor struct {
	processed    []string
	destroyed    []string
	restrictions []string
	fail         map[string]error
}

func (p *processor) ProcessRestriction(_ context.Context, id string) error {
	p.restrictions = append(p.restrictions, id)
	return p.fail[id]
}

func (p *processor) Destroy(_ context.Context, c *feedback.Case) (feedback.Destruction, error) {
	p.destroyed = append(p.destroyed, c.Ref)
	return feedback.Destruction{Ref: c.Ref}, p.fail[c.Ref]
}

func (p *processor) ProcessCase(_ context.Context, c *feedback.Case) error {
	p.processed = append(p.processed, c.Ref)
	return p.fail[c.Ref]
}

// sample returns the stream record of events/notifier-insert.json, a new pending complaint.
func sample(t *testing.T) events.DynamoDBEventRecord {
	t.Helper()
	b, err := os.ReadFile("../../events/notifier-insert.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(b, &ev); err != nil || len(ev.Records) != 1 {
		t.Fatalf("events/notifier-insert.json: %v", err)
	}
	return ev.Records[0]
}

func TestHandler_Handle(t *testing.T) {
	insert := sample(t)
	ref := insert.Change.NewImage["ref"].String()

	done := sample(t)
	done.EventName = "MODIFY"
	done.Change.SequenceNumber = "200"
	img := map[string]events.DynamoDBAttributeValue{}
	for k, v := range done.Change.NewImage {
		img[k] = v
	}
	// Every side effect stamped: nothing is pending.
	stamped := func(at string) events.DynamoDBAttributeValue {
		return events.NewMapAttribute(map[string]events.DynamoDBAttributeValue{
			"state": events.NewStringAttribute("done"), "at": events.NewStringAttribute(at),
		})
	}
	img["effects"] = events.NewMapAttribute(map[string]events.DynamoDBAttributeValue{
		"acknowledgement": stamped("2026-12-21T10:00:01Z"),
		"assignment":      stamped("2026-12-21T10:00:02Z"),
		"schedules":       stamped("2026-12-21T10:00:03Z"),
	})
	done.Change.NewImage = img

	removed := sample(t)
	removed.EventName = "REMOVE"
	removed.Change.NewImage = nil

	// TTL's deletion of a case: the old image is the case as it was.
	ttl := sample(t)
	ttl.EventName = "REMOVE"
	ttl.Change.SequenceNumber = "500"
	ttl.Change.OldImage, ttl.Change.NewImage = ttl.Change.NewImage, nil
	ttl.UserIdentity = &events.DynamoDBUserIdentity{Type: "Service", PrincipalID: "dynamodb.amazonaws.com"}
	ttlCounter := ttl
	ttlCounter.Change.OldImage = map[string]events.DynamoDBAttributeValue{
		"PK": events.NewStringAttribute("QUOTA#ack"), "SK": events.NewStringAttribute("QUOTA"),
	}
	byHand := ttl
	byHand.UserIdentity = nil

	counter := sample(t)
	counter.Change.SequenceNumber = "300"
	counter.Change.NewImage = map[string]events.DynamoDBAttributeValue{
		"PK": events.NewStringAttribute("SEQ#ref-2026"), "SK": events.NewStringAttribute("SEQ"), "n": events.NewNumberAttribute("7"),
	}

	broken := sample(t)
	broken.Change.SequenceNumber = "400"
	broken.Change.NewImage = map[string]events.DynamoDBAttributeValue{
		"PK": events.NewStringAttribute("CASE#FB-2026-000009"), "SK": events.NewStringAttribute("CASE"),
		"received_at": events.NewStringAttribute("not a time"),
	}

	// A restriction decided: its item has effects to carry out; then the same stamped.
	restriction := func(seq string, pending bool) events.DynamoDBEventRecord {
		r := sample(t)
		r.EventName, r.Change.SequenceNumber = "MODIFY", seq
		r.Change.NewImage = map[string]events.DynamoDBAttributeValue{
			"PK": events.NewStringAttribute("RESTRICTIONS"), "SK": events.NewStringAttribute("RS#RS-2026-0001"),
			"id": events.NewStringAttribute("RS-2026-0001"),
		}
		if pending {
			r.Change.NewImage["effects_pending"] = events.NewStringAttribute("PENDING")
		}
		return r
	}
	decided, settled := restriction("600", true), restriction("700", false)

	tests := []struct {
		name             string
		records          []events.DynamoDBEventRecord
		fail             map[string]error
		wantProcessed    int
		wantFailures     []string
		wantDestroyed    int
		wantRestrictions int
	}{
		{"a restriction decided is acted on", []events.DynamoDBEventRecord{decided}, nil, 0, nil, 0, 1},
		{"a restriction with nothing to do is skipped", []events.DynamoDBEventRecord{settled}, nil, 0, nil, 0, 0},
		{"a restriction's failure is reported for retry", []events.DynamoDBEventRecord{decided, insert}, map[string]error{"RS-2026-0001": errors.New("SES throttled")}, 1, []string{"600"}, 0, 1},
		{"a restriction gone meanwhile is not retried", []events.DynamoDBEventRecord{decided}, map[string]error{"RS-2026-0001": feedback.Errorf(feedback.ENOTFOUND, "gone")}, 0, nil, 0, 1},
		{"a case deleted by TTL is destroyed", []events.DynamoDBEventRecord{ttl}, nil, 0, nil, 1, 0},
		{"a destruction that fails is retried", []events.DynamoDBEventRecord{ttl}, map[string]error{ref: errors.New("S3 throttled")}, 0, []string{"500"}, 1, 0},
		{"a destruction refused is not retried", []events.DynamoDBEventRecord{ttl}, map[string]error{ref: feedback.Errorf(feedback.ECONFLICT, "held")}, 0, nil, 1, 0},
		{"TTL's deletion of another item is skipped", []events.DynamoDBEventRecord{ttlCounter}, nil, 0, nil, 0, 0},
		{"a deletion by hand is not a destruction", []events.DynamoDBEventRecord{byHand}, nil, 0, nil, 0, 0},
		{"a new case is processed", []events.DynamoDBEventRecord{insert}, nil, 1, nil, 0, 0},
		{"a case with nothing pending is skipped", []events.DynamoDBEventRecord{done}, nil, 0, nil, 0, 0},
		{"deletions and counters are skipped", []events.DynamoDBEventRecord{removed, counter}, nil, 0, nil, 0, 0},
		{"a failure is reported for retry", []events.DynamoDBEventRecord{insert}, map[string]error{ref: errors.New("SES throttled")}, 1, []string{insert.Change.SequenceNumber}, 0, 0},
		{"a case gone meanwhile is not retried", []events.DynamoDBEventRecord{insert}, map[string]error{ref: feedback.Errorf(feedback.ENOTFOUND, "gone")}, 1, nil, 0, 0},
		{"an unreadable record is reported", []events.DynamoDBEventRecord{broken}, nil, 0, []string{"400"}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &processor{fail: tt.fail}
			h := &notify.Handler{Service: p, Log: slog.New(slog.DiscardHandler)}
			resp, err := h.Handle(context.Background(), events.DynamoDBEvent{Records: tt.records})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.destroyed) != tt.wantDestroyed {
				t.Errorf("destroyed %v, want %d cases", p.destroyed, tt.wantDestroyed)
			}
			if len(p.processed) != tt.wantProcessed {
				t.Errorf("processed %v, want %d cases", p.processed, tt.wantProcessed)
			}
			if len(p.restrictions) != tt.wantRestrictions {
				t.Errorf("acted on restrictions %v, want %d", p.restrictions, tt.wantRestrictions)
			}
			var got []string
			for _, f := range resp.BatchItemFailures {
				got = append(got, f.ItemIdentifier)
			}
			if len(got) != len(tt.wantFailures) || (len(got) > 0 && got[0] != tt.wantFailures[0]) {
				t.Errorf("batch item failures = %v, want %v", got, tt.wantFailures)
			}
		})
	}
}

// courier records the links it was asked to deliver and fails those in fail.
type courier struct {
	delivered []string
	fail      map[string]error
}

func (c *courier) Deliver(_ context.Context, l feedback.Credential) error {
	c.delivered = append(c.delivered, l.Hash)
	return c.fail[l.Hash]
}

// linkRecord is the stream record of a sign-in link item put, sealed letter and all.
func linkRecord(hash, seq string) events.DynamoDBEventRecord {
	s := events.NewStringAttribute
	return events.DynamoDBEventRecord{EventName: "INSERT", Change: events.DynamoDBStreamRecord{
		SequenceNumber: seq,
		Keys:           map[string]events.DynamoDBAttributeValue{"PK": s("CRED#link#" + hash), "SK": s("CRED")},
		NewImage: map[string]events.DynamoDBAttributeValue{"PK": s("CRED#link#" + hash), "SK": s("CRED"),
			"kind": s("link"), "hash": s(hash), "email": s("ab"), "created_at": s("2026-12-07T09:00:00.000000000Z"),
			"expires_ns": events.NewNumberAttribute("1796634000000000000"), "expires_at": events.NewNumberAttribute("1796634000"),
			"sealed": events.NewBinaryAttribute([]byte{1, 2, 3})},
	}}
}

// TestHandler_Handle_Links: a sign-in link item on the stream goes to the courier, never to the
// case processor; a failed delivery, or a link with nothing to send it, is reported for Lambda
// to deliver again, and the other records of the batch are still handled.
func TestHandler_Handle_Links(t *testing.T) {
	tests := []struct {
		name          string
		links         *courier
		wantDelivered []string
		wantFailed    []string
	}{
		{"delivered", &courier{}, []string{"aa", "bb"}, nil},
		{"one fails", &courier{fail: map[string]error{"aa": errors.New("SES throttled")}}, []string{"aa", "bb"}, []string{"1"}},
		{"no courier", nil, nil, []string{"1", "2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &processor{}
			h := &notify.Handler{Service: p, Log: slog.New(slog.DiscardHandler)}
			if tt.links != nil {
				h.Links = tt.links
			}
			resp, err := h.Handle(context.Background(), events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{linkRecord("aa", "1"), linkRecord("bb", "2")}})
			if err != nil {
				t.Fatal(err)
			}
			var failed []string
			for _, f := range resp.BatchItemFailures {
				failed = append(failed, f.ItemIdentifier)
			}
			if !slices.Equal(failed, tt.wantFailed) {
				t.Errorf("failed records %v; want %v", failed, tt.wantFailed)
			}
			if tt.links != nil && !slices.Equal(tt.links.delivered, tt.wantDelivered) {
				t.Errorf("delivered %v; want %v", tt.links.delivered, tt.wantDelivered)
			}
			if len(p.processed)+len(p.restrictions)+len(p.destroyed) != 0 {
				t.Errorf("a link item reached the case processor: %+v", p)
			}
		})
	}
}

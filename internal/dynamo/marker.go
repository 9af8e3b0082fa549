package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/council/intake/internal/feedback"
)

// Staff-safety markers live in one partition, like the restrictions register: a case page
// reads them with one Query. Each carries expires_at, so TTL destroys it after at most three
// years.
const (
	pkMarkers    = "MARKERS"
	prefixMarker = "SM#"
)

var _ feedback.MarkerStore = (*Store)(nil)

type markerRecord struct {
	PK          string   `dynamodbav:"PK"`
	SK          string   `dynamodbav:"SK"`
	ID          string   `dynamodbav:"id"`
	Contacts    []string `dynamodbav:"contacts"`
	Reason      string   `dynamodbav:"reason,omitempty"`
	DecidedBy   string   `dynamodbav:"decided_by,omitempty"`
	DecidedOn   string   `dynamodbav:"decided_on,omitempty"`
	ToldOn      string   `dynamodbav:"told_on,omitempty"`
	RetainUntil string   `dynamodbav:"retain_until,omitempty"`
	ExpiresAt   int64    `dynamodbav:"expires_at,omitempty"`
	CreatedAt   string   `dynamodbav:"created_at,omitempty"`
}

func marshalMarker(m *feedback.Marker) (map[string]types.AttributeValue, error) {
	return attributevalue.MarshalMap(markerRecord{PK: pkMarkers, SK: prefixMarker + m.ID, ID: m.ID, Contacts: m.Contacts,
		Reason: m.Reason, DecidedBy: m.DecidedBy, DecidedOn: formatTime(m.DecidedOn), ToldOn: formatTime(m.ToldOn),
		RetainUntil: formatTime(m.ExpiresAt), ExpiresAt: epoch(m.ExpiresAt), CreatedAt: formatTime(m.CreatedAt)})
}

func unmarshalMarker(item map[string]types.AttributeValue) (*feedback.Marker, error) {
	var r markerRecord
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return nil, fmt.Errorf("decode marker item: %w", err)
	}
	p := timeParser{ref: r.ID}
	m := &feedback.Marker{ID: r.ID, Contacts: r.Contacts, Reason: r.Reason, DecidedBy: r.DecidedBy,
		DecidedOn: p.parse("decided_on", r.DecidedOn), ToldOn: p.parse("told_on", r.ToldOn),
		ExpiresAt: p.parse("retain_until", r.RetainUntil), CreatedAt: p.parse("created_at", r.CreatedAt)}
	return m, p.err
}

// CreateMarker writes the marker if its id is free.
func (s *Store) CreateMarker(ctx context.Context, m *feedback.Marker) error {
	item, err := marshalMarker(m)
	if err != nil {
		return fmt.Errorf("dynamo: create marker %s: %w", m.ID, err)
	}
	return s.putNew(ctx, "marker "+m.ID, inTTLReach(item, s.clock.Now()))
}

// RecordMarkerTold sets told_on, in one conditional UpdateItem, on a marker that exists, has
// not expired and has none.
func (s *Store) RecordMarkerTold(ctx context.Context, id string, told time.Time) (*feedback.Marker, error) {
	now := s.clock.Now()
	k := markers.key(id)
	in := &dynamodb.UpdateItemInput{TableName: &s.table, Key: k,
		UpdateExpression:         aws.String("SET told_on = :told"),
		ConditionExpression:      aws.String("attribute_exists(PK) AND attribute_not_exists(told_on) AND #exp > :now"),
		ExpressionAttributeNames: map[string]string{"#exp": AttrExpiresAt},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":told": &types.AttributeValueMemberS{Value: formatTime(told)},
			":now":  num(epoch(now)),
		},
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}
	var out *dynamodb.UpdateItemOutput
	err := call(ctx, "record marker told", func() error {
		var err error
		out, err = s.db.UpdateItem(ctx, in)
		return err
	})
	var ccf *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &ccf):
		// Which condition failed: the marker as it stands tells.
		item, err := s.failedItem(ctx, "marker", k, ccf)
		if err != nil {
			return nil, fmt.Errorf("dynamo: record marker %s told: %w", id, err)
		}
		if len(item) > 0 {
			if m, err := unmarshalMarker(item); err == nil && !m.Expired(now) {
				return nil, feedback.Errorf(feedback.ECONFLICT, "marker %s: the person's letter is recorded already", id)
			}
		}
		return nil, feedback.Errorf(feedback.ENOTFOUND, "no marker %s", id)
	case err != nil:
		return nil, fmt.Errorf("dynamo: record marker %s told: %w", id, err)
	}
	m, err := unmarshalMarker(out.Attributes)
	if err != nil {
		return nil, fmt.Errorf("dynamo: record marker %s told: %w", id, err)
	}
	return m, nil
}

// ListMarkers queries the markers' partition, leaving out those past their retention end.
func (s *Store) ListMarkers(ctx context.Context) ([]*feedback.Marker, error) {
	return markers.list(ctx, s)
}

package dynamo

import (
	"fmt"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/council/intake/internal/feedback"
)

// CaseFromStreamImage decodes a NewImage or OldImage of the table's stream. It reports false,
// with no error, for an empty image and for items that are not cases (idempotency and counter
// items), so that a stream handler can skip them.
func CaseFromStreamImage(image map[string]events.DynamoDBAttributeValue) (*feedback.Case, bool, error) {
	pk, sk := image[AttrPK], image[AttrSK]
	if len(image) == 0 || pk.DataType() != events.DataTypeString || sk.DataType() != events.DataTypeString ||
		!isCaseKey(pk.String(), sk.String()) {
		return nil, false, nil
	}
	item, err := fromEventMap(image)
	if err != nil {
		return nil, false, fmt.Errorf("dynamo: stream image of %s: %w", pk.String(), err)
	}
	c, err := unmarshalCase(item)
	if err != nil {
		return nil, false, fmt.Errorf("dynamo: stream image of %s: %w", pk.String(), err)
	}
	return c, true, nil
}

// RestrictionFromStreamImage returns the id of the restriction a stream image is of, if it is a
// restriction item's, and whether it has side effects to carry out.
func RestrictionFromStreamImage(image map[string]events.DynamoDBAttributeValue) (id string, pending, ok bool) {
	pk, sk := image[AttrPK], image[AttrSK]
	if len(image) == 0 || pk.DataType() != events.DataTypeString || sk.DataType() != events.DataTypeString ||
		pk.String() != pkRestrictions || !strings.HasPrefix(sk.String(), prefixRestriction) {
		return "", false, false
	}
	p := image[AttrEffectsPending]
	return strings.TrimPrefix(sk.String(), prefixRestriction), p.DataType() == events.DataTypeString && p.String() == pendingValue, true
}

func fromEventMap(m map[string]events.DynamoDBAttributeValue) (map[string]types.AttributeValue, error) {
	out := make(map[string]types.AttributeValue, len(m))
	for k, v := range m {
		av, err := fromEvent(v)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", k, err)
		}
		out[k] = av
	}
	return out, nil
}

func fromEvent(v events.DynamoDBAttributeValue) (types.AttributeValue, error) {
	switch v.DataType() {
	case events.DataTypeString:
		return &types.AttributeValueMemberS{Value: v.String()}, nil
	case events.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: v.Number()}, nil
	case events.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Boolean()}, nil
	case events.DataTypeNull:
		return &types.AttributeValueMemberNULL{Value: true}, nil
	case events.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: v.Binary()}, nil
	case events.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: v.StringSet()}, nil
	case events.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: v.NumberSet()}, nil
	case events.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: v.BinarySet()}, nil
	case events.DataTypeMap:
		m, err := fromEventMap(v.Map())
		if err != nil {
			return nil, err
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	case events.DataTypeList:
		list := make([]types.AttributeValue, 0, len(v.List()))
		for i, e := range v.List() {
			av, err := fromEvent(e)
			if err != nil {
				return nil, fmt.Errorf("element %d: %w", i, err)
			}
			list = append(list, av)
		}
		return &types.AttributeValueMemberL{Value: list}, nil
	}
	return nil, fmt.Errorf("unsupported data type %d", v.DataType())
}

// StreamRecordToEvent converts a record read through the DynamoDB Streams API (GetRecords) into
// the record Lambda hands a stream handler in an events.DynamoDBEvent. The Streams API does not
// repeat the stream's ARN in each record, so the caller passes it for eventSourceARN.
func StreamRecordToEvent(r streamtypes.Record, streamARN string) (events.DynamoDBEventRecord, error) {
	ev := events.DynamoDBEventRecord{
		AWSRegion:      aws.ToString(r.AwsRegion),
		EventID:        aws.ToString(r.EventID),
		EventName:      string(r.EventName),
		EventSource:    aws.ToString(r.EventSource),
		EventVersion:   aws.ToString(r.EventVersion),
		EventSourceArn: streamARN,
	}
	if r.UserIdentity != nil {
		ev.UserIdentity = &events.DynamoDBUserIdentity{
			Type: aws.ToString(r.UserIdentity.Type), PrincipalID: aws.ToString(r.UserIdentity.PrincipalId),
		}
	}
	if d := r.Dynamodb; d != nil {
		var err error
		ch := &ev.Change
		if d.ApproximateCreationDateTime != nil {
			ch.ApproximateCreationDateTime = events.SecondsEpochTime{Time: *d.ApproximateCreationDateTime}
		}
		ch.SequenceNumber = aws.ToString(d.SequenceNumber)
		ch.SizeBytes = aws.ToInt64(d.SizeBytes)
		ch.StreamViewType = string(d.StreamViewType)
		if ch.Keys, err = toEventMap(d.Keys); err != nil {
			return ev, fmt.Errorf("dynamo: stream record %s keys: %w", ev.EventID, err)
		}
		if ch.NewImage, err = toEventMap(d.NewImage); err != nil {
			return ev, fmt.Errorf("dynamo: stream record %s new image: %w", ev.EventID, err)
		}
		if ch.OldImage, err = toEventMap(d.OldImage); err != nil {
			return ev, fmt.Errorf("dynamo: stream record %s old image: %w", ev.EventID, err)
		}
	}
	return ev, nil
}

func toEventMap(m map[string]streamtypes.AttributeValue) (map[string]events.DynamoDBAttributeValue, error) {
	if m == nil {
		return nil, nil
	}
	out := make(map[string]events.DynamoDBAttributeValue, len(m))
	for k, v := range m {
		ev, err := toEvent(v)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", k, err)
		}
		out[k] = ev
	}
	return out, nil
}

func toEvent(v streamtypes.AttributeValue) (events.DynamoDBAttributeValue, error) {
	switch v := v.(type) {
	case *streamtypes.AttributeValueMemberS:
		return events.NewStringAttribute(v.Value), nil
	case *streamtypes.AttributeValueMemberN:
		return events.NewNumberAttribute(v.Value), nil
	case *streamtypes.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(v.Value), nil
	case *streamtypes.AttributeValueMemberNULL:
		return events.NewNullAttribute(), nil
	case *streamtypes.AttributeValueMemberB:
		return events.NewBinaryAttribute(v.Value), nil
	case *streamtypes.AttributeValueMemberSS:
		return events.NewStringSetAttribute(v.Value), nil
	case *streamtypes.AttributeValueMemberNS:
		return events.NewNumberSetAttribute(v.Value), nil
	case *streamtypes.AttributeValueMemberBS:
		return events.NewBinarySetAttribute(v.Value), nil
	case *streamtypes.AttributeValueMemberM:
		m, err := toEventMap(v.Value)
		if err != nil {
			return events.DynamoDBAttributeValue{}, err
		}
		if m == nil {
			m = map[string]events.DynamoDBAttributeValue{}
		}
		return events.NewMapAttribute(m), nil
	case *streamtypes.AttributeValueMemberL:
		list := make([]events.DynamoDBAttributeValue, 0, len(v.Value))
		for i, e := range v.Value {
			ev, err := toEvent(e)
			if err != nil {
				return events.DynamoDBAttributeValue{}, fmt.Errorf("element %d: %w", i, err)
			}
			list = append(list, ev)
		}
		return events.NewListAttribute(list), nil
	}
	return events.DynamoDBAttributeValue{}, fmt.Errorf("unsupported attribute value %T", v)
}

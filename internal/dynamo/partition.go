package dynamo

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/council/intake/internal/feedback"
)

// The calls every kind of item shares. The registers (restrictions, staff-safety markers, the
// destruction log) each keep their items in one partition, written once with putNew and read
// whole with queryPartition.

// failedItem returns the item a conditional write found in its way: from the failure when the
// service sends it (ReturnValuesOnConditionCheckFailure), else by reading it (minidyn sends
// none). An empty item means there was none.
func (s *Store) failedItem(ctx context.Context, what string, k map[string]types.AttributeValue, ccf *types.ConditionalCheckFailedException) (map[string]types.AttributeValue, error) {
	if ccf.Item != nil {
		return ccf.Item, nil
	}
	return s.getItem(ctx, what, k)
}

// getItem reads the item under k with a strongly consistent read; a missing item is an empty
// map, not an error.
func (s *Store) getItem(ctx context.Context, what string, k map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	var out *dynamodb.GetItemOutput
	err := call(ctx, "get "+what, func() (err error) {
		out, err = s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: k, ConsistentRead: aws.Bool(true)})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out.Item, nil
}

// batchLimit is the most keys one BatchGetItem may ask for.
const batchLimit = 100

// getCases reads the named cases with strongly consistent reads, in batches, and returns those
// that exist and have not expired, in the order named. Keys the service leaves unprocessed
// (throttling, or a batch over its size limit) are asked for again after a pause.
func (s *Store) getCases(ctx context.Context, refs []string) ([]*feedback.Case, error) {
	found := make(map[string]*feedback.Case, len(refs))
	now := s.clock.Now()
	for start := 0; start < len(refs); start += batchLimit {
		var keys []map[string]types.AttributeValue
		for _, ref := range refs[start:min(start+batchLimit, len(refs))] {
			keys = append(keys, key(prefixCase+ref, skCase))
		}
		for attempt := 0; len(keys) > 0; attempt++ {
			if attempt > 0 {
				if attempt >= updateAttempts {
					return nil, feedback.Errorf(feedback.EUNAVAILABLE, "DynamoDB left cases unread; try again")
				}
				if err := sleep(ctx, jitter(attempt)); err != nil {
					return nil, err
				}
			}
			var out *dynamodb.BatchGetItemOutput
			err := call(ctx, "get cases", func() (err error) {
				out, err = s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
					s.table: {Keys: keys, ConsistentRead: aws.Bool(true)},
				}})
				return err
			})
			if err != nil {
				return nil, err
			}
			for _, item := range out.Responses[s.table] {
				c, err := unmarshalCase(item)
				if err != nil {
					return nil, err
				}
				if !c.Expired(now) {
					found[c.Ref] = c
				}
			}
			keys = out.UnprocessedKeys[s.table].Keys
		}
	}
	cases := make([]*feedback.Case, 0, len(refs))
	for _, ref := range refs {
		if c, ok := found[ref]; ok {
			cases = append(cases, c)
		}
	}
	return cases, nil
}

// putNew writes item if nothing has its key yet; what names the item for errors ("marker
// SM-1"), and an occupied key is ECONFLICT.
func (s *Store) putNew(ctx context.Context, what string, item map[string]types.AttributeValue) error {
	err := call(ctx, "create "+what, func() error {
		_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: item,
			ConditionExpression: aws.String("attribute_not_exists(" + AttrPK + ")")})
		return err
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return feedback.Errorf(feedback.ECONFLICT, "%s already exists", what)
	}
	if err != nil {
		return fmt.Errorf("dynamo: create %s: %w", what, err)
	}
	return nil
}

// queryPartition hands each item of the partition pk to each, page by page, with strongly
// consistent reads. filter, if not empty, is a filter expression over names and values (":pk"
// and "#pk" are taken).
func (s *Store) queryPartition(ctx context.Context, what, pk, filter string, names map[string]string, values map[string]types.AttributeValue, each func(map[string]types.AttributeValue) error) error {
	in := &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": AttrPK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)},
		ConsistentRead:            aws.Bool(true),
	}
	if filter != "" {
		in.FilterExpression = aws.String(filter)
	}
	for k, v := range names {
		in.ExpressionAttributeNames[k] = v
	}
	for k, v := range values {
		in.ExpressionAttributeValues[k] = v
	}
	if s.pageLimit > 0 {
		in.Limit = aws.Int32(s.pageLimit)
	}
	for {
		var page *dynamodb.QueryOutput
		err := call(ctx, "list "+what, func() (err error) { page, err = s.db.Query(ctx, in); return err })
		if err != nil {
			return fmt.Errorf("dynamo: list %s: %w", what, err)
		}
		for _, item := range page.Items {
			if err := each(item); err != nil {
				return fmt.Errorf("dynamo: list %s: %w", what, err)
			}
		}
		if len(page.LastEvaluatedKey) == 0 {
			return nil
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
}

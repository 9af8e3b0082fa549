package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/council/intake/internal/feedback"
)

// quotaRecord is a quota item: the uses within the window, by name, as Unix nanoseconds, with
// a version for optimistic locking and a TTL one window after the last use.
type quotaRecord struct {
	PK        string           `dynamodbav:"PK"`
	SK        string           `dynamodbav:"SK"`
	Uses      map[string]int64 `dynamodbav:"uses"`
	Version   int              `dynamodbav:"version"`
	ExpiresAt int64            `dynamodbav:"expires_at,omitempty"`
}

// TakeQuota records a use of the quota key unless limit uses fall within the window already.
func (s *Store) TakeQuota(ctx context.Context, k, use string, limit int, window time.Duration) (bool, error) {
	for attempt := 0; attempt < updateAttempts; attempt++ {
		if attempt > 0 {
			if err := sleep(ctx, jitter(attempt)); err != nil {
				return false, fmt.Errorf("dynamo: take quota: %w", err)
			}
		}
		now := s.clock.Now()
		item, err := s.getItem(ctx, "quota", key(prefixQuota+k, skQuota))
		if err != nil {
			return false, fmt.Errorf("dynamo: take quota: %w", err)
		}
		var q quotaRecord
		if err := attributevalue.UnmarshalMap(item, &q); err != nil {
			return false, fmt.Errorf("dynamo: take quota: %w", err)
		}
		if _, ok := q.Uses[use]; ok {
			return true, nil
		}
		kept := map[string]int64{}
		for name, at := range q.Uses {
			if now.Sub(time.Unix(0, at)) < window {
				kept[name] = at
			}
		}
		if len(kept) >= limit {
			return false, nil
		}
		kept[use] = now.UnixNano()
		next := quotaRecord{PK: prefixQuota + k, SK: skQuota, Uses: kept, Version: q.Version + 1, ExpiresAt: epoch(now.Add(window))}
		item, err = attributevalue.MarshalMap(next)
		if err != nil {
			return false, fmt.Errorf("dynamo: take quota: %w", err)
		}
		in := &dynamodb.PutItemInput{TableName: &s.table, Item: item,
			ConditionExpression:       aws.String("attribute_not_exists(" + AttrPK + ") OR #v = :v"),
			ExpressionAttributeNames:  map[string]string{"#v": AttrVersion},
			ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberN{Value: strconv.Itoa(q.Version)}},
		}
		err = call(ctx, "take quota", func() error { _, err := s.db.PutItem(ctx, in); return err })
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) {
			continue // another use was recorded meanwhile: count again
		}
		if err != nil {
			return false, fmt.Errorf("dynamo: take quota: %w", err)
		}
		return true, nil
	}
	return false, feedback.Errorf(feedback.EUNAVAILABLE, "the quota is being changed by someone else; try again")
}

package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/council/intake/internal/feedback"
)

// A quota item records each use within the window as its own attribute, quotaUse + the use's
// name, holding the time of the use in Unix nanoseconds; attrUses counts the uses recorded, old
// ones included, until the next pruning; version locks the pruning rewrite; the TTL is one
// window after the last use. Items written before this layout keep the uses in one map,
// attrOldUses, and are rewritten in this one the first time they are used.
const (
	quotaUse    = "u:"
	attrUses    = "n"
	attrOldUses = "uses"
)

// TakeQuota records a use of the quota key unless limit uses fall within the window already.
//
// Most takes are one conditional UpdateItem: record the use if fewer than limit uses are
// recorded at all (a count that old uses only inflate, so it never lets too many through), and
// the use is not recorded yet. Only when that condition fails is the item, as the failed write
// returns it, looked at in full: a use recorded already is allowed again; otherwise the uses
// older than the window are dropped and, if there is room, the use is added, in one write
// conditional on the item's version.
func (s *Store) TakeQuota(ctx context.Context, k, use string, limit int, window time.Duration) (bool, error) {
	for attempt := 0; attempt < updateAttempts; attempt++ {
		if attempt > 0 {
			if err := sleep(ctx, jitter(attempt)); err != nil {
				return false, fmt.Errorf("dynamo: take quota: %w", err)
			}
		}
		now := s.clock.Now()
		item, taken, err := s.addUse(ctx, k, use, limit, now, window)
		if err != nil {
			return false, fmt.Errorf("dynamo: take quota: %w", err)
		}
		if taken {
			return true, nil
		}
		uses, version, err := quotaUses(item)
		if err != nil {
			return false, fmt.Errorf("dynamo: take quota: %w", err)
		}
		if _, ok := uses[use]; ok {
			return true, nil
		}
		kept := map[string]int64{}
		for name, at := range uses {
			if now.Sub(time.Unix(0, at)) < window {
				kept[name] = at
			}
		}
		if len(kept) >= limit {
			return false, nil
		}
		kept[use] = now.UnixNano()
		won, err := s.rewriteQuota(ctx, k, kept, version, now.Add(window), len(item) == 0)
		if err != nil {
			return false, fmt.Errorf("dynamo: take quota: %w", err)
		}
		if won {
			return true, nil
		}
		// another use was recorded meanwhile: count again
	}
	return false, feedback.Errorf(feedback.EUNAVAILABLE, "the quota is being changed by someone else; try again")
}

// addUse records use on quota k if the item, in this layout, counts fewer than limit uses and
// lacks this one. If not, it returns the item as it stands (nil if there is none).
func (s *Store) addUse(ctx context.Context, k, use string, limit int, now time.Time, window time.Duration) (map[string]types.AttributeValue, bool, error) {
	in := &dynamodb.UpdateItemInput{
		TableName:        &s.table,
		Key:              key(prefixQuota+k, skQuota),
		UpdateExpression: aws.String("SET #use = :now, #exp = :exp ADD #n :one, #v :one"),
		ConditionExpression: aws.String("attribute_not_exists(#old) AND attribute_not_exists(#use) AND " +
			"(attribute_not_exists(#n) OR #n < :limit)"),
		ExpressionAttributeNames: map[string]string{
			"#use": quotaUse + use, "#exp": AttrExpiresAt, "#n": attrUses, "#v": AttrVersion, "#old": attrOldUses,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":now":   num(now.UnixNano()),
			":exp":   num(epoch(now.Add(window))),
			":one":   num(1),
			":limit": num(int64(limit)),
		},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}
	err := call(ctx, "take quota", func() error { _, err := s.db.UpdateItem(ctx, in); return err })
	var ccf *types.ConditionalCheckFailedException
	switch {
	case err == nil:
		return nil, true, nil
	case !errors.As(err, &ccf):
		return nil, false, err
	}
	item, err := s.failedItem(ctx, "quota", in.Key, ccf)
	return item, false, err
}

// quotaUses reads a quota item's uses, in either layout, and its version.
func quotaUses(item map[string]types.AttributeValue) (map[string]int64, int, error) {
	var old struct {
		Uses    map[string]int64 `dynamodbav:"uses"`
		Version int              `dynamodbav:"version"`
	}
	if err := attributevalue.UnmarshalMap(item, &old); err != nil {
		return nil, 0, err
	}
	uses := old.Uses
	if uses == nil {
		uses = map[string]int64{}
	}
	for name, v := range item {
		name, ok := strings.CutPrefix(name, quotaUse)
		if !ok {
			continue
		}
		n, isNum := v.(*types.AttributeValueMemberN)
		if !isNum {
			return nil, 0, fmt.Errorf("quota use %s is not a number", name)
		}
		at, err := strconv.ParseInt(n.Value, 10, 64)
		if err != nil {
			return nil, 0, fmt.Errorf("quota use %s: %w", name, err)
		}
		uses[name] = at
	}
	return uses, old.Version, nil
}

// rewriteQuota replaces quota k's item with one holding uses, if its version is still version
// (or, when absent, if it is still absent). It reports false if it lost that race.
func (s *Store) rewriteQuota(ctx context.Context, k string, uses map[string]int64, version int, expires time.Time, absent bool) (bool, error) {
	item := key(prefixQuota+k, skQuota)
	for name, at := range uses {
		item[quotaUse+name] = num(at)
	}
	item[attrUses] = num(int64(len(uses)))
	item[AttrVersion] = num(int64(version + 1))
	item[AttrExpiresAt] = num(epoch(expires))
	in := &dynamodb.PutItemInput{TableName: &s.table, Item: item}
	if absent {
		in.ConditionExpression = aws.String("attribute_not_exists(" + AttrPK + ")")
	} else {
		in.ConditionExpression = aws.String("#v = :v")
		in.ExpressionAttributeNames = map[string]string{"#v": AttrVersion}
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":v": num(int64(version))}
	}
	err := call(ctx, "take quota", func() error { _, err := s.db.PutItem(ctx, in); return err })
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return false, nil
	}
	return err == nil, err
}

func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

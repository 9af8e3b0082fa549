package dynamo

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/council/intake/internal/feedback"
)

// Statistical record items: the anonymous figures of a destroyed case, their own item family.
// They are partitioned by the month the case was received (so that a year's report reads
// twelve partitions with a Query each, never a Scan) and keyed within it by day received and
// the record's random id. Their attributes are feedback.Statistic's fields under its JSON
// names; expires_at is the record's own retention end, so that TTL removes it.
const (
	prefixStatistic = "STAT#" // + YYYY-MM (UTC) of Statistic.ReceivedOn
)

func statisticMonth(t time.Time) string { return prefixStatistic + t.UTC().Format("2006-01") }

func useJSONNames(o *attributevalue.EncoderOptions) { o.TagKey = "json" }

// statisticItem is the item of st.
func statisticItem(st feedback.Statistic) (map[string]types.AttributeValue, error) {
	item, err := attributevalue.MarshalMapWithOptions(st, useJSONNames)
	if err != nil {
		return nil, fmt.Errorf("encode statistic: %w", err)
	}
	item[AttrPK] = str(statisticMonth(st.ReceivedOn))
	item[AttrSK] = str(feedback.SortableTime(st.ReceivedOn) + "#" + st.ID)
	item[AttrExpiresAt] = &types.AttributeValueMemberN{Value: strconv.FormatInt(epoch(st.KeepUntil), 10)}
	return item, nil
}

// KeepStatistic writes the destruction log item and the statistical record item in one
// transaction, the first on condition that no line for the reference exists yet; a failed
// condition means an earlier try wrote both, and nothing is written.
func (s *Store) KeepStatistic(ctx context.Context, d feedback.Destruction, st feedback.Statistic) (bool, error) {
	line, err := destructionItem(d)
	if err != nil {
		return false, fmt.Errorf("dynamo: keep statistic of %s: %w", d.Ref, err)
	}
	rec, err := statisticItem(st)
	if err != nil {
		return false, fmt.Errorf("dynamo: keep statistic of %s: %w", d.Ref, err)
	}
	err = call(ctx, "keep statistic", func() error {
		_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: &s.table, Item: line, ConditionExpression: aws.String("attribute_not_exists(#pk)"),
				ExpressionAttributeNames: map[string]string{"#pk": AttrPK}}},
			{Put: &types.Put{TableName: &s.table, Item: rec}},
		}})
		return err
	})
	if failed := conditionFailures(err); failed != nil {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("dynamo: keep statistic of %s: %w", d.Ref, err)
	}
	return true, nil
}

// ListStatistics queries each month in [from, to) and keeps the records within the range
// whose own retention has not ended (TTL deletes late).
func (s *Store) ListStatistics(ctx context.Context, from, to time.Time) ([]feedback.Statistic, error) {
	now := s.clock.Now()
	var out []feedback.Statistic
	for m := time.Date(from.UTC().Year(), from.UTC().Month(), 1, 0, 0, 0, 0, time.UTC); m.Before(to); m = m.AddDate(0, 1, 0) {
		err := s.queryPartition(ctx, "statistics of "+m.Format("2006-01"), statisticMonth(m),
			"#exp > :now", map[string]string{"#exp": AttrExpiresAt},
			map[string]types.AttributeValue{":now": &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Unix(), 10)}},
			func(item map[string]types.AttributeValue) error {
				var st feedback.Statistic
				if err := attributevalue.UnmarshalMapWithOptions(item, &st, func(o *attributevalue.DecoderOptions) { o.TagKey = "json" }); err != nil {
					return fmt.Errorf("decode statistic: %w", err)
				}
				if !st.ReceivedOn.Before(from) && st.ReceivedOn.Before(to) && now.Before(st.KeepUntil) {
					out = append(out, st)
				}
				return nil
			})
		if err != nil {
			return nil, err
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].ReceivedOn.Equal(out[j].ReceivedOn) {
			return out[i].ReceivedOn.Before(out[j].ReceivedOn)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

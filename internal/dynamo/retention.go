package dynamo

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/council/intake/internal/feedback"
)

// Destruction log items: one per destroyed case, partitioned by the month its retention ended
// (so a month's destructions are one Query, never a Scan) and keyed by reference (so a
// redelivered stream record writes the same line again). They carry their own expires_at, so
// TTL removes them when the log's retention ends.
const (
	prefixDestruction = "DESTROYED#" // + YYYY-MM of ExpiredAt
	prefixDestroyedSK = "REF#"       // + reference
)

// destructionRecord is a destruction log item. It holds no personal data.
type destructionRecord struct {
	PK          string `dynamodbav:"PK"`
	SK          string `dynamodbav:"SK"`
	Ref         string `dynamodbav:"ref"`
	Kind        string `dynamodbav:"kind,omitempty"`
	Channel     string `dynamodbav:"channel,omitempty"`
	ReceivedAt  string `dynamodbav:"received_at,omitempty"`
	ClosedAt    string `dynamodbav:"closed_at,omitempty"`
	ExpiredAt   string `dynamodbav:"expired_at"`
	DestroyedAt string `dynamodbav:"destroyed_at"`
	Reason      string `dynamodbav:"reason"`
	Objects     int    `dynamodbav:"objects"`
	KeepUntil   string `dynamodbav:"keep_until"`
	ExpiresAt   int64  `dynamodbav:"expires_at,omitempty"`
}

func destructionMonth(t time.Time) string { return prefixDestruction + t.UTC().Format("2006-01") }

// ListByContact queries the contact index for the identity, oldest received first.
func (s *Store) ListByContact(ctx context.Context, identity string) ([]*feedback.Case, error) {
	if identity == "" {
		return nil, nil
	}
	cs, err := s.query(ctx, "cases by contact", IndexContact, AttrContactPK+" = :pk", "", nil,
		map[string]types.AttributeValue{":pk": str(identity)},
		func(c *feedback.Case) bool { return feedback.ContactKey(c) == identity })
	if err != nil {
		return nil, err
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].ReceivedAt.Before(cs[j].ReceivedAt) })
	return cs, nil
}

// ListExpired returns nothing: in AWS, DynamoDB's TTL deletes expired case items and the
// table's stream hands each REMOVE to the notifier, which calls Service.Destroy. Finding them
// here as well would take a Scan (forbidden) or an index written on every closure for a list
// nobody reads, and a second deleter would race TTL, leaving REMOVE records the notifier could
// not tell from an erasure. TTL ignores an expiry more than five years past, so no item is
// written with one: an item written already expired expires for TTL at once (inTTLReach).
func (s *Store) ListExpired(context.Context, time.Time, int) ([]*feedback.Case, error) {
	return nil, nil
}

// Purge deletes the case's search items, then the case item and its idempotency item: in that
// order, so that a purge that fails part way and is tried again still finds what to delete.
func (s *Store) Purge(ctx context.Context, ref string) error {
	item, err := s.getItem(ctx, "case", key(prefixCase+ref, skCase))
	if err != nil {
		return fmt.Errorf("dynamo: purge case %s: %w", ref, err)
	}
	if len(item) > 0 {
		c, err := unmarshalCase(item)
		if err != nil {
			return fmt.Errorf("dynamo: purge case %s: %w", ref, err)
		}
		_, deletes := s.searchWrites(searchStateOf(c), searchState{})
		if err := s.transact(ctx, "purge search items of case "+ref, deletes); err != nil {
			return err
		}
	}
	var out *dynamodb.DeleteItemOutput
	err = call(ctx, "purge case", func() (err error) {
		out, err = s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName: &s.table, Key: key(prefixCase+ref, skCase), ReturnValues: types.ReturnValueAllOld,
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("dynamo: purge case %s: %w", ref, err)
	}
	idem, ok := out.Attributes["idempotency_key"].(*types.AttributeValueMemberS)
	if !ok || idem.Value == "" {
		return nil
	}
	err = call(ctx, "purge idempotency key", func() error {
		_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.table, Key: key(prefixIdem+idem.Value, skIdem)})
		return err
	})
	if err != nil {
		return fmt.Errorf("dynamo: purge idempotency key of case %s: %w", ref, err)
	}
	return nil
}

// destructionItem is the destruction log item of d.
func destructionItem(d feedback.Destruction) (map[string]types.AttributeValue, error) {
	item, err := attributevalue.MarshalMap(destructionRecord{
		PK: destructionMonth(d.ExpiredAt), SK: prefixDestroyedSK + d.Ref, Ref: d.Ref,
		Kind: string(d.Kind), Channel: string(d.Channel), ReceivedAt: formatTime(d.ReceivedAt), ClosedAt: formatTime(d.ClosedAt),
		ExpiredAt: formatTime(d.ExpiredAt), DestroyedAt: formatTime(d.DestroyedAt), Reason: d.Reason, Objects: d.Objects,
		KeepUntil: formatTime(d.KeepUntil), ExpiresAt: epoch(d.KeepUntil),
	})
	if err != nil {
		return nil, fmt.Errorf("encode destruction: %w", err)
	}
	return item, nil
}

// LogDestruction writes the destruction log item for d.Ref, replacing any earlier one.
func (s *Store) LogDestruction(ctx context.Context, d feedback.Destruction) error {
	item, err := destructionItem(d)
	if err != nil {
		return fmt.Errorf("dynamo: log destruction of %s: %w", d.Ref, err)
	}
	err = call(ctx, "log destruction", func() error {
		_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: item})
		return err
	})
	if err != nil {
		return fmt.Errorf("dynamo: log destruction of %s: %w", d.Ref, err)
	}
	return nil
}

// ListDestructions queries each month in [from, to) and keeps the lines within the range whose
// own retention has not ended.
func (s *Store) ListDestructions(ctx context.Context, from, to time.Time) ([]feedback.Destruction, error) {
	now := s.clock.Now()
	var out []feedback.Destruction
	for m := time.Date(from.UTC().Year(), from.UTC().Month(), 1, 0, 0, 0, 0, time.UTC); m.Before(to); m = m.AddDate(0, 1, 0) {
		err := s.queryPartition(ctx, "destructions of "+m.Format("2006-01"), destructionMonth(m),
			"attribute_not_exists(#exp) OR #exp > :now", map[string]string{"#exp": AttrExpiresAt},
			map[string]types.AttributeValue{":now": &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Unix(), 10)}},
			func(item map[string]types.AttributeValue) error {
				d, err := unmarshalDestruction(item)
				if err == nil && !d.ExpiredAt.Before(from) && d.ExpiredAt.Before(to) && now.Before(d.KeepUntil) {
					out = append(out, d)
				}
				return err
			})
		if err != nil {
			return nil, err
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ExpiredAt.Before(out[j].ExpiredAt) })
	return out, nil
}

func unmarshalDestruction(item map[string]types.AttributeValue) (feedback.Destruction, error) {
	var r destructionRecord
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return feedback.Destruction{}, fmt.Errorf("decode destruction item: %w", err)
	}
	p := timeParser{ref: r.Ref}
	d := feedback.Destruction{Ref: r.Ref, Kind: feedback.Kind(r.Kind), Channel: feedback.Channel(r.Channel),
		ReceivedAt: p.parse("received_at", r.ReceivedAt), ClosedAt: p.parse("closed_at", r.ClosedAt),
		ExpiredAt: p.parse("expired_at", r.ExpiredAt), DestroyedAt: p.parse("destroyed_at", r.DestroyedAt),
		Reason: r.Reason, Objects: r.Objects, KeepUntil: p.parse("keep_until", r.KeepUntil)}
	if p.err != nil {
		return feedback.Destruction{}, fmt.Errorf("decode destruction item: %w", p.err)
	}
	return d, nil
}

package dynamo

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/council/intake/internal/feedback"
)

// Search items: one small item per search key of a case (feedback.SearchKeys, each a digest,
// never the address or word itself), partitioned by the key and sorted by the case's
// feedback.ReceivedKey, so that a search is one Query on one partition, newest first, never a
// Scan. A GSI cannot do it: a case has many keys, and an index key holds one value. The items
// are written in the case's own transaction (Create, put) and carry the case's expires_at, so
// TTL removes them with the case; Purge deletes them.
const prefixSearch = "SEARCH#" // + the search key

// transactLimit is the most writes one TransactWriteItems may carry here: DynamoDB takes 100,
// moto 25. A case has at most 22 search keys, so a case's writes fit but for a change that
// moves many keys at once (searchWrites).
const transactLimit = 25

// searchState is what decides a case's search items: their keys, their sort key and their TTL.
type searchState struct {
	keys     []string
	received string
	expires  int64
}

func searchStateOf(c *feedback.Case) searchState {
	return searchState{keys: feedback.SearchKeys(c), received: feedback.ReceivedKey(c), expires: epoch(c.ExpiresAt)}
}

// item is the search item of key k for a case in this state.
func (st searchState) item(k string) map[string]types.AttributeValue {
	ref := st.received[strings.LastIndexByte(st.received, '#')+1:]
	item := map[string]types.AttributeValue{AttrPK: str(prefixSearch + k), AttrSK: str(st.received), "ref": str(ref)}
	if st.expires != 0 {
		item[AttrExpiresAt] = &types.AttributeValueMemberN{Value: strconv.FormatInt(st.expires, 10)}
	}
	return item
}

// searchWrites are the writes that take a case's search items from before to after: the
// items of keys it lost deleted, and those of keys it gained put; every item rewritten when
// the sort key or TTL moved. A zero before is a new case; a zero after, a purged one.
func (s *Store) searchWrites(before, after searchState) (puts, deletes []types.TransactWriteItem) {
	moved := before.received != after.received || before.expires != after.expires
	for _, k := range before.keys {
		// A put replaces the item under the same key, so a kept key needs no delete.
		if before.received != after.received || !slices.Contains(after.keys, k) {
			deletes = append(deletes, types.TransactWriteItem{Delete: &types.Delete{TableName: &s.table, Key: key(prefixSearch+k, before.received)}})
		}
	}
	for _, k := range after.keys {
		if moved || !slices.Contains(before.keys, k) {
			puts = append(puts, types.TransactWriteItem{Put: &types.Put{TableName: &s.table, Item: inTTLReach(after.item(k), s.clock.Now())}})
		}
	}
	return puts, deletes
}

// transact writes the items in transactions of at most transactLimit, in order, none
// conditional: the search items a change too large for the case's own transaction writes
// around it (puts before the case, deletes after), so that the index never lacks an entry of
// the case as stored. An entry left over, by a crash or a lost race between the steps, is
// harmless: Search checks every candidate against the case.
func (s *Store) transact(ctx context.Context, what string, writes []types.TransactWriteItem) error {
	for start := 0; start < len(writes); start += transactLimit {
		chunk := writes[start:min(start+transactLimit, len(writes))]
		err := call(ctx, what, func() error {
			_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: chunk})
			return err
		})
		if err != nil {
			return fmt.Errorf("dynamo: %s: %w", what, err)
		}
	}
	return nil
}

// Search queries the partition of q.Keys[0] newest first, from q.Cursor, leaving out at
// DynamoDB the items expired; reads each page's cases whole from the table in one batch
// (strongly consistent) and keeps those that carry every key as the table has them.
func (s *Store) Search(ctx context.Context, q feedback.SearchQuery) (feedback.CasePage, error) {
	page := feedback.CasePage{Cases: []*feedback.Case{}}
	if len(q.Keys) == 0 {
		return page, nil
	}
	now := s.clock.Now()
	in := &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    aws.String("#pk = :pk"),
		FilterExpression:          aws.String("attribute_not_exists(#exp) OR #exp > :now"),
		ExpressionAttributeNames:  map[string]string{"#pk": AttrPK, "#exp": AttrExpiresAt},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(prefixSearch + q.Keys[0]), ":now": &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Unix(), 10)}},
		ScanIndexForward:          aws.Bool(false),
	}
	if q.Cursor != "" {
		in.ExclusiveStartKey = key(prefixSearch+q.Keys[0], q.Cursor)
	}
	for {
		want := 0
		if q.Limit > 0 {
			want = q.Limit - len(page.Cases)
			if len(q.Keys) > 1 {
				want = max(2*want, 50) // some candidates will lack the other keys
			}
		}
		in.Limit = s.pageSize(want)
		var out *dynamodb.QueryOutput
		err := call(ctx, "search", func() (err error) { out, err = s.db.Query(ctx, in); return err })
		if err != nil {
			return feedback.CasePage{}, fmt.Errorf("dynamo: search: %w", err)
		}
		var refs []string
		for _, item := range out.Items {
			if ref, ok := item["ref"].(*types.AttributeValueMemberS); ok {
				refs = append(refs, ref.Value)
			}
		}
		cases, err := s.getCases(ctx, refs)
		if err != nil {
			return feedback.CasePage{}, fmt.Errorf("dynamo: search: %w", err)
		}
		for _, c := range cases {
			if !feedback.HasSearchKeys(c, q.Keys) {
				continue
			}
			if q.Limit > 0 && len(page.Cases) == q.Limit {
				page.Next = feedback.ReceivedKey(page.Cases[len(page.Cases)-1])
				return page, nil
			}
			page.Cases = append(page.Cases, c)
		}
		if len(out.LastEvaluatedKey) == 0 {
			return page, nil
		}
		if q.Limit > 0 && len(page.Cases) == q.Limit {
			page.Next = feedback.ReceivedKey(page.Cases[len(page.Cases)-1])
			return page, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// Package dynamo stores cases in one DynamoDB table (single-table design): a case item per
// case, an idempotency item per idempotency key and a counter item per sequence, with global
// secondary indexes (CreateTableInput) that answer the store's list queries without a Scan. It
// also creates that table for tests and local runs, and turns the table's stream records into
// cases for the Lambda that reads the stream.
//
// DynamoDB's TTL deletes expired items days late, so every read here filters out items whose
// expires_at has passed by the store's clock.
package dynamo

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/council/intake/internal/feedback"
)

// API is the part of the DynamoDB client the store uses. Both *dynamodb.Client and minidyn's
// in-process client satisfy it.
type API interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// updateAttempts bounds how often Update re-reads and re-applies fn after losing a race. Each
// round of racing writers has one winner, so the bound must exceed the writers that can meet on
// one case (the notifier, the sweep and a few officers) with room to spare.
const updateAttempts = 25

// Store is a feedback.Store over one DynamoDB table laid out as CreateTableInput describes.
type Store struct {
	db    operations
	table string
	clock feedback.Clock
	// pageLimit, when non-zero, caps the items per Query page (tests use it to force paging).
	pageLimit int32
	// readUnits, when set, is told the read units each ListReceived page consumed and the
	// items it returned (the benchmark's figure).
	readUnits func(units float64, items int)
}

var _ feedback.Store = (*Store)(nil)

// operations are the client's methods the store calls, held one by one rather than as the
// client: a program that links reflection's method lookup by name (html/template does) keeps
// every exported method of every type reflection could reach, and through a client held as a
// value or an interface that is every DynamoDB operation (about 5 MiB of the web form and
// officer functions).
type operations struct {
	GetItem            func(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem            func(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem         func(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	Query              func(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	DeleteItem         func(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	TransactWriteItems func(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	BatchGetItem       func(context.Context, *dynamodb.BatchGetItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
}

// New returns a store over the named table, reached through db (minidyn's client, or a test's
// wrapper; a program uses NewFromClient), reading the time from clock to decide which items
// have passed their retention end.
func New(db API, table string, clock feedback.Clock) *Store {
	return &Store{table: table, clock: clock, db: operations{GetItem: db.GetItem, PutItem: db.PutItem, UpdateItem: db.UpdateItem,
		Query: db.Query, DeleteItem: db.DeleteItem, TransactWriteItems: db.TransactWriteItems, BatchGetItem: db.BatchGetItem}}
}

// NewFromClient is New through the SDK's client. It takes the client's methods without ever
// converting the client to an interface (see operations).
func NewFromClient(db *dynamodb.Client, table string, clock feedback.Clock) *Store {
	return &Store{table: table, clock: clock, db: operations{GetItem: db.GetItem, PutItem: db.PutItem, UpdateItem: db.UpdateItem,
		Query: db.Query, DeleteItem: db.DeleteItem, TransactWriteItems: db.TransactWriteItems, BatchGetItem: db.BatchGetItem}}
}

// NextSequence atomically increments the named counter and returns its new value.
func (s *Store) NextSequence(ctx context.Context, name string) (int64, error) {
	var out *dynamodb.UpdateItemOutput
	err := call(ctx, "next sequence", func() (err error) {
		out, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                 &s.table,
			Key:                       key(prefixSeq+name, skSeq),
			UpdateExpression:          aws.String("ADD #n :one"),
			ExpressionAttributeNames:  map[string]string{"#n": attrSeq},
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}},
			ReturnValues:              types.ReturnValueUpdatedNew,
		})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("dynamo: next sequence %s: %w", name, err)
	}
	n, ok := out.Attributes[attrSeq].(*types.AttributeValueMemberN)
	if !ok {
		return 0, fmt.Errorf("dynamo: next sequence %s: no %s in the response", name, attrSeq)
	}
	v, err := strconv.ParseInt(n.Value, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("dynamo: next sequence %s: %w", name, err)
	}
	return v, nil
}

// Create writes the case and its idempotency item (if it has a key) in one transaction, each
// only if its key is free, so that a conflict leaves nothing half-written.
func (s *Store) Create(ctx context.Context, c *feedback.Case) error {
	item, err := marshalCase(c)
	if err != nil {
		return fmt.Errorf("dynamo: create case %s: %w", c.Ref, err)
	}
	free := aws.String("attribute_not_exists(" + AttrPK + ")")
	writes := []types.TransactWriteItem{{Put: &types.Put{TableName: &s.table, Item: item, ConditionExpression: free}}}
	if c.IdempotencyKey != "" {
		writes = append(writes, types.TransactWriteItem{Put: &types.Put{
			TableName: &s.table, Item: idempotencyItem(c), ConditionExpression: free,
		}})
	}
	err = call(ctx, "create case", func() error {
		_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: writes})
		return err
	})
	if failed := conditionFailures(err); failed != nil {
		if len(failed) > 0 && failed[0] == 1 {
			return feedback.Errorf(feedback.ECONFLICT, "this submission's idempotency key is already taken")
		}
		return feedback.Errorf(feedback.ECONFLICT, "case %s already exists or its idempotency key is taken", c.Ref)
	}
	if err != nil {
		return fmt.Errorf("dynamo: create case %s: %w", c.Ref, err)
	}
	return nil
}

// Get returns the case, or ENOTFOUND if there is none or it has passed its retention end.
func (s *Store) Get(ctx context.Context, ref string) (*feedback.Case, error) {
	item, err := s.getItem(ctx, "case", key(prefixCase+ref, skCase))
	if err != nil {
		return nil, fmt.Errorf("dynamo: get case %s: %w", ref, err)
	}
	if len(item) == 0 {
		return nil, feedback.Errorf(feedback.ENOTFOUND, "case %s not found", ref)
	}
	c, err := unmarshalCase(item)
	if err != nil {
		return nil, fmt.Errorf("dynamo: get case %s: %w", ref, err)
	}
	if c.Expired(s.clock.Now()) {
		return nil, feedback.Errorf(feedback.ENOTFOUND, "case %s not found", ref)
	}
	return c, nil
}

// GetByIdempotencyKey returns the case created with key, or ENOTFOUND.
func (s *Store) GetByIdempotencyKey(ctx context.Context, idemKey string) (*feedback.Case, error) {
	item, err := s.getItem(ctx, "idempotency item", key(prefixIdem+idemKey, skIdem))
	if err != nil {
		return nil, fmt.Errorf("dynamo: get idempotency item: %w", err)
	}
	var it idemRecord
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return nil, fmt.Errorf("dynamo: get idempotency item: %w", err)
	}
	if it.Ref == "" || expiredEpoch(it.ExpiresAt, s.clock.Now()) {
		return nil, feedback.Errorf(feedback.ENOTFOUND, "no case for this idempotency key")
	}
	return s.Get(ctx, it.Ref)
}

// Update reads the case, applies fn and writes it back only if its version is unchanged,
// retrying a bounded number of times on a lost race before giving up with ECONFLICT.
func (s *Store) Update(ctx context.Context, ref string, fn func(*feedback.Case) error) (*feedback.Case, error) {
	return s.update(ctx, ref, nil, fn)
}

// UpdateFrom is Update applied first to a copy of known, saving the read (a GetItem) when known
// is the stored version; when it is not, the conditional write fails and Update's loop reads.
func (s *Store) UpdateFrom(ctx context.Context, known *feedback.Case, fn func(*feedback.Case) error) (*feedback.Case, error) {
	item, err := marshalCase(known)
	if err != nil {
		return nil, fmt.Errorf("dynamo: update case %s: %w", known.Ref, err)
	}
	c, err := unmarshalCase(item) // a deep copy, as the store would read it back
	if err != nil {
		return nil, fmt.Errorf("dynamo: update case %s: %w", known.Ref, err)
	}
	c.Version = known.Version
	return s.update(ctx, known.Ref, c, fn)
}

func (s *Store) update(ctx context.Context, ref string, known *feedback.Case, fn func(*feedback.Case) error) (*feedback.Case, error) {
	for attempt := 0; attempt < updateAttempts; attempt++ {
		if attempt > 1 || attempt == 1 && known == nil {
			if err := sleep(ctx, jitter(attempt)); err != nil {
				return nil, fmt.Errorf("dynamo: update case %s: %w", ref, err)
			}
		}
		c := known
		switch {
		case attempt == 0 && c != nil:
			if c.Expired(s.clock.Now()) {
				return nil, feedback.Errorf(feedback.ENOTFOUND, "case %s not found", ref)
			}
		default:
			var err error
			if c, err = s.Get(ctx, ref); err != nil {
				return nil, err
			}
		}
		old := *c
		if err := fn(c); err != nil {
			return nil, err
		}
		if c.Ref != old.Ref || c.IdempotencyKey != old.IdempotencyKey {
			return nil, feedback.Errorf(feedback.EINVALID, "the reference and idempotency key of case %s cannot change", ref)
		}
		c.Version = old.Version + 1
		won, err := s.put(ctx, c, &old)
		if err != nil {
			return nil, err
		}
		if won {
			return c, nil
		}
	}
	return nil, feedback.Errorf(feedback.ECONFLICT, "case %s is being changed by someone else; try again", ref)
}

// put writes c over old if the stored version is still old's. It reports false if it lost that
// race. The idempotency item is rewritten with the case when the retention end moves, so that
// both expire together.
func (s *Store) put(ctx context.Context, c, old *feedback.Case) (bool, error) {
	item, err := marshalCase(c)
	if err != nil {
		return false, fmt.Errorf("dynamo: put case %s: %w", c.Ref, err)
	}
	cond := aws.String("#v = :v")
	names := map[string]string{"#v": AttrVersion}
	values := map[string]types.AttributeValue{":v": &types.AttributeValueMemberN{Value: strconv.Itoa(old.Version)}}

	if c.IdempotencyKey == "" || c.ExpiresAt.Equal(old.ExpiresAt) {
		err = call(ctx, "put case", func() error {
			_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
				TableName: &s.table, Item: item,
				ConditionExpression: cond, ExpressionAttributeNames: names, ExpressionAttributeValues: values,
			})
			return err
		})
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("dynamo: put case %s: %w", c.Ref, err)
		}
		return true, nil
	}

	err = call(ctx, "put case", func() error {
		_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{
				TableName: &s.table, Item: item,
				ConditionExpression: cond, ExpressionAttributeNames: names, ExpressionAttributeValues: values,
			}},
			{Put: &types.Put{TableName: &s.table, Item: idempotencyItem(c)}},
		}})
		return err
	})
	if conditionFailures(err) != nil {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("dynamo: put case %s: %w", c.Ref, err)
	}
	return true, nil
}

// conditionFailures returns the positions of the transaction's writes whose condition failed,
// or nil if err is not a transaction cancelled by a failed condition. The slice is empty but
// not nil when the service gave no reasons.
func conditionFailures(err error) []int {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return nil
	}
	failed := []int{}
	for i, r := range tce.CancellationReasons {
		if aws.ToString(r.Code) == "ConditionalCheckFailed" {
			failed = append(failed, i)
		}
	}
	if len(failed) == 0 && !strings.Contains(tce.ErrorMessage(), "ConditionalCheckFailed") {
		return nil
	}
	return failed
}

// ListPending returns the cases whose intake side effects are not all done, oldest first.
func (s *Store) ListPending(ctx context.Context) ([]*feedback.Case, error) {
	return s.query(ctx, "pending", IndexPending, AttrPendingPK+" = :pk", "",
		map[string]types.AttributeValue{":pk": str(pendingValue)},
		(*feedback.Case).Pending)
}

// ListDue returns the open cases whose response date, as a civil date in onOrBefore's location,
// is on or before onOrBefore's, soonest first. It reads the cases index (the open partition is
// in due-date order, feedback.ListKey), where an item without a response date is keyed by its
// acknowledgement date and left out by the filter.
func (s *Store) ListDue(ctx context.Context, onOrBefore time.Time) ([]*feedback.Case, error) {
	// The sort key is "YYYY-MM-DD#ref"; everything on the day sorts before the next day.
	y, m, d := onOrBefore.Date()
	next := time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	last := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	return s.query(ctx, "due", IndexCases, AttrCasesPK+" = :pk AND "+AttrCasesSK+" < :next", "attribute_exists(respond_by)",
		map[string]types.AttributeValue{":pk": str(string(feedback.StatusOpen)), ":next": str(next)},
		func(c *feedback.Case) bool {
			return c.Status == feedback.StatusOpen && !c.RespondBy.IsZero() && c.RespondBy.Format(time.DateOnly) <= last
		})
}

// ListAssigned returns the open cases assigned to a mailbox, oldest first. It reads the cases
// index's open partition, filtered by officer: the console lists through ListCases and calls
// this only when it is given no list of its own, which no deployed function is, so an index
// kept for it would be written with every case and never read.
func (s *Store) ListAssigned(ctx context.Context, mailbox string) ([]*feedback.Case, error) {
	cs, err := s.query(ctx, "assigned", IndexCases, AttrCasesPK+" = :pk", "assigned_to = :mailbox",
		map[string]types.AttributeValue{":pk": str(string(feedback.StatusOpen)), ":mailbox": str(mailbox)},
		func(c *feedback.Case) bool { return c.Status == feedback.StatusOpen && c.AssignedTo == mailbox })
	if err != nil {
		return nil, err
	}
	sort.SliceStable(cs, func(i, j int) bool {
		if !cs[i].ReceivedAt.Equal(cs[j].ReceivedAt) {
			return cs[i].ReceivedAt.Before(cs[j].ReceivedAt)
		}
		return cs[i].Ref < cs[j].Ref
	})
	return cs, nil
}

// ListCases returns a page of the cases matching q from the cases index, in feedback.ListKey
// order. The simple filters go to DynamoDB as a filter expression, so that fewer items travel;
// the index holds only what they need (CasesProjection), so each page's cases are then read
// whole from the table in one batch and checked again with q.Matches, since the index is
// eventually consistent and the table is not.
func (s *Store) ListCases(ctx context.Context, q feedback.CaseQuery) (feedback.CasePage, error) {
	status := q.Status
	if status == "" {
		status = feedback.StatusOpen
	}
	now := s.clock.Now()
	names := map[string]string{"#exp": AttrExpiresAt, "#pk": AttrCasesPK}
	values := map[string]types.AttributeValue{
		":now": &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Unix(), 10)},
		":pk":  str(string(status)),
	}
	cond := "#pk = :pk"
	if !q.DueBefore.IsZero() {
		cond += " AND #sk < :before"
		names["#sk"] = AttrCasesSK
		values[":before"] = str(q.DueBefore.Format(time.DateOnly))
	}
	filter := []string{"(attribute_not_exists(#exp) OR #exp > :now)"}
	for attr, v := range map[string]string{
		"assigned_to": q.AssignedTo, "service_area": q.ServiceArea, "kind": string(q.Kind),
		"stage": string(q.Stage), "channel": string(q.Channel),
	} {
		if v != "" {
			names["#"+attr], values[":"+attr] = attr, str(v)
			filter = append(filter, "#"+attr+" = :"+attr)
		}
	}
	if !q.DueBefore.IsZero() {
		names["#respond"] = "respond_by"
		filter = append(filter, "attribute_exists(#respond)")
	}
	in := &dynamodb.QueryInput{
		TableName:                 &s.table,
		IndexName:                 aws.String(IndexCases),
		KeyConditionExpression:    aws.String(cond),
		FilterExpression:          aws.String(strings.Join(filter, " AND ")),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}
	if q.Cursor != "" {
		date, ref, ok := strings.Cut(q.Cursor, "#")
		if !ok || len(date) != len(time.DateOnly) || ref == "" {
			return feedback.CasePage{}, feedback.Errorf(feedback.EINVALID, "The cursor is not one this list gave.")
		}
		in.ExclusiveStartKey = map[string]types.AttributeValue{
			AttrPK: str(prefixCase + ref), AttrSK: str(skCase), AttrCasesPK: str(string(status)), AttrCasesSK: str(q.Cursor),
		}
	}
	var page feedback.CasePage
	for {
		if q.Limit > 0 {
			in.Limit = aws.Int32(int32(q.Limit - len(page.Cases)))
		}
		if s.pageLimit > 0 && (in.Limit == nil || *in.Limit > s.pageLimit) {
			in.Limit = aws.Int32(s.pageLimit)
		}
		var out *dynamodb.QueryOutput
		err := call(ctx, "list cases", func() (err error) { out, err = s.db.Query(ctx, in); return err })
		if err != nil {
			return feedback.CasePage{}, fmt.Errorf("dynamo: list cases: %w", err)
		}
		var refs []string
		for _, item := range out.Items {
			c, err := unmarshalCase(item)
			if err != nil {
				return feedback.CasePage{}, fmt.Errorf("dynamo: list cases: %w", err)
			}
			if !c.Expired(now) && q.Matches(c) {
				refs = append(refs, c.Ref)
			}
		}
		cases, err := s.getCases(ctx, refs)
		if err != nil {
			return feedback.CasePage{}, fmt.Errorf("dynamo: list cases: %w", err)
		}
		for _, c := range cases {
			if q.Matches(c) {
				page.Cases = append(page.Cases, c)
			}
		}
		switch {
		case len(out.LastEvaluatedKey) == 0:
			return page, nil
		case q.Limit > 0 && len(page.Cases) >= q.Limit:
			page.Next = feedback.ListKey(page.Cases[len(page.Cases)-1])
			return page, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// ListReceived reads the month index, one received month (UTC) at a time from q.From's (or the
// cursor's) to q.To's, each a Query on one partition bounded by the sort key: never a Scan, and
// only the months asked for. The index projects MonthProjection, so the cases come back
// without message, contact, messages, letters, flags and history.
func (s *Store) ListReceived(ctx context.Context, q feedback.ReceivedQuery) (feedback.CasePage, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = feedback.DefaultReceivedPage
	}
	if q.From.IsZero() || q.To.IsZero() {
		return feedback.CasePage{}, feedback.Errorf(feedback.EINVALID, "A list of cases received needs both dates.")
	}
	if !q.From.Before(q.To) {
		return feedback.CasePage{}, nil
	}
	lo, hi := feedback.ReceivedBound(q.From), feedback.ReceivedBound(q.To)
	month := time.Date(q.From.UTC().Year(), q.From.UTC().Month(), 1, 0, 0, 0, 0, time.UTC)
	var start map[string]types.AttributeValue
	if q.Cursor != "" {
		at, ref, ok := strings.Cut(q.Cursor, "#")
		t, err := time.Parse(time.RFC3339Nano, at)
		if !ok || err != nil || ref == "" {
			return feedback.CasePage{}, feedback.Errorf(feedback.EINVALID, "The cursor is not one this list gave.")
		}
		if q.Cursor >= lo {
			month = time.Date(t.UTC().Year(), t.UTC().Month(), 1, 0, 0, 0, 0, time.UTC)
			start = map[string]types.AttributeValue{
				AttrPK: str(prefixCase + ref), AttrSK: str(skCase),
				AttrMonthPK: str(feedback.ReceivedMonth(t)), AttrMonthSK: str(q.Cursor),
			}
		}
	}
	now := s.clock.Now()
	var page feedback.CasePage
	for ; month.Before(q.To); month = month.AddDate(0, 1, 0) {
		in := &dynamodb.QueryInput{
			TableName:              &s.table,
			IndexName:              aws.String(IndexMonth),
			KeyConditionExpression: aws.String("#pk = :month AND #sk BETWEEN :lo AND :hi"),
			FilterExpression:       aws.String("attribute_not_exists(#exp) OR #exp > :now"),
			ExpressionAttributeNames: map[string]string{
				"#pk": AttrMonthPK, "#sk": AttrMonthSK, "#exp": AttrExpiresAt,
			},
			// hi is an instant with no "#ref": every key received before q.To sorts below it
			// and none received at q.To equals it, so BETWEEN is the half-open range.
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":month": str(month.Format("2006-01")), ":lo": str(lo), ":hi": str(hi),
				":now": &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Unix(), 10)},
			},
			ExclusiveStartKey:      start,
			ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
		}
		start = nil
		for {
			in.Limit = aws.Int32(int32(limit - len(page.Cases)))
			if s.pageLimit > 0 && *in.Limit > s.pageLimit {
				in.Limit = aws.Int32(s.pageLimit)
			}
			var out *dynamodb.QueryOutput
			err := call(ctx, "list received", func() (err error) { out, err = s.db.Query(ctx, in); return err })
			if err != nil {
				return feedback.CasePage{}, fmt.Errorf("dynamo: list received %s: %w", month.Format("2006-01"), err)
			}
			if out.ConsumedCapacity != nil && s.readUnits != nil {
				s.readUnits(aws.ToFloat64(out.ConsumedCapacity.CapacityUnits), len(out.Items))
			}
			for _, item := range out.Items {
				c, err := unmarshalCase(item)
				if err != nil {
					return feedback.CasePage{}, fmt.Errorf("dynamo: list received: %w", err)
				}
				if !c.Expired(now) {
					page.Cases = append(page.Cases, c)
				}
			}
			if len(page.Cases) >= limit {
				page.Next = feedback.ReceivedKey(page.Cases[len(page.Cases)-1])
				return page, nil
			}
			if len(out.LastEvaluatedKey) == 0 {
				break
			}
			in.ExclusiveStartKey = out.LastEvaluatedKey
		}
	}
	return page, nil
}

// query reads every page of an index that does not hold the whole case (so that a stamp on a
// case does not rewrite the whole case into it), filtered by filter if it is not empty, and
// reads each page's cases from the table in one batch. The index is eventually consistent, so
// each case is checked again against the predicate that put it in the list (keep); one gone
// or expired meanwhile is left out.
func (s *Store) query(ctx context.Context, what, index, cond, filter string, values map[string]types.AttributeValue, keep func(*feedback.Case) bool) ([]*feedback.Case, error) {
	now := s.clock.Now()
	values[":now"] = &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Unix(), 10)}
	live := "(attribute_not_exists(#exp) OR #exp > :now)"
	if filter != "" {
		live += " AND " + filter
	}
	in := &dynamodb.QueryInput{
		TableName:                 &s.table,
		IndexName:                 aws.String(index),
		KeyConditionExpression:    aws.String(cond),
		FilterExpression:          aws.String(live),
		ExpressionAttributeNames:  map[string]string{"#exp": AttrExpiresAt},
		ExpressionAttributeValues: values,
	}
	if s.pageLimit > 0 {
		in.Limit = aws.Int32(s.pageLimit)
	}
	var cases []*feedback.Case
	for {
		var out *dynamodb.QueryOutput
		err := call(ctx, "list "+what, func() (err error) { out, err = s.db.Query(ctx, in); return err })
		if err != nil {
			return nil, fmt.Errorf("dynamo: list %s: %w", what, err)
		}
		var refs []string
		for _, item := range out.Items {
			pk, ok := item[AttrPK].(*types.AttributeValueMemberS)
			if !ok || !strings.HasPrefix(pk.Value, prefixCase) {
				return nil, fmt.Errorf("dynamo: list %s: index item without a case key", what)
			}
			refs = append(refs, strings.TrimPrefix(pk.Value, prefixCase))
		}
		page, err := s.getCases(ctx, refs)
		if err != nil {
			return nil, fmt.Errorf("dynamo: list %s: %w", what, err)
		}
		for _, c := range page {
			if keep(c) {
				cases = append(cases, c)
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			return cases, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

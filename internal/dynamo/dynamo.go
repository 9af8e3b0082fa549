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
	"strconv"
	"strings"

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
	item = inTTLReach(item, s.clock.Now())
	free := aws.String("attribute_not_exists(" + AttrPK + ")")
	writes := []types.TransactWriteItem{{Put: &types.Put{TableName: &s.table, Item: item, ConditionExpression: free}}}
	if c.IdempotencyKey != "" {
		writes = append(writes, types.TransactWriteItem{Put: &types.Put{
			TableName: &s.table, Item: inTTLReach(idempotencyItem(c), s.clock.Now()), ConditionExpression: free,
		}})
	}
	puts, _ := s.searchWrites(searchState{}, searchStateOf(c))
	writes = append(writes, puts...)
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
	return caseItems.get(ctx, s, ref, key(prefixCase+ref, skCase))
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
		old, oldSearch := *c, searchStateOf(c)
		if err := fn(c); err != nil {
			return nil, err
		}
		if c.Ref != old.Ref || c.IdempotencyKey != old.IdempotencyKey {
			return nil, feedback.Errorf(feedback.EINVALID, "the reference and idempotency key of case %s cannot change", ref)
		}
		c.Version = old.Version + 1
		won, err := s.put(ctx, c, &old, oldSearch)
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
// both expire together; the search items (search.go) move with the case's searchable fields.
// A write that touches the case item alone is a PutItem; the rest go in one transaction with
// it, or, when they are too many for one, around it (transact).
func (s *Store) put(ctx context.Context, c, old *feedback.Case, oldSearch searchState) (bool, error) {
	item, err := marshalCase(c)
	if err != nil {
		return false, fmt.Errorf("dynamo: put case %s: %w", c.Ref, err)
	}
	item = inTTLReach(item, s.clock.Now())
	cond := aws.String("#v = :v")
	names := map[string]string{"#v": AttrVersion}
	values := map[string]types.AttributeValue{":v": &types.AttributeValueMemberN{Value: strconv.Itoa(old.Version)}}
	writes := []types.TransactWriteItem{{Put: &types.Put{
		TableName: &s.table, Item: item,
		ConditionExpression: cond, ExpressionAttributeNames: names, ExpressionAttributeValues: values,
	}}}
	if c.IdempotencyKey != "" && !c.ExpiresAt.Equal(old.ExpiresAt) {
		writes = append(writes, types.TransactWriteItem{Put: &types.Put{TableName: &s.table, Item: inTTLReach(idempotencyItem(c), s.clock.Now())}})
	}
	puts, deletes := s.searchWrites(oldSearch, searchStateOf(c))
	var after []types.TransactWriteItem
	if len(writes)+len(puts)+len(deletes) <= transactLimit {
		writes = append(writes, append(puts, deletes...)...)
	} else {
		if err := s.transact(ctx, "put search items of case "+c.Ref, puts); err != nil {
			return false, err
		}
		after = deletes
	}

	if len(writes) == 1 {
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
	} else {
		err = call(ctx, "put case", func() error {
			_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: writes})
			return err
		})
		if conditionFailures(err) != nil {
			return false, nil
		}
	}
	if err != nil {
		return false, fmt.Errorf("dynamo: put case %s: %w", c.Ref, err)
	}
	return true, s.transact(ctx, "delete search items of case "+c.Ref, after)
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

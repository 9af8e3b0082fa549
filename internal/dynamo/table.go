package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TableAPI is the part of the DynamoDB client that CreateTable uses.
type TableAPI interface {
	CreateTable(ctx context.Context, in *dynamodb.CreateTableInput, opts ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, opts ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
}

// TTLAPI is the part of the DynamoDB client that EnableTTL uses. minidyn does not offer it.
type TTLAPI interface {
	UpdateTimeToLive(ctx context.Context, in *dynamodb.UpdateTimeToLiveInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateTimeToLiveOutput, error)
}

// CreateTableInput describes the table exactly as template.yaml declares it: on demand, string
// keys PK and SK, the pending and contact indexes projecting keys only, the cases
// index CasesProjection, the month index MonthProjection, and a stream of new and old images.
// TTL on AttrExpiresAt is set separately, by EnableTTL.
func CreateTableInput(name string) *dynamodb.CreateTableInput {
	attrs := []types.AttributeDefinition{}
	for _, a := range []string{AttrPK, AttrSK, AttrPendingPK, AttrPendingSK, AttrCasesPK, AttrCasesSK, AttrContactPK, AttrContactSK, AttrMonthPK, AttrMonthSK} {
		attrs = append(attrs, types.AttributeDefinition{AttributeName: aws.String(a), AttributeType: types.ScalarAttributeTypeS})
	}
	index := func(name, pk, sk string, p types.ProjectionType, include ...string) types.GlobalSecondaryIndex {
		return types.GlobalSecondaryIndex{
			IndexName:  aws.String(name),
			KeySchema:  keySchema(pk, sk),
			Projection: &types.Projection{ProjectionType: p, NonKeyAttributes: include},
		}
	}
	return &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: attrs,
		KeySchema:            keySchema(AttrPK, AttrSK),
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
			// The sweep's pending cases and subject access's cases by contact hold keys only: a
			// stamp on a case then writes a few key attributes to them, not the whole case again;
			// the few cases they list are read from the table. The lists' index (the console's,
			// the API's, and the sweep's open cases by due date) holds what they filter by,
			// which no claim or stamp changes, and each page of cases is read from the table.
			index(IndexPending, AttrPendingPK, AttrPendingSK, types.ProjectionTypeKeysOnly),
			index(IndexCases, AttrCasesPK, AttrCasesSK, types.ProjectionTypeInclude, CasesProjection...),
			index(IndexContact, AttrContactPK, AttrContactSK, types.ProjectionTypeKeysOnly),
			index(IndexMonth, AttrMonthPK, AttrMonthSK, types.ProjectionTypeInclude, MonthProjection...),
		},
		StreamSpecification: &types.StreamSpecification{
			StreamEnabled:  aws.Bool(true),
			StreamViewType: types.StreamViewTypeNewAndOldImages,
		},
	}
}

func keySchema(pk, sk string) []types.KeySchemaElement {
	return []types.KeySchemaElement{
		{AttributeName: aws.String(pk), KeyType: types.KeyTypeHash},
		{AttributeName: aws.String(sk), KeyType: types.KeyTypeRange},
	}
}

// CreateTable creates the table that CreateTableInput describes and waits until it is active.
// It fails if the table exists already.
// Call EnableTTL afterwards where the service supports it.
func CreateTable(ctx context.Context, db TableAPI, name string) error {
	out, err := db.CreateTable(ctx, CreateTableInput(name))
	if err != nil {
		return fmt.Errorf("dynamo: create table %s: %w", name, err)
	}
	// moto answers ACTIVE at once and minidyn reports no status at all (its DescribeTable never
	// would either); only DynamoDB itself makes us wait.
	if d := out.TableDescription; d == nil || d.TableStatus == "" || d.TableStatus == types.TableStatusActive {
		return nil
	}
	w := dynamodb.NewTableExistsWaiter(db, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay = 100 * time.Millisecond
		o.MaxDelay = 5 * time.Second
	})
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 5*time.Minute); err != nil {
		return fmt.Errorf("dynamo: wait for table %s: %w", name, err)
	}
	return nil
}

// EnableTTL turns on time to live on AttrExpiresAt, as template.yaml declares it.
func EnableTTL(ctx context.Context, db TTLAPI, name string) error {
	_, err := db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName: aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{
			AttributeName: aws.String(AttrExpiresAt),
			Enabled:       aws.Bool(true),
		},
	})
	if err != nil {
		return fmt.Errorf("dynamo: enable ttl on table %s: %w", name, err)
	}
	return nil
}

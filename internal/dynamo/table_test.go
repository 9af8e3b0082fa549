package dynamo_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/council/intake/internal/dynamo"
)

func TestCreateTable_Moto(t *testing.T) {
	ctx := context.Background()
	db := motoClient(t)
	table := motoTable(t, db) // CreateTable and EnableTTL

	out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &table})
	if err != nil {
		t.Fatal(err)
	}
	d := out.Table
	if d.TableStatus != types.TableStatusActive {
		t.Errorf("table status %s; want ACTIVE", d.TableStatus)
	}
	if d.BillingModeSummary == nil || d.BillingModeSummary.BillingMode != types.BillingModePayPerRequest {
		t.Errorf("billing mode %+v; want PAY_PER_REQUEST", d.BillingModeSummary)
	}
	if d.StreamSpecification == nil || !aws.ToBool(d.StreamSpecification.StreamEnabled) ||
		d.StreamSpecification.StreamViewType != types.StreamViewTypeNewAndOldImages || d.LatestStreamArn == nil {
		t.Errorf("stream %+v; want NEW_AND_OLD_IMAGES", d.StreamSpecification)
	}
	if diff := cmp.Diff("PK:HASH SK:RANGE", keys(d.KeySchema)); diff != "" {
		t.Errorf("table key (-want +got):\n%s", diff)
	}
	attrs := map[string]types.ScalarAttributeType{}
	for _, a := range d.AttributeDefinitions {
		attrs[aws.ToString(a.AttributeName)] = a.AttributeType
	}

	gsis := map[string]types.GlobalSecondaryIndexDescription{}
	for _, g := range d.GlobalSecondaryIndexes {
		gsis[aws.ToString(g.IndexName)] = g
	}
	for _, tt := range []struct {
		index, pk, sk string
		projection    types.ProjectionType
	}{
		// Keys only: a stamp on a case must not rewrite the whole case into these.
		{dynamo.IndexPending, dynamo.AttrPendingPK, dynamo.AttrPendingSK, types.ProjectionTypeKeysOnly},
		{dynamo.IndexContact, dynamo.AttrContactPK, dynamo.AttrContactSK, types.ProjectionTypeKeysOnly},
		// What the lists filter by, and nothing a claim or stamp changes.
		{dynamo.IndexCases, dynamo.AttrCasesPK, dynamo.AttrCasesSK, types.ProjectionTypeInclude},
	} {
		t.Run(tt.index, func(t *testing.T) {
			g, ok := gsis[tt.index]
			if !ok {
				t.Fatalf("no index %s among %v", tt.index, gsis)
			}
			if diff := cmp.Diff(tt.pk+":HASH "+tt.sk+":RANGE", keys(g.KeySchema)); diff != "" {
				t.Errorf("index key (-want +got):\n%s", diff)
			}
			if g.Projection == nil || g.Projection.ProjectionType != tt.projection {
				t.Errorf("projection %+v; want %s", g.Projection, tt.projection)
			}
			for _, a := range []string{tt.pk, tt.sk} {
				if attrs[a] != types.ScalarAttributeTypeS {
					t.Errorf("attribute %s has type %q; want S", a, attrs[a])
				}
			}
		})
	}

	ttl, err := db.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: &table})
	if err != nil {
		t.Fatal(err)
	}
	if s := ttl.TimeToLiveDescription; s == nil || aws.ToString(s.AttributeName) != dynamo.AttrExpiresAt ||
		s.TimeToLiveStatus != types.TimeToLiveStatusEnabled {
		t.Errorf("time to live %+v; want ENABLED on %s", s, dynamo.AttrExpiresAt)
	}

	if err := dynamo.CreateTable(ctx, db, table); err == nil {
		t.Error("CreateTable over an existing table returned no error")
	}
}

func keys(ks []types.KeySchemaElement) string {
	s := ""
	for i, k := range ks {
		if i > 0 {
			s += " "
		}
		s += aws.ToString(k.AttributeName) + ":" + string(k.KeyType)
	}
	return s
}

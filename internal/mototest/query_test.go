package mototest

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestQuery_Partition_Moto: a Query of a table's own key, which launch.py has read only that
// partition, answers as DynamoDB does: the partition's items and no other's, in key order
// either way, with key conditions, filters, limits and pages; nothing for a partition with no
// items (nor a partition made by asking); a hash-only table's one item.
func TestQuery_Partition_Moto(t *testing.T) {
	ctx := context.Background()
	db, _ := clients(t)
	ranged, _ := createTable(t, db, true)
	plain, _ := createTable(t, db, false)
	var seed []types.TransactWriteItem
	for _, sk := range []string{"1", "2", "3", "4", "5"} {
		seed = append(seed, put(ranged, item("a", sk, "v"+sk)))
	}
	seed = append(seed, put(ranged, item("ab", "1", "v1")), put(ranged, item("b", "1", "v1")), put(ranged, item("b", "3", "v3")),
		put(plain, item("a", "", "va")), put(plain, item("b", "", "vb")))
	if _, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: seed}); err != nil {
		t.Fatal(err)
	}
	vals := func(kv ...string) map[string]types.AttributeValue {
		m := map[string]types.AttributeValue{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = s(kv[i+1])
		}
		return m
	}
	for _, tc := range []struct {
		name string
		in   dynamodb.QueryInput
		// want is each page's items, as pk/sk.
		want [][]string
	}{
		{"a partition", dynamodb.QueryInput{TableName: &ranged, KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: vals(":p", "a")},
			[][]string{{"a/1", "a/2", "a/3", "a/4", "a/5"}}},
		{"a range of it", dynamodb.QueryInput{TableName: &ranged, KeyConditionExpression: aws.String("pk = :p AND sk BETWEEN :lo AND :hi"), ExpressionAttributeValues: vals(":p", "a", ":lo", "2", ":hi", "4")},
			[][]string{{"a/2", "a/3", "a/4"}}},
		{"backwards in pages", dynamodb.QueryInput{TableName: &ranged, KeyConditionExpression: aws.String("pk = :p AND sk >= :lo"), ExpressionAttributeValues: vals(":p", "a", ":lo", "2"), ScanIndexForward: aws.Bool(false), Limit: aws.Int32(2)},
			[][]string{{"a/5", "a/4"}, {"a/3", "a/2"}, {}}},
		{"filtered", dynamodb.QueryInput{TableName: &ranged, KeyConditionExpression: aws.String("pk = :p"), FilterExpression: aws.String("v <> :v"), ExpressionAttributeValues: vals(":p", "b", ":v", "v1")},
			[][]string{{"b/3"}}},
		{"a partition with no items", dynamodb.QueryInput{TableName: &ranged, KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: vals(":p", "c")},
			[][]string{{}}},
		{"that partition again", dynamodb.QueryInput{TableName: &ranged, KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: vals(":p", "c")},
			[][]string{{}}},
		{"a hash-only table", dynamodb.QueryInput{TableName: &plain, KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: vals(":p", "b")},
			[][]string{{"b/"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			var got [][]string
			for range 10 {
				out, err := db.Query(ctx, &in)
				if err != nil {
					t.Fatal(err)
				}
				page := []string{}
				for _, it := range out.Items {
					sk := ""
					if v, ok := it["sk"].(*types.AttributeValueMemberS); ok {
						sk = v.Value
					}
					page = append(page, fmt.Sprintf("%s/%s", it["pk"].(*types.AttributeValueMemberS).Value, sk))
				}
				got = append(got, page)
				if out.LastEvaluatedKey == nil {
					break
				}
				in.ExclusiveStartKey = out.LastEvaluatedKey
			}
			if !slices.EqualFunc(got, tc.want, slices.Equal) {
				t.Errorf("pages %q, want %q", got, tc.want)
			}
		})
	}
}

package mototest

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// BenchmarkTransactWriteItems_Moto: b.N TransactWriteItems one after another, each of three
// items (two puts of new 1 KB items, an ADD to a counter) on one table with a stream, as
// Intake writes a case. It reports moto's peak and final resident memory (Linux): compare
// the launcher with plain moto_server (INTAKE_MOTO_PLAIN=1), with the server to itself:
//
//	go test ./internal/mototest -run '^$' -bench TransactWriteItems -benchtime 2000x
//	INTAKE_MOTO_PLAIN=1 go test ./internal/mototest -run '^$' -bench TransactWriteItems -benchtime 2000x
func BenchmarkTransactWriteItems_Moto(b *testing.B) {
	ctx := context.Background()
	db, _ := clients(b)
	table, _ := createTable(b, db, true)
	payload := s(strings.Repeat("x", 1000))
	b.ResetTimer()
	for i := range b.N {
		pk := fmt.Sprintf("case-%d", i)
		_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: &table, Item: map[string]types.AttributeValue{"pk": s(pk), "sk": s("case"), "body": payload},
				ConditionExpression: aws.String("attribute_not_exists(pk)")}},
			{Put: &types.Put{TableName: &table, Item: map[string]types.AttributeValue{"pk": s(pk), "sk": s("event-1"), "body": payload}}},
			{Update: &types.Update{TableName: &table, Key: key("counter", "0"), UpdateExpression: aws.String("ADD n :one"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}}}},
		}})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if peak, rss, ok := memory(); ok {
		b.ReportMetric(peak, "moto-peak-MB")
		b.ReportMetric(rss, "moto-rss-MB")
	}
}

// memory returns the running server's peak and current resident memory in MB, from
// /proc/PID/status (Linux only).
func memory() (peak, rss float64, ok bool) {
	if proc == nil || proc.Process == nil {
		return 0, 0, false
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", proc.Process.Pid))
	if err != nil {
		return 0, 0, false
	}
	for line := range strings.Lines(string(status)) {
		f := strings.Fields(line)
		if len(f) != 3 || f[2] != "kB" {
			continue
		}
		kb, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			continue
		}
		switch f[0] {
		case "VmHWM:":
			peak = kb / 1024
		case "VmRSS:":
			rss = kb / 1024
		}
	}
	return peak, rss, peak > 0
}

// BenchmarkQuery_Moto: b.N Queries of one partition (one case's five items) of a table of
// 2,000 cases (10,000 items), as Intake reads a case. Compare the launcher, which reads the
// partition alone, with plain moto_server, which reads every item of the table for each:
//
//	go test ./internal/mototest -run '^$' -bench Query -benchtime 200x
//	INTAKE_MOTO_PLAIN=1 go test ./internal/mototest -run '^$' -bench Query -benchtime 200x
func BenchmarkQuery_Moto(b *testing.B) {
	ctx := context.Background()
	db, _ := clients(b)
	table, _ := createTable(b, db, true)
	const cases, perCase = 2000, 5
	var batch []types.WriteRequest
	for i := range cases * perCase {
		batch = append(batch, types.WriteRequest{PutRequest: &types.PutRequest{Item: item(fmt.Sprintf("case-%d", i/perCase), fmt.Sprintf("event-%d", i%perCase), "v")}})
		if len(batch) == 25 || i == cases*perCase-1 {
			if _, err := db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: batch}}); err != nil {
				b.Fatal(err)
			}
			batch = nil
		}
	}
	b.ResetTimer()
	for i := range b.N {
		out, err := db.Query(ctx, &dynamodb.QueryInput{TableName: &table, KeyConditionExpression: aws.String("pk = :p"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": s(fmt.Sprintf("case-%d", i%cases))}})
		if err != nil {
			b.Fatal(err)
		}
		if len(out.Items) != perCase {
			b.Fatalf("the query found %d items, want %d", len(out.Items), perCase)
		}
	}
}

package mototest

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

var tableSeq atomic.Int64

// clients returns DynamoDB and DynamoDB Streams clients for the test server, having logged
// how it was started.
func clients(t testing.TB) (*dynamodb.Client, *dynamodbstreams.Client) {
	t.Helper()
	url := Endpoint(t)
	t.Logf("moto: %s", launchNote)
	db := dynamodb.NewFromConfig(Config(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(url) })
	st := dynamodbstreams.NewFromConfig(Config(), func(o *dynamodbstreams.Options) { o.BaseEndpoint = aws.String(url) })
	return db, st
}

// createTable creates a table with a NEW_AND_OLD_IMAGES stream, keyed by pk (string) and, if
// ranged, sk (string), and returns its name and stream ARN.
func createTable(t testing.TB, db *dynamodb.Client, ranged bool) (string, string) {
	t.Helper()
	name := fmt.Sprintf("%s-%d", strings.ReplaceAll(t.Name(), "/", "_"), tableSeq.Add(1))
	in := &dynamodb.CreateTableInput{
		TableName:            &name,
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		StreamSpecification:  &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages},
	}
	if ranged {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS})
		in.KeySchema = append(in.KeySchema, types.KeySchemaElement{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange})
	}
	out, err := db.CreateTable(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: &name}) })
	return name, aws.ToString(out.TableDescription.LatestStreamArn)
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

// key is an item's key: pk, and sk unless it is empty.
func key(pk, sk string) map[string]types.AttributeValue {
	k := map[string]types.AttributeValue{"pk": s(pk)}
	if sk != "" {
		k["sk"] = s(sk)
	}
	return k
}

// item is the item at key(pk, sk) with attribute v.
func item(pk, sk, v string) map[string]types.AttributeValue {
	it := key(pk, sk)
	it["v"] = s(v)
	return it
}

// record is what a test checks of a stream record.
type record struct {
	Event, Key, Old, New string
}

// records returns the stream's records after iterator it, and the iterator to read on from.
func records(t testing.TB, st *dynamodbstreams.Client, it *string) ([]record, []string, *string) {
	t.Helper()
	var got []record
	var seqs []string
	for {
		out, err := st.GetRecords(context.Background(), &dynamodbstreams.GetRecordsInput{ShardIterator: it})
		if err != nil {
			t.Fatal(err)
		}
		it = out.NextShardIterator
		if len(out.Records) == 0 {
			return got, seqs, it
		}
		for _, r := range out.Records {
			d := r.Dynamodb
			k := d.Keys["pk"].(*streamtypes.AttributeValueMemberS).Value
			if sk, ok := d.Keys["sk"]; ok {
				k += "/" + sk.(*streamtypes.AttributeValueMemberS).Value
			}
			rec := record{Event: string(r.EventName), Key: k}
			if v, ok := d.OldImage["v"]; ok {
				rec.Old = v.(*streamtypes.AttributeValueMemberS).Value
			}
			if v, ok := d.NewImage["v"]; ok {
				rec.New = v.(*streamtypes.AttributeValueMemberS).Value
			}
			got = append(got, rec)
			seqs = append(seqs, aws.ToString(d.SequenceNumber))
		}
	}
}

// iterator returns an iterator of the stream's only shard, of the given type.
func iterator(t testing.TB, st *dynamodbstreams.Client, arn string, typ streamtypes.ShardIteratorType) *string {
	t.Helper()
	ctx := context.Background()
	desc, err := st.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: &arn})
	if err != nil {
		t.Fatal(err)
	}
	it, err := st.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
		StreamArn: &arn, ShardId: desc.StreamDescription.Shards[0].ShardId, ShardIteratorType: typ,
	})
	if err != nil {
		t.Fatal(err)
	}
	return it.ShardIterator
}

// value returns attribute v of the item at key k, or "absent".
func value(t testing.TB, db *dynamodb.Client, table string, k map[string]types.AttributeValue) string {
	t.Helper()
	out, err := db.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: &table, Key: k, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if out.Item == nil {
		return "absent"
	}
	return out.Item["v"].(*types.AttributeValueMemberS).Value
}

func update(table string, k map[string]types.AttributeValue, v string) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{
		TableName: &table, Key: k, UpdateExpression: aws.String("SET v = :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": s(v)},
	}}
}

func put(table string, it map[string]types.AttributeValue) types.TransactWriteItem {
	return types.TransactWriteItem{Put: &types.Put{TableName: &table, Item: it}}
}

func del(table string, k map[string]types.AttributeValue) types.TransactWriteItem {
	return types.TransactWriteItem{Delete: &types.Delete{TableName: &table, Key: k}}
}

// TestTransactWriteItems_Rollback_Moto: a transaction that moto cancels, on a condition or on
// a validation error, after it has applied some of its items (moto applies them in order and
// undoes them) leaves no trace, in the items or in the streams, on a hash-and-range table and
// a hash-only one at once; a transaction that succeeds leaves all its records, numbered on
// from those before. This is what launch.py's item-level backup must get right.
func TestTransactWriteItems_Rollback_Moto(t *testing.T) {
	ctx := context.Background()
	db, st := clients(t)
	ranged, rangedArn := createTable(t, db, true)
	plain, plainArn := createTable(t, db, false)

	seed := []types.TransactWriteItem{
		put(ranged, item("a", "1", "old")),
		put(ranged, item("a", "2", "old")), // shares a's hash key
		put(ranged, item("x", "1", "old")),
		put(plain, item("d", "", "old")),
		put(plain, item("y", "", "old")),
	}
	if _, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: seed}); err != nil {
		t.Fatal(err)
	}
	rangedBefore, rangedSeqs, _ := records(t, st, iterator(t, st, rangedArn, streamtypes.ShardIteratorTypeTrimHorizon))
	plainBefore, plainSeqs, _ := records(t, st, iterator(t, st, plainArn, streamtypes.ShardIteratorTypeTrimHorizon))
	if len(rangedBefore) != 3 || len(plainBefore) != 2 {
		t.Fatalf("after the seed, the streams hold %v and %v, want 3 and 2 records", rangedBefore, plainBefore)
	}
	// Iterators taken before the cancelled transactions, as a stream consumer holds them.
	rangedIt := iterator(t, st, rangedArn, streamtypes.ShardIteratorTypeLatest)
	plainIt := iterator(t, st, plainArn, streamtypes.ShardIteratorTypeLatest)

	want := map[string]string{"a/1": "old", "a/2": "old", "x/1": "old", "b/1": "absent", "a/3": "absent", "d": "old", "y": "old", "c": "absent"}
	check := func(when string) {
		t.Helper()
		for k, v := range want {
			var got string
			if pk, sk, ok := strings.Cut(k, "/"); ok {
				got = value(t, db, ranged, key(pk, sk))
			} else {
				got = value(t, db, plain, key(k, ""))
			}
			if got != v {
				t.Errorf("%s: item %s: v is %s, want %s", when, k, got, v)
			}
		}
		r, rs, _ := records(t, st, iterator(t, st, rangedArn, streamtypes.ShardIteratorTypeTrimHorizon))
		p, ps, _ := records(t, st, iterator(t, st, plainArn, streamtypes.ShardIteratorTypeTrimHorizon))
		if !slices.Equal(r, rangedBefore) || !slices.Equal(rs, rangedSeqs) || !slices.Equal(p, plainBefore) || !slices.Equal(ps, plainSeqs) {
			t.Errorf("%s: the streams hold\n%v %v\n%v %v\nwant\n%v %v\n%v %v", when, r, rs, p, ps, rangedBefore, rangedSeqs, plainBefore, plainSeqs)
		}
	}

	// Every item but the last is applied before the last's condition fails.
	cancelled := []types.TransactWriteItem{
		update(ranged, key("a", "1"), "new"), // an update of an item
		update(ranged, key("a", "3"), "new"), // an update that creates an item, beside others of its hash key
		put(ranged, item("b", "1", "new")),   // a put of a new item, under a new hash key
		del(ranged, key("x", "1")),           // a delete
		update(plain, key("d", ""), "new"),
		put(plain, item("c", "", "new")),
		put(plain, item("y", "", "new")), // a put over an item
		{ConditionCheck: &types.ConditionCheck{
			TableName: &ranged, Key: key("a", "2"), ConditionExpression: aws.String("v = :v"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("other")},
		}},
	}
	_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: cancelled})
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		t.Fatalf("the transaction with a failing condition: err %v, want TransactionCanceledException", err)
	}
	var codes []string
	for _, r := range tce.CancellationReasons {
		codes = append(codes, aws.ToString(r.Code))
	}
	if wantCodes := []string{"None", "None", "None", "None", "None", "None", "None", "ConditionalCheckFailed"}; !slices.Equal(codes, wantCodes) {
		t.Errorf("cancellation reasons %v, want %v", codes, wantCodes)
	}
	check("after a transaction cancelled by a condition")

	// Two items on one key: moto applies the first two, then raises a ValidationException.
	invalid := []types.TransactWriteItem{
		put(ranged, item("b", "1", "new")),
		update(plain, key("d", ""), "new"),
		del(ranged, key("a", "1")),
		update(ranged, key("a", "1"), "new"),
	}
	_, err = db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: invalid})
	if err == nil || !strings.Contains(err.Error(), "multiple operations on one item") {
		t.Fatalf("the transaction with two items on one key: err %v, want a ValidationException", err)
	}
	check("after a transaction refused for two items on one key")

	ok := []types.TransactWriteItem{
		update(ranged, key("a", "1"), "newer"),
		put(ranged, item("b", "1", "new")),
		del(ranged, key("x", "1")),
		put(plain, item("c", "", "new")),
	}
	if _, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: ok}); err != nil {
		t.Fatal(err)
	}
	want["a/1"], want["b/1"], want["x/1"], want["c"] = "newer", "new", "absent", "new"
	for k, v := range want {
		var got string
		if pk, sk, ok := strings.Cut(k, "/"); ok {
			got = value(t, db, ranged, key(pk, sk))
		} else {
			got = value(t, db, plain, key(k, ""))
		}
		if got != v {
			t.Errorf("after a transaction that succeeded: item %s: v is %s, want %s", k, got, v)
		}
	}
	r, rs, _ := records(t, st, iterator(t, st, rangedArn, streamtypes.ShardIteratorTypeTrimHorizon))
	p, ps, _ := records(t, st, iterator(t, st, plainArn, streamtypes.ShardIteratorTypeTrimHorizon))
	wantRanged := append(slices.Clone(rangedBefore),
		record{"MODIFY", "a/1", "old", "newer"}, record{"INSERT", "b/1", "", "new"}, record{"REMOVE", "x/1", "old", ""})
	wantPlain := append(slices.Clone(plainBefore), record{"INSERT", "c", "", "new"})
	if !slices.Equal(r, wantRanged) || !slices.Equal(p, wantPlain) {
		t.Errorf("after a transaction that succeeded, the streams hold\n%v\n%v\nwant\n%v\n%v", r, p, wantRanged, wantPlain)
	}
	// Numbered on from the records before the cancelled transactions, with no gap.
	if !slices.Equal(rs[:len(rangedSeqs)], rangedSeqs) || !consecutive(t, rs) || !consecutive(t, ps) {
		t.Errorf("sequence numbers %v and %v, want consecutive ones following %v and %v", rs, ps, rangedSeqs, plainSeqs)
	}

	// A consumer's iterator from before the cancelled transactions reads on: moto replaced a
	// cancelled transaction's tables with copies, so such an iterator read a shard no longer
	// written to, with the cancelled records; launch.py restores the tables in place.
	rNext, _, _ := records(t, st, rangedIt)
	pNext, _, _ := records(t, st, plainIt)
	if !slices.Equal(rNext, wantRanged[len(rangedBefore):]) || !slices.Equal(pNext, wantPlain[len(plainBefore):]) {
		msg := fmt.Sprintf("iterators taken before the cancelled transactions read\n%v\n%v\nwant\n%v\n%v",
			rNext, pNext, wantRanged[len(rangedBefore):], wantPlain[len(plainBefore):])
		if patched {
			t.Error(msg)
		} else {
			t.Log("plain moto_server, as expected: " + msg)
		}
	}
}

// consecutive reports whether the decimal sequence numbers seqs count up by one.
func consecutive(t testing.TB, seqs []string) bool {
	t.Helper()
	for i := 1; i < len(seqs); i++ {
		a, okA := new(big.Int).SetString(seqs[i-1], 10)
		b, okB := new(big.Int).SetString(seqs[i], 10)
		if !okA || !okB || b.Sub(b, a).Cmp(big.NewInt(1)) != 0 {
			return false
		}
	}
	return true
}

// TestPythonOf: the Python of a moto_server script is found from its #! line, directly or
// through env; a pyenv shim is followed to the script it runs; anything else is refused (and
// start then runs plain moto_server).
func TestPythonOf(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := dir + "/" + name
		if err := os.WriteFile(p, []byte(text), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	script := "# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom moto.server import main\n"
	direct := write("direct", "#!/opt/venv/bin/python3.11\n"+script)
	env := write("env", "#!/usr/bin/env python3\n"+script)
	// A pyenv shim, named as the script it stands for, whose pyenv answers `which direct`.
	pyenv := write("pyenv", "#!/bin/sh\n[ \"$1 $2\" = 'which direct' ] && [ \"$PYENV_ROOT\" = /pyenv/root ] && echo "+direct+"\n")
	if err := os.Mkdir(dir+"/shims", 0o755); err != nil {
		t.Fatal(err)
	}
	shim := write("shims/direct", "#!/usr/bin/env bash\nset -e\nprogram=\"${0##*/}\"\nexport PYENV_ROOT=\"/pyenv/root\"\nexec \""+pyenv+"\" exec \"$program\" \"$@\"\n")
	for _, tt := range []struct {
		path         string
		python       []string
		scriptPath   string
		errSubstring string
	}{
		{path: direct, python: []string{"/opt/venv/bin/python3.11"}, scriptPath: direct},
		{path: env, python: []string{"/usr/bin/env", "python3"}, scriptPath: env},
		{path: shim, python: []string{"/opt/venv/bin/python3.11"}, scriptPath: direct},
		{path: write("sh", "#!/bin/sh\nexec python3 -m moto.server \"$@\"\n"), errSubstring: "neither a Python nor a pyenv shim"},
		{path: write("binary", "\x7fELF"), errSubstring: "not a script"},
		{path: dir + "/missing", errSubstring: "no such file"},
	} {
		python, scriptPath, err := pythonOf(tt.path, 0)
		if tt.errSubstring != "" {
			if err == nil || !strings.Contains(err.Error(), tt.errSubstring) {
				t.Errorf("pythonOf(%s): err %v, want one saying %q", tt.path, err, tt.errSubstring)
			}
			continue
		}
		if err != nil || !slices.Equal(python, tt.python) || scriptPath != tt.scriptPath {
			t.Errorf("pythonOf(%s) = %q, %s, %v; want %q, %s", tt.path, python, scriptPath, err, tt.python, tt.scriptPath)
		}
	}
}

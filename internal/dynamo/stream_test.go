package dynamo_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/dynamo"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/feedback/storetest"
	"github.com/council/intake/internal/mototest"
)

// readStream reads every record of the table's stream from moto, as Lambda's poller would,
// and returns them as the event Lambda hands the stream handler.
func readStream(t *testing.T, db *dynamodb.Client, table string) events.DynamoDBEvent {
	t.Helper()
	ctx := context.Background()
	url := mototest.Endpoint(t)
	streams := dynamodbstreams.NewFromConfig(mototest.Config(), func(o *dynamodbstreams.Options) { o.BaseEndpoint = aws.String(url) })
	desc, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &table})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(desc.Table.LatestStreamArn)
	if arn == "" {
		t.Fatalf("table %s has no stream", table)
	}
	stream, err := streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: &arn})
	if err != nil {
		t.Fatal(err)
	}
	var ev events.DynamoDBEvent
	for _, shard := range stream.StreamDescription.Shards {
		it, err := streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
			StreamArn: &arn, ShardId: shard.ShardId, ShardIteratorType: streamtypes.ShardIteratorTypeTrimHorizon,
		})
		if err != nil {
			t.Fatal(err)
		}
		for iter := it.ShardIterator; iter != nil; {
			out, err := streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter})
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Records) == 0 {
				break // an open shard never ends; an empty page means we have caught up
			}
			for _, r := range out.Records {
				rec, err := dynamo.StreamRecordToEvent(r, arn)
				if err != nil {
					t.Fatal(err)
				}
				ev.Records = append(ev.Records, rec)
			}
			iter = out.NextShardIterator
		}
	}
	return ev
}

func TestCaseFromStreamImage_Moto(t *testing.T) {
	ctx := context.Background()
	db := motoClient(t)
	table := motoTable(t, db)
	s := dynamo.New(db, table, clock.NewFixed(storetest.Start))

	if _, err := s.NextSequence(ctx, "ref-2026"); err != nil {
		t.Fatal(err)
	}
	created := storetest.NewCase("FB-2026-000001", storetest.Start)
	created.IdempotencyKey = "form:abc"
	if err := s.Create(ctx, created); err != nil {
		t.Fatal(err)
	}
	closed, err := s.Update(ctx, created.Ref, func(c *feedback.Case) error {
		c.Status = feedback.StatusClosed
		c.ClosedAt = storetest.Start.Add(time.Hour)
		c.ExpiresAt = c.ClosedAt.AddDate(2, 0, 0)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Round-trip through JSON, as the event reaches a Lambda binary.
	raw, err := json.Marshal(readStream(t, db, table))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatalf("unmarshal %s: %v", raw, err)
	}

	type seen struct {
		Event, Ref string
		New, Old   *feedback.Case
	}
	var got []seen
	others := map[string]bool{}
	for _, r := range ev.Records {
		if r.EventSourceArn == "" || r.Change.StreamViewType != string(events.DynamoDBStreamViewTypeNewAndOldImages) {
			t.Errorf("record %s lacks its source or view type: %+v", r.EventID, r)
		}
		newCase, ok, err := dynamo.CaseFromStreamImage(r.Change.NewImage)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			pk := r.Change.Keys["PK"].String()
			if strings.HasPrefix(pk, "SEARCH#") {
				pk = "SEARCH#" // the case's search items: many, one per key
			}
			others[pk] = true
			continue
		}
		oldCase, _, err := dynamo.CaseFromStreamImage(r.Change.OldImage)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, seen{r.EventName, newCase.Ref, newCase, oldCase})
	}
	createdV := *created
	want := []seen{
		{"INSERT", created.Ref, &createdV, nil},
		{"MODIFY", created.Ref, closed, &createdV},
	}
	opts := cmp.Options{cmpopts.EquateApproxTime(0), cmpopts.EquateEmpty()}
	if diff := cmp.Diff(want, got, opts); diff != "" {
		t.Errorf("cases read from the stream (-want +got):\n%s", diff)
	}
	// moto writes two INSERT records for an UpdateItem that creates the counter, so count items,
	// not records.
	if diff := cmp.Diff(map[string]bool{"SEQ#ref-2026": true, "IDEM#form:abc": true, "SEARCH#": true}, others); diff != "" {
		t.Errorf("items of the records CaseFromStreamImage skipped (-want +got):\n%s", diff)
	}
}

func TestCaseFromStreamImage(t *testing.T) {
	s := events.NewStringAttribute
	n := events.NewNumberAttribute
	tests := []struct {
		name    string
		image   map[string]events.DynamoDBAttributeValue
		wantOK  bool
		wantErr bool
	}{
		{"no image (REMOVE has no NewImage)", nil, false, false},
		{"counter", map[string]events.DynamoDBAttributeValue{"PK": s("SEQ#ref-2026"), "SK": s("SEQ"), "seq": n("3")}, false, false},
		{"idempotency item", map[string]events.DynamoDBAttributeValue{"PK": s("IDEM#form:abc"), "SK": s("IDEM"), "ref": s("FB-2026-000001")}, false, false},
		{"numeric key", map[string]events.DynamoDBAttributeValue{"PK": n("1"), "SK": s("CASE")}, false, false},
		{"case", map[string]events.DynamoDBAttributeValue{
			"PK": s("CASE#FB-2026-000001"), "SK": s("CASE"), "ref": s("FB-2026-000001"), "status": s("open"),
			"received_at": s("2026-12-21T10:00:00Z"), "version": n("2"),
			"contact": events.NewMapAttribute(map[string]events.DynamoDBAttributeValue{"name": s("A")}),
		}, true, false},
		{"case with a bad time", map[string]events.DynamoDBAttributeValue{
			"PK": s("CASE#FB-2026-000001"), "SK": s("CASE"), "ref": s("FB-2026-000001"), "received_at": s("yesterday"),
		}, false, true},
		{"case with a wrongly typed attribute", map[string]events.DynamoDBAttributeValue{
			"PK": s("CASE#FB-2026-000001"), "SK": s("CASE"), "version": s("two"),
		}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ok, err := dynamo.CaseFromStreamImage(tt.image)
			if ok != tt.wantOK || (err != nil) != tt.wantErr {
				t.Fatalf("CaseFromStreamImage = %v, %v, %v; want ok %v, error %v", c, ok, err, tt.wantOK, tt.wantErr)
			}
			if ok && (c.Ref != "FB-2026-000001" || c.Version != 2 || c.Contact.Name != "A" || !c.ReceivedAt.Equal(storetest.Start)) {
				t.Errorf("decoded case = %+v", c)
			}
		})
	}
}

func TestStreamRecordToEvent_JSON(t *testing.T) {
	at := time.Unix(1766311200, 0).UTC()
	rec := streamtypes.Record{
		AwsRegion: aws.String("eu-west-2"), EventID: aws.String("e1"), EventName: streamtypes.OperationTypeRemove,
		EventSource: aws.String("aws:dynamodb"), EventVersion: aws.String("1.1"),
		UserIdentity: &streamtypes.Identity{Type: aws.String("Service"), PrincipalId: aws.String("dynamodb.amazonaws.com")},
		Dynamodb: &streamtypes.StreamRecord{
			ApproximateCreationDateTime: &at,
			Keys:                        map[string]streamtypes.AttributeValue{"PK": &streamtypes.AttributeValueMemberS{Value: "CASE#X"}},
			OldImage: map[string]streamtypes.AttributeValue{
				"s": &streamtypes.AttributeValueMemberS{Value: "x"}, "n": &streamtypes.AttributeValueMemberN{Value: "1"},
				"b": &streamtypes.AttributeValueMemberB{Value: []byte("hi")}, "t": &streamtypes.AttributeValueMemberBOOL{Value: true},
				"z": &streamtypes.AttributeValueMemberNULL{Value: true}, "ss": &streamtypes.AttributeValueMemberSS{Value: []string{"a"}},
				"ns": &streamtypes.AttributeValueMemberNS{Value: []string{"2"}}, "bs": &streamtypes.AttributeValueMemberBS{Value: [][]byte{[]byte("b")}},
				"l": &streamtypes.AttributeValueMemberL{Value: []streamtypes.AttributeValue{&streamtypes.AttributeValueMemberS{Value: "e"}}},
				"m": &streamtypes.AttributeValueMemberM{Value: map[string]streamtypes.AttributeValue{}},
			},
			SequenceNumber: aws.String("100"), SizeBytes: aws.Int64(42), StreamViewType: streamtypes.StreamViewTypeNewAndOldImages,
		},
	}
	ev, err := dynamo.StreamRecordToEvent(rec, "arn:aws:dynamodb:eu-west-2:123456789012:table/t/stream/x")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{ev}})
	if err != nil {
		t.Fatal(err)
	}
	// The shape Lambda delivers: https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html
	want := `{"Records":[{"awsRegion":"eu-west-2","dynamodb":{"ApproximateCreationDateTime":1766311200,` +
		`"Keys":{"PK":{"S":"CASE#X"}},"OldImage":{"b":{"B":"aGk="},"bs":{"BS":["Yg=="]},"l":{"L":[{"S":"e"}]},"m":{"M":{}},` +
		`"n":{"N":"1"},"ns":{"NS":["2"]},"s":{"S":"x"},"ss":{"SS":["a"]},"t":{"BOOL":true},"z":{"NULL":true}},` +
		`"SequenceNumber":"100","SizeBytes":42,"StreamViewType":"NEW_AND_OLD_IMAGES"},"eventID":"e1","eventName":"REMOVE",` +
		`"eventSource":"aws:dynamodb","eventVersion":"1.1","eventSourceARN":"arn:aws:dynamodb:eu-west-2:123456789012:table/t/stream/x",` +
		`"userIdentity":{"type":"Service","principalId":"dynamodb.amazonaws.com"}}]}`
	var gotV, wantV any
	if err := json.Unmarshal(raw, &gotV); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(want), &wantV); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantV, gotV); diff != "" {
		t.Errorf("event JSON (-want +got):\n%s", diff)
	}
}

// TestRestrictionFromStreamImage_Moto: a restriction made with side effects to carry out shows
// on the stream as pending, and once they are stamped as not; cases are not restrictions.
func TestRestrictionFromStreamImage_Moto(t *testing.T) {
	ctx := context.Background()
	db := motoClient(t)
	table := motoTable(t, db)
	s := dynamo.New(db, table, clock.NewFixed(storetest.Start))
	r := &feedback.Restriction{ID: "RS-2026-0001", Contacts: []string{"pat@example.com"},
		Types: []feedback.RestrictionType{feedback.RestrictWrittenOnly}, Reason: "r", DecidedBy: "admin@example.gov.uk",
		DecidedOn: storetest.Start, ReviewBy: storetest.Start.AddDate(0, 6, 0), Status: feedback.RestrictionActive,
		Effects: feedback.Effects{"letter:restriction-made": {}}, CreatedAt: storetest.Start, UpdatedAt: storetest.Start}
	if err := s.CreateRestriction(ctx, r); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateRestriction(ctx, r.ID, func(r *feedback.Restriction) error {
		r.Effects["letter:restriction-made"] = feedback.Effect{State: feedback.EffectDone, At: storetest.Start}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, storetest.NewCase("FB-2026-000001", storetest.Start)); err != nil {
		t.Fatal(err)
	}
	type seen struct {
		ID                string
		Pending, Restrict bool
	}
	var got []seen
	search := 0
	for _, rec := range readStream(t, db, table).Records {
		id, pending, ok := dynamo.RestrictionFromStreamImage(rec.Change.NewImage)
		if strings.HasPrefix(rec.Change.Keys["PK"].String(), "SEARCH#") {
			if ok {
				t.Errorf("a search item read as restriction %s", id)
			}
			search++
			continue
		}
		got = append(got, seen{id, pending, ok})
	}
	if search == 0 {
		t.Error("the case's search items are not in the stream; the test no longer shows they are skipped")
	}
	want := []seen{{"RS-2026-0001", true, true}, {"RS-2026-0001", false, true}, {"", false, false}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("restrictions read from the stream (-want +got):\n%s", diff)
	}
}

// TestLinkFromStreamImage_Moto: a sign-in link item read back from moto's stream is the link as
// put, its sealed letter included; a session item, a link's sent mark and a case are not links.
func TestLinkFromStreamImage_Moto(t *testing.T) {
	ctx := context.Background()
	db := motoClient(t)
	table := motoTable(t, db)
	s := dynamo.New(db, table, clock.NewFixed(storetest.Start))
	link := feedback.Credential{Kind: feedback.CredentialLink, Hash: "ab12", Email: "cd34", CreatedAt: storetest.Start,
		ExpiresAt: storetest.Start.Add(15 * time.Minute), Sealed: []byte{0, 1, 0xfe, 'x'}}
	others := []feedback.Credential{
		{Kind: feedback.CredentialSession, Hash: "ab12", Email: "planning@example.gov.uk", CreatedAt: storetest.Start, ExpiresAt: storetest.Start.Add(time.Hour)},
		{Kind: feedback.CredentialLinkSent, Hash: "ab12", CreatedAt: storetest.Start, ExpiresAt: link.ExpiresAt},
	}
	for _, c := range append([]feedback.Credential{link}, others...) {
		if err := s.PutCredential(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Create(ctx, storetest.NewCase("FB-2026-000001", storetest.Start)); err != nil {
		t.Fatal(err)
	}
	var got []feedback.Credential
	for _, rec := range readStream(t, db, table).Records {
		c, ok, err := dynamo.LinkFromStreamImage(rec.Change.NewImage)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			got = append(got, c)
		}
	}
	if diff := cmp.Diff([]feedback.Credential{link}, got); diff != "" {
		t.Errorf("links read from the stream (-want +got):\n%s", diff)
	}
}

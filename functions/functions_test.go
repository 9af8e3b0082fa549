// Package functions_test invokes every Lambda function's real bootstrap binary the way
// `sam local invoke -e` does, through a Runtime API server (internal/lambdatest), with the
// functions' AWS clients pointed at moto_server.
package functions_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dynamotypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/dynamo"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/lambdatest"
	"github.com/council/intake/internal/mototest"
	"github.com/jhillyerd/enmime/v2"
)

func TestMain(m *testing.M) { os.Exit(mototest.Main(m)) }

var stackSeq atomic.Int32

const dlqARN = "arn:aws:sqs:eu-west-2:123456789012:intake-dead-letters"

// mailBucket is the inbound-mail bucket events/email-s3.json names.
const mailBucket = "intake-inbound-mail-sample"

// stack is one deployment of Intake's resources on moto: a table with its stream, a verified
// sender and a schedule group, each named uniquely so tests do not share state.
type stack struct {
	endpoint string
	table    string
	group    string
	env      []string
	db       *dynamodb.Client
	streams  *dynamodbstreams.Client
	sched    *scheduler.Client
}

func newStack(t *testing.T) *stack {
	t.Helper()
	ctx := context.Background()
	url := mototest.Endpoint(t)
	cfg := mototest.Config()
	n := stackSeq.Add(1)
	s := &stack{
		endpoint: url,
		table:    "intake-cases-" + string(rune('a'+n)),
		group:    "intake-reminders-" + string(rune('a'+n)),
		db:       dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(url) }),
		streams:  dynamodbstreams.NewFromConfig(cfg, func(o *dynamodbstreams.Options) { o.BaseEndpoint = aws.String(url) }),
		sched:    scheduler.NewFromConfig(cfg, func(o *scheduler.Options) { o.BaseEndpoint = aws.String(url) }),
	}
	if err := dynamo.CreateTable(ctx, s.db, s.table); err != nil {
		t.Fatal(err)
	}
	if err := dynamo.EnableTTL(ctx, s.db, s.table); err != nil {
		t.Fatal(err)
	}
	ses := sesv2.NewFromConfig(cfg, func(o *sesv2.Options) { o.BaseEndpoint = aws.String(url) })
	if _, err := ses.CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String("intake.example.gov.uk")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.sched.CreateScheduleGroup(ctx, &scheduler.CreateScheduleGroupInput{Name: aws.String(s.group)}); err != nil {
		t.Fatal(err)
	}
	// The inbound-mail bucket of events/email-s3.json, holding the sample message it names, as
	// SES would have stored it.
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.BaseEndpoint = aws.String(url); o.UsePathStyle = true })
	_, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(mailBucket),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(mototest.Region)}})
	var owned *s3types.BucketAlreadyOwnedByYou
	if err != nil && !errors.As(err, &owned) {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join("..", "events", "email-sample.eml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(mailBucket), Key: aws.String("inbound/sample-complaint-1"), Body: bytes.NewReader(raw)}); err != nil {
		t.Fatal(err)
	}
	s.env = []string{
		"AWS_ENDPOINT_URL=" + url,
		"AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing", "AWS_REGION=" + mototest.Region,
		"INTAKE_TABLE=" + s.table,
		"INTAKE_SCHEDULE_GROUP=" + s.group,
		"INTAKE_REMINDER_TARGET_ARN=arn:aws:lambda:eu-west-2:123456789012:function:intake-reminders",
		"INTAKE_SCHEDULER_ROLE_ARN=arn:aws:iam::123456789012:role/intake-scheduler",
		"INTAKE_SCHEDULE_DLQ_ARN=" + dlqARN,
		"INTAKE_FROM_ADDRESS=Example District Council <feedback@intake.example.gov.uk>",
		"INTAKE_MAIL_BUCKET=" + mailBucket,
	}
	return s
}

func (s *stack) start(t *testing.T, fn string) *lambdatest.Fn {
	t.Helper()
	return lambdatest.Start(t, lambdatest.Build(t, "github.com/council/intake/functions/"+fn), s.env)
}

// streamRecords reads every record on the table's stream, as Lambda's event source would.
func (s *stack) streamRecords(t *testing.T) []events.DynamoDBEventRecord {
	t.Helper()
	ctx := context.Background()
	desc, err := s.db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(s.table)})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(desc.Table.LatestStreamArn)
	stream, err := s.streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	var out []events.DynamoDBEventRecord
	for _, sh := range stream.StreamDescription.Shards {
		it, err := s.streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
			StreamArn: aws.String(arn), ShardId: sh.ShardId, ShardIteratorType: streamtypes.ShardIteratorTypeTrimHorizon})
		if err != nil {
			t.Fatal(err)
		}
		recs, err := s.streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it.ShardIterator})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs.Records {
			ev, err := dynamo.StreamRecordToEvent(r, arn)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, ev)
		}
	}
	return out
}

func (s *stack) schedules(t *testing.T) []*scheduler.GetScheduleOutput {
	t.Helper()
	ctx := context.Background()
	list, err := s.sched.ListSchedules(ctx, &scheduler.ListSchedulesInput{GroupName: aws.String(s.group)})
	if err != nil {
		t.Fatal(err)
	}
	var out []*scheduler.GetScheduleOutput
	for _, sum := range list.Schedules {
		got, err := s.sched.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: sum.Name, GroupName: aws.String(s.group)})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, got)
	}
	return out
}

// mailTo returns the messages moto accepted after the first skip whose To includes addr.
func mailTo(t *testing.T, url string, skip int, addr string) []*enmime.Envelope {
	t.Helper()
	var out []*enmime.Envelope
	for _, m := range mototest.SentRaw(t, url)[skip:] {
		env, err := enmime.ReadEnvelope(strings.NewReader(m.RawData))
		if err != nil {
			t.Fatalf("parse sent mail: %v", err)
		}
		if strings.Contains(env.GetHeader("To"), addr) {
			out = append(out, env)
		}
	}
	return out
}

func readEvent(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestFunctions_WebFormToNotifierToReminder(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := newStack(t)
	sentBefore := len(mototest.SentRaw(t, s.endpoint))

	// 1. The web form function stores exactly one case.
	webform := s.start(t, "webform")
	out, err := webform.Invoke(ctx, readEvent(t, "webform-post-json.json"))
	if err != nil {
		t.Fatalf("webform: %v\n%s", err, webform.Output())
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode != 201 {
		t.Fatalf("webform response = %s (%v); want 201", out, err)
	}
	var created struct {
		Reference string `json:"reference"`
	}
	json.Unmarshal([]byte(resp.Body), &created)
	// The same event again (API Gateway retried, or the resident double-clicked).
	out, _ = webform.Invoke(ctx, readEvent(t, "webform-post-json.json"))
	if !strings.Contains(string(out), created.Reference) {
		t.Errorf("replayed event answered %s; want %s again", out, created.Reference)
	}
	store := dynamo.New(s.db, s.table, clock.System{})
	c, err := store.Get(ctx, created.Reference)
	if err != nil {
		t.Fatalf("case %s not in DynamoDB: %v", created.Reference, err)
	}
	if c.Kind != feedback.KindComplaint || c.AssignedTo != "waste.team@example.gov.uk" {
		t.Errorf("stored case = kind %s, assigned to %s", c.Kind, c.AssignedTo)
	}
	if !c.Pending() {
		t.Error("the web form did the side effects itself; they belong to the notifier")
	}

	// 2. The notifier, handed that write's stream record, acknowledges and schedules.
	var insert *events.DynamoDBEventRecord
	cases := 0
	for _, r := range s.streamRecords(t) {
		if c, ok, _ := dynamo.CaseFromStreamImage(r.Change.NewImage); ok && r.EventName == "INSERT" {
			cases++
			if c.Ref == created.Reference {
				insert = &r
			}
		}
	}
	if insert == nil || cases != 1 {
		t.Fatalf("stream holds %d case inserts (want exactly 1, for %s)", cases, created.Reference)
	}
	batch, _ := json.Marshal(events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{*insert}})
	notifier := s.start(t, "notifier")
	if out, err := notifier.Invoke(ctx, batch); err != nil || strings.Contains(string(out), "itemIdentifier") {
		t.Fatalf("notifier = %s, %v\n%s", out, err, notifier.Output())
	}
	acks := mailTo(t, s.endpoint, sentBefore, "alex.resident@example.com")
	if len(acks) != 1 || !strings.Contains(acks[0].GetHeader("Subject"), created.Reference) || acks[0].GetHeader("Auto-Submitted") != "auto-replied" {
		t.Fatalf("acknowledgements through SES: %d; want one, auto-replied, naming %s", len(acks), created.Reference)
	}
	if got := mailTo(t, s.endpoint, sentBefore, "waste.team@example.gov.uk"); len(got) != 1 {
		t.Errorf("assignment emails through SES: %d, want 1", len(got))
	}
	scheds := s.schedules(t)
	if len(scheds) != 3 {
		t.Fatalf("schedules created: %d, want 3 (warning, due, overdue)", len(scheds))
	}
	for _, sc := range scheds {
		if !strings.HasPrefix(aws.ToString(sc.ScheduleExpression), "at(") || aws.ToString(sc.ScheduleExpressionTimezone) != "Europe/London" {
			t.Errorf("schedule %s: %s in %s; want a one-time at() in Europe/London",
				aws.ToString(sc.Name), aws.ToString(sc.ScheduleExpression), aws.ToString(sc.ScheduleExpressionTimezone))
		}
		if sc.Target.DeadLetterConfig == nil || aws.ToString(sc.Target.DeadLetterConfig.Arn) != dlqARN {
			t.Errorf("schedule %s has no dead-letter queue: a reminder Scheduler cannot deliver would be lost", aws.ToString(sc.Name))
		}
	}

	// 3. The same record again sends nothing and creates nothing.
	sentAfter := len(mototest.SentRaw(t, s.endpoint))
	if _, err := notifier.Invoke(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if n := len(mototest.SentRaw(t, s.endpoint)); n != sentAfter {
		t.Errorf("a redelivered stream record sent %d more emails", n-sentAfter)
	}
	if n := len(s.schedules(t)); n != 3 {
		t.Errorf("a redelivered stream record left %d schedules, want 3", n)
	}

	// 4. The reminders function, handed a schedule's payload, emails the officer.
	var payload string
	for _, sc := range scheds {
		if strings.Contains(aws.ToString(sc.Name), "-due-") { // names end with the due date
			payload = aws.ToString(sc.Target.Input)
		}
	}
	reminders := s.start(t, "reminders")
	out, err = reminders.Invoke(ctx, []byte(payload))
	if err != nil || !strings.Contains(string(out), `"sent":true`) {
		t.Fatalf("reminders(%s) = %s, %v\n%s", payload, out, err, reminders.Output())
	}
	due := mailTo(t, s.endpoint, sentAfter, "waste.team@example.gov.uk")
	if len(due) != 1 || !strings.Contains(due[0].GetHeader("Subject"), "due today") {
		t.Errorf("reminder emails to the officer: %d, want 1 saying the response is due today", len(due))
	}
}

// TestFunctions_SampleEvents hands every sample event in events/ to its function's binary, as
// `make invoke-<function>` and `sam local invoke -e` do, and expects a clean answer.
func TestFunctions_SampleEvents(t *testing.T) {
	s := newStack(t)
	tests := []struct {
		fn, event string
		want      string
	}{
		{"webform", "webform-get-form.json", `"statusCode":200`},
		{"webform", "webform-post-json.json", `"statusCode":201`},
		{"webform", "webform-post-form.json", `"statusCode":303`},
		{"notifier", "notifier-insert.json", `"batchItemFailures":`},
		{"reminders", "reminders-due.json", `"sent":false`},
		{"reminders", "reminders-sweep.json", `"swept":true`},
		{"email", "email-s3.json", `null`},
	}
	// One execution environment per function, kept warm across its events as Lambda does.
	fns := map[string]*lambdatest.Fn{}
	for _, tt := range tests {
		if fns[tt.fn] == nil {
			fns[tt.fn] = s.start(t, tt.fn)
		}
	}
	for _, tt := range tests {
		t.Run(tt.fn+"/"+tt.event, func(t *testing.T) {
			fn := fns[tt.fn]
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			out, err := fn.Invoke(ctx, readEvent(t, tt.event))
			if err != nil {
				t.Fatalf("%s: %v\n%s", tt.fn, err, fn.Output())
			}
			if !strings.Contains(string(out), tt.want) {
				t.Errorf("%s answered %s; want it to contain %s", tt.fn, out, tt.want)
			}
		})
	}
}

// TestFunctions_EmailTwice hands the email function the same S3 object twice, as S3's
// at-least-once notifications may: one case, and, through the notifier, one acknowledgement.
func TestFunctions_EmailTwice(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := newStack(t)
	sentBefore := len(mototest.SentRaw(t, s.endpoint))
	email := s.start(t, "email")
	for i := 0; i < 2; i++ {
		if out, err := email.Invoke(ctx, readEvent(t, "email-s3.json")); err != nil {
			t.Fatalf("email (time %d) = %s, %v\n%s", i+1, out, err, email.Output())
		}
	}
	var inserts []events.DynamoDBEventRecord
	for _, r := range s.streamRecords(t) {
		if _, ok, _ := dynamo.CaseFromStreamImage(r.Change.NewImage); ok && r.EventName == "INSERT" {
			inserts = append(inserts, r)
		}
	}
	if len(inserts) != 1 {
		t.Fatalf("stream holds %d case inserts after the same object twice; want 1", len(inserts))
	}
	c, _, _ := dynamo.CaseFromStreamImage(inserts[0].Change.NewImage)
	if c.Channel != feedback.ChannelEmail || c.Kind != feedback.KindComplaint || c.Contact.Email != "ada.resident@example.com" {
		t.Errorf("case = channel %s, kind %s, contact %s", c.Channel, c.Kind, c.Contact.Email)
	}
	batch, _ := json.Marshal(events.DynamoDBEvent{Records: inserts})
	notifier := s.start(t, "notifier")
	for i := 0; i < 2; i++ {
		if out, err := notifier.Invoke(ctx, batch); err != nil || strings.Contains(string(out), "itemIdentifier") {
			t.Fatalf("notifier = %s, %v\n%s", out, err, notifier.Output())
		}
	}
	acks := mailTo(t, s.endpoint, sentBefore, "ada.resident@example.com")
	if len(acks) != 1 || acks[0].GetHeader("In-Reply-To") != "<sample-complaint-1@mail.example.com>" {
		t.Fatalf("acknowledgements through SES: %d; want one, in reply to the resident's message", len(acks))
	}
}

// TestFunctions_NotifierDestroysOnTTL: when DynamoDB's TTL deletes a case at its retention end,
// the stream's REMOVE record (made by the service principal) handed to the notifier's built
// bootstrap deletes the case's objects from S3 and writes the destruction log, with no personal
// data in the log line or the function's log.
func TestFunctions_NotifierDestroysOnTTL(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := newStack(t)
	cfg := mototest.Config()
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.BaseEndpoint = aws.String(s.endpoint); o.UsePathStyle = true })
	ref := "FB-2027-000042"
	files := []string{"cases/" + ref + "/1-photo.jpg", "inbound/reply-of-" + ref, "cases/" + ref + "/2-letter.pdf"}
	for _, k := range files {
		if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(mailBucket), Key: aws.String(k), Body: strings.NewReader("Ada Resident")}); err != nil {
			t.Fatal(err)
		}
	}
	closed := time.Now().UTC().AddDate(-2, 0, -1)
	c := &feedback.Case{Ref: ref, Kind: feedback.KindComplaint, Channel: feedback.ChannelEmail, Status: feedback.StatusClosed,
		Stage: feedback.Stage1, Message: "My bin was missed again.", Contact: feedback.Contact{Name: "Ada Resident", Email: "ada.resident@example.com"},
		ReceivedAt: closed.AddDate(0, 0, -20), ClosedAt: closed, ExpiresAt: closed.AddDate(2, 0, 0),
		Raw: "inbound/sample-complaint-1", Attachments: files[:1],
		Messages:  []feedback.Correspondence{{At: closed, Channel: feedback.ChannelEmail, From: "ada.resident@example.com", Text: "More.", Raw: files[1], Attachments: files[2:]}},
		CreatedAt: closed, UpdatedAt: closed}
	// Written as it was before it expired, then deleted as TTL deletes it.
	store := dynamo.New(s.db, s.table, clock.NewFixed(closed))
	if err := store.Create(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.table), Key: map[string]dynamotypes.AttributeValue{
		dynamo.AttrPK: &dynamotypes.AttributeValueMemberS{Value: "CASE#" + ref}, dynamo.AttrSK: &dynamotypes.AttributeValueMemberS{Value: "CASE"}}}); err != nil {
		t.Fatal(err)
	}
	var remove *events.DynamoDBEventRecord
	for _, r := range s.streamRecords(t) {
		if old, ok, _ := dynamo.CaseFromStreamImage(r.Change.OldImage); ok && r.EventName == "REMOVE" && old.Ref == ref {
			remove = &r
		}
	}
	if remove == nil {
		t.Fatal("no REMOVE record for the case on the stream")
	}
	// moto deletes as the caller; TTL's deletions carry the DynamoDB service as their identity.
	remove.UserIdentity = &events.DynamoDBUserIdentity{Type: "Service", PrincipalID: "dynamodb.amazonaws.com"}
	batch, _ := json.Marshal(events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{*remove}})
	notifier := s.start(t, "notifier")
	for i := 0; i < 2; i++ { // a redelivered record does no harm
		if out, err := notifier.Invoke(ctx, batch); err != nil || strings.Contains(string(out), "itemIdentifier") {
			t.Fatalf("notifier = %s, %v\n%s", out, err, notifier.Output())
		}
	}
	for _, k := range append([]string{c.Raw}, files...) {
		_, err := s3c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(mailBucket), Key: aws.String(k)})
		if err == nil {
			t.Errorf("S3 object %s is still there after the case's destruction", k)
		}
	}
	now := clock.System{}
	log, err := dynamo.New(s.db, s.table, now).ListDestructions(ctx, c.ExpiresAt.Add(-time.Hour), c.ExpiresAt.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 1 || log[0].Ref != ref || log[0].Objects != 4 || log[0].Reason != feedback.ReasonRetentionEnded {
		t.Fatalf("destruction log = %+v; want one line for %s with 4 objects", log, ref)
	}
	out := notifier.Output()
	if !strings.Contains(out, `"msg":"record destroyed"`) || !strings.Contains(out, ref) {
		t.Errorf("the notifier's log has no destruction line for %s:\n%s", ref, out)
	}
	for _, personal := range []string{"Ada", "ada.resident", "bin was missed"} {
		if strings.Contains(out, personal) {
			t.Errorf("the notifier's log holds personal data %q:\n%s", personal, out)
		}
	}
}

// Package functions_test invokes every Lambda function's real bootstrap binary the way
// `sam local invoke -e` does, through a Runtime API server (internal/lambdatest), with the
// functions' AWS clients pointed at moto_server.
package functions_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
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
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/dynamo"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/kmsseal"
	"github.com/council/intake/internal/lambdatest"
	"github.com/council/intake/internal/mototest"
	"github.com/council/intake/internal/workdays"
	"github.com/jhillyerd/enmime/v2"
)

func TestMain(m *testing.M) { os.Exit(mototest.Main(m)) }

var stackSeq atomic.Int32

const dlqARN = "arn:aws:sqs:eu-west-2:123456789012:intake-dead-letters"

// mailBucket is the inbound-mail bucket events/email-s3.json names.
const mailBucket = "intake-inbound-mail-sample"

// staffDirectory is the stack's INTAKE_STAFF: the officer of the sample complaint's area (the
// routing default sends bins-and-recycling to waste.team@) and the planning officer of
// events/officer-list-cases.json.
const staffDirectory = "complaints@example.gov.uk=admin,waste.team@example.gov.uk=officer:bins-and-recycling,planning@example.gov.uk=officer:planning"

// stack is one deployment of Intake's resources on moto: a table with its stream, a verified
// sender and a schedule group, each named uniquely so tests do not share state.
type stack struct {
	endpoint string
	table    string
	group    string
	env      []string
	// sessionKeyParam is the officer function's SSM SecureString; socialSecretsParam the
	// social function's, when a test made one.
	sessionKeyParam, socialSecretsParam string
	// signInLinkKey is the KMS key sign-in links are sealed with (template.yaml's SignInLinkKey).
	signInLinkKey string
	// calls, when set, records every request the functions started from now on make.
	calls   *callLog
	db      *dynamodb.Client
	streams *dynamodbstreams.Client
	sched   *scheduler.Client
}

func newStack(t testing.TB) *stack {
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
	// The officer function's session key, stored once as docs/deploying.md says.
	sessionKeyParam := fmt.Sprintf("/intake-test-%d/session-key", n)
	s.sessionKeyParam = sessionKeyParam
	ssmc := ssm.NewFromConfig(cfg, func(o *ssm.Options) { o.BaseEndpoint = aws.String(url) })
	if _, err := ssmc.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(sessionKeyParam), Type: ssmtypes.ParameterTypeSecureString,
		Value: aws.String("a6f1c0d2e9b84f37a1c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b")}); err != nil {
		t.Fatal(err)
	}
	// The key sign-in links' emails are sealed with, as the template makes it.
	if s.signInLinkKey, err = kmsseal.CreateKey(ctx, aws.Config{Region: cfg.Region, Credentials: cfg.Credentials, BaseEndpoint: aws.String(url)}); err != nil {
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
		"INTAKE_STAFF=" + staffDirectory,
		"INTAKE_CONSOLE_URL=https://intake.example.gov.uk",
		"INTAKE_SESSION_KEY_PARAMETER=" + sessionKeyParam,
		"INTAKE_SIGNIN_LINK_KEY=" + s.signInLinkKey,
	}
	return s
}

func (s *stack) start(t testing.TB, fn string) *lambdatest.Fn {
	t.Helper()
	// The function reaches AWS through a check of its template policies (policy_test.go).
	env := append(slices.Clone(s.env), "AWS_ENDPOINT_URL="+policyCheck(t, fn, s.endpoint, s.names(), s.calls))
	return lambdatest.Start(t, lambdatest.Build(t, "github.com/council/intake/functions/"+fn), env)
}

// names are the stack's names, as template.yaml's references resolve to them: the environment
// above, as the template would set it.
func (s *stack) names() stackNames {
	return stackNames{
		region: mototest.Region, account: testAccount, stackName: "intake", // function:intake-reminders
		table: s.table, scheduleGroup: s.group, bucket: mailBucket,
		schedulerRole: "arn:aws:iam::123456789012:role/intake-scheduler", deadLetters: dlqARN, signInLinkKey: s.signInLinkKey,
		parameters: map[string]string{"MailDomain": "intake.example.gov.uk", "SessionKeyParameter": s.sessionKeyParam,
			"SocialSecretsParameter": s.socialSecretsParam},
	}
}

// streamRecords reads every record on the table's stream, as Lambda's event source would.
func (s *stack) streamRecords(t testing.TB) []events.DynamoDBEventRecord {
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

func readEvent(t testing.TB, name string) []byte {
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
	// Its log lines are JSON, as Lambda's JSON log format reads them, with the request id and
	// the reference; the resident's address and name never appear.
	var logged, metric bool
	for _, line := range strings.Split(webform.Output(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil {
			continue
		}
		if rec["msg"] == "case created" && rec["level"] == "INFO" && rec["ref"] == created.Reference && rec["requestId"] != nil && rec["requestId"] != "" {
			logged = true
		}
		if aws, ok := rec["_aws"].(map[string]any); ok && rec["CasesCreated"] == 1.0 && rec["Channel"] == "web" && rec["Kind"] == "complaint" && aws["CloudWatchMetrics"] != nil {
			metric = true
		}
	}
	if !metric {
		t.Errorf("no Embedded Metric Format line for the case created:\n%s", webform.Output())
	}
	if !logged {
		t.Errorf("no JSON log line with level, msg, requestId and ref for the case created:\n%s", webform.Output())
	}
	for _, secret := range []string{"alex.resident@example.com", "Alex Resident"} {
		if strings.Contains(webform.Output(), secret) {
			t.Errorf("the web form's log holds personal data (%q)", secret)
		}
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

	// No function's log, along the whole chain, holds the resident's address, name or words.
	for name, fn := range map[string]*lambdatest.Fn{"webform": webform, "notifier": notifier, "reminders": reminders} {
		for _, secret := range []string{"alex.resident@example.com", "Alex Resident"} {
			if strings.Contains(fn.Output(), secret) {
				t.Errorf("the %s function's log holds personal data (%q)", name, secret)
			}
		}
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
		{"reminders", "reminders-digest.json", `"digested":true`},
		{"email", "email-s3.json", `null`},
		{"importer", "importer-s3.json", `null`},
		{"officer", "officer-list-cases.json", `"statusCode":200`},
		{"officer", "officer-sign-in-form.json", `"statusCode":200`},
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

// officerEvent is what the HTTP API hands the officer function for method and path on the
// route routeKey: with the JWT authoriser's verified claims for email, or, when email is
// empty, with none (a console route, which has no authoriser).
func officerEvent(t *testing.T, routeKey, method, path, email, body string) []byte {
	t.Helper()
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: routeKey, RawPath: path,
		Headers: map[string]string{"accept": "application/json", "host": "a1b2c3d4e5.execute-api.eu-west-2.amazonaws.com"},
		Body:    body,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			AccountID: "123456789012", APIID: "a1b2c3d4e5", Stage: "$default", RouteKey: routeKey,
			DomainName: "a1b2c3d4e5.execute-api.eu-west-2.amazonaws.com", RequestID: fmt.Sprintf("req-%d", time.Now().UnixNano()),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path, Protocol: "HTTP/1.1", SourceIP: "203.0.113.40"},
		},
	}
	if body != "" {
		ev.Headers["content-type"] = "application/json"
	}
	if email != "" {
		ev.Headers["authorization"] = "Bearer eyJ.verified-by-api-gateway.sig"
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{
				"email": email, "email_verified": "true", "iss": "https://login.example.gov.uk/intake", "aud": "intake-officer-api", "sub": "officer-1"}},
		}
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// invokeHTTP invokes an HTTP API function and returns its response.
func invokeHTTP(ctx context.Context, t testing.TB, fn *lambdatest.Fn, event []byte) events.APIGatewayV2HTTPResponse {
	t.Helper()
	out, err := fn.Invoke(ctx, event)
	if err != nil {
		t.Fatalf("%s: %v\n%s", fn.Name, err, fn.Output())
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("%s answered %s: %v", fn.Name, out, err)
	}
	return resp
}

// scheduleNames returns the names of the schedules in the stack's group.
func (s *stack) scheduleNames(t *testing.T) []string {
	t.Helper()
	var names []string
	for _, sc := range s.schedules(t) {
		names = append(names, aws.ToString(sc.Name))
	}
	sort.Strings(names)
	return names
}

// TestFunctions_OfficerExtendsThroughTheAPI is issue 7's acceptance through the built
// bootstraps on moto: a complaint stored by the web form and taken in by the notifier (three
// schedules), extended by its officer through the officer API with a JWT, and the notifier,
// handed the stream record that makes, deletes the old schedules, creates new ones and sends
// the resident the letter naming the new date; a second extension is refused.
func TestFunctions_OfficerExtendsThroughTheAPI(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := newStack(t)
	const officer, resident = "waste.team@example.gov.uk", "alex.resident@example.com"

	// A complaint, stored and taken in.
	resp := invokeHTTP(ctx, t, s.start(t, "webform"), readEvent(t, "webform-post-json.json"))
	var created struct {
		Reference string `json:"reference"`
	}
	if resp.StatusCode != 201 || json.Unmarshal([]byte(resp.Body), &created) != nil || created.Reference == "" {
		t.Fatalf("webform = %d %s; want 201 with a reference", resp.StatusCode, resp.Body)
	}
	ref := created.Reference
	notifier := s.start(t, "notifier")
	notify := func(records []events.DynamoDBEventRecord) {
		t.Helper()
		batch, _ := json.Marshal(events.DynamoDBEvent{Records: records})
		if out, err := notifier.Invoke(ctx, batch); err != nil || strings.Contains(string(out), "itemIdentifier") {
			t.Fatalf("notifier = %s, %v\n%s", out, err, notifier.Output())
		}
	}
	var pending []events.DynamoDBEventRecord
	for _, r := range s.streamRecords(t) {
		if invokesNotifier(t, r) {
			pending = append(pending, r)
		}
	}
	if len(pending) != 1 || pending[0].EventName != "INSERT" {
		t.Fatalf("%d stream records would invoke the notifier; want the one INSERT", len(pending))
	}
	notify(pending)
	oldNames := s.scheduleNames(t)
	if len(oldNames) != 3 {
		t.Fatalf("schedules after intake: %v; want 3", oldNames)
	}

	// The officer reads the case through the API: due on the date the calendar gives.
	store := dynamo.New(s.db, s.table, clock.System{})
	stored, err := store.Get(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	loc, err := workdays.London()
	if err != nil {
		t.Fatal(err)
	}
	extra, _ := workdays.ParseDates("2022-09-19") // INTAKE_EXTRA_HOLIDAYS' default, which the stack keeps
	cal := workdays.New(loc, extra...)
	dueBefore := cal.Date(stored.RespondBy)
	wantDue := cal.Date(cal.AddWorkingDays(dueBefore, 5))
	for _, name := range oldNames {
		if !strings.HasSuffix(name, dueBefore.Format("20060102")) {
			t.Errorf("schedule %s is not named for the due date %s", name, dueBefore.Format(time.DateOnly))
		}
	}

	officerFn := s.start(t, "officer")
	caseRoute, actionRoute := "GET /v1/cases/{reference}", "POST /v1/cases/{reference}/{action}"
	resp = invokeHTTP(ctx, t, officerFn, officerEvent(t, caseRoute, "GET", "/v1/cases/"+ref, officer, ""))
	var view struct {
		Reference string `json:"reference"`
		RespondBy string `json:"respond_by"`
		Extended  bool   `json:"extended"`
	}
	if resp.StatusCode != 200 || json.Unmarshal([]byte(resp.Body), &view) != nil || view.Reference != ref || view.RespondBy != dueBefore.Format(time.DateOnly) {
		t.Fatalf("GET /v1/cases/%s = %d %s; want 200, due %s", ref, resp.StatusCode, resp.Body, dueBefore.Format(time.DateOnly))
	}
	// Without the authoriser's claims (the route misconfigured, say) nobody is anybody.
	if resp := invokeHTTP(ctx, t, officerFn, officerEvent(t, caseRoute, "GET", "/v1/cases/"+ref, "", "")); resp.StatusCode != 401 ||
		resp.Headers["Content-Type"] != "application/problem+json" {
		t.Errorf("GET without JWT claims = %d %s %s; want 401 problem+json", resp.StatusCode, resp.Headers["Content-Type"], resp.Body)
	}

	// Extended by five working days.
	sentBefore := len(mototest.SentRaw(t, s.endpoint))
	recordsBefore := len(s.streamRecords(t))
	extend := `{"working_days":5,"reason":"Waiting for the highways inspector's report."}`
	resp = invokeHTTP(ctx, t, officerFn, officerEvent(t, actionRoute, "POST", "/v1/cases/"+ref+"/extend", officer, extend))
	if resp.StatusCode != 200 || json.Unmarshal([]byte(resp.Body), &view) != nil || view.RespondBy != wantDue.Format(time.DateOnly) || !view.Extended {
		t.Fatalf("extend = %d %s; want 200, extended, due %s", resp.StatusCode, resp.Body, wantDue.Format(time.DateOnly))
	}
	if n := len(mototest.SentRaw(t, s.endpoint)); n != sentBefore {
		t.Errorf("the officer function sent %d emails itself; the notifier sends the letter", n-sentBefore)
	}
	if got := s.scheduleNames(t); !slices.Equal(got, oldNames) {
		t.Errorf("the officer function changed the schedules itself: %v", got)
	}

	// The notifier, handed the extension's stream record, moves the schedules and writes.
	pending = nil
	for _, r := range s.streamRecords(t)[recordsBefore:] {
		if invokesNotifier(t, r) {
			pending = append(pending, r)
		}
	}
	if len(pending) != 1 || pending[0].EventName != "MODIFY" {
		t.Fatalf("%d stream records after the extension would invoke the notifier; want the extension's MODIFY", len(pending))
	}
	notify(pending)
	newNames := s.scheduleNames(t)
	if len(newNames) != 3 {
		t.Fatalf("schedules after the extension: %v; want 3", newNames)
	}
	for _, name := range newNames {
		if slices.Contains(oldNames, name) || !strings.HasSuffix(name, wantDue.Format("20060102")) {
			t.Errorf("schedule %s after the extension: want only new ones, named for %s (old: %v)", name, wantDue.Format(time.DateOnly), oldNames)
		}
	}
	for _, sc := range s.schedules(t) {
		if !strings.HasPrefix(aws.ToString(sc.ScheduleExpression), "at(") || aws.ToString(sc.ScheduleExpressionTimezone) != "Europe/London" {
			t.Errorf("schedule %s: %s in %s; want a one-time at() in Europe/London",
				aws.ToString(sc.Name), aws.ToString(sc.ScheduleExpression), aws.ToString(sc.ScheduleExpressionTimezone))
		}
	}
	letters := mailTo(t, s.endpoint, sentBefore, resident)
	if len(letters) != 1 {
		t.Fatalf("letters to the resident through SES after the extension: %d, want 1", len(letters))
	}
	if subj := letters[0].GetHeader("Subject"); !strings.Contains(subj, "more time") || !strings.Contains(subj, ref) {
		t.Errorf("extension letter's subject = %q", subj)
	}
	if text := letters[0].Text; !strings.Contains(text, feedback.LongDate(wantDue)) || !strings.Contains(text, "Ombudsman") {
		t.Errorf("extension letter does not name the new date %s and the Ombudsman:\n%s", feedback.LongDate(wantDue), text)
	}
	// The same record again (Lambda retried the batch) deletes, creates and sends nothing more.
	sentAfter := len(mototest.SentRaw(t, s.endpoint))
	notify(pending)
	if n := len(mototest.SentRaw(t, s.endpoint)); n != sentAfter {
		t.Errorf("a redelivered record sent %d more emails", n-sentAfter)
	}
	if got := s.scheduleNames(t); !slices.Equal(got, newNames) {
		t.Errorf("a redelivered record left schedules %v, want %v", got, newNames)
	}

	// A second extension at Stage 1 is refused.
	resp = invokeHTTP(ctx, t, officerFn, officerEvent(t, actionRoute, "POST", "/v1/cases/"+ref+"/extend", officer, extend))
	var p struct {
		Status int    `json:"status"`
		Detail string `json:"detail"`
	}
	if resp.StatusCode != 409 || resp.Headers["Content-Type"] != "application/problem+json" ||
		json.Unmarshal([]byte(resp.Body), &p) != nil || p.Status != 409 || !strings.Contains(p.Detail, "extended once already") {
		t.Errorf("second extension = %d %s %s; want 409 problem+json saying it was extended once already", resp.StatusCode, resp.Headers["Content-Type"], resp.Body)
	}
	if c, err := store.Get(ctx, ref); err != nil || !cal.Date(c.RespondBy).Equal(wantDue) {
		t.Errorf("after the refused extension the case is due %v (%v); want %s still", c.RespondBy, err, wantDue.Format(time.DateOnly))
	}
}

// socialSecret is the sample monitor's secret, in the SSM SecureString the social function reads.
const socialSecret = "local-monitor-secret-0123456789abcdef"

func TestFunctions_Social(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := newStack(t)
	// As docs/deploying.md says: the secrets in a SecureString, the function given its name.
	s.socialSecretsParam = "/intake-test-social/" + s.table + "/social-secrets"
	ssmc := ssm.NewFromConfig(mototest.Config(), func(o *ssm.Options) { o.BaseEndpoint = aws.String(s.endpoint) })
	if _, err := ssmc.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(s.socialSecretsParam), Type: ssmtypes.ParameterTypeSecureString,
		Value: aws.String("local-monitor=" + socialSecret)}); err != nil {
		t.Fatal(err)
	}
	s.env = append(s.env, "INTAKE_SOCIAL_SECRETS_PARAMETER="+s.socialSecretsParam)
	social := s.start(t, "social")
	store := dynamo.New(s.db, s.table, clock.System{})
	countCases := func() int {
		t.Helper()
		page, err := store.ListCases(ctx, feedback.CaseQuery{Status: feedback.StatusOpen, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return len(page.Cases)
	}
	invoke := func(event []byte) events.APIGatewayV2HTTPResponse {
		t.Helper()
		out, err := social.Invoke(ctx, event)
		if err != nil {
			t.Fatalf("social: %v\n%s", err, social.Output())
		}
		var resp events.APIGatewayV2HTTPResponse
		if err := json.Unmarshal(out, &resp); err != nil {
			t.Fatalf("social response %s: %v", out, err)
		}
		return resp
	}
	sample := readEvent(t, "social-post.json")

	// As stored, the sample's signature is stale: refused, nothing stored.
	if resp := invoke(sample); resp.StatusCode != 401 || countCases() != 0 {
		t.Fatalf("the unsigned sample: %d %s, %d cases; want 401 and none", resp.StatusCode, resp.Body, countCases())
	}
	signed, err := lambdatest.SignSocial(sample, "local-monitor", socialSecret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	resp := invoke(signed)
	var created struct {
		Reference      string `json:"reference"`
		SuggestedReply string `json:"suggested_reply"`
	}
	json.Unmarshal([]byte(resp.Body), &created)
	if resp.StatusCode != 201 || created.Reference == "" || !strings.Contains(created.SuggestedReply, created.Reference) {
		t.Fatalf("signed sample: %d %s; want 201 with a reference and a suggested reply", resp.StatusCode, resp.Body)
	}
	// The same event again (a retry, or a replay within the window): the same case, nothing new.
	if again := invoke(signed); again.StatusCode != 200 || !strings.Contains(again.Body, created.Reference) {
		t.Errorf("the same event again: %d %s", again.StatusCode, again.Body)
	}
	if n := countCases(); n != 1 {
		t.Fatalf("%d cases in DynamoDB, want 1", n)
	}
	c, err := store.Get(ctx, created.Reference)
	if err != nil {
		t.Fatal(err)
	}
	if c.Channel != feedback.ChannelSocial || c.Contact.Handle != "x:ada_resident" || c.Social == nil || c.Social.ForwardedBy != "monitor:local-monitor" || !c.Pending() {
		t.Errorf("stored %+v, social %+v; want the author as contact, the tool as forwarder, side effects left to the notifier", c.Contact, c.Social)
	}

	// The notifier, handed the insert, tells the officer (naming the platform, the author and
	// the link) and schedules the acknowledgement check; nobody is emailed an acknowledgement.
	sentBefore := len(mototest.SentRaw(t, s.endpoint))
	var inserts []events.DynamoDBEventRecord
	for _, r := range s.streamRecords(t) {
		if _, ok, _ := dynamo.CaseFromStreamImage(r.Change.NewImage); ok && r.EventName == "INSERT" {
			inserts = append(inserts, r)
		}
	}
	if len(inserts) != 1 {
		t.Fatalf("stream holds %d case inserts, want 1", len(inserts))
	}
	batch, _ := json.Marshal(events.DynamoDBEvent{Records: inserts})
	notifier := s.start(t, "notifier")
	if out, err := notifier.Invoke(ctx, batch); err != nil || strings.Contains(string(out), "itemIdentifier") {
		t.Fatalf("notifier = %s, %v\n%s", out, err, notifier.Output())
	}
	sent := mototest.SentRaw(t, s.endpoint)[sentBefore:]
	assigned := mailTo(t, s.endpoint, sentBefore, "waste.team@example.gov.uk")
	if len(sent) != 1 || len(assigned) != 1 {
		t.Fatalf("%d emails, %d to the bins team; want only the assignment", len(sent), len(assigned))
	}
	for _, want := range []string{"Platform: X", "@ada_resident", "https://x.com/ada_resident/status/1860000000000000001"} {
		if !strings.Contains(assigned[0].Text, want) {
			t.Errorf("the assignment email does not name %q:\n%s", want, assigned[0].Text)
		}
	}
	var check bool
	for _, sc := range s.schedules(t) {
		check = check || strings.HasSuffix(aws.ToString(sc.Name), "ack_check")
	}
	if !check {
		t.Errorf("no acknowledgement-check schedule")
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
	if !invokesNotifier(t, *remove) {
		t.Fatal("the template's stream filter does not pass the case's REMOVE record to the notifier")
	}
	notifier := s.start(t, "notifier")
	// A deletion by a person (as moto makes every deletion) passes the filter too, and the
	// notifier leaves it: a purge or an erasure destroys what it must itself.
	byPerson, _ := json.Marshal(events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{*remove}})
	if out, err := notifier.Invoke(ctx, byPerson); err != nil || strings.Contains(string(out), "itemIdentifier") {
		t.Fatalf("notifier = %s, %v\n%s", out, err, notifier.Output())
	}
	if _, err := s3c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(mailBucket), Key: aws.String(files[0])}); err != nil {
		t.Fatalf("a deletion by a person destroyed the case's files: %v", err)
	}
	// TTL's deletions carry the DynamoDB service as their identity.
	remove.UserIdentity = &events.DynamoDBUserIdentity{Type: "Service", PrincipalID: "dynamodb.amazonaws.com"}
	batch, _ := json.Marshal(events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{*remove}})
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

// TestFunctions_LinkOnlyWhatTheyUse checks what keeps the Lambda binaries small (docs/performance.md,
// Performance): each function links the AWS clients it calls and no other, and of those only
// the operations it calls, even where html/template's reflective method lookup is linked (the
// web form and the officer function), which keeps every exported method of any type reachable
// through an interface. A client held as an interface, or a letter rendered with text/template,
// brings back every operation of the client: megabytes per function.
func TestFunctions_LinkOnlyWhatTheyUse(t *testing.T) {
	clients := map[string][]string{
		"webform":   {"dynamodb"},
		"social":    {"dynamodb"},
		"email":     {"dynamodb"},
		"notifier":  {"dynamodb", "scheduler", "sesv2"},
		"reminders": {"dynamodb", "scheduler", "sesv2"},
		// The officer function sends no mail: sign-in links go from the notifier.
		"officer":  {"dynamodb"},
		"importer": {"dynamodb"},
	}
	// Operations no function calls, one per client.
	unused := map[string]string{"dynamodb": "ListBackups", "sesv2": "CreateContactList", "scheduler": "ListTagsForResource"}
	service := regexp.MustCompile(`github\.com/aws/aws-sdk-go-v2/service/([a-z0-9]+)\.`)
	for fn, want := range clients {
		t.Run(fn, func(t *testing.T) {
			t.Parallel()
			out, err := exec.Command("go", "tool", "nm", lambdatest.Build(t, "github.com/council/intake/functions/"+fn)).Output()
			if err != nil {
				t.Fatalf("go tool nm: %v", err)
			}
			symbols := string(out)
			var linked []string
			for _, m := range service.FindAllStringSubmatch(symbols, -1) {
				if !slices.Contains(linked, m[1]) {
					linked = append(linked, m[1])
				}
			}
			sort.Strings(linked)
			if !slices.Equal(linked, want) {
				t.Errorf("links the AWS clients %v, want %v", linked, want)
			}
			for _, c := range want {
				if op := "service/" + c + ".(*Client)." + unused[c] + "\n"; strings.Contains(symbols, op) {
					t.Errorf("links %s's %s, which it never calls: something holds the client where reflection can reach it", c, unused[c])
				}
			}
		})
	}
}

// TestFunctions_NoSlowPackageInit checks what keeps the functions' cold starts within 1.5 times
// a hello-world bootstrap's (docs/performance.md, Lambda functions): no function links a
// package whose init costs a millisecond or more on a small machine. Each comes back with an
// innocent-looking upgrade: the SDK's schema-based serialisation (a service's schemas package,
// from dynamodb v1.69.0, dynamodbstreams v1.42.0 and sesv2 v1.76.0: 0.4 to 3 ms), encoding/gob
// (a configuration library: 1 ms), tablewriter's width tables (html2text's, through enmime:
// 1.3 ms; go.mod holds tablewriter at the version html2text asks for).
func TestFunctions_NoSlowPackageInit(t *testing.T) {
	slow := regexp.MustCompile(`^(github\.com/aws/aws-sdk-go-v2/service/[a-z0-9]+/schemas|encoding/gob|github\.com/olekukonko/tablewriter/pkg/twwidth)$`)
	fns, err := filepath.Glob("*/main.go")
	if err != nil || len(fns) == 0 {
		t.Fatalf("no functions found: %v", err)
	}
	for _, main := range fns {
		fn := filepath.Dir(main)
		t.Run(fn, func(t *testing.T) {
			out, err := exec.Command("go", "list", "-deps", "-tags", "lambda.norpc", "./"+fn).Output()
			if err != nil {
				t.Fatalf("go list: %v", err)
			}
			for _, pkg := range strings.Fields(string(out)) {
				if slow.MatchString(pkg) {
					t.Errorf("links %s, whose init slows every cold start: see docs/performance.md (Lambda functions) before upgrading past it", pkg)
				}
			}
		})
	}
}

// TestFunctions_RestrictionDecided: a restriction made through the officer API with a JWT is
// acted on in AWS as a case is: the officer function only stores it; the notifier, handed the
// one stream record the template's filter passes, writes to the person and makes the review's
// reminders, once, and its own writes invoke it no more. One the stream never delivered is
// done by the daily sweep.
func TestFunctions_RestrictionDecided(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := newStack(t)
	const admin, route = "complaints@example.gov.uk", "POST /v1/restrictions"
	officerFn, notifier := s.start(t, "officer"), s.start(t, "notifier")
	restrict := func(person string) string {
		t.Helper()
		body := `{"contact":"` + person + `","types":["written_only"],"reason":"Forty emails a week about one settled matter."}`
		resp := invokeHTTP(ctx, t, officerFn, officerEvent(t, route, "POST", "/v1/restrictions", admin, body))
		var made struct {
			ID string `json:"id"`
		}
		if resp.StatusCode != 201 || json.Unmarshal([]byte(resp.Body), &made) != nil || made.ID == "" {
			t.Fatalf("POST /v1/restrictions = %d %s; want 201 with an id", resp.StatusCode, resp.Body)
		}
		return made.ID
	}
	passed := func(from int) []events.DynamoDBEventRecord {
		t.Helper()
		var out []events.DynamoDBEventRecord
		for _, r := range s.streamRecords(t)[from:] {
			if invokesNotifier(t, r) {
				out = append(out, r)
			}
		}
		return out
	}

	// moto keeps every stack's mail together: count what this test sends.
	sent := len(mototest.SentRaw(t, s.endpoint))
	id := restrict("pat@example.com")
	if n := len(mototest.SentRaw(t, s.endpoint)) - sent; n != 0 || len(s.scheduleNames(t)) != 0 {
		t.Fatalf("the officer function sent %d emails or made schedules itself; the notifier does", n)
	}
	records := passed(0)
	if len(records) != 1 {
		t.Fatalf("%d stream records would invoke the notifier; want the restriction's one", len(records))
	}
	seen := len(s.streamRecords(t))
	batch, _ := json.Marshal(events.DynamoDBEvent{Records: records})
	for range 2 { // a redelivered record does nothing twice
		if out, err := notifier.Invoke(ctx, batch); err != nil || strings.Contains(string(out), "itemIdentifier") {
			t.Fatalf("notifier = %s, %v\n%s", out, err, notifier.Output())
		}
	}
	letters := mailTo(t, s.endpoint, sent, "pat@example.com")
	if len(letters) != 1 || !strings.Contains(letters[0].Text, "Forty emails a week") {
		t.Fatalf("letters to the person: %d; want one giving the reason", len(letters))
	}
	names := s.scheduleNames(t)
	if len(names) != 2 || !strings.Contains(names[0], id) || !strings.Contains(names[1], id) {
		t.Errorf("schedules: %v; want the review's warning and due reminders for %s", names, id)
	}
	if again := passed(seen); len(again) != 0 {
		t.Errorf("the notifier's own writes pass the filter %d times; want none", len(again))
	}

	// Another, whose stream record never reaches the notifier: the daily sweep writes.
	restrict("sam@example.com")
	out, err := s.start(t, "reminders").Invoke(ctx, []byte(`{"sweep":true}`))
	if err != nil || !strings.Contains(string(out), `"swept":true`) {
		t.Fatalf("reminders sweep = %s, %v", out, err)
	}
	if letters := mailTo(t, s.endpoint, sent, "sam@example.com"); len(letters) != 1 {
		t.Errorf("letters to the second person after the sweep: %d; want one", len(letters))
	}
	if letters := mailTo(t, s.endpoint, sent, "pat@example.com"); len(letters) != 1 {
		t.Errorf("the sweep wrote to the first person again: %d letters", len(letters))
	}
}

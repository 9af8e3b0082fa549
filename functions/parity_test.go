package functions_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dynamotypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/dynamo"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/lambdatest"
	"github.com/council/intake/internal/mototest"
	"github.com/council/intake/internal/workdays"
	"gopkg.in/yaml.v3"
)

// webComplaint stores the sample web complaint through the web form function and returns its
// reference.
func (s *stack) webComplaint(ctx context.Context, t *testing.T) string {
	t.Helper()
	resp := invokeHTTP(ctx, t, s.start(t, "webform"), readEvent(t, "webform-post-json.json"))
	var created struct {
		Reference string `json:"reference"`
	}
	if resp.StatusCode != 201 || json.Unmarshal([]byte(resp.Body), &created) != nil || created.Reference == "" {
		t.Fatalf("webform = %d %s; want 201 with a reference", resp.StatusCode, resp.Body)
	}
	return created.Reference
}

// passing returns the stream records from the from'th on that the template's filter hands
// the notifier.
func (s *stack) passing(t *testing.T, from int) []events.DynamoDBEventRecord {
	t.Helper()
	var out []events.DynamoDBEventRecord
	for _, r := range s.streamRecords(t)[from:] {
		if invokesNotifier(t, r) {
			out = append(out, r)
		}
	}
	return out
}

// TestFunctions_ClaimMetOnRetry is issue 26's second point: a notifier that dies holding a
// case's claims leaves the work to the retry of its stream record, which meets the live claim.
// That retry re-queues the work at the claim's end (a one-off schedule invoking the reminders
// function), which then does it; and a later write that adds work to the case, pending all the
// while, still reaches the notifier through the stream filter.
func TestFunctions_ClaimMetOnRetry(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := newStack(t)
	sent := len(mototest.SentRaw(t, s.endpoint))
	ref := s.webComplaint(ctx, t)
	inserts := s.passing(t, 0)
	if len(inserts) != 1 {
		t.Fatalf("%d records pass the filter; want the INSERT", len(inserts))
	}

	// A notifier took the claims and died: they hold for a few seconds more.
	store := dynamo.New(s.db, s.table, clock.System{})
	held := time.Now().Add(4 * time.Second)
	if _, err := store.Update(ctx, ref, func(c *feedback.Case) error {
		for _, name := range c.Effects.Pending() {
			e := c.Effects[name]
			e.ClaimedBy, e.ClaimedUntil = "dead-notifier#1", held
			c.Effects[name] = e
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// Lambda's retry of the INSERT meets the live claims: it re-queues the work.
	notifier := s.start(t, "notifier")
	batch, _ := json.Marshal(events.DynamoDBEvent{Records: inserts})
	out, err := notifier.Invoke(ctx, batch)
	if err != nil {
		t.Fatalf("notifier = %s, %v\n%s", out, err, notifier.Output())
	}
	var resume string
	for _, sc := range s.schedules(t) {
		if strings.Contains(aws.ToString(sc.Name), "resume") {
			resume = aws.ToString(sc.Target.Input)
		}
	}
	if resume == "" && !strings.Contains(string(out), "itemIdentifier") {
		t.Fatalf("the retry that met a live claim reported success (%s) and re-queued nothing (schedules %v): the work would wait for the morning's sweep", out, s.scheduleNames(t))
	}
	if n := len(mototest.SentRaw(t, s.endpoint)) - sent; n != 0 {
		t.Fatalf("the retry sent %d emails under another worker's claim", n)
	}

	// A later write adding work to the case, still pending, reaches the notifier.
	seen := len(s.streamRecords(t))
	officerFn := s.start(t, "officer")
	body := `{"to":"planning@example.gov.uk"}`
	if resp := invokeHTTP(ctx, t, officerFn, officerEvent(t, "POST /v1/cases/{reference}/{action}", "POST", "/v1/cases/"+ref+"/assign", "complaints@example.gov.uk", body)); resp.StatusCode != 200 {
		t.Fatalf("assign = %d %s", resp.StatusCode, resp.Body)
	}
	if later := s.passing(t, seen); len(later) != 1 {
		t.Errorf("%d records of the officer's write pass the stream filter; want 1: new work on a pending case must reach a worker within a minute", len(later))
	}

	// At the claim's end the re-queued work is done: the acknowledgement goes, once.
	time.Sleep(time.Until(held) + 100*time.Millisecond)
	if resume != "" {
		reminders := s.start(t, "reminders")
		if out, err := reminders.Invoke(ctx, []byte(resume)); err != nil {
			t.Fatalf("reminders(%s) = %s, %v\n%s", resume, out, err, reminders.Output())
		}
	}
	if acks := mailTo(t, s.endpoint, sent, "alex.resident@example.com"); len(acks) != 1 {
		t.Errorf("acknowledgements after the claim's end: %d; want 1", len(acks))
	}
}

// TestFunctions_ReleasedLongAfterRetention is issue 26's seventh point: DynamoDB's TTL ignores
// an expiry more than five years in the past, so a case released from a legal hold long after
// its retention ended would never be deleted in AWS, nor its files destroyed. Released through
// the officer API, the case item's TTL attribute is within TTL's reach (now), while the case
// keeps its real retention end (the destruction log's).
func TestFunctions_ReleasedLongAfterRetention(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := newStack(t)
	ref := "FB-2018-000042"
	closed := time.Now().UTC().AddDate(-8, 0, 0)
	c := &feedback.Case{Ref: ref, Kind: feedback.KindComplaint, Channel: feedback.ChannelEmail, Status: feedback.StatusClosed,
		Stage: feedback.Stage1, ServiceArea: "bins-and-recycling", AssignedTo: "waste.team@example.gov.uk",
		Message: "My bin was missed again.", Contact: feedback.Contact{Name: "Ada Resident", Email: "ada.resident@example.com"},
		ReceivedAt: closed.AddDate(0, 0, -20), ClosedAt: closed, CreatedAt: closed, UpdatedAt: closed,
		Hold: &feedback.Hold{By: "complaints@example.gov.uk", At: closed, Reason: "Litigation"}}
	if err := dynamo.New(s.db, s.table, clock.NewFixed(closed)).Create(ctx, c); err != nil {
		t.Fatal(err)
	}
	officerFn := s.start(t, "officer")
	before := time.Now()
	resp := invokeHTTP(ctx, t, officerFn, officerEvent(t, "POST /v1/cases/{reference}/{action}", "POST", "/v1/cases/"+ref+"/release",
		"complaints@example.gov.uk", `{"reason":"The litigation has ended."}`))
	if resp.StatusCode != 200 {
		t.Fatalf("release = %d %s", resp.StatusCode, resp.Body)
	}
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: map[string]dynamotypes.AttributeValue{
		dynamo.AttrPK: &dynamotypes.AttributeValueMemberS{Value: "CASE#" + ref}, dynamo.AttrSK: &dynamotypes.AttributeValueMemberS{Value: "CASE"}}})
	if err != nil || out.Item == nil {
		t.Fatalf("the released case item: %v", err)
	}
	n, ok := out.Item[dynamo.AttrExpiresAt].(*dynamotypes.AttributeValueMemberN)
	if !ok {
		t.Fatalf("the released case has no %s: TTL would never delete it", dynamo.AttrExpiresAt)
	}
	exp, _ := strconv.ParseInt(n.Value, 10, 64)
	if reach := before.AddDate(-5, 0, 0).Add(24 * time.Hour); time.Unix(exp, 0).Before(reach) {
		t.Errorf("the released case expires at %s for TTL, more than five years ago: TTL ignores it, and the case is never destroyed", time.Unix(exp, 0).UTC())
	}
	got, err := dynamo.New(s.db, s.table, clock.NewFixed(closed)).Get(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if want := closed.AddDate(2, 0, 0); got.ExpiresAt.Year() != want.Year() {
		t.Errorf("the case's retention end is %s; want its real one, in %d", got.ExpiresAt, want.Year())
	}
}

// TestFunctions_BackDatedAndLostReminders is issue 26's eighth and ninth points: a complaint
// taken by telephone a month ago and entered today asks for reminders whose times have passed.
// The notifier schedules only the latest of the stage's (the overdue one) and the
// acknowledgement check, each to fire at once rather than at an at() in the past, which
// EventBridge Scheduler would never fire. And when those schedules are lost (dead-lettered),
// the daily sweep sends both: the acknowledgement check has no response date, and was never
// swept before.
func TestFunctions_BackDatedAndLostReminders(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := newStack(t)
	const officer = "waste.team@example.gov.uk"
	sent := len(mototest.SentRaw(t, s.endpoint))
	received := time.Now().AddDate(0, 0, -30).Format(time.DateOnly)
	body := `{"kind":"complaint","channel":"phone","name":"Ada Resident","phone":"01632 960123","service_area":"bins-and-recycling",` +
		`"message":"My bin has been missed three weeks running.","received_at":"` + received + `"}`
	resp := invokeHTTP(ctx, t, s.start(t, "officer"), officerEvent(t, "POST /v1/cases", "POST", "/v1/cases", "complaints@example.gov.uk", body))
	if resp.StatusCode != 201 {
		t.Fatalf("POST /v1/cases = %d %s", resp.StatusCode, resp.Body)
	}
	inserts := s.passing(t, 0)
	if len(inserts) != 1 {
		t.Fatalf("%d records pass the filter; want the INSERT", len(inserts))
	}
	batch, _ := json.Marshal(events.DynamoDBEvent{Records: inserts})
	notifier := s.start(t, "notifier")
	if out, err := notifier.Invoke(ctx, batch); err != nil || strings.Contains(string(out), "itemIdentifier") {
		t.Fatalf("notifier = %s, %v\n%s", out, err, notifier.Output())
	}
	now := time.Now()
	var purposes []string
	for _, sc := range s.schedules(t) {
		var r feedback.Reminder
		json.Unmarshal([]byte(aws.ToString(sc.Target.Input)), &r)
		purposes = append(purposes, string(r.Purpose))
		expr := aws.ToString(sc.ScheduleExpression)
		at, err := time.ParseInLocation("at(2006-01-02T15:04:05)", expr, mustLondon(t))
		if err != nil {
			t.Fatalf("schedule %s: %s: %v", aws.ToString(sc.Name), expr, err)
		}
		if at.Before(now.Add(-time.Minute)) || at.After(now.Add(2*time.Minute)) {
			t.Errorf("schedule %s fires %s; want at once (its time has passed)", aws.ToString(sc.Name), expr)
		}
	}
	sort.Strings(purposes)
	if fmt.Sprint(purposes) != "[ack_check overdue]" {
		t.Errorf("schedules for %v; want [ack_check overdue]: of the stage's past reminders only the latest is worth sending", purposes)
	}

	// Both schedules are lost; the sweep sends them, once.
	for _, name := range s.scheduleNames(t) {
		if _, err := s.sched.DeleteSchedule(ctx, &scheduler.DeleteScheduleInput{Name: aws.String(name), GroupName: aws.String(s.group)}); err != nil {
			t.Fatal(err)
		}
	}
	reminders := s.start(t, "reminders")
	for range 2 {
		if out, err := reminders.Invoke(ctx, []byte(`{"sweep":true}`)); err != nil || !strings.Contains(string(out), `"swept":true`) {
			t.Fatalf("sweep = %s, %v\n%s", out, err, reminders.Output())
		}
	}
	var subjects []string
	for _, m := range mailTo(t, s.endpoint, sent, officer) {
		subject, _, _ := strings.Cut(m.GetHeader("Subject"), ":")
		subjects = append(subjects, subject)
	}
	sort.Strings(subjects)
	want := "[Check the sender has been acknowledged New complaint assigned to you Response overdue]"
	if fmt.Sprint(subjects) != want {
		t.Errorf("the officer got %q; want %s", subjects, want)
	}
}

func mustLondon(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestFunctions_OfficerAcknowledgesSocial is issue 26's fifth point: an officer with a token
// records that the public reply to a social post was posted. POST /v1/social/{reference}/
// acknowledged serves the monitoring tools, which sign their requests and carry no token, so in
// AWS it has no authoriser (API Gateway cannot make one optional) and the social function
// cannot tell an officer's token from a forged one: it refuses the token, naming the route
// officers use (as the local runner does: TestLocalRunner_SocialAcknowledgedAsInAWS), the
// officer API's POST /v1/cases/{reference}/acknowledged, behind the JWT authoriser.
func TestFunctions_OfficerAcknowledgesSocial(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := newStack(t)
	s.env = append(s.env, "INTAKE_SOCIAL_SECRETS=local-monitor="+socialSecret)
	signed, err := lambdatest.SignSocial(readEvent(t, "social-post.json"), "local-monitor", socialSecret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	social := s.start(t, "social")
	resp := invokeHTTP(ctx, t, social, signed)
	var created struct {
		Reference string `json:"reference"`
	}
	if resp.StatusCode != 201 || json.Unmarshal([]byte(resp.Body), &created) != nil {
		t.Fatalf("social = %d %s", resp.StatusCode, resp.Body)
	}

	// The monitors' route, as API Gateway hands it on with no authoriser: the officer's bearer
	// token is passed through unverified, and refused.
	monitors := "/v1/social/" + created.Reference + "/acknowledged"
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(officerEvent(t, "POST /v1/social/{reference}/acknowledged", "POST", monitors, "", ""), &ev); err != nil {
		t.Fatal(err)
	}
	ev.Headers["authorization"] = "Bearer eyJ.an-officers-token.sig"
	withToken, _ := json.Marshal(ev)
	resp = invokeHTTP(ctx, t, social, withToken)
	if resp.StatusCode != 401 || !strings.Contains(resp.Body, "POST /v1/cases/{reference}/acknowledged") {
		t.Errorf("%s with an officer's token = %d %s; want 401 naming POST /v1/cases/{reference}/acknowledged", monitors, resp.StatusCode, resp.Body)
	}

	const route = "POST /v1/cases/{reference}/{action}"
	if !templateRoutes(t)[route] {
		t.Fatalf("template.yaml has no JWT route %s", route)
	}
	path := "/v1/cases/" + created.Reference + "/acknowledged"
	officerFn := s.start(t, "officer")
	resp = invokeHTTP(ctx, t, officerFn, officerEvent(t, route, "POST", path, "waste.team@example.gov.uk", "{}"))
	if resp.StatusCode != 200 || !strings.Contains(resp.Body, `"acknowledged_at":"`) {
		t.Fatalf("%s with an officer's token = %d %s; want 200 with acknowledged_at", path, resp.StatusCode, resp.Body)
	}
	// Without the authoriser's claims (a forged or absent token), refused.
	if resp := invokeHTTP(ctx, t, officerFn, officerEvent(t, route, "POST", path, "", "{}")); resp.StatusCode != 401 {
		t.Errorf("without verified claims = %d; want 401", resp.StatusCode)
	}
}

// templateRoutes returns the officer function's routes that template.yaml puts behind the
// OfficerJwt authoriser, as "METHOD path".
func templateRoutes(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Resources struct {
			Officer struct {
				Properties struct {
					Events map[string]struct {
						Type       string `yaml:"Type"`
						Properties struct {
							Method string `yaml:"Method"`
							Path   string `yaml:"Path"`
							Auth   struct {
								Authorizer string `yaml:"Authorizer"`
							} `yaml:"Auth"`
						} `yaml:"Properties"`
					} `yaml:"Events"`
				} `yaml:"Properties"`
			} `yaml:"OfficerFunction"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, ev := range doc.Resources.Officer.Properties.Events {
		if ev.Properties.Auth.Authorizer == "OfficerJwt" {
			out[ev.Properties.Method+" "+ev.Properties.Path] = true
		}
	}
	return out
}

// oldDigestSchedule is DailyDigestSchedule's expression before it followed ReminderHour.
const oldDigestSchedule = "cron(0 9 ? * MON-FRI *)"

// TestFunctions_DigestAtTheReminderHour is issue 26's third point: the managers' digest, which
// the function sends only at the reminder hour or later, comes when the hour is 10, or 7. The
// template, evaluated with ReminderHour set, gives DailyDigestSchedule's cron and input and the
// reminders function's environment; the input, with the time of the cron's latest firing on a
// working day written in as EventBridge Scheduler writes it, goes to the built function, and
// the area's manager gets that day's digest, once however often it is delivered. The schedule
// as it was, fixed at 09:00, fires before a reminder hour of 10: nothing is sent for it.
func TestFunctions_DigestAtTheReminderHour(t *testing.T) {
	const manager = "bins.manager@example.gov.uk"
	for _, hour := range []string{"10", "7"} {
		t.Run("ReminderHour="+hour, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			s := newStack(t)
			params := map[string]string{"ReminderHour": hour, "StaffDirectory": staffDirectory + "," + manager + "=manager:bins-and-recycling"}
			names := s.deployed(t, params)
			env := templateEnv(t, "reminders", names)
			if !slices.Contains(env, "INTAKE_REMINDER_HOUR="+hour) {
				t.Fatalf("the reminders function's environment does not set INTAKE_REMINDER_HOUR=%s: %v", hour, env)
			}
			cron, loc, input := digestSchedule(t, names)
			cal := calendarOf(t, env)
			now := time.Now()
			fired := latestFiring(t, cron, loc, cal, now)

			// A complaint of the manager's area, due on the day the schedule fired.
			due := cal.Date(fired)
			received := cal.SubtractWorkingDays(due, 10)
			c := &feedback.Case{Ref: "FB-2026-000201", Kind: feedback.KindComplaint, Channel: feedback.ChannelWeb, Status: feedback.StatusOpen,
				Stage: feedback.Stage1, ServiceArea: "bins-and-recycling", AssignedTo: "waste.team@example.gov.uk",
				Message: "My bin was missed again.", Contact: feedback.Contact{Name: "Ada Resident", Email: "ada.resident@example.com"},
				ReceivedAt: received, RespondBy: due, Stages: []feedback.StageRecord{{Stage: feedback.Stage1, OpenedAt: received, RespondBy: due}},
				CreatedAt: received, UpdatedAt: received}
			if err := dynamo.New(s.db, s.table, clock.NewFixed(received)).Create(ctx, c); err != nil {
				t.Fatal(err)
			}

			reminders := s.startDeployed(t, "reminders", params)
			sent := len(mototest.SentRaw(t, s.endpoint))
			deliver := func(at time.Time) string {
				t.Helper()
				ev := strings.ReplaceAll(input, "<aws.scheduler.scheduled-time>", at.UTC().Format(time.RFC3339))
				out, err := reminders.Invoke(ctx, []byte(ev))
				if err != nil || !strings.Contains(string(out), `"digested":true`) {
					t.Fatalf("reminders(%s) = %s, %v\n%s", ev, out, err, reminders.Output())
				}
				return string(out)
			}
			if hour == "10" {
				old := latestFiring(t, oldDigestSchedule, loc, cal, now)
				if out := deliver(old); strings.Contains(out, `"digests":`) || len(mototest.SentRaw(t, s.endpoint)) != sent {
					t.Fatalf("the digest at %s, before the reminder hour, = %s; want nothing sent", old.Format(time.RFC3339), out)
				}
			}
			if out := deliver(fired); !strings.Contains(out, `"digests":1`) {
				t.Errorf("the digest at %s (%s) = %s; want one sent\n%s", fired.Format(time.RFC3339), cron, out, reminders.Output())
			}
			if out := deliver(fired); strings.Contains(out, `"digests":`) { // Scheduler's retry
				t.Errorf("the same firing delivered again = %s; want nothing more sent", out)
			}
			got := mailTo(t, s.endpoint, sent, manager)
			if len(got) != 1 || !strings.Contains(got[0].GetHeader("Subject"), "Complaints digest for "+feedback.LongDate(due)) || !strings.Contains(got[0].Text, c.Ref) {
				t.Fatalf("digests to the manager: %d; want one for %s listing %s", len(got), feedback.LongDate(due), c.Ref)
			}
		})
	}
}

// digestSchedule returns DailyDigestSchedule's expression, time zone and target input as the
// template evaluates for the stack called names; its target must be the reminders function.
func digestSchedule(t *testing.T, names stackNames) (string, *time.Location, string) {
	t.Helper()
	c, err := newCFN(names)
	if err != nil {
		t.Fatalf("template.yaml: %v", err)
	}
	field := func(path ...string) string {
		t.Helper()
		v, err := c.eval(c.node(append([]string{"Resources", "DailyDigestSchedule", "Properties"}, path...)...))
		if err != nil {
			t.Fatalf("DailyDigestSchedule's %v: %v", path, err)
		}
		return fmt.Sprint(v)
	}
	if arn := c.node("Resources", "DailyDigestSchedule", "Properties", "Target", "Arn"); arn == nil || arn.Tag != "!GetAtt" || arn.Value != "RemindersFunction.Arn" {
		t.Fatal("DailyDigestSchedule does not invoke RemindersFunction")
	}
	loc, err := time.LoadLocation(field("ScheduleExpressionTimezone"))
	if err != nil {
		t.Fatal(err)
	}
	return field("ScheduleExpression"), loc, field("Target", "Input")
}

// calendarOf is the working-day calendar a function with environment env keeps: England and
// Wales, and INTAKE_EXTRA_HOLIDAYS.
func calendarOf(t *testing.T, env []string) *workdays.Calendar {
	t.Helper()
	var extra []time.Time
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "INTAKE_EXTRA_HOLIDAYS="); ok {
			var err error
			if extra, err = workdays.ParseDates(v); err != nil {
				t.Fatal(err)
			}
		}
	}
	loc, err := workdays.London()
	if err != nil {
		t.Fatal(err)
	}
	return workdays.New(loc, extra...)
}

// latestFiring is the latest time at or before now that an EventBridge Scheduler cron
// expression fires in loc on a working day. It reads the forms template.yaml writes, and fails
// on any other: a minute and an hour; any day of the month, month and year; days of the week as
// * or ?, or names, ranges of names and lists of them (MON-FRI).
func latestFiring(t *testing.T, expr string, loc *time.Location, cal *workdays.Calendar, now time.Time) time.Time {
	t.Helper()
	f := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(expr, "cron("), ")"))
	if len(f) != 6 {
		t.Fatalf("%s: want cron() with six fields", expr)
	}
	minute, err1 := strconv.Atoi(f[0])
	hour, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil || (f[2] != "?" && f[2] != "*") || f[3] != "*" || f[5] != "*" {
		t.Fatalf("%s: this form is not modelled", expr)
	}
	names := map[string]time.Weekday{"SUN": time.Sunday, "MON": time.Monday, "TUE": time.Tuesday, "WED": time.Wednesday,
		"THU": time.Thursday, "FRI": time.Friday, "SAT": time.Saturday}
	days := map[time.Weekday]bool{}
	for _, part := range strings.Split(f[4], ",") {
		if part == "*" || part == "?" {
			part = "SUN-SAT"
		}
		from, to, isRange := strings.Cut(part, "-")
		if !isRange {
			to = from
		}
		a, ok1 := names[from]
		b, ok2 := names[to]
		if !ok1 || !ok2 || b < a {
			t.Fatalf("%s: days of the week %q are not modelled", expr, f[4])
		}
		for d := a; d <= b; d++ {
			days[d] = true
		}
	}
	today := now.In(loc)
	for back := range 14 {
		day := today.AddDate(0, 0, -back)
		at := time.Date(day.Year(), day.Month(), day.Day(), hour, minute, 0, 0, loc)
		if !at.After(now) && days[at.Weekday()] && cal.IsWorkingDay(at) {
			return at
		}
	}
	t.Fatalf("%s fires on no working day in the fortnight before %s", expr, now)
	return time.Time{}
}

// TestFunctions_SettingsSetInTheTemplate is issue 26's sixth point: how soon a restriction is
// reviewed and how long a staff-safety marker is kept can be set in AWS. The built officer
// function, started with the environment template.yaml gives it with RestrictionReviewMonths 3
// and SafetyMarkerYears 1 (not their defaults, 6 and 3), records a restriction through the API
// that is reviewed three months after its decision and a marker kept for a year.
func TestFunctions_SettingsSetInTheTemplate(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := newStack(t)
	const admin = "complaints@example.gov.uk"
	params := map[string]string{"RestrictionReviewMonths": "3", "SafetyMarkerYears": "1"}
	officerFn := s.startDeployed(t, "officer", params)
	cal := calendarOf(t, templateEnv(t, "officer", s.deployed(t, params)))
	decided := cal.Date(time.Now())
	day := decided.Format(time.DateOnly)

	body := `{"contact":"pat@example.com","types":["written_only"],"reason":"Forty emails a week about one settled matter.","decided_on":"` + day + `"}`
	resp := invokeHTTP(ctx, t, officerFn, officerEvent(t, "POST /v1/restrictions", "POST", "/v1/restrictions", admin, body))
	var restriction struct {
		ID       string `json:"id"`
		ReviewBy string `json:"review_by"`
	}
	if resp.StatusCode != 201 || json.Unmarshal([]byte(resp.Body), &restriction) != nil {
		t.Fatalf("POST /v1/restrictions = %d %s; want 201", resp.StatusCode, resp.Body)
	}
	body = `{"contact":"pat@example.com","reason":"Threatened an officer at the counter.","decided_on":"` + day + `"}`
	resp = invokeHTTP(ctx, t, officerFn, officerEvent(t, "POST /v1/markers", "POST", "/v1/markers", admin, body))
	var marker struct {
		ID        string `json:"id"`
		ExpiresOn string `json:"expires_on"`
	}
	if resp.StatusCode != 201 || json.Unmarshal([]byte(resp.Body), &marker) != nil {
		t.Fatalf("POST /v1/markers = %d %s; want 201", resp.StatusCode, resp.Body)
	}

	// As answered, and as stored.
	store := dynamo.New(s.db, s.table, clock.System{})
	stored, err := store.GetRestriction(ctx, restriction.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantReview := feedback.ReviewDate(decided, 3).Format(time.DateOnly)
	if got := cal.Date(stored.ReviewBy).Format(time.DateOnly); restriction.ReviewBy != wantReview || got != wantReview {
		t.Errorf("a restriction decided on %s is reviewed by %s (stored %s); want %s, three months on", day, restriction.ReviewBy, got, wantReview)
	}
	markers, err := store.ListMarkers(ctx)
	if err != nil || len(markers) != 1 {
		t.Fatalf("markers stored: %d, %v; want 1", len(markers), err)
	}
	wantExpiry := decided.AddDate(1, 0, 0).Format(time.DateOnly)
	if got := cal.Date(markers[0].ExpiresAt).Format(time.DateOnly); marker.ExpiresOn != wantExpiry || got != wantExpiry {
		t.Errorf("a marker decided on %s expires on %s (stored %s); want %s, a year on", day, marker.ExpiresOn, got, wantExpiry)
	}
}

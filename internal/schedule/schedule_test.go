package schedule_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/scheduler/types"
	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/feedback/scheduletest"
	"github.com/council/intake/internal/mototest"
	"github.com/council/intake/internal/schedule"
)

func TestMain(m *testing.M) { os.Exit(mototest.Main(m)) }

const (
	lambdaARN = "arn:aws:lambda:eu-west-2:123456789012:function:intake-reminder"
	roleARN   = "arn:aws:iam::123456789012:role/intake-scheduler"
)

var groups atomic.Int64

// newScheduler returns a scheduler over a new, empty schedule group on moto_server, and the
// client and group for looking behind its back.
func newScheduler(t *testing.T) (*schedule.Scheduler, *scheduler.Client, string) {
	t.Helper()
	url := mototest.Endpoint(t)
	client := scheduler.NewFromConfig(mototest.Config(), func(o *scheduler.Options) {
		o.BaseEndpoint = aws.String(url)
	})
	group := fmt.Sprintf("intake-%d-%d", time.Now().UnixNano(), groups.Add(1))
	if _, err := client.CreateScheduleGroup(context.Background(), &scheduler.CreateScheduleGroupInput{Name: aws.String(group)}); err != nil {
		t.Fatalf("create schedule group: %v", err)
	}
	s, err := schedule.New(client, schedule.Config{Group: group, TargetARN: lambdaARN, RoleARN: roleARN})
	if err != nil {
		t.Fatal(err)
	}
	return s, client, group
}

func TestScheduler_Conformance(t *testing.T) {
	scheduletest.Run(t, func(t *testing.T) (feedback.Scheduler, scheduletest.Pending) {
		s, _, _ := newScheduler(t)
		return s, func(t *testing.T) []feedback.Reminder {
			t.Helper()
			rs, err := s.List(context.Background())
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			return rs
		}
	})
}

func TestScheduler_Expression(t *testing.T) {
	s, err := schedule.New(nil, schedule.Config{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		at   time.Time
		want string
	}{
		{"winter, GMT", time.Date(2027, 1, 7, 9, 0, 0, 0, time.UTC), "at(2027-01-07T09:00:00)"},
		{"summer, BST", time.Date(2027, 7, 7, 8, 0, 0, 0, time.UTC), "at(2027-07-07T09:00:00)"},
		{"another zone", time.Date(2027, 7, 7, 9, 30, 15, 0, time.FixedZone("EST", -5*3600)), "at(2027-07-07T15:30:15)"},
		{"past midnight in London", time.Date(2027, 6, 30, 23, 30, 0, 0, time.UTC), "at(2027-07-01T00:30:00)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.Expression(tt.at); got != tt.want {
				t.Errorf("Expression(%v) = %s, want %s", tt.at, got, tt.want)
			}
		})
	}
}

func TestScheduler_Schedule(t *testing.T) {
	ctx := context.Background()
	london, _ := time.LoadLocation("Europe/London")
	tests := []struct {
		name     string
		reminder feedback.Reminder
		wantExpr string
		wantCode string
	}{
		{
			name:     "stage deadline in summer",
			reminder: scheduletestExample("FB-2026-000010", time.Date(2027, 7, 7, 9, 0, 0, 0, london)),
			wantExpr: "at(2027-07-07T09:00:00)",
		},
		{
			name: "restriction review",
			reminder: feedback.Reminder{
				Name: "R-000001-review", At: time.Date(2027, 1, 4, 9, 0, 0, 0, london),
				Ref: "R-000001", Purpose: feedback.PurposeReview,
			},
			wantExpr: "at(2027-01-04T09:00:00)",
		},
		{name: "empty name", reminder: feedback.Reminder{At: time.Now()}, wantCode: feedback.EINVALID},
		{name: "long name", reminder: feedback.Reminder{Name: strings.Repeat("a", 65), At: time.Now()}, wantCode: feedback.EINVALID},
		{name: "bad character", reminder: feedback.Reminder{Name: "FB/1", At: time.Now()}, wantCode: feedback.EINVALID},
		{name: "no time", reminder: feedback.Reminder{Name: "FB-1-due"}, wantCode: feedback.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, client, group := newScheduler(t)
			err := s.Schedule(ctx, tt.reminder)
			if tt.wantCode != "" {
				if feedback.ErrorCode(err) != tt.wantCode {
					t.Fatalf("Schedule: error %v, want code %s", err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatalf("Schedule: %v", err)
			}
			got, err := client.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String(tt.reminder.Name), GroupName: aws.String(group)})
			if err != nil {
				t.Fatalf("GetSchedule: %v", err)
			}
			checks := []struct{ field, got, want string }{
				{"ScheduleExpression", aws.ToString(got.ScheduleExpression), tt.wantExpr},
				{"ScheduleExpressionTimezone", aws.ToString(got.ScheduleExpressionTimezone), "Europe/London"},
				{"FlexibleTimeWindow.Mode", string(got.FlexibleTimeWindow.Mode), string(types.FlexibleTimeWindowModeOff)},
				{"ActionAfterCompletion", string(got.ActionAfterCompletion), string(types.ActionAfterCompletionDelete)},
				{"Target.Arn", aws.ToString(got.Target.Arn), lambdaARN},
				{"Target.RoleArn", aws.ToString(got.Target.RoleArn), roleARN},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s = %q, want %q", c.field, c.got, c.want)
				}
			}
		})
	}
}

func TestScheduler_Cancel(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newScheduler(t)
	keep := scheduletestExample("FB-2026-000020", time.Date(2027, 1, 7, 9, 0, 0, 0, time.UTC))
	if err := s.Schedule(ctx, keep); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		cancel   string
		wantCode string
	}{
		{"never scheduled", "FB-2026-999999-stage1-due", ""},
		{"bad name", "FB 1", feedback.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.Cancel(ctx, tt.cancel); feedback.ErrorCode(err) != tt.wantCode {
				t.Errorf("Cancel: error %v, want code %q", err, tt.wantCode)
			}
		})
	}
	rs, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].Name != keep.Name {
		t.Errorf("after cancelling others, held = %+v, want only %s", rs, keep.Name)
	}
}

func scheduletestExample(ref string, at time.Time) feedback.Reminder {
	r := scheduletest.Example(ref, feedback.PurposeDue)
	r.At = at
	return r
}

// TestScheduler_PastFiresAtOnce: a reminder whose time has passed is written as an at() a
// minute after the scheduler's now, never as the past time EventBridge would not fire.
func TestScheduler_PastFiresAtOnce(t *testing.T) {
	ctx := context.Background()
	_, client, group := newScheduler(t)
	now := time.Date(2026, 12, 7, 10, 15, 30, 0, time.UTC)
	s, err := schedule.New(client, schedule.Config{Group: group, TargetARN: lambdaARN, RoleARN: roleARN, Clock: clock.NewFixed(now)})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		at   time.Time
		want time.Time
	}{
		{"days past", now.AddDate(0, 0, -3), now.Add(time.Minute)},
		{"seconds past", now.Add(-time.Second), now.Add(time.Minute)},
		{"within the minute", now.Add(20 * time.Second), now.Add(time.Minute)},
		{"future", now.Add(time.Hour), now.Add(time.Hour)},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := scheduletest.Example(fmt.Sprintf("FB-2026-%06d", i+1), feedback.PurposeDue)
			r.At = tt.at
			if err := s.Schedule(ctx, r); err != nil {
				t.Fatal(err)
			}
			got, err := client.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String(r.Name), GroupName: aws.String(group)})
			if err != nil {
				t.Fatal(err)
			}
			if want := s.Expression(tt.want); aws.ToString(got.ScheduleExpression) != want {
				t.Errorf("expression = %s; want %s", aws.ToString(got.ScheduleExpression), want)
			}
		})
	}
}

// Package schedule keeps Intake's reminders as one-time EventBridge Scheduler schedules: one
// at() schedule per reminder, named after it, in one schedule group, invoking the reminder
// Lambda with the reminder as its input and deleting itself once it has fired. It takes a ready
// client and never loads AWS configuration of its own.
package schedule

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/scheduler/types"
	"github.com/council/intake/internal/config"
	"github.com/council/intake/internal/feedback"
)

// Timezone is the zone every schedule's at() expression is written in, so that the times on
// the AWS console read as the council's own.
const Timezone = "Europe/London"

// maxNameLen is EventBridge Scheduler's limit on schedule names.
const maxNameLen = 64

// Config says where schedules live and what they invoke.
type Config struct {
	// Group is the schedule group that holds every reminder.
	Group string
	// TargetARN is the ARN of the Lambda function that handles a fired reminder.
	TargetARN string
	// RoleARN is the IAM role EventBridge Scheduler assumes to invoke the target.
	RoleARN string
	// DeadLetterARN, when set, is the SQS queue that receives a reminder Scheduler could not
	// deliver after its retries, so that no reminder is lost silently.
	DeadLetterARN string
	// Clock tells when now is, so that a reminder whose time has passed fires at once (nil:
	// the system clock).
	Clock feedback.Clock
}

// soon is how far ahead a reminder whose time has passed is scheduled: EventBridge Scheduler
// refuses, or never fires, an at() in the past, and fires a one-time schedule within the minute
// after its time.
const soon = time.Minute

// Scheduler is a feedback.Scheduler over EventBridge Scheduler. It is safe for concurrent use.
type Scheduler struct {
	client *scheduler.Client
	cfg    Config
	london *time.Location
}

var _ feedback.Scheduler = (*Scheduler)(nil)

// New returns a scheduler that keeps reminders as described by cfg, reached through client.
// It fails only if the Europe/London zone cannot be loaded (no tzdata on the machine).
func New(client *scheduler.Client, cfg Config) (*Scheduler, error) {
	london, err := time.LoadLocation(Timezone)
	if err != nil {
		return nil, fmt.Errorf("schedule: load time zone: %w", err)
	}
	return &Scheduler{client: client, cfg: cfg, london: london}, nil
}

// target is what a reminder invokes: retried for up to six hours, then sent to the dead-letter
// queue if one is configured.
func (s *Scheduler) target(input string) *types.Target {
	t := &types.Target{
		Arn:         aws.String(s.cfg.TargetARN),
		RoleArn:     aws.String(s.cfg.RoleARN),
		Input:       aws.String(input),
		RetryPolicy: &types.RetryPolicy{MaximumRetryAttempts: aws.Int32(10), MaximumEventAgeInSeconds: aws.Int32(6 * 60 * 60)},
	}
	if s.cfg.DeadLetterARN != "" {
		t.DeadLetterConfig = &types.DeadLetterConfig{Arn: aws.String(s.cfg.DeadLetterARN)}
	}
	return t
}

// Expression returns the at() expression that fires at t, written in Europe/London wall-clock
// time to the second. It is exported so that tests and tools can see what AWS will be told.
func (s *Scheduler) Expression(t time.Time) string {
	return "at(" + t.In(s.london).Format("2006-01-02T15:04:05") + ")"
}

// Schedule creates the one-time schedule for r. A schedule of that name that exists already
// is left as it is, and that is not an error: reminder names are derived from what they are
// for, so the same name means the same reminder.
func (s *Scheduler) Schedule(ctx context.Context, r feedback.Reminder) error {
	if err := checkName(r.Name); err != nil {
		return err
	}
	if r.At.IsZero() {
		return feedback.Errorf(feedback.EINVALID, "reminder has no time")
	}
	if now := s.now(); r.At.Before(now.Add(soon)) {
		r.At = now.Add(soon).Truncate(time.Second)
	}
	input, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("schedule: encode reminder %s: %w", r.Name, err)
	}
	_, err = s.client.CreateSchedule(ctx, &scheduler.CreateScheduleInput{
		Name:                       aws.String(r.Name),
		GroupName:                  aws.String(s.cfg.Group),
		ScheduleExpression:         aws.String(s.Expression(r.At)),
		ScheduleExpressionTimezone: aws.String(Timezone),
		FlexibleTimeWindow:         &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff},
		ActionAfterCompletion:      types.ActionAfterCompletionDelete,
		State:                      types.ScheduleStateEnabled,
		Description:                aws.String(fmt.Sprintf("Intake %s reminder for %s", r.Purpose, r.Ref)),
		Target:                     s.target(string(input)),
	})
	var conflict *types.ConflictException
	if errors.As(err, &conflict) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("schedule: create %s: %w", r.Name, err)
	}
	return nil
}

func (s *Scheduler) now() time.Time {
	if s.cfg.Clock == nil {
		return time.Now()
	}
	return s.cfg.Clock.Now()
}

// Cancel deletes the named schedule. One that does not exist (never made, cancelled already,
// or deleted by EventBridge after firing) is not an error.
func (s *Scheduler) Cancel(ctx context.Context, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	_, err := s.client.DeleteSchedule(ctx, &scheduler.DeleteScheduleInput{
		Name:      aws.String(name),
		GroupName: aws.String(s.cfg.Group),
	})
	var missing *types.ResourceNotFoundException
	if errors.As(err, &missing) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("schedule: delete %s: %w", name, err)
	}
	return nil
}

// List returns every reminder held in the group, as decoded from each schedule's input, in
// the order EventBridge lists them. It costs one GetSchedule call per schedule, so it is for
// tests, reconciliation and operators, not for a request path.
func (s *Scheduler) List(ctx context.Context) ([]feedback.Reminder, error) {
	var out []feedback.Reminder
	pages := scheduler.NewListSchedulesPaginator(s.client, &scheduler.ListSchedulesInput{GroupName: aws.String(s.cfg.Group)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("schedule: list group: %w", err)
		}
		for _, sum := range page.Schedules {
			name := aws.ToString(sum.Name)
			got, err := s.client.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: sum.Name, GroupName: aws.String(s.cfg.Group)})
			var missing *types.ResourceNotFoundException
			if errors.As(err, &missing) {
				continue // fired or cancelled since the listing
			}
			if err != nil {
				return nil, fmt.Errorf("schedule: get %s: %w", name, err)
			}
			if got.Target == nil || got.Target.Input == nil {
				return nil, fmt.Errorf("schedule: %s has no input", name)
			}
			var r feedback.Reminder
			if err := json.Unmarshal([]byte(*got.Target.Input), &r); err != nil {
				return nil, fmt.Errorf("schedule: decode input of %s: %w", name, err)
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// checkName enforces EventBridge Scheduler's naming rule, so that a bad name fails as invalid
// input here rather than as an opaque validation error from AWS.
func checkName(name string) error {
	if name == "" || len(name) > maxNameLen {
		return feedback.Errorf(feedback.EINVALID, "reminder name must be 1 to %d characters", maxNameLen)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return feedback.Errorf(feedback.EINVALID, "reminder name may hold only letters, digits, '-', '_' and '.'")
		}
	}
	return nil
}

// Wire gives svc a scheduler keeping reminders in the schedule group INTAKE_SCHEDULE_GROUP
// names, if it names one: a setup.Adapter, named by the functions that set reminders.
func Wire(svc *feedback.Service, cfg *config.Config, awsCfg aws.Config) error {
	if cfg.ScheduleGroup == "" {
		return nil
	}
	s, err := New(scheduler.NewFromConfig(awsCfg), Config{
		Group: cfg.ScheduleGroup, TargetARN: cfg.ReminderTargetARN, RoleARN: cfg.SchedulerRoleARN,
		DeadLetterARN: cfg.ScheduleDLQARN, Clock: svc.Clock,
	})
	if err != nil {
		return err
	}
	svc.Scheduler = s
	return nil
}

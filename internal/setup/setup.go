// Package setup wires Intake's AWS adapters from the configuration, once per cold start: the
// DynamoDB store, the SES mailer and the EventBridge scheduler behind one feedback.Service. The
// SDK's own configuration (region, credentials, AWS_ENDPOINT_URL for tests) comes from the
// Lambda environment.
package setup

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/config"
	"github.com/council/intake/internal/dynamo"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/s3blobs"
	"github.com/council/intake/internal/schedule"
	"github.com/council/intake/internal/sesmail"
	"github.com/sethvargo/go-envconfig"
)

// WebFormSettings are the variables the web form function cannot run without: it only stores.
var WebFormSettings = []string{"INTAKE_TABLE"}

// SideEffectSettings are the variables a function needs to carry out intake's side effects,
// mail and reminder schedules: the notifier, and the reminders function, whose daily sweep
// finishes what the stream left undone.
var SideEffectSettings = []string{"INTAKE_TABLE", "INTAKE_SCHEDULE_GROUP", "INTAKE_REMINDER_TARGET_ARN", "INTAKE_SCHEDULER_ROLE_ARN"}

// EmailSettings are the variables the email function cannot run without: it reads raw mail
// from the bucket and stores cases; the notifier does the rest.
var EmailSettings = []string{"INTAKE_TABLE", "INTAKE_MAIL_BUCKET"}

// FromEnv reads the configuration from the process environment, requiring the named AWS
// variables, and builds the service: everything a function's main does before lambda.Start.
func FromEnv(ctx context.Context, required ...string) (*feedback.Service, error) {
	cfg, err := config.Load(ctx, envconfig.OsLookuper(), required...)
	if err != nil {
		return nil, err
	}
	return Service(ctx, cfg)
}

// Service builds the intake service over AWS. The scheduler is wired only when the function's
// configuration names a schedule group.
func Service(ctx context.Context, cfg *config.Config) (*feedback.Service, error) {
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("setup: load AWS configuration: %w", err)
	}
	cal, err := cfg.Calendar()
	if err != nil {
		return nil, err
	}
	routing, err := cfg.RoutingTable()
	if err != nil {
		return nil, err
	}
	mailboxes, err := cfg.Mailboxes()
	if err != nil {
		return nil, err
	}
	staff, err := cfg.Directory()
	if err != nil {
		return nil, err
	}
	clk := clock.System{}
	var mailOpts []sesmail.Option
	if cfg.SESConfigSet != "" {
		mailOpts = append(mailOpts, sesmail.WithConfigurationSet(cfg.SESConfigSet))
	}
	store := dynamo.New(dynamodb.NewFromConfig(awsCfg), cfg.Table, clk)
	svc := &feedback.Service{
		Store:     store,
		Mailer:    sesmail.New(sesv2.NewFromConfig(awsCfg), mailOpts...),
		Clock:     clk,
		Calendar:  cal,
		Policy:    cfg.Policy(),
		Council:   cfg.Council(),
		Routing:   routing,
		Staff:     staff,
		Log:       Logger(),
		AckLimit:  cfg.AckLimitPerRecipient,
		Mailboxes: mailboxes,
		// Every new message is screened against the restrictions register, in the same table.
		Restrictions: store,
		Markers:      store,
	}
	if cfg.MailBucket != "" {
		svc.Blobs = s3blobs.New(s3.NewFromConfig(awsCfg), cfg.MailBucket)
	}
	if cfg.ScheduleGroup != "" {
		s, err := schedule.New(scheduler.NewFromConfig(awsCfg), schedule.Config{
			Group: cfg.ScheduleGroup, TargetARN: cfg.ReminderTargetARN, RoleARN: cfg.SchedulerRoleARN,
			DeadLetterARN: cfg.ScheduleDLQARN,
		})
		if err != nil {
			return nil, err
		}
		svc.Scheduler = s
	}
	return svc, nil
}

// MailBucket is the inbound-mail bucket the email function reads, from the environment.
func MailBucket() string { return os.Getenv("INTAKE_MAIL_BUCKET") }

// Logger is the JSON logger every function writes to CloudWatch with.
func Logger() *slog.Logger { return slog.New(slog.NewJSONHandler(os.Stdout, nil)) }

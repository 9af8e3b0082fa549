// Command reminders is the Lambda function EventBridge Scheduler invokes: a deadline reminder
// for one case, or the daily sweep.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/council/intake/internal/config"
	"github.com/council/intake/internal/remind"
	"github.com/council/intake/internal/setup"
	"github.com/sethvargo/go-envconfig"
)

func main() {
	ctx := context.Background()
	// The daily sweep finishes intake work the stream left undone, schedules included.
	cfg, err := config.Load(ctx, envconfig.OsLookuper(),
		"INTAKE_TABLE", "INTAKE_SCHEDULE_GROUP", "INTAKE_REMINDER_TARGET_ARN", "INTAKE_SCHEDULER_ROLE_ARN")
	if err != nil {
		log.Fatal(err)
	}
	svc, err := setup.Service(ctx, cfg)
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start((&remind.Handler{Service: svc, Log: svc.Log}).Handle)
}

// Command reminders is the Lambda function EventBridge Scheduler invokes: a deadline reminder
// for one case, or the daily sweep, which finishes intake work the stream left undone,
// schedules included.
package main

import (
	"log"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/council/intake/internal/remind"
	"github.com/council/intake/internal/schedule"
	"github.com/council/intake/internal/sesmail"
	"github.com/council/intake/internal/setup"
)

func main() {
	_, svc, err := setup.FromEnv(setup.SideEffectSettings, sesmail.Wire, schedule.Wire)
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start((&remind.Handler{Service: svc, Log: svc.Log}).Handle)
}

// Command notifier is the Lambda function fed by the case table's stream: it sends the
// acknowledgement and assignment emails and creates the deadline schedules.
package main

import (
	"log"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/council/intake/internal/notify"
	"github.com/council/intake/internal/s3blobs"
	"github.com/council/intake/internal/schedule"
	"github.com/council/intake/internal/sesmail"
	"github.com/council/intake/internal/setup"
)

func main() {
	_, svc, err := setup.FromEnv(setup.SideEffectSettings, sesmail.Wire, schedule.Wire, s3blobs.Wire)
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start((&notify.Handler{Service: svc, Log: svc.Log}).Handle)
}

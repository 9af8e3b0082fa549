// Command notifier is the Lambda function fed by the case table's stream: it sends the
// acknowledgement and assignment emails and creates the deadline schedules; and it emails each
// sign-in link the officer function sealed into its link item (internal/kmsseal opens it).
package main

import (
	"log"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/council/intake/internal/kmsseal"
	"github.com/council/intake/internal/notify"
	"github.com/council/intake/internal/s3blobs"
	"github.com/council/intake/internal/schedule"
	"github.com/council/intake/internal/sesmail"
	"github.com/council/intake/internal/setup"
)

func main() {
	svc, links, err := setup.NotifierFromEnv(sesmail.Wire, schedule.Wire, s3blobs.Wire, kmsseal.Wire)
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start((&notify.Handler{Service: svc, Links: links, Log: svc.Log}).Handle)
}

// Command email is the Lambda function fed by the inbound-mail bucket: SES stores each message
// it receives for Intake there, and this function turns it into a case or a follow-up on one.
// The notifier, on the table's stream, then acknowledges it and tells the officer.
package main

import (
	"log"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/council/intake/internal/mailin"
	"github.com/council/intake/internal/mailparse"
	"github.com/council/intake/internal/s3blobs"
	"github.com/council/intake/internal/setup"
)

func main() {
	cfg, svc, err := setup.FromEnv(setup.EmailSettings, s3blobs.Wire)
	if err != nil {
		log.Fatal(err)
	}
	r := &mailin.Receiver{Blobs: svc.Blobs, Service: svc, Bucket: cfg.MailBucket, Limits: mailparse.DefaultLimits(), Log: svc.Log}
	lambda.Start(r.HandleS3)
}

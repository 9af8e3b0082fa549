// Command importer is the Lambda function fed by the uploads of past cases: the console has the
// browser upload the file straight to S3 (imports/), and this function imports it in the
// background, recording its progress on the import job for the console's import page.
package main

import (
	"log"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/council/intake/internal/casesimport"
	"github.com/council/intake/internal/s3blobs"
	"github.com/council/intake/internal/setup"
)

func main() {
	cfg, svc, err := setup.FromEnv(setup.ImportSettings, s3blobs.Wire)
	if err != nil {
		log.Fatal(err)
	}
	r, err := casesimport.NewRunner(svc, cfg.MailBucket)
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(r.HandleS3)
}

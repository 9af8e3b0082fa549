// Command webform is the Lambda function behind the public web form and POST /v1/feedback,
// served through the HTTP API (payload v2). It stores each case; the notifier does the rest.
package main

import (
	"log"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
	"github.com/council/intake/internal/setup"
	"github.com/council/intake/internal/web"
)

func main() {
	_, svc, err := setup.FromEnv(setup.WebFormSettings)
	if err != nil {
		log.Fatal(err)
	}
	h := &web.Handler{Service: svc, Log: svc.Log}
	lambda.Start(httpadapter.NewV2(h.FormRoutes()).ProxyWithContext)
}

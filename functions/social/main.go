// Command social is the Lambda function behind POST /v1/social and
// POST /v1/social/{reference}/acknowledged, served through the HTTP API (payload v2): social-media
// monitoring tools forward posts, signed with their secret. It stores each case; the notifier
// does the rest.
package main

import (
	"log"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
	"github.com/council/intake/internal/setup"
	"github.com/council/intake/internal/web"
)

func main() {
	cfg, svc, err := setup.FromEnv(setup.SocialSettings)
	if err != nil {
		log.Fatal(err)
	}
	secrets, _ := cfg.MonitorSecrets() // validated by Load
	h := &web.Social{Service: svc, Secrets: secrets, Log: svc.Log}
	lambda.Start(httpadapter.NewV2(h.Routes()).ProxyWithContext)
}

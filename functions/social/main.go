// Command social is the Lambda function behind POST /v1/social and
// POST /v1/social/{reference}/acknowledged, served through the HTTP API (payload v2): social-media
// monitoring tools forward posts, signed with their secret. It stores each case; the notifier
// does the rest.
package main

import (
	"context"
	"log"
	"net/http"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
	"github.com/council/intake/internal/setup"
	"github.com/council/intake/internal/ssmparam"
	"github.com/council/intake/internal/web"
)

func main() {
	cfg, svc, err := setup.FromEnv(setup.SocialSettings)
	if err != nil {
		log.Fatal(err)
	}
	// The routes are built on the first request, which reads the signing secrets from SSM.
	routes := web.Deferred(svc.Log, func(ctx context.Context) (http.Handler, error) {
		secrets, err := setup.SocialSecrets(ctx, cfg, ssmparam.Read)
		if err != nil {
			return nil, err
		}
		h := &web.Social{Service: svc, Secrets: secrets, Log: svc.Log}
		return h.Routes(), nil
	})
	lambda.Start(httpadapter.NewV2(routes).ProxyWithContext)
}

// Command officer is the Lambda function behind the officer console (/officer…, signed in by
// emailed link and session cookie) and the officer JSON API (/v1/cases…, behind the HTTP API's
// JWT authoriser), served through the HTTP API (payload v2). An officer's action is recorded
// on the case with its side effects (letters, schedules); the notifier, on the table's stream,
// carries them out, so nothing here sends them (AfterCommit is nil). Nor are sign-in links sent
// from here: each link's email is sealed into its link item (internal/kmsseal) and the notifier
// sends it from the stream, after this function has answered, so that asking for a link costs
// the same for any address.
package main

import (
	"context"
	"log"
	"net/http"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
	"github.com/council/intake/internal/kmsseal"
	"github.com/council/intake/internal/s3blobs"
	"github.com/council/intake/internal/setup"
	"github.com/council/intake/internal/ssmparam"
	"github.com/council/intake/internal/web"
)

func main() {
	// Sign-in links are sealed for the notifier; a case's files are downloaded and erased from
	// its page.
	o, err := setup.OfficerFromEnv(ssmparam.Read, kmsseal.Wire, s3blobs.Wire)
	if err != nil {
		log.Fatal(err)
	}
	// The routes are built on the first request, which reads the session key from SSM.
	lambda.Start(httpadapter.NewV2(web.Deferred(o.Service.Log, func(ctx context.Context) (http.Handler, error) {
		signIn, err := o.SignIn(ctx)
		if err != nil {
			return nil, err
		}
		officer := web.Officer{Service: o.Service, SignIn: signIn, Bearer: web.JWTClaims(o.Service.Staff, o.TrustedEmailClaim), Secure: true, Log: o.Service.Log}
		return web.OfficerRoutes(officer.Handlers()), nil
	})).ProxyWithContext)
}

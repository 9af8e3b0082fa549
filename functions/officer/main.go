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
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
	"github.com/council/intake/internal/casesimport"
	"github.com/council/intake/internal/feedback"
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
		officer := web.Officer{Service: o.Service, SignIn: signIn, Bearer: web.JWTClaims(o.Service.Staff, o.TrustedEmailClaim), Secure: true,
			Imports: imports(o.Service), Log: o.Service.Log}
		return web.OfficerRoutes(officer.Handlers()), nil
	})).ProxyWithContext)
}

// uploadTTL is how long an import's upload form stays good: time to find the file and send it.
const uploadTTL = time.Hour

// imports has the console import past cases in the background: the browser uploads the file
// straight to the bucket with a form this function signs (so no request through it carries
// the file), and the importer function, fed by the bucket, imports it. Nil, with no bucket or a
// store that keeps no import jobs: the console then imports in the request, as before.
func imports(svc *feedback.Service) *web.Imports {
	bucket, ok := svc.Blobs.(*s3blobs.Bucket)
	jobs, isJobs := svc.Store.(feedback.ImportJobStore)
	if !ok || !isJobs {
		return nil
	}
	return &web.Imports{Jobs: jobs, Presign: func(ctx context.Context, key, redirect string) (web.UploadForm, error) {
		f, err := bucket.PresignedUpload(ctx, key, redirect, casesimport.MaxFileBytes, svc.Clock.Now(), uploadTTL)
		if err != nil {
			return web.UploadForm{}, err
		}
		out := web.UploadForm{URL: f.URL}
		for _, field := range f.Fields {
			out.Fields = append(out.Fields, web.UploadField{Name: field.Name, Value: field.Value})
		}
		return out, nil
	}}
}

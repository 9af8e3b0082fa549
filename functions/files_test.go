package functions_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/dynamo"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/lambdatest"
	"github.com/council/intake/internal/mototest"
)

// TestFunctions_OfficerDownloadsLargeFile is issue 26's point 4 through the built officer
// function on moto: a file larger than a Lambda response may be (6 MB) is downloaded from the
// console. The function authorises the officer as for any page, then answers 303 to a
// five-minute link to the object, signed with its own credentials, which downloads the file
// straight from S3 (through the policy check: the link is a GetObject the function's role must
// be allowed).
func TestFunctions_OfficerDownloadsLargeFile(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := newStack(t)
	const ref = "FB-2026-000901"
	key := "cases/" + ref + "/0a1b2c/1-survey scan.pdf"
	body := make([]byte, lambdatest.MaxResponse+2<<20)
	for i := range body {
		body[i] = byte(i * 31)
	}
	s3c := s3.NewFromConfig(mototest.Config(), func(o *s3.Options) { o.BaseEndpoint = aws.String(s.endpoint); o.UsePathStyle = true })
	if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(mailBucket), Key: aws.String(key), Body: bytes.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	c := &feedback.Case{Ref: ref, Kind: feedback.KindComplaint, Channel: feedback.ChannelEmail, Status: feedback.StatusOpen,
		Stage: feedback.Stage1, ServiceArea: "bins-and-recycling", Message: "The survey is attached.",
		Contact:    feedback.Contact{Name: "Ada Resident", Email: "ada.resident@example.com"},
		ReceivedAt: now, Attachments: []string{key}, CreatedAt: now, UpdatedAt: now}
	if err := dynamo.New(s.db, s.table, clock.NewFixed(now)).Create(ctx, c); err != nil {
		t.Fatal(err)
	}

	b := &console{t: t, ctx: ctx, officer: s.start(t, "officer"), cookies: map[string]string{}}
	b.signIn(s, s.start(t, "notifier"), "waste.team@example.gov.uk")
	resp := b.do("GET", "/officer/cases/"+ref+"/files/1", nil)
	link := resp.Headers["Location"]
	if resp.StatusCode != http.StatusSeeOther || link == "" {
		t.Fatalf("GET the file = %d (Location %q); want 303 to a link", resp.StatusCode, link)
	}
	if cc := resp.Headers["Cache-Control"]; !strings.Contains(cc, "no-store") {
		t.Errorf("the redirect's Cache-Control = %q; want no-store, so the link is not kept", cc)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if q.Get("X-Amz-Expires") != "300" || q.Get("response-content-type") != "application/octet-stream" ||
		!strings.HasPrefix(q.Get("response-content-disposition"), "attachment;") || !strings.Contains(q.Get("response-content-disposition"), "survey scan.pdf") {
		t.Errorf("the link %s is not a five-minute download as an attachment named after the file", link)
	}
	got, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Body.Close()
	fetched, _ := io.ReadAll(got.Body)
	if got.StatusCode != http.StatusOK || !bytes.Equal(fetched, body) {
		t.Fatalf("the link answered %d with %d bytes; want 200 and the %d bytes stored", got.StatusCode, len(fetched), len(body))
	}
}

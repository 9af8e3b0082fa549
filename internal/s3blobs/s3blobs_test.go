package s3blobs_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/feedback/blobtest"
	"github.com/council/intake/internal/mototest"
	"github.com/council/intake/internal/s3blobs"
)

func TestMain(m *testing.M) { os.Exit(mototest.Main(m)) }

var buckets atomic.Int64

// newBucket returns a store over a new, empty bucket on moto_server, with the client and the
// bucket's name for looking behind its back.
func newBucket(t *testing.T) (*s3blobs.Bucket, *s3.Client, string) {
	t.Helper()
	url := mototest.Endpoint(t)
	client := s3.NewFromConfig(mototest.Config(), func(o *s3.Options) {
		o.BaseEndpoint = aws.String(url)
		o.UsePathStyle = true
	})
	name := fmt.Sprintf("intake-blobs-%d-%d", time.Now().UnixNano(), buckets.Add(1))
	_, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{
		Bucket: aws.String(name),
		// Outside us-east-1, S3 (and moto) refuse a bucket without its region.
		CreateBucketConfiguration: &types.CreateBucketConfiguration{
			LocationConstraint: types.BucketLocationConstraint(mototest.Region),
		},
	})
	if err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	// Through a front that holds presigned links to S3's checks, which moto skips.
	return s3blobs.New(withEndpoint(mototest.S3Front(t, url)), name), client, name
}

// withEndpoint is the tests' SDK configuration pointed at moto_server.
func withEndpoint(url string) aws.Config {
	cfg := mototest.Config()
	cfg.BaseEndpoint = aws.String(url)
	return cfg
}

func TestBucket_Conformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) feedback.Blobs {
		b, _, _ := newBucket(t)
		return b
	})
}

func TestBucket_Put(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name        string
		contentType string
		want        string
	}{
		{"raw email", "message/rfc822", "message/rfc822"},
		{"pdf", "application/pdf", "application/pdf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, client, bucket := newBucket(t)
			key := "inbound/2026/abc.eml"
			if err := b.Put(ctx, key, []byte("x"), tt.contentType); err != nil {
				t.Fatal(err)
			}
			head, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
			if err != nil {
				t.Fatalf("head object: %v", err)
			}
			if got := aws.ToString(head.ContentType); got != tt.want {
				t.Errorf("Content-Type = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestBucket_Get(t *testing.T) {
	ctx := context.Background()
	_, _, bucket := newBucket(t)
	tests := []struct {
		name   string
		bucket string
		want   string
	}{
		// A missing object is an answer; a missing bucket is a misconfiguration and must be loud.
		{"missing object", bucket, feedback.ENOTFOUND},
		{"missing bucket", bucket + "-absent", feedback.EINTERNAL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s3blobs.New(withEndpoint(mototest.Endpoint(t)), tt.bucket).Get(ctx, "inbound/absent.eml")
			if got := feedback.ErrorCode(err); got != tt.want {
				t.Errorf("Get: error %v (code %s), want code %s", err, got, tt.want)
			}
		})
	}
}

func TestBucket_MarkUnmatched(t *testing.T) {
	ctx := context.Background()
	b, client, name := newBucket(t)
	if err := b.Put(ctx, "inbound/auto-reply-1", []byte("I am out of the office."), "message/rfc822"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // tagging again is harmless
		if err := b.MarkUnmatched(ctx, "inbound/auto-reply-1"); err != nil {
			t.Fatal(err)
		}
	}
	out, err := client.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(name), Key: aws.String("inbound/auto-reply-1")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.TagSet) != 1 || aws.ToString(out.TagSet[0].Key)+"="+aws.ToString(out.TagSet[0].Value) != s3blobs.UnmatchedTag {
		t.Errorf("tags = %+v; want only %s", out.TagSet, s3blobs.UnmatchedTag)
	}
	if err := b.MarkUnmatched(ctx, "../escape"); feedback.ErrorCode(err) != feedback.EINVALID {
		t.Errorf("MarkUnmatched of a bad key = %v; want %s", err, feedback.EINVALID)
	}
}

// TestBucket_Link: what a link asks S3 to answer with, which moto ignores (S3 applies the
// response-* parameters, signed with the rest): a download of a type no browser renders, under
// the file's own name, made at the given instant for the given time.
func TestBucket_Link(t *testing.T) {
	cfg := mototest.Config()
	b := s3blobs.New(cfg, "intake-mail-abc")
	at := time.Date(2026, 11, 3, 10, 4, 5, 0, time.UTC)
	tests := []struct {
		filename, wantDisposition string
	}{
		{"survey scan.pdf", `attachment; filename="survey scan.pdf"`},
		{`a"b\c.pdf`, `attachment; filename="a\"b\\c.pdf"`},
		{"plán.pdf", `attachment; filename*=utf-8''pl%C3%A1n.pdf`},
	}
	for _, tt := range tests {
		t.Run(tt.filename, func(t *testing.T) {
			link, err := b.Link(context.Background(), "cases/FB-2026-000001/ab/1-x.pdf", feedback.BlobLink{At: at, TTL: 5 * time.Minute, Filename: tt.filename})
			if err != nil {
				t.Fatal(err)
			}
			u, err := url.Parse(link)
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			for k, want := range map[string]string{
				"response-content-type": "application/octet-stream", "response-content-disposition": tt.wantDisposition,
				"response-cache-control": "private, no-store", "X-Amz-Expires": "300", "X-Amz-Date": "20261103T100405Z",
			} {
				if got := q.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if u.Scheme != "https" || u.Host != "intake-mail-abc.s3.eu-west-2.amazonaws.com" || u.EscapedPath() != "/cases/FB-2026-000001/ab/1-x.pdf" {
				t.Errorf("link %s is not to the object in the bucket", link)
			}
		})
	}
}

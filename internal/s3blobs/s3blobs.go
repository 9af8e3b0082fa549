// Package s3blobs keeps feedback.Blobs as objects in one S3 bucket: where SES receipt rules put
// the raw inbound mail, and where the retention handler deletes it from. It takes a ready
// client and never loads AWS configuration of its own.
package s3blobs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/council/intake/internal/config"
	"github.com/council/intake/internal/feedback"
)

// Bucket is a feedback.Blobs kept in one S3 bucket. It is safe for concurrent use.
type Bucket struct {
	// The client's methods the bucket calls, held one by one rather than as the client, so
	// that reflection cannot reach the client's other operations (see dynamo's operations).
	putObject        func(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	getObject        func(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	deleteObject     func(context.Context, *s3.DeleteObjectInput, ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
	putObjectTagging func(context.Context, *s3.PutObjectTaggingInput, ...func(*s3.Options)) (*s3.PutObjectTaggingOutput, error)
	bucket           string
}

var _ feedback.Blobs = (*Bucket)(nil)

// New returns the store kept in the named bucket, reached through client.
func New(client *s3.Client, bucket string) *Bucket {
	return &Bucket{putObject: client.PutObject, getObject: client.GetObject, deleteObject: client.DeleteObject,
		putObjectTagging: client.PutObjectTagging, bucket: bucket}
}

// Put stores body as the object key with the given content type, replacing any object there.
func (b *Bucket) Put(ctx context.Context, key string, body []byte, contentType string) error {
	if err := feedback.CheckBlobKey(key); err != nil {
		return err
	}
	in := &s3.PutObjectInput{
		Bucket:        aws.String(b.bucket),
		Key:           aws.String(key),
		Body:          bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))),
	}
	if contentType != "" {
		in.ContentType = aws.String(contentType)
	}
	if _, err := b.putObject(ctx, in); err != nil {
		return fmt.Errorf("s3blobs: put object (%d bytes): %w", len(body), err)
	}
	return nil
}

// Get returns the bytes of the object key, or ENOTFOUND.
func (b *Bucket) Get(ctx context.Context, key string) ([]byte, error) {
	if err := feedback.CheckBlobKey(key); err != nil {
		return nil, err
	}
	out, err := b.getObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b.bucket), Key: aws.String(key)})
	if isNotFound(err) {
		return nil, feedback.Errorf(feedback.ENOTFOUND, "no stored object with that key")
	}
	if err != nil {
		return nil, fmt.Errorf("s3blobs: get object: %w", err)
	}
	defer out.Body.Close()
	body, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, fmt.Errorf("s3blobs: get object: read body: %w", err)
	}
	return body, nil
}

// Delete removes the object key. S3 itself treats deleting a missing object as success.
func (b *Bucket) Delete(ctx context.Context, key string) error {
	if err := feedback.CheckBlobKey(key); err != nil {
		return err
	}
	_, err := b.deleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(b.bucket), Key: aws.String(key)})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("s3blobs: delete object: %w", err)
	}
	return nil
}

// UnmatchedTag is the object tag (key=value) that the bucket's expire-unmatched-mail lifecycle
// rule in template.yaml expires: inbound mail that never became part of a case.
const UnmatchedTag = "intake-retention=unmatched"

// MarkUnmatched tags the object key as mail that never became part of a case, so that the
// bucket's lifecycle rule expires it; mail of a case is never tagged and goes with its case.
func (b *Bucket) MarkUnmatched(ctx context.Context, key string) error {
	if err := feedback.CheckBlobKey(key); err != nil {
		return err
	}
	k, v, _ := strings.Cut(UnmatchedTag, "=")
	_, err := b.putObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String(b.bucket), Key: aws.String(key),
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String(k), Value: aws.String(v)}}}})
	if err != nil {
		return fmt.Errorf("s3blobs: tag object unmatched: %w", err)
	}
	return nil
}

// isNotFound reports whether err says the object does not exist. GetObject answers NoSuchKey;
// without s3:ListBucket permission S3 answers 403 instead, which is deliberately not treated
// as missing, so that a permissions mistake is loud.
func isNotFound(err error) bool {
	var nsk *types.NoSuchKey
	if errors.As(err, &nsk) {
		return true
	}
	var nf *types.NotFound
	if errors.As(err, &nf) {
		return true
	}
	var api smithy.APIError
	return errors.As(err, &api) && (api.ErrorCode() == "NoSuchKey" || api.ErrorCode() == "NotFound")
}

// Wire gives svc the bucket INTAKE_MAIL_BUCKET names for raw mail and case files, if it names
// one: a setup.Adapter, named by the functions that keep or read them.
func Wire(svc *feedback.Service, cfg *config.Config, awsCfg aws.Config) error {
	if cfg.MailBucket != "" {
		svc.Blobs = New(s3.NewFromConfig(awsCfg), cfg.MailBucket)
	}
	return nil
}

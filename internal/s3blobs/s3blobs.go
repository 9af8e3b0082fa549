// Package s3blobs keeps feedback.Blobs as objects in one S3 bucket: where SES receipt rules put
// the raw inbound mail, and where the retention handler deletes it from. It takes the SDK's
// configuration ready made and never loads AWS configuration of its own.
//
// It makes its four requests (put, get, delete, tag an object) over S3's REST API itself, and
// signs its download links itself (awsapi), rather than through the SDK's S3 client or
// presign client: that client's
// constructor hands the client to an interface (for S3 Express sessions), and in a program that
// also links html/template's reflective method lookup (the officer function) that keeps every
// one of S3's hundred-odd operations, some 4.5 MiB of its 15 MiB budget.
package s3blobs

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/council/intake/internal/awsapi"
	"github.com/council/intake/internal/config"
	"github.com/council/intake/internal/feedback"
)

// Bucket is a feedback.Blobs kept in one S3 bucket. It is safe for concurrent use.
type Bucket struct {
	cfg aws.Config
	// base is the bucket's address, with a trailing slash: virtual-hosted on AWS, path-style
	// under a configured endpoint (moto in tests).
	base string
}

var (
	_ feedback.Blobs      = (*Bucket)(nil)
	_ feedback.BlobLinker = (*Bucket)(nil)
)

// New returns the store kept in the named bucket, reached with awsCfg's region, credentials,
// HTTP client and endpoint (BaseEndpoint, when set, is used path-style: moto in tests).
func New(awsCfg aws.Config, bucket string) *Bucket {
	b := &Bucket{cfg: awsCfg}
	switch {
	case awsCfg.BaseEndpoint != nil:
		b.base = strings.TrimRight(*awsCfg.BaseEndpoint, "/") + "/" + bucket + "/"
	case strings.Contains(bucket, "."):
		// S3's certificate covers one label before .s3: a dotted name goes in the path.
		b.base = "https://s3." + awsCfg.Region + ".amazonaws.com/" + bucket + "/"
	default:
		b.base = "https://" + bucket + ".s3." + awsCfg.Region + ".amazonaws.com/"
	}
	return b
}

// Put stores body as the object key with the given content type, replacing any object there.
func (b *Bucket) Put(ctx context.Context, key string, body []byte, contentType string) error {
	if err := feedback.CheckBlobKey(key); err != nil {
		return err
	}
	h := http.Header{}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	if _, err := b.do(ctx, http.MethodPut, key, "", h, body); err != nil {
		return fmt.Errorf("s3blobs: put object (%d bytes): %w", len(body), err)
	}
	return nil
}

// Get returns the bytes of the object key, or ENOTFOUND.
func (b *Bucket) Get(ctx context.Context, key string) ([]byte, error) {
	if err := feedback.CheckBlobKey(key); err != nil {
		return nil, err
	}
	body, err := b.do(ctx, http.MethodGet, key, "", nil, nil)
	if isNotFound(err) {
		return nil, feedback.Errorf(feedback.ENOTFOUND, "no stored object with that key")
	}
	if err != nil {
		return nil, fmt.Errorf("s3blobs: get object: %w", err)
	}
	return body, nil
}

// Delete removes the object key. S3 itself treats deleting a missing object as success.
func (b *Bucket) Delete(ctx context.Context, key string) error {
	if err := feedback.CheckBlobKey(key); err != nil {
		return err
	}
	if _, err := b.do(ctx, http.MethodDelete, key, "", nil, nil); err != nil && !isNotFound(err) {
		return fmt.Errorf("s3blobs: delete object: %w", err)
	}
	return nil
}

// Link returns a presigned GET of the object key, made at l.At and good for l.TTL, signed with
// the bucket's credentials (so whoever holds it may read that one object, as they may, until
// it expires). S3 answers it with the object as an attachment named l.Filename, of type
// application/octet-stream, not to be stored by caches: the response-* parameters, which are
// signed with the rest.
func (b *Bucket) Link(ctx context.Context, key string, l feedback.BlobLink) (string, error) {
	if err := feedback.CheckBlobKey(key); err != nil {
		return "", err
	}
	q := url.Values{
		"response-content-type":        {"application/octet-stream"},
		"response-content-disposition": {mime.FormatMediaType("attachment", map[string]string{"filename": l.Filename})},
		"response-cache-control":       {"private, no-store"},
	}
	link, err := awsapi.Presign(ctx, b.cfg, awsapi.Request{Service: "s3", Method: http.MethodGet,
		URL: b.base + escapeKey(key) + "?" + q.Encode(), SignPathAsSent: true}, l.At, l.TTL)
	if err != nil {
		return "", fmt.Errorf("s3blobs: link object: %w", err)
	}
	return link, nil
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
	tagging, _ := xml.Marshal(tagging{TagSet: []tag{{Key: k, Value: v}}})
	// S3 requires the tag set's MD5.
	sum := md5.Sum(tagging)
	h := http.Header{"Content-Md5": {base64.StdEncoding.EncodeToString(sum[:])}, "Content-Type": {"application/xml"}}
	if _, err := b.do(ctx, http.MethodPut, key, "tagging", h, tagging); err != nil {
		return fmt.Errorf("s3blobs: tag object unmatched: %w", err)
	}
	return nil
}

// isNotFound reports whether err says the object does not exist. GetObject answers NoSuchKey;
// without s3:ListBucket permission S3 answers 403 instead, which is deliberately not treated
// as missing, so that a permissions mistake is loud.
func isNotFound(err error) bool {
	var e *s3Error
	return errors.As(err, &e) && (e.Code == "NoSuchKey" || e.Code == "NotFound")
}

type tagging struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ Tagging"`
	TagSet  []tag    `xml:"TagSet>Tag"`
}

type tag struct{ Key, Value string }

// s3Error is the error document S3 answers a failed request with.
type s3Error struct {
	Status    int    `xml:"-"`
	Code      string `xml:"Code"`
	Message   string `xml:"Message"`
	RequestID string `xml:"RequestId"`
}

func (e *s3Error) Error() string {
	return fmt.Sprintf("S3 answered %d %s: %s (request id %s)", e.Status, e.Code, e.Message, e.RequestID)
}

// do makes the request method on the object key (with the query subresource, if any) and
// returns the answer's body, or S3's error.
func (b *Bucket) do(ctx context.Context, method, key, subresource string, h http.Header, body []byte) ([]byte, error) {
	url := b.base + escapeKey(key)
	if subresource != "" {
		url += "?" + subresource
	}
	// The key is escaped once, as S3 expects, and signed as sent.
	resp, err := awsapi.Do(ctx, b.cfg, awsapi.Request{Service: "s3", Method: method, URL: url, Header: h, Body: body, SignPathAsSent: true},
		func(r *awsapi.Response) bool { return answerError(method, r).Code == "SlowDown" })
	if err != nil {
		return nil, err
	}
	if resp.Status/100 != 2 {
		return nil, answerError(method, resp)
	}
	return resp.Body, nil
}

// answerError is the error S3 answered with.
func answerError(method string, r *awsapi.Response) *s3Error {
	e := &s3Error{Status: r.Status}
	if xml.Unmarshal(r.Body, e) != nil || e.Code == "" {
		e.Code = http.StatusText(r.Status)
		if r.Status == http.StatusNotFound && method != http.MethodGet {
			e.Code = "NotFound"
		}
	}
	if e.RequestID == "" {
		e.RequestID = r.Header.Get("X-Amz-Request-Id")
	}
	return e
}

// escapeKey is key as the path of its URL: every byte but the unreserved characters and the
// slash percent-encoded, which is also how SigV4 wants S3's path signed.
func escapeKey(key string) string {
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		c := key[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("-._~/", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// Wire gives svc the bucket INTAKE_MAIL_BUCKET names for raw mail and case files, if it names
// one: a setup.Adapter, named by the functions that keep or read them.
func Wire(svc *feedback.Service, cfg *config.Config, awsCfg aws.Config) error {
	if cfg.MailBucket != "" {
		svc.Blobs = New(awsCfg, cfg.MailBucket)
	}
	return nil
}

// ObjectKeys returns the keys of the objects an S3 event notification names in bucket (in any
// bucket when bucket is ""), decoded (S3 event keys are URL-encoded, spaces as '+'), and an
// error for each record it cannot use: one from another bucket, or a key that does not decode.
// what names the caller in the errors.
func ObjectKeys(ev events.S3Event, bucket, what string) (keys []string, errs []error) {
	for _, rec := range ev.Records {
		if bucket != "" && rec.S3.Bucket.Name != bucket {
			errs = append(errs, fmt.Errorf("%s: event for bucket %q, but this function reads %q", what, rec.S3.Bucket.Name, bucket))
			continue
		}
		key, err := url.QueryUnescape(rec.S3.Object.Key)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: object key %q: %w", what, rec.S3.Object.Key, err))
			continue
		}
		keys = append(keys, key)
	}
	return keys, errs
}

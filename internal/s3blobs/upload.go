package s3blobs

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/council/intake/internal/feedback"
)

// UploadForm is what an HTML form needs for a browser to upload one object straight to the
// bucket (S3's POST Object, with a policy signed here): its action, and its hidden fields in
// order. The file field comes after them, last, as S3 requires. No JavaScript is needed, and the
// file never passes through a Lambda function or its request limits.
type UploadForm struct {
	URL    string
	Fields []FormField
}

// FormField is one hidden field of an UploadForm.
type FormField struct{ Name, Value string }

// PresignedUpload returns the form that lets a browser upload at most maxBytes as the object
// key until now+ttl, after which S3 sends the browser to redirect (success_action_redirect). The
// policy admits that key, that size and that redirect only, and is signed with the function's
// credentials: they must allow s3:PutObject on the key.
func (b *Bucket) PresignedUpload(ctx context.Context, key, redirect string, maxBytes int64, now time.Time, ttl time.Duration) (UploadForm, error) {
	if err := feedback.CheckBlobKey(key); err != nil {
		return UploadForm{}, err
	}
	if b.cfg.Credentials == nil {
		return UploadForm{}, fmt.Errorf("s3blobs: presign upload of %s: no credentials", key)
	}
	creds, err := b.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return UploadForm{}, fmt.Errorf("s3blobs: presign upload of %s: %w", key, err)
	}
	now = now.UTC()
	day := now.Format("20060102")
	scope := day + "/" + b.cfg.Region + "/s3/aws4_request"
	fields := []FormField{
		{"key", key},
		{"success_action_redirect", redirect},
		{"x-amz-algorithm", "AWS4-HMAC-SHA256"},
		{"x-amz-credential", creds.AccessKeyID + "/" + scope},
		{"x-amz-date", now.Format("20060102T150405Z")},
	}
	if creds.SessionToken != "" {
		fields = append(fields, FormField{"x-amz-security-token", creds.SessionToken})
	}
	conditions := []any{map[string]string{"bucket": b.bucketName()}, []any{"content-length-range", 0, maxBytes}}
	for _, f := range fields {
		conditions = append(conditions, map[string]string{f.Name: f.Value})
	}
	doc, err := json.Marshal(map[string]any{"expiration": now.Add(ttl).Format("2006-01-02T15:04:05.000Z"), "conditions": conditions})
	if err != nil {
		return UploadForm{}, fmt.Errorf("s3blobs: presign upload of %s: %w", key, err)
	}
	policy := base64.StdEncoding.EncodeToString(doc)
	signingKey := []byte("AWS4" + creds.SecretAccessKey)
	for _, part := range []string{day, b.cfg.Region, "s3", "aws4_request"} {
		signingKey = hmacSHA256(signingKey, part)
	}
	fields = append(fields, FormField{"policy", policy}, FormField{"x-amz-signature", hex.EncodeToString(hmacSHA256(signingKey, policy))})
	return UploadForm{URL: b.base, Fields: fields}, nil
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// bucketName is the bucket's name, from its address: the first label of a virtual-hosted
// address, or the last segment of a path-style one.
func (b *Bucket) bucketName() string {
	u, err := url.Parse(b.base)
	if err != nil {
		return ""
	}
	if path := strings.Trim(u.Path, "/"); path != "" {
		return path[strings.LastIndexByte(path, '/')+1:]
	}
	name, _, _ := strings.Cut(u.Host, ".s3.")
	return name
}

// Package awsapi makes a request of an AWS service's HTTP API without the SDK's client for that
// service: signed with the SDK's SigV4 signer, with the region, credentials and HTTP client of
// the SDK configuration it is given, and tried again as the SDK's standard retryer would (server
// errors, throttling, lost connections; three attempts in all). s3blobs and ssmparam use it
// where the SDK's client would cost more than the few calls they make (see each).
package awsapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Request is one call of a service's API.
type Request struct {
	// Service is the name requests to the service are signed for: "s3", "ssm".
	Service string
	Method  string
	// URL is the whole address, its path escaped as it is to be sent.
	URL    string
	Header http.Header
	Body   []byte
	// SignPathAsSent signs the path as it is sent rather than escaping it again, as S3 wants.
	SignPathAsSent bool
}

// Response is the service's answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Attempts is how often a request is made before a server error, throttling or a lost
// connection is given up on.
const Attempts = 3

// defaultClient serves a configuration with no HTTP client of its own (Lambda's).
var defaultClient = &http.Client{Timeout: 30 * time.Second}

// Do sends r and returns the service's answer, whatever its status. An answer with a server
// error (5xx), or one that throttled says is throttling, is tried again, as is a lost connection;
// throttled may be nil.
func Do(ctx context.Context, cfg aws.Config, r Request, throttled func(*Response) bool) (*Response, error) {
	for attempt := 1; ; attempt++ {
		resp, err := once(ctx, cfg, r)
		retry := err != nil && ctx.Err() == nil ||
			err == nil && (resp.Status >= 500 || resp.Status/100 != 2 && throttled != nil && throttled(resp))
		if !retry || attempt == Attempts {
			return resp, err
		}
		select {
		case <-ctx.Done():
			return resp, err
		case <-time.After(time.Duration(attempt*attempt) * 50 * time.Millisecond):
		}
	}
}

// MaxLinkTTL is the longest a presigned link may last: SigV4's limit.
const MaxLinkTTL = 7 * 24 * time.Hour

// Presign returns r's URL signed in its query string (SigV4's presigned form) at the instant
// at and good for ttl after it: whoever holds it may make that one request until then, with
// the permissions of cfg's credentials (and no longer than they last). The body is not signed
// (S3's UNSIGNED-PAYLOAD), so it suits a GET. Nothing is sent.
func Presign(ctx context.Context, cfg aws.Config, r Request, at time.Time, ttl time.Duration) (string, error) {
	if ttl < time.Second || ttl > MaxLinkTTL {
		return "", fmt.Errorf("%s: presign: a link lasts between a second and %v, not %v", r.Service, MaxLinkTTL, ttl)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL, nil)
	if err != nil {
		return "", err
	}
	q := req.URL.Query()
	q.Set("X-Amz-Expires", strconv.Itoa(int(ttl/time.Second)))
	req.URL.RawQuery = q.Encode()
	if cfg.Credentials == nil {
		return "", fmt.Errorf("%s: no credentials configured", r.Service)
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return "", fmt.Errorf("credentials: %w", err)
	}
	link, _, err := v4.NewSigner().PresignHTTP(ctx, creds, req, "UNSIGNED-PAYLOAD", r.Service, cfg.Region, at.UTC(), func(o *v4.SignerOptions) {
		o.DisableURIPathEscaping = r.SignPathAsSent
	})
	if err != nil {
		return "", fmt.Errorf("presign: %w", err)
	}
	return link, nil
}

func once(ctx context.Context, cfg aws.Config, r Request) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		return nil, err
	}
	for k, v := range r.Header {
		req.Header[k] = v
	}
	req.ContentLength = int64(len(r.Body))
	sum := sha256.Sum256(r.Body)
	payload := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", payload)
	if cfg.Credentials == nil {
		return nil, fmt.Errorf("%s: no credentials configured", r.Service)
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	err = v4.NewSigner().SignHTTP(ctx, creds, req, payload, r.Service, cfg.Region, time.Now().UTC(), func(o *v4.SignerOptions) {
		o.DisableURIPathEscaping = r.SignPathAsSent
	})
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	client := cfg.HTTPClient
	if client == nil {
		client = defaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("read answer: %w", err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

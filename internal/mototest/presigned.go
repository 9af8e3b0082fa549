package mototest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// IsPresigned reports whether r is signed in its query string: a presigned link.
func IsPresigned(r *http.Request) bool { return r.URL.Query().Has("X-Amz-Signature") }

// CheckPresigned holds a request made with a presigned S3 link to what S3 checks and moto does
// not: that the signature is right for the request as it arrived (signed with Config's secret)
// and that the link has not expired at now. S3 refuses either with 403 AccessDenied.
func CheckPresigned(r *http.Request, now time.Time) error {
	q := r.URL.Query()
	scope := strings.Split(q.Get("X-Amz-Credential"), "/") // key id, date, region, service, aws4_request
	if len(scope) != 5 || q.Get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" {
		return errors.New("the link is not signed with SigV4")
	}
	at, err := time.Parse("20060102T150405Z", q.Get("X-Amz-Date"))
	if err != nil {
		return fmt.Errorf("the link's X-Amz-Date: %w", err)
	}
	ttl, err := strconv.Atoi(q.Get("X-Amz-Expires"))
	if err != nil || ttl < 1 || ttl > 7*24*3600 {
		return fmt.Errorf("the link's X-Amz-Expires %q is not between 1 and 604800 seconds", q.Get("X-Amz-Expires"))
	}
	if now.After(at.Add(time.Duration(ttl) * time.Second)) {
		//lint:ignore ST1005 S3's own words, as a client sees them
		return errors.New("Request has expired")
	}
	// Sign the same request again, from what arrived less the signature's own parameters.
	rest := url.Values{}
	for k, v := range q {
		switch k {
		case "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Security-Token", "X-Amz-Signature":
		default:
			rest[k] = v
		}
	}
	again, err := http.NewRequest(r.Method, "http://"+r.Host+r.URL.EscapedPath()+"?"+rest.Encode(), nil)
	if err != nil {
		return err
	}
	creds, err := Config().Credentials.Retrieve(context.Background())
	if err != nil {
		return err
	}
	creds.AccessKeyID, creds.SessionToken = scope[0], q.Get("X-Amz-Security-Token")
	signed, _, err := v4.NewSigner().PresignHTTP(context.Background(), creds, again, "UNSIGNED-PAYLOAD", scope[3], scope[2], at,
		func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	if err != nil {
		return err
	}
	u, err := url.Parse(signed)
	if err != nil {
		return err
	}
	if u.Query().Get("X-Amz-Signature") != q.Get("X-Amz-Signature") {
		//lint:ignore ST1005 S3's own words, as a client sees them
		return errors.New("The request signature we calculated does not match the signature you provided")
	}
	return nil
}

// S3Front returns the address of a proxy to the moto_server at upstream that refuses a
// presigned request as S3 would when CheckPresigned fails (403 AccessDenied), and passes on
// everything else. Point a client's BaseEndpoint at it to hold its links to S3's rules.
func S3Front(t testing.TB, upstream string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if IsPresigned(r) {
			if err := CheckPresigned(r, time.Now()); err != nil {
				w.Header().Set("Content-Type", "application/xml")
				w.WriteHeader(http.StatusForbidden)
				fmt.Fprintf(w, "<Error><Code>AccessDenied</Code><Message>%s</Message></Error>", err)
				return
			}
		}
		Forward(w, r, upstream)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// Forward sends r on to upstream, as it came, and copies the answer back to w.
func Forward(w http.ResponseWriter, r *http.Request, upstream string) {
	body, _ := io.ReadAll(r.Body)
	out, err := http.NewRequestWithContext(r.Context(), r.Method, upstream+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out.Header = r.Header.Clone()
	resp, err := http.DefaultTransport.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}

package awsapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/council/intake/internal/awsapi"
	"github.com/council/intake/internal/mototest"
)

var cfg = aws.Config{Region: "eu-west-2", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "token")}

func TestDo_signs(t *testing.T) {
	var got *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		w.Write([]byte("answer"))
	}))
	defer srv.Close()
	body := []byte(`{"Name":"/intake/session-key"}`)
	resp, err := awsapi.Do(context.Background(), cfg, awsapi.Request{Service: "s3", Method: http.MethodPut,
		URL: srv.URL + "/bucket/a%20b%2B.pdf", Header: http.Header{"Content-Type": {"application/pdf"}}, Body: body, SignPathAsSent: true}, nil)
	if err != nil || resp.Status != http.StatusOK || string(resp.Body) != "answer" {
		t.Fatalf("Do = %+v, %v", resp, err)
	}
	sum := sha256.Sum256(body)
	for h, want := range map[string]string{
		"X-Amz-Content-Sha256": hex.EncodeToString(sum[:]),
		"X-Amz-Security-Token": "token",
		"Content-Type":         "application/pdf",
	} {
		if v := got.Header.Get(h); v != want {
			t.Errorf("%s = %q, want %q", h, v, want)
		}
	}
	if auth := got.Header.Get("Authorization"); !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") || !strings.Contains(auth, "/eu-west-2/s3/aws4_request") {
		t.Errorf("Authorization = %q, want a SigV4 signature for s3 in eu-west-2", auth)
	}
	if got.URL.EscapedPath() != "/bucket/a%20b%2B.pdf" {
		t.Errorf("path sent = %q, want it as given", got.URL.EscapedPath())
	}
}

func TestDo_retries(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		throttled bool
		wantCalls int32
	}{
		{"server error", http.StatusServiceUnavailable, false, awsapi.Attempts},
		{"throttling", http.StatusBadRequest, true, awsapi.Attempts},
		{"refused", http.StatusBadRequest, false, 1},
		{"success", http.StatusOK, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				w.WriteHeader(tt.status)
			}))
			defer srv.Close()
			resp, err := awsapi.Do(context.Background(), cfg, awsapi.Request{Service: "ssm", Method: http.MethodPost, URL: srv.URL + "/"},
				func(*awsapi.Response) bool { return tt.throttled })
			if err != nil || resp.Status != tt.status {
				t.Fatalf("Do = %+v, %v; want the last answer, %d", resp, err, tt.status)
			}
			if n := calls.Load(); n != tt.wantCalls {
				t.Errorf("%d requests, want %d", n, tt.wantCalls)
			}
		})
	}
}

func TestDo_lostConnection(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	resp, err := awsapi.Do(context.Background(), cfg, awsapi.Request{Service: "ssm", Method: http.MethodPost, URL: srv.URL + "/"}, nil)
	if err != nil || string(resp.Body) != "ok" || calls.Load() != 2 {
		t.Fatalf("Do = %+v, %v after %d requests; want ok from the second", resp, err, calls.Load())
	}
}

// TestPresign: a link is good for exactly its time, for exactly its request, as S3 checks
// (mototest.CheckPresigned, S3's rules that moto does not apply).
func TestPresign(t *testing.T) {
	signedAt := time.Date(2026, 11, 3, 10, 4, 5, 0, time.UTC)
	var offset time.Duration // from the signing to the request
	var checked error
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		checked = mototest.CheckPresigned(r, signedAt.Add(offset))
	}))
	defer srv.Close()
	creds := mototest.Config()
	creds.Credentials = credentials.NewStaticCredentialsProvider("testing", "testing", "session-token")
	object := srv.URL + "/bucket/cases/FB-2026-000001/a%20b%2B%C3%BC.pdf?response-content-disposition=" +
		url.QueryEscape(`attachment; filename="a b+ü.pdf"`) + "&response-content-type=application%2Foctet-stream"
	tests := []struct {
		name    string
		ttl     time.Duration
		after   time.Duration // from the signing to the request
		tamper  func(string) string
		wantErr string // from the check; "" for none
	}{
		{"at once", 5 * time.Minute, 0, nil, ""},
		{"at the last second", 5 * time.Minute, 5 * time.Minute, nil, ""},
		{"a second late", 5 * time.Minute, 5*time.Minute + time.Second, nil, "expired"},
		{"another object", 5 * time.Minute, 0, func(s string) string { return strings.Replace(s, "FB-2026-000001", "FB-2026-000002", 1) }, "signature"},
		{"another name", 5 * time.Minute, 0, func(s string) string { return strings.Replace(s, "filename", "filenamex", 1) }, "signature"},
		{"longer", 5 * time.Minute, 0, func(s string) string { return strings.Replace(s, "X-Amz-Expires=300", "X-Amz-Expires=3000", 1) }, "signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			link, err := awsapi.Presign(context.Background(), creds, awsapi.Request{Service: "s3", Method: http.MethodGet, URL: object, SignPathAsSent: true}, signedAt, tt.ttl)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(link, "X-Amz-Security-Token=session-token") {
				t.Errorf("link %s does not carry the session token", link)
			}
			if tt.tamper != nil {
				link = tt.tamper(link)
			}
			offset, checked = tt.after, nil
			resp, err := http.Get(link)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if tt.wantErr == "" && checked != nil || tt.wantErr != "" && (checked == nil || !strings.Contains(checked.Error(), tt.wantErr)) {
				t.Errorf("the link was checked: %v; want %q", checked, tt.wantErr)
			}
		})
	}
	for _, ttl := range []time.Duration{0, 500 * time.Millisecond, awsapi.MaxLinkTTL + time.Second} {
		if _, err := awsapi.Presign(context.Background(), creds, awsapi.Request{Service: "s3", Method: http.MethodGet, URL: object}, signedAt, ttl); err == nil {
			t.Errorf("Presign with ttl %v: no error", ttl)
		}
	}
}

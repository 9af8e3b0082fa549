package awsapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/council/intake/internal/awsapi"
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

package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// TestLocalRunner_LocalPagesRefuseOtherOrigins: a web page elsewhere cannot make the
// developer's browser move the clock, take mail in or read the outbox (403 for a foreign
// Origin), nor post the clock a plain form (415); curl, which sends no Origin, works as the
// README shows.
func TestLocalRunner_LocalPagesRefuseOtherOrigins(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the local runner")
	}
	r := start(t, buildRunner(t), t.TempDir(), "-now", "2026-12-21T10:00:00Z")
	eml, err := os.ReadFile("../../events/email-sample.eml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, method, path, contentType, origin, body string
		status                                        int
	}{
		{"the clock, from another site", "POST", "/_local/clock", "application/json", "http://evil.example", `{"advance":"9000h"}`, http.StatusForbidden},
		{"the clock, from a page opened from a file", "POST", "/_local/clock", "application/json", "null", `{"advance":"9000h"}`, http.StatusForbidden},
		{"the clock, as a plain form", "POST", "/_local/clock", "application/x-www-form-urlencoded", "", `{"advance":"9000h"}`, http.StatusUnsupportedMediaType},
		{"the clock, as text", "POST", "/_local/clock", "text/plain", "", `{"advance":"9000h"}`, http.StatusUnsupportedMediaType},
		{"mail, from another site", "POST", "/_local/email", "text/plain", "http://evil.example", string(eml), http.StatusForbidden},
		{"the outbox, from another site", "GET", "/_local/outbox", "", "http://evil.example", "", http.StatusForbidden},
		{"the clock, from the runner's own page", "POST", "/_local/clock", "application/json", r.base, `{"advance":"1h"}`, http.StatusOK},
		{"the clock, from curl", "POST", "/_local/clock", "application/json; charset=utf-8", "", `{"advance":"1h"}`, http.StatusOK},
		{"mail, from curl --data-binary", "POST", "/_local/email", "application/x-www-form-urlencoded", "", string(eml), http.StatusAccepted},
		{"the outbox, from curl", "GET", "/_local/outbox", "", "", "", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, r.base+tt.path, strings.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status && !(tt.status == http.StatusAccepted && resp.StatusCode < 300) {
				t.Errorf("%s %s = %d %s; want %d", tt.method, tt.path, resp.StatusCode, b, tt.status)
			}
		})
	}
	// Only the two allowed moves of an hour each went through.
	resp, err := http.Post(r.base+"/_local/clock", "application/json", strings.NewReader(`{"advance":"0s"}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "2026-12-21T12:00:00Z") {
		t.Errorf("the clock reads %s; want 2026-12-21T12:00:00Z (only the runner's own and curl's moves)", b)
	}
}

// TestRun_RefusesAPublicAddress: -addr on anything but loopback is refused unless -public is
// given, which warns that the outbox shows sign-in links to anyone who can reach it.
func TestRun_RefusesAPublicAddress(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string // "" to start
		warns   bool
	}{
		{"all interfaces", []string{"-addr", "0.0.0.0:0"}, "-public", false},
		{"no host at all", []string{"-addr", ":0"}, "-public", false},
		{"IPv6 everywhere", []string{"-addr", "[::]:0"}, "-public", false},
		{"all interfaces, with -public", []string{"-addr", "0.0.0.0:0", "-public"}, "", true},
		{"loopback", []string{"-addr", "127.0.0.1:0"}, "", false},
		{"IPv6 loopback", []string{"-addr", "[::1]:0"}, "", false},
		{"localhost", []string{"-addr", "localhost:0"}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			var stdout, stderr syncBuffer
			done := make(chan error, 1)
			go func() {
				done <- run(ctx, append([]string{"-data", t.TempDir(), "-smtp", ""}, tt.args...), &stdout, &stderr)
			}()
			if tt.wantErr != "" {
				var err error
				select {
				case err = <-done:
				case <-time.After(10 * time.Second):
					cancel()
					<-done
					t.Fatalf("run %v started; want it refused", tt.args)
				}
				cancel()
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "sign-in links") {
					t.Errorf("run %v = %v; want a refusal naming %s and the sign-in links", tt.args, err, tt.wantErr)
				}
				return
			}
			waitFor(t, func() bool { return strings.Contains(stdout.String(), "Intake is running locally") }, done)
			cancel()
			if err := <-done; err != nil {
				t.Errorf("run %v = %v", tt.args, err)
			}
			if warned := strings.Contains(stderr.String(), "sign-in links"); warned != tt.warns {
				t.Errorf("warned %v, want %v:\n%s", warned, tt.warns, stderr.String())
			}
		})
	}
}

// waitFor polls ok until it holds, failing if run ends first.
func waitFor(t *testing.T, ok func() bool, done chan error) {
	t.Helper()
	for !ok() {
		select {
		case err := <-done:
			t.Fatalf("the runner stopped before it was ready: %v", err)
		default:
		}
		time.Sleep(10 * time.Millisecond)
	}
}

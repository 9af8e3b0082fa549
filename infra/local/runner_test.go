package main

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestLocalRunner_AsADeveloperExpects: the clock never runs backwards, a reused data directory
// with another kind of clock is warned about, and a client dripping its request is cut off.
func TestLocalRunner_AsADeveloperExpects(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the local runner")
	}
	bin := buildRunner(t)
	data := t.TempDir()
	r := start(t, bin, data, "-now", "2026-12-21T10:00:00Z", "-read-timeout", "2s")

	tests := []struct {
		body   string
		status int
		want   string
	}{
		{`{"now":"2026-12-22T10:00:00Z"}`, http.StatusOK, "2026-12-22T10:00:00Z"},
		{`{"now":"2026-12-21T10:00:00Z"}`, http.StatusConflict, "only moves forward"},
		{`{"advance":"-1h"}`, http.StatusBadRequest, "positive duration"},
		{`{"advance":"1h"}`, http.StatusOK, "2026-12-22T11:00:00Z"},
	}
	for _, tt := range tests {
		resp, err := http.Post(r.base+"/_local/clock", "application/json", strings.NewReader(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || !strings.Contains(string(b), tt.want) {
			t.Errorf("POST /_local/clock %s = %d %s; want %d saying %q", tt.body, resp.StatusCode, b, tt.status, tt.want)
		}
	}

	// A request whose body never finishes arriving is cut off, not held open for ever.
	conn, err := net.Dial("tcp", strings.TrimPrefix(r.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "POST /v1/feedback HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
	conn.SetReadDeadline(time.Now().Add(3 * time.Minute))
	began := time.Now()
	io.ReadAll(conn) // returns when the server closes the connection
	if waited := time.Since(began); waited > 30*time.Second {
		t.Errorf("a dripping client was held for %v", waited)
	}

	r.stop()
	r = start(t, bin, data)
	if !strings.Contains(r.banner, "last used with the fixed clock") || !strings.Contains(r.banner, "make clean") {
		t.Errorf("restarting a fixed-clock data directory with the real clock gave no warning:\n%s", r.banner)
	}
}

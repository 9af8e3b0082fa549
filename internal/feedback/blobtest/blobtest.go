// Package blobtest is the conformance suite for feedback.Blobs: the directory on disk and S3
// must keep the same bytes under the same keys and refuse the same keys.
package blobtest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/council/intake/internal/feedback"
)

// NewBlobs returns a fresh, empty store. Cleanup is the caller's, via t.Cleanup.
type NewBlobs func(t *testing.T) feedback.Blobs

// Run runs the whole suite against stores made by newBlobs.
func Run(t *testing.T, newBlobs NewBlobs) {
	t.Run("Put_Get", func(t *testing.T) { testPutGet(t, newBlobs) })
	t.Run("Put_Overwrite", func(t *testing.T) { testOverwrite(t, newBlobs) })
	t.Run("Get_Missing", func(t *testing.T) { testGetMissing(t, newBlobs) })
	t.Run("Delete", func(t *testing.T) { testDelete(t, newBlobs) })
	t.Run("RejectsBadKeys", func(t *testing.T) { testBadKeys(t, newBlobs) })
	t.Run("Link", func(t *testing.T) { testLink(t, newBlobs) })
}

// binary returns n bytes covering every byte value, line endings and NULs included.
func binary(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}

func testPutGet(t *testing.T, newBlobs NewBlobs) {
	ctx := context.Background()
	b := newBlobs(t)
	tests := []struct {
		name        string
		key         string
		body        []byte
		contentType string
	}{
		{"email", "inbound/2026/abc.eml", []byte("From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n"), "message/rfc822"},
		{"binary", "attachments/FB-2026-000001/scan.pdf", binary(300 << 10), "application/pdf"},
		{"empty", "inbound/empty.eml", []byte{}, "message/rfc822"},
		{"top level", "top.bin", []byte{0, 1, 2, 0xff, '\r', '\n'}, "application/octet-stream"},
		{"unicode", "inbound/ünïcödé name.eml", []byte("x"), "message/rfc822"},
		{"reserved characters", "cases/FB-2026-000001/Plan (v2) + notes; a=b&c%41 #1?.pdf", []byte("y"), "application/pdf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := b.Put(ctx, tt.key, tt.body, tt.contentType); err != nil {
				t.Fatalf("Put: %v", err)
			}
			got, err := b.Get(ctx, tt.key)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if !bytes.Equal(got, tt.body) {
				t.Errorf("Get returned %d bytes that differ from the %d put", len(got), len(tt.body))
			}
		})
	}
}

func testOverwrite(t *testing.T, newBlobs NewBlobs) {
	ctx := context.Background()
	b := newBlobs(t)
	key := "inbound/2026/overwrite.eml"
	for _, body := range [][]byte{[]byte("a much longer first version"), []byte("second")} {
		if err := b.Put(ctx, key, body, "message/rfc822"); err != nil {
			t.Fatalf("Put: %v", err)
		}
		got, err := b.Get(ctx, key)
		if err != nil {
			t.Fatalf("Get: %v", err)
		}
		if !bytes.Equal(got, body) {
			t.Errorf("Get = %q, want %q", got, body)
		}
	}
}

func testGetMissing(t *testing.T, newBlobs NewBlobs) {
	ctx := context.Background()
	b := newBlobs(t)
	if err := b.Put(ctx, "inbound/2026/present.eml", []byte("x"), "message/rfc822"); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"inbound/2026/absent.eml", "never/was.eml", "inbound/2026", "inbound"} {
		t.Run(key, func(t *testing.T) {
			got, err := b.Get(ctx, key)
			if feedback.ErrorCode(err) != feedback.ENOTFOUND {
				t.Errorf("Get(%q) = %d bytes, error %v; want code %s", key, len(got), err, feedback.ENOTFOUND)
			}
		})
	}
}

func testDelete(t *testing.T, newBlobs NewBlobs) {
	ctx := context.Background()
	b := newBlobs(t)
	key, sibling := "inbound/2026/gone.eml", "inbound/2026/kept.eml"
	for _, k := range []string{key, sibling} {
		if err := b.Put(ctx, k, []byte(k), "message/rfc822"); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 2; i++ {
		if err := b.Delete(ctx, key); err != nil {
			t.Fatalf("Delete (time %d): %v", i+1, err)
		}
	}
	if _, err := b.Get(ctx, key); feedback.ErrorCode(err) != feedback.ENOTFOUND {
		t.Errorf("Get after Delete: error %v, want code %s", err, feedback.ENOTFOUND)
	}
	if got, err := b.Get(ctx, sibling); err != nil || string(got) != sibling {
		t.Errorf("Get of the key next to the deleted one = %q, %v", got, err)
	}
	if err := b.Delete(ctx, "never/was.eml"); err != nil {
		t.Errorf("Delete of a key never put: %v, want no error", err)
	}
}

func testBadKeys(t *testing.T, newBlobs NewBlobs) {
	ctx := context.Background()
	b := newBlobs(t)
	for _, key := range []string{
		"", "..", ".", "../outside.eml", "inbound/../../outside.eml", "inbound/..", "/etc/passwd",
		"inbound//double.eml", "inbound/", `inbound\..\outside.eml`, "inbound/new\nline.eml",
	} {
		t.Run(key, func(t *testing.T) {
			if err := b.Put(ctx, key, []byte("x"), "text/plain"); feedback.ErrorCode(err) != feedback.EINVALID {
				t.Errorf("Put(%q): error %v, want code %s", key, err, feedback.EINVALID)
			}
			if _, err := b.Get(ctx, key); feedback.ErrorCode(err) != feedback.EINVALID {
				t.Errorf("Get(%q): error %v, want code %s", key, err, feedback.EINVALID)
			}
			if err := b.Delete(ctx, key); feedback.ErrorCode(err) != feedback.EINVALID {
				t.Errorf("Delete(%q): error %v, want code %s", key, err, feedback.EINVALID)
			}
		})
	}
}

// testLink holds a store that hands out links (feedback.BlobLinker) to them: a link downloads
// the exact bytes while it lasts, and nothing once it has expired or for a file not there.
func testLink(t *testing.T, newBlobs NewBlobs) {
	ctx := context.Background()
	b := newBlobs(t)
	linker, ok := b.(feedback.BlobLinker)
	if !ok {
		t.Skip("the store hands out no links: the handler serves its files")
	}
	key := "cases/FB-2026-000001/ab12/1-Plan (v2) + ünïcödé; a=b&c%41.pdf"
	body := binary(1 << 20)
	if err := b.Put(ctx, key, body, "application/pdf"); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tests := []struct {
		name   string
		key    string
		at     time.Time
		wantOK bool
	}{
		{"fresh", key, now, true},
		{"made a minute ago", key, now.Add(-time.Minute), true},
		{"expired", key, now.Add(-6 * time.Minute), false},
		{"no such file", "cases/FB-2026-000001/ab12/2-absent.pdf", now, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			link, err := linker.Link(ctx, tt.key, feedback.BlobLink{At: tt.at, TTL: 5 * time.Minute, Filename: "Plan (v2).pdf"})
			if err != nil {
				t.Fatalf("Link: %v", err)
			}
			resp, err := http.Get(link)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			got, _ := io.ReadAll(resp.Body)
			if tt.wantOK && (resp.StatusCode != http.StatusOK || !bytes.Equal(got, body)) {
				t.Errorf("the link answered %d with %d bytes; want 200 and the %d bytes put", resp.StatusCode, len(got), len(body))
			}
			if !tt.wantOK && (resp.StatusCode == http.StatusOK || bytes.Contains(got, body[:1024])) {
				t.Errorf("the link answered %d with %d bytes; want a refusal", resp.StatusCode, len(got))
			}
		})
	}
	if _, err := linker.Link(ctx, "../outside.pdf", feedback.BlobLink{At: now, TTL: time.Minute}); feedback.ErrorCode(err) != feedback.EINVALID {
		t.Errorf("Link of a bad key: error %v, want code %s", err, feedback.EINVALID)
	}
}

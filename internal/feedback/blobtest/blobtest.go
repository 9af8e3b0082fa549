// Package blobtest is the conformance suite for feedback.Blobs: the directory on disk and S3
// must keep the same bytes under the same keys and refuse the same keys.
package blobtest

import (
	"bytes"
	"context"
	"testing"

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

package fileblobs_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/feedback/blobtest"
	"github.com/council/intake/internal/fileblobs"
)

func newDir(t *testing.T, dir string) *fileblobs.Dir {
	t.Helper()
	d, err := fileblobs.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestDir_Conformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) feedback.Blobs { return newDir(t, t.TempDir()) })
}

func TestDir_Put(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		key  string
		file string // where the bytes must land, relative to the directory
	}{
		{"nested", "inbound/2026/abc.eml", "inbound/2026/abc.eml"},
		{"top level", "abc.eml", "abc.eml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			d := newDir(t, dir)
			if err := d.Put(ctx, tt.key, []byte("hello"), "message/rfc822"); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(tt.file)))
			if err != nil || string(got) != "hello" {
				t.Errorf("file = %q, %v; want %q", got, err, "hello")
			}
			left, _ := filepath.Glob(filepath.Join(dir, filepath.Dir(tt.file), ".tmp-*"))
			if len(left) != 0 {
				t.Errorf("temporary files left behind: %v", left)
			}
		})
	}
}

func TestDir_Get(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		link string // a symbolic link inside the directory, pointing outside it
		key  string
	}{
		{"through a link to a directory outside", "inbound", "inbound/secret.txt"},
		{"a link to a file outside", "leak.eml", "leak.eml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outside := t.TempDir()
			if err := os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("secret"), 0o600); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			target := outside
			if tt.link == "leak.eml" {
				target = filepath.Join(outside, "secret.txt")
			}
			if err := os.Symlink(target, filepath.Join(dir, tt.link)); err != nil {
				t.Skipf("cannot make a symbolic link here: %v", err)
			}
			d := newDir(t, dir)
			if got, err := d.Get(ctx, tt.key); err == nil {
				t.Errorf("Get followed a link out of the directory and read %q", got)
			}
		})
	}
}

// Package fileblobs keeps feedback.Blobs as files under one directory: the embedded stand-in
// for S3 used by infra/local and by tests. Each key is a file at the same relative path.
//
// Writes go to a temporary file in the target's directory and are renamed into place, so a
// reader sees the old bytes or the new ones, never half of either. Every path is resolved
// through an os.Root, so neither a crafted key nor a symbolic link can reach outside the
// directory.
package fileblobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"syscall"

	"github.com/council/intake/internal/feedback"
)

// Dir is a feedback.Blobs kept under one directory. It is safe for concurrent use.
type Dir struct {
	root *os.Root
}

var _ feedback.Blobs = (*Dir)(nil)

// New returns the store kept under dir, creating dir if need be. Close releases it.
func New(dir string) (*Dir, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("fileblobs: create directory: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("fileblobs: open directory: %w", err)
	}
	return &Dir{root: root}, nil
}

// Close releases the directory. The store cannot be used afterwards.
func (d *Dir) Close() error {
	return d.root.Close()
}

// Put writes body to the file for key atomically. The content type is not kept: files have
// none, and nothing reads it back.
func (d *Dir) Put(ctx context.Context, key string, body []byte, contentType string) error {
	if err := feedback.CheckBlobKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("fileblobs: put: %w", err)
	}
	dir := path.Dir(key)
	if dir != "." {
		if err := d.root.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("fileblobs: put: create parent directory: %w", err)
		}
	}
	tmp, err := d.writeTemp(dir, body)
	if err != nil {
		return fmt.Errorf("fileblobs: put: %w", err)
	}
	if err := d.root.Rename(tmp, key); err != nil {
		_ = d.root.Remove(tmp)
		return fmt.Errorf("fileblobs: put: rename into place: %w", err)
	}
	// Make the rename itself durable, not just the file's bytes.
	if f, err := d.root.Open(dir); err == nil {
		_ = f.Sync()
		_ = f.Close()
	}
	return nil
}

// writeTemp writes body to a new, uniquely named file in dir and returns its path.
func (d *Dir) writeTemp(dir string, body []byte) (string, error) {
	var suffix [12]byte
	if _, err := rand.Read(suffix[:]); err != nil {
		return "", fmt.Errorf("name temporary file: %w", err)
	}
	name := path.Join(dir, ".tmp-"+hex.EncodeToString(suffix[:]))
	f, err := d.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("create temporary file: %w", err)
	}
	_, werr := f.Write(body)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		_ = d.root.Remove(name)
		return "", fmt.Errorf("write temporary file: %w", werr)
	}
	return name, nil
}

// Get returns the bytes of the file for key, or ENOTFOUND. A key that names a directory
// (a prefix of other keys) holds nothing, as on S3.
func (d *Dir) Get(ctx context.Context, key string) ([]byte, error) {
	if err := feedback.CheckBlobKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("fileblobs: get: %w", err)
	}
	f, err := d.root.Open(key)
	if isMissing(err) {
		return nil, feedback.Errorf(feedback.ENOTFOUND, "no stored object with that key")
	}
	if err != nil {
		return nil, fmt.Errorf("fileblobs: get: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("fileblobs: get: %w", err)
	}
	if !info.Mode().IsRegular() {
		return nil, feedback.Errorf(feedback.ENOTFOUND, "no stored object with that key")
	}
	body, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("fileblobs: get: read: %w", err)
	}
	return body, nil
}

// Delete removes the file for key. A missing key, or one that names a directory, is not an
// error. Emptied directories are left in place: removing them would race with a concurrent Put.
func (d *Dir) Delete(ctx context.Context, key string) error {
	if err := feedback.CheckBlobKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("fileblobs: delete: %w", err)
	}
	info, err := d.root.Lstat(key)
	if isMissing(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("fileblobs: delete: %w", err)
	}
	if info.IsDir() {
		return nil
	}
	if err := d.root.Remove(key); err != nil && !isMissing(err) {
		return fmt.Errorf("fileblobs: delete: %w", err)
	}
	return nil
}

// isMissing reports whether err means that nothing is stored at the path, including when a
// parent on the path is a file rather than a directory.
func isMissing(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

package feedback

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Blobs keeps opaque bytes by key: the raw email a resident sent, exactly as it arrived, so that
// a case can always be traced back to its source and is destroyed with it. Implementations:
// internal/fileblobs (files under a directory) and internal/s3blobs (S3), both held to
// internal/feedback/blobtest.
//
// Keys are slash-separated paths such as "inbound/2026/abc.eml"; CheckBlobKey says which are
// accepted, and every implementation rejects the rest with EINVALID.
type Blobs interface {
	// Put stores body under key, replacing whatever was there.
	Put(ctx context.Context, key string, body []byte, contentType string) error
	// Get returns the bytes stored under key, or ENOTFOUND if there are none.
	Get(ctx context.Context, key string) ([]byte, error)
	// Delete removes key; deleting a key that does not exist is not an error.
	Delete(ctx context.Context, key string) error
}

// BlobLinker is a Blobs that can hand out a short-lived link to a stored file, so that the
// file goes to the browser straight from the store, however large, rather than through the
// handler (a Lambda response carries 6 MB at most). It is optional: the console checks for it
// with a type assertion and serves the bytes itself from a store without it (the files on disk).
// Implementation: internal/s3blobs, held to internal/feedback/blobtest.
type BlobLinker interface {
	// Link returns an absolute URL from which anyone holding it may download the file key
	// until l.At+l.TTL, and not after: as an attachment named l.Filename, of a type no
	// browser renders (application/octet-stream). It checks key, not that the file exists.
	Link(ctx context.Context, key string, l BlobLink) (string, error)
}

// BlobLink is how a BlobLinker's link behaves.
type BlobLink struct {
	// At is when the link is made, and TTL how long from then it works.
	At  time.Time
	TTL time.Duration
	// Filename is the name the file downloads under.
	Filename string
}

// maxBlobKeyLen is the longest key Blobs accept, in bytes: S3's limit.
const maxBlobKeyLen = 1024

// CheckBlobKey returns an EINVALID error unless key is a relative slash-separated path of
// non-empty segments, none of them "." or "..", in valid UTF-8 without control characters or
// backslashes, and no longer than maxBlobKeyLen. The rules are the same for every store, so a
// key that works locally works on S3 and cannot climb out of a directory on disk.
func CheckBlobKey(key string) error {
	switch {
	case key == "":
		return Errorf(EINVALID, "blob key is empty")
	case len(key) > maxBlobKeyLen:
		return Errorf(EINVALID, "blob key is longer than %d bytes", maxBlobKeyLen)
	case !utf8.ValidString(key):
		return Errorf(EINVALID, "blob key is not valid UTF-8")
	case strings.ContainsAny(key, `\`):
		return Errorf(EINVALID, "blob key contains a backslash")
	}
	for _, r := range key {
		if r < 0x20 || r == 0x7f {
			return Errorf(EINVALID, "blob key contains a control character")
		}
	}
	for _, seg := range strings.Split(key, "/") {
		switch seg {
		case "":
			return Errorf(EINVALID, "blob key has an empty path segment (leading, trailing or double slash)")
		case ".", "..":
			return Errorf(EINVALID, "blob key has a %q path segment", seg)
		}
	}
	return nil
}

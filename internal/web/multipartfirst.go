package web

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
)

// maxFirstField is the most of a multipart body's first field's value read before it is
// checked, and maxFirstPart the most of the body read to find it (its preamble and headers).
const (
	maxFirstField = 1 << 10
	maxFirstPart  = 8 << 10
)

// firstFormField returns the value of a multipart body's first part if that part is the field
// name, reading no further than that part (at most maxFirstPart of the body), and puts back what it
// read so that the body can then be parsed whole. The console's upload forms put their CSRF
// token first, so it is checked before a large body is parsed. Anything else answers "".
func firstFormField(r *http.Request, name string) string {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return ""
	}
	var seen bytes.Buffer
	body := r.Body
	defer func() { r.Body = readCloser{io.MultiReader(&seen, body), body} }()
	part, err := multipart.NewReader(io.TeeReader(io.LimitReader(body, maxFirstPart), &seen), params["boundary"]).NextPart()
	if err != nil || part.FormName() != name || part.FileName() != "" {
		return ""
	}
	v, err := io.ReadAll(io.LimitReader(part, maxFirstField+1))
	if err != nil || len(v) > maxFirstField {
		return ""
	}
	return string(v)
}

type readCloser struct {
	io.Reader
	io.Closer
}

package web_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestConsole_Import_ChecksBeforeParsing: the import's multipart body is parsed only after the
// session, the role and the CSRF token are checked: an officer's upload, or an admin's without
// the form's token first, is refused having read (almost) nothing of a large file.
func TestConsole_Import_ChecksBeforeParsing(t *testing.T) {
	e := newConsoleEnv(t, false)
	base, _ := url.Parse(e.srv.URL)
	mux := http.NewServeMux()
	e.console.Register(mux)
	admin, officer := e.signIn(t, "admin@example.gov.uk"), e.signIn(t, "planning@example.gov.uk")
	_, page := get(t, admin, e.srv.URL+"/officer/import")
	token := csrfOf(t, page)

	const huge = 8 << 20
	tests := []struct {
		name    string
		client  *http.Client
		csrf    string // "" sends none
		status  int
		maxRead int
	}{
		{"no session", nil, token, http.StatusForbidden, 0},
		{"an officer", officer, "anything", http.StatusForbidden, 0},
		{"an admin without the form's token", admin, "", http.StatusForbidden, 16 << 10},
		{"an admin with a forged token", admin, "forged", http.StatusForbidden, 16 << 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var head bytes.Buffer
			mw := multipart.NewWriter(&head)
			if tt.csrf != "" {
				mw.WriteField("csrf", tt.csrf)
			}
			mw.CreateFormFile("file", "cases.csv")
			body := &countingBody{size: head.Len() + huge}
			req := httptest.NewRequest(http.MethodPost, "/officer/import", &prefixed{head: head.Bytes(), rest: body})
			req.Header.Set("Content-Type", mw.FormDataContentType())
			if tt.client != nil {
				for _, ck := range tt.client.Jar.Cookies(base) {
					req.AddCookie(ck)
				}
			}
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Errorf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if read := body.n; read > tt.maxRead {
				t.Errorf("read %d bytes of the file before refusing; want at most %d", read, tt.maxRead)
			}
			if strings.Contains(rec.Body.String(), "imported") {
				t.Errorf("something was imported")
			}
		})
	}
}

// prefixed reads head, then rest; the counting body counts only what is read of rest.
type prefixed struct {
	head []byte
	rest *countingBody
}

func (p *prefixed) Read(b []byte) (int, error) {
	if len(p.head) > 0 {
		n := copy(b, p.head)
		p.head = p.head[n:]
		return n, nil
	}
	return p.rest.Read(b)
}

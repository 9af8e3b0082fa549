package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// signInConsole signs email in to the console served at base through the emailed link (read
// from the outbox), and returns a client holding the session.
func signInConsole(t *testing.T, base, email string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	_, page := fetch(t, c, "GET", base+"/officer/sign-in", nil)
	fetch(t, c, "POST", base+"/officer/sign-in", url.Values{"email": {email}, "csrf": {csrf(t, page)}})
	var out []outboxMessage
	_, body := fetch(t, c, "GET", base+"/_local/outbox", nil)
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	var link string
	for _, m := range out {
		if l := regexp.MustCompile(`/officer/sign-in/[A-Za-z0-9_-]+`).FindString(m.Text); l != "" && slices.Contains(m.To, email) {
			link = base + l
		}
	}
	if link == "" {
		t.Fatalf("no sign-in link for %s in the outbox", email)
	}
	_, page = fetch(t, c, "GET", link, nil)
	if resp, page := fetch(t, c, "POST", link, url.Values{"csrf": {csrf(t, page)}}); resp.Request.URL.Path != "/officer" {
		t.Fatalf("sign-in as %s ended at %s\n%s", email, resp.Request.URL, page)
	}
	return c
}

// uploadImport posts file to the import job's page as the console's upload form does.
func uploadImport(t *testing.T, c *http.Client, pageURL, token string, file []byte) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", token)
	fw, _ := mw.CreateFormFile("file", "cases.csv")
	fw.Write(file)
	mw.Close()
	resp, err := c.Post(pageURL, mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestLocalRunner_ImportInTheBackground: an admin starts an import from the console, uploads
// the file to the job's page, and the page shows it running (with a link to check progress) and then what
// it did, with the file's problems by line and column; the file is gone once imported.
func TestLocalRunner_ImportInTheBackground(t *testing.T) {
	s, err := New(context.Background(), Options{Addr: "127.0.0.1:0", Data: t.TempDir(), Now: "2026-12-21T10:00:00Z"},
		func(string) (string, bool) { return "", false }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() { srv.Close(); s.Close() })
	admin := signInConsole(t, srv.URL, "complaints@example.gov.uk")
	file := []byte("reference,kind,channel,received_date,stage1_outcome,stage1_response_date,closed_date\n" +
		"X-1,complaint,web,2026-05-01,upheld,2026-05-10,2026-05-10\n" +
		"X-2,complaint,web,2020-01-06,not_upheld,2020-01-20,2020-01-20\n" +
		"X-3,grumble,web,2024-01-05,,,\n")

	tests := []struct {
		name     string
		goodOnly string
		want     []string
		notWant  []string
	}{
		{"good rows only", "yes", []string{"The import has finished", `id="imported">1<`, `id="statistics_only">1<`, `id="already_there">0<`, `id="refused">1<`, "<td>4</td><td>kind</td>"}, []string{"Nothing was imported"}},
		{"every row or none", "", []string{"Nothing was imported", `id="imported">0<`, `id="refused">1<`, "<td>4</td><td>kind</td>"}, []string{"The import has finished"}},
		{"the same file again", "yes", []string{"The import has finished", `id="imported">0<`, `id="already_there">2<`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, page := fetch(t, admin, "GET", srv.URL+"/officer/import", nil)
			resp, page := fetch(t, admin, "POST", srv.URL+"/officer/import/start", url.Values{"csrf": {csrf(t, page)}, "encoding": {"utf-8"}, "good_rows_only": {tt.goodOnly}})
			jobPage := resp.Request.URL.String()
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Request.URL.Path, "/officer/import/") || !strings.Contains(page, `type="file"`) ||
				strings.Contains(page, `http-equiv="refresh"`) {
				t.Fatalf("start = %d at %s; want the job's page asking for the file, not reloading\n%s", resp.StatusCode, jobPage, page)
			}
			resp, page = uploadImport(t, admin, jobPage, csrf(t, page), file)
			if resp.StatusCode != http.StatusOK || resp.Request.URL.Query().Get("uploaded") == "" {
				t.Fatalf("upload = %d at %s\n%s", resp.StatusCode, resp.Request.URL, page)
			}
			for deadline := time.Now().Add(10 * time.Second); !strings.Contains(page, "What the import did"); {
				if !strings.Contains(page, ">Check progress<") || strings.Contains(page, `type="file"`) {
					t.Fatalf("an unfinished import's page does not offer to check progress, or asks for the file again:\n%s", page)
				}
				if time.Now().After(deadline) {
					t.Fatalf("the import did not finish:\n%s", page)
				}
				time.Sleep(20 * time.Millisecond)
				_, page = fetch(t, admin, "GET", resp.Request.URL.String(), nil)
			}
			for _, w := range tt.want {
				if !strings.Contains(page, w) {
					t.Errorf("the finished import's page lacks %q", w)
				}
			}
			for _, w := range append(tt.notWant, `http-equiv="refresh"`, `type="file"`) {
				if strings.Contains(page, w) {
					t.Errorf("the finished import's page has %q", w)
				}
			}
			if t.Failed() {
				t.Log(page)
			}
			s.running.Wait() // the file is deleted just after the job is recorded finished
			if files := blobFiles(t, s.opts.Data, "imports"); len(files) != 0 {
				t.Errorf("import files left after importing: %v", files)
			}
		})
	}
}

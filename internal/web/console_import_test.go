package web_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/web"
)

// importEnv is a console that imports in the background, whose Accept only records the files
// it is given: the jobs' states are then set in the store by each test.
func importEnv(t *testing.T) (*consoleEnv, feedback.ImportJobStore, map[string]string) {
	e := newConsoleEnv(t, true)
	jobs := e.svc.Store.(feedback.ImportJobStore)
	accepted := map[string]string{}
	e.console.Imports = &web.Imports{Jobs: jobs, Accept: func(_ context.Context, id string, file []byte) error {
		accepted[id] = string(file)
		return nil
	}}
	return e, jobs, accepted
}

func postFile(t *testing.T, c *http.Client, u, csrf, file string) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", csrf)
	fw, _ := mw.CreateFormFile("file", "cases.csv")
	fw.Write([]byte(file))
	mw.Close()
	req, _ := http.NewRequest("POST", u, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestConsole_ImportJobPages: who may start an import and upload its file, and what the job's
// page shows in each state: the upload form (not reloading) while it waits for the file, a page
// that offers to check progress (and reloads itself every five seconds when asked) once the file
// is in and while it runs, and what it did,
// with the problems by line and column, once it has finished.
func TestConsole_ImportJobPages(t *testing.T) {
	e, jobs, accepted := importEnv(t)
	ctx := context.Background()
	admin := e.signIn(t, "admin@example.gov.uk")
	officer := e.signIn(t, "planning@example.gov.uk")
	_, page := get(t, admin, e.srv.URL+"/officer/import")
	token := csrfOf(t, page)
	if !strings.Contains(page, `action="/officer/import/start"`) || strings.Contains(page, `type="file"`) {
		t.Fatalf("the import page does not start a job first:\n%s", page)
	}

	// Starting: an admin with the form's token only.
	for _, tt := range []struct {
		name   string
		c      *http.Client
		form   url.Values
		status int
	}{
		{"an officer", officer, url.Values{"csrf": {token}}, http.StatusForbidden},
		{"no token", admin, url.Values{"encoding": {"utf-8"}}, http.StatusForbidden},
		{"an unknown encoding", admin, url.Values{"csrf": {token}, "encoding": {"latin-9"}}, http.StatusUnprocessableEntity},
		{"an admin", admin, url.Values{"csrf": {token}, "encoding": {"windows-1252"}, "good_rows_only": {"yes"}}, http.StatusSeeOther},
	} {
		resp, body := postForm(t, tt.c, e.srv.URL+"/officer/import/start", tt.form)
		if resp.StatusCode != tt.status {
			t.Errorf("start as %s = %d; want %d\n%s", tt.name, resp.StatusCode, tt.status, body)
		}
	}
	resp, _ := postForm(t, admin, e.srv.URL+"/officer/import/start", url.Values{"csrf": {token}, "encoding": {"utf-8"}})
	jobPath := resp.Header.Get("Location")
	id := strings.TrimPrefix(jobPath, "/officer/import/")
	j, err := jobs.GetImportJob(ctx, id)
	if err != nil || j.By != "admin@example.gov.uk" || j.State != feedback.ImportWaiting {
		t.Fatalf("the job at %q = %+v, %v; want admin's, waiting", jobPath, j, err)
	}

	// Someone else's job waiting for its file is shown, but only its starter may upload it.
	other, _ := feedback.NewImportJob(feedback.StaffMember{Email: "old.admin@example.gov.uk", Role: feedback.RoleAdmin}, e.clock.Now(), "", false)
	if err := jobs.PutImportJob(ctx, other, ""); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, path, csrf string
		c                *http.Client
		status           int
	}{
		{"an officer", jobPath, token, officer, http.StatusForbidden},
		{"no token", jobPath, "", admin, http.StatusForbidden},
		{"someone else's job", "/officer/import/" + other.ID, token, admin, http.StatusForbidden},
		{"no such job", "/officer/import/0123456789abcdef0123456789abcdef", token, admin, http.StatusNotFound},
	} {
		if resp, body := postFile(t, tt.c, e.srv.URL+tt.path, tt.csrf, "reference\n"); resp.StatusCode != tt.status {
			t.Errorf("upload by %s = %d; want %d\n%s", tt.name, resp.StatusCode, tt.status, body)
		}
	}
	if resp, body := get(t, officer, e.srv.URL+jobPath); resp.StatusCode != http.StatusForbidden {
		t.Errorf("an officer reading the job = %d\n%s", resp.StatusCode, body)
	}
	if _, body := get(t, admin, e.srv.URL+"/officer/import/"+other.ID); !strings.Contains(body, "waiting for old.admin@example.gov.uk to upload") || strings.Contains(body, `type="file"`) {
		t.Errorf("someone else's waiting job:\n%s", body)
	}
	if resp, body := postFile(t, admin, e.srv.URL+jobPath, token, ""); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "The file is empty") {
		t.Errorf("an empty file = %d\n%s", resp.StatusCode, body)
	}
	if len(accepted) != 0 {
		t.Fatalf("files accepted before a good upload: %v", accepted)
	}

	const refresh = `<meta http-equiv="refresh" content="5">`
	_, body := get(t, admin, e.srv.URL+jobPath)
	if !strings.Contains(body, `type="file"`) || !strings.Contains(body, `action="/officer/import/`+id+`"`) || strings.Contains(body, refresh) {
		t.Errorf("the waiting job's page does not ask for the file, or reloads:\n%s", body)
	}
	resp, _ = postFile(t, admin, e.srv.URL+jobPath, token, "reference,kind\n")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != jobPath+"?uploaded=1" || accepted[id] != "reference,kind\n" {
		t.Fatalf("upload = %d to %q, accepted %q", resp.StatusCode, resp.Header.Get("Location"), accepted[id])
	}

	states := []struct {
		name    string
		set     func(j *feedback.ImportJob)
		want    []string
		notWant []string
	}{
		{"uploaded, not yet begun", func(*feedback.ImportJob) {}, []string{"The file is uploaded", ">Check progress<"}, []string{refresh, `type="file"`, "What the import did"}},
		{"running", func(j *feedback.ImportJob) { j.State, j.Rows, j.Done = feedback.ImportRunning, 50000, 12000 }, []string{"Importing", "12000 of 50000", ">Reload this page every 5 seconds<"}, []string{refresh, `type="file"`}},
		{"done with problems", func(j *feedback.ImportJob) {
			j.State, j.Rows, j.Done, j.Imported, j.StatisticsOnly, j.AlreadyThere, j.Refused, j.Written = feedback.ImportDone, 9, 8, 5, 2, 1, 1, true
			j.Problems, j.ProblemCount = []feedback.ImportProblem{{Line: 7, Column: "received_date", Message: "<b>Write</b> the date as YYYY-MM-DD"}}, 1
		}, []string{"Finished", `id="imported">5<`, `id="statistics_only">2<`, `id="already_there">1<`, `id="refused">1<`, "<td>7</td><td>received_date</td><td>&lt;b&gt;Write&lt;/b&gt; the date as YYYY-MM-DD</td>", "No email was sent"},
			[]string{refresh, `type="file"`, "<b>Write"}},
		{"failed", func(j *feedback.ImportJob) {
			j.State, j.Written, j.Problems, j.Failure = feedback.ImportFailed, false, nil, "The file was not found. Upload it again."
		}, []string{"Stopped", "The file was not found. Upload it again."}, []string{refresh, "The import has finished"}},
	}
	for _, tt := range states {
		j, err := jobs.GetImportJob(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		from := j.State
		tt.set(j)
		if err := jobs.PutImportJob(ctx, j, from); err != nil {
			t.Fatal(err)
		}
		resp, body := get(t, admin, e.srv.URL+jobPath+"?uploaded=1")
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: GET = %d", tt.name, resp.StatusCode)
		}
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: the page lacks %q", tt.name, w)
			}
		}
		for _, w := range tt.notWant {
			if strings.Contains(body, w) {
				t.Errorf("%s: the page has %q", tt.name, w)
			}
		}
		if t.Failed() {
			t.Fatal(body)
		}
		// An unfinished import's page reloads itself when asked to, and offers to stop.
		if _, on := get(t, admin, e.srv.URL+jobPath+"?uploaded=1&reload=on"); !j.Finished() && (!strings.Contains(on, refresh) || !strings.Contains(on, ">Stop reloading this page<")) {
			t.Errorf("%s, reload=on: the page does not reload itself, or offers no way to stop:\n%s", tt.name, on)
		}
	}
	// A finished job takes no file.
	if resp, _ := postFile(t, admin, e.srv.URL+jobPath, token, "reference,kind\n"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != jobPath {
		t.Errorf("an upload to a finished job = %d to %q; want sent to its page", resp.StatusCode, resp.Header.Get("Location"))
	}
}

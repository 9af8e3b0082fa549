package main

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// emailWithPhoto is a complaint by email carrying a photo, so that the case has raw mail and an
// attachment in the blob store.
const emailWithPhoto = "From: Ada Resident <ada.resident@example.com>\r\n" +
	"To: complaints@intake.example.gov.uk\r\n" +
	"Subject: Bins missed again\r\n" +
	"Message-ID: <retention-1@mail.example.com>\r\n" +
	"Date: Mon, 21 Dec 2026 09:58:00 +0000\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
	"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
	"The recycling at 12 Example Road was missed again. I am not happy.\r\n" +
	"--b1\r\nContent-Type: image/jpeg\r\nContent-Disposition: attachment; filename=\"bin.jpg\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
	"/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAEBAQ==\r\n" +
	"--b1--\r\n"

// blobFiles lists the files in the runner's blob store whose path contains part.
func blobFiles(t *testing.T, data, part string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(filepath.Join(data, "blobs"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(path, part) {
			out = append(out, path)
		}
		return nil
	})
	return out
}

// TestLocalRunner_Retention runs issue 10's retention acceptance against the running runner: a
// case closed "not upheld" on 6 January 2027 disappears from every page and API answer once the
// clock passes 6 January 2029, its raw mail and attachment are deleted, and the destruction log
// has its line with no name, address or message text; a case under legal hold stays.
func TestLocalRunner_Retention(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the local runner")
	}
	bin := buildRunner(t)
	data := t.TempDir()
	r := start(t, bin, data, "-now", "2026-12-21T10:00:00Z", "-api-tokens", tokOfficer+"=planning@example.gov.uk,"+tokAdmin+"=complaints@example.gov.uk")

	resp, err := http.Post(r.base+"/_local/email", "message/rfc822", strings.NewReader(emailWithPhoto))
	if err != nil {
		t.Fatal(err)
	}
	var mailed struct{ Outcome, Reference string }
	json.NewDecoder(resp.Body).Decode(&mailed)
	resp.Body.Close()
	if mailed.Outcome != "created" {
		t.Fatalf("POST /_local/email = %d %+v", resp.StatusCode, mailed)
	}
	a := mailed.Reference
	_, c := r.api(t, "GET", "/v1/cases/"+a, tokAdmin, "")
	if len(blobFiles(t, data, "")) < 2 {
		t.Fatalf("blob store before: %v; want the raw mail and the photo", blobFiles(t, data, ""))
	}
	before := blobFiles(t, data, "")

	_, body := r.post(t, "application/json", `{"kind":"complaint","email":"ben@example.com","service_area":"planning","message":"My objection was lost."}`, nil)
	var web struct {
		Reference string `json:"reference"`
	}
	json.Unmarshal(body, &web)
	b := web.Reference

	r.clock(t, "2027-01-06T14:00:00Z")
	for _, ref := range []string{a, b} {
		if status, c := r.api(t, "POST", "/v1/cases/"+ref+"/respond", tokAdmin, `{"outcome":"not_upheld","summary":"We found no fault.","sent_by":"email"}`); status != http.StatusOK {
			t.Fatalf("respond %s = %d %v", ref, status, c)
		}
		status, c := r.api(t, "POST", "/v1/cases/"+ref+"/close", tokAdmin, `{"note":"Responded."}`)
		if status != http.StatusOK || !strings.HasPrefix(asString(c["expires_at"]), "2029-01-06T14:00") {
			t.Fatalf("close %s = %d expires_at %v; want 2029-01-06T14:00", ref, status, c["expires_at"])
		}
	}
	// Only the complaints team holds; B is held in 2028.
	r.clock(t, "2028-03-01T10:00:00Z")
	if status, _ := r.api(t, "POST", "/v1/cases/"+b+"/hold", tokOfficer, `{"reason":"Court case."}`); status != http.StatusForbidden && status != http.StatusNotFound {
		t.Errorf("an officer's hold got %d, want a refusal", status)
	}
	if status, c := r.api(t, "POST", "/v1/cases/"+b+"/hold", tokAdmin, `{"reason":"Court case about the objection."}`); status != http.StatusOK || c["expires_at"] != nil || c["hold"] == nil {
		t.Fatalf("hold = %d expires_at %v hold %v; want held, with no retention end", status, c["expires_at"], c["hold"])
	}

	r.clock(t, "2029-01-06T13:59:00Z")
	if status, _ := r.api(t, "GET", "/v1/cases/"+a, tokAdmin, ""); status != http.StatusOK {
		t.Fatalf("a minute before its retention end, GET %s = %d", a, status)
	}
	r.clock(t, "2029-01-06T14:00:00Z")
	if status, _ := r.api(t, "GET", "/v1/cases/"+a, tokAdmin, ""); status != http.StatusNotFound {
		t.Errorf("after its retention end, GET %s = %d; want 404", a, status)
	}
	if status, _ := r.api(t, "GET", "/v1/cases/"+b, tokAdmin, ""); status != http.StatusOK {
		t.Errorf("under legal hold, GET %s = %d; want 200", b, status)
	}
	_, list := r.api(t, "GET", "/v1/cases?status=closed", tokAdmin, "")
	listed, _ := json.Marshal(list)
	if strings.Contains(string(listed), a) || !strings.Contains(string(listed), b) {
		t.Errorf("closed cases list = %s; want %s gone and %s there", listed, a, b)
	}
	if left := blobFiles(t, data, ""); len(left) != 0 {
		t.Errorf("blob store after destruction: %v (before: %v); want the raw mail and the photo deleted", left, before)
	}
	status, log := r.api(t, "GET", "/v1/destructions?from=2029-01-01&to=2029-02-01", tokAdmin, "")
	line, _ := json.Marshal(log)
	if status != http.StatusOK || !strings.Contains(string(line), a) || strings.Contains(string(line), b) ||
		!strings.Contains(string(line), "retention period ended") {
		t.Fatalf("GET /v1/destructions = %d %s; want one line, for %s", status, line, a)
	}
	for _, personal := range []string{"Ada", "ada.resident", "example.com", "Example Road", "recycling", "bin.jpg", asString(c["subject"])} {
		if personal != "" && strings.Contains(string(line), personal) {
			t.Errorf("the destruction log holds personal data %q: %s", personal, line)
		}
	}
	if status, _ := r.api(t, "GET", "/v1/destructions", tokOfficer, ""); status != http.StatusForbidden {
		t.Errorf("an officer reading the destruction log got %d, want 403", status)
	}
}

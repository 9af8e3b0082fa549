package main

import (
	"archive/zip"
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestLocalRunner_SubjectAccessAndErasure: the subject-access ZIP for a person with two
// identities (linked by an admin in the restrictions register) and three cases holds all three;
// erasure while a case is open is refused with the reason, and within retention without an
// override too; with one, the cases go and the destruction log says so.
func TestLocalRunner_SubjectAccessAndErasure(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the local runner")
	}
	bin := buildRunner(t)
	r := start(t, bin, t.TempDir(), "-now", "2026-12-21T10:00:00Z",
		"-api-tokens", tokOfficer+"=planning@example.gov.uk,"+tokAdmin+"=complaints@example.gov.uk")
	var refs []string
	for _, body := range []string{
		`{"kind":"complaint","email":"pat@example.com","service_area":"planning","message":"First."}`,
		`{"kind":"comment","email":"pat@example.com","service_area":"planning","message":"Second."}`,
		`{"kind":"complaint","phone":"01632 960002","service_area":"planning","message":"Third, by telephone."}`,
	} {
		status, c := r.api(t, "POST", "/v1/cases", tokAdmin, strings.Replace(body, "{", `{"channel":"phone",`, 1))
		if status != http.StatusCreated {
			t.Fatalf("POST /v1/cases = %d %v", status, c)
		}
		refs = append(refs, asString(c["reference"]))
	}
	if status, _ := r.api(t, "POST", "/v1/restrictions", tokAdmin, `{"contact":"pat@example.com","identities":["01632960002"],"types":["written_only"],"reason":"Daily calls."}`); status != http.StatusCreated {
		t.Fatalf("linking the identities: %d", status)
	}

	req, _ := http.NewRequest("GET", r.base+"/v1/contacts/pat@example.com/export", nil)
	req.Header.Set("Authorization", "Bearer "+tokAdmin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("export = %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		files[f.Name] = string(b)
	}
	for _, name := range []string{"data.json", "summary.html"} {
		for _, ref := range refs {
			if !strings.Contains(files[name], ref) {
				t.Errorf("%s in the export lacks %s", name, ref)
			}
		}
	}
	if status, _ := r.api(t, "GET", "/v1/contacts/pat@example.com/export", tokOfficer, ""); status != http.StatusForbidden {
		t.Errorf("an officer's export got %d, want 403", status)
	}

	status, out := r.api(t, "DELETE", "/v1/contacts/pat@example.com", tokAdmin, "")
	if status != http.StatusConflict || !strings.Contains(asString(out["detail"]), "case "+refs[0]+" is open") {
		t.Fatalf("erasure with open cases = %d %v; want 409 naming the open case", status, out)
	}
	for _, ref := range refs {
		r.api(t, "POST", "/v1/cases/"+ref+"/close", tokAdmin, `{"note":"Done."}`)
	}
	status, out = r.api(t, "DELETE", "/v1/contacts/01632960002", tokAdmin, "")
	if status != http.StatusConflict || !strings.Contains(asString(out["detail"]), "must be kept until") {
		t.Fatalf("erasure within retention = %d %v; want 409 naming the retention end", status, out)
	}
	status, out = r.api(t, "DELETE", "/v1/contacts/01632960002", tokAdmin, `{"override_reason":"Data protection officer agreed: no ongoing need."}`)
	if status != http.StatusOK {
		t.Fatalf("erasure with an override = %d %v", status, out)
	}
	for _, ref := range refs {
		if status, _ := r.api(t, "GET", "/v1/cases/"+ref, tokAdmin, ""); status != http.StatusNotFound {
			t.Errorf("after erasure GET %s = %d, want 404", ref, status)
		}
	}
	_, log := r.api(t, "GET", "/v1/destructions?from=2026-12-01&to=2027-01-01", tokAdmin, "")
	if lines, _ := log["destructions"].([]any); len(lines) != 3 {
		t.Errorf("destruction log after erasure: %v; want three lines", log)
	}
}

package s3blobs_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestBucket_PresignedUpload: a browser's form post of the fields PresignedUpload gives, then
// the file, stores the file under the key and sends the browser on to the redirect; the signed
// policy names exactly that bucket, key, size limit and redirect.
func TestBucket_PresignedUpload(t *testing.T) {
	ctx := context.Background()
	b, _, name := newBucket(t)
	const key, redirect = "imports/5f0c6a1d9e2b47c8a3f1d0e9b8c7a6f5.csv", "https://intake.example.gov.uk/officer/import/5f0c6a1d9e2b47c8a3f1d0e9b8c7a6f5"
	form, err := b.PresignedUpload(ctx, key, redirect, 20<<20, time.Now(), 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var policy struct {
		Conditions []any `json:"conditions"`
	}
	for _, f := range form.Fields {
		if f.Name == "policy" {
			raw, _ := base64.StdEncoding.DecodeString(f.Value)
			json.Unmarshal(raw, &policy)
		}
	}
	text, _ := json.Marshal(policy.Conditions)
	for _, want := range []string{`{"bucket":"` + name + `"}`, `{"key":"` + key + `"}`, `["content-length-range",0,20971520]`, `{"success_action_redirect":"` + redirect + `"}`} {
		if !strings.Contains(string(text), want) {
			t.Errorf("the policy's conditions %s lack %s", text, want)
		}
	}

	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for _, f := range form.Fields {
		w.WriteField(f.Name, f.Value)
	}
	fw, _ := w.CreateFormFile("file", "past-cases.csv")
	fw.Write([]byte("reference,kind,channel,received_date\n"))
	w.Close()
	req, _ := http.NewRequest("POST", form.URL, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), redirect) {
		t.Errorf("the upload answered %d, Location %q; want 303 to %s", resp.StatusCode, resp.Header.Get("Location"), redirect)
	}
	got, err := b.Get(ctx, key)
	if err != nil || string(got) != "reference,kind,channel,received_date\n" {
		t.Errorf("Get(%s) = %q, %v; want the uploaded file", key, got, err)
	}
	if _, err := b.PresignedUpload(ctx, "../escape", redirect, 1, time.Now(), time.Minute); err == nil {
		t.Error("a key that climbs out was presigned")
	}
}

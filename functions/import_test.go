package functions_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/dynamo"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/mototest"
)

// TestFunctions_ImportInTheBackground: the built importer, behind its template policy, imports
// the file the console had uploaded to S3 for a job, records the outcome on the job for the
// import page, and deletes the file; the same event again does nothing more.
func TestFunctions_ImportInTheBackground(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := newStack(t)
	store := dynamo.New(s.db, s.table, clock.System{})
	admin := feedback.StaffMember{Email: "complaints@example.gov.uk", Role: feedback.RoleAdmin}
	j, err := feedback.NewImportJob(admin, time.Now(), "", false)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.PutImportJob(ctx, j, ""); err != nil {
		t.Fatal(err)
	}
	received := time.Now().AddDate(0, -1, 0).Format(time.DateOnly)
	var file strings.Builder
	file.WriteString("reference,kind,channel,service_area,received_date\n")
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&file, "OLD-%03d,compliment,web,planning,%s\n", i, received)
	}
	s3c := s3.NewFromConfig(mototest.Config(), func(o *s3.Options) { o.BaseEndpoint = aws.String(s.endpoint); o.UsePathStyle = true })
	if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(mailBucket), Key: aws.String(j.File), Body: strings.NewReader(file.String())}); err != nil {
		t.Fatal(err)
	}
	var ev events.S3Event
	ev.Records = append(ev.Records, events.S3EventRecord{EventName: "ObjectCreated:Post",
		S3: events.S3Entity{Bucket: events.S3Bucket{Name: mailBucket}, Object: events.S3Object{Key: j.File}}})
	event, _ := json.Marshal(ev)
	fn := s.start(t, "importer")
	for range 2 {
		if out, err := fn.Invoke(ctx, event); err != nil || string(out) != "null" {
			t.Fatalf("importer = %s, %v\n%s", out, err, fn.Output())
		}
	}
	got, err := store.GetImportJob(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != feedback.ImportDone || got.Rows != 30 || got.Imported != 30 || got.Done != 30 || !got.Written {
		t.Fatalf("job = %+v; want done, 30 rows imported\n%s", got, fn.Output())
	}
	if c, err := store.Get(ctx, "OLD-030"); err != nil || c.Kind != feedback.KindCompliment {
		t.Errorf("OLD-030 = %+v, %v; want the imported compliment", c, err)
	}
	if _, err := s3c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(mailBucket), Key: aws.String(j.File)}); err == nil {
		t.Error("the uploaded file is still in the bucket after the import")
	}
	if out := fn.Output(); !strings.Contains(out, `"msg":"import finished"`) || strings.Contains(out, "OLD-0") {
		t.Errorf("the importer's log has no line for the import, or names rows:\n%s", out)
	}
}

// TestFunctions_ConsoleImportThroughS3: the console's import in AWS, by the built functions on
// moto behind their template policies: an admin starts a job on the built officer function,
// whose job page carries a form, signed with the function's credentials, that posts the file
// straight to the bucket under the job's key and sends the browser back to the page (which the
// page's Content-Security-Policy lets it post to); the upload, posted as the browser would,
// is taken by S3; the importer imports it; and the page then shows what it did.
func TestFunctions_ConsoleImportThroughS3(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := newStack(t)
	b := &console{t: t, ctx: ctx, officer: s.start(t, "officer"), cookies: map[string]string{}}
	b.signIn(s, s.start(t, "notifier"), "complaints@example.gov.uk")
	start := b.do("POST", "/officer/import/start", url.Values{"csrf": {b.csrf(b.do("GET", "/officer/import", nil))}, "encoding": {"utf-8"}})
	jobPath := start.Headers["Location"]
	id := strings.TrimPrefix(jobPath, "/officer/import/")
	if start.StatusCode != http.StatusSeeOther || id == jobPath || id == "" {
		t.Fatalf("POST /officer/import/start = %d to %q %.300s", start.StatusCode, jobPath, start.Body)
	}
	page := b.do("GET", jobPath, nil)
	formAt := regexp.MustCompile(`<form method="post" action="([^"]+)" enctype="multipart/form-data">`).FindStringSubmatchIndex(page.Body)
	if page.StatusCode != http.StatusOK || formAt == nil {
		t.Fatalf("GET %s = %d; want the upload form\n%s", jobPath, page.StatusCode, page.Body)
	}
	form, _, _ := strings.Cut(page.Body[formAt[0]:], "</form>")
	action, err := url.Parse(html.UnescapeString(page.Body[formAt[2]:formAt[3]]))
	if err != nil {
		t.Fatal(err)
	}
	// The function reaches AWS through the test's policy checker, so the form names the
	// checker's address; the browser's post goes to the bucket on moto itself.
	origin := action.Scheme + "://" + action.Host
	if strings.Trim(action.Path, "/") != mailBucket || !strings.Contains(page.Headers["Content-Security-Policy"], "form-action 'self' "+origin+";") {
		t.Errorf("the form posts to %s under %q; want the bucket %s, allowed by form-action", action, page.Headers["Content-Security-Policy"], mailBucket)
	}
	to := s.endpoint + action.Path
	fields := map[string]string{}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`).FindAllStringSubmatch(form, -1) {
		fields[m[1]] = html.UnescapeString(m[2])
		mw.WriteField(m[1], fields[m[1]])
	}
	want := map[string]string{"key": "imports/" + id + ".csv", "success_action_redirect": "https://intake.example.gov.uk/officer/import/" + id + "?uploaded=1", "x-amz-algorithm": "AWS4-HMAC-SHA256"}
	for k, v := range want {
		if fields[k] != v {
			t.Errorf("field %s = %q; want %q", k, fields[k], v)
		}
	}
	for _, k := range []string{"policy", "x-amz-signature", "x-amz-credential", "x-amz-date"} {
		if fields[k] == "" {
			t.Errorf("the form has no %s", k)
		}
	}
	if _, ok := fields["csrf"]; ok {
		t.Error("the form posted to S3 carries the console's CSRF token")
	}
	fw, _ := mw.CreateFormFile("file", "cases.csv")
	fmt.Fprintf(fw, "reference,kind,channel,service_area,received_date\nOLD-001,compliment,web,planning,%s\n", time.Now().AddDate(0, -1, 0).Format(time.DateOnly))
	mw.Close()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Post(to, mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 400 {
		t.Fatalf("the upload to S3 = %d", resp.StatusCode)
	}
	var ev events.S3Event
	ev.Records = append(ev.Records, events.S3EventRecord{EventName: "ObjectCreated:Post",
		S3: events.S3Entity{Bucket: events.S3Bucket{Name: mailBucket}, Object: events.S3Object{Key: want["key"]}}})
	event, _ := json.Marshal(ev)
	importer := s.start(t, "importer")
	if out, err := importer.Invoke(ctx, event); err != nil || string(out) != "null" {
		t.Fatalf("importer = %s, %v\n%s", out, err, importer.Output())
	}
	done := b.do("GET", jobPath, nil)
	for _, w := range []string{`id="state">Finished<`, `id="imported">1<`, "The import has finished"} {
		if !strings.Contains(done.Body, w) {
			t.Errorf("the job's page after the import lacks %q\n%s", w, done.Body)
		}
	}
}

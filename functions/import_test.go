package functions_test

import (
	"context"
	"encoding/json"
	"fmt"
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

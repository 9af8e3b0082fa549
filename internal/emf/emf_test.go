package emf

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

func TestWriter_Add(t *testing.T) {
	var b bytes.Buffer
	w := New(&b)
	w.now = func() time.Time { return time.UnixMilli(1798000000000) }
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
	w.Add(ctx, "CasesCreated", 1, map[string]string{"Kind": "complaint", "Channel": "web"})
	var got map[string]any
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("not one JSON line: %q", b.String())
	}
	want := `{"CasesCreated":1,"Channel":"web","Kind":"complaint","_aws":{"CloudWatchMetrics":[{"Dimensions":[["Channel","Kind"]],"Metrics":[{"Name":"CasesCreated","Unit":"Count"}],"Namespace":"Intake"}],"Timestamp":1798000000000},"requestId":"req-1"}`
	if line, _ := json.Marshal(got); string(line) != want {
		t.Errorf("line = %s\nwant   %s", line, want)
	}
}

package setup

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

func TestRequestIDs(t *testing.T) {
	var b bytes.Buffer
	log := slog.New(requestIDs{slog.NewJSONHandler(&b, nil)}).With("fn", "webform")
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-123"})
	log.InfoContext(ctx, "case created", "ref", "FB-2026-000001")
	log.Info("cold start")
	lines := bytes.Split(bytes.TrimSpace(b.Bytes()), []byte("\n"))
	if len(lines) != 2 {
		t.Fatalf("%d lines: %s", len(lines), b.String())
	}
	var first, second map[string]any
	json.Unmarshal(lines[0], &first)
	json.Unmarshal(lines[1], &second)
	for k, want := range map[string]any{"level": "INFO", "msg": "case created", "requestId": "req-123", "ref": "FB-2026-000001", "fn": "webform"} {
		if first[k] != want {
			t.Errorf("%s = %v, want %v (line %s)", k, first[k], want, lines[0])
		}
	}
	if _, ok := second["requestId"]; ok {
		t.Errorf("a line logged outside an invocation has a request id: %s", lines[1])
	}
}

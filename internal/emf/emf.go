// Package emf writes CloudWatch metrics in the Embedded Metric Format: one JSON line per data
// point on the function's log stream, which CloudWatch turns into metrics with no API call and
// no added latency. It is the AWS side of feedback.Metrics.
package emf

import (
	"context"
	"encoding/json"
	"io"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/council/intake/internal/feedback"
)

// Namespace is the CloudWatch namespace of every metric Intake emits.
const Namespace = "Intake"

// Writer writes metrics to w, one line each. It is safe for concurrent use.
type Writer struct {
	mu  sync.Mutex
	w   io.Writer
	now func() time.Time
}

var _ feedback.Metrics = (*Writer)(nil)

// New returns a writer to w (a Lambda function's standard output).
func New(w io.Writer) *Writer { return &Writer{w: w, now: time.Now} }

// Add records value for the metric name with the given dimensions. The dimensions are few and
// fixed (a channel, a kind, an outcome), never personal data.
func (e *Writer) Add(ctx context.Context, name string, value float64, dims map[string]string) {
	keys := make([]string, 0, len(dims))
	line := map[string]any{}
	for k, v := range dims {
		keys = append(keys, k)
		line[k] = v
	}
	sort.Strings(keys)
	line[name] = value
	line["_aws"] = map[string]any{
		"Timestamp": e.now().UnixMilli(),
		"CloudWatchMetrics": []any{map[string]any{
			"Namespace":  Namespace,
			"Dimensions": [][]string{keys},
			"Metrics":    []any{map[string]string{"Name": name, "Unit": "Count"}},
		}},
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		line["requestId"] = lc.AwsRequestID
	}
	b, err := json.Marshal(line)
	if err != nil {
		return // a map of strings and numbers always marshals
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.w.Write(append(b, '\n'))
}

package functions_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/council/intake/internal/dynamo/capacity"
	"github.com/council/intake/internal/lambdatest"
)

// The list prices the cost per 1,000 complaints is worked out at: DynamoDB on-demand, Standard
// table class, Europe (London) eu-west-2, in US dollars per million request units
// (https://aws.amazon.com/dynamodb/pricing/on-demand/; half the rates before November 2024's
// price cut). Prices change: check the page before quoting a figure. Reading the stream is free
// for Lambda's event source, so the notifier's trigger adds nothing.
const (
	priceRegion  = "eu-west-2 (London), on-demand, Standard table class"
	pricePerMWRU = 0.7423
	pricePerMRRU = 0.1485
)

// complaintMessage is the 1,000-character message of the costed complaint.
var complaintMessage = strings.Repeat("Our green bin has been missed three weeks running on Elm Road. ", 16)[:1000]

// costStack is a stack whose functions reach DynamoDB through a capacity meter, with the two
// functions that take a web complaint in.
type costStack struct {
	*stack
	meter             *capacity.Meter
	webform, notifier *lambdatest.Fn
	seen              map[string]bool // stream records read already, by sequence number
}

func newCostStack(t testing.TB) *costStack {
	t.Helper()
	s := newStack(t)
	table, err := capacity.LoadTemplate(filepath.Join("..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	m := capacity.NewMeter(s.endpoint, table)
	t.Cleanup(m.Close)
	s.env = append(s.env, "AWS_ENDPOINT_URL_DYNAMODB="+m.URL)
	return &costStack{stack: s, meter: m, webform: s.start(t, "webform"), notifier: s.start(t, "notifier"), seen: map[string]bool{}}
}

// complaint is a web complaint with a 1,000-character message, as events/webform-post-json.json
// sends it, from its own address (so that no acknowledgement limit is reached) and with its own
// idempotency key.
func complaint(t testing.TB, n int) []byte {
	t.Helper()
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(readEvent(t, "webform-post-json.json"), &ev); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{
		"kind": "complaint", "name": "Alex Resident", "email": fmt.Sprintf("resident.%d@example.com", n),
		"service_area": "bins-and-recycling", "subject": "Missed bin collection", "message": complaintMessage,
	})
	ev.Body = string(body)
	ev.Headers["content-length"] = fmt.Sprint(len(body))
	ev.Headers["idempotency-key"] = fmt.Sprintf("cost-%d-%d", time.Now().UnixNano(), n)
	b, _ := json.Marshal(ev)
	return b
}

// newRecords returns the stream records written since the last call.
func (s *costStack) newRecords(t testing.TB) []events.DynamoDBEventRecord {
	t.Helper()
	var out []events.DynamoDBEventRecord
	for _, r := range s.streamRecords(t) {
		if !s.seen[r.Change.SequenceNumber] {
			s.seen[r.Change.SequenceNumber] = true
			out = append(out, r)
		}
	}
	return out
}

// intake is what taking one web complaint in cost: the web form function storing it, and the
// notifier, invoked with what the stream filter lets through of the records that made.
type intake struct {
	web, notifier capacity.Usage
	invocations   int // of the notifier: batches holding at least one record the filter passes
	afterward     int // records the notifier's own writes made that the filter passes
}

// takeIn sends complaint n through the web form and the notifier and measures it.
func (s *costStack) takeIn(ctx context.Context, t testing.TB, n int) intake {
	t.Helper()
	var in intake
	before := s.meter.Usage()
	resp := invokeHTTP(ctx, t, s.webform, complaint(t, n))
	if resp.StatusCode != 201 {
		t.Fatalf("webform = %d %s; want 201", resp.StatusCode, resp.Body)
	}
	stored := s.meter.Usage()
	in.web = stored.Sub(before)

	var batch []events.DynamoDBEventRecord
	for _, r := range s.newRecords(t) {
		if invokesNotifier(t, r) {
			batch = append(batch, r)
		}
	}
	if len(batch) > 0 {
		in.invocations++
		ev, _ := json.Marshal(events.DynamoDBEvent{Records: batch})
		if out, err := s.notifier.Invoke(ctx, ev); err != nil || strings.Contains(string(out), "itemIdentifier") {
			t.Fatalf("notifier = %s, %v\n%s", out, err, s.notifier.Output())
		}
	}
	in.notifier = s.meter.Usage().Sub(stored)
	for _, r := range s.newRecords(t) {
		if invokesNotifier(t, r) {
			in.afterward++
		}
	}
	return in
}

// TestFunctions_WebComplaintDynamoDBCost pins what one web complaint with a 1,000-character
// message costs in DynamoDB calls, through the built web form and notifier on moto, and holds
// the write units to what they are now: the calls are a count, the same on every run; the units
// depend on the case item's size, which moves by a few bytes with the clock (times are written
// without trailing zeros), so they are held to a ceiling, which a few bytes less never breaks.
// The notifier is invoked once, by the case's INSERT, and never by its own writes.
func TestFunctions_WebComplaintDynamoDBCost(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := newCostStack(t)
	for n := range 2 { // the second complaint meets a table and counters that exist already
		in := s.takeIn(ctx, t, n)
		if in.invocations != 1 || in.afterward != 0 {
			t.Errorf("complaint %d: the stream filter passed records for %d notifier invocations, and %d of the notifier's own writes; want 1 and 0",
				n, in.invocations, in.afterward)
		}
		wantWeb := map[string]int{"GetItem": 1, "UpdateItem": 1, "Query": 1, "TransactWriteItems": 1}
		wantNotifier := map[string]int{"UpdateItem": 1, "PutItem": 2}
		if !maps.Equal(in.web.Calls, wantWeb) {
			t.Errorf("complaint %d: the web form's DynamoDB calls = %v, want %v", n, in.web.Calls, wantWeb)
		}
		if !maps.Equal(in.notifier.Calls, wantNotifier) {
			t.Errorf("complaint %d: the notifier's DynamoDB calls = %v, want %v", n, in.notifier.Calls, wantNotifier)
		}
		if web, notifier := in.web.WRU(), in.notifier.WRU(); web > 37 || notifier > 9 {
			t.Errorf("complaint %d: write units: web form %.0f, notifier %.0f; want at most 37 and 9 (docs/performance.md, DynamoDB per web complaint)", n, web, notifier)
		}
		t.Logf("complaint %d: web form %s; notifier %s", n, in.web, in.notifier)
	}
}

// BenchmarkFunctions_WebComplaintDynamoDB prints what taking a web complaint in costs in
// DynamoDB (`make bench`): calls by operation, read and write units, per web form request and
// per notifier run, and the cost of 1,000 complaints at list prices.
func BenchmarkFunctions_WebComplaintDynamoDB(b *testing.B) {
	ctx := context.Background()
	s := newCostStack(b)
	var web, notifier capacity.Usage
	invocations := 0
	n := 0
	b.ResetTimer()
	for b.Loop() {
		in := s.takeIn(ctx, b, n)
		n++
		web, notifier = add(web, in.web), add(notifier, in.notifier)
		invocations += in.invocations
	}
	b.StopTimer()
	per := func(u capacity.Usage) string {
		var ops []string
		for _, op := range slices.Sorted(maps.Keys(u.Calls)) {
			ops = append(ops, fmt.Sprintf("%s %.1f", op, float64(u.Calls[op])/float64(n)))
		}
		var where []string
		for _, w := range slices.Sorted(maps.Keys(u.WCU)) {
			where = append(where, fmt.Sprintf("%s %.1f", w, u.WCU[w]/float64(n)))
		}
		return fmt.Sprintf("%.1f calls (%s); %.1f RCU; %.1f WCU (%s)", float64(u.CallCount())/float64(n), strings.Join(ops, ", "),
			u.RCU/float64(n), u.WRU()/float64(n), strings.Join(where, ", "))
	}
	total := add(web, notifier)
	wru, rru := total.WRU()/float64(n), total.RCU/float64(n)
	b.Logf("DynamoDB per web complaint (1,000-character message), over %d complaints, counted through moto:", n)
	b.Logf("  web form request: %s", per(web))
	b.Logf("  notifier run:     %s", per(notifier))
	b.Logf("  notifier invocations per complaint (template.yaml's stream filter): %.1f", float64(invocations)/float64(n))
	b.Logf("  end to end: %.1f calls, %.1f RCU, %.1f WCU", float64(total.CallCount())/float64(n), rru, wru)
	b.Logf("  per 1,000 complaints: %.0f write and %.0f read request units (on demand, one per capacity unit) = $%.4f at %s list prices ($%.4f per million WRU, $%.4f per million RRU)",
		1000*wru, 1000*rru, 1000*(wru*pricePerMWRU+rru*pricePerMRRU)/1e6, priceRegion, pricePerMWRU, pricePerMRRU)
	b.ReportMetric(float64(total.CallCount())/float64(n), "calls/complaint")
	b.ReportMetric(wru, "WRU/complaint")
	b.ReportMetric(rru, "RRU/complaint")
}

func add(a, b capacity.Usage) capacity.Usage {
	if a.Calls == nil {
		a = capacity.Usage{Calls: map[string]int{}, WCU: map[string]float64{}}
	}
	out := a.Sub(capacity.Usage{})
	for k, v := range b.Calls {
		out.Calls[k] += v
	}
	for k, v := range b.WCU {
		out.WCU[k] += v
	}
	out.RCU += b.RCU
	return out
}

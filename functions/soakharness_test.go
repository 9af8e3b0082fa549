package functions_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/council/intake/internal/dynamo"
	"github.com/council/intake/internal/faults"
	"github.com/council/intake/internal/lambdatest"
)

// The AWS path's event sources, as template.yaml wires them, played by the soak: API Gateway
// (an invocation per request, retried by the caller until it gets an answer that settles it),
// S3's event for inbound mail and Scheduler's one-off and daily schedules (asynchronous
// invocations, retried on error), and the table's stream (batches of ten that pass the
// notifier's filter, retried from the failed record, five times). Each function runs as a few
// execution environments side by side, and one whose process is killed is replaced, cold.

// proc is one execution environment: a function's process and its count of invocations.
type proc struct {
	id  int64
	fn  *lambdatest.Fn
	inv atomic.Int64
	// dead is set once the process has been killed; the pool then replaces it.
	dead atomic.Bool
}

func (p *proc) kill() {
	p.dead.Store(true)
	p.fn.Close()
}

// pool is a function's execution environments.
type pool struct {
	name string
	h    *awsSoak
	bin  string
	// check is the function's policyCheck endpoint, in front of moto.
	check string
	// timeout is the function's Timeout in template.yaml.
	timeout time.Duration
	slots   chan *proc
}

func (h *awsSoak) newPool(t testing.TB, name string, size int) *pool {
	p := &pool{name: name, h: h, bin: lambdatest.Build(t, "github.com/council/intake/functions/"+name),
		check: policyCheck(t, name, h.s.endpoint, h.s.names(), nil), slots: make(chan *proc, size), timeout: functionTimeout(t, name)}
	for range size {
		pr, err := p.launch(t)
		if err != nil {
			t.Fatal(err)
		}
		p.slots <- pr
	}
	return p
}

// launch starts an execution environment, reaching AWS through its own fault proxy.
func (p *pool) launch(t testing.TB) (*proc, error) {
	pr := &proc{id: p.h.procs.Add(1)}
	url := startFaultProxy(t, &faultProxy{in: p.h.in, journal: &p.h.journal, proc: pr, upstream: p.check, abandon: &p.h.abandon, calm: &p.h.calm, rng: p.h.intn})
	env := append(slices.Clone(p.h.s.env), "AWS_ENDPOINT_URL="+url)
	fn, err := lambdatest.Launch(p.bin, env, p.h.logs)
	if err != nil {
		return nil, fmt.Errorf("soak: start %s: %w", p.name, err)
	}
	pr.fn = fn
	p.h.mu.Lock()
	p.h.running = append(p.h.running, pr)
	p.h.mu.Unlock()
	return pr, nil
}

// invoke hands event to a free execution environment, replacing one that was killed.
func (p *pool) invoke(ctx context.Context, event []byte) ([]byte, error) {
	pr := <-p.slots
	defer func() { p.slots <- pr }()
	if pr.dead.Load() {
		next, err := p.launch(p.h.t)
		if err != nil {
			return nil, err
		}
		pr = next
	}
	pr.inv.Add(1)
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	out, err := pr.fn.Invoke(ctx, event)
	switch {
	case pr.dead.Load():
		p.h.kills.Add(1)
		return nil, fmt.Errorf("soak: %s was killed mid-invocation", p.name)
	case ctx.Err() != nil:
		pr.kill() // Lambda ends an invocation that outlives the function's timeout
		p.h.timeouts.Add(1)
		return nil, fmt.Errorf("soak: %s timed out after %s", p.name, p.timeout)
	}
	return out, err
}

// stream is the notifier's event source mapping: it reads the table's stream from where it
// last was and hands the notifier the records that pass its filter, in batches.
type stream struct {
	h         *awsSoak
	arn       string
	iterators map[string]*string // by shard
	mu        sync.Mutex
}

func (h *awsSoak) openStream(ctx context.Context) error {
	desc, err := h.s.db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(h.s.table)})
	if err != nil {
		return err
	}
	h.stream = &stream{h: h, arn: aws.ToString(desc.Table.LatestStreamArn), iterators: map[string]*string{}}
	return nil
}

// read returns the records written since the last read that pass the notifier's filter.
func (st *stream) read(ctx context.Context) ([]events.DynamoDBEventRecord, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	desc, err := st.h.s.streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(st.arn)})
	if err != nil {
		return nil, err
	}
	filters, err := notifierFilters()
	if err != nil {
		return nil, err
	}
	var out []events.DynamoDBEventRecord
	for _, sh := range desc.StreamDescription.Shards {
		id := aws.ToString(sh.ShardId)
		it, known := st.iterators[id]
		if !known {
			got, err := st.h.s.streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
				StreamArn: aws.String(st.arn), ShardId: sh.ShardId, ShardIteratorType: streamtypes.ShardIteratorTypeTrimHorizon})
			if err != nil {
				return nil, err
			}
			it = got.ShardIterator
		}
		for it != nil {
			recs, err := st.h.s.streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it})
			if err != nil {
				return nil, err
			}
			for _, r := range recs.Records {
				ev, err := dynamo.StreamRecordToEvent(r, st.arn)
				if err != nil {
					return nil, err
				}
				if ok, err := passes(filters, ev); err != nil {
					return nil, err
				} else if ok {
					out = append(out, ev)
				}
			}
			st.iterators[id] = recs.NextShardIterator
			if len(recs.Records) == 0 {
				break
			}
			it = recs.NextShardIterator
		}
	}
	return out, nil
}

// passes is the notifier's event filter (filter_test.go) for one record.
func passes(filters []map[string]any, r events.DynamoDBEventRecord) (bool, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return false, err
	}
	var rec map[string]any
	if err := json.Unmarshal(b, &rec); err != nil {
		return false, err
	}
	for _, p := range filters {
		if ok, err := matchPattern(p, rec); ok || err != nil {
			return ok, err
		}
	}
	return false, nil
}

// pumpStream hands the notifier what the stream has, ten records at a time, each batch 1–3
// times; a batch that fails is handed again from its first failed record, five times at most,
// as the event source mapping's MaximumRetryAttempts allows (then the daily sweep is what is
// left, as in AWS).
func (h *awsSoak) pumpStream(ctx context.Context, rng *rand.Rand) error {
	recs, err := h.stream.read(ctx)
	if err != nil {
		return err
	}
	var batches []func()
	for len(recs) > 0 {
		n := min(10, len(recs))
		batch := recs[:n]
		recs = recs[n:]
		batches = append(batches, func() { h.deliver(rng, func() { h.notify(ctx, batch) }) })
	}
	h.parallel(batches)
	return nil
}

// notify invokes the notifier with a batch until it takes every record or the retries run out.
func (h *awsSoak) notify(ctx context.Context, batch []events.DynamoDBEventRecord) {
	for try := 0; try <= 5 && len(batch) > 0 && ctx.Err() == nil; try++ {
		body, _ := json.Marshal(events.DynamoDBEvent{Records: batch})
		out, err := h.notifier.invoke(ctx, body)
		if err != nil {
			continue // the whole batch again
		}
		var resp events.DynamoDBEventResponse
		if json.Unmarshal(out, &resp) != nil || len(resp.BatchItemFailures) == 0 {
			return
		}
		first := resp.BatchItemFailures[0].ItemIdentifier
		i := slices.IndexFunc(batch, func(r events.DynamoDBEventRecord) bool { return r.Change.SequenceNumber == first })
		if i < 0 {
			i = 0
		}
		batch = batch[i:]
	}
	if len(batch) > 0 {
		h.dropped.Add(int64(len(batch)))
	}
}

// fireDue plays Scheduler: each schedule whose time has come is fired 1–3 times (deleted after
// it fires, as ActionAfterCompletion: DELETE does), retried on error ten times as the template's
// RetryPolicy allows.
func (h *awsSoak) fireDue(ctx context.Context, rng *rand.Rand) error {
	due, err := h.dueSchedules(ctx)
	if err != nil {
		return err
	}
	var fires []func()
	for _, sc := range due {
		if _, err := h.s.sched.DeleteSchedule(ctx, &scheduler.DeleteScheduleInput{Name: sc.Name, GroupName: aws.String(h.s.group)}); err != nil {
			continue // fired by another round already
		}
		input := []byte(aws.ToString(sc.Target.Input))
		fires = append(fires, func() { h.deliver(rng, func() { h.remind(ctx, input) }) })
	}
	h.parallel(fires)
	return nil
}

// remind invokes the reminders function until it succeeds or its retries run out.
func (h *awsSoak) remind(ctx context.Context, input []byte) {
	for try := 0; try <= 10 && ctx.Err() == nil; try++ {
		if _, err := h.reminders.invoke(ctx, input); err == nil {
			return
		}
	}
	h.dropped.Add(1)
}

// dueSchedules are the schedules in the stack's group whose one time has come.
func (h *awsSoak) dueSchedules(ctx context.Context) ([]*scheduler.GetScheduleOutput, error) {
	var out []*scheduler.GetScheduleOutput
	all, err := h.listSchedules(ctx)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	for _, sc := range all {
		at, err := time.ParseInLocation("at(2006-01-02T15:04:05)", aws.ToString(sc.ScheduleExpression), h.london)
		if err != nil {
			return nil, fmt.Errorf("soak: schedule %s: %w", aws.ToString(sc.Name), err)
		}
		if !at.After(now) {
			out = append(out, sc)
		}
	}
	return out, nil
}

// listSchedules reads every schedule in the stack's group.
func (h *awsSoak) listSchedules(ctx context.Context) ([]*scheduler.GetScheduleOutput, error) {
	var out []*scheduler.GetScheduleOutput
	var next *string
	for {
		list, err := h.s.sched.ListSchedules(ctx, &scheduler.ListSchedulesInput{GroupName: aws.String(h.s.group), NextToken: next})
		if err != nil {
			return nil, err
		}
		for _, sum := range list.Schedules {
			// A schedule read before and not changed since is taken from the cache.
			key := aws.ToString(sum.Name) + "@" + aws.ToTime(sum.LastModificationDate).String()
			h.mu.Lock()
			got, known := h.scheduleCache[key]
			h.mu.Unlock()
			if known {
				out = append(out, got)
				continue
			}
			got, err := h.s.sched.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: sum.Name, GroupName: aws.String(h.s.group)})
			var gone interface{ ErrorCode() string }
			if errors.As(err, &gone) && strings.Contains(gone.ErrorCode(), "NotFound") {
				continue
			}
			if err != nil {
				return nil, err
			}
			h.mu.Lock()
			h.scheduleCache[key] = got
			h.mu.Unlock()
			out = append(out, got)
		}
		if next = list.NextToken; next == nil {
			return out, nil
		}
	}
}

// sweep is the daily schedule's invocation of the reminders function, once: a sweep that fails
// is what the next one (the next round's, as the next day's in AWS) is for.
func (h *awsSoak) sweep(ctx context.Context) {
	if !h.sweeping.CompareAndSwap(false, true) {
		return // one at a time, as one schedule's invocations are in practice
	}
	defer h.sweeping.Store(false)
	h.sweeps.Add(1)
	h.reminders.invoke(ctx, []byte(`{"sweep":true}`))
}

// injected counts the faults injected.
func (h *awsSoak) injected() int64 {
	return h.in.Count(faults.Transient) + h.in.Count(faults.Ambiguous) + h.in.Count(faults.Permanent)
}

// functionTimeout is the function's Timeout in template.yaml (its own, or the Globals').
func functionTimeout(t testing.TB, name string) time.Duration {
	tpl, err := loadTemplate()
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range [][]string{{"Resources", functionResources[name], "Properties", "Timeout"}, {"Globals", "Function", "Timeout"}} {
		n := tpl[path[0]]
		for _, k := range path[1:] {
			if n = mappingValue(n, k); n == nil {
				break
			}
		}
		if n != nil {
			var secs int
			if err := n.Decode(&secs); err != nil {
				t.Fatal(err)
			}
			return time.Duration(secs) * time.Second
		}
	}
	t.Fatalf("template.yaml gives %s no Timeout", functionResources[name])
	return 0
}

package functions_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/council/intake/internal/faults"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/lambdatest"
	"github.com/council/intake/internal/mototest"
	"github.com/council/intake/internal/soak"
)

// The soak's AWS path (issue 24): the built functions on moto, as template.yaml wires them,
// each request to AWS through a fault-injecting proxy and the function's IAM policies; every
// trigger delivered 1–3 times in any order; invocations abandoned (the process killed) at
// random requests and their triggers delivered again. `make soak` runs it after the local
// path; `go test ./functions -run TestSoak_AWS -soak.deliveries 10000` alone.
//
// Time is the one thing the AWS path cannot move: the functions read the machine's clock. So
// deadlines come to it instead: a share of complaints are telephone calls entered late (their
// reminders are due at once), and restriction decisions are entered with the date they were
// made, about six months ago (their reviews are due).
var (
	soakDeliveries = flag.Int("soak.deliveries", 0, "TestSoak_AWS: deliveries to send (0: the test does not run)")
	soakFaults     = flag.String("soak.faults", "20%", "TestSoak_AWS: share of requests to AWS that fail")
	soakSeed       = flag.Uint64("soak.seed", 1, "TestSoak_AWS: seed of the traffic, the faults and the kills")
	soakLog        = flag.String("soak.log", "", "TestSoak_AWS: file to write the functions' logs to (default: discarded)")
)

const (
	soakMonitor = "soak-monitor"
	soakSecret  = "soak-monitor-secret-0123456789abcdef"
	soakOfficer = "complaints@example.gov.uk"
)

type awsSoak struct {
	t      testing.TB
	s      *stack
	in     *faults.Injector
	london *time.Location
	cfg    struct{ deliveries, perRound, workers, kills int }

	webform, social, email, officer, notifier, reminders *pool
	stream                                               *stream
	s3                                                   *s3.Client

	logs io.Writer // the functions' logs

	journal  journal
	abandon  atomic.Bool
	calm     atomic.Bool
	procs    atomic.Int64
	sweeping atomic.Bool
	sweepers sync.WaitGroup

	rngMu sync.Mutex
	rng   *rand.Rand

	mu            sync.Mutex
	running       []*proc
	scheduleCache map[string]*scheduler.GetScheduleOutput
	items         []*soak.Item
	complaints    map[string]string
	complaintRefs []string
	restrictions  []string
	restricted    int
	deferred      []func()
	unsettled     []string
	latencies     []time.Duration

	itemCount, deliveries, redeliveries, kills, dropped, sweeps, timeouts atomic.Int64
}

func (h *awsSoak) intn(n int) int {
	h.rngMu.Lock()
	defer h.rngMu.Unlock()
	return h.rng.IntN(n)
}

// TestSoak_AWS runs only when asked for with -soak.deliveries (make soak does): it lasts
// minutes even when short, as a claim abandoned by a killed invocation holds for two minutes of
// real time, and what it audits depends on the interleaving of many processes. The local path's
// TestSoak_Short is the soak inside make test.
func TestSoak_AWS(t *testing.T) {
	n := *soakDeliveries
	if n == 0 {
		t.Skip("the AWS path's soak runs with -soak.deliveries N (make soak)")
	}
	rate, err := soak.ParseRate(*soakFaults)
	if err != nil {
		t.Fatal(err)
	}
	// Only a hung run should meet this: a round takes a few minutes and more for more
	// deliveries (the SDK's backoff), and the backlog then drains for up to six.
	rounds := (n + roundSize(n) - 1) / roundSize(n)
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(10+5*rounds+n/100)*time.Minute)
	defer cancel()
	h := newAWSSoak(ctx, t, n, rate, *soakSeed)
	res := h.run(ctx)
	fmt.Fprintln(os.Stdout, res.Line())
	for _, f := range res.Findings() {
		t.Error(f)
	}
	if testing.Verbose() {
		for _, r := range res.Resent {
			t.Log("resent: " + r)
		}
	}
	if res.Deliveries < int64(n) || res.Redeliveries == 0 || res.Kills == 0 || res.Stored == 0 {
		t.Errorf("the soak did too little to count: %s", res.Line())
	}
}

func newAWSSoak(ctx context.Context, t *testing.T, deliveries int, rate float64, seed uint64) *awsSoak {
	s := newStack(t)
	s.socialSecretsParam = "/intake-test-soak/" + s.table + "/social-secrets"
	ssmc := ssm.NewFromConfig(mototest.Config(), func(o *ssm.Options) { o.BaseEndpoint = aws.String(s.endpoint) })
	if _, err := ssmc.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(s.socialSecretsParam), Type: ssmtypes.ParameterTypeSecureString,
		Value: aws.String(soakMonitor + "=" + soakSecret)}); err != nil {
		t.Fatal(err)
	}
	s.env = append(s.env, "INTAKE_SOCIAL_SECRETS_PARAMETER="+s.socialSecretsParam)
	h := &awsSoak{t: t, s: s, in: faults.New(rate, seed), london: mustLondon(t), rng: rand.New(rand.NewPCG(seed, 26)),
		complaints: map[string]string{}, scheduleCache: map[string]*scheduler.GetScheduleOutput{},
		s3: s3.NewFromConfig(mototest.Config(), func(o *s3.Options) { o.BaseEndpoint = aws.String(s.endpoint); o.UsePathStyle = true })}
	h.logs = io.Discard
	if *soakLog != "" {
		f, err := os.Create(*soakLog)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		h.logs = &lockedWriter{w: f}
	}
	// The SDK's retries back off for seconds, so the functions mostly wait (the machine is
	// idle most of a run): many side by side, and more for a long run's larger rounds, as
	// Lambda scales out under more traffic.
	h.cfg.deliveries, h.cfg.perRound, h.cfg.kills = deliveries, roundSize(deliveries), max(1, deliveries/400)
	scale := min(8, max(1, h.cfg.perRound/60))
	h.cfg.workers = 24 * scale
	h.webform, h.social, h.email = h.newPool(t, "webform", 6*scale), h.newPool(t, "social", 4*scale), h.newPool(t, "email", 4*scale)
	h.officer, h.notifier, h.reminders = h.newPool(t, "officer", 8*scale), h.newPool(t, "notifier", 16*scale), h.newPool(t, "reminders", 4*scale)
	t.Cleanup(func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		for _, p := range h.running {
			p.fn.Close()
		}
	})
	if err := h.openStream(ctx); err != nil {
		t.Fatal(err)
	}
	return h
}

// roundSize is how many of n deliveries go in one round: ten rounds, of at least 20. Each
// round ends with the stream, the schedules and the sweep, which wait on their slowest
// invocation (chains of the SDK's backoff), so a round lasts minutes however small it is:
// ten rounds let a long run end within hours.
func roundSize(n int) int { return max(20, n/10) }

// run sends the traffic in rounds (each round's deliveries side by side, the round's kills
// among them; then the held-back redeliveries, shuffled; then the stream, the schedules that
// came due and the daily sweep), settles, and audits.
func (h *awsSoak) run(ctx context.Context) *soak.Result {
	rng := rand.New(rand.NewPCG(*soakSeed, 24))
	killAt := map[int]bool{}
	for i := 1; i <= h.cfg.kills; i++ {
		killAt[i*h.cfg.deliveries/(h.cfg.kills+1)] = true
	}
	for sent := 0; sent < h.cfg.deliveries && ctx.Err() == nil; {
		round := min(h.cfg.perRound, h.cfg.deliveries-sent)
		work := make(chan int)
		var wg sync.WaitGroup
		for range h.cfg.workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := range work {
					wrng := rand.New(rand.NewPCG(*soakSeed, uint64(n)))
					pickAWS(wrng)(h, ctx, wrng)
				}
			}()
		}
		for i := range round {
			if killAt[sent+i] {
				h.abandon.Store(true)
			}
			work <- sent + i
		}
		close(work)
		wg.Wait()
		sent += round
		h.flush()
		h.background(ctx, rng)
		h.t.Logf("soak: %d deliveries sent, %d kills, %d faults, %d sweeps, %d time-outs", sent, h.kills.Load(), h.injected(), h.sweeps.Load(), h.timeouts.Load())
	}
	return h.finish(ctx, rng)
}

// background is what AWS does between rounds: the stream's batches to the notifier, the
// schedules that came due to the reminders function, and (as each day at 07:00) the sweep,
// which goes on beside the next round.
func (h *awsSoak) background(ctx context.Context, rng *rand.Rand) {
	if err := h.pumpStream(ctx, rng); err != nil {
		h.t.Errorf("soak: the stream: %v", err)
	}
	h.flush()
	if err := h.fireDue(ctx, rng); err != nil {
		h.t.Errorf("soak: the schedules: %v", err)
	}
	h.flush()
	h.sweepers.Add(1)
	go func() {
		defer h.sweepers.Done()
		h.sweep(ctx)
	}()
}

// finish lets the incident end (no more faults, as when AWS recovers) and the backlog drain:
// the stream, the schedules and the sweeps, until nothing is pending (waiting out the claims of
// killed invocations and lost answers, two minutes each); then it audits. What a real fault of
// Intake's left behind (a claim never released, a letter never recorded) is still stuck then.
func (h *awsSoak) finish(ctx context.Context, rng *rand.Rand) *soak.Result {
	res := &soak.Result{Faults: h.in.Rate()}
	h.sweepers.Wait()
	h.calm.Store(true)
	deadline := time.Now().Add(6 * time.Minute)
	for ctx.Err() == nil && time.Now().Before(deadline) {
		h.background(ctx, rng)
		h.sweepers.Wait()
		if !h.pending(ctx) {
			break
		}
		time.Sleep(5 * time.Second) // a lease is two minutes
	}
	h.background(ctx, rng) // what the last settling made
	h.sweepers.Wait()
	if err := h.audit(ctx, res); err != nil {
		h.t.Fatal(err)
	}
	h.mu.Lock()
	res.Stuck = append(res.Stuck, h.unsettled...)
	res.P99 = soak.P99(h.latencies)
	h.mu.Unlock()
	res.Deliveries, res.Redeliveries, res.Kills = h.deliveries.Load(), h.redeliveries.Load(), h.kills.Load()
	return res
}

// pending reports whether any case or restriction has side effects not yet settled.
func (h *awsSoak) pending(ctx context.Context) bool {
	pending, err := h.store().ListPending(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	rs, err := h.store().ListRestrictions(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	return len(pending) > 0 || slices.ContainsFunc(rs, func(r *feedback.Restriction) bool { return len(r.Effects.Pending()) > 0 })
}

// deliver runs a delivery once and then again 0–2 times; a share of the repeats go later, after
// the round, in any order with the rest.
func (h *awsSoak) deliver(rng *rand.Rand, once func()) {
	h.deliveries.Add(1)
	once()
	for range rng.IntN(3) {
		h.redeliveries.Add(1)
		if rng.IntN(10) < 3 {
			h.mu.Lock()
			h.deferred = append(h.deferred, once)
			h.mu.Unlock()
			continue
		}
		once()
	}
}

// flush sends the held-back redeliveries in a shuffled order, side by side.
func (h *awsSoak) flush() {
	h.mu.Lock()
	fs := h.deferred
	h.deferred = nil
	h.mu.Unlock()
	h.rngMu.Lock()
	h.rng.Shuffle(len(fs), func(i, j int) { fs[i], fs[j] = fs[j], fs[i] })
	h.rngMu.Unlock()
	h.parallel(fs)
}

// parallel runs fs over the workers, side by side.
func (h *awsSoak) parallel(fs []func()) {
	work := make(chan func())
	var wg sync.WaitGroup
	for range h.cfg.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range work {
				f()
			}
		}()
	}
	for _, f := range fs {
		work <- f
	}
	close(work)
	wg.Wait()
}

// call invokes an HTTP API function with an event for method and path until its answer
// settles the delivery (anything but an error, a 5xx or a 429), as a caller retries.
func (h *awsSoak) call(ctx context.Context, p *pool, ev events.APIGatewayV2HTTPRequest, sign bool) events.APIGatewayV2HTTPResponse {
	var resp events.APIGatewayV2HTTPResponse
	for try := 0; try < 200 && ctx.Err() == nil; try++ {
		ev.RequestContext.RequestID = fmt.Sprintf("soak-%d", time.Now().UnixNano())
		body, _ := json.Marshal(ev)
		if sign {
			body, _ = lambdatest.SignSocial(body, soakMonitor, soakSecret, time.Now())
		}
		began := time.Now()
		out, err := p.invoke(ctx, body)
		if err == nil && json.Unmarshal(out, &resp) == nil {
			h.mu.Lock()
			h.latencies = append(h.latencies, time.Since(began))
			h.mu.Unlock()
			if resp.StatusCode < 500 && resp.StatusCode != 429 {
				return resp
			}
		}
		time.Sleep(time.Duration(min(try+1, 20)) * 5 * time.Millisecond)
	}
	h.mu.Lock()
	h.unsettled = append(h.unsettled, fmt.Sprintf("%s %s never got an answer that settles it: the last was %d %.200s", ev.RequestContext.HTTP.Method, ev.RawPath, resp.StatusCode, resp.Body))
	h.mu.Unlock()
	return resp
}

// httpEvent is API Gateway's event for a request from sourceIP; officer requests carry the
// JWT authoriser's verified claims.
func httpEvent(method, path, contentType, body, sourceIP string, officer bool, headers map[string]string) events.APIGatewayV2HTTPRequest {
	route := method + " " + path
	switch {
	case strings.HasPrefix(path, "/v1/cases/") && strings.HasSuffix(path, "/reply"):
		route = method + " /v1/cases/{reference}/reply"
	case strings.HasPrefix(path, "/v1/cases/"):
		route = method + " /v1/cases/{reference}/{action}"
	case strings.HasPrefix(path, "/v1/restrictions/"):
		route = method + " /v1/restrictions/{id}/review"
	}
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: route, RawPath: path, Body: body,
		Headers: map[string]string{"accept": "application/json", "content-type": contentType, "host": "a1b2c3d4e5.execute-api.eu-west-2.amazonaws.com"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			AccountID: testAccount, APIID: "a1b2c3d4e5", Stage: "$default", RouteKey: route,
			DomainName: "a1b2c3d4e5.execute-api.eu-west-2.amazonaws.com",
			HTTP:       events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path, Protocol: "HTTP/1.1", SourceIP: sourceIP},
		},
	}
	for k, v := range headers {
		ev.Headers[strings.ToLower(k)] = v
	}
	if officer {
		ev.Headers["authorization"] = "Bearer eyJ.verified-by-api-gateway.sig"
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{
				"email": soakOfficer, "email_verified": "true", "iss": "https://login.example.gov.uk/intake", "aud": "intake-officer-api", "sub": "soak"}},
		}
	}
	return ev
}

func (h *awsSoak) newItem(channel string) *soak.Item {
	it := soak.NewItem(int(h.itemCount.Add(1)), channel)
	h.mu.Lock()
	h.items = append(h.items, it)
	h.mu.Unlock()
	return it
}

// accepted records a case the functions said they stored, for officers to act on.
func (h *awsSoak) accepted(it *soak.Item, ref, kind string) {
	it.Answered(ref)
	if ref != "" && kind == "complaint" {
		h.mu.Lock()
		if _, seen := h.complaints[ref]; !seen {
			h.complaints[ref] = "stage1"
			h.complaintRefs = append(h.complaintRefs, ref)
		}
		h.mu.Unlock()
	}
}

var soakAreas = []string{"planning", "housing", "bins-and-recycling", "council-tax", "parking"}
var soakKinds = []string{"complaint", "complaint", "complaint", "compliment", "comment"}

// soakContact is item n's email address: most are the resident's own; one in ten is one of a
// few people who write often (so that acknowledgement limits and restrictions apply).
func soakContact(rng *rand.Rand, n int) string {
	if rng.IntN(10) == 0 {
		return fmt.Sprintf("frequent-%d@example.com", rng.IntN(20))
	}
	return fmt.Sprintf("resident-%d@example.com", n)
}

// sourceIP spreads the residents over addresses, as the public would come.
func sourceIP(n int) string { return fmt.Sprintf("198.51.%d.%d", n/250%250, n%250+1) }

// apiItem is JSON to POST /v1/feedback with an Idempotency-Key.
func (h *awsSoak) apiItem(ctx context.Context, rng *rand.Rand) {
	it := h.newItem("api")
	kind := soakKinds[rng.IntN(len(soakKinds))]
	body, _ := json.Marshal(map[string]string{"kind": kind, "email": soakContact(rng, it.N), "service_area": soakAreas[rng.IntN(len(soakAreas))],
		"message": "Soak test submission by the API. " + it.Token})
	ev := httpEvent("POST", "/v1/feedback", "application/json", string(body), sourceIP(it.N), false, map[string]string{"Idempotency-Key": it.Token})
	h.deliver(rng, func() {
		resp := h.call(ctx, h.webform, ev, false)
		var out struct{ Reference string }
		if resp.StatusCode == 201 && json.Unmarshal([]byte(resp.Body), &out) == nil {
			h.accepted(it, out.Reference, kind)
		}
	})
}

// formItem is the web form's post, its page's hidden key the same on every resend.
func (h *awsSoak) formItem(ctx context.Context, rng *rand.Rand) {
	it := h.newItem("form")
	kind := soakKinds[rng.IntN(len(soakKinds))]
	body := url.Values{"kind": {kind}, "email": {soakContact(rng, it.N)}, "service_area": {soakAreas[rng.IntN(len(soakAreas))]},
		"message": {"Soak test submission by the form. " + it.Token}, "idempotency_key": {"page-" + it.Token}}.Encode()
	ev := httpEvent("POST", "/v1/feedback", "application/x-www-form-urlencoded", body, sourceIP(it.N), false, nil)
	ev.Headers["accept"] = "text/html"
	h.deliver(rng, func() {
		resp := h.call(ctx, h.webform, ev, false)
		if resp.StatusCode == 303 {
			loc, _ := url.Parse(resp.Headers["Location"] + resp.Headers["location"])
			h.accepted(it, loc.Query().Get("ref"), kind)
		}
	})
}

// emailItem is an email as SES stores it in the inbound bucket, then the bucket's event to
// the email function, 1–3 times (Lambda retries an asynchronous invocation that fails).
func (h *awsSoak) emailItem(ctx context.Context, rng *rand.Rand) {
	it := h.newItem("email")
	raw := fmt.Sprintf("From: Resident %[1]d <%[2]s>\r\nTo: complaints@intake.example.gov.uk\r\nSubject: Soak email %[1]d\r\n"+
		"Message-ID: <%[3]s@soak.example.com>\r\nDate: %[4]s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+
		"The recycling was missed again and I am not happy about it. %[3]s\r\n",
		it.N, soakContact(rng, it.N), it.Token, time.Now().Format(time.RFC1123Z))
	key := "inbound/" + it.Token
	if _, err := h.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(mailBucket), Key: aws.String(key), Body: bytes.NewReader([]byte(raw))}); err != nil {
		h.t.Errorf("soak: put %s: %v", key, err)
		return
	}
	ev, _ := json.Marshal(events.S3Event{Records: []events.S3EventRecord{{EventVersion: "2.1", EventSource: "aws:s3", AWSRegion: mototest.Region,
		EventTime: time.Now().UTC(), EventName: "ObjectCreated:Put",
		S3: events.S3Entity{Bucket: events.S3Bucket{Name: mailBucket, Arn: "arn:aws:s3:::" + mailBucket}, Object: events.S3Object{Key: key, Size: int64(len(raw))}}}}})
	h.deliver(rng, func() {
		for try := 0; try < 200 && ctx.Err() == nil; try++ {
			if _, err := h.email.invoke(ctx, ev); err == nil {
				it.Answered("")
				return
			}
		}
		h.mu.Lock()
		h.unsettled = append(h.unsettled, "email "+it.Token+" was never taken in")
		h.mu.Unlock()
	})
}

// socialItem is a post forwarded by the monitoring tool, signed when sent, the same post id
// each time.
func (h *awsSoak) socialItem(ctx context.Context, rng *rand.Rand) {
	it := h.newItem("social")
	kind := soakKinds[rng.IntN(len(soakKinds))]
	body, _ := json.Marshal(map[string]any{"platform": "x", "post_id": it.Token, "url": fmt.Sprintf("https://x.com/resident/status/%d", it.N),
		"author": map[string]string{"handle": fmt.Sprintf("@resident%d", it.N)}, "text": "The road outside is still not fixed. " + it.Token,
		"posted_at": time.Now().Add(-time.Hour).Format(time.RFC3339), "public": true, "kind": kind, "service_area": soakAreas[rng.IntN(len(soakAreas))]})
	ev := httpEvent("POST", "/v1/social", "application/json", string(body), "198.51.100.7", false, nil)
	h.deliver(rng, func() {
		resp := h.call(ctx, h.social, ev, true)
		var out struct{ Reference string }
		if resp.StatusCode/100 == 2 && json.Unmarshal([]byte(resp.Body), &out) == nil && out.Reference != "" {
			h.accepted(it, out.Reference, kind)
		}
	})
}

// phoneItem is a complaint taken by telephone and entered by an officer up to six weeks late:
// its reminders are due at once, as the clock would have made them.
func (h *awsSoak) phoneItem(ctx context.Context, rng *rand.Rand) {
	it := h.newItem("phone")
	received := time.Now().In(h.london).AddDate(0, 0, -rng.IntN(43)).Format(time.DateOnly)
	body, _ := json.Marshal(map[string]string{"kind": "complaint", "channel": "phone", "name": fmt.Sprintf("Resident %d", it.N),
		"email": soakContact(rng, it.N), "service_area": soakAreas[rng.IntN(len(soakAreas))], "received_at": received,
		"message": "Soak test complaint taken by telephone. " + it.Token})
	ev := httpEvent("POST", "/v1/cases", "application/json", string(body), "203.0.113.40", true, map[string]string{"Idempotency-Key": it.Token})
	h.deliver(rng, func() {
		resp := h.call(ctx, h.officer, ev, false)
		var out struct{ Reference string }
		if resp.StatusCode == 201 && json.Unmarshal([]byte(resp.Body), &out) == nil {
			h.accepted(it, out.Reference, "complaint")
		}
	})
}

// officerAction takes the next step on a complaint the soak knows (reply, extend, respond,
// escalate, close or a note), each sent 1–3 times.
func (h *awsSoak) officerAction(ctx context.Context, rng *rand.Rand) {
	h.mu.Lock()
	if len(h.complaintRefs) == 0 {
		h.mu.Unlock()
		h.apiItem(ctx, rng)
		return
	}
	ref := h.complaintRefs[rng.IntN(len(h.complaintRefs))]
	state := h.complaints[ref]
	h.mu.Unlock()
	var action, body, next string
	switch r := rng.IntN(12); {
	case state == "closed":
		action, body, next = "note", `{"text":"A note on a closed case from the soak."}`, state
	case r < 2:
		action, body, next = "extend", `{"working_days":5,"reason":"Waiting for a site visit."}`, state
	case r < 4 && state == "stage1-responded":
		action, body, next = "escalate", `{"reviewer":"planning.manager@example.gov.uk","reason":"The resident is unhappy with the answer."}`, "stage2"
	case r < 7 && (state == "stage1" || state == "stage2"):
		action, body, next = "respond", `{"outcome":"partly_upheld","summary":"We found some fault.","sent_by":"email"}`, state+"-responded"
	case r < 9:
		action, body, next = "reply", fmt.Sprintf(`{"text":"Thank you for your patience. We are looking into it (%d)."}`, rng.IntN(1000)), state
	case r < 11:
		action, body, next = "close", `{"note":"Closed by the soak."}`, "closed"
	default:
		action, body, next = "note", `{"text":"A note from the soak."}`, state
	}
	ev := httpEvent("POST", "/v1/cases/"+ref+"/"+action, "application/json", body, "203.0.113.40", true, nil)
	h.deliver(rng, func() {
		if resp := h.call(ctx, h.officer, ev, false); resp.StatusCode == 200 {
			h.mu.Lock()
			h.complaints[ref] = next
			h.mu.Unlock()
		}
	})
}

// restriction records a decision, made about six months ago, to restrict the next of the
// frequent writers not yet restricted, or reviews one.
func (h *awsSoak) restriction(ctx context.Context, rng *rand.Rand) {
	h.mu.Lock()
	ids := append([]string(nil), h.restrictions...)
	next := h.restricted
	review := len(ids) > 0 && (next >= 20 || rng.IntN(2) == 0)
	if !review && next < 20 {
		h.restricted++
	}
	h.mu.Unlock()
	if !review && next >= 20 {
		h.apiItem(ctx, rng)
		return
	}
	if review {
		id := ids[rng.IntN(len(ids))]
		decision := []string{"continue", "lift"}[rng.IntN(2)]
		ev := httpEvent("POST", "/v1/restrictions/"+id+"/review", "application/json", `{"decision":"`+decision+`","notes":"Reviewed by the soak."}`, "203.0.113.40", true, nil)
		h.deliver(rng, func() { h.call(ctx, h.officer, ev, false) })
		return
	}
	decided := time.Now().In(h.london).AddDate(0, -6, -rng.IntN(10)+5).Format(time.DateOnly)
	body := fmt.Sprintf(`{"contact":"frequent-%d@example.com","types":["no_acknowledgement"],"reason":"Many emails a week about one settled matter.","scope":"all","decided_on":%q}`, next, decided)
	ev := httpEvent("POST", "/v1/restrictions", "application/json", body, "203.0.113.40", true, nil)
	h.deliver(rng, func() {
		resp := h.call(ctx, h.officer, ev, false)
		var out struct{ ID string }
		if resp.StatusCode == 201 && json.Unmarshal([]byte(resp.Body), &out) == nil {
			h.mu.Lock()
			h.restrictions = append(h.restrictions, out.ID)
			h.mu.Unlock()
		}
	})
}

// awsMix is the AWS path's traffic, by weight.
var awsMix = []struct {
	weight int
	do     func(*awsSoak, context.Context, *rand.Rand)
}{
	{20, (*awsSoak).apiItem},
	{10, (*awsSoak).formItem},
	{14, (*awsSoak).emailItem},
	{10, (*awsSoak).socialItem},
	{8, (*awsSoak).phoneItem},
	{34, (*awsSoak).officerAction},
	{4, (*awsSoak).restriction},
}

func pickAWS(rng *rand.Rand) func(*awsSoak, context.Context, *rand.Rand) {
	total := 0
	for _, m := range awsMix {
		total += m.weight
	}
	n := rng.IntN(total)
	for _, m := range awsMix {
		if n < m.weight {
			return m.do
		}
		n -= m.weight
	}
	panic("unreachable")
}

// lockedWriter is one file the functions' logs go to, a write at a time.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

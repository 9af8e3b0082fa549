package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strconv"
	"time"

	"github.com/council/intake/internal/soak"
	"github.com/council/intake/internal/web"
)

// answer is what one send got: the status (0 when the runner could not be reached) and the
// body.
type answer struct {
	status int
	body   []byte
	header http.Header
}

// definitive reports whether the answer settles the delivery: anything but no answer, a 5xx
// (the runner failed, or told us to retry) or a 429.
func (a answer) definitive() bool {
	return a.status != 0 && a.status < 500 && a.status != http.StatusTooManyRequests
}

// send sends one request until it gets a definitive answer, waiting for the runner while it is
// down or restarting; each answer's latency is recorded.
func (d *driver) send(method, path, contentType string, body []byte, headers map[string]string) answer {
	return d.sendUntil(answer.definitive, method, path, contentType, body, headers)
}

// trigger delivers a trigger again (POST /_local/redeliver) until the runner answers at all:
// a trigger that fails is retried later by AWS, which the soak's other redeliveries and the
// runner's sweeps stand for.
func (d *driver) trigger(body []byte) answer {
	return d.sendUntil(func(a answer) bool { return a.status != 0 }, "POST", "/_local/redeliver", "application/json", body, nil)
}

func (d *driver) sendUntil(done func(answer) bool, method, path, contentType string, body []byte, headers map[string]string) answer {
	for try := 0; ; try++ {
		req, _ := http.NewRequest(method, d.r.base()+path, bytes.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		began := time.Now()
		resp, err := client.Do(req)
		a := answer{}
		if err == nil {
			a.body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			a.status, a.header = resp.StatusCode, resp.Header
			d.latency(time.Since(began))
		}
		if done(a) || d.ctx.Err() != nil {
			return a
		}
		if try >= maxTries {
			d.note(fmt.Sprintf("%s %s never got an answer that settles it: the last was %d %.200s", method, path, a.status, a.body))
			return a
		}
		d.retries.Add(1)
		time.Sleep(time.Duration(min(try+1, 20)) * 5 * time.Millisecond)
	}
}

// maxTries bounds the tries of one delivery: far more than faults at 20 % need, but a run
// whose runner never comes back still ends.
const maxTries = 400

// note records a delivery that never settled, which the audit reports as stuck.
func (d *driver) note(s string) {
	d.mu.Lock()
	d.unsettled = append(d.unsettled, s)
	d.mu.Unlock()
}

func (d *driver) latency(t time.Duration) {
	d.mu.Lock()
	d.latencies = append(d.latencies, t)
	d.mu.Unlock()
}

// deliver sends a delivery once and then again 0–2 times; a share of the repeats go later, in
// any order with the rest (after other deliveries, a clock move or a kill).
func (d *driver) deliver(rng *rand.Rand, once func()) {
	d.deliveries.Add(1)
	once()
	for range rng.IntN(3) {
		d.redeliveries.Add(1)
		if rng.IntN(10) < 3 {
			d.later(once)
			continue
		}
		once()
	}
}

// later keeps f for the next flush.
func (d *driver) later(f func()) {
	d.mu.Lock()
	d.deferred = append(d.deferred, f)
	d.mu.Unlock()
}

var areas = []string{"planning", "housing", "bins-and-recycling", "council-tax", "parking"}
var kinds = []string{"complaint", "complaint", "complaint", "compliment", "comment"}

// contact is the email address of item n: most are the resident's own; one in ten is one of a
// few people who write often (so that acknowledgement limits and restrictions apply).
func contact(rng *rand.Rand, n int) string {
	if rng.IntN(10) == 0 {
		return fmt.Sprintf("frequent-%d@example.com", rng.IntN(frequentWriters))
	}
	return fmt.Sprintf("resident-%d@example.com", n)
}

func (d *driver) newItem(channel string) *soak.Item {
	it := soak.NewItem(int(d.itemCount.Add(1)), channel)
	d.mu.Lock()
	d.items = append(d.items, it)
	d.mu.Unlock()
	return it
}

// accepted records a case the runner said it stored, for officers to act on.
func (d *driver) accepted(it *soak.Item, ref, kind string) {
	it.Answered(ref)
	if ref != "" && kind == "complaint" {
		d.mu.Lock()
		if _, seen := d.complaints[ref]; !seen {
			d.complaints[ref] = "stage1"
			d.complaintRefs = append(d.complaintRefs, ref)
		}
		d.mu.Unlock()
	}
}

// apiItem is JSON to POST /v1/feedback with an Idempotency-Key.
func (d *driver) apiItem(rng *rand.Rand) {
	it := d.newItem("api")
	kind := kinds[rng.IntN(len(kinds))]
	body, _ := json.Marshal(map[string]string{"kind": kind, "email": contact(rng, it.N), "service_area": areas[rng.IntN(len(areas))],
		"message": "Soak test submission by the API. " + it.Token})
	d.deliver(rng, func() {
		a := d.send("POST", "/v1/feedback", "application/json", body, map[string]string{"Idempotency-Key": it.Token})
		var out struct{ Reference string }
		if a.status == http.StatusCreated && json.Unmarshal(a.body, &out) == nil {
			d.accepted(it, out.Reference, kind)
		}
	})
}

// formItem is the web form's post, its page's hidden key the same on every resend.
func (d *driver) formItem(rng *rand.Rand) {
	it := d.newItem("form")
	kind := kinds[rng.IntN(len(kinds))]
	body := url.Values{"kind": {kind}, "email": {contact(rng, it.N)}, "service_area": {areas[rng.IntN(len(areas))]},
		"message": {"Soak test submission by the form. " + it.Token}, "idempotency_key": {"page-" + it.Token}}.Encode()
	d.deliver(rng, func() {
		a := d.send("POST", "/v1/feedback", "application/x-www-form-urlencoded", []byte(body), nil)
		if a.status == http.StatusSeeOther {
			loc, _ := url.Parse(a.header.Get("Location"))
			d.accepted(it, loc.Query().Get("ref"), kind)
		}
	})
}

// rawEmail is item it as an email: the same bytes on every delivery, as SES stores one message.
func (d *driver) rawEmail(rng *rand.Rand, it *soak.Item) []byte {
	return []byte(fmt.Sprintf("From: Resident %[1]d <%[2]s>\r\nTo: complaints@intake.example.gov.uk\r\nSubject: Soak email %[1]d\r\n"+
		"Message-ID: <%[3]s@soak.example.com>\r\nDate: %[4]s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+
		"The recycling was missed again and I am not happy about it. %[3]s\r\n",
		it.N, contact(rng, it.N), it.Token, d.clockNow().Format(time.RFC1123Z)))
}

// emailItem is an email through the email function's code path (POST /_local/email runs
// internal/mailin as the email function does on the S3 event).
func (d *driver) emailItem(rng *rand.Rand) {
	it := d.newItem("email")
	raw := d.rawEmail(rng, it)
	d.deliver(rng, func() {
		a := d.send("POST", "/_local/email", "message/rfc822", raw, nil)
		var out struct{ Outcome, Reference string }
		if a.status/100 == 2 && json.Unmarshal(a.body, &out) == nil && out.Reference != "" {
			d.accepted(it, out.Reference, "")
		}
	})
}

// smtpItem is an email by SMTP, which answers with no reference: the audit finds its case by
// its token.
func (d *driver) smtpItem(rng *rand.Rand) {
	it := d.newItem("smtp")
	raw := d.rawEmail(rng, it)
	d.deliver(rng, func() {
		for try := 0; try < maxTries; try++ {
			err := smtp.SendMail(d.r.smtp, nil, "resident@example.com", []string{"complaints@intake.example.gov.uk"}, raw)
			if err == nil {
				it.Answered("")
				return
			}
			var refused *textproto.Error
			if errors.As(err, &refused) && refused.Code/100 == 5 {
				return // refused for good
			}
			if try >= maxTries-1 || d.ctx.Err() != nil {
				d.note("smtp: " + err.Error())
			}
			d.retries.Add(1)
			time.Sleep(time.Duration(min(try+1, 20)) * 5 * time.Millisecond)
		}
	})
}

// signSocial is the one place the soak signs a social request (internal/web's scheme).
func signSocial(now time.Time, method, path string, body []byte) map[string]string {
	ts := now.Unix()
	return map[string]string{web.HeaderMonitor: monitorName, web.HeaderTimestamp: strconv.FormatInt(ts, 10),
		web.HeaderSignature: web.Sign(monitorSecret, ts, method, path, body)}
}

// socialItem is a post forwarded by the monitoring tool, signed, the same post id each time.
func (d *driver) socialItem(rng *rand.Rand) {
	it := d.newItem("social")
	kind := kinds[rng.IntN(len(kinds))]
	body, _ := json.Marshal(map[string]any{"platform": "x", "post_id": it.Token, "url": "https://x.com/resident/status/" + strconv.Itoa(it.N),
		"author": map[string]string{"handle": fmt.Sprintf("@resident%d", it.N)}, "text": "The road outside is still not fixed. " + it.Token,
		"posted_at": d.clockNow().Add(-time.Hour).Format(time.RFC3339), "public": true, "kind": kind, "service_area": areas[rng.IntN(len(areas))]})
	d.deliver(rng, func() {
		d.clock.RLock() // the signature must be within five minutes of the runner's clock
		a := d.send("POST", "/v1/social", "application/json", body, signSocial(d.now, "POST", "/v1/social", body))
		d.clock.RUnlock()
		var out struct{ Reference string }
		if a.status/100 == 2 && json.Unmarshal(a.body, &out) == nil && out.Reference != "" {
			d.accepted(it, out.Reference, kind)
		}
	})
}

func (d *driver) api(method, path, body string) answer {
	return d.send(method, path, "application/json", []byte(body), map[string]string{"Authorization": "Bearer " + adminToken})
}

// officerAction takes the next step on a complaint the soak knows: reply to the resident,
// extend, respond, escalate or close, each sent 1–3 times.
func (d *driver) officerAction(rng *rand.Rand) {
	d.mu.Lock()
	if len(d.complaintRefs) == 0 {
		d.mu.Unlock()
		d.apiItem(rng) // nothing to act on yet
		return
	}
	ref := d.complaintRefs[rng.IntN(len(d.complaintRefs))]
	state := d.complaints[ref]
	d.mu.Unlock()
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
	d.deliver(rng, func() {
		if a := d.api("POST", "/v1/cases/"+ref+"/"+action, body); a.status == http.StatusOK {
			d.mu.Lock()
			d.complaints[ref] = next
			d.mu.Unlock()
		}
	})
}

// frequentWriters is how many people write often; each may be restricted, once.
const frequentWriters = 20

// restriction records a decision to restrict the next of the frequent writers not yet
// restricted (on the day of the decision, which every resend carries), or reviews one.
func (d *driver) restriction(rng *rand.Rand) {
	d.mu.Lock()
	ids := append([]string(nil), d.restrictions...)
	next := d.restricted
	review := len(ids) > 0 && (next >= frequentWriters || rng.IntN(2) == 0)
	if !review && next < frequentWriters {
		d.restricted++
	}
	d.mu.Unlock()
	if !review && next >= frequentWriters {
		d.apiItem(rng) // everyone who writes often is restricted already
		return
	}
	if review {
		id := ids[rng.IntN(len(ids))]
		decision := []string{"continue", "lift"}[rng.IntN(2)]
		d.deliver(rng, func() {
			d.api("POST", "/v1/restrictions/"+id+"/review", `{"decision":"`+decision+`","notes":"Reviewed by the soak."}`)
		})
		return
	}
	who := fmt.Sprintf("frequent-%d@example.com", next)
	body := `{"contact":"` + who + `","types":["no_acknowledgement"],"reason":"Many emails a week about one settled matter.","scope":"all","decided_on":"` +
		d.clockNow().Format(time.DateOnly) + `"}`
	d.deliver(rng, func() {
		a := d.api("POST", "/v1/restrictions", body)
		var out struct{ ID string }
		if a.status == http.StatusCreated && json.Unmarshal(a.body, &out) == nil {
			d.mu.Lock()
			d.restrictions = append(d.restrictions, out.ID)
			d.mu.Unlock()
		}
	})
}

// redeliverProcess delivers a known case's stream record again.
func (d *driver) redeliverProcess(rng *rand.Rand) {
	d.mu.Lock()
	if len(d.complaintRefs) == 0 {
		d.mu.Unlock()
		d.apiItem(rng) // nothing to redeliver yet
		return
	}
	ref := d.complaintRefs[rng.IntN(len(d.complaintRefs))]
	d.mu.Unlock()
	d.deliver(rng, func() { d.trigger([]byte(`{"process":"` + ref + `"}`)) })
}

// op is one delivery of the mix, by weight.
var mix = []struct {
	weight int
	do     func(*driver, *rand.Rand)
}{
	{22, (*driver).apiItem},
	{10, (*driver).formItem},
	{10, (*driver).emailItem},
	{5, (*driver).smtpItem},
	{10, (*driver).socialItem},
	{30, (*driver).officerAction},
	{3, (*driver).restriction},
	{10, (*driver).redeliverProcess},
}

func pick(rng *rand.Rand) func(*driver, *rand.Rand) {
	total := 0
	for _, m := range mix {
		total += m.weight
	}
	n := rng.IntN(total)
	for _, m := range mix {
		if n < m.weight {
			return m.do
		}
		n -= m.weight
	}
	panic("unreachable")
}

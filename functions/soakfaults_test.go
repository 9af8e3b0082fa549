package functions_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/council/intake/internal/faults"
	"github.com/council/intake/internal/mototest"
)

// The AWS path's faults: every function process the soak starts reaches AWS through its own
// faultProxy, in front of the function's policyCheck and moto. At the injector's rate it fails
// a request to DynamoDB, SES, Scheduler or S3 as those services fail, with the status and error
// code the SDK reads (so the SDK's own retries run, as in AWS):
//
//   - transient: not forwarded; a 500 or 503 the SDK retries;
//   - ambiguous: forwarded, and the answer replaced by a 500, as when the write landed but the
//     answer was lost (the SDK then retries a request that has already happened);
//   - permanent: not forwarded; a refusal that will not change. DynamoDB's is a
//     ValidationException of one call; SES's a MessageRejected that sticks to the recipient
//     (staff are never refused, as in faults.Mailer); Scheduler's a ValidationException that
//     sticks to the schedule; S3 never fails for good (the ambiguous failure instead).
//
// It also abandons invocations: asked to (abandonNext), the next request any process makes is
// forwarded or not, and then its process is killed with SIGKILL mid-invocation, as Lambda
// does to an invocation that times out; the soak then redelivers its trigger.
//
// What a process sent and what went wrong for it after are kept in a journal, so that a letter
// sent twice can be explained by the fault that lost the record of its first sending.

// journal is what happened in each process, in order.
type journal struct {
	mu     sync.Mutex
	seq    int64
	events []journalEvent
}

// journalEvent is one thing that happened to a request of process proc during its invocation
// inv: a letter sent (messageID), a fault injected (kind, on the request's body), or the
// process killed.
type journalEvent struct {
	seq, proc, inv int64
	what           string // "sent", "fault", "killed"
	kind           faults.Kind
	service        string
	messageID      string
	body           string // a faulted DynamoDB write's request, to find whose record it was
}

func (j *journal) add(e journalEvent) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	e.seq = j.seq
	j.events = append(j.events, e)
}

// resentBecause explains why the letter with Message-ID id (owner's) was sent more than once:
// after a sending of it, the same invocation met a fault on a write naming owner (the record of
// the sending), or the send itself was answered ambiguously, or the process was killed. It
// returns "" when nothing explains it.
func (j *journal) resentBecause(id, owner string) string {
	j.mu.Lock()
	defer j.mu.Unlock()
	var sends []journalEvent
	for _, e := range j.events {
		if e.what == "sent" && e.messageID == id {
			sends = append(sends, e)
		}
	}
	for _, s := range sends[:max(0, len(sends)-1)] {
		for _, e := range j.events {
			if e.proc != s.proc || e.inv != s.inv || e.seq < s.seq {
				continue
			}
			switch {
			case e.what == "killed":
				return "its function was killed after sending it, before recording it"
			case e.what == "fault" && e.service == "ses" && e.messageID == id && e.kind == faults.Ambiguous:
				return "SES's answer to the sending was lost (ambiguous), and the SDK sent it again"
			case e.what == "fault" && e.service == "dynamodb" && e.seq > s.seq && strings.Contains(e.body, owner):
				return fmt.Sprintf("the record of its sending failed (%s)", e.kind)
			}
		}
	}
	return ""
}

// faultProxy is one process's way to AWS.
type faultProxy struct {
	in       *faults.Injector
	journal  *journal
	proc     *proc
	upstream string
	// abandon, when set, is taken by the next request, which then kills the process.
	abandon *atomic.Bool
	// calm, when set, lets every request through: the incident is over.
	calm *atomic.Bool
	rng  func(n int) int
}

// startFaultProxy serves p on loopback until the test ends and returns its URL.
func startFaultProxy(t testing.TB, p *faultProxy) string {
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return srv.URL
}

var sesRecipient = regexp.MustCompile(`(?im)^To:\s*(.*)$`)
var rawMessageID = regexp.MustCompile(`(?im)^Message-ID:\s*<([^>]+)>`)

func (p *faultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	inv := p.proc.inv.Load()
	m := signedScope.FindStringSubmatch(r.Header.Get("Authorization"))
	if mototest.IsPresigned(r) {
		m = signedScope.FindStringSubmatch("Credential=" + r.URL.Query().Get("X-Amz-Credential"))
	}
	service := ""
	if m != nil {
		service = m[2]
	}
	if p.abandon.CompareAndSwap(true, false) {
		if p.rng(2) == 0 {
			rec := httptest.NewRecorder()
			p.forward(rec, r, body) // it landed; the function never hears
			if sent := readSESSend(body); service == "ses" && sent.id != "" && rec.Code == http.StatusOK {
				p.journal.add(journalEvent{proc: p.proc.id, inv: inv, what: "sent", messageID: sent.id})
			}
		}
		p.journal.add(journalEvent{proc: p.proc.id, inv: inv, what: "killed", service: service})
		p.proc.kill()
		http.Error(w, "killed", http.StatusInternalServerError)
		return
	}
	var sesMail sesSend
	if service == "ses" {
		sesMail = readSESSend(body)
	}
	kind := faults.None
	switch calm := p.calm.Load(); {
	case calm:
	case service == "dynamodb":
		kind = p.in.Next(faults.PerCall)
	case service == "ses":
		// An address SES refuses for good is refused every time, before any other fault:
		// never sent (as faults.Mailer does).
		if r.Method == http.MethodPost && sesMail.id != "" && !strings.Contains(sesMail.to, "@example.gov.uk") && p.in.Refused(sesMail.to) {
			kind = faults.Permanent
		} else {
			kind = p.in.Next(faults.ByKey)
		}
	case service == "scheduler":
		switch {
		case r.Method == http.MethodDelete:
			kind = p.in.Next(faults.Never)
		case r.Method == http.MethodPost && p.in.Refused(r.URL.Path):
			kind = faults.Permanent // a reminder refused for good is refused every time
		default:
			kind = p.in.Next(faults.ByKey)
		}
	case service == "s3":
		kind = p.in.Next(faults.Never)
	}
	if kind != faults.None {
		e := journalEvent{proc: p.proc.id, inv: inv, what: "fault", kind: kind, service: service, messageID: sesMail.id}
		if service == "dynamodb" {
			e.body = string(body)
		}
		if kind == faults.Ambiguous {
			rec := httptest.NewRecorder()
			p.forward(rec, r, body)
			if service == "ses" && rec.Code == http.StatusOK {
				p.journal.add(journalEvent{proc: p.proc.id, inv: inv, what: "sent", messageID: sesMail.id})
			}
		}
		p.journal.add(e)
		failAs(w, service, kind)
		return
	}
	rec := httptest.NewRecorder()
	p.forward(rec, r, body)
	if service == "ses" && sesMail.id != "" && rec.Code == http.StatusOK {
		p.journal.add(journalEvent{proc: p.proc.id, inv: inv, what: "sent", messageID: sesMail.id})
	}
	for k, vs := range rec.Header() {
		w.Header()[k] = vs
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

func (p *faultProxy) forward(w http.ResponseWriter, r *http.Request, body []byte) {
	r.Body = io.NopCloser(bytes.NewReader(body))
	mototest.Forward(w, r, p.upstream)
}

// sesSend is the letter of an SES v2 SendEmail request: its Message-ID and recipients.
type sesSend struct{ id, to string }

func readSESSend(body []byte) sesSend {
	var in struct {
		Content struct{ Raw struct{ Data string } }
	}
	if json.Unmarshal(body, &in) != nil || in.Content.Raw.Data == "" {
		return sesSend{}
	}
	raw, err := base64.StdEncoding.DecodeString(in.Content.Raw.Data)
	if err != nil {
		return sesSend{}
	}
	head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	var out sesSend
	if m := rawMessageID.FindSubmatch(head); m != nil {
		out.id = string(m[1])
	}
	if m := sesRecipient.FindSubmatch(head); m != nil {
		out.to = strings.ToLower(string(m[1]))
	}
	return out
}

// failAs answers as service does when it fails in the way kind says.
func failAs(w http.ResponseWriter, service string, kind faults.Kind) {
	status, code := http.StatusInternalServerError, "InternalServerError"
	if kind == faults.Permanent {
		status, code = http.StatusBadRequest, map[string]string{"ses": "MessageRejected"}[service]
		if code == "" {
			code = "ValidationException"
		}
	}
	msg := "injected " + kind.String() + " failure"
	switch service {
	case "dynamodb":
		prefix := "com.amazonaws.dynamodb.v20120810#"
		if kind == faults.Permanent {
			prefix = "com.amazon.coral.validate#"
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"__type":%q,"message":%q}`, prefix+code, msg)
	case "s3":
		if kind == faults.Transient {
			status, code = http.StatusServiceUnavailable, "SlowDown"
		}
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message></Error>`, code, msg)
	default: // SES v2 and Scheduler: REST-JSON
		if code == "InternalServerError" && service == "scheduler" {
			code = "InternalServerException"
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-ErrorType", code)
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"message":%q}`, msg)
	}
}

// story lists what the journal knows of a letter and its owner's records, for a duplicate
// nothing explains.
func (j *journal) story(id, owner string) []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []string
	for _, e := range j.events {
		if e.messageID == id || e.what == "killed" || strings.Contains(e.body, owner) {
			out = append(out, fmt.Sprintf("#%d proc %d inv %d: %s %s %s %s", e.seq, e.proc, e.inv, e.what, e.service, e.kind, e.messageID))
		}
	}
	return out
}

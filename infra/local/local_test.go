package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// runner is the local runner started as `go run ./infra/local` would start it.
type runner struct {
	base   string
	cmd    *exec.Cmd
	banner string
}

func buildRunner(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "intake-local")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build ./infra/local: %v\n%s", err, out)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func start(t *testing.T, bin, data string, args ...string) *runner {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(bin, append([]string{"-addr", addr, "-data", data, "-smtp", "127.0.0.1:0"}, args...)...)
	stdout, _ := cmd.StdoutPipe()
	logs := &syncBuffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &runner{base: "http://" + addr, cmd: cmd}
	// Runs after the runner has stopped (clean-ups run last first): its log must hold no
	// resident's address or name, whatever the test did.
	t.Cleanup(func() {
		if m := residentDetails.FindString(logs.String()); m != "" {
			t.Errorf("the runner's log holds personal data (%q):\n%s", m, logs.String())
		}
	})
	t.Cleanup(r.stop)
	// The runner prints where everything is once it listens.
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		var banner strings.Builder
		for sc.Scan() {
			banner.WriteString(sc.Text() + "\n")
			if strings.HasPrefix(sc.Text(), "Press Ctrl-C") {
				ready <- banner.String()
			}
		}
	}()
	select {
	case banner := <-ready:
		r.banner = banner
		for _, want := range []string{r.base + "/", r.base + "/officer", "/_local/outbox", data} {
			if !strings.Contains(banner, want) {
				t.Errorf("start-up banner does not say where %q is:\n%s", want, banner)
			}
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the local runner did not start within 30s")
	}
	return r
}

// residentDetails finds what the tests' residents are called or written from (their addresses
// are at example.com/.org/.net; staff are at example.gov.uk).
var residentDetails = regexp.MustCompile(`[A-Za-z0-9._+-]+@example\.(com|org|net)\b|Ada Resident|Alex Resident|Ben Resident`)

// syncBuffer collects a process's output safely while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (r *runner) stop() {
	if r.cmd.Process != nil && r.cmd.ProcessState == nil {
		r.cmd.Process.Signal(os.Interrupt)
		r.cmd.Wait()
	}
}

func (r *runner) post(t *testing.T, contentType, body string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, r.base+"/v1/feedback", strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func (r *runner) outbox(t *testing.T) []outboxMessage {
	t.Helper()
	resp, err := http.Get(r.base + "/_local/outbox")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out []outboxMessage
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("outbox is not a JSON array: %v", err)
	}
	return out
}

func TestLocalRunner_Acceptance(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the local runner")
	}
	bin := buildRunner(t)
	data := filepath.Join(t.TempDir(), "data")
	r := start(t, bin, data, "-now", "2026-12-21T10:00:00Z")

	complaint := `{"kind":"complaint","name":"Ada Resident","email":"ada@example.com","service_area":"planning","message":"The planning portal lost my objection."}`
	resp, body := r.post(t, "application/json", complaint, map[string]string{"Idempotency-Key": "accept-1"})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /v1/feedback = %d %s, want 201", resp.StatusCode, body)
	}
	var created struct {
		Reference string `json:"reference"`
		RespondBy string `json:"respond_by"`
	}
	json.Unmarshal(body, &created)
	if created.Reference == "" || created.RespondBy != "2027-01-07" {
		t.Fatalf("created = %s; want a reference and respond_by 2027-01-07", body)
	}

	mail := r.outbox(t)
	var ack, assign *outboxMessage
	for i, m := range mail {
		switch {
		case len(m.To) == 1 && m.To[0] == "ada@example.com":
			ack = &mail[i]
		case strings.Contains(m.Subject, "assigned"):
			assign = &mail[i]
		}
	}
	if ack == nil || !strings.Contains(ack.Subject, created.Reference) || ack.Headers["Auto-Submitted"] != "auto-replied" || ack.Text == "" || ack.HTML == "" {
		t.Errorf("acknowledgement = %+v; want one to the resident with the reference in its subject and Auto-Submitted: auto-replied", ack)
	}
	if assign == nil || !strings.Contains(assign.Subject, created.Reference) || assign.To[0] != "planning@example.gov.uk" {
		t.Errorf("assignment = %+v; want one to the planning mailbox naming the reference", assign)
	}

	// The same body with the same key: the same reference, nothing new sent.
	resp, body = r.post(t, "application/json", complaint, map[string]string{"Idempotency-Key": "accept-1"})
	if !strings.Contains(string(body), created.Reference) {
		t.Errorf("replay = %d %s; want the same reference", resp.StatusCode, body)
	}
	if n := len(r.outbox(t)); n != len(mail) {
		t.Errorf("the replay sent %d more emails", n-len(mail))
	}

	// A plain HTML form post.
	form := url.Values{"kind": {"compliment"}, "message": {"The bin crew were very helpful"}}
	resp, _ = r.post(t, "application/x-www-form-urlencoded", form.Encode(), nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("form post = %d, want 303", resp.StatusCode)
	}
	page, err := http.Get(r.base + resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	pb, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if !strings.Contains(string(pb), "FB-2026-000002") {
		t.Errorf("thank-you page does not show FB-2026-000002")
	}

	// An empty message: problem+json naming message.
	resp, body = r.post(t, "application/json", `{"kind":"complaint","email":"ada@example.com","message":""}`, nil)
	if resp.StatusCode != http.StatusUnprocessableEntity || resp.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(string(body), `"field":"message"`) {
		t.Errorf("empty message = %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}

	// Moving the fixed clock to the warning date fires the warning to the officer.
	cr, err := http.Post(r.base+"/_local/clock", "application/json", strings.NewReader(`{"now":"2027-01-05T09:30:00Z"}`))
	if err != nil || cr.StatusCode != http.StatusOK {
		t.Fatalf("POST /_local/clock = %v, %v", cr, err)
	}
	cr.Body.Close()
	var warned bool
	for _, m := range r.outbox(t) {
		warned = warned || (strings.HasPrefix(m.Subject, "Response due soon") && m.To[0] == "planning@example.gov.uk")
	}
	if !warned {
		t.Error("no warning email after moving the clock past the warning date")
	}

	// Restarting keeps every case: the next reference follows on and the key still replays.
	r.stop()
	r = start(t, bin, data, "-now", "2026-12-21T11:00:00Z")
	_, body = r.post(t, "application/json", complaint, map[string]string{"Idempotency-Key": "accept-1"})
	if !strings.Contains(string(body), created.Reference) {
		t.Errorf("after restart the replay gave %s; the case was lost", body)
	}
	_, body = r.post(t, "application/json", strings.Replace(complaint, "lost", "mislaid", 1), nil)
	if !strings.Contains(string(body), "FB-2026-000003") {
		t.Errorf("after restart a new case got %s; want FB-2026-000003", body)
	}
}

package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/config"
	"github.com/council/intake/internal/embedded"
	"github.com/council/intake/internal/faults"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/web"
)

// Options are the local runner's flags.
type Options struct {
	Addr string
	Data string
	Now  string
	// SMTP is where the local SMTP listener takes inbound mail; "" for none.
	SMTP string
	// ReadTimeout bounds how long a client may take to send a whole request (default a minute,
	// enough for a 40 MB email to /_local/email).
	ReadTimeout time.Duration
	// APITokens are officer API bearer tokens, token=email,…, added to INTAKE_API_TOKENS.
	APITokens string
	// SocialSecrets are monitoring tools' signing secrets, monitor=secret,…, added to
	// INTAKE_SOCIAL_SECRETS.
	SocialSecrets string
	// Public lets Addr be one other machines can reach (-public), with a warning.
	Public bool
}

// Server is Intake running locally.
type Server struct {
	opts    Options
	log     *slog.Logger
	clock   feedback.Clock
	fixed   *clock.Fixed
	stack   *embedded.Stack
	service *feedback.Service
	handler http.Handler
	// warning is printed at start-up: the data directory was last used with another clock.
	warning string
	// monitors names the monitoring tools that may sign posts, for the banner.
	monitors []string
	// base is the runner's own address (http://host:port) once it listens.
	base string
	// running counts the imports in the background (imports.go), which Close waits for.
	running sync.WaitGroup
	// faults, when INTAKE_FAULTS is set, makes the service's ports fail on purpose.
	faults *faults.Injector
}

// New opens the data directory and wires every embedded adapter: the settings, the clock, the
// service (config's recipe, over the embedded stack) and the routes (web's).
func New(ctx context.Context, o Options, lookup func(string) (string, bool), logTo io.Writer) (*Server, error) {
	if err := checkAddr(o.Addr, o.Public, logTo); err != nil {
		return nil, err
	}
	cfg, err := settings(o, lookup)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: o, log: slog.New(slog.NewTextHandler(logTo, nil)), clock: clock.System{}}
	if err := s.setClock(o.Now); err != nil {
		return nil, err
	}
	if err := s.open(cfg, lookup); err != nil {
		return nil, err
	}
	if s.warning, err = clockMode(o.Data, s.fixed != nil); err != nil {
		return nil, err
	}
	if err := s.route(cfg); err != nil {
		return nil, err
	}
	return s, nil
}

// settings reads the configuration through lookup, with the runner's -api-tokens and
// -social-secrets added to their variables.
func settings(o Options, lookup func(string) (string, bool)) (*config.Config, error) {
	cfg, err := config.Load(lookup)
	if err != nil {
		return nil, err
	}
	if o.APITokens != "" {
		cfg.APITokens = strings.Trim(cfg.APITokens+","+o.APITokens, ",")
	}
	if _, err := cfg.Tokens(); err != nil {
		return nil, fmt.Errorf("-api-tokens: %w", err)
	}
	if o.SocialSecrets != "" {
		cfg.SocialSecrets = strings.Trim(cfg.SocialSecrets+","+o.SocialSecrets, ",")
	}
	if _, err := cfg.MonitorSecrets(); err != nil {
		return nil, fmt.Errorf("-social-secrets: %w", err)
	}
	return cfg, nil
}

// setClock fixes the clock at now, an RFC 3339 instant, if it is given; else the clock is real.
func (s *Server) setClock(now string) error {
	if now == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339, now)
	if err != nil {
		return fmt.Errorf("-now %q is not an RFC 3339 instant like 2026-12-21T10:00:00Z", now)
	}
	s.fixed = clock.NewFixed(t)
	s.clock = s.fixed
	return nil
}

// open builds the service the settings describe over the embedded adapters in the data
// directory.
func (s *Server) open(cfg *config.Config, lookup func(string) (string, bool)) error {
	svc, err := cfg.Service(s.clock, s.log)
	if err != nil {
		return err
	}
	if _, set := lookup("INTAKE_CONSOLE_URL"); !set {
		// Links in officers' emails point at this runner, whatever address it listens on.
		svc.Council.ConsoleURL = "http://" + s.opts.Addr
	}
	// The store's file is locked by this process alone, so a claim left by another process is
	// from one that died: take its work over at once.
	svc.Workers.SoleProcess = true
	// A new case's effects are claimed as it is stored, since afterCommit carries them out at
	// once: one write fewer per case.
	svc.Workers.Handoff = &feedback.Handoff{}
	if s.stack, err = embedded.Open(s.opts.Data, svc); err != nil {
		return err
	}
	s.service = s.stack.Service
	return s.injectFaults(lookup)
}

// injectFaults wraps the service's ports in faults.* decorators when INTAKE_FAULTS
// ("rate,seed", for the soak and tests only) is set, so that the store, the mailer, the
// scheduler and the blob store fail some of the time as AWS's do. The runner's own pages read
// the adapters directly, without faults.
func (s *Server) injectFaults(lookup func(string) (string, bool)) error {
	spec, set := lookup("INTAKE_FAULTS")
	if !set || spec == "" {
		return nil
	}
	in, err := faults.Parse(spec)
	if err != nil {
		return fmt.Errorf("INTAKE_FAULTS: %w", err)
	}
	svc := s.service
	svc.Store = faults.WrapStore(svc.Store, in)
	staff := map[string]bool{}
	for addr := range svc.Staff {
		staff[strings.ToLower(addr)] = true
	}
	svc.Mailer = &faults.Mailer{Mailer: svc.Mailer, In: in, Staff: staff}
	svc.Scheduler = &faults.Scheduler{Scheduler: svc.Scheduler, In: in}
	svc.Blobs = &faults.Blobs{Blobs: svc.Blobs, In: in}
	s.faults = in
	return nil
}

// route serves every function's routes as web's recipe puts them together, with the runner's
// own pages under /_local/.
func (s *Server) route(cfg *config.Config) error {
	key := []byte(cfg.SessionKey)
	if len(key) == 0 {
		var err error
		if key, err = localSessionKey(s.opts.Data); err != nil {
			return err
		}
	}
	tokens, _ := cfg.Tokens()          // validated by settings
	secrets, _ := cfg.MonitorSecrets() // validated by settings
	staff := s.service.Staff
	api, console := web.Officer{
		Service:     s.service,
		SignIn:      &feedback.SignIn{Service: s.service, Sessions: s.stack.Store, Directory: staff, Key: key},
		Bearer:      web.BearerTokens(tokens, staff),
		AfterCommit: s.afterCommit,
		Secure:      strings.HasPrefix(s.service.Council.ConsoleURL, "https://"),
		Imports:     s.imports(),
		Log:         s.log,
	}.Handlers()
	mux := api.Routes()
	console.Register(mux)
	// Monitoring tools sign their posts, and the route that marks a reply posted, as in AWS,
	// where it has no authoriser: officers use POST /v1/cases/{reference}/acknowledged.
	social := &web.Social{Service: s.service, Secrets: secrets, AfterCommit: s.afterCommit, Log: s.log}
	social.Register(mux)
	for name := range secrets {
		s.monitors = append(s.monitors, name)
	}
	sort.Strings(s.monitors)
	mux.HandleFunc("GET /_local/outbox", s.local(s.outboxJSON, false))
	mux.HandleFunc("GET /_local/outbox.html", s.local(s.outboxHTML, false))
	mux.HandleFunc("GET /_local/schedules", s.local(s.schedules, false))
	mux.HandleFunc("GET /_local/pending", s.local(s.pending, false))
	mux.HandleFunc("POST /_local/email", s.local(s.postEmail, false)) // a raw message, of any type
	mux.HandleFunc("POST /_local/clock", s.local(s.moveClock, true))
	mux.HandleFunc("POST /_local/redeliver", s.local(s.redeliver, true))
	s.handler = mux
	return nil
}

// clockMode records in dir which kind of clock the runner uses, and returns a warning when the
// data directory was last used with the other kind: cases made at a fixed date in 2026 look
// strange under the real clock, and the other way round.
func clockMode(dir string, fixed bool) (string, error) {
	mode := map[bool]string{true: "fixed", false: "real"}[fixed]
	path := filepath.Join(dir, "clock-mode")
	before, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	if err := os.WriteFile(path, []byte(mode+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	if was := strings.TrimSpace(string(before)); was != "" && was != mode {
		return fmt.Sprintf("Warning: %s was last used with the %s clock and now runs with the %s one, so its cases' dates may look wrong. To start afresh: stop, make clean, make run.", dir, was, mode), nil
	}
	return "", nil
}

// localSessionKey returns the session key kept in dir/session.key, generating it the first time,
// so that sessions survive a restart without anyone having to set INTAKE_SESSION_KEY locally.
func localSessionKey(dir string) ([]byte, error) {
	path := filepath.Join(dir, "session.key")
	if b, err := os.ReadFile(path); err == nil && len(bytes.TrimSpace(b)) >= feedback.MinSessionKeyBytes {
		return bytes.TrimSpace(b), nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory %s: %w", dir, err)
	}
	b := make([]byte, 32)
	rand.Read(b)
	key := []byte(hex.EncodeToString(b))
	if err := os.WriteFile(path, append(key, '\n'), 0o600); err != nil {
		return nil, fmt.Errorf("write the session key to %s: %w", path, err)
	}
	return key, nil
}

// Handler is the runner's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Close releases the data directory.
func (s *Server) Close() error {
	s.running.Wait()
	return s.stack.Close()
}

// afterCommit carries out a new case's side effects at once. A failure is logged and left
// pending in the store, where the sweep finds it; the claims on the case keep the two from
// doing anything twice.
func (s *Server) afterCommit(ctx context.Context, ref string) {
	if err := s.service.Process(context.WithoutCancel(ctx), ref); err != nil {
		s.log.Error("side effects failed; the sweep will retry", "ref", ref, "err", err)
	}
}

// Sweep carries out pending side effects, fires due reminders, and then, as the daily sweep
// does in AWS, sends any reminder that should have fired and is not recorded as sent; last, it
// destroys the cases whose retention period has ended.
func (s *Server) Sweep(ctx context.Context) {
	if err := s.service.ProcessPending(ctx); err != nil {
		s.log.Error("pending side effects", "err", err)
	}
	if err := s.service.ProcessRestrictions(ctx); err != nil {
		s.log.Error("pending restriction side effects", "err", err)
	}
	s.stack.Scheduler.FireDue(ctx, s.fire, s.log)
	if _, err := s.service.SweepReminders(ctx); err != nil {
		s.log.Error("reminder sweep", "err", err)
	}
	// The managers' daily digests go once a working day, at the reminder hour or the first
	// sweep after it (judged now: the runner has no schedule for them).
	if _, err := s.service.SendDigests(ctx, time.Time{}); err != nil {
		s.log.Error("daily digests", "err", err)
	}
	// DynamoDB's TTL and the notifier's destruction, locally: every sweep destroys the cases
	// whose retention period has ended (they are invisible from that instant anyway).
	if n, err := s.service.PurgeExpired(ctx); err != nil {
		s.log.Error("retention purge", "destroyed", n, "err", err)
	}
}

func (s *Server) fire(ctx context.Context, r feedback.Reminder) error {
	_, err := s.service.Remind(ctx, r)
	return err
}

// ListenAndServe serves until ctx is done, sweeping every few seconds.
func (s *Server) ListenAndServe(ctx context.Context, out io.Writer) error {
	ln, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another Intake running? choose another with -addr)", s.opts.Addr, err)
	}
	base := "http://" + ln.Addr().String()
	s.base = base
	smtpLine := "off (start with -smtp 127.0.0.1:2525)"
	if s.opts.SMTP != "" {
		sl, err := net.Listen("tcp", s.opts.SMTP)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listen for SMTP on %s: %w (choose another with -smtp)", s.opts.SMTP, err)
		}
		smtpLine = sl.Addr().String() + " (or POST " + base + "/_local/email with a raw message)"
		go s.serveSMTP(ctx, sl)
	}
	if s.warning != "" {
		fmt.Fprintln(out, s.warning)
	}
	socialLine := "no monitoring tool can sign posts (start with -social-secrets name=secret)"
	if len(s.monitors) > 0 {
		socialLine = "signed by " + strings.Join(s.monitors, ", ") + " (X-Intake-Monitor, X-Intake-Timestamp, X-Intake-Signature)"
	}
	clockLine := "the real clock"
	if s.fixed != nil {
		clockLine = "fixed at " + s.fixed.Now().Format(time.RFC3339) + " (move it: POST " + base + `/_local/clock {"advance":"24h"})`
	}
	fmt.Fprintf(out, `Intake is running locally.
  Form:       %[1]s/
  API:        POST %[1]s/v1/feedback
  Console:    %[1]s/officer (sign in with a staff address from INTAKE_STAFF; the link arrives in the outbox)
  Officers:   %[1]s/v1/cases (Authorization: Bearer <token from INTAKE_API_TOKENS or -api-tokens>)
  Social:     POST %[1]s/v1/social, %[5]s
  Monitors:   %[1]s/officer/social/new (forward a post by hand; sign in as a monitor)
  Outbox:     %[1]s/_local/outbox (JSON)  %[1]s/_local/outbox.html (readable)
  Schedules:  %[1]s/_local/schedules
  Pending:    %[1]s/_local/pending (cases whose emails or reminders are not all done)
  Email in:   SMTP %[4]s
  Data:       %[2]s
  Clock:      %[3]s
Press Ctrl-C to stop.
`, base, s.opts.Data, clockLine, smtpLine, socialLine)
	if s.faults != nil {
		fmt.Fprintf(out, "Faults:     INTAKE_FAULTS is set: %.0f%% of calls to the store, mailer, scheduler and blobs fail on purpose (for tests only)\n", s.faults.Rate()*100)
	}

	go func() {
		s.Sweep(ctx) // anything left pending by a crash goes out now
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s.Sweep(ctx)
			}
		}
	}()
	// A client dripping its request is cut off.
	read := s.opts.ReadTimeout
	if read <= 0 {
		read = time.Minute
	}
	hs := &http.Server{Handler: s.handler, ReadHeaderTimeout: min(10*time.Second, read), ReadTimeout: read,
		WriteTimeout: read + time.Minute, IdleTimeout: 2 * time.Minute}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(shut)
	}()
	if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// outboxMessage is an email as the outbox page lists it.
type outboxMessage struct {
	ID      string            `json:"id"`
	To      []string          `json:"to"`
	From    string            `json:"from"`
	Subject string            `json:"subject"`
	Headers map[string]string `json:"headers"`
	Text    string            `json:"text"`
	HTML    string            `json:"html"`
	SentAt  time.Time         `json:"sent_at"`
}

func (s *Server) messages() ([]outboxMessage, error) {
	all, err := s.stack.Outbox.List()
	if err != nil {
		return nil, err
	}
	out := make([]outboxMessage, len(all))
	for i, m := range all {
		h := map[string]string{}
		for k, v := range m.Headers {
			h[k] = v
		}
		if m.ReplyTo != "" {
			h["Reply-To"] = m.ReplyTo
		}
		out[i] = outboxMessage{ID: m.ID, To: m.To, From: m.From, Subject: m.Subject, Headers: h, Text: m.Text, HTML: m.HTML, SentAt: m.SentAt}
	}
	return out, nil
}

func (s *Server) outboxJSON(w http.ResponseWriter, r *http.Request) {
	msgs, err := s.messages()
	if err != nil {
		s.log.Error("read outbox", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(msgs)
}

var outboxPage = template.Must(template.New("outbox").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Outbox – Intake (local)</title>
<style>body{font-family:Arial,sans-serif;margin:20px;color:#0b0c0c}article{border:1px solid #b1b4b6;padding:10px 15px;margin-bottom:20px}
pre{white-space:pre-wrap;background:#f3f2f1;padding:10px}dt{font-weight:bold;float:left;width:9em}dd{margin-left:9em}</style></head>
<body><h1>Outbox: {{len .}} email{{if ne (len .) 1}}s{{end}} sent</h1>
<p>Every email Intake has sent while running locally, newest first. <a href="/_local/outbox">As JSON</a>.</p>
{{range .}}<article><h2>{{.Subject}}</h2><dl>
<dt>To</dt><dd>{{range .To}}{{.}} {{end}}</dd><dt>From</dt><dd>{{.From}}</dd><dt>Sent</dt><dd>{{.SentAt.Format "2006-01-02 15:04:05 MST"}}</dd>
{{range $k, $v := .Headers}}<dt>{{$k}}</dt><dd>{{$v}}</dd>{{end}}</dl>
<pre>{{.Text}}</pre></article>{{else}}<p>Nothing yet. Send something through <a href="/">the form</a>.</p>{{end}}
</body></html>`))

func (s *Server) outboxHTML(w http.ResponseWriter, r *http.Request) {
	msgs, err := s.messages()
	if err != nil {
		s.log.Error("read outbox", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	for i, j := 0, len(msgs)-1; i < j; i, j = i+1, j-1 {
		msgs[i], msgs[j] = msgs[j], msgs[i]
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	outboxPage.Execute(w, msgs)
}

func (s *Server) schedules(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(s.stack.Scheduler.List())
}

// pending lists the references of the cases whose side effects are not all settled: empty
// once the runner has caught up, after a crash for instance.
func (s *Server) pending(w http.ResponseWriter, r *http.Request) {
	cases, err := s.stack.Store.ListPending(r.Context())
	if err != nil {
		s.log.Error("list pending cases", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	refs := make([]string, len(cases))
	for i, c := range cases {
		refs[i] = c.Ref
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(refs)
}

// redeliver is POST /_local/redeliver: it delivers a trigger again, as AWS may at any time, so
// that the soak can show a repeat does nothing twice. {"process": ref} is the table stream's
// record of a case again (Process); {"reminder": {...}} is a schedule firing again (Remind),
// even one that fired and was deleted long ago.
func (s *Server) redeliver(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Process  string             `json:"process"`
		Reminder *feedback.Reminder `json:"reminder"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&body); err != nil || (body.Process == "") == (body.Reminder == nil) {
		http.Error(w, `send {"process":"FB-2026-000001"} or {"reminder":{…as /_local/schedules lists it…}}`, http.StatusBadRequest)
		return
	}
	var err error
	if body.Process != "" {
		err = s.service.Process(r.Context(), body.Process)
	} else {
		_, err = s.service.Remind(r.Context(), *body.Reminder)
	}
	if err != nil {
		// What a trigger's failure does in AWS: the delivery is retried later.
		s.log.Warn("redelivered trigger failed", "err", err)
		http.Error(w, "the trigger failed; it would be retried: "+feedback.ErrorMessage(err), http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// moveClock moves a fixed clock ({"now": RFC 3339} or {"advance": Go duration}) and then fires
// whatever has come due, so deadlines can be tried without waiting for them.
func (s *Server) moveClock(w http.ResponseWriter, r *http.Request) {
	if s.fixed == nil {
		http.Error(w, "the clock is real; start with -now to use a clock you can move", http.StatusConflict)
		return
	}
	var body struct{ Now, Advance string }
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1024)).Decode(&body); err != nil {
		http.Error(w, `send {"now":"2027-01-05T09:00:00Z"} or {"advance":"48h"}`, http.StatusBadRequest)
		return
	}
	switch {
	case body.Now != "":
		t, err := time.Parse(time.RFC3339, body.Now)
		if err != nil {
			http.Error(w, "now must be an RFC 3339 instant", http.StatusBadRequest)
			return
		}
		if !s.fixed.MoveForward(t) {
			http.Error(w, fmt.Sprintf("the clock only moves forward: it is %s, and %s is earlier (to start again from an earlier date, stop the runner, make clean, and start it with -now)",
				s.fixed.Now().Format(time.RFC3339), t.Format(time.RFC3339)), http.StatusConflict)
			return
		}
	case body.Advance != "":
		d, err := time.ParseDuration(body.Advance)
		if err != nil || d < 0 {
			http.Error(w, "advance must be a positive duration such as 48h", http.StatusBadRequest)
			return
		}
		s.fixed.Advance(d)
	}
	s.Sweep(r.Context())
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"now": s.fixed.Now().Format(time.RFC3339)})
}

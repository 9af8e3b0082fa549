// Package lambdatest runs a Lambda function's bootstrap binary the way Lambda does, without
// Docker: it serves the Lambda Runtime API on loopback, starts the binary with
// AWS_LAMBDA_RUNTIME_API pointing at it and hands it one event per Invoke. It is what
// `sam local invoke` does, small enough for a test (Start, Build) or a command
// (Launch, Compile; see cmd/invoke).
//
// One Fn is one execution environment: invocations run one at a time, in the order they were
// made, against the same process, so cold-start work happens once as in Lambda.
package lambdatest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/council/intake/internal/web"
)

// Region and Account are what the harness tells every function about where it runs.
const (
	Region  = "eu-west-2"
	Account = "123456789012"
)

// MaxResponse is the largest response Lambda takes from a synchronously invoked function, in
// bytes: "6 MB", which its error message spells 6291556. A larger one is refused, as Lambda
// refuses it: the runtime's POST is answered 413 and the caller gets the function error
// Function.ResponseSizeTooLarge (through API Gateway, a 500).
const MaxResponse = 6<<20 + 100

// DefaultTimeout bounds an invocation whose context has no deadline of its own, as a
// function's configured timeout does in Lambda.
const DefaultTimeout = 30 * time.Second

const (
	apiPrefix = "/2018-06-01/runtime/"

	headerRequestID   = "Lambda-Runtime-Aws-Request-Id"
	headerDeadline    = "Lambda-Runtime-Deadline-Ms"
	headerFunctionARN = "Lambda-Runtime-Invoked-Function-Arn"
	headerTraceID     = "Lambda-Runtime-Trace-Id"
	headerErrorType   = "Lambda-Runtime-Function-Error-Type"
	// trailerErrorBody carries a base64 error payload when a streamed response fails midway.
	trailerErrorBody = "Lambda-Runtime-Function-Error-Body"
)

// FunctionError is an error the function reported through the Runtime API: what Lambda returns
// as the invocation's result with X-Amz-Function-Error set.
type FunctionError struct {
	Type    string          `json:"errorType"`
	Message string          `json:"errorMessage"`
	Payload json.RawMessage `json:"-"` // the whole error document, stack trace included
}

func (e *FunctionError) Error() string {
	return "lambdatest: function error " + e.Type + ": " + e.Message
}

// Fn is a running function: its process and the Runtime API server it polls.
type Fn struct {
	// Name is the function's name, as AWS_LAMBDA_FUNCTION_NAME and in its ARN.
	Name string
	// Timeout bounds invocations whose context has no deadline; DefaultTimeout unless changed
	// before the first Invoke.
	Timeout time.Duration

	cmd    *exec.Cmd
	srv    *http.Server
	logs   *logBuffer
	queue  chan *invocation
	exited chan struct{} // closed once the process has ended; then exitErr is set
	closed chan struct{} // closed by Close

	started time.Time     // just before the process was started
	asked   chan struct{} // closed at the first GET .../invocation/next; then initTime is set
	askOnce sync.Once
	// initTime is from started until the function first asked for an invocation.
	initTime time.Duration

	mu        sync.Mutex
	inflight  map[string]*invocation
	exitErr   error
	initErr   *FunctionError
	closeOnce sync.Once
}

type invocation struct {
	id       string
	event    []byte
	deadline time.Time
	done     chan result // buffered: the server never blocks on a caller that gave up
}

type result struct {
	body []byte
	err  error
}

// Start launches binaryPath as a Lambda function for the duration of the test, with env added
// to the environment Lambda provides (later entries win), and stops it when the test ends. The
// function's output is logged if the test fails.
func Start(t testing.TB, binaryPath string, env []string) *Fn {
	t.Helper()
	f, err := Launch(binaryPath, env, nil)
	if err != nil {
		t.Fatalf("lambdatest: %v", err)
	}
	t.Cleanup(func() {
		f.Close()
		if t.Failed() {
			t.Logf("output of function %s:\n%s", f.Name, f.Output())
		}
	})
	return f
}

// Launch starts binaryPath as a Lambda function, as Start does but for use outside tests. The
// process's stdout and stderr are kept (see Output) and also copied to logs if it is not nil.
// The caller must Close the function.
//
// The process does not inherit the caller's environment: it sees what Lambda would set (with
// placeholder credentials, so an SDK never finds the developer's own) and then env.
func Launch(binaryPath string, env []string, logs io.Writer) (*Fn, error) {
	abs, err := filepath.Abs(binaryPath)
	if err != nil {
		return nil, fmt.Errorf("launch %s: %w", binaryPath, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("launch %s: listen: %w", binaryPath, err)
	}
	f := &Fn{
		Name:     functionName(abs),
		Timeout:  DefaultTimeout,
		logs:     &logBuffer{copyTo: logs},
		queue:    make(chan *invocation),
		exited:   make(chan struct{}),
		closed:   make(chan struct{}),
		asked:    make(chan struct{}),
		inflight: map[string]*invocation{},
	}
	f.srv = &http.Server{Handler: f.routes(), ReadHeaderTimeout: 10 * time.Second}
	go f.srv.Serve(ln)

	f.cmd = exec.Command(abs)
	f.cmd.Dir = filepath.Dir(abs)
	f.cmd.Env = append(f.lambdaEnv(ln.Addr().String(), filepath.Dir(abs)), env...)
	f.cmd.Stdout = f.logs
	f.cmd.Stderr = f.logs
	dieWithParent(f.cmd)
	f.mu.Lock() // the Runtime API server, already serving, reads it
	f.started = time.Now()
	f.mu.Unlock()
	// Started and waited for on one locked thread, as mototest starts moto: the parent-death
	// signal is tied to the thread that started the child, so that thread lives exactly as
	// long as the function (a thread another goroutine locked and then ended with would take
	// the function with it).
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := f.cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		err := f.cmd.Wait()
		f.mu.Lock()
		if err == nil {
			err = errors.New("exit status 0")
		}
		f.exitErr = err
		f.mu.Unlock()
		close(f.exited)
	}()
	if err := <-started; err != nil {
		f.srv.Close()
		return nil, fmt.Errorf("launch %s: %w", binaryPath, err)
	}
	return f, nil
}

// functionName names the function after its binary, or after the binary's directory when the
// binary is called bootstrap (bin/webform/bootstrap is "webform").
func functionName(binary string) string {
	name := filepath.Base(binary)
	if name == "bootstrap" {
		name = filepath.Base(filepath.Dir(binary))
	}
	return name
}

// PID is the function's process id, for tests that watch the process itself.
func (f *Fn) PID() int { return f.cmd.Process.Pid }

// ARN is the function's ARN, as the Runtime API reports it.
func (f *Fn) ARN() string {
	return "arn:aws:lambda:" + Region + ":" + Account + ":function:" + f.Name
}

func (f *Fn) lambdaEnv(api, taskRoot string) []string {
	return []string{
		"AWS_LAMBDA_RUNTIME_API=" + api,
		"AWS_LAMBDA_FUNCTION_NAME=" + f.Name,
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/" + f.Name,
		"AWS_LAMBDA_LOG_STREAM_NAME=lambdatest",
		"AWS_REGION=" + Region,
		"AWS_DEFAULT_REGION=" + Region,
		"AWS_ACCESS_KEY_ID=lambdatest",
		"AWS_SECRET_ACCESS_KEY=lambdatest",
		"AWS_EC2_METADATA_DISABLED=true",
		"_HANDLER=bootstrap",
		"LAMBDA_TASK_ROOT=" + taskRoot,
		"TZ=:UTC",
		"LANG=en_US.UTF-8",
		"PATH=/usr/local/bin:/usr/bin:/bin",
	}
}

// Invoke hands event to the function and returns its response. If the function reports an
// error, err is a *FunctionError. It fails too if the process ends before answering, or if
// ctx ends (or Timeout passes) first; the function then keeps running, and later invocations
// wait for it, as they would in one Lambda execution environment.
func (f *Fn) Invoke(ctx context.Context, event []byte) ([]byte, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.Timeout)
		defer cancel()
	}
	deadline, _ := ctx.Deadline()
	inv := &invocation{id: newRequestID(), event: event, deadline: deadline, done: make(chan result, 1)}
	if err := f.failure(); err != nil {
		return nil, err
	}
	select {
	case f.queue <- inv:
	case <-ctx.Done():
		return nil, fmt.Errorf("lambdatest: %s did not ask for invocation %s: %w", f.Name, inv.id, ctx.Err())
	case <-f.exited:
		return nil, f.failure()
	case <-f.closed:
		return nil, fmt.Errorf("lambdatest: %s is closed", f.Name)
	}
	select {
	case r := <-inv.done:
		return r.body, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("lambdatest: %s did not answer invocation %s: %w", f.Name, inv.id, ctx.Err())
	case <-f.exited:
		select {
		case r := <-inv.done: // answered just before exiting
			return r.body, r.err
		default:
			return nil, f.failure()
		}
	}
}

// failure is why the function can take no more invocations: an initialisation error it
// reported, or the end of its process; nil while it is alive.
func (f *Fn) failure() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.initErr != nil {
		return fmt.Errorf("lambdatest: %s failed to initialise: %w", f.Name, f.initErr)
	}
	if f.exitErr != nil {
		return fmt.Errorf("lambdatest: %s exited (%v); its last output:\n%s", f.Name, f.exitErr, f.logs.tail(2048))
	}
	return nil
}

// Output returns everything the function has written to stdout and stderr so far.
func (f *Fn) Output() string { return f.logs.String() }

// Close stops the function's process and its Runtime API server. It is safe to call twice.
func (f *Fn) Close() error {
	f.closeOnce.Do(func() {
		close(f.closed)
		select {
		case <-f.exited:
		default:
			f.cmd.Process.Kill()
			<-f.exited
		}
		f.srv.Close()
	})
	return nil
}

func (f *Fn) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+apiPrefix+"invocation/next", f.next)
	mux.HandleFunc("POST "+apiPrefix+"invocation/{id}/response", f.response)
	mux.HandleFunc("POST "+apiPrefix+"invocation/{id}/error", f.invocationError)
	mux.HandleFunc("POST "+apiPrefix+"init/error", f.initError)
	return mux
}

// Init waits until the function first asks for an invocation and returns the time from just
// before its process started until then: its initialisation (Lambda's Init phase), package
// initialisers and main's work before lambda.Start included. It fails if the function reports
// an initialisation error or exits first, or if ctx ends first.
func (f *Fn) Init(ctx context.Context) (time.Duration, error) {
	select {
	case <-f.asked:
		return f.initTime, nil
	case <-f.exited:
		select {
		case <-f.asked:
			return f.initTime, nil
		default:
		}
		return 0, f.failure()
	case <-ctx.Done():
		return 0, fmt.Errorf("lambdatest: %s did not ask for an invocation: %w", f.Name, ctx.Err())
	}
}

// next blocks until there is an invocation, as the real Runtime API does.
func (f *Fn) next(w http.ResponseWriter, r *http.Request) {
	f.askOnce.Do(func() {
		f.mu.Lock()
		f.initTime = time.Since(f.started)
		f.mu.Unlock()
		close(f.asked)
	})
	var inv *invocation
	select {
	case inv = <-f.queue:
	case <-r.Context().Done():
		return
	case <-f.closed:
		http.Error(w, "shutting down", http.StatusGone)
		return
	}
	f.mu.Lock()
	f.inflight[inv.id] = inv
	f.mu.Unlock()
	h := w.Header()
	h.Set(headerRequestID, inv.id)
	h.Set(headerDeadline, strconv.FormatInt(inv.deadline.UnixMilli(), 10))
	h.Set(headerFunctionARN, f.ARN())
	h.Set(headerTraceID, "Root=1-"+inv.id[:8]+"-"+strings.ReplaceAll(inv.id[9:], "-", "")+";Sampled=0")
	h.Set("Content-Type", "application/json")
	w.Write(inv.event)
}

func (f *Fn) response(w http.ResponseWriter, r *http.Request) {
	inv, ok := f.take(w, r)
	if !ok {
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		inv.done <- result{err: fmt.Errorf("lambdatest: read response of %s: %w", inv.id, err)}
		w.WriteHeader(http.StatusAccepted)
		return
	}
	// A response that fails while it is being sent names its error in trailers.
	if typ := r.Trailer.Get(headerErrorType); typ != "" {
		fe := &FunctionError{Type: typ}
		if payload, err := base64.StdEncoding.DecodeString(r.Trailer.Get(trailerErrorBody)); err == nil {
			fe.Payload = payload
			json.Unmarshal(payload, fe)
		}
		inv.done <- result{err: fe}
	} else if len(body) > MaxResponse {
		msg := fmt.Sprintf("Response payload size (%d bytes) exceeded maximum allowed payload size (%d bytes).", len(body), MaxResponse)
		inv.done <- result{err: &FunctionError{Type: "Function.ResponseSizeTooLarge", Message: msg}}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		json.NewEncoder(w).Encode(map[string]string{"errorType": "RequestEntityTooLarge", "errorMessage": msg})
		return
	} else {
		inv.done <- result{body: body}
	}
	w.WriteHeader(http.StatusAccepted)
}

func (f *Fn) invocationError(w http.ResponseWriter, r *http.Request) {
	inv, ok := f.take(w, r)
	if !ok {
		return
	}
	inv.done <- result{err: readFunctionError(r)}
	w.WriteHeader(http.StatusAccepted)
}

func (f *Fn) initError(w http.ResponseWriter, r *http.Request) {
	fe := readFunctionError(r)
	f.mu.Lock()
	f.initErr = fe
	pending := f.inflight
	f.inflight = map[string]*invocation{}
	f.mu.Unlock()
	for _, inv := range pending {
		inv.done <- result{err: fmt.Errorf("lambdatest: %s failed to initialise: %w", f.Name, fe)}
	}
	w.WriteHeader(http.StatusAccepted)
}

// take removes the named invocation from those in flight, answering 400 if there is none (a
// second answer to one invocation, or an id the function made up).
func (f *Fn) take(w http.ResponseWriter, r *http.Request) (*invocation, bool) {
	id := r.PathValue("id")
	f.mu.Lock()
	inv, ok := f.inflight[id]
	delete(f.inflight, id)
	f.mu.Unlock()
	if !ok {
		http.Error(w, `{"errorType":"InvalidRequestID","errorMessage":"no invocation in flight with this id"}`, http.StatusBadRequest)
	}
	return inv, ok
}

func readFunctionError(r *http.Request) *FunctionError {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	fe := &FunctionError{Payload: body}
	if err := json.Unmarshal(body, fe); err != nil {
		fe.Message = string(body)
	}
	if fe.Type == "" {
		fe.Type = r.Header.Get(headerErrorType)
	}
	return fe
}

// newRequestID returns a random UUID, the form of Lambda's request ids.
func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// logBuffer keeps a process's output, safe for the two copying goroutines exec starts.
type logBuffer struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	copyTo io.Writer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.copyTo != nil {
		l.copyTo.Write(p)
	}
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) tail(n int) string {
	s := l.String()
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return s
}

// Compile builds the main package pkg (an import path, or a path relative to the working
// directory) for this machine into out, as Lambda's arm64 build does for AWS: no cgo and the
// lambda.norpc tag.
func Compile(pkg, out string) error {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("compile %s: the go command is not on PATH: %w", pkg, err)
	}
	cmd := exec.Command(goTool, "build", "-tags", "lambda.norpc", "-trimpath", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("compile %s: %w\n%s", pkg, err, msg)
	}
	return nil
}

// builds holds each package's binary while any test that asked for it is still running.
var builds = struct {
	sync.Mutex
	m map[string]*build
}{m: map[string]*build{}}

type build struct {
	dir, path string
	users     int
}

// Build compiles the main package pkg for this machine (see Compile) and returns the path of
// its binary, named bootstrap in a directory named after the package. The binary is built
// once and shared by every test that asks for the same package while it is in use; it is
// removed, like a t.TempDir, when the last of those tests ends. Build it in a parent test to
// share it between subtests.
func Build(t testing.TB, pkg string) string {
	t.Helper()
	builds.Lock()
	defer builds.Unlock()
	b := builds.m[pkg]
	if b == nil {
		dir, err := os.MkdirTemp("", "lambdatest-")
		if err != nil {
			t.Fatalf("lambdatest: %v", err)
		}
		path := filepath.Join(dir, filepath.Base(filepath.Clean(pkg)), "bootstrap")
		if err := Compile(pkg, path); err != nil {
			os.RemoveAll(dir)
			t.Fatalf("lambdatest: %v", err)
		}
		b = &build{dir: dir, path: path}
		builds.m[pkg] = b
	}
	b.users++
	t.Cleanup(func() {
		builds.Lock()
		defer builds.Unlock()
		if b.users--; b.users == 0 {
			delete(builds.m, pkg)
			os.RemoveAll(b.dir)
		}
	})
	return b.path
}

// SignSocial returns an HTTP API (payload 2.0) event for the social function signed afresh
// as monitor with secret at at, body unchanged, over the event's method and path (rawPath): a
// signed request is good for only five minutes, so a stored sample must be signed when it is
// sent.
func SignSocial(event []byte, monitor, secret string, at time.Time) ([]byte, error) {
	var ev map[string]any
	if err := json.Unmarshal(event, &ev); err != nil {
		return nil, fmt.Errorf("lambdatest: sign social event: %w", err)
	}
	body, _ := ev["body"].(string)
	path, _ := ev["rawPath"].(string)
	rc, _ := ev["requestContext"].(map[string]any)
	h, _ := rc["http"].(map[string]any)
	method, _ := h["method"].(string)
	if path == "" || method == "" {
		return nil, fmt.Errorf("lambdatest: sign social event: the event has no rawPath or requestContext.http.method")
	}
	headers, _ := ev["headers"].(map[string]any)
	if headers == nil {
		headers = map[string]any{}
	}
	headers["x-intake-monitor"] = monitor
	headers["x-intake-timestamp"] = strconv.FormatInt(at.Unix(), 10)
	headers["x-intake-signature"] = web.Sign(secret, at.Unix(), method, path, []byte(body))
	ev["headers"] = headers
	return json.Marshal(ev)
}

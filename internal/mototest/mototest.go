// Package mototest starts moto_server, a local stand-in for the AWS APIs, on a free loopback
// port for the tests of the AWS adapters, and hands out SDK configuration pointed at it.
//
// Without moto_server on the PATH the tests that need it skip with a loud message; with
// INTAKE_REQUIRE_MOTO=1 (which .ci/run sets whenever moto_server is installed) they fail instead.
//
// # The launcher
//
// The server is started through launch.py (embedded), run with the Python of the moto_server
// script (its #! line, or the script a pyenv shim runs), which patches one method of moto and
// then calls moto's server entry point as the script does. moto 5.2.1's DynamoDB
// TransactWriteItems takes its rollback backup by deep-copying each table a transaction
// touches, once for every item of the transaction: every item of the table and every record
// of its stream, garbage whose reference cycles only Python's oldest-generation collections
// free. Intake writes nearly everything in transactions, so a run grows slow and large
// quadratically (the functions' soak: moto at ~0.8 GB after 40 web complaints' traffic, ~16 GB
// at 200 deliveries). The patch backs up only the items at the keys the transaction names and
// the length of each stream's record list, and on a rollback puts those items back and cuts
// the streams back, in place; moto's own code still does everything else (conditions,
// cancellation reasons, unicity, stream records). launch.py's comment has the details and the
// one deliberate difference (a stream iterator from before a cancelled transaction reads on).
//
// BenchmarkTransactWriteItems_Moto, N transactions of 3 items on a table with a stream:
//
//	N      plain moto_server             launch.py
//	200    37 ms each,  627 MB peak      3.3 ms each,  89 MB peak
//	500    94 ms each, 3491 MB peak      2.7 ms each,  93 MB peak
//	2000   unfinished after 15 minutes,  2.6 ms each, 114 MB peak
//	       a 24 GB machine short of
//	       memory
//
// internal/dynamo's tests take 6 s instead of 37, internal/mailin's 13 s instead of 261; in
// the functions' soak (TestSoak_AWS) moto peaks at 0.23 GB instead of 0.8 GB over 40
// deliveries, and at 0.28 GB over 200 (plain: ~16 GB, not measured again).
//
// launch.py patches only the moto functions whose source it was written against (moto
// 5.2.1); with any other moto it exits saying why, and start runs plain moto_server, saying so
// on stderr, as it does when the Python cannot be found. INTAKE_MOTO_PLAIN=1 asks for plain
// moto_server (to compare, or to rule the patch out).
package mototest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Region is the region every test client uses.
const Region = "eu-west-2"

var (
	once     sync.Once
	endpoint string
	startErr error
	proc     *exec.Cmd
	// procExited is closed when proc has exited (a goroutine waits for it).
	procExited chan struct{}
)

// Main runs a package's tests and stops moto_server afterwards, if any test started it. Call it
// from TestMain: os.Exit(mototest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	Stop()
	return code
}

// Stop stops the moto_server this process started, if any.
func Stop() {
	if proc != nil && proc.Process != nil {
		_ = syscall.Kill(-proc.Process.Pid, syscall.SIGTERM)
		<-procExited
		proc = nil
	}
}

// Endpoint returns the base URL of a running moto_server, starting one on first use. It skips
// or fails t, as described in the package comment, when moto_server cannot be had.
func Endpoint(t testing.TB) string {
	t.Helper()
	if url := os.Getenv("INTAKE_MOTO_ENDPOINT"); url != "" {
		return url
	}
	path, err := exec.LookPath("moto_server")
	if err != nil {
		msg := "moto_server is not on the PATH, so the AWS adapter tests cannot run. " +
			"Install it with `pip install 'moto[server]'` (see README)."
		if os.Getenv("INTAKE_REQUIRE_MOTO") == "1" {
			t.Fatal(msg + " INTAKE_REQUIRE_MOTO=1 makes this a failure.")
		}
		t.Skip("SKIPPING: " + msg)
	}
	once.Do(func() { endpoint, startErr = start(path) })
	if startErr != nil {
		t.Fatalf("start moto_server: %v", startErr)
	}
	return endpoint
}

// start runs moto_server on a port the kernel picks (-p 0) and reads the port from the line it
// prints, so that two packages' servers can never race for one port and end up sharing state.
// It runs it through launch.py (see launch.go) unless INTAKE_MOTO_PLAIN=1, or the launcher
// cannot be used with this moto, in which case it says why on stderr and runs moto_server.
func start(motoServer string) (string, error) {
	if os.Getenv("INTAKE_MOTO_PLAIN") == "1" {
		launchNote = "INTAKE_MOTO_PLAIN=1: plain moto_server"
	} else {
		url, err := startLauncher(motoServer)
		if err == nil {
			return url, nil
		}
		launchNote = "plain moto_server: " + err.Error()
		fmt.Fprintf(os.Stderr, "mototest: running plain moto_server, whose TransactWriteItems deep-copies "+
			"whole tables (slow, and memory-hungry on long runs), because the launcher could not be used: %v\n", err)
	}
	return run(motoServer, []string{motoServer})
}

// run starts argv with moto_server's arguments appended, waits until the server answers and
// makes it the one Stop stops. Its error holds what the process printed if it exited early.
func run(name string, argv []string) (string, error) {
	cmd := exec.Command(argv[0], append(argv[1:], "-H", "127.0.0.1", "-p", "0")...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Env = append(os.Environ(), "MOTO_ALLOW_NONEXISTENT_REGION=true")
	// An io.Pipe rather than StdoutPipe: Wait then returns only once everything the process
	// printed has been read, so the error of a server that exits early can say why it did.
	out, outW := io.Pipe()
	cmd.Stdout, cmd.Stderr = outW, outW
	dieWithParent(cmd)
	// Started and waited for on one locked thread: a parent-death signal is tied to the thread
	// that started the child, so that thread lives exactly as long as the server.
	exited, startedErr := make(chan struct{}), make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			startedErr <- err
			return
		}
		startedErr <- nil
		cmd.Wait()
		outW.Close()
		close(exited)
	}()
	if err := <-startedErr; err != nil {
		return "", fmt.Errorf("run %s: %w", argv[0], err)
	}
	found, read := make(chan string, 1), make(chan struct{})
	var early strings.Builder // what it printed before it listened, for the error if it exits
	go func() {
		defer close(read)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			if m := runningOn.FindStringSubmatch(line); m != nil {
				found <- m[1]
				break
			}
			if early.Len() < 4096 {
				early.WriteString(line + "\n")
			}
		}
		io.Copy(io.Discard, out) // moto logs every request: keep reading, or it blocks
	}()
	var url string
	select {
	case url = <-found:
	case <-exited:
		<-read
		return "", fmt.Errorf("%s exited (%v) before it listened; it said:\n%s", name, cmd.ProcessState, strings.TrimSpace(early.String()))
	case <-time.After(60 * time.Second):
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		<-exited
		return "", fmt.Errorf("%s did not say where it listens within 60s", name)
	}
	proc, procExited = cmd, exited
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return url, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	Stop()
	return "", fmt.Errorf("%s did not answer on %s within 60s", name, url)
}

// runningOn finds the address in moto_server's (werkzeug's) start-up line.
var runningOn = regexp.MustCompile(`Running on (http://127\.0\.0\.1:\d+)`)

// Config returns SDK configuration with dummy credentials, for clients whose BaseEndpoint is
// set to Endpoint(t).
//
// Its HTTP client holds one connection to the server at a time, so moto_server handles the client's
// requests one at a time. moto answers each request on its own thread and its DynamoDB
// read-modify-writes (ADD, conditional puts) are not atomic across threads: under CPU load two
// concurrent requests can both win, which DynamoDB never allows. Serialising them keeps the
// conformance suites' concurrency tests about our code (retries, conditions) rather than moto's
// races; the in-process minidyn suite runs the same tests truly concurrently.
func Config() aws.Config {
	return aws.Config{
		Region:      Region,
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", ""),
		HTTPClient: awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
			t.MaxConnsPerHost = 1
			// A fresh connection per request: moto's server may close an idle kept-alive one
			// just as a request goes out on it, and the SDK's retry of a request moto had
			// already acted on (a second ADD, a second delete) is not what a test asked for.
			t.DisableKeepAlives = true
		}),
	}
}

// RawMessage is one raw email send as moto_server records it under ses.RawMessage in
// /moto-api/data.json. moto keeps one list for every account and region.
type RawMessage struct {
	ID      string `json:"id"`
	Source  string `json:"source"`
	RawData string `json:"raw_data"`
}

// SentRaw returns every raw email the moto_server at url has accepted, oldest first.
func SentRaw(t testing.TB, url string) []RawMessage {
	t.Helper()
	resp, err := http.Get(url + "/moto-api/data.json")
	if err != nil {
		t.Fatalf("read moto data: %v", err)
	}
	defer resp.Body.Close()
	var data struct {
		SES struct {
			RawMessage []RawMessage `json:"RawMessage"`
		} `json:"ses"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&data); err != nil {
		t.Fatalf("decode moto data: %v", err)
	}
	return data.SES.RawMessage
}

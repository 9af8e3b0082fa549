package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"time"
)

// Tokens and the monitor's secret the soak gives the runner; never real ones.
const (
	adminToken    = "soak-complaints-team-token"
	monitorName   = "soak-monitor"
	monitorSecret = "soak-monitor-secret-0123456789abcdef"
)

// runner is the local runner as a child process on a fixed HTTP and SMTP address and data
// directory, so that a restart after a kill serves the same addresses from the same data.
type runner struct {
	bin, data  string
	addr, smtp string
	faults     string // INTAKE_FAULTS for every start: rate,seed, and the run moved on each time
	logs       io.Writer

	mu    sync.Mutex
	cmd   *exec.Cmd
	gen   int
	exits chan error
}

// buildRunner builds infra/local into dir and returns the binary's path.
func buildRunner(ctx context.Context, moduleRoot, dir string) (string, error) {
	bin := filepath.Join(dir, "intake-local")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./infra/local")
	cmd.Dir = moduleRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("soak: go build ./infra/local: %w\n%s", err, out)
	}
	return bin, nil
}

// moduleRoot finds the directory holding go.mod, from the working directory up.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("soak: no go.mod above the working directory")
		}
		dir = parent
	}
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

var readyLine = regexp.MustCompile(`^Press Ctrl-C`)

// start starts the runner with its fixed clock at now and waits until it serves.
func (r *runner) start(now time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	args := []string{"-addr", r.addr, "-data", r.data, "-smtp", r.smtp, "-now", now.UTC().Format(time.RFC3339),
		"-api-tokens", adminToken + "=complaints@example.gov.uk", "-social-secrets", monitorName + "=" + monitorSecret}
	cmd := exec.Command(r.bin, args...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS=2")
	if r.faults != "" {
		cmd.Env = append(cmd.Env, fmt.Sprintf("INTAKE_FAULTS=%s,%d", r.faults, r.gen))
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = r.logs
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("soak: start the runner: %w", err)
	}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		once := false
		for sc.Scan() {
			if !once && readyLine.MatchString(sc.Text()) {
				once = true
				close(ready)
			}
		}
	}()
	exits := make(chan error, 1)
	go func() { exits <- cmd.Wait() }()
	select {
	case <-ready:
	case err := <-exits:
		return fmt.Errorf("soak: the runner stopped as it started: %v", err)
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		return errors.New("soak: the runner did not start within a minute")
	}
	r.cmd, r.exits = cmd, exits
	r.gen++
	return nil
}

// kill stops the runner as a power cut would: SIGKILL, no clean-up.
func (r *runner) kill() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd != nil {
		r.cmd.Process.Kill()
		<-r.exits
		r.cmd = nil
	}
}

// stop stops the runner cleanly (SIGTERM) and waits for it.
func (r *runner) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd == nil {
		return
	}
	r.cmd.Process.Signal(os.Interrupt)
	select {
	case <-r.exits:
	case <-time.After(30 * time.Second):
		r.cmd.Process.Kill()
		<-r.exits
	}
	r.cmd = nil
}

func (r *runner) base() string { return "http://" + r.addr }

// client answers one request; it never follows redirects, so the form's 303 is seen.
var client = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

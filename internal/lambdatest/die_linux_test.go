package lambdatest_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/council/intake/internal/lambdatest"
)

// TestLaunch_DiesWithTheTestBinary: a test binary killed outright (SIGKILL, as a soak stopped
// by hand or a CI job cancelled) takes its functions with it, even one mid-invocation that
// would otherwise sleep on for minutes. The test runs itself again as the binary to kill,
// which launches the echo function, asks it to sleep and says the function's process id.
func TestLaunch_DiesWithTheTestBinary(t *testing.T) {
	if bin := os.Getenv("LAMBDATEST_CHILD_ECHO"); bin != "" {
		fn, err := lambdatest.Launch(bin, nil, os.Stdout)
		if err != nil {
			fmt.Println("launch:", err)
			os.Exit(1)
		}
		fmt.Println("pid", fn.PID())
		fn.Invoke(context.Background(), []byte(`{"sleep":"5m"}`)) // the parent kills this process first
		os.Exit(1)
	}
	child := exec.Command(os.Args[0], "-test.run=^TestLaunch_DiesWithTheTestBinary$", "-test.count=1")
	child.Env = append(os.Environ(), "LAMBDATEST_CHILD_ECHO="+lambdatest.Build(t, "./testdata/echo"))
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { child.Process.Kill(); child.Wait() })
	pid, sleeping := 0, false
	for sc := bufio.NewScanner(out); (pid == 0 || !sleeping) && sc.Scan(); {
		line := sc.Text()
		if n, ok := strings.CutPrefix(line, "pid "); ok {
			pid, _ = strconv.Atoi(n)
		}
		sleeping = sleeping || strings.Contains(line, "sleeping")
	}
	if pid == 0 || !sleeping {
		t.Fatalf("the child never had its function asleep mid-invocation (pid %d, asleep %v)", pid, sleeping)
	}
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	// The kernel signals the function as its parent dies; a process that ignored that would
	// sleep for five minutes, not ten seconds.
	for deadline := time.Now().Add(10 * time.Second); alive(pid); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the function (pid %d) outlived the test binary that launched it", pid)
		}
	}
}

// alive reports whether process pid is running: it exists and is not a zombie waiting for
// whoever inherited it to reap it.
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(stat), ") ")
	return !strings.HasPrefix(rest, "Z") && !strings.HasPrefix(rest, "X")
}

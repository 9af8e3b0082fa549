// The browser tests are Linux-only: ending Chromium cleanly needs its process group and /proc,
// and they run where Debian's Chromium does (CI, and the Linux machines the project targets).

//go:build linux

package web_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// browser starts headless Chromium for the form's browser tests. Without Chromium the tests skip
// with a loud message; INTAKE_REQUIRE_BROWSER=1 (set by .ci/run once it has installed Chromium)
// makes that a failure.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		msg := "Chromium is not installed, so the browser tests of the form and the console cannot run (apt-get install chromium)."
		if os.Getenv("INTAKE_REQUIRE_BROWSER") == "1" {
			t.Fatal(msg + " INTAKE_REQUIRE_BROWSER=1 makes this a failure.")
		}
		t.Skip("SKIPPING: " + msg)
	}
	// The profile directory is removed by our own cleanup, after every Chromium process has
	// exited. t.TempDir removed it as soon as the browser process itself had been killed, while
	// its helpers (zygotes, network and storage services) were still writing there: "directory
	// not empty", about one run in five.
	profile, err := os.MkdirTemp("", "intake-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.UserDataDir(profile),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1024, 1400),
		chromedp.ModifyCmdFunc(func(cmd *exec.Cmd) {
			// Chromium and every helper it starts share a process group of their own, so that
			// the cleanup can end them all and wait for them; Pdeathsig is chromedp's default,
			// which ModifyCmdFunc replaces: Chromium dies with the test binary.
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
		}),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() {
		var group int
		if c := chromedp.FromContext(ctx); c != nil && c.Browser != nil && c.Browser.Process() != nil {
			group = c.Browser.Process().Pid // Setpgid: the group's id is the browser's pid
		}
		cancelTimeout()
		cancel()
		cancelAlloc() // kills the browser process and waits for it to exit
		if group != 0 {
			if err := endProcessGroup(group, 10*time.Second); err != nil {
				t.Errorf("Chromium's helper processes: %v; its profile %s is left behind", err, profile)
				return
			}
		}
		if err := os.RemoveAll(profile); err != nil {
			t.Errorf("removing Chromium's profile: %v", err)
		}
	})
	return ctx
}

// endProcessGroup kills what is left of process group pgid and waits until none of its
// processes is still running. A dead process that nobody has reaped yet (a zombie: where no
// init reaps orphans, it stays one) runs no code, so it counts as gone.
func endProcessGroup(pgid int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if err := syscall.Kill(-pgid, syscall.SIGKILL); err == syscall.ESRCH {
			return nil
		}
		live, err := liveInGroup(pgid)
		if err != nil || live == 0 {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d processes of group %d still running after %s", live, pgid, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// liveInGroup counts the processes of group pgid that are not zombies, from /proc/<pid>/stat:
// "pid (comm) state ppid pgrp ...", where comm may itself hold spaces and parentheses.
func liveInGroup(pgid int) (int, error) {
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		return 0, err
	}
	live := 0
	for _, name := range stats {
		b, err := os.ReadFile(name)
		if err != nil {
			continue // the process ended while we looked
		}
		s := string(b)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) < 3 || fields[0] == "Z" || fields[0] == "X" {
			continue
		}
		if g, _ := strconv.Atoi(fields[2]); g == pgid {
			live++
		}
	}
	return live, nil
}

// focused returns the id (or, for the button, the text) of the element that has focus.
func focused(ctx context.Context) (string, error) {
	var id string
	err := chromedp.Run(ctx, chromedp.Evaluate(`document.activeElement.id || document.activeElement.textContent.trim()`, &id))
	return id, err
}

func TestForm_Browser_KeyboardOnly(t *testing.T) {
	ctx := browser(t)
	e := newEnv(t)
	if err := chromedp.Run(ctx, chromedp.Navigate(e.srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	// Tab through the form as a keyboard user does, typing as we go; the focus order must
	// follow the page and skip the hidden honeypot.
	steps := []struct {
		wantFocus string
		keys      string
	}{
		{"kind", " "}, // the first radio: "A complaint"; space selects it
		{"service_area", ""},
		{"subject", "Missed bin"},
		{"message", "Our bin was missed <again> & again."},
		{"name", "Ada Resident"},
		{"email", "ada@example.com"},
		{"phone", ""},
		{"Send", kb.Enter},
	}
	for _, st := range steps {
		if err := chromedp.Run(ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
			t.Fatal(err)
		}
		got, err := focused(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got != st.wantFocus {
			t.Fatalf("after Tab the focus is on %q, want %q", got, st.wantFocus)
		}
		if st.keys != "" {
			if err := chromedp.Run(ctx, chromedp.KeyEvent(st.keys)); err != nil {
				t.Fatal(err)
			}
		}
	}
	var url, panel string
	if err := chromedp.Run(ctx,
		chromedp.WaitVisible(".panel", chromedp.ByQuery),
		chromedp.Location(&url),
		chromedp.Text(".panel", &panel, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(url, "/thank-you?ref=FB-2026-000001") || !strings.Contains(panel, "FB-2026-000001") {
		t.Errorf("after sending: %s showing %q; want the thank-you page with FB-2026-000001", url, panel)
	}
	c, err := e.store.Get(ctx, "FB-2026-000001")
	if err != nil || c.Message != "Our bin was missed <again> & again." || c.Kind != "complaint" {
		t.Errorf("stored case = %+v, %v; want the complaint as typed", c, err)
	}
}

func TestForm_Browser_ErrorsKeepTextAndTakeFocus(t *testing.T) {
	ctx := browser(t)
	e := newEnv(t)
	var summary, message, focus string
	var links []string
	err := chromedp.Run(ctx,
		chromedp.Navigate(e.srv.URL+"/"),
		chromedp.SendKeys("#message", "Words I do not want to type twice", chromedp.ByID),
		chromedp.SendKeys("#email", "ada@", chromedp.ByID),
		chromedp.Click("button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("#error-summary", chromedp.ByID),
		chromedp.Text("#error-summary", &summary, chromedp.ByID),
		chromedp.Value("#message", &message, chromedp.ByID),
		chromedp.Evaluate(`[...document.querySelectorAll('#error-summary a')].map(a => a.getAttribute('href'))`, &links),
		chromedp.Evaluate(`document.activeElement.id`, &focus),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(summary, "There is a problem") || !strings.Contains(summary, "Choose whether this is a complaint") {
		t.Errorf("error summary = %q", summary)
	}
	if message != "Words I do not want to type twice" {
		t.Errorf("the message box holds %q after the error; the resident's text was lost", message)
	}
	if strings.Join(links, " ") != "#kind #email" {
		t.Errorf("error summary links = %v, want #kind #email (each to its field)", links)
	}
	if focus != "error-summary" {
		t.Errorf("focus after the error is on %q; want the error summary, so a screen reader announces it", focus)
	}
	if os.Getenv("INTAKE_SCREENSHOTS") != "" {
		var png []byte
		if err := chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)); err == nil {
			os.WriteFile(filepath.Join(os.Getenv("INTAKE_SCREENSHOTS"), "form-errors.png"), png, 0o644)
		}
	}
}

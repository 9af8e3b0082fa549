package mototest

import (
	"bufio"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// launchPy starts moto_server with DynamoDB's TransactWriteItems patched to back up the items
// a transaction names rather than deep-copying whole tables; its comment says how and why.
//
//go:embed launch.py
var launchPy []byte

var (
	// launchNote says how the running server was started: through launch.py, patched, or
	// plain moto_server and why. Set by start.
	launchNote string
	// patched is whether the running server is launch.py's. Set by start.
	patched bool
)

// startLauncher runs launch.py with the Python of the moto_server script at motoServer, and
// the script's path and moto_server's arguments; it fails, having stopped what it started, if
// launch.py cannot be run or does not patch moto (it exits, saying why, when moto's
// internals are not the ones it was written against).
func startLauncher(motoServer string) (string, error) {
	python, script, err := pythonOf(motoServer, 0)
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "mototest-")
	if err != nil {
		return "", err
	}
	// Python has read its script by the time it prints anything, and run returns only after
	// the server has printed where it listens or has exited.
	defer os.RemoveAll(dir)
	launcher := filepath.Join(dir, "launch.py")
	if err := os.WriteFile(launcher, launchPy, 0o600); err != nil {
		return "", err
	}
	argv := append(python, launcher, script)
	url, err := run("launch.py", argv)
	if err != nil {
		return "", fmt.Errorf("%s: %w", strings.Join(argv, " "), err)
	}
	// launch.py exits before it serves unless it has patched moto.
	patched = true
	launchNote = "launch.py (" + strings.Join(python, " ") + "): patched DynamoDBBackend.transact_write_items and Table.query"
	return url, nil
}

// pythonOf returns the interpreter command (the shebang line's, "/usr/bin/env python3" split
// into its words) and the path of the Python script that runs moto_server at path: path
// itself when its shebang names a Python, or the script a pyenv shim at path runs, found
// with pyenv's own `pyenv which`.
func pythonOf(path string, depth int) ([]string, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	var head []string // the first lines, enough for a shebang and a pyenv shim
	sc := bufio.NewScanner(f)
	for len(head) < 20 && sc.Scan() {
		head = append(head, sc.Text())
	}
	if len(head) == 0 || !strings.HasPrefix(head[0], "#!") {
		return nil, "", fmt.Errorf("%s is not a script with a #! line", path)
	}
	words := strings.Fields(strings.TrimPrefix(head[0], "#!"))
	if isPython(words) {
		return words, path, nil
	}
	text := strings.Join(head, "\n")
	if m := pyenvExec.FindStringSubmatch(text); m != nil && depth == 0 {
		cmd := exec.Command(m[1], "which", filepath.Base(path))
		if r := pyenvRoot.FindStringSubmatch(text); r != nil {
			cmd.Env = append(os.Environ(), "PYENV_ROOT="+r[1])
		}
		out, err := cmd.Output()
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				err = fmt.Errorf("%w: %s", err, strings.TrimSpace(string(ee.Stderr)))
			}
			return nil, "", fmt.Errorf("%s is a pyenv shim and `pyenv which` failed: %w", path, err)
		}
		return pythonOf(strings.TrimSpace(string(out)), depth+1)
	}
	return nil, "", fmt.Errorf("%s starts %q, which is neither a Python nor a pyenv shim", path, head[0])
}

// isPython reports whether a shebang's words run a Python: /path/python3.11, or
// /usr/bin/env python3.
func isPython(words []string) bool {
	if len(words) == 0 {
		return false
	}
	name := filepath.Base(words[0])
	if name == "env" && len(words) == 2 {
		name = words[1]
	} else if len(words) != 1 {
		return false
	}
	return pythonName.MatchString(name)
}

var (
	pythonName = regexp.MustCompile(`^python[0-9.]*$`)
	// A pyenv shim ends: exec "/root/.pyenv/libexec/pyenv" exec "$program" "$@"
	pyenvExec = regexp.MustCompile(`(?m)^exec "([^"]+/pyenv)" exec "\$program" "\$@"$`)
	pyenvRoot = regexp.MustCompile(`(?m)^export PYENV_ROOT="([^"]+)"$`)
)

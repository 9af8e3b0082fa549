package lambdatest

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill the function's process when the test binary dies, however
// it dies (killed for running too long, or by a signal), so that no function, mid-invocation
// or waiting for one, outlives the tests that started it.
func dieWithParent(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} }

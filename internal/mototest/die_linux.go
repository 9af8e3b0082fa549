package mototest

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill moto_server when the test binary dies, however it dies (a
// test killed for running too long, or by a signal), so that no server outlives its tests
// holding gigabytes of memory.
func dieWithParent(cmd *exec.Cmd) { cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL }

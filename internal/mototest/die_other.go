//go:build !linux

package mototest

import "os/exec"

// dieWithParent does nothing where the kernel has no parent-death signal: Stop ends the server
// when the tests end normally.
func dieWithParent(*exec.Cmd) {}

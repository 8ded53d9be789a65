//go:build linux || darwin

package renderbench

import (
	"os/exec"
	"syscall"
)

// setOwnGroup starts cmd in a process group of its own, so that killGroup
// reaches every process it starts and a Ctrl-C in the terminal does not.
func setOwnGroup(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

// killGroup sends SIGKILL to cmd's process group.
func killGroup(cmd *exec.Cmd) error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }

package local

import (
	"os/exec"
	"syscall"
)

// setOwnGroup starts cmd in a console process group of its own, so that a
// Ctrl-C in the gallery's console does not reach it.
func setOwnGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
}

// killGroup terminates cmd's process. The command is rgallery's own
// render-worker, which starts no processes of its own, so the process is
// the whole tree.
func killGroup(cmd *exec.Cmd) error { return cmd.Process.Kill() }

package proc

import (
	"os"
	"os/exec"
	"syscall"
)

// prepare starts the child in a process group of its own, with Pdeathsig
// SIGKILL: if the gallery's owner dies without stopping its renders
// (SIGKILL, OOM), the kernel kills the render's leader with it.
func prepare(cmd *exec.Cmd) error {
	if err := prepareGroup(cmd); err != nil {
		return err
	}
	if cmd.SysProcAttr.Pdeathsig == 0 {
		cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	}
	return nil
}

// exitPeak is the kernel's high-water mark of the largest single process
// (the leader or a descendant it waited for); Linux gives ru_maxrss in KiB
// (getrusage(2)).
func (p *Process) exitPeak(st *os.ProcessState) uint64 {
	if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
		return uint64(ru.Maxrss) * 1024
	}
	return 0
}

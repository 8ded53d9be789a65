package proc

import (
	"os"
	"os/exec"
	"syscall"
)

// prepare starts the child in a process group of its own. macOS has no
// Pdeathsig: a render whose owner is killed outright keeps running until
// the next owner stops the groups the dead one recorded (StopStale).
func prepare(cmd *exec.Cmd) error { return prepareGroup(cmd) }

// exitPeak is the kernel's high-water mark of the largest single process
// (the leader or a descendant it waited for); macOS gives ru_maxrss in
// bytes, not KiB as Linux does (getrusage(2) on macOS).
func (p *Process) exitPeak(st *os.ProcessState) uint64 {
	if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
		return uint64(ru.Maxrss)
	}
	return 0
}

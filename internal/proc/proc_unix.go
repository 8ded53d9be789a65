//go:build linux || darwin

package proc

import (
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"syscall"

	"golang.org/x/sys/unix"
)

// sysProcess is empty on Unix: the process group id is the leader's pid.
type sysProcess struct{}

// attach has nothing to do on Unix: setpgid ran in the child before exec.
func (p *Process) attach() error { return nil }

// release has nothing to free on Unix.
func (p *Process) release() {}

func signalName(sig syscall.Signal) string { return unix.SignalName(sig) }

// Signal sends sig to every process of the group. Signalling a group that
// is gone is not an error.
func (p *Process) Signal(sig syscall.Signal) error {
	p.mu.Lock()
	gone, escaped := p.groupGone, p.escaped
	p.mu.Unlock()
	if gone {
		return nil
	}
	if err := syscall.Kill(-p.pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("signal process group %d with %s: %w", p.pid, unix.SignalName(sig), err)
	}
	for _, pid := range escaped {
		if Alive(pid) {
			_ = syscall.Kill(pid, sig)
		}
	}
	return nil
}

// askToStop is Stop's polite step: SIGTERM to the group, and SIGCONT so
// that a stopped process can act on it.
func (p *Process) askToStop() (bool, error) {
	if err := p.Signal(syscall.SIGTERM); err != nil {
		return false, err
	}
	_ = p.Signal(syscall.SIGCONT)
	return true, nil
}

func (p *Process) groupMembers() ([]int, error) { return GroupMembers(p.pid) }

// findEscaped records the leader's descendants that moved to a process
// group of their own (setsid, setpgid, or a supervisor like this one
// further down), so that Stop ends them with the group. They can only be
// found while the leader lives: an orphan's parent is init.
func (p *Process) findEscaped() {
	select {
	case <-p.exited:
		return
	default:
	}
	var found []int
	for _, pid := range Descendants(p.pid)[1:] {
		if st, err := readStat(pid); err == nil && st.pgrp != p.pid && !isGone(st.state) {
			found = append(found, pid)
		}
	}
	p.mu.Lock()
	for _, pid := range found {
		if !slices.Contains(p.escaped, pid) {
			p.escaped = append(p.escaped, pid)
		}
	}
	p.mu.Unlock()
}

// Alive reports whether pid names a process that is not a zombie. Tests use
// it to prove that nothing of a stopped render is left.
func Alive(pid int) bool {
	st, err := readStat(pid)
	if err != nil {
		return false
	}
	return !isGone(st.state)
}

// prepareGroup asks for a process group of the child's own.
func prepareGroup(cmd *exec.Cmd) error {
	if cmd.SysProcAttr.Setsid {
		return fmt.Errorf("start %s: Setsid is not supported, proc needs its own process group", cmd.Path)
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pgid = 0
	return nil
}

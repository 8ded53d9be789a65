package proc

import (
	"errors"
	"fmt"
	"slices"
	"syscall"

	"golang.org/x/sys/unix"
)

// On macOS the process table comes from sysctl(3): kern.proc.pid.PID for
// one process, kern.proc.pgrp.PGID for a group, kern.proc.all for the tree
// (there is no per-process children list). The fields are those of
// struct kinfo_proc (<sys/sysctl.h>): p_stat, e_ppid, e_pgid, p_starttime.

// procStat is the part of a process's kinfo_proc that supervision needs,
// in the form procfs_linux.go reads from /proc.
type procStat struct {
	pid   int
	state byte // 'Z' for a zombie (SZOMB), 'R' for anything else
	ppid  int
	pgrp  int
	start uint64 // start time in microseconds since the epoch
}

// sZomb is SZOMB of <sys/proc.h>: exited, waiting to be reaped.
const sZomb = 5

func statOf(k *unix.KinfoProc) procStat {
	st := procStat{
		pid:   int(k.Proc.P_pid),
		state: 'R',
		ppid:  int(k.Eproc.Ppid),
		pgrp:  int(k.Eproc.Pgid),
		start: uint64(k.Proc.P_starttime.Sec)*1e6 + uint64(k.Proc.P_starttime.Usec),
	}
	if k.Proc.P_stat == sZomb {
		st.state = 'Z'
	}
	return st
}

func readStat(pid int) (procStat, error) {
	k, err := unix.SysctlKinfoProc("kern.proc.pid", pid)
	if err != nil {
		return procStat{}, fmt.Errorf("sysctl kern.proc.pid.%d: %w", pid, err)
	}
	if int(k.Proc.P_pid) != pid {
		// sysctl answers with an empty record for a pid that does not exist.
		return procStat{}, fmt.Errorf("process %d: %w", pid, syscall.ESRCH)
	}
	return statOf(k), nil
}

// isGone reports whether a process state counts as gone: a zombie has
// released everything but its pid.
func isGone(state byte) bool { return state == 'Z' }

// GroupMembers returns the pids of the live (not zombie) processes in
// process group pgid, sorted ascending. An empty result means the group is
// gone.
func GroupMembers(pgid int) ([]int, error) {
	if err := syscall.Kill(-pgid, 0); errors.Is(err, syscall.ESRCH) {
		return nil, nil
	}
	procs, err := unix.SysctlKinfoProcSlice("kern.proc.pgrp", pgid)
	if err != nil {
		return nil, fmt.Errorf("scan process group %d: %w", pgid, err)
	}
	var pids []int
	for i := range procs {
		st := statOf(&procs[i])
		if st.pgrp == pgid && !isGone(st.state) {
			pids = append(pids, st.pid)
		}
	}
	slices.Sort(pids)
	return pids, nil
}

// Descendants returns pid and every process below it in the process tree,
// from one snapshot of the whole process table. Processes that exit while
// the table is read are simply missing.
func Descendants(pid int) []int {
	out := []int{pid}
	procs, err := unix.SysctlKinfoProcSlice("kern.proc.all")
	if err != nil {
		return out
	}
	children := map[int][]int{}
	for i := range procs {
		st := statOf(&procs[i])
		if st.pid != st.ppid {
			children[st.ppid] = append(children[st.ppid], st.pid)
		}
	}
	for i := 0; i < len(out) && i < 4096; i++ {
		out = append(out, children[out[i]]...)
	}
	return out
}

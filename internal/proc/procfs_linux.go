package proc

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"syscall"
)

// procStat is the part of /proc/PID/stat that supervision needs.
type procStat struct {
	pid   int
	state byte // 'R', 'S', 'Z', ...
	ppid  int
	pgrp  int
	start uint64 // start time in clock ticks after boot; 0 if not given
}

// readStat parses /proc/PID/stat. The command name is in parentheses and may
// itself contain spaces and parentheses, so the fields are counted from the
// last ')'.
func readStat(pid int) (procStat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, err
	}
	return parseStat(b)
}

func parseStat(b []byte) (procStat, error) {
	open := bytes.IndexByte(b, '(')
	end := bytes.LastIndexByte(b, ')')
	if open < 1 || end < open {
		return procStat{}, fmt.Errorf("parse /proc stat %q: no command name in parentheses", truncate(b))
	}
	pid, err := strconv.Atoi(string(bytes.TrimSpace(b[:open])))
	if err != nil {
		return procStat{}, fmt.Errorf("parse /proc stat %q: pid: %w", truncate(b), err)
	}
	f := bytes.Fields(b[end+1:])
	if len(f) < 3 || len(f[0]) != 1 {
		return procStat{}, fmt.Errorf("parse /proc stat %q: want state, ppid and pgrp after the name", truncate(b))
	}
	ppid, err1 := strconv.Atoi(string(f[1]))
	pgrp, err2 := strconv.Atoi(string(f[2]))
	if err := errors.Join(err1, err2); err != nil {
		return procStat{}, fmt.Errorf("parse /proc stat %q: %w", truncate(b), err)
	}
	st := procStat{pid: pid, state: f[0][0], ppid: ppid, pgrp: pgrp}
	if len(f) > 19 {
		// Field 22 of stat, the 20th after the name.
		st.start, _ = strconv.ParseUint(string(f[19]), 10, 64)
	}
	return st, nil
}

func truncate(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "..."
	}
	return string(b)
}

// isGone reports whether a process state counts as gone: a zombie has
// released everything but its pid, and 'X' is a task being torn down.
func isGone(state byte) bool { return state == 'Z' || state == 'X' }

// GroupMembers returns the pids of the live (not zombie) processes in
// process group pgid, sorted ascending. An empty result means the group is
// gone.
func GroupMembers(pgid int) ([]int, error) {
	// kill(-pgid, 0) is one syscall and answers the common case, an empty
	// group, without reading /proc.
	if err := syscall.Kill(-pgid, 0); errors.Is(err, syscall.ESRCH) {
		return nil, nil
	}
	d, err := os.Open("/proc")
	if err != nil {
		return nil, fmt.Errorf("scan process group %d: %w", pgid, err)
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("scan process group %d: read /proc: %w", pgid, err)
	}
	var pids []int
	for _, name := range names {
		pid, err := strconv.Atoi(name)
		if err != nil {
			continue
		}
		st, err := readStat(pid)
		if err != nil {
			continue // exited while we looked
		}
		if st.pgrp == pgid && !isGone(st.state) {
			pids = append(pids, pid)
		}
	}
	slices.Sort(pids)
	return pids, nil
}

// Descendants returns pid and every process below it in the process tree,
// found through /proc/PID/task/TID/children (no full /proc scan, so it is
// cheap enough to call on every memory sample). Processes that exit while
// the tree is walked are simply missing.
func Descendants(pid int) []int {
	out := []int{pid}
	for i := 0; i < len(out) && i < 4096; i++ {
		out = appendChildren(out, out[i])
	}
	return out
}

func appendChildren(out []int, pid int) []int {
	base := "/proc/" + strconv.Itoa(pid) + "/task"
	d, err := os.Open(base)
	if err != nil {
		return out
	}
	tids, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return out
	}
	for _, tid := range tids {
		b, err := os.ReadFile(base + "/" + tid + "/children")
		if err != nil {
			continue
		}
		for _, f := range bytes.Fields(b) {
			if c, err := strconv.Atoi(string(f)); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}

package proc

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/sys/windows"
)

// startTime is the process's creation time (GetProcessTimes), in 100 ns
// units since 1601.
func startTime(pid int) (uint64, error) {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return 0, fmt.Errorf("open process %d: %w", pid, err)
	}
	defer windows.CloseHandle(h)
	var created, exited, kernel, user windows.Filetime
	if err := windows.GetProcessTimes(h, &created, &exited, &kernel, &user); err != nil {
		return 0, fmt.Errorf("times of process %d: %w", pid, err)
	}
	return uint64(created.HighDateTime)<<32 | uint64(created.LowDateTime), nil
}

// StopStale stops what is left of group g, started by another (dead)
// process. On Windows the group is a kill-on-close job whose only handle
// was the dead owner's, so the system ended every process of it when the
// owner died; nothing else can reach the job. What StopStale can still
// check is the leader: if a process with g's pid and start time is alive
// (the job was not closed, e.g. the owner is alive after all), it is
// terminated, and its pid returned. grace is not used: a process outside
// our console cannot be sent CTRL_BREAK_EVENT.
func StopStale(ctx context.Context, g GroupID, grace time.Duration) ([]int, error) {
	start, err := startTime(g.Pgid)
	if err != nil || start != g.Start || !Alive(g.Pgid) {
		return nil, nil // gone, or the number belongs to someone else now
	}
	h, err := windows.OpenProcess(windows.PROCESS_TERMINATE|windows.SYNCHRONIZE, false, uint32(g.Pgid))
	if err != nil {
		return nil, fmt.Errorf("stop stale process %d: %w", g.Pgid, err)
	}
	defer windows.CloseHandle(h)
	if err := windows.TerminateProcess(h, 1); err != nil {
		return nil, fmt.Errorf("stop stale process %d: %w", g.Pgid, err)
	}
	ms := uint32(windows.INFINITE)
	if d, ok := ctx.Deadline(); ok {
		ms = uint32(max(time.Until(d), 0) / time.Millisecond)
	}
	if ev, err := windows.WaitForSingleObject(h, ms); err != nil || ev != windows.WAIT_OBJECT_0 {
		return []int{g.Pgid}, fmt.Errorf("stop stale process %d: still alive", g.Pgid)
	}
	return []int{g.Pgid}, nil
}

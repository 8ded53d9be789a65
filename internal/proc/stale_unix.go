//go:build linux || darwin

package proc

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"
)

// startTime is the process's start time: clock ticks after boot on Linux,
// microseconds since the epoch on macOS.
func startTime(pid int) (uint64, error) {
	st, err := readStat(pid)
	return st.start, err
}

// StopStale stops what is left of group g, started by another (dead)
// process: SIGTERM, grace, SIGKILL, and it waits until the group is gone
// or ctx ends. It returns the pids it signalled.
//
// It cannot hit a stranger: the kernel does not reuse a number as a pid
// while any process still has it as its group id, so while the group has
// members its number is ours. If a process with pid g.Pgid exists, it is
// either our leader (same start time) or the number was reused after our
// group emptied (different start time), and then there is nothing to stop.
func StopStale(ctx context.Context, g GroupID, grace time.Duration) ([]int, error) {
	if st, err := readStat(g.Pgid); err == nil && st.start != g.Start {
		return nil, nil // the number belongs to someone else now
	}
	pids, err := GroupMembers(g.Pgid)
	if err != nil || len(pids) == 0 {
		return nil, err
	}
	signal := func(sig syscall.Signal) error {
		if err := syscall.Kill(-g.Pgid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("stop stale process group %d: %w", g.Pgid, err)
		}
		return nil
	}
	wait := func(ctx context.Context) ([]int, error) {
		delay := time.Millisecond
		for {
			alive, err := GroupMembers(g.Pgid)
			if err != nil || len(alive) == 0 {
				return nil, err
			}
			select {
			case <-ctx.Done():
				return alive, ctx.Err()
			case <-time.After(delay):
			}
			delay = min(2*delay, 20*time.Millisecond)
		}
	}
	if grace > 0 {
		if err := signal(syscall.SIGTERM); err != nil {
			return pids, err
		}
		_ = signal(syscall.SIGCONT)
		gctx, cancel := context.WithTimeout(ctx, grace)
		alive, _ := wait(gctx)
		cancel()
		if len(alive) == 0 {
			return pids, nil
		}
	}
	if err := signal(syscall.SIGKILL); err != nil {
		return pids, err
	}
	if alive, err := wait(ctx); err != nil {
		return pids, fmt.Errorf("stop stale process group %d: still alive %v: %w", g.Pgid, alive, err)
	}
	return pids, nil
}

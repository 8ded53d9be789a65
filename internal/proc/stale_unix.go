package proc

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// GroupID names a process group so that a later process can find what is
// left of it, e.g. a gallery owner that starts after the previous one was
// killed (Pdeathsig kills a render's leader with its owner, but not the
// processes the leader started). It is the group id and the leader's start
// time, in the form "PGID:START" for storing.
type GroupID struct {
	Pgid  int
	Start uint64 // the leader's start time, clock ticks after boot
}

func (g GroupID) String() string { return fmt.Sprintf("%d:%d", g.Pgid, g.Start) }

// ParseGroupID parses the String form.
func ParseGroupID(s string) (GroupID, error) {
	a, b, ok := strings.Cut(s, ":")
	pgid, err1 := strconv.Atoi(a)
	start, err2 := strconv.ParseUint(b, 10, 64)
	if !ok || err1 != nil || err2 != nil || pgid <= 1 {
		return GroupID{}, fmt.Errorf("process group %q: want PGID:START", s)
	}
	return GroupID{Pgid: pgid, Start: start}, nil
}

// GroupID returns the id of p's group; Start is 0 if the leader was gone
// before it could be read.
func (p *Process) GroupID() GroupID {
	p.startOnce.Do(func() {
		if st, err := readStat(p.pid); err == nil {
			p.startTicks = st.start
		}
	})
	return GroupID{Pgid: p.pid, Start: p.startTicks}
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

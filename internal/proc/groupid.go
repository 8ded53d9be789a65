package proc

import (
	"fmt"
	"strconv"
	"strings"
)

// GroupID names a process group so that a later process can find what is
// left of it, e.g. a gallery owner that starts after the previous one was
// killed (Pdeathsig kills a render's leader with its owner on Linux, but
// not the processes the leader started; macOS has no Pdeathsig). It is the
// group id (on Windows the leader's pid, which names its job) and the
// leader's start time, in the form "PGID:START" for storing.
type GroupID struct {
	Pgid  int
	Start uint64 // the leader's start time, in the system's unit (startTime)
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
		if start, err := startTime(p.pid); err == nil {
			p.startTicks = start
		}
	})
	return GroupID{Pgid: p.pid, Start: p.startTicks}
}

//go:build darwin || windows

package proc

import (
	"slices"
	"sync"
	"time"

	"github.com/shirou/gopsutil/v4/process"
)

// memSampler sums the resident memory of a render's processes where there
// is no /proc: each system lists the processes (members, in
// mem_darwin.go and mem_windows.go) and gopsutil reads each one's
// resident size (proc_pidinfo on macOS, GetProcessMemoryInfo on Windows).
// A process of another user cannot be read and is left out; renders run as
// the gallery's user.
type memSampler struct {
	mu      sync.Mutex
	members func() []int
	closed  bool
	tree    []int
	at      time.Time
}

// sample returns the summed resident size in bytes, and false once the
// sampler is closed. The processes are listed on every sample (walk is for
// the Linux sampler's cache of open files).
func (s *memSampler) sample(walk bool) (uint64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, false
	}
	s.at = time.Now()
	s.tree = s.tree[:0]
	var sum uint64
	for _, pid := range s.members() {
		pr, err := process.NewProcess(int32(pid))
		if err != nil {
			continue // exited meanwhile
		}
		mi, err := pr.MemoryInfo()
		if err != nil {
			continue
		}
		s.tree = append(s.tree, pid)
		sum += mi.RSS
	}
	return sum, true
}

func (s *memSampler) last() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.at
}

// pids returns the processes the last sample counted.
func (s *memSampler) pids() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.tree)
	slices.Sort(out)
	return out
}

func (s *memSampler) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.tree = nil
}

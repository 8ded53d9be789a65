package proc

import (
	"slices"
	"sync"
	"time"

	"github.com/shirou/gopsutil/v4/process"
)

// memSampler sums the working sets of the processes in a job
// (JobObjectBasicProcessIdList, then GetProcessMemoryInfo through
// gopsutil). The job's own peak, PeakJobMemoryUsed, joins at exit
// (exitPeak).
type memSampler struct {
	mu     sync.Mutex
	p      *Process
	closed bool
	tree   []int
	at     time.Time
}

func newTreeSampler(p *Process) *memSampler { return &memSampler{p: p} }

// sample returns the summed working set in bytes, and false once the
// sampler is closed.
func (s *memSampler) sample(walk bool) (uint64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, false
	}
	s.at = time.Now()
	s.tree = s.tree[:0]
	pids, _ := s.p.groupMembers() // a partial list still counts
	var sum uint64
	for _, pid := range pids {
		pr, err := process.NewProcess(int32(pid))
		if err != nil {
			continue
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

package proc

import (
	"bytes"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"
)

// memSampler sums the resident set size of a process tree.
//
// Reading /proc is slow on virtual machines (tens of microseconds for an
// open, read and close of one small file), and a gallery samples hundreds
// of trees. So the sampler keeps /proc/PID/statm open for every process of
// the tree and re-reads it with one pread per sample; an open /proc file
// also stays bound to its process, so a reused pid can never be counted by
// mistake (the read just fails once the process is gone). The tree itself
// is walked again on the first samples and then ever more rarely while it
// stays the same (after 1, 2, 4, 8, then every 16 samples), and at once after
// a walk that found a change.
type memSampler struct {
	mu     sync.Mutex
	root   int
	closed bool
	files  map[int]*os.File // statm of each process in the tree
	gap    int              // samples between walks now
	since  int              // samples since the last walk
	buf    [256]byte
	page   uint64
	at     time.Time // of the last sample
}

const maxWalkGap = 16

func newTreeSampler(p *Process) *memSampler { return newMemSampler(p.pid) }

func newMemSampler(root int) *memSampler {
	return &memSampler{root: root, files: map[int]*os.File{}, gap: 1, page: uint64(os.Getpagesize())}
}

// sample returns the summed RSS in bytes, and false once the sampler is
// closed. walk forces a walk of the tree.
func (s *memSampler) sample(walk bool) (uint64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, false
	}
	if walk || s.since >= s.gap || len(s.files) == 0 {
		s.walk()
	}
	s.at = time.Now()
	s.since++
	var sum uint64
	for pid, f := range s.files {
		n, err := f.ReadAt(s.buf[:], 0)
		if n == 0 && err != nil {
			f.Close()
			delete(s.files, pid) // exited
			continue
		}
		sum += s.rssOf(s.buf[:n])
	}
	return sum, true
}

// rssOf parses the second field of statm, resident pages.
func (s *memSampler) rssOf(b []byte) uint64 {
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseUint(string(f[1]), 10, 64)
	if err != nil {
		return 0
	}
	return pages * s.page
}

func (s *memSampler) walk() {
	tree := Descendants(s.root)
	changed := len(tree) != len(s.files)
	for _, pid := range tree {
		if _, ok := s.files[pid]; ok {
			continue
		}
		changed = true
		f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/statm")
		if err != nil {
			continue // exited meanwhile
		}
		s.files[pid] = f
	}
	for pid, f := range s.files {
		if !slices.Contains(tree, pid) {
			f.Close()
			delete(s.files, pid)
		}
	}
	s.since = 0
	if changed {
		s.gap = 1
	} else {
		s.gap = min(2*s.gap, maxWalkGap)
	}
}

func (s *memSampler) last() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.at
}

// pids returns the processes the sampler counts now.
func (s *memSampler) pids() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]int, 0, len(s.files))
	for pid := range s.files {
		out = append(out, pid)
	}
	slices.Sort(out)
	return out
}

func (s *memSampler) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for pid, f := range s.files {
		f.Close()
		delete(s.files, pid)
	}
}

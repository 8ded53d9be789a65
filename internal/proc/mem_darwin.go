package proc

// newTreeSampler samples the render's process tree, from sysctl
// (Descendants).
func newTreeSampler(p *Process) *memSampler {
	root := p.pid
	return &memSampler{members: func() []int { return Descendants(root) }}
}

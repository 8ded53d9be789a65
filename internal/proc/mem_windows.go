package proc

// newTreeSampler samples the processes of the render's job
// (JobObjectBasicProcessIdList). The job's own peak, PeakJobMemoryUsed,
// joins at exit (exitPeak).
func newTreeSampler(p *Process) *memSampler {
	return &memSampler{members: func() []int {
		pids, _ := p.groupMembers() // a partial list still counts
		return pids
	}}
}

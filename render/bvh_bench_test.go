package render

import (
	"syscall"
	"testing"
	"time"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkBuildBVH builds the BLAS of a 261k-triangle sphere; cpu-ms/op is
// the process CPU time, which stays meaningful on a busy shared machine.
func BenchmarkBuildBVH(b *testing.B) {
	m := SphereMesh(1, 512, 256)
	c0 := cpuTime()
	for i := 0; i < b.N; i++ {
		newBLAS(m)
	}
	b.ReportMetric(float64(cpuTime()-c0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}

//go:build unix

package usda

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time (user+system) of the whole process: on a
// loaded machine it measures our work better than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

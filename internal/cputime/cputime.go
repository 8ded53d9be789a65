// Package cputime tells the CPU time a process has used, for benchmarks:
// on a shared or loaded machine it measures our work better than the wall
// clock.
package cputime

import "time"

// Process returns the user plus system CPU time of this process so far,
// or 0 where the system cannot tell.
func Process() time.Duration { return process() }

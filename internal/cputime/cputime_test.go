package cputime

import "testing"

// TestProcessGrowsWithWork: spinning the CPU must show as CPU time.
func TestProcessGrowsWithWork(t *testing.T) {
	before := Process()
	x := 0.0
	for i := 0; i < 50_000_000; i++ {
		x += float64(i) * 1e-9
	}
	after := Process()
	if after <= before || x == 0 {
		t.Fatalf("CPU time %v then %v after work", before, after)
	}
}

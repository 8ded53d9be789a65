package subdiv

import "testing"

// BenchmarkRefineGrid refines a 256×256 quad grid (65,536 faces) twice.
func BenchmarkRefineGrid(b *testing.B) {
	m := quadGrid(256)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Refine(m, nil, Options{Level: 2, Limit: true}); err != nil {
			b.Fatal(err)
		}
	}
}

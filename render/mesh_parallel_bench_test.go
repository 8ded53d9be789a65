//go:build linux || darwin

package render

import (
	"testing"
	"time"
)

// BenchmarkPairTriangles pairs the triangles of a 1M-triangle quad mesh
// (SphereMesh: two triangles a quad): the parallel pairing against the
// sequential scan it replaced; cpu-ms/op is process CPU time.
func BenchmarkPairTriangles(b *testing.B) {
	m := SphereMesh(1, 1024, 512)
	meshOf := func(i int32) (*Mesh, int32, int32) { return m, 0, i }
	for _, bc := range []struct {
		name string
		pair func(int, func(int32) (*Mesh, int32, int32)) []int32
	}{{"parallel", pairTriangles}, {"sequential", pairSequential}} {
		b.Run(bc.name, func(b *testing.B) {
			c0 := cpuTime()
			for b.Loop() {
				bc.pair(m.NumTriangles(), meshOf)
			}
			b.ReportMetric(float64(cpuTime()-c0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		})
	}
}

// BenchmarkNewBLASMerged builds the BLAS of a 1M-triangle quad mesh merged
// with a two-triangle ground, as the 1M-triangle bench scene bakes into
// one BLAS; cpu-ms/op is process CPU time (steadier than wall on a busy
// machine).
func BenchmarkNewBLASMerged(b *testing.B) {
	m := SphereMesh(1, 1024, 512)
	ground := &Mesh{Name: "ground", P: []Vec3{{-2, -1, -2}, {2, -1, -2}, {2, -1, 2}, {-2, -1, 2}}, Indices: []int32{0, 1, 2, 0, 2, 3}}
	c0 := cpuTime()
	for b.Loop() {
		newBLAS(m, ground)
	}
	b.ReportMetric(float64(cpuTime()-c0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}

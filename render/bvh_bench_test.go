//go:build linux || darwin

package render

import (
	"math"
	"math/bits"
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

// BenchmarkIntersect shoots rays at a 261k-triangle sphere from outside;
// cpu-ns/ray is CPU time per closest-hit query.
func BenchmarkIntersect(b *testing.B) {
	b.Run("261k", func(b *testing.B) { benchIntersect(b, 512, 256) })
	b.Run("4k", func(b *testing.B) { benchIntersect(b, 64, 32) })
}

func benchIntersect(b *testing.B, nu, nv int) {
	s := &Scene{Meshes: []*Mesh{SphereMesh(1, nu, nv)}, Instances: []Instance{{Mesh: 0, Transform: Identity}}}
	if err := s.Build(); err != nil {
		b.Fatal(err)
	}
	const nr = 4096
	rays := make([]Ray, nr)
	var smp Sampler
	for i := range rays {
		smp.Start(1, i, 0, 0)
		u, v := smp.Get2D()
		w, z := smp.Get2D()
		o := Vec3{4*u - 2, 4*v - 2, 3}
		t := Vec3{w - 0.5, z - 0.5, 0}
		rays[i] = Ray{O: o, D: t.Sub(o).Norm()}
	}
	var h Hit
	hits := 0
	c0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if s.Intersect(rays[i%nr], math.Inf(1), &h) {
			hits++
		}
	}
	b.ReportMetric(float64(cpuTime()-c0)/float64(b.N), "cpu-ns/ray")
	if hits == 0 {
		b.Fatal("no hits")
	}
}

// BenchmarkTriangleGo compares, in one run, the portable Go triangle tests
// on the same rays and triangles (the leaves of a 4k-triangle sphere): the
// old Möller-Trumbore on v0/e1/e2 (ref-ns/test) and the watertight test on
// the packets (tri4Go, each packet's used lanes as traversal calls it;
// wt-ns/test), CPU time per triangle.
func BenchmarkTriangleGo(b *testing.B) {
	bl := newBLAS(SphereMesh(1, 64, 32))
	slots := leafSlots(bl)
	n := len(slots)
	tris := make([]tri, n)
	lanes := make([]int32, len(bl.packs))
	for i, sl := range slots {
		tris[i] = bl.triAt(sl)
		lanes[sl>>2] = max(lanes[sl>>2], sl&3+1)
	}
	var smp Sampler
	const nr = 256
	var os, ds [nr]Vec3
	for i := range os {
		smp.Start(1, i, 0, 0)
		u, v := smp.Get2D()
		os[i] = Vec3{4*u - 2, 4*v - 2, 3}
		ds[i] = Vec3{-os[i].X * 0.5, -os[i].Y * 0.5, -3}.Norm()
	}
	var ref, wt time.Duration
	sinkRef, sinkWT := 0, 0
	var out tri4Hit
	for it := 0; it < b.N; it++ {
		c0 := cpuTime()
		for r := range os {
			for i := range tris {
				if _, _, _, ok := intersectTriRef(&tris[i], os[r], ds[r], math.Inf(1)); ok {
					sinkRef++
				}
			}
		}
		c1 := cpuTime()
		for r := range os {
			wr := newWTRay(os[r], ds[r])
			for i := range bl.packs {
				m := tri4Go(&bl.packs[i].v, lanes[i], &wr, math.Inf(1), &out)
				sinkWT += bits.OnesCount(uint(m))
			}
		}
		c2 := cpuTime()
		ref += c1 - c0
		wt += c2 - c1
	}
	b.ReportMetric(float64(ref)/float64(b.N*nr*n), "ref-ns/test")
	b.ReportMetric(float64(wt)/float64(b.N*nr*n), "wt-ns/test")
	if sinkRef == 0 || sinkWT != sinkRef {
		b.Fatalf("hits: Möller-Trumbore %d, watertight %d", sinkRef, sinkWT)
	}
}

//go:build linux && amd64

package render_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/rgallery/rgallery/render"
)

// BenchmarkTraversalPrevAB times the traversal against the previous one
// (bvh_prev_test.go) on the same rays of each bench scene, alternating in
// one process; CPU time of the benchmark's thread per ray. With AVX (the
// default build) and without it (SSE2 box tests, Go triangle test); under
// -tags purego both are the pure-Go path.
func BenchmarkTraversalPrevAB(b *testing.B) {
	for _, name := range benchScenes {
		b.Run(name, func(b *testing.B) {
			s := loadBenchScene(b, name)
			tr := render.MakeTraceRays(s, 640, 360, 100000, 5)
			prev := render.NewPrevScene(s)
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var c [2][2][2]time.Duration // [avx][new][shadow]
			var h render.Hit
			sink := 0
			for i := 0; i < b.N; i++ {
				for avx := 1; avx >= 0; avx-- {
					was := render.SetAVX(avx == 1)
					for _, isNew := range []int{i & 1, 1 - i&1} {
						t0 := threadCPU()
						for j, r := range tr.Closest {
							var ok bool
							if isNew == 1 {
								ok = s.Intersect(r, tr.ClosestMax[j], &h)
							} else {
								ok = prev.Intersect(r, tr.ClosestMax[j], &h)
							}
							if ok {
								sink++
							}
						}
						t1 := threadCPU()
						for j, r := range tr.Shadow {
							var ok bool
							if isNew == 1 {
								ok = s.Occluded(r, tr.ShadowMax[j])
							} else {
								ok = prev.Occluded(r, tr.ShadowMax[j])
							}
							if ok {
								sink++
							}
						}
						t2 := threadCPU()
						c[avx][isNew][0] += t1 - t0
						c[avx][isNew][1] += t2 - t1
					}
					render.SetAVX(was)
				}
			}
			nc, ns := float64(b.N*len(tr.Closest)), float64(b.N*len(tr.Shadow))
			for avx, tag := range []string{"noavx-", ""} {
				b.ReportMetric(float64(c[avx][0][0])/nc, tag+"prev-ns/ray")
				b.ReportMetric(float64(c[avx][1][0])/nc, tag+"new-ns/ray")
				b.ReportMetric(float64(c[avx][1][0])/float64(c[avx][0][0]), tag+"new/prev")
				b.ReportMetric(float64(c[avx][0][1])/ns, tag+"prev-ns/shadow")
				b.ReportMetric(float64(c[avx][1][1])/ns, tag+"new-ns/shadow")
				b.ReportMetric(float64(c[avx][1][1])/float64(c[avx][0][1]), tag+"new/prev-shadow")
			}
			if sink == 0 {
				b.Fatal("no hits")
			}
		})
	}
}

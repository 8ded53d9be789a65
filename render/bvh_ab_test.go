//go:build linux && amd64

package render_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/rgallery/rgallery/render"
	"github.com/rgallery/rgallery/render/usdscene"
)

// benchScenes are the scenes of scripts/cycles-bench.sh.
var benchScenes = []string{"cornell", "spheres", "mesh"}

// loadBenchScene builds a bench scene from $RGALLERY_SHARED/bench-scenes
// (default ../../shared), or skips when it is not there.
func loadBenchScene(tb testing.TB, name string) *render.Scene {
	tb.Helper()
	shared := os.Getenv("RGALLERY_SHARED")
	if shared == "" {
		shared = filepath.Join("..", "..", "shared")
	}
	path := filepath.Join(shared, "bench-scenes", name, name+".usda")
	if _, err := os.Stat(path); err != nil {
		tb.Skipf("bench scene %s not found (set RGALLERY_SHARED): %v", name, err)
	}
	res, err := usdscene.Load(context.Background(), path, usdscene.Options{})
	if err != nil {
		tb.Fatalf("load %s: %v", path, err)
	}
	if err := res.Scene.Build(); err != nil {
		tb.Fatalf("build %s: %v", path, err)
	}
	return res.Scene
}

// sameHit reports whether two closest-hit answers agree: both miss, or
// both hit the same primitive of the same instance at t within 1e-6
// relative.
func sameHit(ok1 bool, h1 render.Hit, ok2 bool, h2 render.Hit) bool {
	if ok1 != ok2 {
		return false
	}
	if !ok1 {
		return true
	}
	return h1.Inst == h2.Inst && h1.Prim == h2.Prim && math.Abs(h1.T-h2.T) <= 1e-6*math.Abs(h2.T)
}

// TestTraversalMatchesReference: on the rays of the first two bounces in
// every bench scene, the traversal finds the same primitive at the same
// distance as the reference traversal (bvh_ref_test.go), and shadow rays
// agree.
func TestTraversalMatchesReference(t *testing.T) {
	for _, name := range benchScenes {
		t.Run(name, func(t *testing.T) {
			s := loadBenchScene(t, name)
			tr := render.MakeTraceRays(s, 640, 360, 20000, 3)
			ref := render.NewRefScene(s)
			hits := 0
			for i, r := range tr.Closest {
				var h1, h2 render.Hit
				ok1 := s.Intersect(r, tr.ClosestMax[i], &h1)
				ok2 := ref.Intersect(r, tr.ClosestMax[i], &h2)
				if !sameHit(ok1, h1, ok2, h2) {
					t.Fatalf("ray %d %v: hit %v %+v, reference %v %+v", i, r, ok1, h1, ok2, h2)
				}
				if ok1 {
					hits++
				}
			}
			blocked := 0
			for i, r := range tr.Shadow {
				o1, o2 := s.Occluded(r, tr.ShadowMax[i]), ref.Occluded(r, tr.ShadowMax[i])
				if o1 != o2 {
					t.Fatalf("shadow ray %d %v: occluded %v, reference %v", i, r, o1, o2)
				}
				if o1 {
					blocked++
				}
			}
			if hits == 0 || blocked == 0 || blocked == len(tr.Shadow) {
				t.Fatalf("degenerate rays: %d/%d hits, %d/%d shadow rays blocked", hits, len(tr.Closest), blocked, len(tr.Shadow))
			}
		})
	}
}

// threadCPU is the CPU time of the calling OS thread (the caller locks it).
func threadCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkTraversalAB times the traversal against the reference
// (bvh_ref_test.go) on the same rays of each bench scene, alternating
// passes in one process so that a busy machine slows both alike; the
// figures are CPU time of the benchmark's thread per ray. Run with
// -benchtime=Nx for N alternations.
func BenchmarkTraversalAB(b *testing.B) {
	for _, name := range benchScenes {
		b.Run(name, func(b *testing.B) {
			s := loadBenchScene(b, name)
			tr := render.MakeTraceRays(s, 640, 360, 100000, 5)
			ref := render.NewRefScene(s)
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var cRef, cNew, sRef, sNew, cBox, sBox time.Duration
			var h render.Hit
			sink := 0
			for i := 0; i < b.N; i++ {
				t0 := threadCPU()
				for j, r := range tr.Closest {
					if ref.Intersect(r, tr.ClosestMax[j], &h) {
						sink++
					}
				}
				t1 := threadCPU()
				for j, r := range tr.Closest {
					if s.Intersect(r, tr.ClosestMax[j], &h) {
						sink++
					}
				}
				t2 := threadCPU()
				for j, r := range tr.Shadow {
					if ref.Occluded(r, tr.ShadowMax[j]) {
						sink++
					}
				}
				t3 := threadCPU()
				for j, r := range tr.Shadow {
					if s.Occluded(r, tr.ShadowMax[j]) {
						sink++
					}
				}
				t4 := threadCPU()
				// Without AVX: SSE2 box tests, the Go triangle test.
				prev := render.SetAVX(false)
				for j, r := range tr.Closest {
					if s.Intersect(r, tr.ClosestMax[j], &h) {
						sink++
					}
				}
				t5 := threadCPU()
				for j, r := range tr.Shadow {
					if s.Occluded(r, tr.ShadowMax[j]) {
						sink++
					}
				}
				t6 := threadCPU()
				render.SetAVX(prev)
				cBox += t5 - t4
				sBox += t6 - t5
				cRef += t1 - t0
				cNew += t2 - t1
				sRef += t3 - t2
				sNew += t4 - t3
			}
			nc, ns := float64(b.N*len(tr.Closest)), float64(b.N*len(tr.Shadow))
			b.ReportMetric(float64(cRef)/nc, "ref-ns/ray")
			b.ReportMetric(float64(cNew)/nc, "new-ns/ray")
			b.ReportMetric(float64(cNew)/float64(cRef), "new/ref")
			b.ReportMetric(float64(cBox)/nc, "noavx-ns/ray")
			b.ReportMetric(float64(sBox)/ns, "noavx-ns/shadow")
			b.ReportMetric(float64(sRef)/ns, "ref-ns/shadow")
			b.ReportMetric(float64(sNew)/ns, "new-ns/shadow")
			b.ReportMetric(float64(sNew)/float64(sRef), "new/ref-shadow")
			if sink == 0 {
				b.Fatal("no hits")
			}
		})
	}
}

//go:build linux && amd64

package render_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rgallery/rgallery/render"
)

// TestTrav8AsmMatchesGo: the assembly traversals of the 8-wide tree give
// the Go traversals' answers on the bench scenes' rays (camera rays, one
// bounce, shadow rays: BenchmarkTraversalAB's) with their tMax, with the
// distance of the hit and just below and above it, 0 and +Inf, and on
// degenerate rays: along the axes, with zero direction components, and
// starting on a triangle (at a hit point), and aimed at vertices and edge
// midpoints (ties between triangles).
func TestTrav8AsmMatchesGo(t *testing.T) {
	for _, name := range benchScenes {
		t.Run(name, func(t *testing.T) {
			s := loadBenchScene(t, name)
			tr := render.MakeTraceRays(s, 640, 360, 40000, 7)
			var rays []render.Ray
			var tmax []float64
			add := func(r render.Ray, tm float64) {
				rays, tmax = append(rays, r), append(tmax, tm)
			}
			rng := rand.New(rand.NewPCG(11, 13))
			bounds := s.Bounds()
			inBox := func() render.Vec3 {
				lo, hi := bounds.Lo, bounds.Hi
				return render.Vec3{
					X: lo.X + (hi.X-lo.X)*(rng.Float64()*1.2-0.1),
					Y: lo.Y + (hi.Y-lo.Y)*(rng.Float64()*1.2-0.1),
					Z: lo.Z + (hi.Z-lo.Z)*(rng.Float64()*1.2-0.1),
				}
			}
			var hitPts []render.Vec3
			for j, r := range tr.Closest {
				add(r, tr.ClosestMax[j])
				var h render.Hit
				if s.Intersect(r, tr.ClosestMax[j], &h) {
					add(r, h.T)
					add(r, math.Nextafter(h.T, 0))
					add(r, math.Nextafter(h.T, math.Inf(1)))
					if j%4 == 0 {
						hitPts = append(hitPts, r.O.AddScaled(r.D, h.T))
					}
				}
				if j%8 == 0 {
					add(r, 0)
					add(r, math.Inf(1))
				}
			}
			for j, r := range tr.Shadow {
				add(r, tr.ShadowMax[j])
			}
			axes := []render.Vec3{{X: 1}, {X: -1}, {Y: 1}, {Y: -1}, {Z: 1}, {Z: -1}}
			for i := 0; i < 20000; i++ {
				o := inBox()
				d := render.Vec3{X: rng.NormFloat64(), Y: rng.NormFloat64(), Z: rng.NormFloat64()}
				switch i % 4 {
				case 0:
					d = axes[rng.IntN(6)]
				case 1:
					d.X = 0
				case 2:
					d.Y, d.Z = 0, 0
				}
				if d == (render.Vec3{}) {
					continue
				}
				tm := math.Inf(1)
				if i%3 == 0 {
					tm = rng.Float64() * 3
				}
				add(render.Ray{O: o, D: d}, tm)
			}
			for i, p := range hitPts {
				d := render.Vec3{X: rng.NormFloat64(), Y: rng.NormFloat64(), Z: rng.NormFloat64()}
				if i%3 == 0 {
					d = axes[rng.IntN(6)]
				}
				add(render.Ray{O: p, D: d}, math.Inf(1))
				add(render.Ray{O: p, D: d.Neg()}, 1e-3)
			}
			for _, r := range render.Trav8VertexRays(s, 20000, 17) {
				add(r, math.Inf(1))
			}
			// The rays' setup (done by the assembly itself): origins and
			// directions float32 cannot carry (the 4-wide tree takes
			// them), at and either side of newRayBox8's limits, NaN, -0,
			// infinities, and ties between the largest |d| components
			// (newWTRay's axis choice).
			c := bounds.Lo.Add(bounds.Hi).Scale(0.5)
			edge := []float64{0, math.Copysign(0, -1), 1e-31, -1e-31, 1e-30, math.Nextafter(1e-30, 1), 1.0000001e-30,
				1e30, -1e30, math.Nextafter(1e30, 0), 1e31, math.Inf(1), math.Inf(-1), math.NaN(), 1, -1, 0.5, -2}
			for i := 0; i < 20000; i++ {
				o := inBox()
				if i%5 == 0 {
					o = c
				}
				d := render.Vec3{X: rng.NormFloat64(), Y: rng.NormFloat64(), Z: rng.NormFloat64()}
				switch i % 6 {
				case 0:
					d.X = edge[rng.IntN(len(edge))]
				case 1:
					d.Y, d.Z = edge[rng.IntN(len(edge))], edge[rng.IntN(len(edge))]
				case 2:
					// Ties: |d| equal on two or three axes, signs mixed.
					v := rng.NormFloat64()
					sg := func() float64 { return float64(1 - 2*rng.IntN(2)) }
					d = render.Vec3{X: v * sg(), Y: v * sg(), Z: d.Z}
					if rng.IntN(2) == 0 {
						d.Z = v * sg()
					}
				case 3:
					o.X = edge[rng.IntN(len(edge))] * 1e3
				case 4:
					d = render.Vec3{X: edge[rng.IntN(len(edge))], Y: edge[rng.IntN(len(edge))], Z: edge[rng.IntN(len(edge))]}
				}
				add(render.Ray{O: o, D: d}, math.Inf(1))
			}
			n, occ, fb, refused, bad, ok := render.Trav8Check(s, rays, tmax)
			if !ok {
				t.Skip("no 8-wide tree (no AVX or -tags purego)")
			}
			t.Logf("%s: %d rays, %d occluded, %d fell back to Go, %d refused (4-wide)", name, n, occ, fb, refused)
			if bad != "" {
				t.Fatal(bad)
			}
			if n < 100000 || occ < n/10 {
				t.Fatalf("only %d rays, %d occluded", n, occ)
			}
		})
	}
}

package render

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestHit4SIMDMatchesGo pins the assembly box tests to hit4Go bit for bit:
// the same mask and the same entry distances of the children hit, on
// random boxes and rays and on the edge cases (empty slots, axis-parallel
// rays, rays starting inside or on a plane, tMax cutting a box).
func TestHit4SIMDMatchesGo(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	coord := func() float64 {
		switch r.IntN(8) {
		case 0:
			return 0
		case 1:
			return float64(r.IntN(3) - 1)
		}
		return r.Float64()*4 - 2
	}
	impls := map[string]func(*bvh4Node, *rayBox, float64, *[4]float64) int{"sse2": hit4SSE2}
	if hasAVX {
		impls["avx"] = hit4AVX
	}
	for it := 0; it < 200000; it++ {
		nd := emptyNode4()
		for k := 0; k < 4; k++ {
			if r.IntN(6) == 0 {
				continue // empty slot
			}
			for a := 0; a < 3; a++ {
				lo, hi := float32(coord()), float32(coord())
				if lo > hi {
					lo, hi = hi, lo
				}
				nd.b[0][a][k], nd.b[1][a][k] = lo, hi
			}
		}
		o := Vec3{coord(), coord(), coord()}
		d := Vec3{coord(), coord(), coord()}
		if d.IsBlack() {
			d.X = 1
		}
		tMax := math.Inf(1)
		if r.IntN(2) == 0 {
			tMax = r.Float64() * 3
		}
		rb := newRayBox(o, d)
		var want [4]float64
		wm := hit4Go(&nd, &rb, tMax, &want)
		for name, f := range impls {
			var got [4]float64
			gm := f(&nd, &rb, tMax, &got)
			if gm != wm {
				t.Fatalf("%s: mask %04b, want %04b (node %v ray %v %v tMax %g)", name, gm, wm, nd.b, o, d, tMax)
			}
			for k := 0; k < 4; k++ {
				if wm&(1<<k) != 0 && got[k] != want[k] {
					t.Fatalf("%s: child %d t %g, want %g", name, k, got[k], want[k])
				}
			}
		}
	}
}

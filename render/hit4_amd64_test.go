//go:build !purego

package render

import (
	"math"
	"math/rand/v2"
	"testing"

	"golang.org/x/sys/cpu"
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

// TestTri4SIMDMatchesGo pins the assembly triangle test to tri4.hit lane
// by lane: the same hits and bit-identical t, u, v, on random triangles
// (some degenerate, some sharing vertices with the ray's origin plane) and
// rays along every dominant axis in both directions.
func TestTri4SIMDMatchesGo(t *testing.T) {
	if !hasAVX {
		t.Skip("no AVX on this CPU: the assembly test is not used")
	}
	r := rand.New(rand.NewPCG(5, 9))
	coord := func() float64 {
		if r.IntN(10) == 0 {
			return float64(r.IntN(3) - 1)
		}
		return r.Float64()*4 - 2
	}
	hits := 0
	for it := 0; it < 200000; it++ {
		var p tri4
		for l := 0; l < 4; l++ {
			if r.IntN(8) == 0 {
				continue // an empty lane
			}
			for c := 0; c < 9; c++ {
				p.v[c][l] = float32(coord())
			}
			if r.IntN(8) == 0 {
				p.v[6][l], p.v[7][l], p.v[8][l] = p.v[3][l], p.v[4][l], p.v[5][l] // degenerate
			}
		}
		o := Vec3{coord(), coord(), coord()}
		d := Vec3{coord(), coord(), coord()}
		if d.IsBlack() {
			d.Z = -1
		}
		tMax := math.Inf(1)
		if r.IntN(2) == 0 {
			tMax = r.Float64() * 4
		}
		wr := newWTRay(o, d)
		var out tri4Hit
		m := tri4AVX(&p, &wr, tMax, &out)
		for l := 0; l < 4; l++ {
			tt, u, v, ok := p.hit(l, &wr, tMax)
			if ok != (m&(1<<l) != 0) {
				t.Fatalf("lane %d: assembly hit %v, Go %v (tri %v, ray %v %v)", l, !ok, ok, p, o, d)
			}
			if ok {
				hits++
				if out.t[l] != tt || out.u[l] != u || out.v[l] != v {
					t.Fatalf("lane %d: assembly t,u,v %g %g %g, Go %g %g %g", l, out.t[l], out.u[l], out.v[l], tt, u, v)
				}
			}
		}
	}
	if hits < 1000 {
		t.Fatalf("only %d hits: the cases test little", hits)
	}
}

// TestTraversalWatertightPortable runs the watertightness cases through
// the portable (non-assembly) triangle and box tests.
func TestTraversalWatertightPortable(t *testing.T) {
	saved := hasAVX
	hasAVX = false
	defer func() { hasAVX = saved }()
	for _, c := range []struct {
		name string
		m    *Mesh
		axis bool
	}{
		{"grid", gridMesh(40, 0.3), false},
		{"warped-grid-axis", gridMesh(40, 0.3), true},
	} {
		if miss, total := leaks(t, c.m, 40, 100000, 2, c.axis); miss != 0 {
			t.Errorf("%s: %d of %d rays through edges and vertices hit nothing", c.name, miss, total)
		}
	}
}

// SetAVX switches the AVX box and triangle tests on or off (off: SSE2 box
// tests and the Go triangle test) and returns the previous setting, for
// the A/B benchmark.
func SetAVX(on bool) bool {
	prev := hasAVX
	hasAVX = on && cpu.X86.HasAVX
	return prev
}

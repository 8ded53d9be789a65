package render

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestHit8AsmMatchesGoAndIsConservative: hit8 (the assembly with AVX) gives
// hit8Go's mask and entry bounds bit for bit, and never culls a box that
// the float64 slab test (hit4Go on the same box) says the ray meets, with
// an entry bound no larger than hit4Go's entry distance.
func TestHit8AsmMatchesGoAndIsConservative(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	coord := func() float64 {
		switch r.IntN(8) {
		case 0:
			return 0
		case 1:
			return float64(r.IntN(3) - 1)
		case 2:
			return (r.Float64()*4 - 2) * 1e3
		}
		return r.Float64()*4 - 2
	}
	hits := 0
	for it := 0; it < 100000; it++ {
		var nd bvh8Node
		var n4 [2]bvh4Node
		n4[0], n4[1] = emptyNode4(), emptyNode4()
		for k := range 8 {
			nd.count[k] = -1
			for a := range 3 {
				nd.b[0][a][k], nd.b[1][a][k] = float32(math.Inf(1)), float32(math.Inf(-1))
			}
			if r.IntN(6) == 0 {
				continue
			}
			for a := range 3 {
				lo, hi := float32(coord()), float32(coord())
				if lo > hi {
					lo, hi = hi, lo
				}
				if r.IntN(10) == 0 {
					hi = lo // flat box
				}
				nd.b[0][a][k], nd.b[1][a][k] = lo, hi
				n4[k>>2].b[0][a][k&3], n4[k>>2].b[1][a][k&3] = lo, hi
			}
			nd.count[k] = 0
		}
		o := Vec3{coord(), coord(), coord()}
		d := Vec3{coord(), coord(), coord()}
		if r.IntN(4) == 0 {
			// A ray through a corner of a box.
			k := r.IntN(8)
			if nd.count[k] == 0 {
				c := Vec3{float64(nd.b[0][0][k]), float64(nd.b[1][1][k]), float64(nd.b[0][2][k])}
				d = c.Sub(o)
			}
		}
		if d == (Vec3{}) {
			continue
		}
		tMax := math.Inf(1)
		if r.IntN(3) == 0 {
			tMax = r.Float64() * 5
		}
		rb8, ok := newRayBox8(o, d)
		if !ok {
			t.Fatalf("ray %v %v refused", o, d)
		}
		var tg, ta [8]float32
		mg := hit8Go(&nd, &rb8, tMax32(tMax), &tg)
		ma := hit8(&nd, &rb8, tMax32(tMax), &ta)
		if mg != ma {
			t.Fatalf("it %d: mask asm %08b, Go %08b", it, ma, mg)
		}
		for k := range 8 {
			if mg&(1<<k) != 0 && math.Float32bits(tg[k]) != math.Float32bits(ta[k]) {
				t.Fatalf("it %d child %d: t asm %v, Go %v", it, k, ta[k], tg[k])
			}
		}
		rb := newRayBox(o, d)
		var t4 [2][4]float64
		m4 := hit4Go(&n4[0], &rb, tMax, &t4[0]) | hit4Go(&n4[1], &rb, tMax, &t4[1])<<4
		if m4&^mg != 0 {
			t.Fatalf("it %d: ray %v %v tMax %v: 8-wide culls %08b the float64 test hits", it, o, d, tMax, m4&^mg)
		}
		for k := range 8 {
			if m4&(1<<k) != 0 {
				hits++
				if float64(tg[k]) > t4[k>>2][k&3] {
					t.Fatalf("it %d child %d: entry bound %v beyond %v", it, k, tg[k], t4[k>>2][k&3])
				}
			}
		}
	}
	if hits < 10000 {
		t.Fatalf("only %d boxes hit", hits)
	}
}

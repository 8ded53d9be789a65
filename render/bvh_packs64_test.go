package render

import (
	"math/rand/v2"
	"testing"
	"unsafe"
)

// TestFloat64PacketsGiveTheSameHits: the Go triangle test on a packet's
// float64 copy (wide.packs64, small trees without AVX) returns the same
// mask and the same t, u, v bit for bit as on the float32 packet, since
// the copy holds the same values.
func TestFloat64PacketsGiveTheSameHits(t *testing.T) {
	bl := newBLAS(SphereMesh(1, 16, 8))
	rng := rand.New(rand.NewPCG(1, 2))
	hits := 0
	for i := range 20000 {
		p := &bl.packs[i%len(bl.packs)]
		var d tri4d
		for r := range 9 {
			for l := range 4 {
				d.v[r][l] = float64(p.v[r][l])
			}
		}
		o := Vec3{rng.Float64()*4 - 2, rng.Float64()*4 - 2, rng.Float64()*4 - 2}
		// Aim at the packet's first triangle so that many rays hit.
		c := Vec3{float64(p.v[0][0]+p.v[3][0]+p.v[6][0]) / 3, float64(p.v[1][0]+p.v[4][0]+p.v[7][0]) / 3, float64(p.v[2][0]+p.v[5][0]+p.v[8][0]) / 3}
		dir := c.Sub(o).Add(Vec3{rng.Float64() - 0.5, rng.Float64() - 0.5, rng.Float64() - 0.5}.Scale(0.2))
		wr := newWTRay(o, dir)
		var h32, h64 tri4Hit
		m32 := tri4Go(&p.v, 4, &wr, 1e30, &h32)
		m64 := tri4Go(&d.v, 4, &wr, 1e30, &h64)
		if m32 != m64 || h32 != h64 {
			t.Fatalf("ray %d: float32 packet %b %+v, float64 copy %b %+v", i, m32, h32, m64, h64)
		}
		if m32 != 0 {
			hits++
		}
	}
	if hits < 1000 {
		t.Fatalf("only %d of 20000 rays hit: the test compares misses", hits)
	}
}

// TestFloat64PacketsOnlyForSmallTrees: without AVX a tree whose float64
// packets fit in packs64Max keeps a copy equal to its packets widened, a
// larger one none; with AVX none (the assembly reads float32).
func TestFloat64PacketsOnlyForSmallTrees(t *testing.T) {
	small := newBLAS(SphereMesh(1, 16, 8))
	large := newBLAS(SphereMesh(1, 128, 64))
	if len(large.packs)*int(unsafe.Sizeof(tri4d{})) <= packs64Max || len(small.packs)*int(unsafe.Sizeof(tri4d{})) > packs64Max {
		t.Fatalf("sizes: small %d, large %d packets", len(small.packs), len(large.packs))
	}
	if large.bvh.packs64 != nil {
		t.Fatalf("large tree (%d packets) has a float64 copy", len(large.packs))
	}
	if hasAVX {
		if small.bvh.packs64 != nil {
			t.Fatal("float64 copy with AVX")
		}
		return
	}
	if len(small.bvh.packs64) != len(small.packs) {
		t.Fatalf("small tree: %d float64 packets for %d", len(small.bvh.packs64), len(small.packs))
	}
	for i := range small.packs {
		for r := range 9 {
			for l := range 4 {
				if small.bvh.packs64[i].v[r][l] != float64(small.packs[i].v[r][l]) {
					t.Fatalf("packet %d row %d lane %d: %v, float32 %v", i, r, l, small.bvh.packs64[i].v[r][l], small.packs[i].v[r][l])
				}
			}
		}
	}
}

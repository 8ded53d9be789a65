package render

import (
	"math"
	"math/bits"
	"unsafe"
)

// tri4 is up to four triangles of one BVH leaf in structure-of-arrays form,
// their vertices as the mesh has them (not edges: the watertight test needs
// a shared vertex to transform identically in both of its triangles), so
// that one SIMD test covers them (tri4_amd64.s). Unused lanes are zero: a
// degenerate triangle never hits.
//
// The coordinates are float32, rounded to nearest from the scene's
// (world-space) float64 vertices once, at build: 144 bytes a packet
// instead of 288, so a leaf's triangles take fewer cache lines (the
// profile showed two thirds of the triangle test waiting for the packet's
// first load), as Embree and Cycles store float32 vertices. Every user of
// the geometry (the test, shading through triAt) sees the same rounded
// vertices, and a vertex shared by two triangles rounds the same way in
// both, so the test stays watertight. The test itself widens them to
// float64 (exact) and computes as before.
type tri4 struct {
	v [9][4]float32 // v0x v0y v0z v1x v1y v1z v2x v2y v2z
}

// wtRay is a ray prepared for the watertight triangle test (Woop, Benthin,
// Wald 2013, "Watertight Ray/Triangle Intersection", JCGT 2(1)): the axis
// kz along which the direction is largest, the other two kx, ky, and the
// shear that maps the direction to +z. The origin is stored permuted.
type wtRay struct {
	ox, oy, oz float64 // o[kx], o[ky], o[kz]
	sx, sy, sz float64 // -d[kx]/d[kz], -d[ky]/d[kz], 1/d[kz]
	// offx, offy, offz are kx, ky, kz as byte offsets of the coordinate
	// rows of a tri4 (16 bytes each), for the assembly.
	offx, offy, offz int
	kx, ky, kz       int // the same as indices, for the Go test
}

// newWTRay is repeated in the assembly traversals' prologue
// (trav8_amd64.s), as newRayBox8 is.
func newWTRay(o, d Vec3) wtRay {
	// Indexing arrays instead of switching on the axes: the axes differ
	// from ray to ray, and a mispredicted branch costs more than the load.
	oa, da := [3]float64{o.X, o.Y, o.Z}, [3]float64{d.X, d.Y, d.Z}
	ad := [3]float64{math.Abs(d.X), math.Abs(d.Y), math.Abs(d.Z)}
	kz := 0
	if ad[1] > ad[0] {
		kz = 1
	}
	if ad[2] > ad[kz] {
		kz = 2
	}
	dz := da[kz]
	// kx, ky = (kz+1)%3, (kz+2)%3, swapped when dz < 0 to keep the
	// winding, as the paper does.
	s := 0
	if dz < 0 {
		s = 1
	}
	kx, ky := wtNext[kz+s], wtNext[kz+1-s]
	return wtRay{
		ox: oa[kx], oy: oa[ky], oz: oa[kz],
		sx: -(da[kx] / dz), sy: -(da[ky] / dz), sz: 1 / dz,
		offx: 16 * kx, offy: 16 * ky, offz: 16 * kz,
		kx: kx, ky: ky, kz: kz,
	}
}

// wtNext[k] is (k+1)%3 for k < 5.
var wtNext = [5]int{1, 2, 0, 1, 2}

// tri4Hit receives the four lanes' t, u, v.
type tri4Hit struct{ t, u, v [4]float64 }

// hit is the watertight test of lane l of p, one lane of tri4Go (kept for
// the tests that compare the assembly with Go lane by lane).
func (p *tri4) hit(l int, r *wtRay, tMax float64) (t, u, v float64, ok bool) {
	var out tri4Hit
	l &= 3
	if tri4Go(&p.v, 4, r, tMax, &out)&(1<<l) == 0 {
		return 0, 0, 0, false
	}
	return out.t[l], out.u[l], out.v[l], true
}

// tri4Go is the watertight test on the first n lanes of p, in the
// operation order of the assembly (bit-identical to it): the triangle's
// vertices relative to the origin are sheared so that the ray runs along
// +z through (0, 0); the 2D edge functions U, V, W of the sheared vertices
// are then computed from the same two vertices, in the same order up to
// sign, for the two triangles that share an edge, so a ray through the
// edge cannot miss both. The float64 conversions keep the compiler from
// fusing multiply-adds (which would break that symmetry, and the equality
// with the assembly, on arm64); they cost no instruction. u, v are the
// barycentrics of vertices 1 and 2.
//
// For speed without SIMD: the coordinate rows of the ray's axes are found
// once a packet (the lane loop then has no bounds checks), and a lane is
// given up as soon as two edge functions have opposite signs, before the
// third edge, the determinant and the division.
//
// pv is a packet's rows, float32 (tri4) or their exact float64 widening
// (tri4d, see wide.packs64): the same values, so the same result.
func tri4Go[T float32 | float64](pv *[9][4]T, n int32, r *wtRay, tMax float64, out *tri4Hit) int {
	ox, oy, oz := r.ox, r.oy, r.oz
	sx, sy, sz := r.sx, r.sy, r.sz
	ax, ay, az := &pv[r.kx], &pv[r.ky], &pv[r.kz]
	bx, by, bz := &pv[3+r.kx], &pv[3+r.ky], &pv[3+r.kz]
	cx, cy, cz := &pv[6+r.kx], &pv[6+r.ky], &pv[6+r.kz]
	m := 0
	for l := range 4 {
		if int32(l) >= n {
			break
		}
		Bz := float64(bz[l]) - oz
		Bx := float64(bx[l]) - ox + float64(sx*Bz)
		By := float64(by[l]) - oy + float64(sy*Bz)
		Cz := float64(cz[l]) - oz
		Cx := float64(cx[l]) - ox + float64(sx*Cz)
		Cy := float64(cy[l]) - oy + float64(sy*Cz)
		eu := float64(Cx*By) - float64(Cy*Bx)
		Az := float64(az[l]) - oz
		Ax := float64(ax[l]) - ox + float64(sx*Az)
		Ay := float64(ay[l]) - oy + float64(sy*Az)
		ev := float64(Ax*Cy) - float64(Ay*Cx)
		// Opposite signs of U and V: a miss, in one branch. (A product
		// that underflows to zero only skips the shortcut.)
		if eu*ev < 0 {
			continue
		}
		ew := float64(Bx*Ay) - float64(By*Ax)
		// A negative and a positive edge function: a miss. NaN makes both
		// comparisons false here, and t NaN below.
		if (eu < 0 || ev < 0 || ew < 0) && (eu > 0 || ev > 0 || ew > 0) {
			continue
		}
		det := eu + ev + ew
		if det == 0 {
			continue
		}
		tt := float64(eu*float64(sz*Az)) + float64(ev*float64(sz*Bz)) + float64(ew*float64(sz*Cz))
		inv := 1 / det
		t := tt * inv
		if !(t > 0 && t < tMax) {
			continue
		}
		out.t[l], out.u[l], out.v[l] = t, ev*inv, ew*inv
		m |= 1 << l
	}
	return m
}

// leafClosest tests the c triangles of the leaf whose first slot is s,
// four to a packet (one call a packet with AVX), and lowers *tMax and
// fills h for each nearer hit; lanes in order, so ties go to the first
// triangle as when testing one at a time. It reports whether any did.
func (b *blas) leafClosest(s, c int32, tr *wtRay, tMax *float64, th *tri4Hit, h *Hit) bool {
	found := false
	p := s >> 2
	for j := int32(0); j < c; j += 4 {
		var m int
		if hasAVX {
			m = tri4AVX(&b.packs[p], tr, *tMax, th)
		} else {
			m = hit4TrisGo(b, p, c-j, tr, *tMax, th)
		}
		p++
		for ; m != 0; m &= m - 1 {
			l := bits.TrailingZeros(uint(m)) & 3
			if th.t[l] < *tMax {
				*tMax = th.t[l]
				h.Prim, h.U, h.V = s+j+int32(l), th.u[l], th.v[l]
				found = true
			}
		}
	}
	return found
}

// leafAny reports whether a ray hits any of the c triangles of the leaf
// whose first slot is s before tMax (shadow rays: the first hit ends it).
func (b *blas) leafAny(s, c int32, tr *wtRay, tMax float64, th *tri4Hit) bool {
	p := s >> 2
	for j := int32(0); j < c; j += 4 {
		var m int
		if hasAVX {
			m = tri4AVX(&b.packs[p], tr, tMax, th)
		} else {
			m = hit4TrisGo(b, p, c-j, tr, tMax, th)
		}
		if m != 0 {
			return true
		}
		p++
	}
	return false
}

// hit4TrisGo tests the first n (≤ 4; the rest are empty) lanes of packet p
// of b without AVX (the traversal calls tri4AVX itself when it has AVX): a
// mask of the hits within (0, tMax) and their t, u, v in out. It reads the
// float64 copy of the packets when there is one.
func hit4TrisGo(b *blas, p, n int32, r *wtRay, tMax float64, out *tri4Hit) int {
	if p64 := b.bvh.packs64; p64 != nil {
		return tri4Go(&p64[p].v, n, r, tMax, out)
	}
	return tri4Go(&b.packs[p].v, n, r, tMax, out)
}

// tri4d is a packet widened to float64 (exactly: the same vertices), for
// the Go test of small trees; see packs64Max.
type tri4d struct {
	v [9][4]float64
}

// packs64Max bounds the float64 copy of a tree's packets (wide.packs64)
// that the Go triangle test reads when there is no AVX. The float32
// packets save memory traffic, but the Go test widens nine coordinates a
// lane one by one (two micro-ops each on amd64, a dependent instruction
// on arm64): on a tree that stays in the L1 cache there is no traffic to
// save, and the widening made the portable build 10-19% slower on the
// 30-triangle cornell scene (BenchmarkTraversalPrevAB under -tags purego),
// while the 250k-triangle scenes were 8-14% faster with float32. So
// small trees keep a float64 copy as well, at most this many bytes a tree
// (~900 triangles); the assembly reads the float32 packets only.
const packs64Max = 64 << 10

// buildPacks fills b.packs from the finished tree over n triangle entries
// (the tree's leaf order): every leaf's triangles in ceil(count/4)
// consecutive packets. Leaves then index packet slots (packet<<2 | lane),
// the number Hit.Prim carries, so that traversal finds a leaf's packets
// without a lookup. vert gives the three vertices of an entry. It returns
// the slot of each entry.
func (b *blas) buildPacks(n int, vert func(i int32) (Vec3, Vec3, Vec3)) []int32 {
	w := b.bvh
	slot := make([]int32, n)
	np := int32(0)
	for ni := range w.nodes {
		nd := &w.nodes[ni]
		for k := 0; k < 4; k++ {
			c := int32(nd.count[k])
			if c <= 0 {
				continue
			}
			s := nd.child[k]
			for j := int32(0); j < c; j++ {
				slot[s+j] = np<<2 + j
			}
			nd.child[k] = np << 2
			np += (c + 3) / 4
		}
	}
	b.packs = make([]tri4, np)
	adviseHugePages(b.packs)
	b.ntris = n
	// Each entry writes its own lane: no two goroutines share a word.
	parallelFor(n, func(lo, hi int) {
		for e := lo; e < hi; e++ {
			sl := slot[e]
			p, l := &b.packs[sl>>2], sl&3
			v0, v1, v2 := vert(int32(e))
			for vi, v := range [3]Vec3{v0, v1, v2} {
				p.v[3*vi][l], p.v[3*vi+1][l], p.v[3*vi+2][l] = float32(v.X), float32(v.Y), float32(v.Z)
			}
		}
	})
	if !hasAVX && np*int32(unsafe.Sizeof(tri4d{})) <= packs64Max {
		p64 := make([]tri4d, np)
		for i := range b.packs {
			for r := range 9 {
				for l := range 4 {
					p64[i].v[r][l] = float64(b.packs[i].v[r][l])
				}
			}
		}
		w.packs64 = p64
	}
	if hasAVX {
		w.nodes8 = collapse8(w)
	}
	return slot
}

// numTris is the number of triangles.
func (b *blas) numTris() int { return b.ntris }

// triAt returns the triangle in packet slot i as shading reads it; the
// edges are computed as the build used to store them (v1 − v0, v2 − v0).
func (b *blas) triAt(i int32) tri {
	p, l := &b.packs[i>>2], i&3
	v0 := Vec3{float64(p.v[0][l]), float64(p.v[1][l]), float64(p.v[2][l])}
	v1 := Vec3{float64(p.v[3][l]), float64(p.v[4][l]), float64(p.v[5][l])}
	v2 := Vec3{float64(p.v[6][l]), float64(p.v[7][l]), float64(p.v[8][l])}
	return tri{v0: v0, e1: v1.Sub(v0), e2: v2.Sub(v0)}
}

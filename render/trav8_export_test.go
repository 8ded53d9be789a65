package render

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Trav8Check runs every ray through the assembly traversals of the 8-wide
// trees of s's identity instances (anyTri8Asm, closestTri8Asm) and through
// the Go ones (anyTri8Go, traverseTris8Go), and returns the number of rays
// compared, how many were occluded, how many fell back to Go (-1), how
// many float32 cannot carry (newRayBox8's ok false: the assembly, which
// prepares the ray itself, must answer -2 for exactly these), and the
// first disagreement (occlusion; hit or not, t, slot, u, v bit for bit).
// ok is false when no instance has an 8-wide tree (no AVX, purego).
func Trav8Check(s *Scene, rays []Ray, tMax []float64) (n, occ, fallback, refused int, bad string, ok bool) {
	for ii := range s.inst {
		in := &s.inst[ii]
		if !in.identity || in.bl.bvh.nodes8 == nil {
			continue
		}
		ok = true
		b := in.bl
		w := b.bvh
		for j, r := range rays {
			rb, ok8 := newRayBox8(r.O, r.D)
			a := w.anyTri8Asm(b, r.O, r.D, tMax[j])
			tc := tMax[j]
			var hc Hit
			ca := w.closestTri8Asm(b, r.O, r.D, &tc, &hc)
			if !ok8 || a == -2 || ca == -2 {
				// The assembly's own setup must refuse exactly the rays
				// newRayBox8 refuses (the 4-wide tree takes them).
				if (a == -2) != !ok8 || (ca == -2) != !ok8 {
					if bad == "" {
						bad = fmt.Sprintf("inst %d ray %d o %v d %v: newRayBox8 ok %v, asm any %d closest %d", ii, j, r.O, r.D, ok8, a, ca)
					}
				} else {
					refused++
				}
				continue
			}
			g := w.anyTri8Go(b, &rb, r.O, r.D, tMax[j])
			n++
			if a < 0 {
				fallback++
				continue
			}
			if g {
				occ++
			}
			if (a == 1) != g && bad == "" {
				bad = fmt.Sprintf("inst %d ray %d o %v d %v tMax %v: occluded asm %d, Go %v", ii, j, r.O, r.D, tMax[j], a, g)
			}
			tg := tMax[j]
			var hg Hit
			cg := w.traverseTris8Go(b, &rb, r.O, r.D, &tg, &hg)
			if ca < 0 {
				fallback++
				continue
			}
			same := (ca == 1) == cg
			if same && cg {
				same = math.Float64bits(tc) == math.Float64bits(tg) && hc.Prim == hg.Prim &&
					math.Float64bits(hc.U) == math.Float64bits(hg.U) && math.Float64bits(hc.V) == math.Float64bits(hg.V)
			}
			if ca == 0 && (math.Float64bits(tc) != math.Float64bits(tMax[j]) || hc != (Hit{})) {
				same = false // no hit: *tMax and h untouched
			}
			if !same && bad == "" {
				bad = fmt.Sprintf("inst %d ray %d o %v d %v tMax %v: closest asm %d t %v %+v, Go %v t %v %+v", ii, j, r.O, r.D, tMax[j], ca, tc, hc, cg, tg, hg)
			}
		}
	}
	return n, occ, fallback, refused, bad, ok
}

// Trav8VertexRays returns n rays from random points of box aimed at
// vertices and edge midpoints of s's triangles (first identity
// instance), where two or more triangles meet and ties in t are likely.
func Trav8VertexRays(s *Scene, n int, seed uint64) []Ray {
	var rays []Ray
	for ii := range s.inst {
		in := &s.inst[ii]
		if !in.identity || len(in.bl.packs) == 0 {
			continue
		}
		rng := rand.New(rand.NewPCG(seed, 1))
		box := s.Bounds()
		ext := box.Hi.Sub(box.Lo)
		for len(rays) < n {
			p := &in.bl.packs[rng.IntN(len(in.bl.packs))]
			l := rng.IntN(4)
			v := func(k int) Vec3 {
				return Vec3{float64(p.v[3*k][l]), float64(p.v[3*k+1][l]), float64(p.v[3*k+2][l])}
			}
			target := v(rng.IntN(3))
			if rng.IntN(2) == 0 {
				target = target.Add(v(rng.IntN(3))).Scale(0.5)
			}
			o := Vec3{
				box.Lo.X + ext.X*(rng.Float64()*1.4-0.2),
				box.Lo.Y + ext.Y*(rng.Float64()*1.4-0.2),
				box.Lo.Z + ext.Z*(rng.Float64()*1.4-0.2),
			}
			d := target.Sub(o)
			if d == (Vec3{}) {
				continue
			}
			rays = append(rays, Ray{O: o, D: d})
		}
		break
	}
	return rays
}

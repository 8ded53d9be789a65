package render

import "math/bits"

// The traversal as of 179d9d2 (before the 2026-12-05 traversal-loop and
// packet work), kept so that BenchmarkTraversalPrevAB can time the
// current traversal against it in one process on the same rays.

// PrevScene runs the previous traversal over a built scene's trees.
type PrevScene struct{ s *Scene }

// NewPrevScene wraps s; it supports the one-BLAS scenes of the bench.
func NewPrevScene(s *Scene) *PrevScene { return &PrevScene{s} }

// Intersect is Scene.Intersect through the previous traversal.
func (ps *PrevScene) Intersect(r Ray, tMax float64, h *Hit) bool {
	s := ps.s
	if len(s.inst) != 1 || !s.inst[0].identity {
		return s.Intersect(r, tMax, h)
	}
	bl := s.inst[0].bl
	if bl.bvh.traverseTrisPrev(bl, r.O, r.D, &tMax, h) {
		h.Inst, h.T = 0, tMax
		return true
	}
	return false
}

// Occluded is Scene.Occluded through the previous traversal.
func (ps *PrevScene) Occluded(r Ray, tMax float64) bool {
	s := ps.s
	if len(s.inst) != 1 || !s.inst[0].identity {
		return s.Occluded(r, tMax)
	}
	bl := s.inst[0].bl
	return bl.bvh.anyTriPrev(bl, r.O, r.D, tMax)
}

func (w *wide) traverseTrisPrev(b *blas, o, d Vec3, tMax *float64, h *Hit) bool {
	rb := newRayBox(o, d)
	tr := newWTRay(o, d)
	var th tri4Hit
	var buf [64]stackEntry
	stack := buf[:0]
	ni := int32(0)
	found := false
	var ts [4]float64
	for {
		n := &w.nodes[ni]
		mask := hit4(n, &rb, *tMax, &ts)
		var near [4]int32
		var nearT [4]float64
		cnt := 0
		for k := 0; k < 4; k++ {
			if mask&(1<<k) == 0 {
				continue
			}
			if c := n.count[k]; c > 0 {
				s, p := n.child[k], n.child[k]>>2
				for j := int32(0); j < int32(c); j += 4 {
					m := hit4Tris(&b.packs[p], int32(c)-j, &tr, *tMax, &th)
					p++
					for ; m != 0; m &= m - 1 {
						l := bits.TrailingZeros(uint(m))
						if th.t[l] < *tMax {
							*tMax = th.t[l]
							h.Prim, h.U, h.V = s+j+int32(l), th.u[l], th.v[l]
							found = true
						}
					}
				}
				continue
			}
			j := cnt
			for j > 0 && nearT[j-1] > ts[k] {
				near[j], nearT[j] = near[j-1], nearT[j-1]
				j--
			}
			near[j], nearT[j] = n.child[k], ts[k]
			cnt++
		}
		if cnt > 0 {
			for j := cnt - 1; j > 0; j-- {
				stack = append(stack, stackEntry{near[j], nearT[j]})
			}
			if nearT[0] <= *tMax {
				ni = near[0]
				continue
			}
		}
		for {
			if len(stack) == 0 {
				return found
			}
			e := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if e.t <= *tMax {
				ni = e.node
				break
			}
		}
	}
}

func (w *wide) anyTriPrev(b *blas, o, d Vec3, tMax float64) bool {
	rb := newRayBox(o, d)
	tr := newWTRay(o, d)
	var th tri4Hit
	var buf [64]int32
	stack := buf[:0]
	ni := int32(0)
	var ts [4]float64
	for {
		n := &w.nodes[ni]
		mask := hit4(n, &rb, tMax, &ts)
		for k := 0; k < 4; k++ {
			if mask&(1<<k) == 0 {
				continue
			}
			if c := n.count[k]; c > 0 {
				p := n.child[k] >> 2
				for j := int32(0); j < int32(c); j += 4 {
					if hit4Tris(&b.packs[p], int32(c)-j, &tr, tMax, &th) != 0 {
						return true
					}
					p++
				}
				continue
			}
			stack = append(stack, n.child[k])
		}
		if len(stack) == 0 {
			return false
		}
		ni = stack[len(stack)-1]
		stack = stack[:len(stack)-1]
	}
}

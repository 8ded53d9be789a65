package render

import "math/bits"

// A copy of the traversal (traverseTris and anyTri of bvh4.go) as of the
// 2026-12-05 traversal work, so that BenchmarkTraversalPrevAB can time a
// change to the traversal against it in one process on the same rays.
// Until bvh4.go changes it is the same code (an A/A run: its spread is the
// noise of the measurement). Before changing the traversal, copy it here
// again; a change to the box or triangle test needs its old assembly next
// to the new one for the duration of the measurement. Since the 8-wide
// tree (bvh8.go) it is the 4-wide traversal, which the BLAS still holds:
// with AVX the A/B compares 8-wide with 4-wide.

// PrevScene runs the previous traversal over a built scene's trees. Without
// AVX it tests triangles on float64 copies of the packets (packs64, with
// tri4Go64, the test before the float32 packets), so that the A/B of the
// portable build measures the float32 packets themselves.
type PrevScene struct {
	s       *Scene
	packs64 []tri4d
}

// NewPrevScene wraps s; it supports the one-BLAS scenes of the bench.
func NewPrevScene(s *Scene) *PrevScene {
	ps := &PrevScene{s: s}
	if len(s.inst) == 1 {
		bl := s.inst[0].bl
		ps.packs64 = make([]tri4d, len(bl.packs))
		for i := range bl.packs {
			for r := range 9 {
				for l := range 4 {
					ps.packs64[i].v[r][l] = float64(bl.packs[i].v[r][l])
				}
			}
		}
	}
	return ps
}

// hit4TrisPrev is hit4Tris with the float64 packets without AVX.
func (ps *PrevScene) hit4TrisPrev(b *blas, p int32, n int32, r *wtRay, tMax float64, out *tri4Hit) int {
	if hasAVX {
		return tri4AVX(&b.packs[p], r, tMax, out)
	}
	return tri4Go64(&ps.packs64[p], n, r, tMax, out)
}

// tri4Go64 is tri4Go on float64 packets (as of 179d9d2).
func tri4Go64(p *tri4d, n int32, r *wtRay, tMax float64, out *tri4Hit) int {
	ox, oy, oz := r.ox, r.oy, r.oz
	sx, sy, sz := r.sx, r.sy, r.sz
	pv := &p.v
	ax, ay, az := &pv[r.kx], &pv[r.ky], &pv[r.kz]
	bx, by, bz := &pv[3+r.kx], &pv[3+r.ky], &pv[3+r.kz]
	cx, cy, cz := &pv[6+r.kx], &pv[6+r.ky], &pv[6+r.kz]
	m := 0
	for l := range 4 {
		if int32(l) >= n {
			break
		}
		Bz := bz[l] - oz
		Bx := bx[l] - ox + float64(sx*Bz)
		By := by[l] - oy + float64(sy*Bz)
		Cz := cz[l] - oz
		Cx := cx[l] - ox + float64(sx*Cz)
		Cy := cy[l] - oy + float64(sy*Cz)
		eu := float64(Cx*By) - float64(Cy*Bx)
		Az := az[l] - oz
		Ax := ax[l] - ox + float64(sx*Az)
		Ay := ay[l] - oy + float64(sy*Az)
		ev := float64(Ax*Cy) - float64(Ay*Cx)
		if eu*ev < 0 {
			continue
		}
		ew := float64(Bx*Ay) - float64(By*Ax)
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

// Intersect is Scene.Intersect through the previous traversal.
func (ps *PrevScene) Intersect(r Ray, tMax float64, h *Hit) bool {
	s := ps.s
	if len(s.inst) != 1 || !s.inst[0].identity {
		return s.Intersect(r, tMax, h)
	}
	bl := s.inst[0].bl
	if ps.traverseTrisPrev(bl, r.O, r.D, &tMax, h) {
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
	return ps.anyTriPrev(bl, r.O, r.D, tMax)
}

func (ps *PrevScene) traverseTrisPrev(b *blas, o, d Vec3, tMax *float64, h *Hit) bool {
	w := b.bvh
	rb := newRayBox(o, d)
	rb.prefetchFrom(w, b)
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
		leaves := mask & int(n.leaf)
		for ; leaves != 0; leaves &= leaves - 1 {
			// Four triangles a test; lanes in order, so that ties go to
			// the first as with one triangle at a time.
			k := bits.TrailingZeros(uint(leaves)) & 3
			c, s := int32(n.count[k]), n.child[k]
			p := s >> 2
			for j := int32(0); j < c; j += 4 {
				m := ps.hit4TrisPrev(b, p, c-j, &tr, *tMax, &th)
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
		}
		inner := mask &^ int(n.leaf)
		if inner != 0 {
			k0 := bits.TrailingZeros(uint(inner)) & 3
			inner &= inner - 1
			if inner == 0 {
				// One interior child: no ordering, no stack.
				if ts[k0] <= *tMax {
					ni = n.child[k0]
					continue
				}
			} else {
				k1 := bits.TrailingZeros(uint(inner)) & 3
				inner &= inner - 1
				if inner == 0 {
					// Two: the farther one on the stack.
					if ts[k1] < ts[k0] {
						k0, k1 = k1, k0
					}
					stack = append(stack, stackEntry{n.child[k1], ts[k1]})
					if ts[k0] <= *tMax {
						ni = n.child[k0]
						continue
					}
				} else {
					// Three or four: insertion sort, nearest first.
					var near [4]int32
					var nearT [4]float64
					near[0], nearT[0] = n.child[k0], ts[k0]
					cnt := 1
					if ts[k1] < nearT[0] {
						near[1], nearT[1] = near[0], nearT[0]
						near[0], nearT[0] = n.child[k1], ts[k1]
					} else {
						near[1], nearT[1] = n.child[k1], ts[k1]
					}
					cnt++
					for ; inner != 0; inner &= inner - 1 {
						k := bits.TrailingZeros(uint(inner)) & 3
						j := cnt
						for j > 0 && nearT[(j-1)&3] > ts[k] {
							near[j&3], nearT[j&3] = near[(j-1)&3], nearT[(j-1)&3]
							j--
						}
						near[j&3], nearT[j&3] = n.child[k], ts[k]
						cnt++
					}
					for j := cnt - 1; j > 0; j-- {
						stack = append(stack, stackEntry{near[j&3], nearT[j&3]})
					}
					if nearT[0] <= *tMax {
						ni = near[0]
						continue
					}
				}
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

func (ps *PrevScene) anyTriPrev(b *blas, o, d Vec3, tMax float64) bool {
	w := b.bvh
	rb := newRayBox(o, d)
	rb.prefetchFrom(w, b)
	tr := newWTRay(o, d)
	var th tri4Hit
	var buf [64]int32
	stack := buf[:0]
	ni := int32(0)
	var ts [4]float64
	for {
		n := &w.nodes[ni]
		mask := hit4(n, &rb, tMax, &ts)
		for leaves := mask & int(n.leaf); leaves != 0; leaves &= leaves - 1 {
			k := bits.TrailingZeros(uint(leaves)) & 3
			c := int32(n.count[k])
			p := n.child[k] >> 2
			for j := int32(0); j < c; j += 4 {
				if ps.hit4TrisPrev(b, p, c-j, &tr, tMax, &th) != 0 {
					return true
				}
				p++
			}
		}
		for inner := mask &^ int(n.leaf); inner != 0; inner &= inner - 1 {
			stack = append(stack, n.child[bits.TrailingZeros(uint(inner))&3])
		}
		if len(stack) == 0 {
			return false
		}
		ni = stack[len(stack)-1]
		stack = stack[:len(stack)-1]
	}
}

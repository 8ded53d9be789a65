package render

import "math"

// The traversal and triangle test as they were before the SIMD box tests
// (2026-12-04), kept as the reference that the A/B benchmark
// (BenchmarkTraversalAB) times against and that TestTraversalMatchesReference
// compares hits with.

// RefIntersect is Scene.Intersect through the reference traversal.
func RefIntersect(s *Scene, r Ray, tMax float64, h *Hit) bool {
	if len(s.inst) == 0 {
		return false
	}
	if len(s.inst) == 1 && s.inst[0].identity {
		bl := s.inst[0].bl
		if bl.bvh.traverseTrisRef(bl, r.O, r.D, &tMax, h) {
			h.Inst, h.T = 0, tMax
			return true
		}
		return false
	}
	if s.top.traverseInstRef(s, r, &tMax, h) {
		h.T = tMax
		return true
	}
	return false
}

// RefOccluded is Scene.Occluded through the reference traversal.
func RefOccluded(s *Scene, r Ray, tMax float64) bool {
	if len(s.inst) == 0 {
		return false
	}
	if len(s.inst) == 1 && s.inst[0].identity {
		bl := s.inst[0].bl
		return bl.bvh.anyTriRef(bl, r.O, r.D, tMax)
	}
	return s.top.anyInstRef(s, r, tMax)
}

// traverseTris finds the nearest triangle hit, shrinking *tMax. The stack
// lives in a fixed array and only grows on the heap for pathological trees.
// The traversal is written out again for instances below, as Go would not
// inline a callback for the leaves.
func (w *wide) traverseTrisRef(b *blas, o, d Vec3, tMax *float64, h *Hit) bool {
	rb := newRayBox(o, d)
	var buf [64]stackEntry
	stack := buf[:0]
	ni := int32(0)
	found := false
	var ts [4]float64
	for {
		n := &w.nodes[ni]
		mask := hit4Go(n, &rb, *tMax, &ts)
		// Leaves first: their hits shrink tMax for the interior children.
		var near [4]int32
		var nearT [4]float64
		cnt := 0
		for k := 0; k < 4; k++ {
			if mask&(1<<k) == 0 {
				continue
			}
			if c := n.count[k]; c > 0 {
				for i := n.child[k]; i < n.child[k]+int32(c); i++ {
					if t, u, v, ok := intersectTriRef(&b.tris[i], o, d, *tMax); ok {
						*tMax = t
						h.Prim, h.U, h.V = i, u, v
						found = true
					}
				}
				continue
			}
			// Insert by entry distance, nearest first.
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

// anyTri reports whether any triangle is hit before tMax.
func (w *wide) anyTriRef(b *blas, o, d Vec3, tMax float64) bool {
	rb := newRayBox(o, d)
	var buf [64]int32
	stack := buf[:0]
	ni := int32(0)
	var ts [4]float64
	for {
		n := &w.nodes[ni]
		mask := hit4Go(n, &rb, tMax, &ts)
		for k := 0; k < 4; k++ {
			if mask&(1<<k) == 0 {
				continue
			}
			if c := n.count[k]; c > 0 {
				for i := n.child[k]; i < n.child[k]+int32(c); i++ {
					if _, _, _, ok := intersectTriRef(&b.tris[i], o, d, tMax); ok {
						return true
					}
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

// traverseInst is traverseTris for the top level over instances.
func (w *wide) traverseInstRef(s *Scene, r Ray, tMax *float64, h *Hit) bool {
	rb := newRayBox(r.O, r.D)
	var buf [64]stackEntry
	stack := buf[:0]
	ni := int32(0)
	found := false
	var ts [4]float64
	for {
		n := &w.nodes[ni]
		mask := hit4Go(n, &rb, *tMax, &ts)
		var near [4]int32
		var nearT [4]float64
		cnt := 0
		for k := 0; k < 4; k++ {
			if mask&(1<<k) == 0 {
				continue
			}
			if c := n.count[k]; c > 0 {
				for i := n.child[k]; i < n.child[k]+int32(c); i++ {
					id := w.order[i]
					in := &s.inst[id]
					o, d := r.O, r.D
					if !in.identity {
						o, d = in.inv.Point(o), in.inv.Dir(d)
					}
					if in.bl.bvh.traverseTrisRef(in.bl, o, d, tMax, h) {
						h.Inst = id
						found = true
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

// anyInst is anyTri for the top level.
func (w *wide) anyInstRef(s *Scene, r Ray, tMax float64) bool {
	rb := newRayBox(r.O, r.D)
	var buf [64]int32
	stack := buf[:0]
	ni := int32(0)
	var ts [4]float64
	for {
		n := &w.nodes[ni]
		mask := hit4Go(n, &rb, tMax, &ts)
		for k := 0; k < 4; k++ {
			if mask&(1<<k) == 0 {
				continue
			}
			if c := n.count[k]; c > 0 {
				for i := n.child[k]; i < n.child[k]+int32(c); i++ {
					in := &s.inst[w.order[i]]
					o, d := r.O, r.D
					if !in.identity {
						o, d = in.inv.Point(o), in.inv.Dir(d)
					}
					if in.bl.bvh.anyTriRef(in.bl, o, d, tMax) {
						return true
					}
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

// intersectTriRef is Möller-Trumbore; it returns t, u, v (barycentrics of
// vertices 1 and 2) and whether the ray hits within (tMin, tMax).
func intersectTriRef(t *tri, o, d Vec3, tMax float64) (float64, float64, float64, bool) {
	p := d.Cross(t.e2)
	det := t.e1.Dot(p)
	if det > -1e-14 && det < 1e-14 {
		return 0, 0, 0, false
	}
	inv := 1 / det
	s := o.Sub(t.v0)
	u := s.Dot(p) * inv
	if u < 0 || u > 1 {
		return 0, 0, 0, false
	}
	q := s.Cross(t.e1)
	v := d.Dot(q) * inv
	if v < 0 || u+v > 1 {
		return 0, 0, 0, false
	}
	tt := t.e2.Dot(q) * inv
	if tt <= 0 || tt >= tMax {
		return 0, 0, 0, false
	}
	return tt, u, v, true
}

// TraceRays are the rays of a path tracer's first two bounces in s, for
// traversal benchmarks and comparisons: camera rays through random pixels
// of a w×h image (closest hit), from their hits a cosine-distributed
// bounce (closest hit) and a shadow ray to a random point of the scene's
// box (any hit, up to just before that point).
type TraceRays struct {
	Closest    []Ray
	ClosestMax []float64
	Shadow     []Ray
	ShadowMax  []float64
}

// MakeTraceRays builds about n closest-hit rays and n/2 shadow rays.
func MakeTraceRays(s *Scene, w, h, n int, seed uint32) *TraceRays {
	cs := s.Camera.setup(w, h)
	var smp Sampler
	tr := &TraceRays{}
	box := s.Bounds()
	for i := 0; len(tr.Closest) < n && i < 4*n; i++ {
		smp.Start(seed, i, 0, 0)
		px, py := smp.Get2D()
		r, _, far := cs.generate(px*float64(w), py*float64(h), 0.5, 0.5)
		tr.Closest, tr.ClosestMax = append(tr.Closest, r), append(tr.ClosestMax, far)
		var hit Hit
		if !s.Intersect(r, far, &hit) {
			continue
		}
		var si SurfaceInteraction
		s.Interaction(r, &hit, &si)
		ng := si.Ng
		if ng.Dot(r.D) > 0 {
			ng = ng.Neg()
		}
		o := si.P.AddScaled(ng, 1e-5*(1+si.P.Len()))
		u1, u2 := smp.Get2D()
		f := NewFrame(ng)
		rr, phi := math.Sqrt(u1), 2*math.Pi*u2
		d := f.ToWorld(Vec3{rr * math.Cos(phi), rr * math.Sin(phi), math.Sqrt(max(0, 1-u1))})
		tr.Closest, tr.ClosestMax = append(tr.Closest, Ray{O: o, D: d.Norm()}), append(tr.ClosestMax, math.Inf(1))
		a, b := smp.Get2D()
		c, _ := smp.Get2D()
		p := Vec3{box.Lo.X + a*(box.Hi.X-box.Lo.X), box.Lo.Y + b*(box.Hi.Y-box.Lo.Y), box.Lo.Z + c*(box.Hi.Z-box.Lo.Z)}
		to := p.Sub(o)
		dist := to.Len()
		if dist > 0 {
			tr.Shadow, tr.ShadowMax = append(tr.Shadow, Ray{O: o, D: to.Scale(1 / dist)}), append(tr.ShadowMax, dist*0.999)
		}
	}
	return tr
}

// PacksOff hides the four-triangle packets of every BLAS of s, so that
// traversal tests triangles one at a time; the returned func restores them.
func PacksOff(s *Scene) (restore func()) {
	saved := make([][]tri4, len(s.inst))
	for i := range s.inst {
		saved[i] = s.inst[i].bl.packs
		s.inst[i].bl.packs = nil
	}
	return func() {
		for i := range s.inst {
			s.inst[i].bl.packs = saved[i]
		}
	}
}

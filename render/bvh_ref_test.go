package render

import "math"

// The traversal and triangle test as they were before the SIMD box tests
// (2026-12-04), kept as the reference that the A/B benchmark
// (BenchmarkTraversalAB) times against and that TestTraversalMatchesReference
// compares hits with.

// RefScene is a built scene with what the reference traversal needs: the
// triangles as it stored them (v0, e1, e2), per instance.
type RefScene struct {
	s    *Scene
	tris [][]tri
}

// NewRefScene prepares s for the reference traversal.
func NewRefScene(s *Scene) *RefScene {
	rs := &RefScene{s: s, tris: make([][]tri, len(s.inst))}
	for i := range s.inst {
		bl := s.inst[i].bl
		rs.tris[i] = make([]tri, 4*len(bl.packs)) // by slot, as Hit.Prim
		for j := range rs.tris[i] {
			rs.tris[i][j] = bl.triAt(int32(j))
		}
	}
	return rs
}

// Intersect is Scene.Intersect through the reference traversal.
func (rs *RefScene) Intersect(r Ray, tMax float64, h *Hit) bool {
	s := rs.s
	if len(s.inst) == 0 {
		return false
	}
	if len(s.inst) == 1 && s.inst[0].identity {
		bl := s.inst[0].bl
		if bl.bvh.traverseTrisRef(rs.tris[0], r.O, r.D, &tMax, h) {
			h.Inst, h.T = 0, tMax
			return true
		}
		return false
	}
	if s.top.traverseInstRef(rs, r, &tMax, h) {
		h.T = tMax
		return true
	}
	return false
}

// Occluded is Scene.Occluded through the reference traversal.
func (rs *RefScene) Occluded(r Ray, tMax float64) bool {
	s := rs.s
	if len(s.inst) == 0 {
		return false
	}
	if len(s.inst) == 1 && s.inst[0].identity {
		bl := s.inst[0].bl
		return bl.bvh.anyTriRef(rs.tris[0], r.O, r.D, tMax)
	}
	return s.top.anyInstRef(rs, r, tMax)
}

// traverseTris finds the nearest triangle hit, shrinking *tMax. The stack
// lives in a fixed array and only grows on the heap for pathological trees.
// The traversal is written out again for instances below, as Go would not
// inline a callback for the leaves.
func (w *wide) traverseTrisRef(tris []tri, o, d Vec3, tMax *float64, h *Hit) bool {
	rb := newRayBoxRef(o, d)
	var buf [64]stackEntry
	stack := buf[:0]
	ni := int32(0)
	found := false
	var ts [4]float64
	for {
		n := &w.nodes[ni]
		mask := hit4Ref(n, &rb, *tMax, &ts)
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
					if t, u, v, ok := intersectTriRef(&tris[i], o, d, *tMax); ok {
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
func (w *wide) anyTriRef(tris []tri, o, d Vec3, tMax float64) bool {
	rb := newRayBoxRef(o, d)
	var buf [64]int32
	stack := buf[:0]
	ni := int32(0)
	var ts [4]float64
	for {
		n := &w.nodes[ni]
		mask := hit4Ref(n, &rb, tMax, &ts)
		for k := 0; k < 4; k++ {
			if mask&(1<<k) == 0 {
				continue
			}
			if c := n.count[k]; c > 0 {
				for i := n.child[k]; i < n.child[k]+int32(c); i++ {
					if _, _, _, ok := intersectTriRef(&tris[i], o, d, tMax); ok {
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
func (w *wide) traverseInstRef(rs *RefScene, r Ray, tMax *float64, h *Hit) bool {
	rb := newRayBoxRef(r.O, r.D)
	var buf [64]stackEntry
	stack := buf[:0]
	ni := int32(0)
	found := false
	var ts [4]float64
	for {
		n := &w.nodes[ni]
		mask := hit4Ref(n, &rb, *tMax, &ts)
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
					in := &rs.s.inst[id]
					o, d := r.O, r.D
					if !in.identity {
						o, d = in.inv.Point(o), in.inv.Dir(d)
					}
					if in.bl.bvh.traverseTrisRef(rs.tris[id], o, d, tMax, h) {
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
func (w *wide) anyInstRef(rs *RefScene, r Ray, tMax float64) bool {
	rb := newRayBoxRef(r.O, r.D)
	var buf [64]int32
	stack := buf[:0]
	ni := int32(0)
	var ts [4]float64
	for {
		n := &w.nodes[ni]
		mask := hit4Ref(n, &rb, tMax, &ts)
		for k := 0; k < 4; k++ {
			if mask&(1<<k) == 0 {
				continue
			}
			if c := n.count[k]; c > 0 {
				for i := n.child[k]; i < n.child[k]+int32(c); i++ {
					in := &rs.s.inst[w.order[i]]
					o, d := r.O, r.D
					if !in.identity {
						o, d = in.inv.Point(o), in.inv.Dir(d)
					}
					if in.bl.bvh.anyTriRef(rs.tris[w.order[i]], o, d, tMax) {
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

// rayBoxRef is the old rayBox: t = p·inv − o·inv per axis.
type rayBoxRef struct {
	ix, iy, iz float64 // 1/d
	ox, oy, oz float64 // o/d
	nx, ny, nz int     // 0 when the lo plane is entered first, else 1
}

func newRayBoxRef(o, d Vec3) rayBoxRef {
	// A zero component would give o·∞ = NaN for o = 0; a tiny one gives
	// huge but finite distances with the same meaning.
	if d.X == 0 {
		d.X = 1e-20
	}
	if d.Y == 0 {
		d.Y = 1e-20
	}
	if d.Z == 0 {
		d.Z = 1e-20
	}
	ix, iy, iz := 1/d.X, 1/d.Y, 1/d.Z
	r := rayBoxRef{ix: ix, iy: iy, iz: iz, ox: o.X * ix, oy: o.Y * iy, oz: o.Z * iz}
	if ix < 0 {
		r.nx = 1
	}
	if iy < 0 {
		r.ny = 1
	}
	if iz < 0 {
		r.nz = 1
	}
	return r
}

// hit4Ref tests the ray against the four child boxes of n and returns a bit
// mask of the children hit within [0, tMax) and their entry distances.
// The near and far planes per axis come from the ray's direction signs
// (rayBox.nx…), so there is no per-box swap to mispredict.
func hit4Ref(n *bvh4Node, r *rayBoxRef, tMax float64, t *[4]float64) int {
	mask := 0
	nearX, farX := &n.b[r.nx][0], &n.b[1-r.nx][0]
	nearY, farY := &n.b[r.ny][1], &n.b[1-r.ny][1]
	nearZ, farZ := &n.b[r.nz][2], &n.b[1-r.nz][2]
	for k := 0; k < 4; k++ {
		// Empty slots hold the inverted box (lo = +∞, hi = −∞): with the
		// planes chosen by direction sign its entry distance is +∞, so it
		// is never hit and needs no test here.
		t0 := max(float64(nearX[k])*r.ix-r.ox, float64(nearY[k])*r.iy-r.oy, float64(nearZ[k])*r.iz-r.oz, 0)
		t1 := min(float64(farX[k])*r.ix-r.ox, float64(farY[k])*r.iy-r.oy, float64(farZ[k])*r.iz-r.oz, tMax)
		if t0 <= t1*1.0000000000001+1e-300 {
			t[k] = t0
			mask |= 1 << k
		}
	}
	return mask
}

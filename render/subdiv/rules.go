package subdiv

import "math"

type rule uint8

const (
	smooth rule = iota
	crease
	corner
)

// classify gives v's vertex rule at this level, or at the next one
// (next: every sharpness softened once), and the other ends of its two
// sharp edges when the rule is crease.
func (t *topo) classify(v int, next bool) (rule, [2]int32) {
	vs := t.vsharp[v]
	if next {
		vs = soften(vs)
	}
	n := 0
	var ends [2]int32
	for _, e := range t.vertEdges(v) {
		s := t.sharpness(e)
		if next {
			s = soften(s)
		}
		if s > 0 {
			if n < 2 {
				ends[n] = t.other(e, v)
			}
			n++
		}
	}
	switch {
	case vs > 0 || n > 2:
		return corner, ends
	case n == 2:
		return crease, ends
	}
	return smooth, ends
}

// transitionWeight is how much of the sharper (this level's) rule a vertex
// keeps when its rule softens at the next level: the average sharpness of
// the edges (and the vertex) whose sharpness runs out, clamped to [0,1].
func (t *topo) transitionWeight(v int) float64 {
	sum, n := 0.0, 0
	if s := t.vsharp[v]; s > 0 && soften(s) == 0 {
		sum += s
		n++
	}
	for _, e := range t.vertEdges(v) {
		if s := t.sharpness(e); s > 0 && soften(s) == 0 {
			sum += s
			n++
		}
	}
	if n == 0 {
		return 1
	}
	return min(1, sum/float64(n))
}

// refineValues computes the child level's values (dim floats per vertex)
// from this level's: the layout matches child(): vertex points first, then
// face points (not for Loop), then edge points. linear makes every point
// the bilinear one (face average, edge midpoint, vertex kept).
func (t *topo) refineValues(vals []float64, dim int, loop, linear bool) []float64 {
	nf, ne := t.nf(), len(t.ev)
	fpBase, epBase := t.nv, t.nv+nf
	total := t.nv + nf + ne
	if loop {
		fpBase, epBase, total = -1, t.nv, t.nv+ne
	}
	out := make([]float64, total*dim)
	at := func(v int32) []float64 { return vals[int(v)*dim : int(v)*dim+dim] }
	dst := func(i int) []float64 { return out[i*dim : i*dim+dim] }
	// Face points.
	if !loop {
		for f := 0; f < nf; f++ {
			d := dst(fpBase + f)
			c := t.corners(f)
			for _, v := range c {
				addScaled(d, at(v), 1/float64(len(c)))
			}
		}
	}
	// Edge points.
	tmp := make([]float64, dim)
	for e, ab := range t.ev {
		d := dst(epBase + e)
		addScaled(d, at(ab[0]), 0.5)
		addScaled(d, at(ab[1]), 0.5)
		s := t.sharpness(int32(e))
		if linear || s >= 1 {
			continue
		}
		clear(tmp)
		f0, f1 := t.ef[e][0], t.ef[e][1]
		if loop {
			addScaled(tmp, at(ab[0]), 3.0/8)
			addScaled(tmp, at(ab[1]), 3.0/8)
			addScaled(tmp, at(t.opposite(f0, ab)), 1.0/8)
			addScaled(tmp, at(t.opposite(f1, ab)), 1.0/8)
		} else {
			addScaled(tmp, at(ab[0]), 0.25)
			addScaled(tmp, at(ab[1]), 0.25)
			addScaled(tmp, dst(fpBase+int(f0)), 0.25)
			addScaled(tmp, dst(fpBase+int(f1)), 0.25)
		}
		// A semi-sharp edge (0 < s < 1) blends: s·sharp + (1−s)·smooth.
		for k := range d {
			d[k] = s*d[k] + (1-s)*tmp[k]
		}
	}
	// Vertex points.
	next := make([]float64, dim)
	for v := 0; v < t.nv; v++ {
		d := dst(v)
		if linear {
			copy(d, at(int32(v)))
			continue
		}
		r, ends := t.classify(v, false)
		t.vertexPoint(d, v, r, ends, vals, out, dim, loop, fpBase)
		if r == smooth {
			continue
		}
		if rn, endsN := t.classify(v, true); rn != r {
			clear(next)
			t.vertexPoint(next, v, rn, endsN, vals, out, dim, loop, fpBase)
			w := t.transitionWeight(v)
			for k := range d {
				d[k] = w*d[k] + (1-w)*next[k]
			}
		}
	}
	return out
}

// vertexPoint writes v's new position under rule r into d.
func (t *topo) vertexPoint(d []float64, v int, r rule, ends [2]int32, vals, out []float64, dim int, loop bool, fpBase int) {
	at := func(i int32) []float64 { return vals[int(i)*dim : int(i)*dim+dim] }
	s := at(int32(v))
	switch r {
	case corner:
		copy(d, s)
		return
	case crease:
		addScaled(d, s, 6.0/8)
		addScaled(d, at(ends[0]), 1.0/8)
		addScaled(d, at(ends[1]), 1.0/8)
		return
	}
	edges := t.vertEdges(v)
	n := float64(len(edges))
	if len(edges) == 0 {
		copy(d, s)
		return
	}
	if loop {
		b := loopBeta(len(edges))
		addScaled(d, s, 1-n*b)
		for _, e := range edges {
			addScaled(d, at(t.other(e, v)), b)
		}
		return
	}
	// (Q + 2R + (n−3)S)/n: Q the mean face point, R the mean edge midpoint.
	faces := t.vertFaces(v)
	for _, f := range faces {
		addScaled(d, out[(fpBase+int(f))*dim:(fpBase+int(f))*dim+dim], 1/(n*float64(len(faces))))
	}
	for _, e := range edges {
		addScaled(d, s, 1/(n*n))
		addScaled(d, at(t.other(e, v)), 1/(n*n))
	}
	addScaled(d, s, (n-3)/n)
}

// opposite is the vertex of triangle f not on edge ab.
func (t *topo) opposite(f int32, ab [2]int32) int32 {
	for _, v := range t.corners(int(f)) {
		if v != ab[0] && v != ab[1] {
			return v
		}
	}
	return ab[0]
}

// loopBeta is Loop's neighbour weight for valence n.
func loopBeta(n int) float64 {
	c := 3.0/8 + math.Cos(2*math.Pi/float64(n))/4
	return (5.0/8 - c*c) / float64(n)
}

func addScaled(d, a []float64, s float64) {
	for k := range d {
		d[k] += s * a[k]
	}
}

// limitValues moves every vertex to its limit position; t must be a
// refined level (all quads for Catmull-Clark, all triangles for Loop).
func (t *topo) limitValues(vals []float64, dim int, loop bool) []float64 {
	out := make([]float64, len(vals))
	at := func(i int32) []float64 { return vals[int(i)*dim : int(i)*dim+dim] }
	for v := 0; v < t.nv; v++ {
		d := out[v*dim : v*dim+dim]
		s := at(int32(v))
		r, ends := t.classify(v, false)
		edges := t.vertEdges(v)
		switch {
		case r == corner || len(edges) == 0:
			copy(d, s)
		case r == crease:
			addScaled(d, s, 4.0/6)
			addScaled(d, at(ends[0]), 1.0/6)
			addScaled(d, at(ends[1]), 1.0/6)
		case loop:
			n := float64(len(edges))
			g := 1 / (n + 3/(8*loopBeta(len(edges))))
			addScaled(d, s, 1-n*g)
			for _, e := range edges {
				addScaled(d, at(t.other(e, v)), g)
			}
		default:
			// (n²S + 4Σe + Σf)/(n(n+5)), f the vertex diagonal to v in each quad.
			faces := t.vertFaces(v)
			n := float64(len(edges))
			ok := len(faces) == len(edges)
			for _, f := range faces {
				if len(t.corners(int(f))) != 4 {
					ok = false
				}
			}
			if !ok {
				copy(d, s)
				continue
			}
			w := 1 / (n * (n + 5))
			addScaled(d, s, n*n*w)
			for _, e := range edges {
				addScaled(d, at(t.other(e, v)), 4*w)
			}
			for _, f := range faces {
				c := t.corners(int(f))
				for i, u := range c {
					if int(u) == v {
						addScaled(d, at(c[(i+2)%4]), w)
						break
					}
				}
			}
		}
	}
	return out
}

// normals returns per-corner normals of the faces of t over positions p
// (3 floats per vertex): the area-weighted face normals summed around each
// vertex within a smooth sector, sectors being split by infinitely sharp,
// boundary and non-manifold edges. It returns the normals and, per corner,
// the index of its normal.
func (t *topo) normals(p []float64, skip []bool) ([][3]float64, []int32) {
	nc := len(t.idx)
	parent := make([]int32, nc)
	for i := range parent {
		parent[i] = int32(i)
	}
	var find func(int32) int32
	find = func(i int32) int32 {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	cornerOf := func(f int32, v int32) int32 {
		for i := t.off[f]; i < t.off[f+1]; i++ {
			if t.idx[i] == v {
				return i
			}
		}
		return -1
	}
	for e, ab := range t.ev {
		if t.enf[e] != 2 || t.esharp[e] >= Infinite {
			continue
		}
		f0, f1 := t.ef[e][0], t.ef[e][1]
		if skip != nil && (skip[f0] || skip[f1]) {
			continue
		}
		for _, v := range ab {
			a, b := find(cornerOf(f0, v)), find(cornerOf(f1, v))
			if a != b {
				parent[a] = b
			}
		}
	}
	pt := func(i int32) [3]float64 { return [3]float64{p[3*i], p[3*i+1], p[3*i+2]} }
	sum := make([][3]float64, nc)
	for f := 0; f < t.nf(); f++ {
		// Newell's method: twice the area-weighted normal of a polygon.
		var n [3]float64
		c := t.corners(f)
		for i, v := range c {
			a, b := pt(v), pt(c[(i+1)%len(c)])
			n[0] += (a[1] - b[1]) * (a[2] + b[2])
			n[1] += (a[2] - b[2]) * (a[0] + b[0])
			n[2] += (a[0] - b[0]) * (a[1] + b[1])
		}
		for i := t.off[f]; i < t.off[f+1]; i++ {
			r := find(i)
			for k := range 3 {
				sum[r][k] += n[k]
			}
		}
	}
	var out [][3]float64
	idx := make([]int32, nc)
	slot := make([]int32, nc)
	for i := range slot {
		slot[i] = -1
	}
	for i := range idx {
		r := find(int32(i))
		k := slot[r]
		if k < 0 {
			n := sum[r]
			l := math.Sqrt(n[0]*n[0] + n[1]*n[1] + n[2]*n[2])
			if l > 0 {
				n = [3]float64{n[0] / l, n[1] / l, n[2] / l}
			} else {
				n = [3]float64{0, 0, 1}
			}
			k = int32(len(out))
			out = append(out, n)
			slot[r] = k
		}
		idx[i] = k
	}
	return out, idx
}

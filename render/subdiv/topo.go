package subdiv

import "fmt"

// Infinite is the sharpness at and above which a crease or corner never
// softens (OpenSubdiv's Sdc::Crease::SHARPNESS_INFINITE).
const Infinite = 10

// topo is one level's topology with its adjacency and sharpness.
type topo struct {
	nv  int
	off []int32 // face f's corners are idx[off[f]:off[f+1]]
	idx []int32
	// fedge is, per corner, the edge from that corner to the next one.
	fedge []int32
	ev    [][2]int32
	ef    [][2]int32 // the first two faces of each edge (-1: none)
	enf   []int32    // faces per edge (more than 2: non-manifold)
	// vertex → faces and vertex → edges, compressed rows.
	vfOff, vf []int32
	veOff, ve []int32
	esharp    []float64 // authored (or inherited) sharpness per edge
	vsharp    []float64 // per vertex
	hole      []bool    // per face
	parent    []int32   // control face of each face
}

func (t *topo) nf() int { return len(t.off) - 1 }

// corners returns face f's vertex indices.
func (t *topo) corners(f int) []int32 { return t.idx[t.off[f]:t.off[f+1]] }

// newTopo builds the adjacency of faces given by counts and indices over
// nv vertices. It fails on a face of fewer than three vertices, an index
// out of range, or a face that repeats a vertex.
func newTopo(nv int, counts, indices []int32) (*topo, error) {
	t := &topo{nv: nv, off: make([]int32, len(counts)+1)}
	n := int32(0)
	for f, c := range counts {
		if c < 3 {
			return nil, fmt.Errorf("face %d has %d vertices (at least 3 needed)", f, c)
		}
		n += c
		t.off[f+1] = n
	}
	if int(n) != len(indices) {
		return nil, fmt.Errorf("face vertex counts sum to %d, %d indices given", n, len(indices))
	}
	t.idx = indices
	for i, v := range indices {
		if v < 0 || int(v) >= nv {
			return nil, fmt.Errorf("face vertex index %d = %d out of range [0,%d)", i, v, nv)
		}
	}
	t.parent = make([]int32, len(counts))
	for f := range t.parent {
		t.parent[f] = int32(f)
	}
	t.hole = make([]bool, len(counts))
	t.vsharp = make([]float64, nv)
	if err := t.adjacency(); err != nil {
		return nil, err
	}
	t.esharp = make([]float64, len(t.ev))
	return t, nil
}

// adjacency fills the edge and vertex tables from off and idx. Edges are
// found per lower vertex (a bucket of the corners whose edge starts there),
// without a hash map: refinement builds millions of them.
func (t *topo) adjacency() error {
	nf := t.nf()
	for f := 0; f < nf; f++ {
		c := t.corners(f)
		for i, a := range c {
			for _, b := range c[i+1:] {
				if a == b {
					return fmt.Errorf("face %d repeats vertex %d", f, a)
				}
			}
		}
	}
	t.fedge = make([]int32, len(t.idx))
	// Bucket every corner by the lower vertex of its edge.
	start := make([]int32, t.nv+1)
	other := func(f, i int) (int32, int32) {
		c := t.corners(f)
		a, b := c[i], c[(i+1)%len(c)]
		if a > b {
			a, b = b, a
		}
		return a, b
	}
	for f := 0; f < nf; f++ {
		for i := range t.corners(f) {
			lo, _ := other(f, i)
			start[lo+1]++
		}
	}
	for v := 0; v < t.nv; v++ {
		start[v+1] += start[v]
	}
	bucket := make([]int32, len(t.idx)) // corner indices
	fill := append([]int32(nil), start[:t.nv]...)
	for f := 0; f < nf; f++ {
		for i := range t.corners(f) {
			lo, _ := other(f, i)
			bucket[fill[lo]] = t.off[f] + int32(i)
			fill[lo]++
		}
	}
	faceOf := make([]int32, len(t.idx))
	for f := 0; f < nf; f++ {
		for i := t.off[f]; i < t.off[f+1]; i++ {
			faceOf[i] = int32(f)
		}
	}
	t.ev = t.ev[:0]
	var his []int32
	var ids []int32
	for lo := 0; lo < t.nv; lo++ {
		his, ids = his[:0], ids[:0]
		for _, ci := range bucket[start[lo]:start[lo+1]] {
			f := int(faceOf[ci])
			_, hi := other(f, int(ci-t.off[f]))
			e := int32(-1)
			for k, h := range his {
				if h == hi {
					e = ids[k]
					break
				}
			}
			if e < 0 {
				e = int32(len(t.ev))
				t.ev = append(t.ev, [2]int32{int32(lo), hi})
				his, ids = append(his, hi), append(ids, e)
			}
			t.fedge[ci] = e
		}
	}
	ne := len(t.ev)
	t.ef = make([][2]int32, ne)
	t.enf = make([]int32, ne)
	for e := range t.ef {
		t.ef[e] = [2]int32{-1, -1}
	}
	for f := 0; f < nf; f++ {
		for i := t.off[f]; i < t.off[f+1]; i++ {
			e := t.fedge[i]
			if t.enf[e] < 2 {
				t.ef[e][t.enf[e]] = int32(f)
			}
			t.enf[e]++
		}
	}
	// vertex → faces (a face once per vertex, even if listed twice) and
	// vertex → edges.
	t.vfOff = make([]int32, t.nv+1)
	for _, v := range t.idx {
		t.vfOff[v+1]++
	}
	for v := 0; v < t.nv; v++ {
		t.vfOff[v+1] += t.vfOff[v]
	}
	t.vf = make([]int32, len(t.idx))
	fill = append([]int32(nil), t.vfOff[:t.nv]...)
	for f := 0; f < nf; f++ {
		for _, v := range t.corners(f) {
			t.vf[fill[v]] = int32(f)
			fill[v]++
		}
	}
	t.veOff = make([]int32, t.nv+1)
	for _, e := range t.ev {
		t.veOff[e[0]+1]++
		t.veOff[e[1]+1]++
	}
	for v := 0; v < t.nv; v++ {
		t.veOff[v+1] += t.veOff[v]
	}
	t.ve = make([]int32, 2*ne)
	fill = append(fill[:0], t.veOff[:t.nv]...)
	for e, ab := range t.ev {
		for _, v := range ab {
			t.ve[fill[v]] = int32(e)
			fill[v]++
		}
	}
	return nil
}

func (t *topo) vertFaces(v int) []int32 { return t.vf[t.vfOff[v]:t.vfOff[v+1]] }
func (t *topo) vertEdges(v int) []int32 { return t.ve[t.veOff[v]:t.veOff[v+1]] }

// other returns the end of edge e that is not v.
func (t *topo) other(e int32, v int) int32 {
	if t.ev[e][0] == int32(v) {
		return t.ev[e][1]
	}
	return t.ev[e][0]
}

// sharpness is the effective sharpness of edge e: infinite on boundary
// and non-manifold edges.
func (t *topo) sharpness(e int32) float64 {
	if t.enf[e] != 2 {
		return Infinite
	}
	return t.esharp[e]
}

// boundaryVertex reports whether v touches a boundary or non-manifold edge.
func (t *topo) boundaryVertex(v int) bool {
	for _, e := range t.vertEdges(v) {
		if t.enf[e] != 2 {
			return true
		}
	}
	return false
}

// soften is the sharpness one level down.
func soften(s float64) float64 {
	if s >= Infinite {
		return Infinite
	}
	return max(0, s-1)
}

// child returns the topology of the next level: for Catmull-Clark and
// bilinear each n-gon becomes n quads over the vertices
// [vertex points | face points | edge points]; for Loop each triangle
// becomes four over [vertex points | edge points].
func (t *topo) child(s Scheme) (*topo, error) {
	nf, ne := t.nf(), len(t.ev)
	c := &topo{}
	if s == Loop {
		c.nv = t.nv + ne
		c.off = make([]int32, 4*nf+1)
		c.idx = make([]int32, 0, 12*nf)
		c.hole = make([]bool, 0, 4*nf)
		c.parent = make([]int32, 0, 4*nf)
		for f := 0; f < nf; f++ {
			v := t.corners(f)
			o := t.off[f]
			e0, e1, e2 := int32(t.nv)+t.fedge[o], int32(t.nv)+t.fedge[o+1], int32(t.nv)+t.fedge[o+2]
			c.idx = append(c.idx, v[0], e0, e2, v[1], e1, e0, v[2], e2, e1, e0, e1, e2)
			for k := 0; k < 4; k++ {
				c.hole = append(c.hole, t.hole[f])
				c.parent = append(c.parent, t.parent[f])
			}
		}
		for i := range c.off {
			c.off[i] = int32(3 * i)
		}
	} else {
		c.nv = t.nv + nf + ne
		n := len(t.idx)
		c.off = make([]int32, n+1)
		c.idx = make([]int32, 0, 4*n)
		c.hole = make([]bool, 0, n)
		c.parent = make([]int32, 0, n)
		for f := 0; f < nf; f++ {
			v := t.corners(f)
			o := int(t.off[f])
			fp := int32(t.nv + f)
			for i := range v {
				prev := (i + len(v) - 1) % len(v)
				c.idx = append(c.idx, v[i], int32(t.nv+nf)+t.fedge[o+i], fp, int32(t.nv+nf)+t.fedge[o+prev])
				c.hole = append(c.hole, t.hole[f])
				c.parent = append(c.parent, t.parent[f])
			}
		}
		for i := range c.off {
			c.off[i] = int32(4 * i)
		}
	}
	if err := c.adjacency(); err != nil {
		return nil, fmt.Errorf("refined topology: %w", err)
	}
	// Sharpness: the two halves of an edge inherit its softened
	// sharpness, vertex points their vertex's; new interior edges are smooth.
	c.esharp = make([]float64, len(c.ev))
	c.vsharp = make([]float64, c.nv)
	for v := 0; v < t.nv; v++ {
		c.vsharp[v] = soften(t.vsharp[v])
	}
	epBase := t.nv + nf
	if s == Loop {
		epBase = t.nv
	}
	for e, ab := range t.ev {
		sh := soften(t.esharp[e])
		if sh == 0 {
			continue
		}
		ep := int32(epBase + e)
		for _, v := range ab {
			for _, ce := range c.vertEdges(int(v)) {
				if c.other(ce, int(v)) == ep {
					c.esharp[ce] = sh
				}
			}
		}
	}
	return c, nil
}

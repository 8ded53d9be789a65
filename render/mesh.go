package render

import (
	"fmt"
	"runtime"
	"sort"
	"sync"
)

// Mesh is a triangle mesh in its own object space.
type Mesh struct {
	Name    string
	P       []Vec3  // vertex positions
	Indices []int32 // three per triangle, into P

	// N are shading normals, looked up per triangle corner through
	// NIndices (three per triangle). Nil N means flat shading.
	N        []Vec3
	NIndices []int32

	// UV are texture coordinates, looked up like N.
	UV        []Vec2
	UVIndices []int32

	// Material is the material of every triangle unless FaceMaterial
	// (one entry per triangle) says otherwise.
	Material     int
	FaceMaterial []int32

	// Color is a per-corner displayColor (three per triangle) used by
	// materials that ask for it; nil when not authored.
	Color []Vec3
}

// NumTriangles returns the triangle count.
func (m *Mesh) NumTriangles() int { return len(m.Indices) / 3 }

// Validate checks that every index is in range, so that tracing cannot fail.
func (m *Mesh) Validate() error {
	if len(m.Indices)%3 != 0 {
		return fmt.Errorf("mesh %s: %d indices is not a multiple of 3", m.Name, len(m.Indices))
	}
	check := func(what string, idx []int32, n int) error {
		if idx == nil {
			return nil
		}
		if len(idx) != len(m.Indices) {
			return fmt.Errorf("mesh %s: %d %s indices, want %d", m.Name, len(idx), what, len(m.Indices))
		}
		if i := firstOutOfRange(idx, n); i >= 0 {
			return fmt.Errorf("mesh %s: %s index %d at %d out of range [0,%d)", m.Name, what, idx[i], i, n)
		}
		return nil
	}
	if err := check("point", m.Indices, len(m.P)); err != nil {
		return err
	}
	if m.N != nil {
		if err := check("normal", m.NIndices, len(m.N)); err != nil {
			return err
		}
		if m.NIndices == nil {
			return fmt.Errorf("mesh %s: normals without normal indices", m.Name)
		}
	}
	if m.UV != nil {
		if err := check("uv", m.UVIndices, len(m.UV)); err != nil {
			return err
		}
		if m.UVIndices == nil {
			return fmt.Errorf("mesh %s: uvs without uv indices", m.Name)
		}
	}
	if m.Color != nil && len(m.Color) != len(m.Indices) {
		return fmt.Errorf("mesh %s: %d colors, want one per corner (%d)", m.Name, len(m.Color), len(m.Indices))
	}
	if m.FaceMaterial != nil && len(m.FaceMaterial) != m.NumTriangles() {
		return fmt.Errorf("mesh %s: %d face materials, want %d", m.Name, len(m.FaceMaterial), m.NumTriangles())
	}
	return nil
}

// firstOutOfRange returns the position of the first index outside [0, n),
// or -1. Large arrays are checked in parallel chunks (a 1M-triangle mesh
// has 3M point indices, checked before its BVH is built, on the path to
// the first pixel); the lowest failing chunk's first failure is the
// answer, so the error names the same index as a sequential scan.
func firstOutOfRange(idx []int32, n int) int {
	// As uint32, v < 0 and v >= n are one test; no int32 index reaches
	// 1<<31, so a larger n is capped there.
	un := uint32(min(uint64(n), 1<<31))
	var mu sync.Mutex
	first := -1
	parallelFor(len(idx), func(lo, hi int) {
		for i, v := range idx[lo:hi] {
			if uint32(v) >= un {
				mu.Lock()
				if first < 0 || lo+i < first {
					first = lo + i
				}
				mu.Unlock()
				return
			}
		}
	})
	return first
}

// tri is a triangle as shading reads it: a vertex and two edges.
type tri struct {
	v0, e1, e2 Vec3
}

// blas is a bottom-level acceleration structure over the triangles of one
// or more meshes (several when single-use meshes are baked into world
// space and share one tree).
type blas struct {
	meshes []*Mesh
	// packs hold the triangles, four to a watertight test (SIMD on AVX),
	// each leaf starting a packet (tri4.go). A triangle is known by its
	// slot, packet<<2 | lane: leaves and Hit.Prim count slots, and prim
	// and primMesh are indexed by them (unused lanes hold zeros).
	packs    []tri4
	ntris    int
	prim     []int32 // triangle index within its mesh, per slot
	primMesh []int32 // index into meshes, per slot (nil: mesh 0)
	// nrm holds the three corner shading normals of each slot, nine
	// float32 a slot (zeros for a mesh without normals: flat), or nil
	// when no mesh has normals. Shading reads them by slot, the order
	// traversal leaves the hits in, instead of through the mesh's
	// NIndices and N: one cache miss a hit instead of a chain of two
	// dependent ones.
	nrm   []float32
	bvh   *wide
	bound AABB
	name  string
}

func newBLAS(meshes ...*Mesh) *blas {
	total := 0
	// first[mi] is the index of mesh mi's triangle 0 among all triangles.
	first := make([]int32, len(meshes)+1)
	for mi, m := range meshes {
		total += m.NumTriangles()
		first[mi+1] = first[mi] + int32(m.NumTriangles())
	}
	var ref []int32 // mesh of each triangle when several meshes
	if len(meshes) > 1 {
		ref = make([]int32, total)
		parallelFor(total, func(lo, hi int) {
			// The mesh holding triangle lo (empty meshes are skipped).
			mi := sort.Search(len(meshes), func(k int) bool { return first[k+1] > int32(lo) })
			for i := int32(lo); i < int32(hi); i++ {
				for i >= first[mi+1] {
					mi++
				}
				ref[i] = int32(mi)
			}
		})
	}
	meshOf := func(id int32) (*Mesh, int32, int32) {
		mi := int32(0)
		if ref != nil {
			mi = ref[id]
		}
		return meshes[mi], mi, id - first[mi]
	}
	// Adjacent triangles sharing an edge (the two halves of a quad, as fan
	// triangulation emits them) are one build primitive: quad meshes build
	// from half as many primitives, and a quad's halves share a leaf.
	pb := pairTriangles(total, meshOf)
	np := len(pb) - 1
	// The callbacks below, run once per primitive or triangle, find the
	// mesh themselves rather than through meshOf (a closure call each).
	// Both triangles of a pair are in one mesh.
	v := buildBVHCost(np, float32(total)/float32(max(np, 1)), func(p int) AABB {
		i0, i1 := pb[p], pb[p+1]
		mi := int32(0)
		if ref != nil {
			mi = ref[i0]
		}
		m := meshes[mi]
		t := i0 - first[mi]
		idx, pts := m.Indices[3*t:3*(t+i1-i0)], m.P
		a, b, c := pts[idx[0]], pts[idx[1]], pts[idx[2]]
		box := AABB{a.Min(b).Min(c), a.Max(b).Max(c)}
		for k := 3; k+2 < len(idx); k += 3 {
			a, b, c := pts[idx[k]], pts[idx[k+1]], pts[idx[k+2]]
			box = box.Union(AABB{a.Min(b).Min(c), a.Max(b).Max(c)})
		}
		return box
	})
	v.expand(pb)
	bl := &blas{meshes: meshes, bvh: v, name: meshes[0].Name}
	order := v.order
	slot := bl.buildPacks(total, func(i int32) (Vec3, Vec3, Vec3) {
		id := order[i]
		mi := int32(0)
		if ref != nil {
			mi = ref[id]
		}
		m := meshes[mi]
		t := 3 * (id - first[mi])
		idx := m.Indices[t : t+3 : t+3]
		return m.P[idx[0]], m.P[idx[1]], m.P[idx[2]]
	})
	// prim and primMesh are indexed by slot: written there directly, in
	// parallel (every entry has its own slot), rather than in leaf order
	// and then moved, which took two more arrays and a serial pass.
	bl.prim = make([]int32, 4*len(bl.packs))
	for _, m := range meshes {
		if m.N != nil {
			bl.nrm = make([]float32, 9*4*len(bl.packs))
			break
		}
	}
	if len(meshes) > 1 {
		bl.primMesh = make([]int32, 4*len(bl.packs))
		bl.name = fmt.Sprintf("%d merged meshes", len(meshes))
	}
	parallelFor(total, func(lo, hi int) {
		for e := lo; e < hi; e++ {
			id := order[e]
			mi := int32(0)
			if ref != nil {
				mi = ref[id]
				bl.primMesh[slot[e]] = mi
			}
			t := id - first[mi]
			bl.prim[slot[e]] = t
			if m := meshes[mi]; bl.nrm != nil && m.N != nil {
				n := bl.nrm[9*slot[e]:][:9]
				for k := range 3 {
					c := m.N[m.NIndices[3*t+int32(k)]]
					n[3*k], n[3*k+1], n[3*k+2] = float32(c.X), float32(c.Y), float32(c.Z)
				}
			}
		}
	})
	wb := v.box
	bl.bound = AABB{
		Vec3{float64(wb.lo[0]), float64(wb.lo[1]), float64(wb.lo[2])},
		Vec3{float64(wb.hi[0]), float64(wb.hi[1]), float64(wb.hi[2])},
	}
	return bl
}

// pairTriangles groups the triangles 0..n-1 into build primitives: a
// triangle and the next one when both are in the same mesh and share two
// vertex indices, else a triangle alone. It returns the first triangle of
// each primitive and n at the end. meshOf gives a triangle's mesh, the
// mesh's index and the triangle's index in it; a mesh's triangles are
// consecutive.
func pairTriangles(n int, meshOf func(int32) (*Mesh, int32, int32)) []int32 {
	// Whether triangle i may pair with i+1 is independent of the other
	// triangles: found in parallel. Which pairs are taken depends on the
	// pairs before (a triangle pairs with the next only when it is not
	// already the second of a pair): a sequential pass over one byte a
	// triangle.
	join := make([]bool, n)
	parallelFor(n-1, func(lo, hi int) {
		// Runs of triangles inside one mesh are tested straight on its
		// indices (meshOf once a run, not twice a triangle).
		for i := lo; i < hi; {
			m, _, t := meshOf(int32(i))
			// Triangles i..end-1 have their successor in the same mesh.
			end := min(hi, i+m.NumTriangles()-1-int(t))
			if end <= i {
				i++ // the last of its mesh: never paired with the next
				continue
			}
			joinRun(m.Indices[3*int(t):3*(int(t)+end-i)+3], join[i:end])
			i = end
		}
	})
	pb := make([]int32, 0, n/2+2)
	for i := 0; i < n; {
		pb = append(pb, int32(i))
		if join[i] {
			i += 2
		} else {
			i++
		}
	}
	return append(pb, int32(n))
}

// joinRun sets join[k] when triangle k and k+1 of idx (3 indices a
// triangle, len(join)+1 triangles) share at least two vertices.
func joinRun(idx []int32, join []bool) {
	for k := range join {
		t := idx[3*k : 3*k+6 : 3*k+6]
		a0, a1, a2, b0, b1, b2 := t[0], t[1], t[2], t[3], t[4], t[5]
		n := 0
		for _, x := range [3]int32{a0, a1, a2} {
			if x == b0 || x == b1 || x == b2 {
				n++
			}
		}
		join[k] = n >= 2
	}
}

func sharedVertices(a, b []int32) int {
	n := 0
	for _, x := range a {
		if x == b[0] || x == b[1] || x == b[2] {
			n++
		}
	}
	return n
}

// expand turns a tree over primitives of several triangles (pb, from
// pairTriangles) into one over triangles: order lists triangles, and
// leaves index triangle ranges.
func (w *wide) expand(pb []int32) {
	pos := make([]int32, len(w.order)+1) // first triangle of each order slot
	for i, p := range w.order {
		pos[i+1] = pos[i] + pb[p+1] - pb[p]
	}
	order := make([]int32, pos[len(w.order)])
	parallelFor(len(w.order), func(lo, hi int) {
		for i, p := range w.order[lo:hi] {
			at := pos[lo+i]
			for k := pb[p]; k < pb[p+1]; k++ {
				order[at] = k
				at++
			}
		}
	})
	parallelFor(len(w.nodes), func(lo, hi int) {
		for ni := lo; ni < hi; ni++ {
			nd := &w.nodes[ni]
			for k := 0; k < 4; k++ {
				if c := int32(nd.count[k]); c > 0 {
					s := nd.child[k]
					nd.child[k], nd.count[k] = pos[s], int16(pos[s+c]-pos[s])
				}
			}
		}
	})
	w.order = order
}

// parallelFor runs body over [0, n) in contiguous chunks, one per CPU, for
// the build's per-primitive loops; small n runs inline.
func parallelFor(n int, body func(lo, hi int)) {
	w := runtime.GOMAXPROCS(0)
	if n < 1<<14 || w == 1 {
		body(0, n)
		return
	}
	var wg sync.WaitGroup
	chunk := (n + w - 1) / w
	for lo := 0; lo < n; lo += chunk {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			body(lo, hi)
		}(lo, min(lo+chunk, n))
	}
	wg.Wait()
}

// bake returns a copy of m with positions and normals in world space.
func bake(m *Mesh, xf *Matrix, inv *Matrix) *Mesh {
	c := *m
	c.P = make([]Vec3, len(m.P))
	parallelFor(len(m.P), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			c.P[i] = xf.Point(m.P[i])
		}
	})
	if m.N != nil {
		c.N = make([]Vec3, len(m.N))
		parallelFor(len(m.N), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				c.N[i] = inv.Normal(m.N[i])
			}
		})
	}
	return &c
}

package render

import "fmt"

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
		for i, v := range idx {
			if v < 0 || int(v) >= n {
				return fmt.Errorf("mesh %s: %s index %d at %d out of range [0,%d)", m.Name, what, v, i, n)
			}
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

// tri is a triangle prepared for intersection: a vertex and two edges.
type tri struct {
	v0, e1, e2 Vec3
}

// blas is a bottom-level acceleration structure over the triangles of one
// or more meshes (several when single-use meshes are baked into world
// space and share one tree).
type blas struct {
	meshes   []*Mesh
	tris     []tri   // in BVH leaf order
	prim     []int32 // triangle index within its mesh, per entry of tris
	primMesh []int32 // index into meshes, per entry of tris (nil: mesh 0)
	bvh      *wide
	bound    AABB
	name     string
}

func newBLAS(meshes ...*Mesh) *blas {
	total := 0
	for _, m := range meshes {
		total += m.NumTriangles()
	}
	boxes := make([]AABB, 0, total)
	var ref []int32 // packed (mesh, tri) per box when several meshes
	for mi, m := range meshes {
		for i := 0; i < m.NumTriangles(); i++ {
			a, b, c := m.P[m.Indices[3*i]], m.P[m.Indices[3*i+1]], m.P[m.Indices[3*i+2]]
			boxes = append(boxes, AABB{a.Min(b).Min(c), a.Max(b).Max(c)})
			if len(meshes) > 1 {
				ref = append(ref, int32(mi))
			}
		}
	}
	v := buildBVH(boxes)
	bl := &blas{meshes: meshes, bvh: v, tris: make([]tri, total), prim: make([]int32, total), bound: EmptyAABB(), name: meshes[0].Name}
	if len(meshes) > 1 {
		bl.primMesh = make([]int32, total)
		bl.name = fmt.Sprintf("%d merged meshes", len(meshes))
	}
	// first[mi] is the box index of mesh mi's triangle 0.
	first := make([]int32, len(meshes)+1)
	for mi, m := range meshes {
		first[mi+1] = first[mi] + int32(m.NumTriangles())
	}
	for i, id := range v.order {
		mi := 0
		if ref != nil {
			mi = int(ref[id])
			bl.primMesh[i] = int32(mi)
		}
		m := meshes[mi]
		t := id - first[mi]
		a, b, c := m.P[m.Indices[3*t]], m.P[m.Indices[3*t+1]], m.P[m.Indices[3*t+2]]
		bl.tris[i] = tri{v0: a, e1: b.Sub(a), e2: c.Sub(a)}
		bl.prim[i] = t
		bl.bound = bl.bound.Union(boxes[id])
	}
	return bl
}

// bake returns a copy of m with positions and normals in world space.
func bake(m *Mesh, xf *Matrix, inv *Matrix) *Mesh {
	c := *m
	c.P = make([]Vec3, len(m.P))
	for i, p := range m.P {
		c.P[i] = xf.Point(p)
	}
	if m.N != nil {
		c.N = make([]Vec3, len(m.N))
		for i, n := range m.N {
			c.N[i] = inv.Normal(n)
		}
	}
	return &c
}

// intersectTri is Möller-Trumbore; it returns t, u, v (barycentrics of
// vertices 1 and 2) and whether the ray hits within (tMin, tMax).
func intersectTri(t *tri, o, d Vec3, tMax float64) (float64, float64, float64, bool) {
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

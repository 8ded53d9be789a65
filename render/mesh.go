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

// blas is the bottom-level acceleration structure of one mesh.
type blas struct {
	mesh  *Mesh
	tris  []tri   // in BVH leaf order
	prim  []int32 // original triangle index for each entry of tris
	bvh   *bvh
	bound AABB
}

func newBLAS(m *Mesh) *blas {
	n := m.NumTriangles()
	boxes := make([]AABB, n)
	for i := 0; i < n; i++ {
		a, b, c := m.P[m.Indices[3*i]], m.P[m.Indices[3*i+1]], m.P[m.Indices[3*i+2]]
		boxes[i] = AABB{a.Min(b).Min(c), a.Max(b).Max(c)}
	}
	v := buildBVH(boxes)
	bl := &blas{mesh: m, bvh: v, tris: make([]tri, n), prim: v.order, bound: EmptyAABB()}
	for i, id := range v.order {
		a, b, c := m.P[m.Indices[3*id]], m.P[m.Indices[3*id+1]], m.P[m.Indices[3*id+2]]
		bl.tris[i] = tri{v0: a, e1: b.Sub(a), e2: c.Sub(a)}
		bl.bound = bl.bound.Union(boxes[id])
	}
	return bl
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

package render

import "math"

// The implicit gprims of UsdGeom are tessellated into meshes; smooth ones
// carry exact vertex normals, so shading is smooth even when the
// tessellation is coarse.

// SphereMesh returns a UV sphere of the given radius around the origin.
func SphereMesh(radius float64, nu, nv int) *Mesh {
	m := &Mesh{Name: "sphere"}
	for j := 0; j <= nv; j++ {
		th := math.Pi * float64(j) / float64(nv)
		for i := 0; i <= nu; i++ {
			ph := 2 * math.Pi * float64(i) / float64(nu)
			n := Vec3{math.Sin(th) * math.Cos(ph), math.Sin(th) * math.Sin(ph), math.Cos(th)}
			m.P = append(m.P, n.Scale(radius))
			m.N = append(m.N, n)
			m.UV = append(m.UV, Vec2{float64(i) / float64(nu), 1 - float64(j)/float64(nv)})
		}
	}
	row := int32(nu + 1)
	for j := 0; j < nv; j++ {
		for i := 0; i < nu; i++ {
			a := int32(j)*row + int32(i)
			b, c, d := a+1, a+row, a+row+1
			if j != 0 {
				m.Indices = append(m.Indices, a, c, b)
			}
			if j != nv-1 {
				m.Indices = append(m.Indices, b, c, d)
			}
		}
	}
	m.NIndices = m.Indices
	m.UVIndices = m.Indices
	return m
}

// QuadMesh returns the quad p0, p0+ex, p0+ex+ey, p0+ey (two triangles,
// flat, counter-clockwise seen from ex×ey).
func QuadMesh(p0, ex, ey Vec3) *Mesh {
	return &Mesh{
		Name:      "quad",
		P:         []Vec3{p0, p0.Add(ex), p0.Add(ex).Add(ey), p0.Add(ey)},
		Indices:   []int32{0, 1, 2, 0, 2, 3},
		UV:        []Vec2{{0, 0}, {1, 0}, {1, 1}, {0, 1}},
		UVIndices: []int32{0, 1, 2, 0, 2, 3},
	}
}

// BoxMesh returns an axis-aligned cube of edge size around the origin.
func BoxMesh(size float64) *Mesh {
	h := size / 2
	m := &Mesh{Name: "cube"}
	add := func(p0, ex, ey Vec3) {
		q := QuadMesh(p0, ex, ey)
		base := int32(len(m.P))
		m.P = append(m.P, q.P...)
		for _, i := range q.Indices {
			m.Indices = append(m.Indices, base+i)
		}
	}
	s := size
	add(Vec3{-h, -h, h}, Vec3{s, 0, 0}, Vec3{0, s, 0})  // +Z
	add(Vec3{h, -h, -h}, Vec3{-s, 0, 0}, Vec3{0, s, 0}) // −Z
	add(Vec3{h, -h, h}, Vec3{0, 0, -s}, Vec3{0, s, 0})  // +X
	add(Vec3{-h, -h, -h}, Vec3{0, 0, s}, Vec3{0, s, 0}) // −X
	add(Vec3{-h, h, h}, Vec3{s, 0, 0}, Vec3{0, 0, -s})  // +Y
	add(Vec3{-h, -h, -h}, Vec3{s, 0, 0}, Vec3{0, 0, s}) // −Y
	return m
}

// axisFrame maps a shape built along +Z onto the given USD axis token.
func axisFrame(axis string, p Vec3) Vec3 {
	switch axis {
	case "X":
		return Vec3{p.Z, p.X, p.Y}
	case "Y":
		return Vec3{p.Y, p.Z, p.X}
	}
	return p
}

// CylinderMesh returns a capped cylinder (radii r0 at −h/2 and r1 at +h/2,
// so r1 = 0 is a cone) along the given axis ("X", "Y" or "Z").
func CylinderMesh(r0, r1, height float64, axis string, n int) *Mesh {
	m := &Mesh{Name: "cylinder"}
	h := height / 2
	slope := (r0 - r1) / height
	for i := 0; i <= n; i++ {
		ph := 2 * math.Pi * float64(i) / float64(n)
		c, s := math.Cos(ph), math.Sin(ph)
		nrm := Vec3{c, s, slope}.Norm()
		m.P = append(m.P, axisFrame(axis, Vec3{r0 * c, r0 * s, -h}), axisFrame(axis, Vec3{r1 * c, r1 * s, h}))
		m.N = append(m.N, axisFrame(axis, nrm), axisFrame(axis, nrm))
	}
	for i := 0; i < n; i++ {
		a := int32(2 * i)
		m.Indices = append(m.Indices, a, a+2, a+3, a, a+3, a+1)
	}
	m.NIndices = append([]int32(nil), m.Indices...)
	// Caps: flat normals from extra vertices.
	cap := func(r, z, dir float64) {
		if r <= 0 {
			return
		}
		center := int32(len(m.P))
		m.P = append(m.P, axisFrame(axis, Vec3{0, 0, z}))
		m.N = append(m.N, axisFrame(axis, Vec3{0, 0, dir}))
		for i := 0; i < n; i++ {
			p0 := 2 * math.Pi * float64(i) / float64(n)
			p1 := 2 * math.Pi * float64(i+1) / float64(n)
			a := int32(len(m.P))
			m.P = append(m.P, axisFrame(axis, Vec3{r * math.Cos(p0), r * math.Sin(p0), z}), axisFrame(axis, Vec3{r * math.Cos(p1), r * math.Sin(p1), z}))
			if dir > 0 {
				m.Indices = append(m.Indices, center, a, a+1)
			} else {
				m.Indices = append(m.Indices, center, a+1, a)
			}
			m.NIndices = append(m.NIndices, center, center, center)
		}
	}
	cap(r0, -h, -1)
	cap(r1, h, 1)
	return m
}

// CapsuleMesh returns a cylinder of the given height with hemispherical
// caps of radius r along axis.
func CapsuleMesh(r, height float64, axis string, nu, nv int) *Mesh {
	m := &Mesh{Name: "capsule"}
	h := height / 2
	// Rings from the top pole to the bottom pole; the equator ring is
	// duplicated to make the straight part.
	var rings [][2]float64 // (theta, z offset)
	for j := 0; j <= nv/2; j++ {
		rings = append(rings, [2]float64{math.Pi / 2 * float64(j) / float64(nv/2), h})
	}
	for j := 0; j <= nv/2; j++ {
		rings = append(rings, [2]float64{math.Pi/2 + math.Pi/2*float64(j)/float64(nv/2), -h})
	}
	for _, rg := range rings {
		th := rg[0]
		for i := 0; i <= nu; i++ {
			ph := 2 * math.Pi * float64(i) / float64(nu)
			n := Vec3{math.Sin(th) * math.Cos(ph), math.Sin(th) * math.Sin(ph), math.Cos(th)}
			m.P = append(m.P, axisFrame(axis, n.Scale(r).Add(Vec3{0, 0, rg[1]})))
			m.N = append(m.N, axisFrame(axis, n))
		}
	}
	row := int32(nu + 1)
	for j := 0; j < len(rings)-1; j++ {
		for i := 0; i < nu; i++ {
			a := int32(j)*row + int32(i)
			m.Indices = append(m.Indices, a, a+row, a+1, a+1, a+row, a+row+1)
		}
	}
	// Drop degenerate pole triangles: harmless for intersection (zero
	// area never hits), so they are kept for simplicity.
	m.NIndices = m.Indices
	return m
}

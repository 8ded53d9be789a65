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
		ni := int32(len(m.N)) // the cap's one normal (P and N differ in length here)
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
			m.NIndices = append(m.NIndices, ni, ni, ni)
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

// Curves are swept into triangles: a round tube (a ring of sides vertices
// per sample, smooth radial normals, flat end caps) or a flat ribbon (two
// vertices per sample, facing the given normals). The ring frames are
// rotation-minimizing (the double reflection method of Wang, Jüttler,
// Zheng and Liu, "Computation of rotation minimizing frames", 2008), so
// a tube does not twist along a bending curve.

// curveTangents returns unit tangents at the samples by central
// differences (one-sided at the ends of an open curve); a zero-length
// difference reuses the previous tangent.
func curveTangents(pts []Vec3, closed bool) []Vec3 {
	n := len(pts)
	t := make([]Vec3, n)
	prev := Vec3{0, 0, 1}
	for i := range pts {
		a, b := i-1, i+1
		if closed {
			a, b = (i+n-1)%n, (i+1)%n
		} else {
			a, b = max(a, 0), min(b, n-1)
		}
		d := pts[b].Sub(pts[a])
		if d.Len() > 0 {
			prev = d.Norm()
		}
		t[i] = prev
	}
	// Fill the samples before the first non-degenerate difference.
	for i := range t {
		if d := pts[min(i+1, n-1)].Sub(pts[max(i-1, 0)]); d.Len() > 0 {
			for j := 0; j < i; j++ {
				t[j] = t[i]
			}
			break
		}
	}
	return t
}

// withTangents prefers the given tangents (normalized) where they are not
// zero over the differences d.
func withTangents(d, given []Vec3) []Vec3 {
	for i := range given {
		if i < len(d) && given[i].Len() > 0 {
			d[i] = given[i].Norm()
		}
	}
	return d
}

// curveFrames returns, per sample, a unit vector normal to the tangent,
// transported along the curve by double reflection. On a closed curve
// the frame transported once around generally comes back rotated (the
// curve's total torsion); that angle is spread evenly over the samples so
// that the last ring meets the first without a twist.
func curveFrames(pts, tan []Vec3, closed bool) []Vec3 {
	n := len(pts)
	r := make([]Vec3, n)
	t0 := tan[0]
	a := Vec3{1, 0, 0}
	if math.Abs(t0.X) > 0.9 {
		a = Vec3{0, 1, 0}
	}
	r[0] = t0.Cross(a).Norm()
	for i := 0; i+1 < n; i++ {
		r[i+1] = transport(pts[i], pts[i+1], tan[i], tan[i+1], r[i])
	}
	if closed && n > 2 {
		back := transport(pts[n-1], pts[0], tan[n-1], tan[0], r[n-1])
		// The signed angle from the transported frame to the first one.
		phi := math.Atan2(back.Cross(r[0]).Dot(tan[0]), back.Dot(r[0]))
		for i := 1; i < n; i++ {
			ang := phi * float64(i) / float64(n)
			c, s := math.Cos(ang), math.Sin(ang)
			r[i] = r[i].Scale(c).Add(tan[i].Cross(r[i]).Scale(s))
		}
	}
	return r
}

// transport carries the frame vector r at p0 (tangent t0) to p1 (tangent
// t1) by double reflection.
func transport(p0, p1, t0, t1, r Vec3) Vec3 {
	v1 := p1.Sub(p0)
	c1 := v1.Dot(v1)
	if c1 == 0 {
		return r
	}
	rl := r.AddScaled(v1, -2/c1*v1.Dot(r))
	tl := t0.AddScaled(v1, -2/c1*v1.Dot(t0))
	v2 := t1.Sub(tl)
	if c2 := v2.Dot(v2); c2 != 0 {
		rl = rl.AddScaled(v2, -2/c2*v2.Dot(rl))
	}
	// Re-orthogonalize against rounding drift.
	return rl.AddScaled(t1, -rl.Dot(t1)).Norm()
}

// AppendTube appends a tube of the given radii around the sampled centre
// line pts to m (sides ≥ 3 vertices per ring); closed joins the last ring
// to the first, otherwise both ends get a flat cap. tangents, when not
// nil, are the curve's tangents at the samples (a zero one is replaced by
// the difference of the neighbours, as are all when nil). colors, when
// not nil, gives one colour per sample and fills m.Color (every curve of
// a mesh must then give colours). It returns the triangles added.
func AppendTube(m *Mesh, pts []Vec3, radii []float64, tangents []Vec3, sides int, closed bool, colors []Vec3) int {
	n := len(pts)
	if n < 2 || sides < 3 {
		return 0
	}
	tan := withTangents(curveTangents(pts, closed), tangents)
	fr := curveFrames(pts, tan, closed)
	base := int32(len(m.P))
	nbase := int32(len(m.N))
	before := len(m.Indices)
	cs := make([]float64, sides)
	sn := make([]float64, sides)
	for k := range sides {
		ph := 2 * math.Pi * float64(k) / float64(sides)
		cs[k], sn[k] = math.Cos(ph), math.Sin(ph)
	}
	for i, p := range pts {
		u := fr[i]
		b := tan[i].Cross(u)
		bend, stretch := mitre(pts, i, closed, tangents == nil)
		for k := range sides {
			d := u.Scale(cs[k]).Add(b.Scale(sn[k]))
			off := d.AddScaled(bend, d.Dot(bend)*(stretch-1))
			m.P = append(m.P, p.Add(off.Scale(radii[i])))
			m.N = append(m.N, d)
		}
	}
	at := func(i, k int) int32 { return int32((i%n)*sides + k%sides) }
	col := func(idx ...int) {
		if colors == nil {
			return
		}
		for _, i := range idx {
			m.Color = append(m.Color, colors[i%n])
		}
	}
	rings := n - 1
	if closed {
		rings = n
	}
	for i := range rings {
		for k := range sides {
			a, b2, c, d := at(i, k), at(i, k+1), at(i+1, k), at(i+1, k+1)
			m.Indices = append(m.Indices, base+a, base+b2, base+c, base+b2, base+d, base+c)
			m.NIndices = append(m.NIndices, nbase+a, nbase+b2, nbase+c, nbase+b2, nbase+d, nbase+c)
			col(i, i, i+1, i, i+1, i+1)
		}
	}
	if !closed {
		// Flat caps: a fan over each end ring, facing along ∓tangent.
		for _, end := range []int{0, n - 1} {
			dir := tan[end]
			if end == 0 {
				dir = dir.Neg()
			}
			ni := int32(len(m.N))
			m.N = append(m.N, dir)
			for k := 1; k+1 < sides; k++ {
				a, b2, c := at(end, 0), at(end, k), at(end, k+1)
				if end == 0 {
					b2, c = c, b2
				}
				m.Indices = append(m.Indices, base+a, base+b2, base+c)
				m.NIndices = append(m.NIndices, ni, ni, ni)
				col(end, end, end)
			}
		}
	}
	return (len(m.Indices) - before) / 3
}

// mitre returns, at a corner of a polyline (sharp joins, when corners is
// set), the unit direction of the bend, in the plane of the two segments
// and across the bisecting tangent, and how much a ring is stretched
// along it (1/cos of half the turn, at most 4) so that the tube keeps its
// radius on both segments; (0, 1) elsewhere.
func mitre(pts []Vec3, i int, closed, corners bool) (Vec3, float64) {
	n := len(pts)
	if !corners || (!closed && (i == 0 || i == n-1)) {
		return Vec3{}, 1
	}
	a, b := pts[(i+n-1)%n], pts[(i+1)%n]
	d0, d1 := pts[i].Sub(a), b.Sub(pts[i])
	if d0.Len() == 0 || d1.Len() == 0 {
		return Vec3{}, 1
	}
	d0, d1 = d0.Norm(), d1.Norm()
	bend := d1.Sub(d0)
	if bend.Len() < 1e-9 {
		return Vec3{}, 1
	}
	bis := d0.Add(d1)
	if bis.Len() < 1e-9 {
		return bend.Norm(), 4 // a U-turn
	}
	return bend.Norm(), 1 / max(bis.Norm().Dot(d1), 0.25)
}

// AppendRibbon appends a flat ribbon through the sampled centre line pts,
// of the given half widths, lying across the curve and facing normals
// (one per sample; the part along the tangent is removed). tangents,
// closed and colors as in AppendTube. It returns the triangles added.
func AppendRibbon(m *Mesh, pts []Vec3, halfWidths []float64, tangents, normals []Vec3, closed bool, colors []Vec3) int {
	n := len(pts)
	if n < 2 {
		return 0
	}
	tan := withTangents(curveTangents(pts, closed), tangents)
	base := int32(len(m.P))
	nbase := int32(len(m.N))
	before := len(m.Indices)
	for i, p := range pts {
		nn := normals[i].AddScaled(tan[i], -normals[i].Dot(tan[i]))
		if nn.Len() == 0 {
			nn = curveFrames(pts[i:i+1], tan[i:i+1], false)[0]
		}
		nn = nn.Norm()
		side := tan[i].Cross(nn).Scale(halfWidths[i])
		m.P = append(m.P, p.Sub(side), p.Add(side))
		m.N = append(m.N, nn, nn)
	}
	segs := n - 1
	if closed {
		segs = n
	}
	for i := range segs {
		j := (i + 1) % n
		a, b, c, d := int32(2*i), int32(2*i+1), int32(2*j), int32(2*j+1)
		m.Indices = append(m.Indices, base+a, base+b, base+c, base+b, base+d, base+c)
		m.NIndices = append(m.NIndices, nbase+a, nbase+b, nbase+c, nbase+b, nbase+d, nbase+c)
		if colors != nil {
			m.Color = append(m.Color, colors[i], colors[i], colors[j], colors[i], colors[j], colors[j])
		}
	}
	return (len(m.Indices) - before) / 3
}

// AppendSphere appends a copy of the unit mesh unit (a sphere of radius 1
// around the origin, such as SphereMesh(1, ...)) scaled by radius and
// moved to center, with every corner coloured col when colors is set.
func AppendSphere(m *Mesh, unit *Mesh, center Vec3, radius float64, col Vec3, colors bool) {
	base := int32(len(m.P))
	nbase := int32(len(m.N))
	for i, p := range unit.P {
		m.P = append(m.P, center.Add(p.Scale(radius)))
		m.N = append(m.N, unit.N[i])
	}
	for i, k := range unit.Indices {
		m.Indices = append(m.Indices, base+k)
		m.NIndices = append(m.NIndices, nbase+unit.NIndices[i])
		if colors {
			m.Color = append(m.Color, col)
		}
	}
}

package usdscene

import (
	"fmt"
	"math"
	"sort"

	"github.com/rgallery/rgallery/render"
	"github.com/rgallery/rgallery/usd"
)

// primvar is a primvar's values with its indices and interpolation.
type primvar struct {
	values  any
	indices []int32
	interp  string
}

func (c *conv) primvar(p *usd.Prim, name string) (primvar, bool) {
	a := p.Attribute("primvars:" + name)
	if a == nil {
		return primvar{}, false
	}
	v, ok := c.get(p, "primvars:"+name)
	if !ok {
		return primvar{}, false
	}
	pv := primvar{values: v, interp: a.Interpolation()}
	pv.indices = c.ints(p, "primvars:"+name+":indices")
	return pv, true
}

// topology maps each triangle corner to its face, face-vertex and point.
// For a subdivided mesh (sub set) face is the control face, corner the
// refined face-vertex and point the refined point: vertex, varying and
// faceVarying primvars must then be refined (values), not looked up.
type topology struct {
	face   []int32 // per triangle
	corner []int32 // per triangle corner: index into faceVertexIndices
	point  []int32 // per triangle corner: point index

	sub            *subdivMesh
	refinedCorners int
}

// lookup gives, for each triangle corner, the index into the values of a
// primvar of the given interpolation (before the primvar's own indices).
func (t *topology) lookup(interp string, i int) int32 {
	switch interp {
	case "constant":
		return 0
	case "uniform":
		return t.face[i/3]
	case "faceVarying":
		return t.corner[i]
	}
	return t.point[i] // vertex, varying
}

// corners expands a primvar to one index per triangle corner into its
// value array of length n; it fails if any index is out of range.
func (t *topology) corners(pv primvar, n int) ([]int32, error) {
	if t.sub != nil && pv.interp != "constant" && pv.interp != "uniform" {
		return nil, fmt.Errorf("a %s primvar of a subdivided mesh needs refining (topology.vec3s/vec2s)", pv.interp)
	}
	out := make([]int32, len(t.point))
	for i := range out {
		k := t.lookup(pv.interp, i)
		if pv.indices != nil {
			if int(k) >= len(pv.indices) || k < 0 {
				return nil, fmt.Errorf("%s primvar index %d out of range [0,%d)", pv.interp, k, len(pv.indices))
			}
			k = pv.indices[k]
		}
		if k < 0 || int(k) >= n {
			return nil, fmt.Errorf("%s primvar value index %d out of range [0,%d)", pv.interp, k, n)
		}
		out[i] = k
	}
	return out, nil
}

// vec3s gives a primvar's values and an index per triangle corner,
// refining them on a subdivided mesh.
func (t *topology) vec3s(pv primvar, vals []render.Vec3) ([]render.Vec3, []int32, error) {
	if t.sub == nil || pv.interp == "constant" || pv.interp == "uniform" {
		idx, err := t.corners(pv, len(vals))
		return vals, idx, err
	}
	flat := make([]float64, 0, 3*len(vals))
	for _, v := range vals {
		flat = append(flat, v.X, v.Y, v.Z)
	}
	r, idx, err := t.refinePrimvar(pv, flat, 3)
	if err != nil {
		return nil, nil, err
	}
	out := make([]render.Vec3, len(r)/3)
	for i := range out {
		out[i] = render.Vec3{X: r[3*i], Y: r[3*i+1], Z: r[3*i+2]}
	}
	return out, idx, nil
}

// vec2s is vec3s for 2-vectors (texture coordinates).
func (t *topology) vec2s(pv primvar, vals []render.Vec2) ([]render.Vec2, []int32, error) {
	if t.sub == nil || pv.interp == "constant" || pv.interp == "uniform" {
		idx, err := t.corners(pv, len(vals))
		return vals, idx, err
	}
	flat := make([]float64, 0, 2*len(vals))
	for _, v := range vals {
		flat = append(flat, v.X, v.Y)
	}
	r, idx, err := t.refinePrimvar(pv, flat, 2)
	if err != nil {
		return nil, nil, err
	}
	out := make([]render.Vec2, len(r)/2)
	for i := range out {
		out[i] = render.Vec2{X: r[2*i], Y: r[2*i+1]}
	}
	return out, idx, nil
}

func toVec3s(v any) ([]render.Vec3, bool) {
	conv := func(n int, at func(i int) (float64, float64, float64)) []render.Vec3 {
		out := make([]render.Vec3, n)
		for i := range out {
			x, y, z := at(i)
			out[i] = render.Vec3{X: x, Y: y, Z: z}
		}
		return out
	}
	switch x := v.(type) {
	case []usd.Vec3f:
		return conv(len(x), func(i int) (float64, float64, float64) {
			return float64(x[i][0]), float64(x[i][1]), float64(x[i][2])
		}), true
	case []usd.Vec3d:
		return conv(len(x), func(i int) (float64, float64, float64) { return x[i][0], x[i][1], x[i][2] }), true
	case []usd.Vec3h:
		return conv(len(x), func(i int) (float64, float64, float64) {
			return float64(x[i][0]), float64(x[i][1]), float64(x[i][2])
		}), true
	}
	if v3, ok := toVec3(v); ok {
		return []render.Vec3{v3}, true
	}
	return nil, false
}

func toVec2s(v any) ([]render.Vec2, bool) {
	switch x := v.(type) {
	case []usd.Vec2f:
		out := make([]render.Vec2, len(x))
		for i, p := range x {
			out[i] = render.Vec2{X: float64(p[0]), Y: float64(p[1])}
		}
		return out, true
	case []usd.Vec2d:
		out := make([]render.Vec2, len(x))
		for i, p := range x {
			out[i] = render.Vec2{X: p[0], Y: p[1]}
		}
		return out, true
	case []usd.Vec2h:
		out := make([]render.Vec2, len(x))
		for i, p := range x {
			out[i] = render.Vec2{X: float64(p[0]), Y: float64(p[1])}
		}
		return out, true
	}
	return nil, false
}

// gprim converts a Mesh or an implicit gprim; nil means nothing to render.
func (c *conv) gprim(p *usd.Prim) (*render.Mesh, error) {
	var m *render.Mesh
	var top *topology
	switch p.TypeName() {
	case "Mesh":
		var err error
		m, top, err = c.mesh(p)
		if err != nil || m == nil {
			return nil, err
		}
	case "Sphere":
		m = render.SphereMesh(c.float(p, "radius", 1), 64, 32)
	case "Cube":
		m = render.BoxMesh(c.float(p, "size", 2))
	case "Cylinder", "Cylinder_1":
		r := c.float(p, "radius", 1)
		if p.TypeName() == "Cylinder_1" {
			m = render.CylinderMesh(c.float(p, "radiusBottom", r), c.float(p, "radiusTop", r), c.float(p, "height", 2), c.token(p, "axis", "Z"), 64)
		} else {
			m = render.CylinderMesh(r, r, c.float(p, "height", 2), c.token(p, "axis", "Z"), 64)
		}
	case "Cone":
		m = render.CylinderMesh(c.float(p, "radius", 1), 0, c.float(p, "height", 2), c.token(p, "axis", "Z"), 64)
	case "Capsule":
		m = render.CapsuleMesh(c.float(p, "radius", 0.5), c.float(p, "height", 1), c.token(p, "axis", "Z"), 48, 24)
	case "Capsule_1":
		rt, rb := c.float(p, "radiusTop", 0.5), c.float(p, "radiusBottom", 0.5)
		if rt == rb {
			m = render.CapsuleMesh(rt, c.float(p, "height", 1), c.token(p, "axis", "Z"), 48, 24)
		} else {
			m = taperedCapsuleMesh(rb, rt, c.float(p, "height", 1), c.token(p, "axis", "Z"), 48, 12)
		}
	case "Plane":
		w, l := c.float(p, "width", 2), c.float(p, "length", 2)
		var ex, ey render.Vec3
		switch c.token(p, "axis", "Z") {
		// UsdGeomPlane: axis X spans length along Y and width along Z,
		// axis Y width along X and length along Z (the normal is +axis).
		case "X":
			ex, ey = render.Vec3{Y: l}, render.Vec3{Z: w}
		case "Y":
			ex, ey = render.Vec3{Z: l}, render.Vec3{X: w}
		default:
			ex, ey = render.Vec3{X: w}, render.Vec3{Y: l}
		}
		m = render.QuadMesh(ex.Add(ey).Scale(-0.5), ex, ey)
	default:
		return nil, nil
	}
	m.Name = p.Path()
	// displayColor: constant for implicit gprims, any interpolation for meshes.
	if pv, ok := c.colorPrimvar(p); ok {
		if cols, ok := toVec3s(pv.values); ok && len(cols) > 0 {
			if top != nil && pv.interp != "constant" {
				cols, idx, err := top.vec3s(pv, cols)
				if err != nil {
					c.warnf("%s: displayColor ignored: %v", p.Path(), err)
				} else {
					m.Color = make([]render.Vec3, len(idx))
					for i, k := range idx {
						m.Color[i] = cols[k]
					}
				}
			} else {
				col := cols[0]
				if pv.indices != nil && len(pv.indices) > 0 && int(pv.indices[0]) < len(cols) && pv.indices[0] >= 0 {
					col = cols[pv.indices[0]]
				}
				m.Color = make([]render.Vec3, len(m.Indices))
				for i := range m.Color {
					m.Color[i] = col
				}
			}
		}
	}
	m.Material = c.boundMaterial(p)
	if p.TypeName() != "Mesh" {
		if _, ok := usd.FindSkelBinding(p); ok {
			c.warnf("UsdSkel skinning of %s prims is not applied (e.g. %s)", p.TypeName(), p.Path())
		}
	}
	if top != nil {
		c.subsets(p, m, top)
	}
	return m, nil
}

// mesh converts a UsdGeom Mesh by fan triangulation.
func (c *conv) mesh(p *usd.Prim) (*render.Mesh, *topology, error) {
	pts := c.vec3s(p, "points")
	counts := c.ints(p, "faceVertexCounts")
	fvi := c.ints(p, "faceVertexIndices")
	if len(pts) == 0 || len(counts) == 0 {
		return nil, nil, nil
	}
	skin := c.skinPoints(p, pts)
	if res, sm := c.refine(p, pts, counts, fvi); res != nil {
		// A subdivision surface: authored normals are ignored (UsdGeomMesh),
		// the refined surface's are used.
		m, top := c.refinedMesh(p, res, sm)
		if !sm.uvDone {
			c.meshUVs(p, m, top) // constant or uniform uvs, looked up
		}
		return m, top, nil
	}
	holes := map[int32]bool{}
	for _, h := range c.ints(p, "holeIndices") {
		holes[h] = true
	}
	m := &render.Mesh{P: pts}
	// Sized once: growing three slices of a million-triangle mesh by
	// append was a third of the conversion's time. A valid mesh has fewer
	// triangles than face-vertex indices, which bounds hostile counts.
	tris := 0
	for _, n := range counts {
		if n >= 3 {
			tris += int(n) - 2
		}
	}
	tris = min(tris, len(fvi))
	top := &topology{face: make([]int32, 0, tris), corner: make([]int32, 0, 3*tris), point: make([]int32, 0, 3*tris)}
	k := int32(0)
	for f, n := range counts {
		if n < 0 || int(k)+int(n) > len(fvi) {
			return nil, nil, fmt.Errorf("%s: faceVertexCounts[%d] = %d runs past faceVertexIndices (%d)", p.Path(), f, n, len(fvi))
		}
		if n >= 3 && !holes[int32(f)] {
			for j := int32(1); j+1 < n; j++ {
				for _, cidx := range [3]int32{k, k + j, k + j + 1} {
					pi := fvi[cidx]
					if pi < 0 || int(pi) >= len(pts) {
						return nil, nil, fmt.Errorf("%s: faceVertexIndices[%d] = %d out of range [0,%d)", p.Path(), cidx, pi, len(pts))
					}
					top.corner = append(top.corner, cidx)
					top.point = append(top.point, pi)
				}
				top.face = append(top.face, int32(f))
			}
		}
		k += n
	}
	if c.token(p, "orientation", "rightHanded") == "leftHanded" {
		for i := 0; i+2 < len(top.point); i += 3 {
			top.point[i+1], top.point[i+2] = top.point[i+2], top.point[i+1]
			top.corner[i+1], top.corner[i+2] = top.corner[i+2], top.corner[i+1]
		}
	}
	m.Indices = top.point
	// Normals: primvars:normals wins over the normals attribute.
	var npv primvar
	haveN := false
	if pv, ok := c.primvar(p, "normals"); ok {
		npv, haveN = pv, true
	} else if a := p.Attribute("normals"); a != nil {
		if v, ok := c.get(p, "normals"); ok {
			npv, haveN = primvar{values: v, interp: a.Interpolation()}, true
			if npv.interp == "constant" {
				// The normals attribute's fallback interpolation is vertex.
				if _, authored := a.Metadata("interpolation"); !authored {
					npv.interp = "vertex"
				}
			}
		}
	}
	if haveN {
		if ns, ok := toVec3s(npv.values); ok && len(ns) > 0 {
			idx, err := top.corners(npv, len(ns))
			switch {
			case err != nil:
				c.warnf("%s: normals ignored: %v", p.Path(), err)
			case skin != nil:
				// Skinned per triangle corner, by the corner's point.
				per := make([]render.Vec3, len(idx))
				for i, k := range idx {
					per[i] = ns[k]
				}
				if c.skinNormals(p, skin, per, top.point, len(pts)) {
					m.N, m.NIndices = per, identityIndices(len(per))
				}
			default:
				m.N, m.NIndices = ns, idx
			}
		}
	}
	c.meshUVs(p, m, top)
	return m, top, nil
}

func identityIndices(n int) []int32 {
	out := make([]int32, n)
	for i := range out {
		out[i] = int32(i)
	}
	return out
}

// meshUVs sets the texture coordinates: the primvar named st, else the
// first of a few common names.
func (c *conv) meshUVs(p *usd.Prim, m *render.Mesh, top *topology) {
	if pv, ok := c.uvPrimvar(p); ok {
		if uv, ok := toVec2s(pv.values); ok && len(uv) > 0 {
			uv, idx, err := top.vec2s(pv, uv)
			if err != nil {
				c.warnf("%s: texture coordinates ignored: %v", p.Path(), err)
			} else {
				m.UV, m.UVIndices = uv, idx
			}
		}
	}
}

func (c *conv) uvPrimvar(p *usd.Prim) (primvar, bool) {
	for _, n := range c.uvSetNames(p) {
		if pv, ok := c.primvar(p, n); ok {
			return pv, true
		}
	}
	return primvar{}, false
}

// isInstanceProxy reports whether p lies below an instance.
func isInstanceProxy(p *usd.Prim) bool {
	for q := p.Parent(); q != nil && q.Path() != "/"; q = q.Parent() {
		if q.IsInstance() {
			return true
		}
	}
	return false
}

// meshSubset is a materialBind GeomSubset of a converted mesh: its name
// (for finding it below an instance proxy) and its triangles.
type meshSubset struct {
	name string
	tris []int
}

// subsets applies the materials of the mesh's GeomSubsets of the
// "materialBind" family, as UsdImaging does
// (UsdShadeMaterialBindingAPI::GetMaterialBindSubsets): each subset's
// material is resolved on the subset prim, so it inherits the mesh's
// binding when it has none of its own, and its purpose-specific and
// collection bindings count.
func (c *conv) subsets(p *usd.Prim, m *render.Mesh, top *topology) {
	if p.IsInstance() && !isInstanceProxy(p) {
		// An instanceable mesh's GeomSubsets are in its prototype, which
		// UsdGeomSubset::GetGeomSubsets (plain children) does not see;
		// below another instance (an instance proxy) they are seen.
		if len(p.GeomSubsets("materialBind", c.time)) > 0 {
			c.warnf("%s: GeomSubsets of an instanceable mesh are ignored (as OpenUSD's GetMaterialBindSubsets does)", p.Path())
		}
		return
	}
	var subs []meshSubset
	for _, gs := range p.GeomSubsets("materialBind", c.time) {
		if gs.ElementType != "face" {
			c.warnf("%s: GeomSubset of element type %q is not rendered with its material", gs.Prim.Path(), gs.ElementType)
			continue
		}
		faces := map[int32]bool{}
		for _, f := range gs.Indices {
			faces[f] = true
		}
		ms := meshSubset{name: gs.Prim.Name()}
		for i, f := range top.face {
			if faces[f] {
				ms.tris = append(ms.tris, i)
			}
		}
		subs = append(subs, ms)
	}
	if len(subs) == 0 {
		return
	}
	c.meshSubsets[m] = subs
	m.FaceMaterial, c.subsetFacts[m] = c.subsetMaterials(p, m, m.Material)
}

// subsetMaterials resolves the materials of m's subsets below the prim at
// (the mesh itself, or an instance proxy of it) whose own material is
// base: the per-triangle materials (nil when every triangle has base) and
// the facts.
func (c *conv) subsetMaterials(at *usd.Prim, m *render.Mesh, base int) ([]int32, []SubsetFacts) {
	var face []int32
	var facts []SubsetFacts
	for _, ms := range c.meshSubsets[m] {
		sp := c.st.PrimAtPath(at.Path() + "/" + ms.name)
		if sp == nil {
			continue
		}
		mat := c.boundMaterial(sp)
		if c.facts != nil {
			facts = append(facts, SubsetFacts{Name: ms.name, Material: bindingFacts(sp, "full").Material})
		}
		if mat == base && face == nil {
			continue
		}
		if face == nil {
			face = make([]int32, m.NumTriangles())
			for i := range face {
				face[i] = int32(base)
			}
		}
		for _, t := range ms.tris {
			face[t] = int32(mat)
		}
	}
	return face, facts
}

// taperedCapsuleMesh tessellates a UsdGeomCapsule_1 whose radii differ, as
// OpenUSD shapes it: a cone from radius rb at −h/2 to rt at +h/2 along the
// axis, closed by two sphere caps tangent to it. With t = (rb−rt)/h the
// bottom cap's sphere has radius rb·√(1+t²) and centre −h/2 − rb·t, the top
// one rt·√(1+t²) and centre h/2 − rt·t (so the larger cap is more than a
// half sphere). Rings sit at the poles, the tangent circles and the
// equator of a cap that reaches it, so the box of the vertices is the
// box of the surface.
func taperedCapsuleMesh(rb, rt, h float64, axis string, nu, nv int) *render.Mesh {
	t := (rb - rt) / h
	k := math.Sqrt(1 + t*t)
	type ring struct{ r, z, nr, nz float64 }
	var rings []ring
	// capRings adds the rings of a cap from its pole to its tangent circle
	// (polar angle from the pole in [0, end]), with the equator if covered.
	capRings := func(center, radius, end, dir float64, reverse bool) []ring {
		var angles []float64
		for j := 0; j <= nv; j++ {
			angles = append(angles, end*float64(j)/float64(nv))
		}
		if end > math.Pi/2 {
			angles = append(angles, math.Pi/2)
			sort.Float64s(angles)
		}
		var out []ring
		for _, a := range angles {
			s, c := math.Sincos(a)
			out = append(out, ring{radius * s, center + dir*radius*c, s, dir * c})
		}
		if reverse {
			for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
				out[i], out[j] = out[j], out[i]
			}
		}
		return out
	}
	rB, cB := rb*k, -h/2-rb*t
	rT, cT := rt*k, h/2-rt*t
	// Bottom cap: pole at cB − rB (dir −1), tangent ring at −h/2.
	endB := math.Acos(math.Max(-1, math.Min(1, (cB+h/2)/rB)))
	endT := math.Acos(math.Max(-1, math.Min(1, (h/2-cT)/rT)))
	rings = append(rings, capRings(cB, rB, endB, -1, false)...)
	top := capRings(cT, rT, endT, 1, true)
	rings = append(rings, top...)
	m := &render.Mesh{Name: "capsule"}
	frame := func(a, b, w float64) render.Vec3 {
		switch axis {
		case "X":
			return render.Vec3{X: w, Y: a, Z: b}
		case "Y":
			return render.Vec3{X: b, Y: w, Z: a}
		}
		return render.Vec3{X: a, Y: b, Z: w}
	}
	for _, rg := range rings {
		for i := 0; i <= nu; i++ {
			s, c := math.Sincos(2 * math.Pi * float64(i) / float64(nu))
			if i%(nu/4) == 0 { // exact axis directions, for an exact box
				s, c = [4]float64{0, 1, 0, -1}[i/(nu/4)%4], [4]float64{1, 0, -1, 0}[i/(nu/4)%4]
			}
			m.P = append(m.P, frame(rg.r*c, rg.r*s, rg.z))
			m.N = append(m.N, frame(rg.nr*c, rg.nr*s, rg.nz))
		}
	}
	row := int32(nu + 1)
	for j := 0; j+1 < len(rings); j++ {
		for i := 0; i < nu; i++ {
			a := int32(j)*row + int32(i)
			// From the bottom pole upwards: counter-clockwise seen from outside.
			m.Indices = append(m.Indices, a, a+1, a+row, a+1, a+row+1, a+row)
		}
	}
	m.NIndices = m.Indices
	return m
}

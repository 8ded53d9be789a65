package render

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Instance places a mesh in the world.
type Instance struct {
	Mesh      int    // index into Scene.Meshes
	Transform Matrix // object to world, row-vector convention
	// Material overrides the mesh's materials when Override is set.
	Material int
	Override bool
}

// Scene is everything the integrator needs. Fill the exported fields, then
// call Build once; a built scene is read-only and safe for concurrent use.
type Scene struct {
	Meshes    []*Mesh
	Instances []Instance
	Materials []*Material
	Lights    []Light
	Camera    Camera
	// Warnings lists what the scene source had that is not rendered.
	Warnings []string

	blas      []*blas
	inst      []builtInstance
	top       *wide
	BuildTime time.Duration // wall time of the BVH build
	built     bool
	// seeThrough is set when some material is not fully opaque: shadow
	// rays then look at what they hit instead of stopping at the first
	// surface.
	seeThrough bool
	// lightSel picks lights for next-event estimation by power.
	lightSel *lightSelector
}

type builtInstance struct {
	bl       *blas
	xf, inv  Matrix
	identity bool
	material int
}

// Hit is the nearest intersection of a ray with the geometry.
type Hit struct {
	T    float64
	Inst int32
	Prim int32 // index into the BLAS leaf order
	U, V float64
}

// Build validates the scene and builds the two-level BVH: one BLAS per mesh
// and a top level over the instances.
func (s *Scene) Build() error {
	if s.built {
		return errors.New("scene already built")
	}
	start := time.Now()
	if len(s.Materials) == 0 {
		s.Materials = []*Material{DefaultMaterial()}
	}
	uses := make([]int, len(s.Meshes))
	for _, in := range s.Instances {
		if in.Mesh < 0 || in.Mesh >= len(s.Meshes) {
			return fmt.Errorf("instance of mesh %d: only %d meshes", in.Mesh, len(s.Meshes))
		}
		uses[in.Mesh]++
	}
	for _, m := range s.Meshes {
		if err := m.Validate(); err != nil {
			return err
		}
		if m.Material < 0 || m.Material >= len(s.Materials) {
			return fmt.Errorf("mesh %s: material %d out of range", m.Name, m.Material)
		}
		for _, fm := range m.FaceMaterial {
			if fm < 0 || int(fm) >= len(s.Materials) {
				return fmt.Errorf("mesh %s: face material %d out of range", m.Name, fm)
			}
		}
	}
	// Meshes used by one instance are baked into world space and share a
	// single BLAS: one good tree over the static scene instead of a top
	// level of overlapping boxes and a transform per instance visit. Only
	// meshes used several times stay instanced (two-level).
	var baked []*Mesh
	var bakedMat []int // material override per baked mesh, −1 for none
	s.blas = make([]*blas, len(s.Meshes))
	var boxes []AABB
	for _, in := range s.Instances {
		m := s.Meshes[in.Mesh]
		if m.NumTriangles() == 0 {
			continue
		}
		inv, ok := in.Transform.Inverse()
		if !ok {
			s.Warnings = append(s.Warnings, fmt.Sprintf("mesh %s: singular transform, instance skipped", m.Name))
			continue
		}
		mat := -1
		if in.Override {
			if in.Material < 0 || in.Material >= len(s.Materials) {
				return fmt.Errorf("instance of mesh %s: material %d out of range", m.Name, in.Material)
			}
			mat = in.Material
		}
		if uses[in.Mesh] == 1 {
			bm := m
			if in.Transform != Identity {
				bm = bake(m, &in.Transform, &inv)
			}
			if mat >= 0 {
				c := *bm
				c.Material, c.FaceMaterial = mat, nil
				bm = &c
			}
			baked = append(baked, bm)
			bakedMat = append(bakedMat, mat)
			continue
		}
		if s.blas[in.Mesh] == nil {
			s.blas[in.Mesh] = newBLAS(m)
		}
		bl := s.blas[in.Mesh]
		s.inst = append(s.inst, builtInstance{bl: bl, xf: in.Transform, inv: inv, identity: in.Transform == Identity, material: mat})
		boxes = append(boxes, bl.bound.Transform(&in.Transform))
	}
	if len(baked) > 0 {
		bl := newBLAS(baked...)
		s.inst = append(s.inst, builtInstance{bl: bl, xf: Identity, inv: Identity, identity: true, material: -1})
		boxes = append(boxes, bl.bound)
	}
	s.top = buildBVH(boxes)
	for _, m := range s.Materials {
		if !m.opaque() {
			s.seeThrough = true
		}
	}
	for _, l := range s.Lights {
		l.prepare(s)
	}
	b := s.Bounds()
	s.lightSel = newLightSelector(s.Lights, b.Hi.Sub(b.Lo).Len()/2, false)
	s.BuildTime = time.Since(start)
	s.built = true
	return nil
}

// NumTriangles counts triangles over all instances.
func (s *Scene) NumTriangles() int {
	n := 0
	for _, in := range s.inst {
		n += in.bl.numTris()
	}
	return n
}

// Bounds returns the world box of the geometry.
func (s *Scene) Bounds() AABB {
	if s.top == nil || len(s.inst) == 0 {
		return AABB{}
	}
	b := s.top.box
	return AABB{
		Vec3{float64(b.lo[0]), float64(b.lo[1]), float64(b.lo[2])},
		Vec3{float64(b.hi[0]), float64(b.hi[1]), float64(b.hi[2])},
	}
}

func invDir(d Vec3) Vec3 { return Vec3{1 / d.X, 1 / d.Y, 1 / d.Z} }

// Intersect finds the nearest hit along r closer than tMax.
func (s *Scene) Intersect(r Ray, tMax float64, h *Hit) bool {
	if len(s.inst) == 0 {
		return false
	}
	if len(s.inst) == 1 && s.inst[0].identity {
		// Everything baked into one tree: skip the top level.
		if s.inst[0].bl.intersect(r.O, r.D, &tMax, h) {
			h.Inst, h.T = 0, tMax
			return true
		}
		return false
	}
	if s.top.traverseInst(s, r, &tMax, h) {
		h.T = tMax
		return true
	}
	return false
}

// intersect traverses one BLAS in object space, shrinking *tMax on hits.
func (b *blas) intersect(o, d Vec3, tMax *float64, h *Hit) bool {
	return b.bvh.traverseTris(b, o, d, tMax, h)
}

// Occluded reports whether anything blocks r before tMax.
func (s *Scene) Occluded(r Ray, tMax float64) bool {
	if len(s.inst) == 0 {
		return false
	}
	if len(s.inst) == 1 && s.inst[0].identity {
		return s.inst[0].bl.occluded(r.O, r.D, tMax)
	}
	return s.top.anyInst(s, r, tMax)
}

func (b *blas) occluded(o, d Vec3, tMax float64) bool {
	return b.bvh.anyTri(b, o, d, tMax)
}

// SurfaceInteraction is what shading needs to know about a hit point.
type SurfaceInteraction struct {
	P     Vec3 // world position
	Ng    Vec3 // geometric normal, unit, world
	Ns    Vec3 // shading normal, unit, world, same side as Ng
	UV    Vec2
	Color Vec3 // displayColor, or (-1,-1,-1) when the mesh has none
	Mat   *Material
	matID int // Mat's index in Scene.Materials (set by Interaction)
}

// Interaction fills si for hit h of ray r.
func (s *Scene) Interaction(r Ray, h *Hit, si *SurfaceInteraction) {
	in := &s.inst[h.Inst]
	bl := in.bl
	m := bl.meshes[0]
	if bl.primMesh != nil {
		m = bl.meshes[bl.primMesh[h.Prim]]
	}
	tv := bl.triAt(h.Prim)
	t := &tv
	// The triangle's index in its mesh is read only by what needs it (uv,
	// displayColor, per-face materials): one array fewer, and often one
	// cache miss fewer, a hit on meshes without them.
	id := -1
	if m.UV != nil || m.Color != nil || m.FaceMaterial != nil {
		id = int(bl.prim[h.Prim])
	}
	w := 1 - h.U - h.V
	pObj := t.v0.AddScaled(t.e1, h.U).AddScaled(t.e2, h.V)
	ng := t.e1.Cross(t.e2)
	ns := ng
	if bl.nrm != nil {
		// The slot's corner normals (zero for a mesh without normals,
		// whose shading normal then falls back to ng below).
		c := (*[9]float32)(bl.nrm[9*int(h.Prim):])
		n0 := Vec3{float64(c[0]), float64(c[1]), float64(c[2])}
		n1 := Vec3{float64(c[3]), float64(c[4]), float64(c[5])}
		n2 := Vec3{float64(c[6]), float64(c[7]), float64(c[8])}
		ns = n0.Scale(w).AddScaled(n1, h.U).AddScaled(n2, h.V)
	}
	if in.identity {
		si.P = pObj
	} else {
		si.P = in.xf.Point(pObj)
		ng = in.inv.Normal(ng)
		ns = in.inv.Normal(ns)
	}
	si.Ng = ng.Norm()
	si.Ns = ns.Norm()
	if si.Ns.IsBlack() {
		si.Ns = si.Ng
	}
	if si.Ns.Dot(si.Ng) < 0 {
		si.Ng = si.Ng.Neg()
	}
	if m.UV != nil {
		a, b, c := m.UV[m.UVIndices[3*id]], m.UV[m.UVIndices[3*id+1]], m.UV[m.UVIndices[3*id+2]]
		si.UV = Vec2{a.X*w + b.X*h.U + c.X*h.V, a.Y*w + b.Y*h.U + c.Y*h.V}
	} else {
		si.UV = Vec2{h.U, h.V}
	}
	if m.Color != nil {
		si.Color = m.Color[3*id].Scale(w).AddScaled(m.Color[3*id+1], h.U).AddScaled(m.Color[3*id+2], h.V)
	} else {
		si.Color = Vec3{-1, -1, -1}
	}
	mat := m.Material
	if m.FaceMaterial != nil {
		mat = int(m.FaceMaterial[id])
	}
	if in.material >= 0 {
		mat = in.material
	}
	si.Mat = s.Materials[mat]
	si.matID = mat
	if si.Mat.Normal != nil && m.UV != nil {
		s.perturbNormal(si, in, t, m, id)
	}
}

// perturbNormal bends si.Ns by the material's tangent-space normal. The
// tangent is ∂p/∂u of the triangle (as pbrt derives it from the uv
// deltas), made orthogonal to the shading normal; the bitangent follows
// ∂p/∂v. A degenerate uv mapping or a normal that would face away from
// the geometric one leaves the shading normal as it is.
func (s *Scene) perturbNormal(si *SurfaceInteraction, in *builtInstance, t *tri, m *Mesh, id int) {
	a, b, c := m.UV[m.UVIndices[3*id]], m.UV[m.UVIndices[3*id+1]], m.UV[m.UVIndices[3*id+2]]
	du1, dv1 := b.X-a.X, b.Y-a.Y
	du2, dv2 := c.X-a.X, c.Y-a.Y
	det := du1*dv2 - dv1*du2
	if math.Abs(det) < 1e-20 {
		return
	}
	dpdu := t.e1.Scale(dv2 / det).Sub(t.e2.Scale(dv1 / det))
	dpdv := t.e2.Scale(du1 / det).Sub(t.e1.Scale(du2 / det))
	if !in.identity {
		dpdu, dpdv = in.xf.Dir(dpdu), in.xf.Dir(dpdv)
	}
	ns := si.Ns
	tg := dpdu.Sub(ns.Scale(ns.Dot(dpdu))).Norm()
	if tg.IsBlack() || math.IsNaN(tg.X) {
		return
	}
	bt := ns.Cross(tg)
	if bt.Dot(dpdv) < 0 {
		bt = bt.Neg()
	}
	v := si.Mat.Normal.Eval(si)
	n := tg.Scale(v.X).Add(bt.Scale(v.Y)).Add(ns.Scale(v.Z)).Norm()
	if math.IsNaN(n.X) || n.Dot(si.Ng) <= 0 {
		return
	}
	si.Ns = n
}

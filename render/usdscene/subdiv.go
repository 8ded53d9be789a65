package usdscene

import (
	"fmt"

	"github.com/rgallery/rgallery/render"
	"github.com/rgallery/rgallery/render/subdiv"
	"github.com/rgallery/rgallery/usd"
)

// DefaultSubdivLevel is the refinement level of the renderers' subdivLevel
// option (usdview's "high" complexity refines twice). Options.SubdivLevel 0
// renders control meshes.
const DefaultSubdivLevel = 2

// Refinement budget: a mesh refines to at most maxSubdivFaces faces and
// the scene to at most subdivBudget refined faces in all; above that the
// level is lowered (to the control mesh at worst) with a warning, so a
// big scene's load time and memory stay bounded: 2 Mi refined faces are
// about 4 M triangles and 0.5 GB built (a production set such as the
// OpenChessSet, 1.4 M control triangles, made 23 M triangles, 3.5 GB and
// 42 s of load at level 2 with a budget four times this).
const (
	maxSubdivFaces = 1 << 20
	subdivBudget   = 2 << 20
)

// subdivOptions reads the mesh's subdivision tags (UsdGeomMesh schema
// fallbacks: catmullClark, edgeAndCorner, cornersPlus1); ok is false for
// subdivisionScheme "none".
func (c *conv) subdivOptions(p *usd.Prim) (subdiv.Options, bool) {
	var o subdiv.Options
	switch s := c.token(p, "subdivisionScheme", "catmullClark"); s {
	case "none":
		return o, false
	case "catmullClark":
		o.Scheme = subdiv.CatmullClark
	case "loop":
		o.Scheme = subdiv.Loop
	case "bilinear":
		o.Scheme = subdiv.Bilinear
	default:
		c.warnf("subdivisionScheme %q is unknown; refined as catmullClark (e.g. %s)", s, p.Path())
	}
	switch b := c.token(p, "interpolateBoundary", "edgeAndCorner"); b {
	case "edgeAndCorner":
	case "edgeOnly":
		o.Boundary = subdiv.BoundaryEdgeOnly
	case "none":
		o.Boundary = subdiv.BoundaryNone
	default:
		c.warnf("interpolateBoundary %q is unknown; edgeAndCorner used (e.g. %s)", b, p.Path())
	}
	switch f := c.token(p, "faceVaryingLinearInterpolation", "cornersPlus1"); f {
	case "cornersPlus1":
	case "cornersOnly":
		o.FVar = subdiv.FVarCornersOnly
	case "cornersPlus2":
		o.FVar = subdiv.FVarCornersPlus2
	case "none":
		o.FVar = subdiv.FVarNone
	case "boundaries":
		o.FVar = subdiv.FVarBoundaries
	case "all":
		o.FVar = subdiv.FVarAll
	default:
		c.warnf("faceVaryingLinearInterpolation %q is unknown; cornersPlus1 used (e.g. %s)", f, p.Path())
	}
	if r := c.token(p, "triangleSubdivisionRule", "catmullClark"); r != "catmullClark" {
		c.warnf("triangleSubdivisionRule %q is not supported; catmullClark used (e.g. %s)", r, p.Path())
	}
	o.Limit = true
	return o, true
}

// subdivMesh is a refined mesh's state that primvars need after the
// refinement: the control mesh and options to refine another channel with,
// and, per triangle corner of the render mesh, the refined face-vertex.
type subdivMesh struct {
	ctrl *subdiv.Mesh
	opt  subdiv.Options
	// uv is the refined texture coordinate primvar when it was refined
	// with the surface; uvDone says the uvs need no further work.
	uv     *subdiv.RefinedChannel
	uvDone bool
}

// refine refines the control mesh of p (points in its local space, after
// skinning) when its scheme asks for it and the level is above 0. It
// returns nil to keep the control mesh: scheme none, level 0, or a mesh the
// refiner cannot take (warned, naming the prim).
func (c *conv) refine(p *usd.Prim, pts []render.Vec3, counts, fvi []int32) (*subdiv.Result, *subdivMesh) {
	if c.subdivLevel <= 0 {
		return nil, nil
	}
	opt, ok := c.subdivOptions(p)
	if !ok {
		return nil, nil
	}
	opt.Level = c.subdivLevel
	for opt.Level > 0 && subdiv.FaceCount(counts, opt.Scheme, opt.Level) > min(maxSubdivFaces, subdivBudget-c.subdivFaces) {
		opt.Level--
	}
	if opt.Level < c.subdivLevel {
		c.warnf("subdivision capped: %s refined to level %d instead of %d (%d control faces; at most %d refined faces per mesh, %d per scene)",
			p.Path(), opt.Level, c.subdivLevel, len(counts), maxSubdivFaces, subdivBudget)
		if opt.Level == 0 {
			return nil, nil
		}
	}
	m := &subdiv.Mesh{Points: make([][3]float64, len(pts)), Counts: counts, Indices: fvi}
	for i, q := range pts {
		m.Points[i] = [3]float64{q.X, q.Y, q.Z}
	}
	ci := c.ints(p, "creaseIndices")
	cl := c.ints(p, "creaseLengths")
	cs := c.floats(p, "creaseSharpnesses")
	k := 0
	for i, n := range cl {
		// One sharpness per crease, or one per crease edge.
		perEdge := len(cs) != len(cl)
		for j := 0; j+1 < int(n) && k+j+1 < len(ci); j++ {
			s := 0.0
			switch {
			case !perEdge && i < len(cs):
				s = cs[i]
			case perEdge && len(cs) > 0:
				e := 0
				for _, m := range cl[:i] {
					e += int(m) - 1
				}
				if e+j < len(cs) {
					s = cs[e+j]
				}
			}
			m.Creases = append(m.Creases, subdiv.Crease{V0: ci[k+j], V1: ci[k+j+1], Sharpness: s})
		}
		k += int(n)
	}
	if k != len(ci) {
		c.warnf("%s: creaseLengths sum to %d but there are %d creaseIndices; creases partly ignored", p.Path(), k, len(ci))
	}
	corners, cornerS := c.ints(p, "cornerIndices"), c.floats(p, "cornerSharpnesses")
	for i, v := range corners {
		if i < len(cornerS) {
			m.Corners = append(m.Corners, subdiv.Corner{V: v, Sharpness: cornerS[i]})
		}
	}
	m.Holes = c.ints(p, "holeIndices")
	// The texture coordinates refine with the surface (one pass, not two).
	var chans []subdiv.Channel
	uvInterp := ""
	if pv, ok := c.uvPrimvar(p); ok && pv.interp != "constant" && pv.interp != "uniform" {
		if uv, ok := toVec2s(pv.values); ok && len(uv) > 0 {
			flat := make([]float64, 0, 2*len(uv))
			for _, v := range uv {
				flat = append(flat, v.X, v.Y)
			}
			if ch, err := channelFor(pv, flat, 2, m); err != nil {
				c.warnf("%s: texture coordinates ignored: %v", p.Path(), err)
				uvInterp = "ignored"
			} else {
				chans, uvInterp = append(chans, ch), pv.interp
			}
		}
	}
	res, err := subdiv.Refine(m, chans, opt)
	if err != nil {
		c.warnf("subdivision of %s failed (%v): its control mesh is rendered", p.Path(), err)
		return nil, nil
	}
	c.subdivFaces += len(res.Counts)
	sm := &subdivMesh{ctrl: m, opt: opt, uvDone: uvInterp != ""}
	if len(res.Channels) > 0 {
		sm.uv = &res.Channels[0]
	}
	return res, sm
}

// refinedMesh builds the render mesh of a refined surface: fan-triangulated
// quads (triangles for Loop), the refined normals, and a topology whose
// faces are the control faces (for GeomSubsets and uniform primvars).
func (c *conv) refinedMesh(p *usd.Prim, res *subdiv.Result, sm *subdivMesh) (*render.Mesh, *topology) {
	m := &render.Mesh{P: make([]render.Vec3, len(res.Points))}
	for i, q := range res.Points {
		m.P[i] = render.Vec3{X: q[0], Y: q[1], Z: q[2]}
	}
	top := &topology{sub: sm}
	k := int32(0)
	for f, n := range res.Counts {
		for j := int32(1); j+1 < n; j++ {
			for _, ci := range [3]int32{k, k + j, k + j + 1} {
				top.corner = append(top.corner, ci)
				top.point = append(top.point, res.Indices[ci])
			}
			top.face = append(top.face, res.Face[f])
		}
		k += n
	}
	left := c.token(p, "orientation", "rightHanded") == "leftHanded"
	if left {
		for i := 0; i+2 < len(top.point); i += 3 {
			top.point[i+1], top.point[i+2] = top.point[i+2], top.point[i+1]
			top.corner[i+1], top.corner[i+2] = top.corner[i+2], top.corner[i+1]
		}
	}
	m.Indices = top.point
	// The normals follow the refined faces' winding; a left-handed mesh's
	// front is the other side.
	sign := 1.0
	if left {
		sign = -1
	}
	m.N = make([]render.Vec3, len(res.Normals))
	for i, n := range res.Normals {
		m.N[i] = render.Vec3{X: sign * n[0], Y: sign * n[1], Z: sign * n[2]}
	}
	m.NIndices = make([]int32, len(top.corner))
	for i, ci := range top.corner {
		m.NIndices[i] = res.NormalIndices[ci]
	}
	top.refinedCorners = len(res.Indices)
	if uv := sm.uv; uv != nil {
		m.UV = make([]render.Vec2, len(uv.Values)/2)
		for i := range m.UV {
			m.UV[i] = render.Vec2{X: uv.Values[2*i], Y: uv.Values[2*i+1]}
		}
		m.UVIndices = make([]int32, len(top.corner))
		for i, ci := range top.corner {
			m.UVIndices[i] = uv.Indices[ci]
		}
	}
	return m, top
}

// refinePrimvar refines a vertex, varying or faceVarying primvar of dim
// floats per value (flat) over a subdivided mesh, returning the refined
// values and one index per triangle corner.
func (t *topology) refinePrimvar(pv primvar, flat []float64, dim int) ([]float64, []int32, error) {
	sm := t.sub
	ch, err := channelFor(pv, flat, dim, sm.ctrl)
	if err != nil {
		return nil, nil, err
	}
	opt := sm.opt
	opt.NoNormals = true
	res, err := subdiv.Refine(sm.ctrl, []subdiv.Channel{ch}, opt)
	if err != nil {
		return nil, nil, err
	}
	rc := res.Channels[0]
	if len(rc.Indices) != t.refinedCorners {
		return nil, nil, fmt.Errorf("refined primvar has %d face-vertices, the mesh %d", len(rc.Indices), t.refinedCorners)
	}
	idx := make([]int32, len(t.corner))
	for i, ci := range t.corner {
		idx[i] = rc.Indices[ci]
	}
	return rc.Values, idx, nil
}

// channelFor makes a subdiv channel of a vertex, varying or faceVarying
// primvar (dim floats per value in flat) on the control mesh ctrl.
func channelFor(pv primvar, flat []float64, dim int, ctrl *subdiv.Mesh) (subdiv.Channel, error) {
	n := len(flat) / dim
	ch := subdiv.Channel{Dim: dim}
	switch pv.interp {
	case "vertex", "varying":
		ch.Interp = subdiv.Vertex
		if pv.interp == "varying" {
			ch.Interp = subdiv.Varying
		}
		np := len(ctrl.Points)
		ch.Values = make([]float64, np*dim)
		for i := 0; i < np; i++ {
			k := int32(i)
			if pv.indices != nil {
				if i >= len(pv.indices) {
					return ch, fmt.Errorf("%s primvar has %d indices for %d points", pv.interp, len(pv.indices), np)
				}
				k = pv.indices[i]
			}
			if k < 0 || int(k) >= n {
				return ch, fmt.Errorf("%s primvar value index %d out of range [0,%d)", pv.interp, k, n)
			}
			copy(ch.Values[i*dim:(i+1)*dim], flat[int(k)*dim:int(k+1)*dim])
		}
	case "faceVarying":
		ch.Interp = subdiv.FaceVarying
		ch.Values = flat
		nc := len(ctrl.Indices)
		ch.Indices = make([]int32, nc)
		for i := range ch.Indices {
			k := int32(i)
			if pv.indices != nil {
				if i >= len(pv.indices) {
					return ch, fmt.Errorf("faceVarying primvar has %d indices for %d face-vertices", len(pv.indices), nc)
				}
				k = pv.indices[i]
			}
			if k < 0 || int(k) >= n {
				return ch, fmt.Errorf("faceVarying primvar value index %d out of range [0,%d)", k, n)
			}
			ch.Indices[i] = k
		}
	default:
		return ch, fmt.Errorf("%s primvar cannot be refined", pv.interp)
	}
	return ch, nil
}

func (c *conv) floats(p *usd.Prim, name string) []float64 {
	a := p.Attribute(name)
	if a == nil {
		return nil
	}
	v, ok := a.FloatArray(c.time)
	if !ok {
		return nil
	}
	out := make([]float64, len(v))
	for i, f := range v {
		out[i] = float64(f)
	}
	return out
}

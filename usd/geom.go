package usd

import "strings"

// Primvar is a composed primvar: its values, optional indices, and how
// they map onto the geometry.
type Primvar struct {
	Name          string // without the "primvars:" prefix
	TypeName      string
	Values        any     // a typed slice ([]Vec3f, []Vec2f, []float32...) or a scalar for constant primvars
	Indices       []int32 // nil when not indexed
	Interpolation string  // constant, uniform, varying, vertex, faceVarying
	ElementSize   int
}

// Primvar returns the primvar name ("st", "displayColor", with or without
// the "primvars:" prefix) at time t.
func (p *Prim) Primvar(name string, t TimeCode) (Primvar, bool) {
	name = strings.TrimPrefix(name, "primvars:")
	a := p.Attribute("primvars:" + name)
	if a == nil {
		return Primvar{}, false
	}
	v, ok := a.Get(t)
	if !ok {
		return Primvar{}, false
	}
	pv := Primvar{Name: name, TypeName: a.TypeName(), Values: v, Interpolation: a.Interpolation(), ElementSize: 1}
	if es, ok := a.Metadata("elementSize"); ok {
		if f, ok := toFloat64(es); ok && f >= 1 {
			pv.ElementSize = int(f)
		}
	}
	if ia := p.Attribute("primvars:" + name + ":indices"); ia != nil {
		if idx, ok := ia.IntArray(t); ok {
			pv.Indices = idx
		}
	}
	return pv, true
}

// InheritedPrimvar returns the primvar from the prim, or else the nearest
// ancestor's constant-interpolation primvar of that name, as UsdGeom's
// primvar inheritance does (e.g. a displayColor on a group).
func (p *Prim) InheritedPrimvar(name string, t TimeCode) (Primvar, bool) {
	if pv, ok := p.Primvar(name, t); ok {
		return pv, true
	}
	for q := p.parent; q != nil && q.path != "/"; q = q.parent {
		if pv, ok := q.Primvar(name, t); ok && pv.Interpolation == "constant" {
			return pv, true
		}
	}
	return Primvar{}, false
}

// Primvars returns the names of the prim's authored primvars.
func (p *Prim) Primvars() []string {
	var out []string
	for _, n := range p.PropertyNames() {
		if strings.HasPrefix(n, "primvars:") && !strings.HasSuffix(n, ":indices") {
			out = append(out, strings.TrimPrefix(n, "primvars:"))
		}
	}
	return out
}

// Flatten expands an indexed primvar into one value per element; a primvar
// without indices is returned as is.
func (pv Primvar) Flatten() any {
	if pv.Indices == nil {
		return pv.Values
	}
	switch v := pv.Values.(type) {
	case []Vec3f:
		return flattenIdx(v, pv.Indices, pv.ElementSize)
	case []Vec2f:
		return flattenIdx(v, pv.Indices, pv.ElementSize)
	case []float32:
		return flattenIdx(v, pv.Indices, pv.ElementSize)
	case []Vec4f:
		return flattenIdx(v, pv.Indices, pv.ElementSize)
	case []Vec2d:
		return flattenIdx(v, pv.Indices, pv.ElementSize)
	case []Vec3d:
		return flattenIdx(v, pv.Indices, pv.ElementSize)
	case []float64:
		return flattenIdx(v, pv.Indices, pv.ElementSize)
	case []int32:
		return flattenIdx(v, pv.Indices, pv.ElementSize)
	}
	return pv.Values
}

func flattenIdx[T any](vals []T, idx []int32, es int) []T {
	if es < 1 {
		es = 1
	}
	out := make([]T, 0, len(idx)*es)
	var zero T
	for _, i := range idx {
		for k := 0; k < es; k++ {
			j := int(i)*es + k
			if i < 0 || j >= len(vals) {
				out = append(out, zero)
				continue
			}
			out = append(out, vals[j])
		}
	}
	return out
}

// Mesh is the data of a UsdGeomMesh at one time.
type Mesh struct {
	Points            []Vec3f
	FaceVertexCounts  []int32
	FaceVertexIndices []int32
	Normals           []Vec3f // "normals" attribute, or primvars:normals
	NormalsInterp     string
	SubdivisionScheme string // fallback catmullClark
	Orientation       string // rightHanded or leftHanded
	DoubleSided       bool
	Extent            []Vec3f
}

// Mesh reads the mesh attributes of the prim at time t. ok is false when
// the prim has no points.
func (p *Prim) Mesh(t TimeCode) (Mesh, bool) {
	var m Mesh
	var ok bool
	if a := p.Attribute("points"); a != nil {
		m.Points, ok = a.Vec3fArray(t)
	}
	if a := p.Attribute("faceVertexCounts"); a != nil {
		m.FaceVertexCounts, _ = a.IntArray(t)
	}
	if a := p.Attribute("faceVertexIndices"); a != nil {
		m.FaceVertexIndices, _ = a.IntArray(t)
	}
	if pv, has := p.Primvar("normals", t); has {
		if n, ok := pv.Flatten().([]Vec3f); ok {
			m.Normals = n
			m.NormalsInterp = pv.Interpolation
			if pv.Indices != nil && m.NormalsInterp != "faceVarying" {
				// An indexed primvar flattened per index is per face-vertex
				// only when authored faceVarying; keep its interpolation.
			}
		}
	} else if a := p.Attribute("normals"); a != nil {
		m.Normals, _ = a.Vec3fArray(t)
		m.NormalsInterp = a.Interpolation()
		if m.NormalsInterp == "constant" {
			if _, set := a.Metadata("interpolation"); !set {
				m.NormalsInterp = "vertex" // the schema's fallback for normals
			}
		}
	}
	m.SubdivisionScheme, _ = p.Attribute("subdivisionScheme").Token(t)
	m.Orientation, _ = p.Attribute("orientation").Token(t)
	m.DoubleSided, _ = p.Attribute("doubleSided").Bool(t)
	if a := p.Attribute("extent"); a != nil {
		m.Extent, _ = a.Vec3fArray(t)
	}
	return m, ok
}

// Camera is a UsdGeomCamera at one time; lengths in the units of the
// schema (apertures and focal length in tenths of scene units, i.e. mm
// when the scene is in cm, as OpenUSD defines them).
type Camera struct {
	Projection                string
	FocalLength               float64
	HorizontalAperture        float64
	VerticalAperture          float64
	HorizontalApertureOffset  float64
	VerticalApertureOffset    float64
	ClippingRange             [2]float64
	FStop                     float64
	FocusDistance             float64
	ShutterOpen, ShutterClose float64
	Exposure                  float64
	Transform                 Matrix4d // camera to world
}

// Camera reads the camera attributes (with schema fallbacks) at time t.
func (p *Prim) Camera(t TimeCode) Camera {
	f := func(n string) float64 {
		a := p.Attribute(n)
		if a == nil {
			return 0
		}
		v, _ := a.Float(t)
		return v
	}
	c := Camera{
		FocalLength: f("focalLength"), HorizontalAperture: f("horizontalAperture"), VerticalAperture: f("verticalAperture"),
		HorizontalApertureOffset: f("horizontalApertureOffset"), VerticalApertureOffset: f("verticalApertureOffset"),
		FStop: f("fStop"), FocusDistance: f("focusDistance"), ShutterOpen: f("shutter:open"), ShutterClose: f("shutter:close"),
		Exposure: f("exposure"), Transform: p.LocalToWorld(t),
	}
	if a := p.Attribute("projection"); a != nil {
		c.Projection, _ = a.Token(t)
	}
	if a := p.Attribute("clippingRange"); a != nil {
		if v, ok := a.Get(t); ok {
			switch r := v.(type) {
			case Vec2f:
				c.ClippingRange = [2]float64{float64(r[0]), float64(r[1])}
			case Vec2d:
				c.ClippingRange = [2]float64{r[0], r[1]}
			}
		}
	}
	return c
}

// PointInstancer is the data of a UsdGeomPointInstancer at one time.
type PointInstancer struct {
	Prototypes    []string // prototype prim paths, indexed by ProtoIndices
	ProtoIndices  []int32
	Positions     []Vec3f
	Orientations  []Quath // as authored (quath[]); see OrientationsF for quatf
	OrientationsF []Quatf
	Scales        []Vec3f
	InvisibleIDs  []int64
}

// PointInstancer reads the instancer attributes at time t.
func (p *Prim) PointInstancer(t TimeCode) PointInstancer {
	var pi PointInstancer
	if r := p.Relationship("prototypes"); r != nil {
		pi.Prototypes = r.Targets()
	}
	if a := p.Attribute("protoIndices"); a != nil {
		pi.ProtoIndices, _ = a.IntArray(t)
	}
	if a := p.Attribute("positions"); a != nil {
		pi.Positions, _ = a.Vec3fArray(t)
	}
	if a := p.Attribute("scales"); a != nil {
		pi.Scales, _ = a.Vec3fArray(t)
	}
	if a := p.Attribute("orientations"); a != nil {
		if v, ok := a.Get(t); ok {
			switch q := v.(type) {
			case []Quath:
				pi.Orientations = q
				pi.OrientationsF = make([]Quatf, len(q))
				for i, x := range q {
					pi.OrientationsF[i] = Quatf{Real: float32(x.Real), Imag: Vec3f{float32(x.Imag[0]), float32(x.Imag[1]), float32(x.Imag[2])}}
				}
			case []Quatf:
				pi.OrientationsF = q
			}
		}
	}
	if a := p.Attribute("invisibleIds"); a != nil {
		if v, ok := a.Get(t); ok {
			if ids, ok := v.([]int64); ok {
				pi.InvisibleIDs = ids
			}
		}
	}
	return pi
}

// Light is the common UsdLux light data at one time.
type Light struct {
	Type        string
	Intensity   float64
	Exposure    float64
	Color       Vec3f
	Normalize   bool
	Width       float64 // RectLight
	Height      float64 // RectLight
	Radius      float64 // Sphere, Disk, Cylinder lights
	Length      float64 // CylinderLight
	Angle       float64 // DistantLight, degrees
	TextureFile AssetPath
	// ShapingConeAngle (degrees, fallback 90 = no cone), softness and
	// focus of UsdLuxShapingAPI.
	ShapingConeAngle    float64
	ShapingConeSoftness float64
	ShapingFocus        float64
	Transform           Matrix4d
}

// Light reads a UsdLux light's inputs (with schema fallbacks) at time t.
// Old files without the "inputs:" prefix are read too.
func (p *Prim) Light(t TimeCode) Light {
	get := func(n string) *Attribute {
		if a := p.Attribute("inputs:" + n); a != nil && (a.IsAuthored() || p.Attribute(n) == nil) {
			return a
		}
		if a := p.Attribute(n); a != nil && a.IsAuthored() {
			return a
		}
		return p.Attribute("inputs:" + n)
	}
	f := func(n string) float64 {
		if a := get(n); a != nil {
			v, _ := a.Float(t)
			return v
		}
		return 0
	}
	l := Light{Type: p.TypeName(), Intensity: f("intensity"), Exposure: f("exposure"), Width: f("width"),
		Height: f("height"), Radius: f("radius"), Length: f("length"), Angle: f("angle"), Transform: p.LocalToWorld(t)}
	l.Color = Vec3f{1, 1, 1}
	if a := get("color"); a != nil {
		if c, ok := a.Vec3f(t); ok {
			l.Color = c
		}
	}
	if a := get("normalize"); a != nil {
		l.Normalize, _ = a.Bool(t)
	}
	if a := get("texture:file"); a != nil {
		l.TextureFile, _ = a.Asset(t)
	}
	l.ShapingConeAngle = 90
	if a := get("shaping:cone:angle"); a.IsAuthored() {
		l.ShapingConeAngle, _ = a.Float(t)
	}
	if a := get("shaping:cone:softness"); a.IsAuthored() {
		l.ShapingConeSoftness, _ = a.Float(t)
	}
	if a := get("shaping:focus"); a.IsAuthored() {
		l.ShapingFocus, _ = a.Float(t)
	}
	return l
}

// GeomSubset is a UsdGeomSubset child of a gprim: a named set of faces
// (or points, edges), typically bound to its own material.
type GeomSubset struct {
	Prim        *Prim
	ElementType string // "face" (the fallback), "point", "edge", "tetrahedron"
	FamilyName  string // e.g. "materialBind"
	Indices     []int32
}

// GeomSubsets returns the GeomSubset children of the prim at time t, in
// namespace order; familyName "" returns every family.
func (p *Prim) GeomSubsets(familyName string, t TimeCode) []GeomSubset {
	var out []GeomSubset
	for _, c := range p.children {
		if c.TypeName() != "GeomSubset" || !c.IsActive() {
			continue
		}
		gs := GeomSubset{Prim: c, ElementType: "face"}
		if v, ok := c.Attribute("elementType").Token(Default); ok && v != "" {
			gs.ElementType = v
		}
		gs.FamilyName, _ = c.Attribute("familyName").Token(Default)
		if familyName != "" && gs.FamilyName != familyName {
			continue
		}
		gs.Indices, _ = c.Attribute("indices").IntArray(t)
		out = append(out, gs)
	}
	return out
}

// imageableTypes are the concrete prim types whose schema derives from
// UsdGeomImageable (UsdGeom, UsdLux, UsdVol, UsdSkel, UsdMedia): only
// they have a visibility and a purpose that OpenUSD computes with.
var imageableTypes = map[string]bool{
	"Xform": true, "Scope": true, "Mesh": true, "Sphere": true, "Cube": true, "Cylinder": true,
	"Cone": true, "Capsule": true, "Plane": true, "Cylinder_1": true, "Capsule_1": true,
	"BasisCurves": true, "NurbsCurves": true, "HermiteCurves": true, "Points": true,
	"NurbsPatch": true, "TetMesh": true, "PointInstancer": true, "Camera": true,
	"Volume": true, "OpenVDBAsset": true, "Field3DAsset": true, "SkelRoot": true, "Skeleton": true,
	"DistantLight": true, "DomeLight": true, "DomeLight_1": true, "RectLight": true,
	"SphereLight": true, "DiskLight": true, "CylinderLight": true, "PortalLight": true,
	"GeometryLight": true, "PluginLight": true, "LightFilter": true, "PluginLightFilter": true,
	"SpatialAudio": true,
}

// IsImageable reports whether prims of the type are UsdGeomImageable.
func IsImageable(typeName string) bool { return imageableTypes[typeName] }

// ComputeVisibility is UsdGeomImageable::ComputeVisibility at t
// (pxr/usd/usdGeom/imageable.cpp): "invisible" when the prim or an
// ancestor that is Imageable has visibility "invisible" at t, else
// "inherited". The visibility of a prim that is not Imageable (an untyped
// or Material prim) is ignored, but its ancestors still count.
func ComputeVisibility(p *Prim, t TimeCode) string {
	for q := p; q != nil && q.path != "/"; q = q.parent {
		if !IsImageable(q.TypeName()) {
			continue
		}
		if a := q.Attribute("visibility"); a != nil && a.IsAuthored() {
			if v, _ := a.Token(t); v == "invisible" {
				return "invisible"
			}
		}
	}
	return "inherited"
}

// ComputePurpose is UsdGeomImageable::ComputePurpose: the prim's authored
// purpose, else the nearest Imageable ancestor's authored purpose, else
// "default". As with visibility, a prim that is not Imageable (untyped, a
// Material) contributes nothing, even when it authors a purpose, but the
// inheritance passes through it.
func ComputePurpose(p *Prim) string {
	for q := p; q != nil && q.path != "/"; q = q.parent {
		if !IsImageable(q.TypeName()) {
			continue
		}
		if a := q.Attribute("purpose"); a != nil && a.IsAuthored() {
			if v, ok := a.Token(Default); ok && v != "" {
				return v
			}
		}
	}
	return "default"
}

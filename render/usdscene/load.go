// Package usdscene turns a composed USD stage into a render.Scene: meshes
// and implicit gprims, transforms, native instancing and PointInstancers
// (as instances of shared meshes), UsdPreviewSurface materials with
// UsdUVTexture (files on disk or inside usdz packages), normal maps and
// primvar readers, UsdLux lights, the camera and the RenderSettings
// resolution.
//
// What it cannot render it reports as warnings rather than dropping
// silently. It reads one time (the default value, else the stage's start
// time code); it does no motion blur, no subdivision and no volumes.
package usdscene

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/rgallery/rgallery/render"
	"github.com/rgallery/rgallery/usd"
)

// Options choose what to render.
type Options struct {
	CameraPath         string
	RenderSettingsPath string
}

// Result is the converted scene, not yet built.
type Result struct {
	Scene *render.Scene
	// Width and Height come from the RenderSettings (0 when absent).
	Width, Height int
	CameraPath    string
	Warnings      []string
}

// Load opens the USD file and converts it.
func Load(ctx context.Context, path string, opt Options) (*Result, error) {
	st, err := usd.Open(path)
	if err != nil {
		return nil, err
	}
	return Convert(ctx, st, opt)
}

type conv struct {
	ctx    context.Context
	st     *usd.Stage
	time   usd.TimeCode
	sc     *render.Scene
	warn   map[string]int
	xforms map[string]render.Matrix
	mats   map[string]int           // material prim path → index
	protos map[string][]protoEntry  // prototype prim path → its meshes
	images map[string]*render.Image // resolved path → decoded image
	imgErr map[string]error
	meters float64
}

// protoEntry is one mesh of a prototype, placed relative to the prototype
// root.
type protoEntry struct {
	mesh  int
	local render.Matrix
}

// Convert converts an opened stage.
func Convert(ctx context.Context, st *usd.Stage, opt Options) (*Result, error) {
	c := &conv{
		ctx: ctx, st: st, time: usd.Default, sc: &render.Scene{},
		warn: map[string]int{}, xforms: map[string]render.Matrix{}, mats: map[string]int{},
		protos: map[string][]protoEntry{}, images: map[string]*render.Image{}, imgErr: map[string]error{},
		meters: st.MetersPerUnit(),
	}
	for _, e := range st.Errors() {
		c.warnf("composition: %v", e)
	}
	c.sc.Materials = []*render.Material{render.DefaultMaterial()}
	c.sc.Materials[0].UseDisplayColor = true
	if err := c.walk(st.PseudoRoot()); err != nil {
		return nil, err
	}
	res := &Result{Scene: c.sc}
	if err := c.settingsAndCamera(opt, res); err != nil {
		return nil, err
	}
	if len(c.sc.Lights) == 0 {
		c.warnf("no UsdLux lights: the image will be black except for emissive materials")
	}
	keys := make([]string, 0, len(c.warn))
	for k := range c.warn {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if n := c.warn[k]; n > 1 {
			res.Warnings = append(res.Warnings, fmt.Sprintf("%s (%d times)", k, n))
		} else {
			res.Warnings = append(res.Warnings, k)
		}
	}
	c.sc.Warnings = append(c.sc.Warnings, res.Warnings...)
	return res, nil
}

func (c *conv) warnf(format string, args ...any) {
	c.warn[fmt.Sprintf(format, args...)]++
}

// walk visits the active, defined prims under p that are rendered.
func (c *conv) walk(p *usd.Prim) error {
	for _, ch := range p.Children() {
		if err := c.ctx.Err(); err != nil {
			return err
		}
		if !ch.IsActive() || !ch.IsDefined() || ch.IsAbstract() {
			continue
		}
		if !c.rendered(ch) {
			continue
		}
		if ch.IsInstance() {
			if err := c.instance(ch); err != nil {
				return err
			}
			continue
		}
		descend, err := c.prim(ch)
		if err != nil {
			return err
		}
		if descend {
			if err := c.walk(ch); err != nil {
				return err
			}
		}
	}
	return nil
}

// rendered applies visibility and purpose (render and default purposes only).
func (c *conv) rendered(p *usd.Prim) bool {
	if tok := c.token(p, "visibility", "inherited"); tok == "invisible" {
		return false
	}
	switch c.token(p, "purpose", "default") {
	case "guide", "proxy":
		return false
	}
	return true
}

// prim converts one prim; it reports whether to visit the children.
func (c *conv) prim(p *usd.Prim) (bool, error) {
	switch t := p.TypeName(); t {
	case "Mesh", "Sphere", "Cube", "Cylinder", "Cone", "Capsule", "Plane", "Cylinder_1", "Capsule_1":
		m, err := c.gprim(p)
		if err != nil {
			return false, err
		}
		if m != nil {
			c.addMesh(m, c.world(p))
		}
		return true, nil
	case "PointInstancer":
		return false, c.pointInstancer(p)
	case "DistantLight", "RectLight", "SphereLight", "DiskLight", "CylinderLight", "DomeLight", "DomeLight_1":
		c.light(p, t)
		return true, nil
	case "BasisCurves", "NurbsCurves", "Points", "NurbsPatch", "HermiteCurves", "TetMesh":
		c.warnf("%s prims are not rendered (e.g. %s)", t, p.Path())
		return false, nil
	case "Volume", "OpenVDBAsset", "Field3DAsset":
		c.warnf("volumes are not rendered (e.g. %s)", p.Path())
		return false, nil
	case "PortalLight", "GeometryLight", "PluginLight":
		c.warnf("%s is not supported (e.g. %s)", t, p.Path())
		return true, nil
	case "Material", "Shader", "NodeGraph", "RenderSettings", "RenderProduct", "RenderVar", "Camera", "GeomSubset":
		return false, nil
	}
	return true, nil
}

func (c *conv) addMesh(m *render.Mesh, xf render.Matrix) {
	c.sc.Meshes = append(c.sc.Meshes, m)
	c.sc.Instances = append(c.sc.Instances, render.Instance{Mesh: len(c.sc.Meshes) - 1, Transform: xf})
}

// instance adds a native instance: the prototype's meshes are converted
// once and shared by every instance with the same prototype.
func (c *conv) instance(p *usd.Prim) error {
	proto := p.Prototype()
	if proto == nil {
		proto = p
	}
	entries, ok := c.protos[proto.Path()]
	if !ok {
		var err error
		entries, err = c.collect(proto, render.Identity)
		if err != nil {
			return err
		}
		c.protos[proto.Path()] = entries
	}
	w := c.world(p)
	for _, e := range entries {
		c.sc.Instances = append(c.sc.Instances, render.Instance{Mesh: e.mesh, Transform: e.local.Mul(w)})
	}
	return nil
}

// collect converts the gprims under root into meshes placed relative to
// root (root's own transform excluded), for prototypes.
func (c *conv) collect(root *usd.Prim, rootXf render.Matrix) ([]protoEntry, error) {
	var out []protoEntry
	var rec func(p *usd.Prim, xf render.Matrix) error
	rec = func(p *usd.Prim, xf render.Matrix) error {
		for _, ch := range p.Children() {
			if !ch.IsActive() || !ch.IsDefined() || !c.rendered(ch) {
				continue
			}
			local, reset := c.local(ch)
			cx := local.Mul(xf)
			if reset {
				cx = local
			}
			switch ch.TypeName() {
			case "Mesh", "Sphere", "Cube", "Cylinder", "Cone", "Capsule", "Plane", "Cylinder_1", "Capsule_1":
				m, err := c.gprim(ch)
				if err != nil {
					return err
				}
				if m != nil {
					c.sc.Meshes = append(c.sc.Meshes, m)
					out = append(out, protoEntry{mesh: len(c.sc.Meshes) - 1, local: cx})
				}
			case "PointInstancer":
				c.warnf("nested PointInstancer inside an instance or prototype is not rendered (%s)", ch.Path())
				continue
			default:
				if strings.HasSuffix(ch.TypeName(), "Light") {
					c.warnf("lights inside instances or prototypes are not rendered (%s)", ch.Path())
				}
			}
			if err := rec(ch, cx); err != nil {
				return err
			}
		}
		return nil
	}
	return out, rec(root, rootXf)
}

// pointInstancer expands a PointInstancer into instances of its
// prototypes' meshes.
func (c *conv) pointInstancer(p *usd.Prim) error {
	var protoPaths []string
	if r := p.Relationship("prototypes"); r != nil {
		protoPaths = r.Targets()
	}
	idx := c.ints(p, "protoIndices")
	pos := c.vec3s(p, "positions")
	if len(idx) == 0 {
		return nil
	}
	orient := c.quats(p, "orientations")
	scales := c.vec3s(p, "scales")
	var invis map[int64]bool
	if ids := c.ints(p, "invisibleIds"); len(ids) > 0 {
		invis = map[int64]bool{}
		for _, id := range ids {
			invis[int64(id)] = true
		}
		if len(c.ints(p, "ids")) > 0 {
			c.warnf("PointInstancer %s: invisibleIds with explicit ids are matched by index", p.Path())
		}
	}
	if a := p.Attribute("velocities"); a != nil && a.IsAuthored() {
		c.warnf("PointInstancer %s: motion blur is not rendered", p.Path())
	}
	protos := make([][]protoEntry, len(protoPaths))
	for i, pp := range protoPaths {
		pr := c.st.PrimAtPath(pp)
		if pr == nil {
			c.warnf("PointInstancer %s: prototype %s not found", p.Path(), pp)
			continue
		}
		// The prototype root's own transform applies; its ancestors' do not.
		local, _ := c.local(pr)
		var entries []protoEntry
		switch pr.TypeName() {
		case "Mesh", "Sphere", "Cube", "Cylinder", "Cone", "Capsule", "Plane":
			m, err := c.gprim(pr)
			if err != nil {
				return err
			}
			if m != nil {
				c.sc.Meshes = append(c.sc.Meshes, m)
				entries = append(entries, protoEntry{mesh: len(c.sc.Meshes) - 1, local: local})
			}
		}
		more, err := c.collect(pr, local)
		if err != nil {
			return err
		}
		protos[i] = append(entries, more...)
	}
	w := c.world(p)
	for i, pi := range idx {
		if pi < 0 || int(pi) >= len(protos) {
			c.warnf("PointInstancer %s: protoIndex %d out of range", p.Path(), pi)
			continue
		}
		if invis[int64(i)] {
			continue
		}
		xf := render.Identity
		if i < len(scales) {
			xf = render.ScaleMatrix(scales[i])
		}
		if i < len(orient) {
			xf = xf.Mul(quatMatrix(orient[i]))
		}
		if i < len(pos) {
			xf = xf.Mul(render.Translate(pos[i]))
		}
		inst := xf.Mul(w)
		for _, e := range protos[pi] {
			c.sc.Instances = append(c.sc.Instances, render.Instance{Mesh: e.mesh, Transform: e.local.Mul(inst)})
		}
	}
	return nil
}

// Attribute helpers: the default value, else the value at the stage's
// start time code (for scenes that only have time samples).

func (c *conv) get(p *usd.Prim, name string) (any, bool) {
	a := p.Attribute(name)
	if a == nil {
		return nil, false
	}
	if v, ok := a.Get(usd.Default); ok {
		return v, true
	}
	return a.Get(c.st.StartTimeCode())
}

func (c *conv) float(p *usd.Prim, name string, fb float64) float64 {
	v, ok := c.get(p, name)
	if !ok {
		return fb
	}
	if f, ok := toFloat(v); ok {
		return f
	}
	return fb
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float32:
		return float64(x), true
	case float64:
		return x, true
	case usd.Half:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case uint32:
		return float64(x), true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

func (c *conv) bool(p *usd.Prim, name string, fb bool) bool {
	v, ok := c.get(p, name)
	if !ok {
		return fb
	}
	if b, ok := v.(bool); ok {
		return b
	}
	if f, ok := toFloat(v); ok {
		return f != 0
	}
	return fb
}

func (c *conv) token(p *usd.Prim, name, fb string) string {
	v, ok := c.get(p, name)
	if !ok {
		return fb
	}
	switch x := v.(type) {
	case usd.Token:
		return string(x)
	case string:
		return x
	}
	return fb
}

func toVec3(v any) (render.Vec3, bool) {
	switch x := v.(type) {
	case usd.Vec3f:
		return render.Vec3{X: float64(x[0]), Y: float64(x[1]), Z: float64(x[2])}, true
	case usd.Vec3d:
		return render.Vec3{X: x[0], Y: x[1], Z: x[2]}, true
	case usd.Vec3h:
		return render.Vec3{X: float64(x[0]), Y: float64(x[1]), Z: float64(x[2])}, true
	case usd.Vec4f:
		return render.Vec3{X: float64(x[0]), Y: float64(x[1]), Z: float64(x[2])}, true
	}
	if f, ok := toFloat(v); ok {
		return render.Vec3{X: f, Y: f, Z: f}, true
	}
	return render.Vec3{}, false
}

func (c *conv) vec3(p *usd.Prim, name string, fb render.Vec3) render.Vec3 {
	v, ok := c.get(p, name)
	if !ok {
		return fb
	}
	if r, ok := toVec3(v); ok {
		return r
	}
	return fb
}

func (c *conv) vec3s(p *usd.Prim, name string) []render.Vec3 {
	a := p.Attribute(name)
	if a == nil {
		return nil
	}
	arr, ok := a.Vec3fArray(usd.Default)
	if !ok {
		arr, ok = a.Vec3fArray(c.st.StartTimeCode())
	}
	if !ok {
		return nil
	}
	out := make([]render.Vec3, len(arr))
	for i, v := range arr {
		out[i] = render.Vec3{X: float64(v[0]), Y: float64(v[1]), Z: float64(v[2])}
	}
	return out
}

func (c *conv) ints(p *usd.Prim, name string) []int32 {
	a := p.Attribute(name)
	if a == nil {
		return nil
	}
	v, ok := a.IntArray(usd.Default)
	if !ok {
		v, _ = a.IntArray(c.st.StartTimeCode())
	}
	return v
}

func (c *conv) quats(p *usd.Prim, name string) []usd.Quatd {
	v, ok := c.get(p, name)
	if !ok {
		return nil
	}
	switch x := v.(type) {
	case []usd.Quath:
		out := make([]usd.Quatd, len(x))
		for i, q := range x {
			out[i] = usd.Quatd{Real: float64(q.Real), Imag: usd.Vec3d{float64(q.Imag[0]), float64(q.Imag[1]), float64(q.Imag[2])}}
		}
		return out
	case []usd.Quatf:
		out := make([]usd.Quatd, len(x))
		for i, q := range x {
			out[i] = usd.Quatd{Real: float64(q.Real), Imag: usd.Vec3d{float64(q.Imag[0]), float64(q.Imag[1]), float64(q.Imag[2])}}
		}
		return out
	case []usd.Quatd:
		return x
	}
	return nil
}

// quatMatrix is the rotation of a unit quaternion in row-vector form.
func quatMatrix(q usd.Quatd) render.Matrix {
	w, x, y, z := q.Real, q.Imag[0], q.Imag[1], q.Imag[2]
	n := math.Sqrt(w*w + x*x + y*y + z*z)
	if n == 0 {
		return render.Identity
	}
	w, x, y, z = w/n, x/n, y/n, z/n
	// Column-vector rotation R; row-vector form is Rᵀ.
	return render.Matrix{
		{1 - 2*(y*y+z*z), 2 * (x*y + w*z), 2 * (x*z - w*y), 0},
		{2 * (x*y - w*z), 1 - 2*(x*x+z*z), 2 * (y*z + w*x), 0},
		{2 * (x*z + w*y), 2 * (y*z - w*x), 1 - 2*(x*x+y*y), 0},
		{0, 0, 0, 1},
	}
}

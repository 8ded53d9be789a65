// Package usdscene turns a composed USD stage into a render.Scene: meshes
// and implicit gprims, transforms, native instancing and PointInstancers
// (as instances of shared meshes), UsdPreviewSurface materials with
// UsdUVTexture (files on disk or inside usdz packages), normal maps and
// primvar readers, UsdLux lights, the camera and the RenderSettings
// resolution.
//
// UsdShade networks are read through the usd package's resolvers
// (usd.Prim.MaterialSurface, usd.Prim.ShaderInputAt: connections through
// NodeGraph and Material interfaces, the UsdPreviewSurface
// specification's fallbacks, openusd.org/release/spec_usdpreviewsurface.html):
// UsdUVTexture (file, st, wrapS/wrapT, scale, bias, sourceColorSpace,
// fallback), UsdTransform2d, and UsdPrimvarReader_* of any primvar (a UV
// set for textures, a value primvar for colours and scalars, read into the
// mesh). A network that cannot be evaluated gives one warning naming its
// shader and the surface's own authored input value. Partial constant
// opacity is a dielectric (see render.Material).
//
// BasisCurves become round tubes (ribbons when normals are authored) and
// Points spheres, triangulated within a budget per prim (curves.go,
// points.go); models whose UsdGeomModelAPI draw mode UsdImaging would
// apply are drawn as cards or bounds (drawmode.go). PointInstancers may
// be nested in prototypes, prototypes may be native instances, and
// PointInstancers inside native instances share their prototypes' meshes.
//
// A stage without UsdLux lights gets the default light rig (a soft dome
// and a key light from the camera's upper left, see defaultlights.go;
// Options.DefaultLights, Result.DefaultLights).
//
// What it cannot render it reports as warnings rather than dropping
// silently, one line per distinct problem with the number of prims and
// a few of their paths (warnings.go). It reads one time, the stage's startTimeCode (time samples
// win over defaults there, as in OpenUSD); it does no motion blur and no
// volumes.
//
// Meshes are deformed before the BVH build: UsdSkel skinning (usd.SkelBinding:
// blend shapes, linear or dual-quaternion skinning, skel.go), then
// subdivision surfaces refined by render/subdiv to Options.SubdivLevel
// (subdiv.go).
//
// Visibility and purpose are UsdGeomImageable's computed ones
// (usd.ComputeVisibility, usd.ComputePurpose): visible prims of the
// default and render purposes are drawn; only Xformable prims transform. Materials are bound by
// usd.ComputeBoundMaterialFor with the "full" purpose (collection
// bindings, bindMaterialAs strength, purpose-specific bindings), per
// instance proxy for native instances. ComputeFacts records what the
// conversion took from the stage, for `rgallery usd scene` and the
// differential test against OpenUSD.
package usdscene

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/rgallery/rgallery/render"
	"github.com/rgallery/rgallery/usd"
	"github.com/rgallery/rgallery/usd/sdf"
)

// Options choose what to render.
type Options struct {
	CameraPath         string
	RenderSettingsPath string
	// DefaultLights is "auto" (or ""), "on" or "off": whether to add the
	// default light rig (see defaultlights.go).
	DefaultLights string
	// SubdivLevel refines subdivision surfaces that many times (0: control
	// meshes; the renderers' default is DefaultSubdivLevel), see subdiv.go.
	SubdivLevel int
	// VariantFallbacks are the stage's variant fallbacks, per variant set
	// the selections to try when none is authored (usd.WithVariantFallbacks).
	VariantFallbacks map[string][]string
}

// Result is the converted scene, not yet built.
type Result struct {
	Scene *render.Scene
	// Width and Height come from the RenderSettings (0 when absent).
	Width, Height int
	CameraPath    string
	Warnings      []string
	// DefaultLights describes the default light rig when one was added
	// ("" otherwise), for the snapshot's metadata.
	DefaultLights string
}

// Load opens the USD file and converts it.
func Load(ctx context.Context, path string, opt Options) (*Result, error) {
	var openOpts []usd.OpenOption
	if len(opt.VariantFallbacks) > 0 {
		openOpts = append(openOpts, usd.WithVariantFallbacks(opt.VariantFallbacks))
	}
	st, err := usd.Open(path, openOpts...)
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
	needs  map[int]primvarNeeds     // material index → mesh primvars its network reads
	bound  map[string]int           // prim path → bound material index (boundMaterial)
	protos map[string][]protoEntry  // prototype prim path → its meshes
	images map[string]*render.Image // resolved path → decoded image
	imgErr map[string]error
	meters float64
	facts  *Facts // nil unless ComputeFacts asked
	// subsetFacts are the GeomSubset materials of each converted mesh.
	subsetFacts map[*render.Mesh][]SubsetFacts
	meshSubsets map[*render.Mesh][]meshSubset
	meshCopies  map[string]int // instance-specific copies of prototype meshes
	// piProtos are the converted prototypes of PointInstancers inside
	// native instances, by protoKey.
	piProtos map[string][]protoEntry
	// subdivLevel is Options.SubdivLevel; subdivFaces counts refined faces.
	subdivLevel, subdivFaces int
}

// protoEntry is one mesh of a prototype, placed relative to the prototype
// root.
type protoEntry struct {
	mesh  int
	local render.Matrix
	rel   string // path below the prototype root
	typ   string
	// abs: below a !resetXformStack!, local is already the world transform.
	abs bool
}

// Convert converts an opened stage.
func Convert(ctx context.Context, st *usd.Stage, opt Options) (*Result, error) {
	return convert(ctx, st, opt, nil)
}

func convert(ctx context.Context, st *usd.Stage, opt Options, facts *Facts) (*Result, error) {
	c := &conv{
		ctx: ctx, st: st, time: renderTime(st), sc: &render.Scene{}, facts: facts, subsetFacts: map[*render.Mesh][]SubsetFacts{},
		meshSubsets: map[*render.Mesh][]meshSubset{}, meshCopies: map[string]int{}, subdivLevel: opt.SubdivLevel,
		warn: map[string]int{}, xforms: map[string]render.Matrix{}, mats: map[string]int{},
		protos: map[string][]protoEntry{}, images: map[string]*render.Image{}, imgErr: map[string]error{},
		meters: st.MetersPerUnit(),
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
	// Read after the walk: crate values decode when first asked for, so a
	// value that failed to decode during the walk (a mesh's counts, say) is
	// in Stage.Errors only now, and must reach the warnings.
	for _, e := range st.Errors() {
		c.compositionWarning(e)
	}
	noLights := len(c.sc.Lights) == 0
	rig, err := c.addDefaultLights(opt.DefaultLights)
	if err != nil {
		return nil, err
	}
	res.DefaultLights = rig
	switch {
	case rig != "" && noLights:
		c.warnf("no UsdLux lights: the default light rig was added (defaultLights=auto|on|off)")
	case rig != "":
		c.warnf("the default light rig was added to the stage's lights (defaultLights=on)")
	case noLights:
		c.warnf("no UsdLux lights and defaultLights=off: the image will be black except for emissive materials")
	}
	res.Warnings = warningLines(c.warn)
	c.sc.Warnings = append(c.sc.Warnings, res.Warnings...)
	return res, nil
}

// walk visits the active, defined prims under p. Invisible subtrees are
// skipped (everything below is invisible too) unless facts are recorded;
// prims of a purpose that is not drawn are visited, since a descendant
// may author a drawn purpose of its own.
func (c *conv) walk(p *usd.Prim) error {
	for _, ch := range p.Children() {
		if err := c.ctx.Err(); err != nil {
			return err
		}
		if !ch.IsActive() || !ch.IsDefined() || ch.IsAbstract() {
			continue
		}
		if c.facts == nil && usd.ComputeVisibility(ch, c.time) == "invisible" {
			continue
		}
		if ch.IsInstance() {
			// The instance prim itself is not part of the prototype: a
			// gprim or PointInstancer instance draws its own geometry too.
			descend, err := c.prim(ch)
			if err != nil {
				return err
			}
			if descend {
				if err := c.instance(ch); err != nil {
					return err
				}
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

// rendered applies the computed visibility and purpose: visible prims of
// the default and render purposes are drawn (UsdImaging's defaults).
func (c *conv) rendered(p *usd.Prim) bool {
	if usd.ComputeVisibility(p, c.time) == "invisible" {
		return false
	}
	switch usd.ComputePurpose(p) {
	case "guide", "proxy":
		return false
	}
	return true
}

// prim converts one prim; it reports whether to visit the children.
func (c *conv) prim(p *usd.Prim) (bool, error) {
	if drawn, err := c.drawMode(p); drawn || err != nil {
		return false, err // a model drawn as bounds or cards (drawmode.go)
	}
	switch t := p.TypeName(); t {
	case "Mesh", "Sphere", "Cube", "Cylinder", "Cone", "Capsule", "Plane", "Cylinder_1", "Capsule_1":
		if c.facts == nil && !c.rendered(p) {
			return true, nil // a guide or proxy gprim; its children may be drawn
		}
		m, err := c.gprim(p)
		if err != nil {
			return false, err
		}
		w := c.world(p)
		if m != nil && c.rendered(p) {
			c.addMesh(m, w)
		}
		c.recordGprim(p, t, w, m, c.subsetFacts[m])
		return true, nil
	case "PointInstancer":
		if !c.rendered(p) && c.facts == nil {
			return false, nil
		}
		return false, c.pointInstancer(p)
	case "DistantLight", "RectLight", "SphereLight", "DiskLight", "CylinderLight", "DomeLight", "DomeLight_1":
		if c.rendered(p) {
			c.light(p, t)
		}
		return true, nil
	case "BasisCurves", "NurbsCurves", "HermiteCurves", "Points":
		return true, c.curvesOrPoints(p, t)
	case "NurbsPatch", "TetMesh":
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
	// Instances whose arcs carry different layer offsets see the same
	// prototype at different times: they share meshes only per offset.
	key := proto.Path() + offsetKey(p)
	entries, ok := c.protos[key]
	if !ok {
		var err error
		entries, err = c.collect(p, render.Identity)
		if err != nil {
			return err
		}
		c.protos[key] = entries
	}
	// Visibility, purpose and bindings come from the instance proxies:
	// ancestors of this instance (not the prototype's) bind and hide.
	w := c.world(p)
	for _, e := range entries {
		at := c.st.PrimAtPath(p.Path() + "/" + e.rel)
		if at == nil {
			// The entries come from an instance with the same arcs, so
			// this does not happen; say so if it does.
			c.warnf("instance %s: no instance proxy at %s; not drawn", p.Path(), e.rel)
			continue
		}
		xf := e.local.Mul(w)
		if e.abs {
			xf = e.local
		}
		if e.typ == "PointInstancer" {
			if err := c.pointInstancer(at); err != nil {
				return err
			}
			continue
		}
		if e.mesh < 0 {
			c.recordGprim(at, e.typ, xf, nil, nil)
			c.recordCurvesExtent(at, e.typ)
			continue
		}
		mat := c.boundMaterial(at)
		mi, subs := e.mesh, []SubsetFacts(nil)
		if len(c.meshSubsets[c.sc.Meshes[mi]]) > 0 {
			// The subsets' materials are resolved below this instance proxy;
			// a mesh whose triangles get other materials is a shallow copy.
			mi, subs = c.instanceMesh(at, mi, mat)
		}
		m := c.sc.Meshes[mi]
		c.recordGprim(at, e.typ, xf, m, subs)
		c.recordCurvesExtent(at, e.typ)
		if !c.rendered(at) {
			continue
		}
		inst := render.Instance{Mesh: mi, Transform: xf}
		if mat != m.Material {
			inst.Material, inst.Override = mat, true
		}
		c.sc.Instances = append(c.sc.Instances, inst)
	}
	return nil
}

// instanceMesh returns the mesh (and its index) an instance proxy at
// draws for the prototype mesh e.mesh with subsets, its own material being
// mat: the prototype's mesh when the materials agree, else a shallow copy
// with its own materials (one per distinct assignment); and the subsets'
// facts below at.
func (c *conv) instanceMesh(at *usd.Prim, idx, mat int) (int, []SubsetFacts) {
	m := c.sc.Meshes[idx]
	face, facts := c.subsetMaterials(at, m, mat)
	if mat == m.Material && slices.Equal(face, m.FaceMaterial) {
		return idx, facts
	}
	key := fmt.Sprint(idx, mat, face)
	if k, ok := c.meshCopies[key]; ok {
		return k, facts
	}
	mm := *m
	mm.Material, mm.FaceMaterial = mat, face
	c.sc.Meshes = append(c.sc.Meshes, &mm)
	c.meshCopies[key] = len(c.sc.Meshes) - 1
	return len(c.sc.Meshes) - 1, facts
}

// offsetKey names the layer offsets of the prim's composition arcs.
func offsetKey(p *usd.Prim) string {
	idx := p.Index()
	if idx == nil {
		return ""
	}
	var b strings.Builder
	for _, n := range idx.Nodes {
		fmt.Fprintf(&b, "|%v", n.Offset)
	}
	return b.String()
}

// collect converts the gprims under root into meshes placed relative to
// root (root's own transform excluded), for prototypes. Every gprim is
// converted (drawn or not, the instance decides from its instance proxy);
// a gprim that gives no mesh has mesh -1.
func (c *conv) collect(root *usd.Prim, rootXf render.Matrix) ([]protoEntry, error) {
	var out []protoEntry
	var rec func(p *usd.Prim, xf render.Matrix, abs bool) error
	rec = func(p *usd.Prim, xf render.Matrix, abs bool) error {
		for _, ch := range p.Children() {
			if !ch.IsActive() || !ch.IsDefined() || ch.IsAbstract() {
				continue
			}
			local, reset := c.local(ch)
			cx, cabs := local.Mul(xf), abs
			if reset {
				cx, cabs = local, true
			}
			switch t := ch.TypeName(); {
			case drawnTypes[t]:
				m, err := c.geom(ch)
				if err != nil {
					return err
				}
				e := protoEntry{mesh: -1, local: cx, abs: cabs, rel: strings.TrimPrefix(ch.Path(), root.Path()+"/"), typ: t}
				if m != nil {
					c.sc.Meshes = append(c.sc.Meshes, m)
					e.mesh = len(c.sc.Meshes) - 1
				}
				out = append(out, e)
			case t == "PointInstancer":
				// Expanded per instance, from its instance proxy (or, in a
				// PointInstancer's prototype, by the outer instancer).
				out = append(out, protoEntry{mesh: -1, local: cx, abs: cabs, rel: strings.TrimPrefix(ch.Path(), root.Path()+"/"), typ: t})
				continue
			default:
				if strings.HasSuffix(ch.TypeName(), "Light") {
					c.warnf("lights inside instances or prototypes are not rendered (%s)", ch.Path())
				}
			}
			if err := rec(ch, cx, cabs); err != nil {
				return err
			}
		}
		return nil
	}
	return out, rec(root, rootXf, false)
}

// pointInstancer expands a PointInstancer into instances of its
// prototypes' meshes (see instancerEntries), placed by the instancer's
// world transform, and records its facts.
func (c *conv) pointInstancer(p *usd.Prim) error {
	show := c.rendered(p)
	w := c.world(p)
	var rec *InstancerFacts
	if c.facts != nil {
		var protoPaths []string
		if r := p.Relationship("prototypes"); r != nil {
			protoPaths = r.Targets()
		}
		c.facts.Instancers = append(c.facts.Instancers, InstancerFacts{
			Path: p.Path(), Visibility: usd.ComputeVisibility(p, c.time), Purpose: usd.ComputePurpose(p), World: Matrix(w),
			Prototypes: append([]string{}, protoPaths...), Instances: []InstanceFacts{},
		})
		rec = &c.facts.Instancers[len(c.facts.Instancers)-1]
	}
	return c.instancerEntries(p, rec, show, 0, func(mesh int, xf render.Matrix) {
		c.sc.Instances = append(c.sc.Instances, render.Instance{Mesh: mesh, Transform: xf.Mul(w)})
	})
}

// maxInstancerDepth bounds PointInstancers nested in prototypes (a
// prototype that contains its own instancer would never end).
const maxInstancerDepth = 8

// instancerEntries calls emit with each mesh a PointInstancer draws, and
// its transform in the instancer's space (the instancer's own transform
// excluded), as UsdGeomPointInstancer::ComputeInstanceTransformsAtTime
// places instances: scale, then orientation, then position, after the
// prototype root's own transform; instances whose id (the ids attribute,
// else the index) is in invisibleIds, or in the prim's inactiveIds, are
// masked out. A prototype may hold (or be) a PointInstancer: its
// instances are expanded once and placed in every instance of the outer
// one, to maxInstancerDepth levels. Native instances in a prototype are
// expanded through their instance proxies by collect. rec, when not nil,
// receives the instances' facts; emit is not called unless show.
func (c *conv) instancerEntries(p *usd.Prim, rec *InstancerFacts, show bool, depth int, emit func(mesh int, xf render.Matrix)) error {
	var protoPaths []string
	if r := p.Relationship("prototypes"); r != nil {
		protoPaths = r.Targets()
	}
	idx := c.ints(p, "protoIndices")
	if len(idx) == 0 {
		return nil
	}
	pos := c.instancerPositions(p)
	orient := c.quats(p, "orientations")
	scales := c.vec3s(p, "scales")
	// As ComputeInstanceTransformsAtTime: a positions array of the wrong
	// size or a protoIndex out of range gives no instance at all; missing
	// orientations (and scales) leave those instances unrotated (unscaled).
	n := len(idx)
	if len(pos) != n {
		c.warnf("PointInstancer %s: %d positions for %d protoIndices; no instance drawn", p.Path(), len(pos), n)
		return nil
	}
	if len(orient) != 0 && len(orient) != n {
		c.warnf("PointInstancer %s: %d orientations for %d protoIndices; the rest are not rotated", p.Path(), len(orient), n)
	}
	if len(scales) != 0 && len(scales) != n {
		c.warnf("PointInstancer %s: %d scales for %d protoIndices; the rest are not scaled", p.Path(), len(scales), n)
	}
	for _, pi := range idx {
		if pi < 0 || int(pi) >= len(protoPaths) {
			c.warnf("PointInstancer %s: protoIndex %d out of range [0,%d); no instance drawn", p.Path(), pi, len(protoPaths))
			return nil
		}
	}
	masked := c.instancerMask(p, len(idx))
	if a := p.Attribute("velocities"); a != nil && a.IsAuthored() {
		c.warnf("PointInstancer %s: motion blur is not rendered", p.Path())
	}
	for _, name := range []string{"accelerations", "angularVelocities"} {
		if a := p.Attribute(name); a != nil && a.IsAuthored() {
			c.warnf("PointInstancer %s: %s are ignored", p.Path(), name)
		}
	}
	protos := make([][]protoEntry, len(protoPaths))
	protoXf := make([]render.Matrix, len(protoPaths))
	for i, pp := range protoPaths {
		protoXf[i] = render.Identity
		pr := c.st.PrimAtPath(pp)
		if pr == nil {
			c.warnf("PointInstancer %s: prototype %s not found", p.Path(), pp)
			continue
		}
		// The prototype root's own transform applies; its ancestors' do not.
		local, _ := c.local(pr)
		protoXf[i] = local
		if !show {
			continue // only the facts are wanted
		}
		entries, err := c.prototypeEntries(p, pr, local, depth)
		if err != nil {
			return err
		}
		protos[i] = entries
	}
	for i, pi := range idx {
		if masked[i] {
			continue
		}
		xf := render.Identity
		if i < len(scales) {
			xf = render.ScaleMatrix(scales[i])
		}
		if i < len(orient) {
			// Not normalized, as ComputeInstanceTransformsAtTime.
			xf = xf.Mul(render.Matrix(usd.QuatRotateMatrix(orient[i])))
		}
		xf = xf.Mul(render.Translate(pos[i]))
		if rec != nil {
			rec.Instances = append(rec.Instances, InstanceFacts{Index: i, Proto: int(pi), Xform: Matrix(protoXf[pi].Mul(xf))})
		}
		if !show {
			continue
		}
		for _, e := range protos[pi] {
			emit(e.mesh, e.local.Mul(xf))
		}
	}
	return nil
}

// prototypeEntries returns the meshes one prototype pr of the
// PointInstancer p draws, placed in p's space (local is pr's own
// transform): pr itself when drawable, the drawable prims below it, and
// the instances of PointInstancers among them (or pr itself being one),
// expanded once. A prototype inside a native instance (an instance
// proxy) is converted once per native prototype (protoKey) and shared by
// every instance of the asset; visibility, purpose and materials are then
// resolved per instance proxy (an instance whose proxies bind other
// materials gets shallow mesh copies, as instanceMesh).
func (c *conv) prototypeEntries(p, pr *usd.Prim, local render.Matrix, depth int) ([]protoEntry, error) {
	key := protoKey(pr)
	raw, ok := c.piProtos[key]
	if key == "" || !ok {
		var err error
		raw, err = c.rawPrototypeEntries(p, pr, local, depth)
		if err != nil {
			return nil, err
		}
		if key != "" {
			if c.piProtos == nil {
				c.piProtos = map[string][]protoEntry{}
			}
			c.piProtos[key] = raw
		}
	}
	out := make([]protoEntry, 0, len(raw))
	for _, e := range raw {
		if e.typ == "nested" {
			out = append(out, e)
			continue
		}
		q := pr
		if e.rel != "" {
			q = c.st.PrimAtPath(pr.Path() + "/" + e.rel)
		}
		if q == nil || !c.rendered(q) {
			continue
		}
		if key != "" {
			mat := c.boundMaterial(q)
			if m := c.sc.Meshes[e.mesh]; mat != m.Material || len(c.meshSubsets[m]) > 0 {
				e.mesh, _ = c.instanceMesh(q, e.mesh, mat)
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// rawPrototypeEntries converts the prototype pr of p: every drawable prim
// (rel below pr, "" for pr itself), drawn or not, and the meshes of nested
// PointInstancers (typ "nested", already placed and filtered).
func (c *conv) rawPrototypeEntries(p, pr *usd.Prim, local render.Matrix, depth int) ([]protoEntry, error) {
	var entries []protoEntry
	nested := func(q *usd.Prim, at render.Matrix) error {
		if depth+1 >= maxInstancerDepth {
			c.warnf("PointInstancer %s: instancers nested deeper than %d levels are not drawn (%s)", p.Path(), maxInstancerDepth, q.Path())
			return nil
		}
		if !c.rendered(q) {
			return nil
		}
		return c.instancerEntries(q, nil, true, depth+1, func(mesh int, xf render.Matrix) {
			entries = append(entries, protoEntry{mesh: mesh, local: xf.Mul(at), typ: "nested"})
		})
	}
	switch t := pr.TypeName(); {
	case drawnTypes[t]:
		m, err := c.geom(pr)
		if err != nil {
			return nil, err
		}
		if m != nil {
			c.sc.Meshes = append(c.sc.Meshes, m)
			entries = append(entries, protoEntry{mesh: len(c.sc.Meshes) - 1, local: local, typ: t})
		}
	case t == "PointInstancer":
		return entries, nested(pr, local)
	}
	more, err := c.collect(pr, local)
	if err != nil {
		return nil, err
	}
	for _, e := range more {
		if e.typ == "PointInstancer" {
			if q := c.st.PrimAtPath(pr.Path() + "/" + e.rel); q != nil {
				if err := nested(q, e.local); err != nil {
					return nil, err
				}
			}
			continue
		}
		if e.mesh >= 0 {
			entries = append(entries, e)
		}
	}
	return entries, nil
}

// protoKey names a prim inside a native instance by the native prototype
// it comes from (the nearest instance's prototype, its layer offsets and
// the path below it); "" for a prim outside native instances.
func protoKey(pr *usd.Prim) string {
	for q := pr.Parent(); q != nil && q.Path() != "/"; q = q.Parent() {
		if q.IsInstance() {
			proto := q.Prototype()
			if proto == nil {
				return ""
			}
			return proto.Path() + offsetKey(q) + strings.TrimPrefix(pr.Path(), q.Path())
		}
	}
	return ""
}

// instancerPositions returns the instance positions at the render time as
// UsdGeomPointInstancer computes them (pxr/usd/usdGeom/samplingUtils.cpp):
// when positions and velocities are both time-sampled and the positions'
// sample at or before the render time t0 (the first sample when t is
// earlier) is also a velocities sample of the same length, the positions
// there are moved by velocity·(t − t0)/timeCodesPerSecond; otherwise the
// positions are read (interpolated) at t.
func (c *conv) instancerPositions(p *usd.Prim) []render.Vec3 {
	pa, va := p.Attribute("positions"), p.Attribute("velocities")
	if pa == nil || va == nil || !va.IsAuthored() {
		return c.vec3s(p, "positions")
	}
	pts, vts := pa.TimeSamples(), va.TimeSamples()
	if len(pts) == 0 || len(vts) == 0 {
		return c.vec3s(p, "positions")
	}
	t0 := pts[0]
	for _, t := range pts {
		if t <= c.time {
			t0 = t
		}
	}
	if !slices.Contains(vts, t0) {
		return c.vec3s(p, "positions")
	}
	pos, ok1 := pa.Vec3fArray(t0)
	vel, ok2 := va.Vec3fArray(t0)
	if !ok1 || !ok2 || len(pos) != len(vel) {
		return c.vec3s(p, "positions")
	}
	tcps := c.st.TimeCodesPerSecond()
	if tcps == 0 || math.IsNaN(tcps) || math.IsInf(tcps, 0) {
		// An authored timeCodesPerSecond of 0 gives no time scale to
		// move by velocity (OpenUSD divides by it and hangs on such
		// stages): the positions are used as they are.
		c.warnf("timeCodesPerSecond is %v: %s's velocities are not applied", tcps, p.Path())
		return out0(pos)
	}
	// In float, as OpenUSD adds GfVec3f deltas to GfVec3f positions.
	dt := float64(c.time-t0) / tcps
	step := func(q, v float32) float64 { return float64(float32(q + float32(dt*float64(v)))) }
	out := make([]render.Vec3, len(pos))
	for i, q := range pos {
		v := vel[i]
		out[i] = render.Vec3{X: step(q[0], v[0]), Y: step(q[1], v[1]), Z: step(q[2], v[2])}
	}
	return out
}

// out0 converts positions without moving them.
func out0(pos []usd.Vec3f) []render.Vec3 {
	out := make([]render.Vec3, len(pos))
	for i, q := range pos {
		out[i] = render.Vec3{X: float64(q[0]), Y: float64(q[1]), Z: float64(q[2])}
	}
	return out
}

// instancerMask marks the instances that are not drawn: those whose id is
// in invisibleIds (at the render time) or in the inactiveIds metadata.
// Ids are the ids attribute when authored, else the instance indices
// (UsdGeomPointInstancer::ComputeMaskAtTime).
func (c *conv) instancerMask(p *usd.Prim, n int) []bool {
	masked := make([]bool, n)
	off := map[int64]bool{}
	if a := p.Attribute("invisibleIds"); a != nil {
		if v, ok := a.Get(c.time); ok {
			for _, id := range int64s(v) {
				off[id] = true
			}
		}
	}
	if v, ok := p.Metadata("inactiveIds"); ok {
		ids := int64s(v)
		if ids == nil {
			c.warnf("PointInstancer %s: inactiveIds of type %T not understood", p.Path(), v)
		}
		for _, id := range ids {
			off[id] = true
		}
	}
	if len(off) == 0 {
		return masked
	}
	var ids []int64
	if a := p.Attribute("ids"); a != nil {
		if v, ok := a.Get(c.time); ok {
			ids = int64s(v)
		}
	}
	for i := range masked {
		id := int64(i)
		if ids != nil {
			if i >= len(ids) {
				break
			}
			id = ids[i]
		}
		masked[i] = off[id]
	}
	return masked
}

// int64s reads an int64[] or int[] value (or an int64 list op's explicit or
// added items, as inactiveIds is stored).
func int64s(v any) []int64 {
	switch x := v.(type) {
	case []int64:
		return x
	case []int32:
		out := make([]int64, len(x))
		for i, k := range x {
			out[i] = int64(k)
		}
		return out
	case []any:
		// A usda metadata list (inactiveIds = [2, 5]).
		out := make([]int64, 0, len(x))
		for _, e := range x {
			f, ok := toFloat(e)
			if !ok {
				return nil
			}
			out = append(out, int64(f))
		}
		return out
	case sdf.ListOp[int64]:
		// The strongest layer's list op only (usd.Prim.Metadata does not
		// compose list ops across layers).
		out := x.Apply(nil, func(v int64) string { return strconv.FormatInt(v, 10) })
		if out == nil {
			out = []int64{}
		}
		return out
	}
	return nil
}

// Attribute helpers: the value at the render time (time samples, else
// the default, else the schema fallback).

func (c *conv) get(p *usd.Prim, name string) (any, bool) {
	a := p.Attribute(name)
	if a == nil {
		return nil, false
	}
	return a.Get(c.time)
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
	arr, ok := a.Vec3fArray(c.time)
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
	v, _ := a.IntArray(c.time)
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

package oracle

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// GenScene writes a random usda stage, seeded, for the scene-facts
// differential test: nested transforms with every xformOp kind (suffixed,
// inverted, time-sampled) and !resetXformStack!, inherited and animated
// visibility, authored and inherited purpose, material bindings on
// ancestors with bindMaterialAs strongerThanDescendants, purpose-specific
// and collection bindings, bindings to non-materials, point instancers
// with ids, invisibleIds and inactiveIds, and instanceable references
// whose instances sit under different bindings.
func GenScene(seed uint64) string {
	g := &sceneGen{r: rand.New(rand.NewPCG(seed, 0x5ce7e)), seed: seed}
	return g.stage()
}

type sceneGen struct {
	r      *rand.Rand
	seed   uint64
	b      strings.Builder
	depth  int
	nextID int
	// paths of prims written so far (for collection includes / excludes)
	paths []string
	// start is the startTimeCode when authored; samples straddle it.
	start    float64
	hasStart bool
	assets   []string
}

func (g *sceneGen) p(prob float64) bool { return g.r.Float64() < prob }

func (g *sceneGen) line(format string, args ...any) {
	g.b.WriteString(strings.Repeat("    ", g.depth))
	fmt.Fprintf(&g.b, format, args...)
	g.b.WriteByte('\n')
}

// f prints a float as usda text (6 significant digits: both readers parse
// the same text).
func f(x float64) string { return strconv.FormatFloat(x, 'g', 6, 64) }

func (g *sceneGen) num(lo, hi float64) float64 {
	return math.Round((lo+(hi-lo)*g.r.Float64())*1000) / 1000
}

func (g *sceneGen) vec3(lo, hi float64) string {
	return fmt.Sprintf("(%s, %s, %s)", f(g.num(lo, hi)), f(g.num(lo, hi)), f(g.num(lo, hi)))
}

func (g *sceneGen) quat() string {
	w, x, y, z := g.r.NormFloat64(), g.r.NormFloat64(), g.r.NormFloat64(), g.r.NormFloat64()
	n := math.Sqrt(w*w + x*x + y*y + z*z)
	return fmt.Sprintf("(%s, %s, %s, %s)", f(w/n), f(x/n), f(y/n), f(z/n))
}

func (g *sceneGen) stage() string {
	g.b.WriteString("#usda 1.0\n(\n")
	g.b.WriteString(fmt.Sprintf("    doc = \"scene_gen seed %d\"\n", g.seed))
	if g.p(0.5) {
		g.start, g.hasStart = float64(1+g.r.IntN(9)), true
		g.b.WriteString(fmt.Sprintf("    startTimeCode = %s\n    endTimeCode = 20\n", f(g.start)))
	}
	g.b.WriteString("    defaultPrim = \"World\"\n)\n\n")
	g.looks()
	g.assetsClass()
	// A class some prims inherit: transforms, visibility, purpose and
	// bindings from it compose under their own opinions.
	g.line(`class Xform "_Class"`)
	g.line("{")
	g.depth++
	g.props("/_Class", "Xform", true)
	g.depth--
	g.line("}")
	g.line(`def Xform "World" (`)
	g.depth++
	g.line(`prepend apiSchemas = ["MaterialBindingAPI"]`)
	g.depth--
	g.line(")")
	g.line("{")
	g.depth++
	g.props("/World", "Xform", true)
	n := 2 + g.r.IntN(4)
	for range n {
		g.prim("/World", 1)
	}
	g.depth--
	g.line("}")
	if g.p(0.25) {
		g.skelRoot()
	}
	return g.b.String()
}

// skelRoot writes a SkelRoot with a two-joint skeleton and animation and
// meshes that are skinned (joint influences and a skeleton binding) or
// not (no influences, or no binding).
func (g *sceneGen) skelRoot() {
	g.line(`def SkelRoot "Char" (`)
	g.line(`    prepend apiSchemas = ["SkelBindingAPI"]`)
	g.line(")")
	g.line("{")
	g.depth++
	bindRoot := g.p(0.7)
	if bindRoot {
		g.line("rel skel:skeleton = </Char/Skel>")
	}
	g.line(`def Skeleton "Skel" (prepend apiSchemas = ["SkelBindingAPI"])`)
	g.line("{")
	g.depth++
	g.line(`uniform token[] joints = ["root", "root/tip"]`)
	g.line("uniform matrix4d[] bindTransforms = [((1,0,0,0),(0,1,0,0),(0,0,1,0),(0,0,0,1)), ((1,0,0,0),(0,1,0,0),(0,0,1,0),(0,1,0,1))]")
	g.line("uniform matrix4d[] restTransforms = [((1,0,0,0),(0,1,0,0),(0,0,1,0),(0,0,0,1)), ((1,0,0,0),(0,1,0,0),(0,0,1,0),(0,1,0,1))]")
	g.line("rel skel:animationSource = </Char/Anim>")
	g.depth--
	g.line("}")
	g.line(`def SkelAnimation "Anim"`)
	g.line("{")
	g.depth++
	g.line(`uniform token[] joints = ["root", "root/tip"]`)
	g.line("quatf[] rotations = [(1, 0, 0, 0), %s]", g.quat())
	g.line("half3[] scales = [(1, 1, 1), (1, 1, 1)]")
	g.line("float3[] translations = [(0, 0, 0), (0, 1, 0)]")
	g.depth--
	g.line("}")
	for i := range 1 + g.r.IntN(3) {
		g.line(`def Mesh "Part%d" (prepend apiSchemas = ["SkelBindingAPI"])`, i)
		g.line("{")
		g.depth++
		g.mesh()
		if !bindRoot && g.p(0.7) {
			g.line("rel skel:skeleton = </Char/Skel>")
		}
		if g.p(0.8) {
			g.line("int[] primvars:skel:jointIndices = [0, 1, 1, 0] (")
			g.line(`    interpolation = "vertex"`)
			g.line("    elementSize = 1")
			g.line(")")
			g.line("float[] primvars:skel:jointWeights = [1, 1, 1, 1] (")
			g.line(`    interpolation = "vertex"`)
			g.line("    elementSize = 1")
			g.line(")")
		}
		g.depth--
		g.line("}")
	}
	g.depth--
	g.line("}")
}

func (g *sceneGen) looks() {
	g.line(`def Scope "Looks"`)
	g.line("{")
	g.depth++
	for i := range 4 {
		g.line(`def Material "M%d"`, i)
		g.line("{")
		g.line("}")
	}
	g.line(`def Scope "NotAMaterial"`)
	g.line("{")
	g.line("}")
	g.depth--
	g.line("}")
}

func (g *sceneGen) material() string {
	switch {
	case g.p(0.05):
		return "/Looks/NotAMaterial"
	case g.p(0.03):
		return "/Looks/Missing"
	}
	return fmt.Sprintf("/Looks/M%d", g.r.IntN(4))
}

// assetsClass writes referenced assets under a class (abstract: not
// traversed itself) for instanceable references.
func (g *sceneGen) assetsClass() {
	g.line(`class "Assets"`)
	g.line("{")
	g.depth++
	for i := range 1 + g.r.IntN(3) {
		name := fmt.Sprintf("A%d", i)
		path := "/Assets/" + name
		g.assets = append(g.assets, path)
		// Some assets are gprims themselves (an instance of one is drawn
		// by the instance prim, not by its prototype).
		typ := "Xform"
		if g.p(0.25) {
			typ = []string{"Sphere", "Cube", "Mesh"}[g.r.IntN(3)]
		}
		g.line(`def %s "%s" (`, typ, name)
		g.depth++
		g.line(`prepend apiSchemas = ["MaterialBindingAPI"]`)
		g.depth--
		g.line(")")
		g.line("{")
		g.depth++
		g.props(path, typ, false)
		if typ == "Mesh" {
			g.mesh()
		}
		for range 1 + g.r.IntN(3) {
			g.prim(path, 3)
		}
		g.depth--
		g.line("}")
	}
	g.depth--
	g.line("}")
}

// refable lists the assets a prim under parent may reference: all of
// them outside /Assets, and inside asset k only the assets before it
// (nested instancing without cycles).
func (g *sceneGen) refable(parent string) []string {
	for i, a := range g.assets {
		if parent == a || strings.HasPrefix(parent, a+"/") {
			return g.assets[:i]
		}
	}
	return g.assets
}

var gprimTypes = []string{"Mesh", "Sphere", "Cube", "Cylinder", "Cone", "Capsule", "Plane", "Cylinder_1", "Capsule_1", "BasisCurves", "Points"}

func (g *sceneGen) name(prefix string) string {
	g.nextID++
	return fmt.Sprintf("%s%d", prefix, g.nextID)
}

// prim writes one random prim and its subtree under parent.
func (g *sceneGen) prim(parent string, level int) {
	var typ string
	switch k := g.r.IntN(20); {
	case k < 8:
		typ = gprimTypes[g.r.IntN(len(gprimTypes))]
	case k < 13:
		typ = "Xform"
	case k < 14:
		typ = "Scope"
	case k < 15:
		typ = "" // untyped
	case k < 17 && level < 4:
		typ = "PointInstancer"
	case k < 19 && len(g.refable(parent)) > 0:
		typ = "instance"
	default:
		typ = "Xform"
	}
	if typ == "PointInstancer" {
		g.instancer(parent)
		return
	}
	name := g.name("P")
	path := parent + "/" + name
	g.paths = append(g.paths, path)
	var meta []string
	inst := typ == "instance"
	var asset string
	if inst {
		can := g.refable(parent)
		asset = can[g.r.IntN(len(can))]
		ref := fmt.Sprintf("references = <%s>", asset)
		if g.p(0.3) {
			// A layer offset retimes the asset's samples.
			ref += fmt.Sprintf(" (offset = %s; scale = %s)", f(float64(g.r.IntN(5)-2)), []string{"1", "0.5", "2"}[g.r.IntN(3)])
		}
		if g.p(0.2) {
			ref = "payload" + strings.TrimPrefix(ref, "references")
		}
		meta = append(meta, fmt.Sprintf("instanceable = %v", g.p(0.85)), ref)
		typ = "Xform"
		if g.p(0.3) {
			typ = "" // untyped: the type comes from the asset
		}
	}
	if g.p(0.7) {
		meta = append(meta, `prepend apiSchemas = ["MaterialBindingAPI"]`)
	}
	coll := g.p(0.15)
	if coll {
		if len(meta) > 0 && strings.HasPrefix(meta[len(meta)-1], "prepend apiSchemas") {
			meta[len(meta)-1] = `prepend apiSchemas = ["MaterialBindingAPI", "CollectionAPI:c"]`
		} else {
			meta = append(meta, `prepend apiSchemas = ["CollectionAPI:c"]`)
		}
	}
	head := "def"
	if !inst && g.p(0.04) {
		head = "over" // not defined: neither side traverses it
	}
	if typ != "" {
		head += " " + typ
	}
	if g.p(0.04) {
		meta = append(meta, "active = false")
	}
	if !inst && g.p(0.1) {
		meta = append(meta, "inherits = </_Class>")
	}
	variant := !inst && g.p(0.1)
	if variant {
		meta = append(meta, fmt.Sprintf(`variants = { string v = "%s" }`, []string{"a", "b"}[g.r.IntN(2)]), `prepend variantSets = "v"`)
	}
	if len(meta) > 0 {
		g.line(`%s "%s" (`, head, name)
		g.depth++
		for _, m := range meta {
			g.line("%s", m)
		}
		g.depth--
		g.line(")")
	} else {
		g.line(`%s "%s"`, head, name)
	}
	g.line("{")
	g.depth++
	g.props(path, typ, true)
	if variant {
		g.line(`variantSet "v" = {`)
		g.depth++
		for _, v := range []string{"a", "b"} {
			g.line(`"%s" {`, v)
			g.depth++
			g.props(path, typ, true)
			g.depth--
			g.line("}")
		}
		g.depth--
		g.line("}")
	}
	switch typ {
	case "Mesh":
		g.mesh()
	case "Sphere":
		g.optAttr("double radius", 0.2, 3)
	case "Cube":
		g.optAttr("double size", 0.2, 3)
	case "Cylinder", "Cone":
		g.optAttr("double radius", 0.2, 3)
		g.optAttr("double height", 0.2, 3)
		g.axis()
	case "Capsule":
		g.optAttr("double radius", 0.2, 3)
		g.optAttr("double height", 0.2, 3)
		g.axis()
	case "Cylinder_1", "Capsule_1":
		g.optAttr("double radiusTop", 0.2, 3)
		g.optAttr("double radiusBottom", 0.2, 3)
		g.optAttr("double height", 0.2, 3)
		g.axis()
	case "Plane":
		g.optAttr("double width", 0.2, 3)
		g.optAttr("double length", 0.2, 3)
		g.axis()
	case "BasisCurves":
		g.basisCurves()
	case "Points":
		g.points()
	}
	var kids []string
	if level < 4 && !inst && (typ == "Xform" || typ == "Scope" || typ == "" || g.p(0.1)) {
		for range g.r.IntN(4) {
			g.prim(path, level+1)
		}
	}
	if coll {
		kids = g.descendants(path)
		g.collection(path, kids)
	}
	if inst && !strings.HasPrefix(path, "/Assets/") && g.p(0.3) {
		// Local opinions below an instance: OpenUSD ignores them (the
		// instance shows its prototype only). Not inside assets: nested
		// instances are not instances for usd.Prim.IsInstance yet (a
		// known #12 defect, see subsets.extra), which would apply them.
		for _, d := range g.descendants(asset) {
			if rel := strings.TrimPrefix(d, asset+"/"); !strings.Contains(rel, "/") {
				g.line(`over "%s"`, rel)
				g.line("{")
				g.line(`    token visibility = "invisible"`)
				g.line(`    double3 xformOp:translate:local = (7, 7, 7)`)
				g.line(`    uniform token[] xformOpOrder = ["xformOp:translate:local"]`)
				g.line(`    rel material:binding = </Looks/M0> (bindMaterialAs = "strongerThanDescendants")`)
				g.line("}")
				break
			}
		}
	}
	g.depth--
	g.line("}")
}

func (g *sceneGen) descendants(path string) []string {
	var out []string
	for _, p := range g.paths {
		if strings.HasPrefix(p, path+"/") {
			out = append(out, p)
		}
	}
	return out
}

// collection writes collection:c on the prim at path, and a collection
// binding to it (all-purpose or purpose-specific, maybe stronger).
func (g *sceneGen) collection(path string, kids []string) {
	pick := func() string {
		if len(kids) == 0 || g.p(0.2) {
			return path
		}
		return kids[g.r.IntN(len(kids))]
	}
	inc := []string{"<" + pick() + ">"}
	if x := "<" + pick() + ">"; g.p(0.4) && x != inc[0] {
		inc = append(inc, x)
	}
	g.line("rel collection:c:includes = [%s]", strings.Join(inc, ", "))
	if g.p(0.3) {
		g.line("rel collection:c:excludes = [<%s>]", pick())
	}
	if g.p(0.2) {
		g.line(`uniform token collection:c:expansionRule = "%s"`, []string{"explicitOnly", "expandPrims", "expandPrimsAndProperties"}[g.r.IntN(3)])
	}
	purpose := ""
	if g.p(0.3) {
		purpose = []string{"full:", "preview:"}[g.r.IntN(2)]
	}
	strength := ""
	if g.p(0.3) {
		strength = ` (bindMaterialAs = "strongerThanDescendants")`
	}
	g.line("rel material:binding:collection:%sB = [<%s.collection:c>, <%s>]%s", purpose, path, g.material(), strength)
}

func (g *sceneGen) axis() {
	if g.p(0.4) {
		g.line(`uniform token axis = "%s"`, []string{"X", "Y", "Z"}[g.r.IntN(3)])
	}
}

func (g *sceneGen) optAttr(decl string, lo, hi float64) {
	if g.p(0.6) {
		g.line("%s = %s", decl, f(g.num(lo, hi)))
	}
}

func (g *sceneGen) mesh() {
	if g.p(0.5) {
		g.line("int[] faceVertexCounts = [4]")
		g.line("int[] faceVertexIndices = [0, 1, 2, 3]")
		g.line("point3f[] points = [%s, %s, %s, %s]", g.vec3(-2, 2), g.vec3(-2, 2), g.vec3(-2, 2), g.vec3(-2, 2))
	} else {
		g.line("int[] faceVertexCounts = [3, 3, 3, 3]")
		g.line("int[] faceVertexIndices = [0, 1, 2, 0, 3, 1, 1, 3, 2, 2, 3, 0]")
		g.line("point3f[] points = [%s, %s, %s, %s]", g.vec3(-2, 2), g.vec3(-2, 2), g.vec3(-2, 2), g.vec3(-2, 2))
	}
	if g.p(0.3) {
		g.subsets()
	}
	if g.p(0.2) && g.hasStart {
		// Animated points straddling the render time.
		g.line("point3f[] points.timeSamples = {")
		g.depth++
		g.line("%s: [%s, %s, %s, %s],", f(g.start-1), g.vec3(-2, 2), g.vec3(-2, 2), g.vec3(-2, 2), g.vec3(-2, 2))
		g.line("%s: [%s, %s, %s, %s],", f(g.start+1), g.vec3(-2, 2), g.vec3(-2, 2), g.vec3(-2, 2), g.vec3(-2, 2))
		g.depth--
		g.line("}")
	}
}

// basisCurves writes valid curves of every type, basis and wrap (4 or 7
// vertices each, valid for all of them), with widths of one interpolation
// or none: the extent OpenUSD computes is the control hull grown by the
// widest width.
func (g *sceneGen) basisCurves() {
	g.line(`uniform token type = "%s"`, []string{"linear", "cubic"}[g.r.IntN(2)])
	if g.p(0.7) {
		g.line(`uniform token basis = "%s"`, []string{"bezier", "bspline", "catmullRom"}[g.r.IntN(3)])
	}
	if g.p(0.4) {
		g.line(`uniform token wrap = "%s"`, []string{"nonperiodic", "pinned"}[g.r.IntN(2)])
	}
	var counts, pts []string
	for range 1 + g.r.IntN(3) {
		n := []int{4, 7}[g.r.IntN(2)]
		counts = append(counts, strconv.Itoa(n))
		for range n {
			pts = append(pts, g.vec3(-2, 2))
		}
	}
	g.line("int[] curveVertexCounts = [%s]", strings.Join(counts, ", "))
	g.line("point3f[] points = [%s]", strings.Join(pts, ", "))
	switch k := g.r.IntN(3); k {
	case 0:
		g.line(`float[] widths = [%s] (interpolation = "constant")`, f(g.num(0.01, 0.5)))
	case 1:
		var w []string
		for range pts {
			w = append(w, f(g.num(0.01, 0.5)))
		}
		g.line("float[] widths = [%s]", strings.Join(w, ", "))
	}
}

// points writes a Points prim with one width per point, none, or (rarely)
// a wrong count, for which OpenUSD computes no extent.
func (g *sceneGen) points() {
	n := 1 + g.r.IntN(4)
	var pts, w []string
	for range n {
		pts = append(pts, g.vec3(-2, 2))
		w = append(w, f(g.num(0.05, 1)))
	}
	g.line("point3f[] points = [%s]", strings.Join(pts, ", "))
	switch {
	case g.p(0.1):
		g.line("float[] widths = [%s, 0.1]", strings.Join(w, ", "))
	case g.p(0.7):
		g.line("float[] widths = [%s]", strings.Join(w, ", "))
	}
}

// subsets writes GeomSubsets of a mesh's faces (it has one quad or four
// triangles): materialBind ones with and without bindings of their own
// (direct, purpose-specific, stronger), and one of another family.
func (g *sceneGen) subsets() {
	for i := range 1 + g.r.IntN(3) {
		family := "materialBind"
		if g.p(0.15) {
			family = "other"
		}
		g.line(`def GeomSubset "S%d" (prepend apiSchemas = ["MaterialBindingAPI"])`, i)
		g.line("{")
		g.depth++
		g.line(`uniform token elementType = "face"`)
		g.line(`uniform token familyName = "%s"`, family)
		g.line("int[] indices = [%d]", g.r.IntN(2))
		switch k := g.r.IntN(4); k {
		case 0:
			g.line("rel material:binding = <%s>", g.material())
		case 1:
			g.line("rel material:binding:full = <%s>", g.material())
		case 2:
			g.line("rel material:binding = <%s> (bindMaterialAs = \"strongerThanDescendants\")", g.material())
		}
		g.depth--
		g.line("}")
	}
}

// props writes the imageable and xformable properties and bindings.
func (g *sceneGen) props(path, typ string, xformable bool) {
	if xformable && typ != "" {
		g.xformOps(typ == "Scope")
	}
	if g.p(0.15) {
		v := []string{"invisible", "inherited"}[g.r.IntN(2)]
		if g.p(0.3) && g.hasStart {
			g.line("token visibility.timeSamples = {%s: \"%s\", %s: \"inherited\"}", f(g.start-0.5), v, f(g.start+0.5))
		} else {
			g.line(`token visibility = "%s"`, v)
		}
	}
	if g.p(0.15) {
		g.line(`uniform token purpose = "%s"`, []string{"default", "render", "proxy", "guide"}[g.r.IntN(4)])
	}
	if g.p(0.35) {
		strength := ""
		if g.p(0.3) {
			strength = ` (bindMaterialAs = "strongerThanDescendants")`
		} else if g.p(0.1) {
			strength = ` (bindMaterialAs = "weakerThanDescendants")`
		}
		g.line("rel material:binding = <%s>%s", g.material(), strength)
	}
	for _, purpose := range []string{"full", "preview"} {
		if g.p(0.12) {
			strength := ""
			if g.p(0.3) {
				strength = ` (bindMaterialAs = "strongerThanDescendants")`
			}
			g.line("rel material:binding:%s = <%s>%s", purpose, g.material(), strength)
		}
	}
}

var xformOpKinds = []string{
	"translate", "scale", "rotateX", "rotateY", "rotateZ", "rotateXYZ", "rotateXZY", "rotateYXZ",
	"rotateYZX", "rotateZXY", "rotateZYX", "orient", "transform",
}

// xformOps writes a random xformOpOrder with its ops (for a Scope too,
// which is not Xformable: OpenUSD ignores them).
func (g *sceneGen) xformOps(scope bool) {
	if scope && !g.p(0.2) {
		return
	}
	if !g.p(0.8) {
		return
	}
	var order []string
	if g.p(0.08) {
		order = append(order, `"!resetXformStack!"`)
	}
	used := map[string]bool{}
	for range 1 + g.r.IntN(4) {
		kind := xformOpKinds[g.r.IntN(len(xformOpKinds))]
		name := "xformOp:" + kind
		if g.p(0.3) {
			name += ":s" + strconv.Itoa(g.r.IntN(3))
		}
		if used[name] {
			continue
		}
		used[name] = true
		g.xformOp(kind, name)
		op := name
		if g.p(0.1) {
			op = "!invert!" + name
		}
		order = append(order, `"`+op+`"`)
		if g.p(0.1) && !used[name+"!pivot"] && (kind == "translate") {
			used[name+"!pivot"] = true
			order = append(order, `"!invert!`+name+`"`)
		}
	}
	g.line("uniform token[] xformOpOrder = [%s]", strings.Join(order, ", "))
}

func (g *sceneGen) xformOp(kind, name string) {
	prec := []string{"double", "float"}[g.r.IntN(2)]
	var typ string
	val := func() string { return "" }
	switch kind {
	case "translate":
		typ = prec + "3"
		val = func() string { return g.vec3(-5, 5) }
	case "scale":
		typ = prec + "3"
		val = func() string { return g.vec3(0.2, 3) }
	case "rotateX", "rotateY", "rotateZ":
		typ = prec
		val = func() string { return f(g.num(-180, 180)) }
	case "orient":
		typ = []string{"quatd", "quatf"}[g.r.IntN(2)]
		val = g.quat
	case "transform":
		typ = "matrix4d"
		val = func() string {
			// A rotation-scale-translation, written whole.
			a, b := g.num(-3, 3), g.num(-3, 3)
			s := g.num(0.5, 2)
			ca, sa := math.Cos(a), math.Sin(a)
			cb, sb := math.Cos(b), math.Sin(b)
			rows := [4][4]float64{
				{s * ca, s * sa, 0, 0},
				{-s * sa * cb, s * ca * cb, s * sb, 0},
				{s * sa * sb, -s * ca * sb, s * cb, 0},
				{g.num(-5, 5), g.num(-5, 5), g.num(-5, 5), 1},
			}
			var parts []string
			for _, r := range rows {
				parts = append(parts, fmt.Sprintf("(%s, %s, %s, %s)", f(r[0]), f(r[1]), f(r[2]), f(r[3])))
			}
			return "(" + strings.Join(parts, ", ") + ")"
		}
	default: // rotateXYZ and friends
		typ = prec + "3"
		val = func() string { return g.vec3(-180, 180) }
	}
	if g.hasStart && g.p(0.15) {
		g.line("%s %s.timeSamples = {", typ, name)
		g.depth++
		g.line("%s: %s,", f(g.start-1-float64(g.r.IntN(2))), val())
		g.line("%s: %s,", f(g.start+1), val())
		g.depth--
		g.line("}")
		return
	}
	g.line("%s %s = %s", typ, name, val())
}

// instancer writes a PointInstancer with prototypes below it.
func (g *sceneGen) instancer(parent string) {
	name := g.name("PI")
	path := parent + "/" + name
	g.line(`def PointInstancer "%s" (`, name)
	g.depth++
	g.line(`prepend apiSchemas = ["MaterialBindingAPI"]`)
	n := 1 + g.r.IntN(8)
	if g.p(0.2) {
		// Distinct ids: Sdf rejects a list op with duplicates.
		a, b := g.r.IntN(n+3), g.r.IntN(n+3)
		ids := strconv.Itoa(a)
		if b != a {
			ids += ", " + strconv.Itoa(b)
		}
		g.line("inactiveIds = [%s]", ids)
	}
	g.depth--
	g.line(")")
	g.line("{")
	g.depth++
	g.props(path, "PointInstancer", true)
	nproto := 1 + g.r.IntN(3)
	var protos []string
	for i := range nproto {
		protos = append(protos, fmt.Sprintf("<%s/Protos/Proto%d>", path, i))
	}
	g.line("rel prototypes = [%s]", strings.Join(protos, ", "))
	var idx, pos, ori, scl []string
	for range n {
		idx = append(idx, strconv.Itoa(g.r.IntN(nproto)))
		pos = append(pos, g.vec3(-5, 5))
		ori = append(ori, g.quat())
		scl = append(scl, g.vec3(0.3, 2))
	}
	switch {
	case g.p(0.03):
		idx[g.r.IntN(n)] = strconv.Itoa(nproto) // out of range: OpenUSD computes no instance
	case g.p(0.03):
		pos = pos[:n-1] // too few positions: likewise
	}
	// Short orientations or scales are not generated: OpenUSD 26.11 reads
	// past the end of the array (garbage transforms), so there is no
	// reference answer.
	g.line("int[] protoIndices = [%s]", strings.Join(idx, ", "))
	if g.hasStart && g.p(0.15) {
		var pos2 []string
		for range pos {
			pos2 = append(pos2, g.vec3(-5, 5))
		}
		t0, t1 := g.start-1-float64(g.r.IntN(2)), g.start+1
		if g.p(0.2) {
			t0, t1 = g.start+1, g.start+3 // the render time before the first sample
		}
		g.line("point3f[] positions.timeSamples = {%s: [%s], %s: [%s]}", f(t0), strings.Join(pos, ", "), f(t1), strings.Join(pos2, ", "))
		if g.p(0.6) {
			// Velocities: positions are then extrapolated from a sample at
			// or before the render time (when the sample times agree).
			var v0, v1 []string
			for range pos {
				v0, v1 = append(v0, g.vec3(-30, 30)), append(v1, g.vec3(-30, 30))
			}
			vt := t0
			if g.p(0.2) {
				vt = t0 - 0.5
			}
			g.line("vector3f[] velocities.timeSamples = {%s: [%s], %s: [%s]}", f(vt), strings.Join(v0, ", "), f(t1), strings.Join(v1, ", "))
		}
	} else {
		g.line("point3f[] positions = [%s]", strings.Join(pos, ", "))
	}
	if g.p(0.7) {
		g.line("quath[] orientations = [%s]", strings.Join(ori, ", "))
	}
	if g.p(0.6) {
		g.line("float3[] scales = [%s]", strings.Join(scl, ", "))
	}
	hasIDs := g.p(0.3)
	if hasIDs {
		var ids []string
		for i := range n {
			ids = append(ids, strconv.Itoa(100+3*i+g.r.IntN(3)))
		}
		g.line("int64[] ids = [%s]", strings.Join(ids, ", "))
	}
	if g.p(0.4) {
		var inv []string
		for range 1 + g.r.IntN(3) {
			if hasIDs && g.p(0.7) {
				inv = append(inv, strconv.Itoa(100+3*g.r.IntN(n)+g.r.IntN(3)))
			} else {
				inv = append(inv, strconv.Itoa(g.r.IntN(n+1)))
			}
		}
		g.line("int64[] invisibleIds = [%s]", strings.Join(inv, ", "))
	}
	g.line(`def Scope "Protos"`)
	g.line("{")
	g.depth++
	for i := range nproto {
		pp := fmt.Sprintf("%s/Protos/Proto%d", path, i)
		typ := "Xform"
		if g.p(0.5) {
			typ = gprimTypes[1+g.r.IntN(len(gprimTypes)-1)]
		}
		g.line(`def %s "Proto%d"`, typ, i)
		g.line("{")
		g.depth++
		g.props(pp, typ, true)
		if typ == "Xform" {
			g.line(`def Cube "Geo"`)
			g.line("{")
			g.depth++
			g.props(pp+"/Geo", "Cube", true)
			g.depth--
			g.line("}")
		}
		g.depth--
		g.line("}")
	}
	g.depth--
	g.line("}")
	g.depth--
	g.line("}")
}

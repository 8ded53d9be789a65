package oracle

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// The crate generator writes random usda layers that hold attributes of
// every value type the crate format stores (scalar and array, default and
// time-sampled), dictionaries, list-op metadata, relationship targets,
// connections, path-valued fields, variant sets and prims of every
// specifier. OpenUSD then writes each as a .usdc (scripts/oracle/
// crate_values.py) and our crate reader must give back every value bit for
// bit.
//
// A layer is a tree of items, each one line or block of usda text; the
// shrinker drops items (attributes, metadata lines, prims) while a case
// still fails.

// CrateVersions are the crate versions usd-core 26.11 writes and reads
// (0.0.1 to 0.3.0 it can no longer read; 0.4.0 to 0.7.0 it still reads,
// with a deprecation warning).
var CrateVersions = []string{"0.4.0", "0.5.0", "0.6.0", "0.7.0", "0.8.0", "0.9.0", "0.10.0", "0.11.0", "0.12.0", "0.13.0", "0.14.0"}

// genItem is one removable piece of a generated layer.
type genItem struct {
	id     int
	head   string // a line, or a block's opening ("def Xform \"A\" (")
	meta   []*genItem
	body   []*genItem // properties and child prims
	isPrim bool
}

// GenLayer is a generated layer: its metadata and root prims.
type GenLayer struct {
	Seed  uint64
	Meta  []*genItem
	Prims []*genItem
	n     int
}

type crateGen struct {
	r     *rand.Rand
	l     *GenLayer
	paths []string // prim paths made so far (targets of relationships)
	props []string // attribute paths made so far (connection targets)
	short bool     // arrays of at most 20 elements (many time samples)
	minor int      // crate version 0.<minor>.0 the layer is written at
}

// allows reports whether values that need crate 0.<minor> may be used.
func (g *crateGen) allows(minor int) bool { return g.minor >= minor }

// fitVersion replaces a value type the crate version cannot hold.
func (g *crateGen) fitVersion(t string) string {
	switch {
	case strings.HasPrefix(t, "timecode") && !g.allows(9):
		return "double" + strings.TrimPrefix(t, "timecode")
	case strings.HasPrefix(t, "pathExpression") && !g.allows(10):
		return "string" + strings.TrimPrefix(t, "pathExpression")
	}
	return t
}

// GenerateCrateLayer makes the layer of one seed, to be written at crate
// version (as "0.8.0"). Values that need a later version than that
// (timecode 0.9, list-edited payloads 0.8, path expressions 0.10, layer
// relocates 0.11) are left out: OpenUSD 26.11 then upgrades the file in
// the middle of writing it, and the arrays it wrote before the upgrade
// keep the old layout (32-bit counts), which OpenUSD itself reads back
// wrongly (shifted elements) or not at all.
func GenerateCrateLayer(seed uint64, version string) *GenLayer {
	g := &crateGen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), l: &GenLayer{Seed: seed}}
	if parts := strings.Split(version, "."); len(parts) == 3 {
		g.minor, _ = strconv.Atoi(parts[1])
	}
	g.layerMeta()
	nPrims := 1 + g.r.IntN(4)
	for i := 0; i < nPrims; i++ {
		g.l.Prims = append(g.l.Prims, g.prim("/", fmt.Sprintf("P%d", i), 0))
	}
	if g.r.IntN(12) == 0 {
		// Thousands of alike prims: the structural sections (paths, specs,
		// field sets) become long, very compressible integer arrays.
		var b strings.Builder
		b.WriteString("def Scope \"Many\"\n{\n")
		for i, n := 0, 500+g.r.IntN(2500); i < n; i++ {
			fmt.Fprintf(&b, "def Mesh \"M%d\"\n{\nint[] faceVertexCounts = [3, 3]\n}\n", i)
		}
		b.WriteString("}\n")
		g.l.Prims = append(g.l.Prims, g.item(b.String()))
	}
	return g.l
}

func (g *crateGen) item(text string) *genItem {
	g.l.n++
	return &genItem{id: g.l.n, head: text}
}

func (g *crateGen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

func (g *crateGen) layerMeta() {
	add := func(s string) { g.l.Meta = append(g.l.Meta, g.item(s)) }
	if g.r.IntN(2) == 0 {
		add(`defaultPrim = "P0"`)
	}
	if g.r.IntN(2) == 0 {
		add(fmt.Sprintf("startTimeCode = %s", fmtF64(float64(g.r.IntN(10)))))
		add(fmt.Sprintf("endTimeCode = %s", fmtF64(float64(10+g.r.IntN(100)))))
	}
	if g.r.IntN(3) == 0 {
		add(fmt.Sprintf("timeCodesPerSecond = %s", g.pick("24", "30", "23.976", "48")))
	}
	if g.r.IntN(3) == 0 {
		add(`doc = "generated layer \"with\" quotes"`)
	}
	if g.r.IntN(2) == 0 {
		add("customLayerData = " + g.dict(0))
	}
	if g.r.IntN(4) == 0 {
		add(`subLayers = [@./sub_a.usda@ (offset = 10; scale = 2), @sub b.usda@]`)
	}
	if g.allows(11) && g.r.IntN(6) == 0 { // layer relocates: crate 0.11
		add("relocates = {\n</P0/C0>: </P0/Moved>,\n</P1>: </Elsewhere>\n}")
	}
}

// dict is a usda dictionary literal with typed entries, nested up to depth 2.
func (g *crateGen) dict(depth int) string {
	var b strings.Builder
	b.WriteString("{\n")
	n := g.r.IntN(5)
	for i := 0; i < n; i++ {
		key := fmt.Sprintf("k%d", i)
		if g.r.IntN(6) == 0 {
			key = fmt.Sprintf(`"key %d:x"`, i)
		}
		switch k := g.r.IntN(9); {
		case k == 0 && depth < 2:
			fmt.Fprintf(&b, "dictionary %s = %s\n", key, g.dict(depth+1))
		default:
			t := g.pick("bool", "int", "int64", "uint", "float", "double", "half", "string", "token",
				"asset", "float3", "double2", "int[]", "string[]", "token[]", "matrix4d", "quatf", "timecode", "uchar", "uint64", "half3", "float[]")
			t = g.fitVersion(t)
			fmt.Fprintf(&b, "%s %s = %s\n", t, key, g.value(t, false))
		}
	}
	b.WriteString("}")
	return b.String()
}

// valueTypes are the scalar value type names of the generator: every crate
// value type, and the role names that map onto them.
var valueTypes = []string{
	"bool", "uchar", "int", "uint", "int64", "uint64", "half", "float", "double", "timecode",
	"string", "token", "asset", "matrix2d", "matrix3d", "matrix4d", "quath", "quatf", "quatd",
	"double2", "double3", "double4", "float2", "float3", "float4", "half2", "half3", "half4",
	"int2", "int3", "int4",
	"point3f", "point3d", "point3h", "normal3f", "normal3d", "normal3h", "vector3f", "vector3d", "vector3h",
	"color3f", "color3d", "color3h", "color4f", "color4d", "color4h", "texCoord2f", "texCoord2d", "texCoord2h",
	"texCoord3f", "texCoord3d", "texCoord3h", "frame4d", "opaque", "pathExpression",
}

// base maps a role name to its value type and the number of components.
func base(t string) (elem string, n int) {
	switch {
	case strings.HasPrefix(t, "matrix"):
		d := int(t[6] - '0')
		return "double", d * d
	case t == "frame4d":
		return "double", 16
	case strings.HasPrefix(t, "quat"):
		return map[byte]string{'h': "half", 'f': "float", 'd': "double"}[t[4]], 4
	}
	switch t[:len(t)-1] { // float3, double2, int4
	case "float", "double", "half", "int":
		return t[:len(t)-1], int(t[len(t)-1] - '0')
	}
	// Role names: point3f, texCoord2h, color4d.
	last := t[len(t)-1]
	if len(t) >= 2 && t[len(t)-2] >= '2' && t[len(t)-2] <= '4' && strings.ContainsRune("hfdi", rune(last)) {
		return map[byte]string{'h': "half", 'f': "float", 'd': "double", 'i': "int"}[last], int(t[len(t)-2] - '0')
	}
	return t, 1
}

// arrayStyle picks how the elements of one array are drawn.
type arrayStyle int

const (
	styleRandom   arrayStyle = iota
	styleAllSame             // all one value: compresses very well
	styleRamp                // 0,1,2,... (int) — deltas of one
	styleFewInts             // small integers (float arrays: integer compression)
	styleFewFloat            // a few distinct floats (float arrays: lookup table)
	styleSpecial             // negative zero, denormals, huge, NaN, inf
)

// value is a usda literal of type t (scalar or, with array, an array).
func (g *crateGen) value(t string, array bool) string {
	attrArray := array
	if strings.HasSuffix(t, "[]") {
		t, array = strings.TrimSuffix(t, "[]"), true
	}
	if !array {
		return g.scalar(t, styleRandom, 0, nil)
	}
	// Attribute values only (the text format has no edits in dictionaries,
	// whose array values come here as "int[]" with array unset).
	if attrArray && g.allows(14) && t != "pathExpression" && t != "opaque" && g.r.IntN(5) == 0 {
		return g.arrayEdit(t)
	}
	var n int
	switch g.r.IntN(8) {
	case 0:
		n = 0
	case 1, 2:
		n = 16 + g.r.IntN(200) // compressed from 16 elements up
	case 3:
		n = 16 + g.r.IntN(300)
		if _, nc := base(t); nc == 1 {
			// Long scalar arrays: faceVertexCounts of thousands of faces.
			n = 1000 + g.r.IntN(5000)
		}
	default:
		n = 1 + g.r.IntN(20)
	}
	if g.short && n > 20 {
		n = 20
	}
	style := arrayStyle(g.r.IntN(6))
	if t == "int" && g.r.IntN(3) == 0 {
		style = styleAllSame // faceVertexCounts of a triangle or quad mesh
	}
	var lut []string
	if style == styleFewFloat {
		for i := 0; i < 1+g.r.IntN(40); i++ {
			lut = append(lut, g.scalar(t, styleRandom, i, nil))
		}
	}
	if style == styleAllSame {
		lut = []string{g.scalar(t, styleRandom, 0, nil)}
		if t == "int" || t == "uint" || t == "int64" || t == "uint64" {
			lut = []string{g.pick("3", "4", "0", "-1", "2147483647")}
			if strings.HasPrefix(t, "u") && lut[0] == "-1" {
				lut[0] = "7"
			}
		}
	}
	var b strings.Builder
	b.WriteByte('[')
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(g.scalar(t, style, i, lut))
	}
	b.WriteByte(']')
	return b.String()
}

// arrayEdit is a usda array edit (crate 0.14.0, VtArrayEdit) of element
// type t: every operation kind, literal and index forms, negative and
// out-of-range indexes, sizes with and without fill.
func (g *crateGen) arrayEdit(t string) string {
	lit := func() string { return g.scalar(t, styleRandom, 0, nil) }
	idx := func() string { return "[" + strconv.Itoa(g.r.IntN(13)-6) + "]" }
	size := func() string { return strconv.Itoa(g.r.IntN(9)) }
	var ops []string
	for range g.r.IntN(7) {
		var op string
		switch g.r.IntN(12) {
		case 0:
			op = "append " + lit()
		case 1:
			op = "prepend " + lit()
		case 2:
			op = "write " + lit() + " to " + idx()
		case 3:
			op = "insert " + lit() + " at " + idx()
		case 4:
			op = "erase " + idx()
		case 5:
			op = "write " + idx() + " to " + idx()
		case 6:
			op = "insert " + idx() + " at " + idx()
		case 7:
			op = g.pick("append ", "prepend ") + idx()
		case 8:
			op = "minsize " + size()
			if g.r.IntN(2) == 0 {
				op += " fill " + lit()
			}
		case 9:
			op = "resize " + size()
			if g.r.IntN(2) == 0 {
				op += " fill " + lit()
			}
		case 10:
			op = "maxsize " + size()
		default:
			op = "append " + lit()
		}
		ops = append(ops, op)
	}
	return "edit [" + strings.Join(ops, "; ") + "]"
}

func (g *crateGen) scalar(t string, style arrayStyle, i int, lut []string) string {
	if len(lut) > 0 {
		return lut[g.r.IntN(len(lut))]
	}
	switch t {
	case "bool":
		return g.pick("true", "false", "1", "0")
	case "string":
		return g.str()
	case "token":
		return `"` + g.pick("a", "tok", "Mesh", "with space", "ns:name", "", "x.y", "é") + `"`
	case "asset":
		return "@" + g.pick("a.usda", "./tex/b.png", "../up.usdc", "/abs/path.exr", "with space.usd", "", "pkg.usdz[in.usda]") + "@"
	case "opaque":
		return ""
	case "pathExpression":
		return `"` + g.pick("", "/a//b", "/World/*", "//Mesh", "/x /y", "/A.prop", "//{Mesh}") + `"`
	case "timecode":
		return g.float("double", style, i)
	}
	elem, n := base(t)
	if n == 1 {
		switch elem {
		case "uchar", "int", "uint", "int64", "uint64":
			return g.integer(elem, style, i)
		}
		return g.float(elem, style, i)
	}
	comp := func(k int) string {
		if elem == "int" {
			return g.integer("int", style, i*n+k)
		}
		return g.float(elem, style, i*n+k)
	}
	// Small integer vectors and diagonal matrices are inlined in the crate:
	// draw them often.
	inl := g.r.IntN(3) == 0
	small := func(k int) string {
		if inl {
			return strconv.Itoa(g.r.IntN(256) - 128)
		}
		return comp(k)
	}
	switch {
	case strings.HasPrefix(t, "matrix") || t == "frame4d":
		d := int(math.Sqrt(float64(n)))
		rows := make([]string, d)
		for r := 0; r < d; r++ {
			cols := make([]string, d)
			for c := 0; c < d; c++ {
				if inl && r != c {
					cols[c] = "0"
				} else {
					cols[c] = small(r*d + c)
				}
			}
			rows[r] = "(" + strings.Join(cols, ", ") + ")"
		}
		return "(" + strings.Join(rows, ", ") + ")"
	}
	cs := make([]string, n)
	for k := range cs {
		cs[k] = small(k)
	}
	return "(" + strings.Join(cs, ", ") + ")"
}

func (g *crateGen) str() string {
	return `"` + g.pick("", "plain", `quote \" inside`, `back\\slash`, `new\nline`, "tab\there", "unicode é ✓", "long "+strings.Repeat("x", 300)) + `"`
}

func (g *crateGen) integer(t string, style arrayStyle, i int) string {
	var lo, hi int64
	var uhi uint64
	switch t {
	case "uchar":
		lo, hi = 0, 255
	case "int":
		lo, hi = math.MinInt32, math.MaxInt32
	case "uint":
		lo, hi = 0, math.MaxUint32
	case "int64":
		lo, hi = math.MinInt64, math.MaxInt64
	case "uint64":
		uhi = math.MaxUint64
	}
	switch style {
	case styleRamp:
		if t == "uchar" {
			return strconv.Itoa(i % 256)
		}
		return strconv.Itoa(i)
	case styleFewInts:
		return strconv.Itoa(g.r.IntN(100))
	case styleSpecial:
		if t == "uint64" {
			return strconv.FormatUint(g.pickU(0, 1, uhi, uhi-1, 1<<63, 1<<32), 10)
		}
		v := g.pickI(lo, hi, 0, -1, 1, lo+1, 127, -128, 32767, -32768)
		if v < lo || v > hi {
			v = hi
		}
		return strconv.FormatInt(v, 10)
	}
	if t == "uint64" {
		switch g.r.IntN(3) {
		case 0:
			return strconv.FormatUint(g.r.Uint64(), 10)
		case 1:
			return strconv.FormatUint(uint64(g.r.IntN(70000)), 10)
		}
		return strconv.FormatUint(uint64(g.r.Uint32()), 10)
	}
	switch g.r.IntN(4) {
	case 0: // small deltas
		v := int64(g.r.IntN(200)) - 100
		if v < lo {
			v = lo
		}
		return strconv.FormatInt(v, 10)
	case 1: // medium
		v := int64(g.r.IntN(60000)) - 30000
		if v < lo {
			v = -v
		}
		if v > hi {
			v = hi
		}
		return strconv.FormatInt(v, 10)
	}
	if t == "uchar" {
		return strconv.Itoa(g.r.IntN(256))
	}
	if t == "int64" {
		return strconv.FormatInt(int64(g.r.Uint64()), 10)
	}
	if t == "uint" {
		return strconv.FormatUint(uint64(g.r.Uint32()), 10)
	}
	return strconv.FormatInt(int64(int32(g.r.Uint32())), 10)
}

func (g *crateGen) pickI(xs ...int64) int64   { return xs[g.r.IntN(len(xs))] }
func (g *crateGen) pickU(xs ...uint64) uint64 { return xs[g.r.IntN(len(xs))] }

func (g *crateGen) float(t string, style arrayStyle, i int) string {
	switch style {
	case styleRamp:
		return strconv.Itoa(i)
	case styleFewInts:
		return strconv.Itoa(g.r.IntN(200) - 100)
	case styleSpecial:
		return g.special(t)
	}
	switch g.r.IntN(6) {
	case 0:
		return g.special(t)
	case 1:
		return strconv.Itoa(g.r.IntN(256) - 128)
	case 2:
		return fmtF64(float64(g.r.IntN(2000)-1000) / 8)
	}
	x := (g.r.Float64()*2 - 1) * math.Pow(10, float64(g.r.IntN(12)-6))
	switch t {
	case "half":
		return fmtF64(float64(float32(x)))
	case "float":
		return strconv.FormatFloat(float64(float32(x)), 'g', -1, 32)
	}
	return fmtF64(x)
}

// special values: negative zero, the smallest denormals, the largest finite
// values, NaN and the infinities (all of which usda reads).
func (g *crateGen) special(t string) string {
	common := []string{"-0", "0", "nan", "inf", "-inf", "1e-300", "-1e300"}
	switch t {
	case "half":
		return g.pick(append(common, "65504", "-65504", "6e-08", "5.960464477539063e-08", "6.103515625e-05", "1e-10", "70000", "0.1")...)
	case "float":
		return g.pick(append(common, "1e-45", "1.401298464324817e-45", "1.1754943508222875e-38", "3.4028234663852886e+38", "-3.4028234663852886e+38", "1e39", "0.1")...)
	}
	return g.pick(append(common, "5e-324", "2.2250738585072014e-308", "1.7976931348623157e+308", "-1.7976931348623157e+308", "0.1", "1e16")...)
}

func fmtF64(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

func (g *crateGen) prim(parent, name string, depth int) *genItem {
	spec := g.pick("def", "def", "def", "over", "class")
	typ := g.pick("", "Xform", "Mesh", "Scope", "Material", "Shader", "Camera")
	path := parentJoin(parent, name)
	if !strings.Contains(path, "{") {
		g.paths = append(g.paths, path)
	}
	head := spec
	if typ != "" {
		head += " " + typ
	}
	it := g.item(fmt.Sprintf("%s %q", head, name))
	it.isPrim = true
	addMeta := func(s string) { it.meta = append(it.meta, g.item(s)) }
	if g.r.IntN(3) == 0 {
		addMeta("kind = " + g.pick(`"component"`, `"group"`, `"assembly"`, `"subcomponent"`))
	}
	if g.r.IntN(4) == 0 {
		addMeta("active = " + g.pick("true", "false"))
	}
	if g.r.IntN(4) == 0 {
		addMeta("instanceable = " + g.pick("true", "false"))
	}
	if g.r.IntN(5) == 0 {
		addMeta("hidden = true")
	}
	if g.r.IntN(3) == 0 {
		addMeta("customData = " + g.dict(0))
	}
	if g.r.IntN(3) == 0 {
		addMeta(g.listOp("apiSchemas", func() string {
			return `"` + g.pick("MaterialBindingAPI", "SkelBindingAPI", "CollectionAPI:c1", "GeomModelAPI") + `"`
		}))
	}
	if g.r.IntN(3) == 0 {
		addMeta(g.listOp("references", g.reference))
	}
	if g.r.IntN(4) == 0 {
		if g.allows(8) {
			addMeta(g.listOp("payload", g.payload))
		} else {
			addMeta("payload = @./pay.usda@") // one SdfPayload, as crates before 0.8 hold
		}
	}
	if g.r.IntN(4) == 0 {
		addMeta(g.listOp("inherits", func() string { return "</" + g.pick("C0", "Class", "P0/Inner") + ">" }))
	}
	if g.r.IntN(5) == 0 {
		addMeta(g.listOp("specializes", func() string { return "</" + g.pick("S0", "Base") + ">" }))
	}
	if g.r.IntN(5) == 0 {
		addMeta(fmt.Sprintf("permission = %s", g.pick("public", "private")))
	}
	if g.r.IntN(5) == 0 {
		addMeta(`documentation = "prim doc"`)
	}
	if g.r.IntN(6) == 0 {
		addMeta(fmt.Sprintf("symmetryFunction = %s", g.pick("", "mirror")))
	}
	nAttrs := g.r.IntN(7)
	for i := 0; i < nAttrs; i++ {
		name := fmt.Sprintf("a%d", i)
		if g.r.IntN(4) == 0 { // namespaced names: tokens with colons
			name = g.pick("primvars:st", "inputs:diffuseColor", "xformOp:translate", "ns:deep:er") + name
		}
		it.body = append(it.body, g.attribute(path, name))
	}
	if g.r.IntN(2) == 0 {
		it.body = append(it.body, g.relationship(path, "r0"))
	}
	if depth < 2 {
		for i := 0; i < g.r.IntN(3); i++ {
			it.body = append(it.body, g.prim(path, fmt.Sprintf("C%d", i), depth+1))
		}
	}
	if depth < 2 && g.r.IntN(4) == 0 {
		vs := fmt.Sprintf("vs%d", depth)
		sel := []string{"x", "y", "z_2"}[:1+g.r.IntN(3)]
		var b strings.Builder
		fmt.Fprintf(&b, "variantSet %q = {\n", vs)
		for _, s := range sel {
			fmt.Fprintf(&b, "%q {\n", s)
			vp := g.prim(path+"{"+vs+"="+s+"}", "V", 2)
			b.WriteString(render(vp, nil))
			b.WriteString(render(g.attribute(path, "va"), nil))
			b.WriteString("}\n")
		}
		b.WriteString("}\n")
		it.body = append(it.body, g.item(b.String()))
		addMeta(fmt.Sprintf("variants = {\nstring %s = %q\n}", vs, sel[g.r.IntN(len(sel))]))
		addMeta(fmt.Sprintf("prepend variantSets = %q", vs))
	}
	return it
}

func parentJoin(parent, name string) string {
	if parent == "/" {
		return "/" + name
	}
	return parent + "/" + name
}

func (g *crateGen) reference() string {
	s := g.pick("@./ref.usda@", "@other.usdc@</Model>", "</P0>", "@a.usd@</M/N>", "@@")
	if s == "@@" {
		s = "</P1>"
	}
	if g.r.IntN(3) == 0 {
		s += fmt.Sprintf(" (offset = %s; scale = %s)", g.float("double", styleFewInts, 0), g.pick("1", "2", "0.5", "-1"))
	}
	if g.r.IntN(5) == 0 {
		s += " (customData = {int x = 1})"
		if strings.Contains(s, "offset") {
			s = strings.Replace(s, "scale", "customData = {int x = 1}; scale", 1)
			s = strings.TrimSuffix(s, " (customData = {int x = 1})")
		}
	}
	return s
}

func (g *crateGen) payload() string {
	s := g.pick("@./pay.usda@", "@p.usdc@</Model>", "</P0>")
	if g.r.IntN(3) == 0 {
		s += fmt.Sprintf(" (offset = %s; scale = %s)", g.float("double", styleFewInts, 0), g.pick("1", "2", "0.25"))
	}
	return s
}

// listOp is a list-op metadata line in one of its forms, without
// duplicate items (OpenUSD refuses them) and with None only explicit.
func (g *crateGen) listOp(name string, item func() string) string {
	list := func(min int) string {
		n := min + g.r.IntN(4)
		seen := map[string]bool{}
		var xs []string
		for i := 0; i < n; i++ {
			x := item()
			key, _, _ := strings.Cut(x, " (") // offsets do not make items differ
			if !seen[key] {
				seen[key] = true
				xs = append(xs, x)
			}
		}
		return "[" + strings.Join(xs, ", ") + "]"
	}
	switch g.r.IntN(6) {
	case 0:
		return fmt.Sprintf("%s = %s", name, list(0))
	case 1:
		return fmt.Sprintf("prepend %s = %s", name, list(1))
	case 2:
		return fmt.Sprintf("append %s = %s", name, list(1))
	case 3:
		return fmt.Sprintf("delete %s = %s", name, list(1))
	case 4:
		return fmt.Sprintf("add %s = %s", name, list(1))
	}
	return fmt.Sprintf("%s = None", name)
}

func (g *crateGen) attribute(prim, name string) *genItem {
	t := g.fitVersion(valueTypes[g.r.IntN(len(valueTypes))])
	array := g.r.IntN(2) == 0
	if t == "opaque" {
		array = false
	}
	typeName := t
	if array {
		typeName += "[]"
	}
	var b strings.Builder
	decl := ""
	if g.r.IntN(5) == 0 {
		decl += "custom "
	}
	if g.r.IntN(4) == 0 {
		decl += "uniform "
	}
	decl += typeName + " " + name
	if !strings.Contains(prim, "{") { // targets inside variants would need variant paths
		g.props = append(g.props, prim+"."+name)
	}
	var meta []string
	if g.r.IntN(4) == 0 {
		meta = append(meta, "interpolation = "+g.pick(`"vertex"`, `"faceVarying"`, `"constant"`))
	}
	if g.r.IntN(6) == 0 {
		meta = append(meta, fmt.Sprintf("elementSize = %d", 1+g.r.IntN(4)))
	}
	if g.r.IntN(5) == 0 {
		meta = append(meta, "customData = "+g.dict(1))
	}
	if g.r.IntN(8) == 0 {
		meta = append(meta, `doc = "attr doc"`)
	}
	if g.r.IntN(8) == 0 {
		meta = append(meta, "displayGroup = \"grp\"")
	}
	metaText := ""
	if len(meta) > 0 {
		metaText = " (\n" + strings.Join(meta, "\n") + "\n)"
	}
	hasDefault := t != "opaque" && g.r.IntN(4) != 0
	switch {
	case t == "opaque":
		fmt.Fprintf(&b, "%s%s\n", decl, metaText)
	case hasDefault && g.r.IntN(12) == 0:
		fmt.Fprintf(&b, "%s = None%s\n", decl, metaText)
	case hasDefault && g.allows(12) && g.r.IntN(16) == 0:
		fmt.Fprintf(&b, "%s = AnimationBlock%s\n", decl, metaText)
	case hasDefault:
		fmt.Fprintf(&b, "%s = %s%s\n", decl, g.value(t, array), metaText)
	default:
		fmt.Fprintf(&b, "%s%s\n", decl, metaText)
	}
	if t != "opaque" && g.r.IntN(3) == 0 {
		n := 1 + g.r.IntN(4)
		many := g.r.IntN(6) == 0
		if many {
			// Many samples: their times are a long double array, which
			// the crate compresses (integers, or a lookup table).
			n = 20 + g.r.IntN(180)
		}
		fmt.Fprintf(&b, "%s.timeSamples = {\n", decl)
		for i := 0; i < n; i++ {
			tm := g.pick("0", "1", "-1", "2.5", "1e-3", "100", "1000000", "-0.25", strconv.Itoa(10+i))
			if many {
				tm = strconv.Itoa(i - 10)
				if n%2 == 0 {
					tm = fmtF64(float64(i) / 4)
				}
			}
			if g.r.IntN(6) == 0 {
				fmt.Fprintf(&b, "%s: None,\n", tm)
			} else {
				g.short = many
				fmt.Fprintf(&b, "%s: %s,\n", tm, g.value(t, array))
				g.short = false
			}
		}
		b.WriteString("}\n")
	}
	if len(g.props) > 1 && g.r.IntN(5) == 0 {
		tgt := g.props[g.r.IntN(len(g.props)-1)]
		fmt.Fprintf(&b, "%s.connect = <%s>\n", decl, tgt)
	}
	return g.item(b.String())
}

func (g *crateGen) relationship(prim, name string) *genItem {
	decl := "rel " + name
	if g.r.IntN(4) == 0 {
		decl = "custom " + decl
	}
	target := func() string {
		if len(g.props) > 0 && g.r.IntN(3) == 0 {
			return "<" + g.props[g.r.IntN(len(g.props))] + ">"
		}
		return "<" + g.paths[g.r.IntN(len(g.paths))] + ">"
	}
	switch g.r.IntN(5) {
	case 0:
		return g.item(decl + "\n")
	case 1:
		return g.item(decl + " = None\n")
	case 2:
		a, b := target(), target()
		if a == b {
			return g.item(fmt.Sprintf("prepend %s = [%s]\n", decl, a))
		}
		return g.item(fmt.Sprintf("prepend %s = [%s, %s]\n", decl, a, b))
	case 3:
		return g.item(fmt.Sprintf("%s = %s\ndelete %s = %s\n", decl, target(), decl, target()))
	}
	return g.item(fmt.Sprintf("%s = [%s]\n", decl, target()))
}

// render prints an item (a prim with its metadata and body, or a line),
// skipping items whose id is in drop.
func render(it *genItem, drop map[int]bool) string {
	if drop[it.id] {
		return ""
	}
	if !it.isPrim {
		return it.head + "\n"
	}
	var b strings.Builder
	b.WriteString(it.head)
	var meta []string
	for _, m := range it.meta {
		if !drop[m.id] {
			meta = append(meta, m.head)
		}
	}
	if len(meta) > 0 {
		b.WriteString(" (\n" + strings.Join(meta, "\n") + "\n)")
	}
	b.WriteString("\n{\n")
	for _, c := range it.body {
		b.WriteString(render(c, drop))
	}
	b.WriteString("}\n")
	return b.String()
}

// Usda prints the layer without the items in drop.
func (l *GenLayer) Usda(drop map[int]bool) string {
	var b strings.Builder
	b.WriteString("#usda 1.0\n")
	var meta []string
	for _, m := range l.Meta {
		if !drop[m.id] {
			meta = append(meta, m.head)
		}
	}
	if len(meta) > 0 {
		b.WriteString("(\n" + strings.Join(meta, "\n") + "\n)\n")
	}
	for _, p := range l.Prims {
		b.WriteString("\n" + render(p, drop))
	}
	return b.String()
}

// Items lists the ids of every removable item, outermost first.
func (l *GenLayer) Items() []int {
	var out []int
	var walk func(*genItem)
	walk = func(it *genItem) {
		out = append(out, it.id)
		for _, m := range it.meta {
			walk(m)
		}
		for _, c := range it.body {
			walk(c)
		}
	}
	for _, m := range l.Meta {
		walk(m)
	}
	for _, p := range l.Prims {
		walk(p)
	}
	return out
}

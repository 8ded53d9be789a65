package oracle

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// The USD composition generator: a seeded random layer stack (a root layer,
// sublayers with offsets, scales and timeCodesPerSecond, layers reached by
// internal and external references and payloads, a value-clip layer) whose
// prims use every composition arc and list-op form: inherits, specializes,
// nested variant sets with selections authored in other variants and in
// classes, relocates, instanceable prims, value clips, and attributes of
// several value types with defaults and time samples. The case is kept as a
// small tree of text fragments rather than as sdf.Layer values, so that the
// shrinker can drop any fragment and the files are written by hand, not by
// the usda writer under test.

// UsdCase is one generated stage: its layers (the first is the root) and
// the variant fallbacks to open it with.
type UsdCase struct {
	Name      string              `json:"name"`
	Layers    []*UsdGenLayer      `json:"layers"`
	Fallbacks map[string][]string `json:"fallbacks,omitempty"`
}

// UsdGenLayer is one layer file of a generated case.
type UsdGenLayer struct {
	File  string        `json:"file"`
	Meta  []string      `json:"meta,omitempty"` // layer metadata lines
	Subs  []string      `json:"subs,omitempty"` // subLayers entries, e.g. `@a.usda@ (offset = 2)`
	Prims []*UsdGenPrim `json:"prims,omitempty"`
}

// UsdGenPrim is a prim spec, or (inside a variant set) a variant: a name,
// metadata lines, property lines, children and variant sets.
type UsdGenPrim struct {
	Spec  string        `json:"spec,omitempty"` // def, over, class ("" for a variant)
	Type  string        `json:"type,omitempty"`
	Name  string        `json:"name"`
	Meta  []string      `json:"meta,omitempty"`
	Props []string      `json:"props,omitempty"`
	Kids  []*UsdGenPrim `json:"kids,omitempty"`
	VSets []*UsdGenVSet `json:"vsets,omitempty"`
}

// UsdGenVSet is a variant set with its variants.
type UsdGenVSet struct {
	Name string        `json:"name"`
	Vars []*UsdGenPrim `json:"vars"`
}

// Write writes the case's layer files into dir and returns the root
// layer's path.
func (c *UsdCase) Write(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	for _, l := range c.Layers {
		if err := os.WriteFile(filepath.Join(dir, l.File), []byte(l.Text()), 0o644); err != nil {
			return "", err
		}
	}
	if len(c.Fallbacks) > 0 {
		data, _ := json.Marshal(c.Fallbacks)
		if err := os.WriteFile(filepath.Join(dir, "fallbacks.json"), data, 0o644); err != nil {
			return "", err
		}
	}
	return filepath.Join(dir, c.Layers[0].File), nil
}

// Text is the layer as usda.
func (l *UsdGenLayer) Text() string {
	var b strings.Builder
	b.WriteString("#usda 1.0\n")
	if len(l.Meta) > 0 || len(l.Subs) > 0 {
		b.WriteString("(\n")
		for _, m := range l.Meta {
			b.WriteString("    " + m + "\n")
		}
		if len(l.Subs) > 0 {
			b.WriteString("    subLayers = [\n")
			for i, s := range l.Subs {
				sep := ","
				if i == len(l.Subs)-1 {
					sep = ""
				}
				b.WriteString("        " + s + sep + "\n")
			}
			b.WriteString("    ]\n")
		}
		b.WriteString(")\n")
	}
	for _, p := range l.Prims {
		b.WriteString("\n")
		usdWritePrim(&b, p, 0)
	}
	return b.String()
}

func usdWritePrim(b *strings.Builder, p *UsdGenPrim, depth int) {
	ind := strings.Repeat("    ", depth)
	head := ind
	if p.Spec != "" {
		head += p.Spec + " "
		if p.Type != "" {
			head += p.Type + " "
		}
	}
	head += fmt.Sprintf("%q", p.Name)
	b.WriteString(head)
	if len(p.Meta) > 0 {
		b.WriteString(" (\n")
		for _, m := range p.Meta {
			b.WriteString(ind + "    " + m + "\n")
		}
		b.WriteString(ind + ")")
	}
	b.WriteString("\n" + ind + "{\n")
	for _, pr := range p.Props {
		b.WriteString(ind + "    " + pr + "\n")
	}
	for _, k := range p.Kids {
		usdWritePrim(b, k, depth+1)
	}
	for _, vs := range p.VSets {
		b.WriteString(fmt.Sprintf("%s    variantSet %q = {\n", ind, vs.Name))
		for _, v := range vs.Vars {
			usdWritePrim(b, v, depth+2)
		}
		b.WriteString(ind + "    }\n")
	}
	b.WriteString(ind + "}\n")
}

// Size counts the case's fragments (what the shrinker can drop).
func (c *UsdCase) Size() int {
	n := 0
	c.walk(func(drop func()) bool { n++; return true })
	return n
}

// Without returns a copy of the case with the fragments whose numbers (in
// walk order) are in drop removed.
func (c *UsdCase) Without(drop ...int) *UsdCase {
	cp := c.clone()
	want := map[int]bool{}
	for _, k := range drop {
		want[k] = true
	}
	var drops []func()
	i := 0
	cp.walk(func(d func()) bool {
		if want[i] {
			drops = append(drops, d)
		}
		i++
		return true
	})
	// Later fragments of a list first, so that the earlier indexes that
	// the drop functions hold stay valid.
	for j := len(drops) - 1; j >= 0; j-- {
		drops[j]()
	}
	return cp
}

func (c *UsdCase) clone() *UsdCase {
	data, err := json.Marshal(c)
	if err != nil {
		panic(err)
	}
	var cp UsdCase
	if err := json.Unmarshal(data, &cp); err != nil {
		panic(err)
	}
	return &cp
}

// walk calls f for every droppable fragment with a function that drops it;
// f returns false to stop. Layers other than the root, sublayer entries,
// metadata lines, properties, prims, variant sets and variants are
// fragments; so are the fallbacks.
func (c *UsdCase) walk(f func(drop func()) bool) {
	stop := false
	visit := func(drop func()) {
		if !stop && !f(drop) {
			stop = true
		}
	}
	if len(c.Fallbacks) > 0 {
		visit(func() { c.Fallbacks = nil })
	}
	for li := 1; li < len(c.Layers) && !stop; li++ {
		li := li
		visit(func() { c.Layers = append(c.Layers[:li:li], c.Layers[li+1:]...) })
	}
	for _, l := range c.Layers {
		l := l
		for i := range l.Subs {
			i := i
			visit(func() { l.Subs = append(l.Subs[:i:i], l.Subs[i+1:]...) })
		}
		for i := range l.Meta {
			i := i
			visit(func() { l.Meta = append(l.Meta[:i:i], l.Meta[i+1:]...) })
		}
		usdWalkPrims(&l.Prims, visit)
	}
}

func usdWalkPrims(ps *[]*UsdGenPrim, visit func(drop func())) {
	for i := range *ps {
		i := i
		visit(func() { *ps = append((*ps)[:i:i], (*ps)[i+1:]...) })
	}
	for _, p := range *ps {
		p := p
		for i := range p.Meta {
			i := i
			visit(func() { p.Meta = append(p.Meta[:i:i], p.Meta[i+1:]...) })
		}
		for i := range p.Props {
			i := i
			visit(func() { p.Props = append(p.Props[:i:i], p.Props[i+1:]...) })
		}
		for i := range p.VSets {
			i := i
			visit(func() { p.VSets = append(p.VSets[:i:i], p.VSets[i+1:]...) })
		}
		for _, vs := range p.VSets {
			usdWalkPrims(&vs.Vars, visit)
		}
		usdWalkPrims(&p.Kids, visit)
	}
}

// usdGen holds the state of generating one case.
type usdGen struct {
	r      *rand.Rand
	layers []string // files that exist in the case (root first)
}

func (g *usdGen) chance(p float64) bool  { return g.r.Float64() < p }
func (g *usdGen) pick(s []string) string { return s[g.r.IntN(len(s))] }
func (g *usdGen) between(lo, hi int) int { return lo + g.r.IntN(hi-lo+1) }

// pickSome returns up to n distinct elements of s in random order.
func (g *usdGen) pickSome(s []string, n int) []string {
	p := g.r.Perm(len(s))
	if n > len(s) {
		n = len(s)
	}
	out := make([]string, n)
	for i := range out {
		out[i] = s[p[i]]
	}
	return out
}

var (
	usdTopNames   = []string{"A", "B", "C", "M", "Cls", "Sp"}
	usdKidNames   = []string{"x", "y", "z"}
	usdPropNames  = []string{"p0", "p1", "p2", "p3"}
	usdVSetNames  = []string{"shade", "lod", "standin"}
	usdVarNames   = []string{"red", "blue", "hi", "lo", "render"}
	usdTypes      = []string{"", "", "Xform", "Scope", "Sphere"}
	usdKinds      = []string{"component", "group", "assembly", "subcomponent"}
	usdAPIs       = []string{"MaterialBindingAPI", "CollectionAPI:c", "SkelBindingAPI", "GeomModelAPI"}
	usdPrimPaths  = []string{"/A", "/B", "/C", "/M", "/Cls", "/Sp", "/A/x", "/B/y", "/M/x", "/Cls/x"}
	usdClassPaths = []string{"/Cls", "/Sp", "/Cls/x", "/A"}
	usdListOps    = []string{"", "prepend ", "append ", "delete ", "add ", "reorder "}
)

// GenUsdCase generates the case of one seed.
func GenUsdCase(seed uint64) *UsdCase {
	g := &usdGen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	c := &UsdCase{Name: fmt.Sprintf("gen-%d", seed)}
	g.layers = []string{"root.usda"}
	for _, f := range []string{"sub.usda", "sub2.usda", "ref.usda", "ref2.usda", "pay.usda"} {
		if g.chance(0.5) {
			g.layers = append(g.layers, f)
		}
	}
	clips := g.chance(0.15)
	for _, f := range g.layers {
		c.Layers = append(c.Layers, g.layer(f, clips))
	}
	if clips {
		c.Layers = append(c.Layers, &UsdGenLayer{File: "clip.usda", Prims: []*UsdGenPrim{{
			Spec: "over", Name: "Clip",
			Props: []string{fmt.Sprintf("double v.timeSamples = { 0: %s, 10: %s, 20: %s }", g.float(), g.float(), g.float())},
		}}})
	}
	// Sublayers: root takes sub (and sub2 either from root or from sub).
	has := func(f string) bool {
		for _, l := range g.layers {
			if l == f {
				return true
			}
		}
		return false
	}
	layer := func(f string) *UsdGenLayer {
		for _, l := range c.Layers {
			if l.File == f {
				return l
			}
		}
		return nil
	}
	if has("sub.usda") {
		layer("root.usda").Subs = append(layer("root.usda").Subs, "@./sub.usda@"+g.offset())
	}
	if has("sub2.usda") {
		host := "root.usda"
		if has("sub.usda") && g.chance(0.5) {
			host = "sub.usda"
		}
		layer(host).Subs = append(layer(host).Subs, "@sub2.usda@"+g.offset())
	}
	if g.chance(0.05) {
		layer("root.usda").Subs = append(layer("root.usda").Subs, "@missing.usda@")
	}
	if g.chance(0.2) {
		c.Fallbacks = map[string][]string{g.pick(usdVSetNames): {g.pick(usdVarNames)}}
	}
	return c
}

func (g *usdGen) offset() string {
	switch g.r.IntN(4) {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf(" (offset = %d)", g.between(-5, 20))
	case 2:
		return fmt.Sprintf(" (scale = %s)", g.pick([]string{"2", "0.5", "1.5"}))
	}
	return fmt.Sprintf(" (offset = %d; scale = %s)", g.between(-5, 20), g.pick([]string{"2", "0.5", "3"}))
}

func (g *usdGen) layer(file string, clips bool) *UsdGenLayer {
	l := &UsdGenLayer{File: file}
	if g.chance(0.2) {
		l.Meta = append(l.Meta, fmt.Sprintf("timeCodesPerSecond = %s", g.pick([]string{"24", "48", "12"})))
	}
	if file != "root.usda" || g.chance(0.3) {
		l.Meta = append(l.Meta, fmt.Sprintf("defaultPrim = %q", g.pick([]string{"M", "A", "B"})))
	}
	if g.chance(0.15) {
		src := g.pick([]string{"/A/x", "/B/x", "/M/y", "/A/y", "/B/z"})
		dst := g.pick([]string{"/A/moved", "/B/r", "/C/x", "/M/q"})
		l.Meta = append(l.Meta, fmt.Sprintf("relocates = {\n        <%s>: <%s>\n    }", src, dst))
	}
	for _, name := range g.pickSome(usdTopNames, g.between(1, 4)) {
		l.Prims = append(l.Prims, g.prim(name, 0, file))
	}
	if clips && file == "root.usda" {
		l.Prims = append(l.Prims, &UsdGenPrim{Spec: "def", Name: "Clipped",
			Meta: []string{fmt.Sprintf(`clips = {
        dictionary default = {
            double2[] active = [(0, 0)]
            asset[] assetPaths = [@./clip.usda@]
            string primPath = "/Clip"
            double2[] times = [(0, 0), (%d, %d)]
        }
    }`, g.between(5, 30), g.between(5, 20))},
			Props: []string{"double v", fmt.Sprintf("double w = %s", g.float())}})
	}
	return l
}

func (g *usdGen) prim(name string, depth int, file string) *UsdGenPrim {
	spec := g.pick([]string{"def", "def", "def", "over", "class"})
	if name == "Cls" || name == "Sp" {
		spec = g.pick([]string{"class", "class", "def", "over"})
	}
	p := &UsdGenPrim{Spec: spec, Type: g.pick(usdTypes), Name: name}
	g.primMeta(p, depth, file)
	for _, n := range g.pickSome(usdPropNames, g.between(0, 3)) {
		p.Props = append(p.Props, g.prop(n))
	}
	if depth < 2 {
		for _, k := range g.pickSome(usdKidNames, g.between(0, 2)) {
			p.Kids = append(p.Kids, g.prim(k, depth+1, file))
		}
	}
	if depth < 2 && g.chance(0.3) {
		p.VSets = append(p.VSets, g.vset(depth, file, p))
	}
	return p
}

func (g *usdGen) vset(depth int, file string, owner *UsdGenPrim) *UsdGenVSet {
	vs := &UsdGenVSet{Name: g.pick(usdVSetNames)}
	if g.chance(0.85) {
		owner.Meta = append(owner.Meta, fmt.Sprintf("%svariantSets = %q", g.pick([]string{"prepend ", "append ", ""}), vs.Name))
	}
	for _, vn := range g.pickSome(usdVarNames, g.between(1, 3)) {
		v := &UsdGenPrim{Name: vn}
		if g.chance(0.5) {
			v.Props = append(v.Props, g.prop(g.pick(usdPropNames)))
		}
		if g.chance(0.4) {
			v.Kids = append(v.Kids, g.prim(g.pick(usdKidNames), depth+2, file))
		}
		if g.chance(0.3) {
			g.arcMeta(v, file)
		}
		// A selection of another set authored inside this variant, and a
		// nested variant set.
		if g.chance(0.3) {
			v.Meta = append(v.Meta, fmt.Sprintf("variants = {\n        string %s = %q\n    }", g.pick(usdVSetNames), g.pick(usdVarNames)))
		}
		if depth < 1 && g.chance(0.25) {
			v.VSets = append(v.VSets, g.vset(depth+1, file, v))
		}
		vs.Vars = append(vs.Vars, v)
	}
	return vs
}

func (g *usdGen) primMeta(p *UsdGenPrim, depth int, file string) {
	if g.chance(0.1) {
		p.Meta = append(p.Meta, "active = false")
	}
	if g.chance(0.15) {
		p.Meta = append(p.Meta, fmt.Sprintf("kind = %q", g.pick(usdKinds)))
	}
	if g.chance(0.15) {
		p.Meta = append(p.Meta, fmt.Sprintf("%sapiSchemas = [%q]", g.pick([]string{"prepend ", "append ", "delete ", ""}), g.pick(usdAPIs)))
	}
	if g.chance(0.15) {
		p.Meta = append(p.Meta, "instanceable = true")
	}
	if g.chance(0.3) {
		p.Meta = append(p.Meta, fmt.Sprintf("variants = {\n        string %s = %q\n    }", g.pick(usdVSetNames), g.pick(usdVarNames)))
	}
	if g.chance(0.1) {
		p.Props = append(p.Props, "reorder nameChildren = [\"z\", \"x\", \"y\"]")
	}
	if g.chance(0.1) {
		p.Props = append(p.Props, "reorder properties = [\"p1\", \"p0\"]")
	}
	if depth == 0 || g.chance(0.4) {
		g.arcMeta(p, file)
	}
}

// arcMeta adds composition arcs to a prim or variant.
func (g *usdGen) arcMeta(p *UsdGenPrim, file string) {
	if g.chance(0.45) {
		p.Meta = append(p.Meta, g.listOp("references", g.refTargets(file)))
	}
	if g.chance(0.2) {
		p.Meta = append(p.Meta, g.listOp("payload", g.refTargets(file)))
	}
	if g.chance(0.25) {
		p.Meta = append(p.Meta, g.listOp("inherits", g.paths(usdClassPaths)))
	}
	if g.chance(0.15) {
		p.Meta = append(p.Meta, g.listOp("specializes", g.paths(usdClassPaths)))
	}
}

func (g *usdGen) listOp(field string, items []string) string {
	op := g.pick(usdListOps)
	if field == "payload" && op == "reorder " {
		op = ""
	}
	if len(items) == 1 && g.chance(0.5) {
		return fmt.Sprintf("%s%s = %s", op, field, items[0])
	}
	return fmt.Sprintf("%s%s = [%s]", op, field, strings.Join(items, ", "))
}

func (g *usdGen) paths(pool []string) []string {
	var out []string
	for _, p := range g.pickSome(pool, g.between(1, 2)) {
		out = append(out, "<"+p+">")
	}
	return out
}

func (g *usdGen) refTargets(file string) []string {
	var out []string
	for i := g.between(1, 2); i > 0; i-- {
		var t string
		switch g.r.IntN(5) {
		case 0: // internal
			t = "<" + g.pick(usdPrimPaths) + ">"
		case 1: // default prim
			t = "@" + g.refLayer(file) + "@"
		default:
			t = "@" + g.refLayer(file) + "@<" + g.pick(usdPrimPaths) + ">"
		}
		dup := false
		for _, o := range out {
			dup = dup || strings.HasPrefix(o, t)
		}
		if dup {
			continue // OpenUSD refuses duplicate list-op items
		}
		if g.chance(0.3) {
			t += g.offset()
		}
		out = append(out, t)
	}
	return out
}

func (g *usdGen) refLayer(from string) string {
	if g.chance(0.03) {
		return "./missing.usda"
	}
	var cands []string
	for _, l := range g.layers {
		if l != from && l != "root.usda" {
			cands = append(cands, l)
		}
	}
	if len(cands) == 0 || g.chance(0.1) {
		return from // a reference into the same layer, by asset path
	}
	return "./" + g.pick(cands)
}

// float is a number that prints and parses exactly in every width.
func (g *usdGen) float() string {
	return g.pick([]string{"0", "1", "-2.5", "0.125", "3.75", "100", "0.1", "-0.333", "1e-05", "65504", "7.25"})
}

var usdAttrTypes = []string{"float", "double", "half", "int", "int64", "uint", "bool", "string", "token",
	"float3", "double3", "half3", "color3f", "point3f[]", "float[]", "int[]", "double[]", "token[]",
	"matrix4d", "quatf", "quatd", "asset", "timecode", "float2", "texCoord2f[]", "normal3f"}

func (g *usdGen) value(typ string) string {
	if strings.HasSuffix(typ, "[]") {
		el := strings.TrimSuffix(typ, "[]")
		var vs []string
		for i := g.between(0, 3); i > 0; i-- {
			vs = append(vs, g.value(el))
		}
		return "[" + strings.Join(vs, ", ") + "]"
	}
	switch typ {
	case "float", "double", "half", "timecode":
		return g.float()
	case "int", "int64":
		return fmt.Sprint(g.between(-100, 100))
	case "uint":
		return fmt.Sprint(g.between(0, 100))
	case "bool":
		return g.pick([]string{"true", "false"})
	case "string":
		return fmt.Sprintf("%q", g.pick([]string{"", "hello", "a b", "x\ty"}))
	case "token":
		return fmt.Sprintf("%q", g.pick([]string{"", "tok", "inherited", "a:b"}))
	case "asset":
		return g.pick([]string{"@tex.png@", "@./a/b.exr@", "@@"})
	case "matrix4d":
		return fmt.Sprintf("( (1, 0, 0, 0), (0, %s, 0, 0), (0, 0, 1, 0), (%s, 2, 3, 1) )", g.float(), g.float())
	case "quatf", "quatd":
		return fmt.Sprintf("(%s, %s, 0, %s)", g.float(), g.float(), g.float())
	}
	n := 3
	if i := strings.IndexAny(typ, "234"); i >= 0 {
		n = int(typ[i] - '0')
	}
	var vs []string
	for i := 0; i < n; i++ {
		vs = append(vs, g.float())
	}
	return "(" + strings.Join(vs, ", ") + ")"
}

func (g *usdGen) prop(name string) string {
	switch g.r.IntN(10) {
	case 0: // relationship
		return g.listOp("rel "+name, g.paths(usdPrimPaths))
	case 1: // connection
		return fmt.Sprintf("float %s.connect = <%s.p0>", name, g.pick(usdPrimPaths))
	}
	typ := g.pick(usdAttrTypes)
	switch g.r.IntN(6) {
	case 0, 1:
		return fmt.Sprintf("%s %s = %s", typ, name, g.value(typ))
	case 2:
		return fmt.Sprintf("%s %s = None", typ, name)
	case 3:
		return fmt.Sprintf("%s %s", typ, name)
	}
	var samples []string
	times := g.pickSome([]string{"-1", "0", "1", "2.5", "10", "24"}, g.between(1, 3))
	sort.Strings(times)
	for _, t := range times {
		v := g.value(typ)
		if g.chance(0.1) {
			v = "None"
		}
		samples = append(samples, t+": "+v)
	}
	s := fmt.Sprintf("%s %s.timeSamples = { %s }", typ, name, strings.Join(samples, ", "))
	if g.chance(0.3) {
		s = fmt.Sprintf("%s %s = %s\n    %s", typ, name, g.value(typ), s)
	}
	return s
}

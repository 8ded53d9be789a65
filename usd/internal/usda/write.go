package usda

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/rgallery/rgallery/usd/internal/crate"
	"github.com/rgallery/rgallery/usd/sdf"
)

// Write writes layer as usda text. The output parses back to an equal layer.
func Write(w io.Writer, layer *sdf.Layer) error {
	bw := bufio.NewWriter(w)
	wr := &writer{w: bw, l: layer}
	wr.layer()
	if wr.err != nil {
		return wr.err
	}
	return bw.Flush()
}

type writer struct {
	w   *bufio.Writer
	l   *sdf.Layer
	err error
}

func (w *writer) printf(format string, args ...any) {
	if w.err == nil {
		_, w.err = fmt.Fprintf(w.w, format, args...)
	}
}

func (w *writer) str(s string) {
	if w.err == nil {
		_, w.err = w.w.WriteString(s)
	}
}

// Fields that the writer expresses as structure, not metadata.
var structural = map[string]bool{
	"specifier": true, "typeName": true, "primChildren": true, "properties": true,
	"variantSetChildren": true, "variantChildren": true, "primOrder": true, "propertyOrder": true,
	"default": true, "timeSamples": true, "connectionPaths": true, "targetPaths": true,
	"custom": true, "variability": true, "spline": true,
	// Children lists that the specs below a property already spell.
	"targetChildren": true, "connectionChildren": true,
}

var metaNames = map[string]string{
	"documentation": "doc", "inheritPaths": "inherits", "variantSelection": "variants",
	"variantSetNames": "variantSets", "layerRelocates": "relocates",
}

func (w *writer) layer() {
	w.str("#usda 1.0\n")
	root := w.l.Root()
	var meta []sdf.Field
	for _, f := range root.Fields {
		if f.Name == "primChildren" || f.Name == "subLayerOffsets" {
			continue
		}
		meta = append(meta, f)
	}
	if len(meta) > 0 {
		w.str("(\n")
		for _, f := range meta {
			if f.Name == "subLayers" {
				w.subLayers(root, 1)
				continue
			}
			w.metadatum(f, 1)
		}
		w.str(")\n")
	}
	for _, c := range root.Tokens("primChildren") {
		w.str("\n")
		w.prim(sdf.AppendChild("/", string(c)), 0)
	}
}

func indent(n int) string { return strings.Repeat("    ", n) }

func (w *writer) subLayers(root *sdf.Spec, depth int) {
	paths := w.l.SubLayers()
	w.str(indent(depth) + "subLayers = [\n")
	for i, s := range paths {
		w.str(indent(depth+1) + formatAsset(s.AssetPath))
		// The offset as authored, scale 0 too (Sdf_WriteLayerOffset writes
		// an offset that is not 0 and a scale that is not 1).
		if s.Offset != sdf.IdentityOffset {
			w.printf(" (offset = %s; scale = %s)", fmtF64(s.Offset.Offset), fmtF64(s.Offset.Scale))
		}
		if i < len(paths)-1 {
			w.str(",")
		}
		w.str("\n")
	}
	w.str(indent(depth) + "]\n")
}

func (w *writer) metadatum(f sdf.Field, depth int) {
	name := f.Name
	if n, ok := metaNames[name]; ok {
		name = n
	}
	v := f.Value
	if lz, ok := v.(sdf.Lazy); ok {
		v, _ = lz.Load()
	}
	if c, ok := v.(string); ok && f.Name == "comment" {
		// The comment is written as a bare string, as OpenUSD writes it;
		// `comment = ...` is refused ("registered as a non-metadata field").
		w.printf("%s%s\n", indent(depth), quote(c))
		return
	}
	switch t := v.(type) {
	case sdf.ReferenceListOp:
		w.listOp(name, depth, listItems(t, formatReference))
		return
	case sdf.PayloadListOp:
		w.listOp(name, depth, listItems(t, func(p sdf.Payload) string {
			return formatReference(sdf.Reference{AssetPath: p.AssetPath, PrimPath: p.PrimPath, Offset: p.Offset})
		}))
		return
	case sdf.PathListOp: // also StringListOp: the same Go type
		if f.Name == "inheritPaths" || f.Name == "specializes" || f.Name == "targetPaths" || f.Name == "connectionPaths" {
			w.listOp(name, depth, listItems(t, func(p string) string { return "<" + p + ">" }))
		} else {
			w.listOp(name, depth, listItems(t, quote))
		}
		return
	case sdf.TokenListOp:
		w.listOp(name, depth, listItems(t, func(p sdf.Token) string { return quote(string(p)) }))
		return
	case map[string]string:
		keys := sortedKeys(t)
		w.str(indent(depth) + name + " = {\n")
		for _, k := range keys {
			w.printf("%sstring %s = %s\n", indent(depth+1), dictKey(k), quote(t[k]))
		}
		w.str(indent(depth) + "}\n")
		return
	case []sdf.Relocate:
		w.str(indent(depth) + name + " = {\n")
		for i, r := range t {
			sep := ","
			if i == len(t)-1 {
				sep = ""
			}
			w.printf("%s<%s>: <%s>%s\n", indent(depth+1), r.Source, r.Target, sep)
		}
		w.str(indent(depth) + "}\n")
		return
	case map[string]any:
		w.str(indent(depth) + name + " = ")
		w.dict(t, depth)
		w.str("\n")
		return
	}
	w.printf("%s%s = %s\n", indent(depth), name, formatValue(v))
}

type opItems struct {
	op    string
	items []string
	none  bool
}

func listItems[T any](lo sdf.ListOp[T], f func(T) string) []opItems {
	conv := func(xs []T) []string {
		out := make([]string, len(xs))
		for i, x := range xs {
			out[i] = f(x)
		}
		return out
	}
	var out []opItems
	if lo.Explicit {
		out = append(out, opItems{"", conv(lo.Items), len(lo.Items) == 0})
	}
	for _, p := range []struct {
		op string
		xs []T
	}{{"delete", lo.Deleted}, {"add", lo.Added}, {"prepend", lo.Prepended}, {"append", lo.Appended}, {"reorder", lo.Ordered}} {
		if len(p.xs) > 0 {
			out = append(out, opItems{p.op, conv(p.xs), false})
		}
	}
	return out
}

func (w *writer) listOp(name string, depth int, ops []opItems) {
	for _, o := range ops {
		prefix := indent(depth)
		if o.op != "" {
			prefix += o.op + " "
		}
		if o.none {
			w.printf("%s%s = None\n", prefix, name)
			continue
		}
		w.printf("%s%s = [%s]\n", prefix, name, strings.Join(o.items, ", "))
	}
}

func (w *writer) dict(d map[string]any, depth int) {
	w.str("{\n")
	for _, k := range sortedKeys(d) {
		v := d[k]
		if sub, ok := v.(map[string]any); ok {
			w.printf("%sdictionary %s = ", indent(depth+1), dictKey(k))
			w.dict(sub, depth+1)
			w.str("\n")
			continue
		}
		tn := TypeNameOf(v)
		if tn == "" {
			// Writing it as a string would read back as another value.
			if w.err == nil {
				w.err = fmt.Errorf("dictionary entry %q: a %T value has no usda type name", k, v)
			}
			continue
		}
		w.printf("%s%s %s = %s\n", indent(depth+1), tn, dictKey(k), formatValue(v))
	}
	w.str(indent(depth) + "}")
}

// dictKey writes a dictionary key: bare when it is an identifier (a
// BaseIdentifier: no ':' either), else quoted.
func dictKey(k string) string {
	if validIdent(k) {
		return k
	}
	return quote(k)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (w *writer) primMeta(s *sdf.Spec, depth int) {
	var meta []sdf.Field
	for _, f := range s.Fields {
		if !structural[f.Name] {
			meta = append(meta, f)
		}
	}
	if len(meta) == 0 {
		return
	}
	w.str(" (\n")
	for _, f := range meta {
		w.metadatum(f, depth+1)
	}
	w.str(indent(depth) + ")")
}

func (w *writer) prim(path string, depth int) {
	s := w.l.Specs[path]
	if s == nil {
		return
	}
	spec := sdf.SpecifierOver
	if v, ok := s.Get("specifier"); ok {
		spec, _ = v.(sdf.Specifier)
	}
	w.str(indent(depth) + spec.String())
	if v, ok := s.Get("typeName"); ok {
		if t, _ := v.(sdf.Token); t != "" {
			w.str(" " + string(t))
		}
	}
	w.str(" " + quote(sdf.NameOf(path)))
	w.primMeta(s, depth)
	w.str("\n" + indent(depth) + "{\n")
	w.body(s, path, depth+1)
	w.str(indent(depth) + "}\n")
}

// body writes properties, children and variant sets of a prim or variant.
func (w *writer) body(s *sdf.Spec, path string, depth int) {
	if order := s.Tokens("primOrder"); len(order) > 0 {
		w.printf("%sreorder nameChildren = %s\n", indent(depth), formatValue(order))
	}
	if order := s.Tokens("propertyOrder"); len(order) > 0 {
		w.printf("%sreorder properties = %s\n", indent(depth), formatValue(order))
	}
	for _, p := range s.Tokens("properties") {
		w.property(sdf.AppendProperty(path, string(p)), depth)
	}
	for i, c := range s.Tokens("primChildren") {
		if i > 0 || len(s.Tokens("properties")) > 0 {
			w.str("\n")
		}
		w.prim(sdf.AppendChild(path, string(c)), depth)
	}
	for _, set := range s.Tokens("variantSetChildren") {
		setSpec := w.l.Specs[path+"{"+string(set)+"=}"]
		w.printf("\n%svariantSet %s = {\n", indent(depth), quote(string(set)))
		for _, v := range setSpec.Tokens("variantChildren") {
			vp := sdf.AppendVariant(path, string(set), string(v))
			vs := w.l.Specs[vp]
			w.str(indent(depth+1) + quote(string(v)))
			if vs != nil {
				w.primMeta(vs, depth+1)
			}
			w.str(" {\n")
			if vs != nil {
				w.body(vs, vp, depth+2)
			}
			w.str(indent(depth+1) + "}\n")
		}
		w.str(indent(depth) + "}\n")
	}
}

func (w *writer) property(path string, depth int) {
	s := w.l.Specs[path]
	if s == nil {
		return
	}
	name := sdf.NameOf(path)
	prefix := indent(depth)
	if v, _ := s.Get("custom"); v == true {
		prefix += "custom "
	}
	if v, ok := s.Get("variability"); ok && v == sdf.VariabilityUniform && s.Type != sdf.SpecRelationship {
		prefix += "uniform " // relationships are uniform anyway
	}
	if s.Type == sdf.SpecRelationship {
		tp, hasT := s.Get("targetPaths")
		lo, _ := tp.(sdf.PathListOp)
		wrote := false
		if hasT {
			for _, o := range listItems(lo, func(p string) string { return "<" + p + ">" }) {
				op := ""
				if o.op != "" {
					op = o.op + " "
				}
				val := "None"
				if !o.none {
					val = "[" + strings.Join(o.items, ", ") + "]"
				}
				w.printf("%s%s%srel %s = %s", indent(depth), op, strings.TrimPrefix(prefix, indent(depth)), name, val)
				wrote = true
				w.propMeta(s, depth)
				w.str("\n")
			}
		}
		if !wrote {
			w.printf("%srel %s", prefix, name)
			w.propMeta(s, depth)
			w.str("\n")
		}
		if d, ok := s.Get("default"); ok {
			if t, ok := d.(string); ok {
				w.printf("%srel %s.default = <%s>\n", prefix, name, t)
			}
		}
		return
	}
	tn := ""
	if v, ok := s.Get("typeName"); ok {
		t, _ := v.(sdf.Token)
		tn = string(t)
	}
	decl := prefix + tn + " " + name
	wroteMain := false
	if v, ok := s.Get("default"); ok {
		w.printf("%s = %s", decl, formatTyped(v, tn))
		w.propMeta(s, depth)
		w.str("\n")
		wroteMain = true
	}
	if v, ok := s.Get("timeSamples"); ok {
		if ts, ok := v.(*sdf.TimeSamples); ok {
			w.printf("%s.timeSamples = {\n", decl)
			for i, t := range ts.Times {
				val, err := ts.Value(i)
				if err != nil && w.err == nil {
					w.err = err
				}
				w.printf("%s%s: %s,\n", indent(depth+1), fmtF64(t), formatTyped(val, tn))
			}
			w.str(indent(depth) + "}\n")
		}
	}
	if v, ok := s.Get("spline"); ok {
		if sp, ok := v.(*sdf.Spline); ok {
			w.printf("%s.spline = {\n", decl)
			if err := w.spline(sp, depth+1); err != nil && w.err == nil {
				w.err = fmt.Errorf("%s.spline: %w", strings.TrimSpace(decl), err)
			}
			w.str(indent(depth) + "}\n")
		}
	}
	if v, ok := s.Get("connectionPaths"); ok {
		lo, _ := v.(sdf.PathListOp)
		for _, o := range listItems(lo, func(p string) string { return "<" + p + ">" }) {
			op := ""
			if o.op != "" {
				op = o.op + " "
			}
			val := "None"
			if !o.none {
				val = "[" + strings.Join(o.items, ", ") + "]"
			}
			w.printf("%s%s%s.connect = %s\n", indent(depth), op, strings.TrimPrefix(decl, indent(depth)), val)
		}
	}
	if !wroteMain {
		w.str(decl)
		w.propMeta(s, depth)
		w.str("\n")
	}
}

func (w *writer) propMeta(s *sdf.Spec, depth int) {
	var meta []sdf.Field
	for _, f := range s.Fields {
		if !structural[f.Name] {
			meta = append(meta, f)
		}
	}
	if len(meta) == 0 {
		return
	}
	w.str(" (\n")
	for _, f := range meta {
		w.metadatum(f, depth+1)
	}
	w.str(indent(depth) + ")")
}

// spline writes a spline's items and knots as OpenUSD 26.11's text
// writer does (Sdf_FileIOUtility's spline output): the curve type, pre and
// post extrapolation, inner loops, then one line per knot, "time:
// [preValue &] value", its pre tangent where a curve segment ends at it
// (and at the first knot), its post interpolation (with the tangent of a
// curve) and its custom data. A spline whose knots' tangents and
// interpolation are not known, or that has Maya-form tangents, is an
// error: writing only its times and values would change it.
func (w *writer) spline(sp *sdf.Spline, depth int) error {
	knots, ok := sp.Extra["knotData"].([]crate.SplineKnotData)
	if !ok && len(sp.Knots) > 0 {
		return fmt.Errorf("the spline's knot tangents and interpolation are not known")
	}
	ind := indent(depth)
	curve, _ := sp.Extra["curveType"].(string)
	if curve == "" {
		curve = "bezier"
	}
	if curve != "bezier" && curve != "hermite" {
		return fmt.Errorf("unknown spline curve type %q", curve)
	}
	// Hermite is always written, Bezier (the default) only when some
	// segment between two knots is a curve (usd-core 26.11's
	// ExportToString, checked by TestOracleCrateSplines).
	for i := 0; i+1 < len(knots) || curve == "hermite" && i == 0; i++ {
		if curve == "hermite" || knots[i].NextInterp == "curve" {
			w.printf("%s%s,\n", ind, curve)
			break
		}
	}
	for _, side := range []string{"pre", "post"} {
		m, _ := sp.Extra[side+"Extrapolation"].(string)
		var s string
		switch m {
		case "", "held":
			continue // the default, which OpenUSD does not write
		case "linear":
			s = "linear"
		case "valueBlock":
			s = "none"
		case "sloped":
			slope, _ := sp.Extra[side+"Slope"].(float64)
			s = "sloped(" + fmtF64(slope) + ")"
		case "loopRepeat", "loopReset", "loopOscillate":
			s = "loop " + strings.ToLower(m[4:5]) + m[5:]
		default:
			return fmt.Errorf("unknown spline %s extrapolation %q", side, m)
		}
		w.printf("%s%s: %s,\n", ind, side, s)
	}
	if l, ok := sp.Extra["loops"].(crate.SplineLoops); ok {
		w.printf("%sloop: (%s, %s, %d, %d, %s),\n", ind, fmtF64(l.ProtoStart), fmtF64(l.ProtoEnd), l.NumPreLoops, l.NumPostLoops, fmtF64(l.ValueOffset))
	}
	num := func(x float64) string {
		switch sp.Type {
		case "float":
			return fmtF32(float32(x))
		case "half":
			// GfHalf's stream output: six significant digits.
			return strconv.FormatFloat(x, 'g', 6, 64)
		}
		return fmtF64(x)
	}
	tangent := func(width, slope float64, algo string) string {
		if algo != "" {
			return "(" + fmtF64(width) + ", " + num(slope) + ", " + algo + ")"
		}
		if curve == "hermite" {
			return "(" + num(slope) + ")"
		}
		return "(" + fmtF64(width) + ", " + num(slope) + ")"
	}
	custom, _ := sp.Extra["knotCustomData"].(map[float64]map[string]any)
	for i, k := range knots {
		if k.PreTanMaya || k.PostTanMaya {
			return fmt.Errorf("knot at time %v: Maya-form tangents have no usda form here", k.Time)
		}
		line := fmtF64(k.Time) + ": " + num(k.Value)
		if k.DualValued {
			line = fmtF64(k.Time) + ": " + num(k.PreValue) + " & " + num(k.Value)
		}
		if i == 0 || knots[i-1].NextInterp == "curve" {
			line += "; pre " + tangent(k.PreTanWidth, k.PreTanSlope, k.PreTanAlgorithm)
		}
		switch k.NextInterp {
		case "held", "linear":
			line += "; post " + k.NextInterp
		case "valueBlock":
			line += "; post none"
		case "curve":
			line += "; post curve " + tangent(k.PostTanWidth, k.PostTanSlope, k.PostTanAlgorithm)
		default:
			return fmt.Errorf("knot at time %v: unknown interpolation %q", k.Time, k.NextInterp)
		}
		w.printf("%s%s", ind, line)
		if d := custom[k.Time]; len(d) > 0 {
			s, err := inlineDict(d)
			if err != nil {
				return fmt.Errorf("knot at time %v: custom data: %w", k.Time, err)
			}
			w.str("; " + s)
		}
		w.str(",\n")
	}
	return nil
}

// inlineDict writes a knot's custom data on one line, as OpenUSD does:
// "{ int a = 1; dictionary s = { double c = 2.5 } }".
func inlineDict(d map[string]any) (string, error) {
	var parts []string
	for _, k := range sortedKeys(d) {
		v := d[k]
		if sub, ok := v.(map[string]any); ok {
			s, err := inlineDict(sub)
			if err != nil {
				return "", err
			}
			parts = append(parts, "dictionary "+dictKey(k)+" = "+s)
			continue
		}
		tn := TypeNameOf(v)
		if tn == "" {
			return "", fmt.Errorf("entry %q: a %T value has no usda type name", k, v)
		}
		parts = append(parts, tn+" "+dictKey(k)+" = "+formatValue(v))
	}
	if len(parts) == 0 {
		return "{ }", nil
	}
	return "{ " + strings.Join(parts, "; ") + " }", nil
}

// Package dump prints a composed USD stage in one canonical form, so that
// two implementations of composition can be compared field by field: ours
// (package usd) and OpenUSD's, through scripts/oracle/usd_dump.py, which
// writes the same form from pxr.
//
// The dump lists every prim that Usd.PrimRange visits with
// Usd.TraverseInstanceProxies(Usd.PrimAllPrimsPredicate): inactive,
// abstract and undefined prims included, instance subtrees as instance
// proxies, and no children below an inactive prim (OpenUSD does not
// populate them; UsdStage::_ComposeChildren). For each prim: type name,
// specifier, its own active flag (UsdPrim::IsActive), kind, the composed
// apiSchemas list, child names, the variant selection of each variant set
// (UsdVariantSet::GetVariantSelection, which reports fallbacks too) and the
// prim stack (UsdPrim::GetPrimStack) as "layer:path" with the layer path
// relative to the root layer's folder. For each authored property in
// property order: attributes' type name, value at the default time and at
// every time sample, connections; relationships' targets. Composition
// errors are "Kind <site path>" strings, sorted, with Kind the name of
// OpenUSD's PcpErrorType (ArcCycle, InvalidAssetPath, ...).
//
// Values are canonical JSON: numbers of every width become float64 (float32
// and half widened exactly), non-finite numbers the strings "nan", "inf",
// "-inf"; vectors, quaternions ([real, i, j, k]) and matrices (rows) are
// arrays; asset paths {"asset": authored path}; dictionaries objects. A
// value that has no opinion, or is blocked, is null.
package dump

import (
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/rgallery/rgallery/usd"
	"github.com/rgallery/rgallery/usd/internal/usda"
	"github.com/rgallery/rgallery/usd/pcp"
	"github.com/rgallery/rgallery/usd/sdf"
)

// Stage is the canonical dump of a composed stage.
type Stage struct {
	// Root lists the names of the pseudo-root's children.
	Root   []string         `json:"root"`
	Prims  map[string]*Prim `json:"prims"`
	Errors []string         `json:"errors"`
}

// Prim is the dump of one composed prim.
type Prim struct {
	Type       string               `json:"type"`
	Specifier  string               `json:"specifier"`
	Active     bool                 `json:"active"`
	Kind       string               `json:"kind"`
	APISchemas []string             `json:"apiSchemas"`
	Children   []string             `json:"children"`
	Variants   map[string]string    `json:"variants"`
	Stack      []string             `json:"stack"`
	Properties []string             `json:"properties"`
	Props      map[string]*Property `json:"props"`
}

// Property is the dump of one authored attribute or relationship.
type Property struct {
	Kind        string   `json:"kind"`           // "attribute" or "relationship"
	Type        *string  `json:"type,omitempty"` // attributes only; "" for a type the registry does not know
	Default     any      `json:"default,omitempty"`
	Samples     [][2]any `json:"samples,omitempty"`
	Connections []string `json:"connections,omitempty"`
	Targets     any      `json:"targets,omitempty"` // []string, present (maybe empty) for relationships
}

// Dump composes the canonical dump of s.
func Dump(s *usd.Stage) *Stage {
	d := &Stage{Root: []string{}, Prims: map[string]*Prim{}, Errors: Errors(s)}
	dir := filepath.Dir(s.LayerIdentifier(s.RootLayer()))
	name := func(l *sdf.Layer) string { return LayerName(s.LayerIdentifier(l), dir) }
	var walk func(p *usd.Prim)
	walk = func(p *usd.Prim) {
		dp := dumpPrim(p, name)
		d.Prims[p.Path()] = dp
		if !dp.Active {
			return
		}
		for _, c := range p.Children() {
			walk(c)
		}
	}
	for _, c := range s.PseudoRoot().Children() {
		d.Root = append(d.Root, c.Name())
		walk(c)
	}
	return d
}

func dumpPrim(p *usd.Prim, layerName func(*sdf.Layer) string) *Prim {
	dp := &Prim{
		Type:       p.TypeName(),
		Specifier:  p.Specifier(),
		Active:     p.ActiveMetadata(),
		Kind:       p.Kind(),
		APISchemas: nonNil(p.APISchemas()),
		Children:   []string{},
		Variants:   map[string]string{},
		Stack:      []string{},
		Properties: []string{},
		Props:      map[string]*Property{},
	}
	if dp.Active {
		for _, c := range p.Children() {
			dp.Children = append(dp.Children, c.Name())
		}
	}
	sel := p.VariantSelections()
	for _, set := range p.VariantSetNames() {
		dp.Variants[set] = sel[set]
	}
	for _, site := range p.PrimStack() {
		dp.Stack = append(dp.Stack, layerName(site.Layer)+":"+site.Path)
	}
	for _, name := range p.PropertyNames() {
		if a := p.Attribute(name); a != nil && a.IsAuthored() {
			dp.Properties = append(dp.Properties, name)
			dp.Props[name] = dumpAttribute(a)
			continue
		}
		if r := p.Relationship(name); r != nil {
			dp.Properties = append(dp.Properties, name)
			dp.Props[name] = &Property{Kind: "relationship", Targets: any(nonNil(r.Targets()))}
		}
	}
	return dp
}

func dumpAttribute(a *usd.Attribute) *Property {
	tn := a.TypeName()
	if !usda.KnownType(tn) {
		// A type the value type registry does not know has no
		// SdfValueTypeName: UsdAttribute::GetTypeName is empty.
		tn = ""
	}
	dp := &Property{Kind: "attribute", Type: &tn, Connections: a.Connections()}
	if v, ok := a.Get(usd.Default); ok {
		dp.Default = Value(v)
	}
	for _, t := range a.TimeSamples() {
		v, _ := a.Get(t)
		dp.Samples = append(dp.Samples, [2]any{Value(float64(t)), Value(v)})
	}
	return dp
}

// LayerName is a layer identifier relative to dir (the root layer's
// folder), with forward slashes; a layer inside a package keeps its
// "[inner]" suffix as written.
func LayerName(id, dir string) string {
	pkg, inner, nested := strings.Cut(id, "[")
	if rel, err := filepath.Rel(dir, pkg); err == nil {
		pkg = rel
	}
	pkg = filepath.ToSlash(pkg)
	if nested {
		return pkg + "[" + inner
	}
	return pkg
}

// Errors lists the stage's composition errors as sorted, unique
// "Kind <site>" strings. Errors that carry no Pcp kind are "Other".
func Errors(s *usd.Stage) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, err := range s.Errors() {
		kind, site := "Other", ""
		if pe, ok := err.(*pcp.Error); ok {
			kind, site = pe.Kind, pe.Site
		}
		e := kind + " <" + site + ">"
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	sort.Strings(out)
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Value turns a value of package usd into its canonical JSON form (see the
// package doc).
func Value(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case bool:
		return x
	case string:
		return x
	case sdf.Token:
		return string(x)
	case sdf.PathExpression:
		return string(x)
	case sdf.UnregisteredValue:
		// OpenUSD keeps a path value of an unknown type as an SdfPath;
		// usd_dump.py prints other Sdf.UnregisteredValues so.
		if len(x.Text) > 2 && x.Text[0] == '<' && x.Text[len(x.Text)-1] == '>' {
			return x.Text[1 : len(x.Text)-1]
		}
		return "unsupported UnregisteredValue"
	case sdf.AssetPath:
		return map[string]any{"asset": x.Authored}
	case sdf.TimeCode:
		return num(float64(x))
	case sdf.Half:
		return num(float64(x))
	case float32:
		return num(float64(x))
	case float64:
		return num(x)
	case usd.TimeCode:
		return num(float64(x))
	case sdf.Quath:
		return []any{num(float64(x.Real)), num(float64(x.Imag[0])), num(float64(x.Imag[1])), num(float64(x.Imag[2]))}
	case sdf.Quatf:
		return []any{num(float64(x.Real)), num(float64(x.Imag[0])), num(float64(x.Imag[1])), num(float64(x.Imag[2]))}
	case sdf.Quatd:
		return []any{num(x.Real), num(x.Imag[0]), num(x.Imag[1]), num(x.Imag[2])}
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = Value(e)
		}
		return m
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return rv.Uint()
	case reflect.Float32, reflect.Float64:
		return num(rv.Float())
	case reflect.String:
		return rv.String()
	case reflect.Slice, reflect.Array:
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = Value(rv.Index(i).Interface())
		}
		return out
	}
	return fmt.Sprintf("unsupported %T", v)
}

// num is a float64 in canonical form: itself, or a string for NaN and the
// infinities (JSON has no numbers for them).
func num(f float64) any {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return f
}

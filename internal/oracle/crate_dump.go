package oracle

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"

	"github.com/rgallery/rgallery/usd/sdf"
)

// CrateDump is the canonical layer-level dump of a layer read by our USD
// reader, in the form scripts/oracle/crate_values.py prints for OpenUSD's
// reading of the same file: every spec's type and fields (the children
// lists as the Python API gives them: primChildren and properties in
// order, variantSetChildren and variantChildren sorted, no target or
// connection children), every value in the canonical forms described there.
// Floats print as the bits of their exact float64 widening, so equal
// dumps mean bit-identical values. A value that fails to decode prints as
// {"error": "decode"} on both sides (OpenUSD cannot decode all it
// writes), so it can never be missing silently.
//
// Two things OpenUSD's layer reports that a crate file does not hold are
// added the same way here: required fields missing from a spec read as
// their fallbacks (SdfLayer::ListFields adds the schema's required
// fields), and relationship-target and connection specs exist for the
// paths of targetPaths/connectionPaths (explicit items, or added,
// prepended and appended ones), as Sdf_CrateData spoofs them.
func CrateDump(l *sdf.Layer) map[string]any {
	specs := map[string]any{}
	for path, s := range l.Specs {
		for _, tf := range [...]struct {
			field string
			kind  sdf.SpecType
		}{{"targetPaths", sdf.SpecRelationshipTarget}, {"connectionPaths", sdf.SpecConnection}} {
			v, ok, err := s.GetErr(tf.field)
			if !ok || err != nil {
				continue
			}
			lo, ok := v.(sdf.ListOp[string])
			if !ok {
				continue
			}
			targets := lo.Items
			if !lo.Explicit {
				targets = append(append(append([]string(nil), lo.Added...), lo.Prepended...), lo.Appended...)
			}
			for _, t := range targets {
				specs[path+"["+t+"]"] = map[string]any{"type": tf.kind.String(), "fields": map[string]any{}}
			}
		}
		fields := map[string]any{}
		for _, f := range s.Fields {
			switch f.Name {
			case "targetChildren", "connectionChildren":
				continue
			case "variantSetChildren", "variantChildren":
				// Compared sorted: the Python API lists them by name.
				if _, _, err := s.GetErr(f.Name); err != nil {
					fields[f.Name] = map[string]any{"error": "decode"}
					continue
				}
				var names []string
				for _, t := range s.Tokens(f.Name) {
					names = append(names, string(t))
				}
				if len(names) > 0 {
					sort.Strings(names)
					fields[f.Name] = canonValue(names)
				}
				continue
			case "primChildren", "properties":
				if s.Type != sdf.SpecPrim && s.Type != sdf.SpecVariant && s.Type != sdf.SpecPseudoRoot {
					continue
				}
				if f.Name == "properties" && s.Type == sdf.SpecPseudoRoot {
					continue
				}
			}
			v, _, err := s.GetErr(f.Name)
			if err != nil {
				fields[f.Name] = map[string]any{"error": "decode"}
				continue
			}
			if (f.Name == "primChildren" || f.Name == "properties") && reflect.ValueOf(v).Len() == 0 {
				continue
			}
			fields[f.Name] = canonValue(v)
		}
		for _, rf := range requiredFields[s.Type] {
			if _, ok := fields[rf.name]; !ok {
				fields[rf.name] = rf.fallback
			}
		}
		specs[path] = map[string]any{"type": s.Type.String(), "fields": fields}
	}
	return map[string]any{"specs": specs}
}

// requiredFields are the fields SdfSchema marks required per spec type,
// with their fallbacks in canonical form.
var requiredFields = map[sdf.SpecType][]struct {
	name     string
	fallback any
}{
	sdf.SpecPrim:         {{"specifier", "over"}},
	sdf.SpecVariant:      {{"specifier", "over"}},
	sdf.SpecAttribute:    {{"custom", false}, {"variability", "varying"}},
	sdf.SpecRelationship: {{"custom", false}, {"variability", "varying"}},
}

func canonFloat(x float64) string { return fmt.Sprintf("f:%016x", math.Float64bits(x)) }

func canonOffset(o sdf.LayerOffset) []any { return []any{canonFloat(o.Offset), canonFloat(o.Scale)} }

// canonValue is the canonical JSON form of one field value (see CrateDump).
func canonValue(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case sdf.Lazy:
		r, err := x.Load()
		if err != nil {
			return map[string]any{"error": "decode"}
		}
		return canonValue(r)
	case bool:
		return x
	case string:
		return x
	case sdf.Token:
		return string(x)
	case sdf.PathExpression:
		return string(x)
	case float32:
		return canonFloat(float64(x))
	case float64:
		return canonFloat(x)
	case sdf.Half:
		return canonFloat(float64(x))
	case sdf.TimeCode:
		return map[string]any{"timecode": canonFloat(float64(x))}
	case sdf.AssetPath:
		return map[string]any{"asset": x.Authored}
	case sdf.Specifier, sdf.Variability, sdf.Permission:
		return fmt.Sprint(x)
	case sdf.ValueBlock:
		return map[string]any{"block": true}
	case sdf.AnimationBlock:
		return map[string]any{"animationBlock": true}
	case sdf.Quatf:
		return map[string]any{"real": canonValue(x.Real), "imag": canonValue(x.Imag)}
	case sdf.Quatd:
		return map[string]any{"real": canonValue(x.Real), "imag": canonValue(x.Imag)}
	case sdf.Quath:
		return map[string]any{"real": canonValue(x.Real), "imag": canonValue(x.Imag)}
	case sdf.LayerOffset:
		return canonOffset(x)
	case sdf.Relocate:
		return []any{x.Source, x.Target}
	case sdf.Reference:
		out := map[string]any{"asset": x.AssetPath, "prim": x.PrimPath, "offset": canonOffset(x.Offset)}
		if len(x.CustomData) > 0 {
			out["customData"] = canonValue(x.CustomData)
		}
		return out
	case sdf.Payload:
		return map[string]any{"asset": x.AssetPath, "prim": x.PrimPath, "offset": canonOffset(x.Offset)}
	case *sdf.TimeSamples:
		out := make([]any, len(x.Times))
		idx := make([]int, len(x.Times))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return x.Times[idx[a]] < x.Times[idx[b]] })
		for k, i := range idx {
			sv, err := x.Value(i)
			if err != nil {
				// OpenUSD's layer fails the whole field when one sample
				// does not decode; so does the canonical form.
				return map[string]any{"error": "decode"}
			}
			cv := canonValue(sv)
			out[k] = []any{canonFloat(x.Times[i]), cv}
		}
		return out
	case *sdf.Spline:
		knots := make([]any, len(x.Knots))
		for i, k := range x.Knots {
			knots[i] = []any{canonFloat(k.Time), canonFloat(k.Value)}
		}
		return map[string]any{"spline": map[string]any{"type": x.Type, "knots": knots}}
	case sdf.UnregisteredValue:
		return map[string]any{"unknown": "unregistered " + x.Text}
	case sdf.ArrayEdit: // as crate_values.py prints it: str() of the VtArrayEdit
		return map[string]any{"arrayEdit": strings.Join(strings.Fields(x.String()), " ")}
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return fmt.Sprintf("i:%d", rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return fmt.Sprintf("i:%d", rv.Uint())
	case reflect.Slice, reflect.Array:
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = canonValue(rv.Index(i).Interface())
		}
		return out
	case reflect.Map:
		out := map[string]any{}
		for _, k := range rv.MapKeys() {
			out[fmt.Sprint(k.Interface())] = canonValue(rv.MapIndex(k).Interface())
		}
		return out
	case reflect.Struct:
		if strings.HasPrefix(rv.Type().Name(), "ListOp[") {
			out := map[string]any{"explicit": rv.FieldByName("Explicit").Bool()}
			for _, k := range [...]struct{ key, field string }{
				{"items", "Items"}, {"added", "Added"}, {"prepended", "Prepended"},
				{"appended", "Appended"}, {"deleted", "Deleted"}, {"ordered", "Ordered"},
			} {
				if f := rv.FieldByName(k.field); f.Len() > 0 {
					out[k.key] = canonValue(f.Interface())
				}
			}
			return out
		}
	}
	return map[string]any{"unknown": fmt.Sprintf("%T %v", v, v)}
}

package sdf

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
)

// Diff compares two layers spec by spec, field by field, with
// numbers compared by value (a crate int32 equals a usda int64 of the same
// value in untyped metadata). It returns the differences, one line each.
func Diff(a, b *Layer) []string {
	var diffs []string
	paths := map[string]bool{}
	for p := range a.Specs {
		paths[p] = true
	}
	for p := range b.Specs {
		paths[p] = true
	}
	var sorted []string
	for p := range paths {
		sorted = append(sorted, p)
	}
	sort.Strings(sorted)
	for _, p := range sorted {
		sa, sb := a.Specs[p], b.Specs[p]
		if sa == nil || sb == nil {
			diffs = append(diffs, fmt.Sprintf("%s: only in one layer", p))
			continue
		}
		names := map[string]bool{}
		for _, f := range sa.Fields {
			names[f.Name] = true
		}
		for _, f := range sb.Fields {
			names[f.Name] = true
		}
		for n := range names {
			if n == "subLayerOffsets" {
				continue
			}
			va, oka := sa.Get(n)
			vb, okb := sb.Get(n)
			// A field written out with its fallback value says nothing more
			// than no field (crate files store custom = false and the like).
			if oka && (isFallback(n, va) || sa.Type == SpecRelationship && n == "variability") {
				oka, va = false, nil
			}
			if okb && (isFallback(n, vb) || sb.Type == SpecRelationship && n == "variability") {
				okb, vb = false, nil
			}
			if oka != okb {
				diffs = append(diffs, fmt.Sprintf("%s.%s: present %v vs %v", p, n, oka, okb))
				continue
			}
			if !valuesEqual(va, vb) {
				diffs = append(diffs, fmt.Sprintf("%s.%s: %#v vs %#v", p, n, va, vb))
			}
		}
	}
	return diffs
}

func valuesEqual(a, b any) bool {
	if reflect.DeepEqual(a, b) {
		return true
	}
	if sa, ok := a.(*Spline); ok {
		sb, ok := b.(*Spline)
		return ok && reflect.DeepEqual(sa.Knots, sb.Knots)
	}
	// A token and a string of the same text mean the same in untyped metadata.
	if ua, ok := a.(UnregisteredValue); ok {
		return valuesEqual(ua.Text, b)
	}
	if ub, ok := b.(UnregisteredValue); ok {
		return valuesEqual(a, ub.Text)
	}
	if ta, ok := a.(Token); ok {
		if sb, ok := b.(string); ok {
			return string(ta) == sb
		}
	}
	if sa, ok := a.(string); ok {
		if tb, ok := b.(Token); ok {
			return sa == string(tb)
		}
	}
	if ra, ok := a.(ReferenceListOp); ok {
		rb, ok := b.(ReferenceListOp)
		return ok && fmt.Sprint(ra) == fmt.Sprint(rb) || ok && valuesEqual(refs(ra), refs(rb))
	}
	if ea, ok := a.(ArrayEdit); ok { // arrayedit.go: literals may hold NaNs
		eb, ok := b.(ArrayEdit)
		return ok && ea.Dense == eb.Dense && reflect.DeepEqual(ea.Ins, eb.Ins) && valuesEqual(ea.Values, eb.Values)
	}
	if ta, ok := a.(*TimeSamples); ok {
		tb, ok := b.(*TimeSamples)
		if !ok || len(ta.Times) != len(tb.Times) {
			return false
		}
		for i := range ta.Times {
			x, _ := ta.Value(i)
			y, _ := tb.Value(i)
			if ta.Times[i] != tb.Times[i] || !valuesEqual(x, y) {
				return false
			}
		}
		return true
	}
	fa, oka := num(a)
	fb, okb := num(b)
	if oka && okb {
		return fa == fb || math.IsNaN(fa) && math.IsNaN(fb)
	}
	ma, oka := a.(map[string]any)
	mb, okb := b.(map[string]any)
	if oka && okb && len(ma) == len(mb) {
		for k, v := range ma {
			if !valuesEqual(v, mb[k]) {
				return false
			}
		}
		return true
	}
	ra, rb := reflect.ValueOf(a), reflect.ValueOf(b)
	if ra.Kind() == reflect.Slice && rb.Kind() == reflect.Slice && ra.Len() == rb.Len() {
		for i := 0; i < ra.Len(); i++ {
			if !valuesEqual(ra.Index(i).Interface(), rb.Index(i).Interface()) {
				return false
			}
		}
		return true
	}
	// NaN-containing arrays/vectors.
	return fmt.Sprint(a) == fmt.Sprint(b) && strings.Contains(fmt.Sprint(a), "NaN")
}

func refs(lo ReferenceListOp) []any {
	var out []any
	for _, xs := range [][]Reference{lo.Items, lo.Added, lo.Prepended, lo.Appended, lo.Deleted, lo.Ordered} {
		out = append(out, len(xs))
		for _, r := range xs {
			out = append(out, r.AssetPath, r.PrimPath, r.Offset.Offset, r.Offset.Scale, r.CustomData)
		}
	}
	return out
}

// isFallback reports whether v is the Sdf fallback of field name.
func isFallback(name string, v any) bool {
	switch name {
	case "custom":
		return v == false
	case "variability":
		return v == VariabilityVarying
	case "primChildren", "properties", "variantSetChildren", "variantChildren":
		return reflect.ValueOf(v).Kind() == reflect.Slice && reflect.ValueOf(v).Len() == 0
	}
	return false
}

func num(v any) (float64, bool) {
	switch t := v.(type) {
	case int32:
		return float64(t), true
	case int64:
		return float64(t), true
	case uint32:
		return float64(t), true
	case uint64:
		return float64(t), true
	case uint8:
		return float64(t), true
	case float32:
		return float64(t), true
	case float64:
		return t, true
	case Half:
		return float64(t), true
	}
	return 0, false
}

package usda

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/rgallery/rgallery/usd/sdf"
)

func quote(s string) string {
	if strings.ContainsAny(s, "\n\r") && !strings.Contains(s, `"""`) && !strings.HasSuffix(s, `"`) && !strings.Contains(s, `\`) {
		return `"""` + s + `"""`
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if c < 0x20 {
				fmt.Fprintf(&b, `\x%02x`, c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

func formatAsset(s string) string {
	if strings.Contains(s, "@") {
		return "@@@" + strings.ReplaceAll(s, "@@@", `\@@@`) + "@@@"
	}
	return "@" + s + "@"
}

func formatReference(r sdf.Reference) string {
	s := ""
	if r.AssetPath != "" {
		s = formatAsset(r.AssetPath)
	}
	if r.PrimPath != "" || r.AssetPath == "" {
		s += "<" + r.PrimPath + ">"
	}
	var params []string
	if r.Offset.Offset != 0 {
		params = append(params, "offset = "+fmtF64(r.Offset.Offset))
	}
	// A scale of 0 is authored (Pcp reports it as an invalid offset) and
	// makes the item differ from one without it: written, as
	// Sdf_WriteLayerOffset writes every scale that is not 1.
	if r.Offset.Scale != 1 {
		params = append(params, "scale = "+fmtF64(r.Offset.Scale))
	}
	if len(r.CustomData) > 0 {
		params = append(params, "customData = "+formatValue(r.CustomData))
	}
	if len(params) > 0 {
		s += " (" + strings.Join(params, "; ") + ")"
	}
	return s
}

func fmtF64(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func fmtF32(f float32) string {
	switch {
	case math.IsInf(float64(f), 1):
		return "inf"
	case math.IsInf(float64(f), -1):
		return "-inf"
	case f != f:
		return "nan"
	}
	return strconv.FormatFloat(float64(f), 'g', -1, 32)
}

// formatTyped formats a value for an attribute of type name tn. Values
// carry their Go type, which already says how to write them.
func formatTyped(v any, _ string) string { return formatValue(v) }

func tuple[T any](xs []T, f func(T) string) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = f(x)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func list[T any](xs []T, f func(T) string) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = f(x)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func h(x sdf.Half) string { return fmtF32(float32(x)) }
func i32s(x int32) string { return strconv.FormatInt(int64(x), 10) }

// formatValue formats any value of the sdf model as usda text.
func formatValue(v any) string {
	switch t := v.(type) {
	case nil:
		return "None"
	case sdf.ValueBlock:
		return "None"
	case sdf.AnimationBlock:
		return "AnimationBlock"
	case bool:
		if t {
			return "true"
		}
		return "false"
	case uint8:
		return strconv.FormatUint(uint64(t), 10)
	case int32:
		return i32s(t)
	case uint32:
		return strconv.FormatUint(uint64(t), 10)
	case int64:
		return strconv.FormatInt(t, 10)
	case uint64:
		return strconv.FormatUint(t, 10)
	case int:
		return strconv.Itoa(t)
	case sdf.Half:
		return h(t)
	case float32:
		return fmtF32(t)
	case float64:
		return fmtF64(t)
	case sdf.TimeCode:
		return fmtF64(float64(t))
	case string:
		return quote(t)
	case sdf.Token:
		return quote(string(t))
	case sdf.PathExpression:
		return quote(string(t))
	case sdf.AssetPath:
		return formatAsset(t.Authored)
	case sdf.Specifier, sdf.Permission, sdf.Variability:
		return fmt.Sprint(t)
	case sdf.Vec2f:
		return tuple(t[:], fmtF32)
	case sdf.Vec3f:
		return tuple(t[:], fmtF32)
	case sdf.Vec4f:
		return tuple(t[:], fmtF32)
	case sdf.Vec2d:
		return tuple(t[:], fmtF64)
	case sdf.Vec3d:
		return tuple(t[:], fmtF64)
	case sdf.Vec4d:
		return tuple(t[:], fmtF64)
	case sdf.Vec2h:
		return tuple(t[:], h)
	case sdf.Vec3h:
		return tuple(t[:], h)
	case sdf.Vec4h:
		return tuple(t[:], h)
	case sdf.Vec2i:
		return tuple(t[:], i32s)
	case sdf.Vec3i:
		return tuple(t[:], i32s)
	case sdf.Vec4i:
		return tuple(t[:], i32s)
	case sdf.Quatf:
		return tuple([]float32{t.Real, t.Imag[0], t.Imag[1], t.Imag[2]}, fmtF32)
	case sdf.Quatd:
		return tuple([]float64{t.Real, t.Imag[0], t.Imag[1], t.Imag[2]}, fmtF64)
	case sdf.Quath:
		return tuple([]sdf.Half{t.Real, t.Imag[0], t.Imag[1], t.Imag[2]}, h)
	case sdf.Matrix2d:
		return tuple(t[:], func(r [2]float64) string { return tuple(r[:], fmtF64) })
	case sdf.Matrix3d:
		return tuple(t[:], func(r [3]float64) string { return tuple(r[:], fmtF64) })
	case sdf.Matrix4d:
		return tuple(t[:], func(r [4]float64) string { return tuple(r[:], fmtF64) })
	case []bool:
		return list(t, func(x bool) string { return formatValue(x) })
	case []uint8:
		return list(t, func(x uint8) string { return formatValue(x) })
	case []int32:
		return list(t, i32s)
	case []uint32:
		return list(t, func(x uint32) string { return formatValue(x) })
	case []int64:
		return list(t, func(x int64) string { return formatValue(x) })
	case []uint64:
		return list(t, func(x uint64) string { return formatValue(x) })
	case []sdf.Half:
		return list(t, h)
	case []float32:
		return list(t, fmtF32)
	case []float64:
		return list(t, fmtF64)
	case []sdf.TimeCode:
		return list(t, func(x sdf.TimeCode) string { return fmtF64(float64(x)) })
	case []string:
		return list(t, quote)
	case []sdf.Token:
		return list(t, func(x sdf.Token) string { return quote(string(x)) })
	case []sdf.AssetPath:
		return list(t, func(x sdf.AssetPath) string { return formatAsset(x.Authored) })
	case []sdf.PathExpression:
		return list(t, func(x sdf.PathExpression) string { return quote(string(x)) })
	case []sdf.LayerOffset:
		return list(t, func(x sdf.LayerOffset) string { return tuple([]float64{x.Offset, x.Scale}, fmtF64) })
	}
	if s := formatSliceReflect(v); s != "" {
		return s
	}
	switch t := v.(type) {
	case []any:
		return list(t, formatValue)
	case map[string]any:
		var b strings.Builder
		b.WriteString("{")
		for _, k := range sortedKeys(t) {
			tn := TypeNameOf(t[k])
			if tn == "" {
				tn = "string"
			}
			fmt.Fprintf(&b, " %s %s = %s;", tn, dictKey(k), formatValue(t[k]))
		}
		b.WriteString(" }")
		return b.String()
	case *sdf.Spline:
		return "None"
	case sdf.ArrayEdit:
		return t.Format(formatValue)
	case sdf.UnregisteredValue:
		// A tuple, list or path read for an attribute of an unknown type
		// is written back as it was read (as OpenUSD writes an
		// SdfUnregisteredValue); other text, such as an untyped metadata
		// value from a crate file, as a string.
		if tx := strings.TrimSpace(t.Text); tx != "" && strings.IndexByte("([<", tx[0]) >= 0 {
			return tx
		}
		return quote(t.Text)
	}
	return quote(fmt.Sprint(v))
}

func formatSliceReflect(v any) string {
	switch t := v.(type) {
	case []sdf.Vec2f:
		return list(t, func(x sdf.Vec2f) string { return formatValue(x) })
	case []sdf.Vec3f:
		var b strings.Builder
		b.Grow(len(t) * 24)
		b.WriteByte('[')
		for i, x := range t {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			b.WriteString(fmtF32(x[0]))
			b.WriteString(", ")
			b.WriteString(fmtF32(x[1]))
			b.WriteString(", ")
			b.WriteString(fmtF32(x[2]))
			b.WriteByte(')')
		}
		b.WriteByte(']')
		return b.String()
	case []sdf.Vec4f:
		return list(t, func(x sdf.Vec4f) string { return formatValue(x) })
	case []sdf.Vec2d:
		return list(t, func(x sdf.Vec2d) string { return formatValue(x) })
	case []sdf.Vec3d:
		return list(t, func(x sdf.Vec3d) string { return formatValue(x) })
	case []sdf.Vec4d:
		return list(t, func(x sdf.Vec4d) string { return formatValue(x) })
	case []sdf.Vec2h:
		return list(t, func(x sdf.Vec2h) string { return formatValue(x) })
	case []sdf.Vec3h:
		return list(t, func(x sdf.Vec3h) string { return formatValue(x) })
	case []sdf.Vec4h:
		return list(t, func(x sdf.Vec4h) string { return formatValue(x) })
	case []sdf.Vec2i:
		return list(t, func(x sdf.Vec2i) string { return formatValue(x) })
	case []sdf.Vec3i:
		return list(t, func(x sdf.Vec3i) string { return formatValue(x) })
	case []sdf.Vec4i:
		return list(t, func(x sdf.Vec4i) string { return formatValue(x) })
	case []sdf.Quatf:
		return list(t, func(x sdf.Quatf) string { return formatValue(x) })
	case []sdf.Quatd:
		return list(t, func(x sdf.Quatd) string { return formatValue(x) })
	case []sdf.Quath:
		return list(t, func(x sdf.Quath) string { return formatValue(x) })
	case []sdf.Matrix2d:
		return list(t, func(x sdf.Matrix2d) string { return formatValue(x) })
	case []sdf.Matrix3d:
		return list(t, func(x sdf.Matrix3d) string { return formatValue(x) })
	case []sdf.Matrix4d:
		return list(t, func(x sdf.Matrix4d) string { return formatValue(x) })
	}
	return ""
}

// TypeNameOf returns the usda type name of a Go value ("" if unknown).
func TypeNameOf(v any) string {
	if e, ok := v.(sdf.ArrayEdit); ok {
		return TypeNameOf(e.Values)
	}
	switch v.(type) {
	case bool:
		return "bool"
	case uint8:
		return "uchar"
	case int32:
		return "int"
	case uint32:
		return "uint"
	case int64:
		return "int64"
	case uint64:
		return "uint64"
	case sdf.Half:
		return "half"
	case float32:
		return "float"
	case float64:
		return "double"
	case sdf.TimeCode:
		return "timecode"
	case string:
		return "string"
	case sdf.Token:
		return "token"
	case sdf.AssetPath:
		return "asset"
	case sdf.Vec2f:
		return "float2"
	case sdf.Vec3f:
		return "float3"
	case sdf.Vec4f:
		return "float4"
	case sdf.Vec2d:
		return "double2"
	case sdf.Vec3d:
		return "double3"
	case sdf.Vec4d:
		return "double4"
	case sdf.Vec2h:
		return "half2"
	case sdf.Vec3h:
		return "half3"
	case sdf.Vec4h:
		return "half4"
	case sdf.Vec2i:
		return "int2"
	case sdf.Vec3i:
		return "int3"
	case sdf.Vec4i:
		return "int4"
	case sdf.Quatf:
		return "quatf"
	case sdf.Quatd:
		return "quatd"
	case sdf.Quath:
		return "quath"
	case sdf.Matrix2d:
		return "matrix2d"
	case sdf.Matrix3d:
		return "matrix3d"
	case sdf.Matrix4d:
		return "matrix4d"
	case sdf.PathExpression:
		return "pathExpression"
	case map[string]any:
		return "dictionary"
	case []bool:
		return "bool[]"
	case []uint8:
		return "uchar[]"
	case []sdf.TimeCode:
		return "timecode[]"
	case []sdf.PathExpression:
		return "pathExpression[]"
	case []sdf.Vec2h:
		return "half2[]"
	case []sdf.Vec3h:
		return "half3[]"
	case []sdf.Vec4h:
		return "half4[]"
	case []sdf.Vec4i:
		return "int4[]"
	case []sdf.Matrix2d:
		return "matrix2d[]"
	case []sdf.Matrix3d:
		return "matrix3d[]"
	case []int32:
		return "int[]"
	case []uint32:
		return "uint[]"
	case []int64:
		return "int64[]"
	case []uint64:
		return "uint64[]"
	case []sdf.Half:
		return "half[]"
	case []float32:
		return "float[]"
	case []float64:
		return "double[]"
	case []string:
		return "string[]"
	case []sdf.Token:
		return "token[]"
	case []sdf.AssetPath:
		return "asset[]"
	case []sdf.Vec2f:
		return "float2[]"
	case []sdf.Vec3f:
		return "float3[]"
	case []sdf.Vec4f:
		return "float4[]"
	case []sdf.Vec2d:
		return "double2[]"
	case []sdf.Vec3d:
		return "double3[]"
	case []sdf.Vec4d:
		return "double4[]"
	case []sdf.Vec2i:
		return "int2[]"
	case []sdf.Vec3i:
		return "int3[]"
	case []sdf.Matrix4d:
		return "matrix4d[]"
	case []sdf.Quatf:
		return "quatf[]"
	case []sdf.Quath:
		return "quath[]"
	case []sdf.Quatd:
		return "quatd[]"
	}
	return ""
}

package crate

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"

	"github.com/rgallery/rgallery/usd/sdf"
)

// Fields whose []Token, []string, []AssetPath or ListOp[string] values are
// Sdf vectors or path list ops rather than arrays or string list ops
// (Sdf's schema: SdfChildrenKeys, SdfFieldKeys).
var (
	tokenVectorFields = map[string]bool{"primChildren": true, "properties": true, "variantSetChildren": true,
		"variantChildren": true, "primOrder": true, "propertyOrder": true}
	pathVectorFields = map[string]bool{"targetChildren": true, "connectionChildren": true}
	pathListFields   = map[string]bool{"inheritPaths": true, "specializes": true, "targetPaths": true,
		"connectionPaths": true}
)

func mkrep(t int, inlined bool, payload uint64) uint64 {
	r := uint64(t)<<48 | payload&payloadMask
	if inlined {
		r |= repInlined
	}
	return r
}

func arrayRep(t int, payload uint64) uint64 { return repArray | uint64(t)<<48 | payload&payloadMask }

// halfBits converts a Half (a binary16 value widened to float32) back to
// its bits, rounding to nearest even for values that are not halves.
func halfBits(h sdf.Half) uint16 {
	b := math.Float32bits(float32(h))
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23&0xff) - 127 + 15
	mant := b & 0x7fffff
	switch {
	case b&0x7fffffff == 0:
		return sign
	case b>>23&0xff == 0xff: // inf, NaN
		if mant != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	case exp >= 31:
		return sign | 0x7c00
	case exp <= 0:
		if exp < -10 {
			return sign
		}
		m := mant | 0x800000
		shift := uint(14 - exp)
		r := m >> shift
		rem := m & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rem > half || rem == half && r&1 != 0 {
			r++
		}
		return sign | uint16(r)
	}
	r := uint32(exp)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || rem == 0x1000 && r&1 != 0 {
		r++ // may carry into the exponent, up to infinity: correct
	}
	return sign | uint16(r)
}

// i8 reports whether x is exactly an int8 (_IsExactlyRepresented).
func i8(x float64) (int8, bool) {
	if x >= -128 && x <= 127 && float64(int8(x)) == x {
		return int8(x), true
	}
	return 0, false
}

// inlineVec packs the components of a vector into a rep payload when all
// are int8-exact.
func inlineVec(comps ...float64) (uint64, bool) {
	var p uint32
	for i, c := range comps {
		v, ok := i8(c)
		if !ok {
			return 0, false
		}
		p |= uint32(uint8(v)) << (8 * i)
	}
	return uint64(p), true
}

// inlineMatrix packs a matrix's diagonal when it is all that is non-zero
// and int8-exact.
func inlineMatrix(n int, at func(i, j int) float64) (uint64, bool) {
	var p uint32
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if i != j {
				if at(i, j) != 0 {
					return 0, false
				}
				continue
			}
			v, ok := i8(at(i, i))
			if !ok {
				return 0, false
			}
			p |= uint32(uint8(v)) << (8 * i)
		}
	}
	return uint64(p), true
}

// pack writes a value's out-of-line data (if any) and returns its rep.
// name is the field name, which tells Sdf vectors from arrays.
func (w *cwriter) pack(name string, v any, depth int) (uint64, error) {
	if depth > maxDepth {
		return 0, fmt.Errorf("values nested too deeply")
	}
	switch x := v.(type) {
	case bool:
		p := uint64(0)
		if x {
			p = 1
		}
		return mkrep(tBool, true, p), nil
	case uint8:
		return mkrep(tUChar, true, uint64(x)), nil
	case int32:
		return mkrep(tInt, true, uint64(uint32(x))), nil
	case uint32:
		return mkrep(tUInt, true, uint64(x)), nil
	case sdf.Half:
		return mkrep(tHalf, true, uint64(halfBits(x))), nil
	case float32:
		return mkrep(tFloat, true, uint64(math.Float32bits(x))), nil
	case int64:
		if x >= math.MinInt32 && x <= math.MaxInt32 {
			return mkrep(tInt64, true, uint64(uint32(int32(x)))), nil
		}
		at := w.tell()
		w.u64(uint64(x))
		return mkrep(tInt64, false, at), nil
	case uint64:
		if x <= math.MaxUint32 {
			return mkrep(tUInt64, true, x), nil
		}
		at := w.tell()
		w.u64(x)
		return mkrep(tUInt64, false, at), nil
	case float64:
		if f := float32(x); !math.IsInf(float64(f), 0) && float64(f) == x {
			return mkrep(tDouble, true, uint64(math.Float32bits(f))), nil
		}
		at := w.tell()
		w.f64(x)
		return mkrep(tDouble, false, at), nil
	case sdf.TimeCode:
		w.need(9)
		at := w.tell()
		w.f64(float64(x))
		return mkrep(tTimeCode, false, at), nil
	case string:
		return mkrep(tString, true, uint64(w.str(x))), nil
	case sdf.Token:
		return mkrep(tToken, true, uint64(w.token(string(x)))), nil
	case sdf.AssetPath:
		return mkrep(tAssetPath, true, uint64(w.token(x.Authored))), nil
	case sdf.PathExpression:
		w.need(10)
		at := w.tell()
		w.u32(w.str(string(x)))
		return mkrep(tPathExpression, false, at), nil
	case sdf.Specifier:
		return mkrep(tSpecifier, true, uint64(x)), nil
	case sdf.Permission:
		return mkrep(tPermission, true, uint64(x)), nil
	case sdf.Variability:
		return mkrep(tVariability, true, uint64(x)), nil
	case sdf.ValueBlock:
		return mkrep(tValueBlock, true, 0), nil
	case sdf.AnimationBlock:
		// OpenUSD 26.11 writes it without a version upgrade.
		return mkrep(tAnimationBlock, true, 0), nil
	case sdf.Vec2h:
		// 4 bytes: always inlined bitwise (_IsAlwaysInlined).
		return mkrep(tVec2h, true, uint64(halfBits(x[0]))|uint64(halfBits(x[1]))<<16), nil
	case map[string]any:
		if len(x) == 0 {
			return mkrep(tDictionary, true, 0), nil
		}
		at := w.tell()
		return mkrep(tDictionary, false, at), w.dict(x, depth)
	case map[string]string:
		at := w.tell()
		keys := sortedKeys(x)
		w.u64(uint64(len(keys)))
		for _, k := range keys {
			w.u32(w.str(k))
			w.u32(w.str(x[k]))
		}
		return mkrep(tVariantSelectionMap, false, at), nil
	case *sdf.TimeSamples:
		at := w.tell()
		return mkrep(tTimeSamples, false, at), w.timeSamples(x, depth)
	case sdf.UnregisteredValue:
		at := w.tell()
		return mkrep(tUnregisteredValue, false, at), w.vtValue("", x.Text, depth)
	case sdf.Payload:
		at := w.tell()
		return mkrep(tPayload, false, at), w.payload(x)
	case []sdf.Relocate:
		w.need(11)
		at := w.tell()
		w.u64(uint64(len(x)))
		for _, r := range x {
			for _, p := range []string{r.Source, r.Target} {
				i, err := w.path(p)
				if err != nil {
					return 0, err
				}
				w.u32(i)
			}
		}
		return mkrep(tRelocates, false, at), nil
	case []sdf.LayerOffset:
		at := w.tell()
		w.u64(uint64(len(x)))
		for _, o := range x {
			w.f64(o.Offset)
			w.f64(o.Scale)
		}
		return mkrep(tLayerOffsetVector, false, at), nil
	case sdf.ArrayEdit:
		return w.packArrayEdit(x)
	case *sdf.Spline:
		if _, ok := x.Extra["crateData"]; !ok && len(x.Knots) == 0 {
			w.need(12)
			return mkrep(tSpline, true, 0), nil // an empty spline, inlined
		}
		return w.writeSpline(x, depth)
	}
	if rep, ok, err := w.packListOp(name, v); ok {
		return rep, err
	}
	if rep, ok, err := w.packVector(name, v); ok {
		return rep, err
	}
	if rep, ok := w.packFixed(v); ok {
		return rep, nil
	}
	if rep, ok, err := w.packArray(v); ok {
		return rep, err
	}
	return 0, fmt.Errorf("value of Go type %T has no crate form", v)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// dict writes a VtDictionary: a count, then per entry (sorted by key, as
// std::map iterates) a string index and a VtValue.
func (w *cwriter) dict(d map[string]any, depth int) error {
	keys := sortedKeys(d)
	w.u64(uint64(len(keys)))
	for _, k := range keys {
		w.u32(w.str(k))
		if err := w.vtValue(k, d[k], depth+1); err != nil {
			return fmt.Errorf("dictionary key %q: %w", k, err)
		}
	}
	return nil
}

// vtValue writes a VtValue: a forward offset past the value's own data,
// then its rep (_Writer::Write(VtValue)).
func (w *cwriter) vtValue(name string, v any, depth int) error {
	var rep uint64
	err := w.recursive(func() error {
		var err error
		rep, err = w.pack(name, v, depth+1)
		return err
	})
	if err != nil {
		return err
	}
	w.u64(rep)
	return nil
}

func (w *cwriter) timeSamples(ts *sdf.TimeSamples, depth int) error {
	var timesRep uint64
	if err := w.recursive(func() error {
		at := w.tell()
		w.u64(uint64(len(ts.Times)))
		for _, t := range ts.Times {
			w.f64(t)
		}
		timesRep = mkrep(tDoubleVector, false, at)
		return nil
	}); err != nil {
		return err
	}
	w.u64(timesRep)
	reps := make([]uint64, len(ts.Values))
	if err := w.recursive(func() error {
		for i := range ts.Values {
			v, err := ts.Value(i)
			if err != nil {
				return fmt.Errorf("time sample %d (time %v): %w", i, ts.Times[i], err)
			}
			reps[i], err = w.pack("", v, depth+1)
			if err != nil {
				return fmt.Errorf("time sample %d (time %v): %w", i, ts.Times[i], err)
			}
		}
		return nil
	}); err != nil {
		return err
	}
	w.u64(uint64(len(reps)))
	for _, r := range reps {
		w.u64(r)
	}
	return nil
}

func (w *cwriter) pathRef(p string) error {
	i, err := w.path(p)
	if err != nil {
		return err
	}
	w.u32(i)
	return nil
}

func (w *cwriter) payload(p sdf.Payload) error {
	w.u32(w.str(p.AssetPath))
	if err := w.pathRef(p.PrimPath); err != nil {
		return err
	}
	// The offset as authored; scale 0 is a value (see readPayload).
	w.f64(p.Offset.Offset)
	w.f64(p.Offset.Scale)
	return nil
}

// listOp writes an SdfListOp: a header byte, then the non-empty item
// lists in the order explicit, added, prepended, appended, deleted,
// ordered (_Writer::Write(SdfListOp)).
func writeListOp[T any](w *cwriter, lo sdf.ListOp[T], t int, elem func(T) error) (uint64, error) {
	at := w.tell()
	var h uint8
	if lo.Explicit {
		h |= 1
	}
	lists := []struct {
		bit   uint8
		items []T
	}{{2, lo.Items}, {4, lo.Added}, {32, lo.Prepended}, {64, lo.Appended}, {8, lo.Deleted}, {16, lo.Ordered}}
	for _, l := range lists {
		if len(l.items) > 0 {
			h |= l.bit
		}
	}
	w.u8(h)
	for _, l := range lists {
		if len(l.items) == 0 {
			continue
		}
		w.u64(uint64(len(l.items)))
		for _, it := range l.items {
			if err := elem(it); err != nil {
				return 0, err
			}
		}
	}
	return mkrep(t, false, at), nil
}

func (w *cwriter) packListOp(name string, v any) (uint64, bool, error) {
	var rep uint64
	var err error
	switch x := v.(type) {
	case sdf.ListOp[sdf.Token]:
		rep, err = writeListOp(w, x, tTokenListOp, func(t sdf.Token) error { w.u32(w.token(string(t))); return nil })
	case sdf.ListOp[string]:
		if pathListFields[name] {
			rep, err = writeListOp(w, x, tPathListOp, w.pathRef)
		} else {
			rep, err = writeListOp(w, x, tStringListOp, func(s string) error { w.u32(w.str(s)); return nil })
		}
	case sdf.ListOp[sdf.Reference]:
		rep, err = writeListOp(w, x, tReferenceListOp, func(r sdf.Reference) error {
			w.u32(w.str(r.AssetPath))
			if err := w.pathRef(r.PrimPath); err != nil {
				return err
			}
			w.f64(r.Offset.Offset)
			w.f64(r.Offset.Scale)
			return w.dict(r.CustomData, 0)
		})
	case sdf.ListOp[sdf.Payload]:
		rep, err = writeListOp(w, x, tPayloadListOp, w.payload)
	case sdf.ListOp[int32]:
		rep, err = writeListOp(w, x, tIntListOp, func(i int32) error { w.u32(uint32(i)); return nil })
	case sdf.ListOp[uint32]:
		rep, err = writeListOp(w, x, tUIntListOp, func(i uint32) error { w.u32(i); return nil })
	case sdf.ListOp[int64]:
		rep, err = writeListOp(w, x, tInt64ListOp, func(i int64) error { w.u64(uint64(i)); return nil })
	case sdf.ListOp[uint64]:
		rep, err = writeListOp(w, x, tUInt64ListOp, func(i uint64) error { w.u64(i); return nil })
	default:
		return 0, false, nil
	}
	return rep, true, err
}

// packVector writes the Sdf vector fields (token, string, path vectors).
func (w *cwriter) packVector(name string, v any) (uint64, bool, error) {
	switch x := v.(type) {
	case []sdf.Token:
		if !tokenVectorFields[name] {
			return 0, false, nil
		}
		at := w.tell()
		w.u64(uint64(len(x)))
		for _, t := range x {
			w.u32(w.token(string(t)))
		}
		return mkrep(tTokenVector, false, at), true, nil
	case []string:
		switch {
		case name == "subLayers":
			at := w.tell()
			w.u64(uint64(len(x)))
			for _, s := range x {
				w.u32(w.str(s))
			}
			return mkrep(tStringVector, false, at), true, nil
		case pathVectorFields[name]:
			at := w.tell()
			w.u64(uint64(len(x)))
			for _, p := range x {
				if err := w.pathRef(p); err != nil {
					return 0, true, err
				}
			}
			return mkrep(tPathVector, false, at), true, nil
		}
	case []sdf.AssetPath:
		if name == "subLayers" {
			at := w.tell()
			w.u64(uint64(len(x)))
			for _, s := range x {
				w.u32(w.str(s.Authored))
			}
			return mkrep(tStringVector, false, at), true, nil
		}
	}
	return 0, false, nil
}

// fixedType returns the crate type of a fixed-size vector, quaternion or
// matrix value, and its components (row-major; quaternions imaginary
// first).
func fixedType(v any) (int, []float64, bool) {
	f32s := func(xs ...float32) []float64 {
		out := make([]float64, len(xs))
		for i, x := range xs {
			out[i] = float64(x)
		}
		return out
	}
	hs := func(xs ...sdf.Half) []float64 {
		out := make([]float64, len(xs))
		for i, x := range xs {
			out[i] = float64(x)
		}
		return out
	}
	is := func(xs ...int32) []float64 {
		out := make([]float64, len(xs))
		for i, x := range xs {
			out[i] = float64(x)
		}
		return out
	}
	switch x := v.(type) {
	case sdf.Vec2d:
		return tVec2d, x[:], true
	case sdf.Vec3d:
		return tVec3d, x[:], true
	case sdf.Vec4d:
		return tVec4d, x[:], true
	case sdf.Vec2f:
		return tVec2f, f32s(x[:]...), true
	case sdf.Vec3f:
		return tVec3f, f32s(x[:]...), true
	case sdf.Vec4f:
		return tVec4f, f32s(x[:]...), true
	case sdf.Vec2h:
		return tVec2h, hs(x[:]...), true
	case sdf.Vec3h:
		return tVec3h, hs(x[:]...), true
	case sdf.Vec4h:
		return tVec4h, hs(x[:]...), true
	case sdf.Vec2i:
		return tVec2i, is(x[:]...), true
	case sdf.Vec3i:
		return tVec3i, is(x[:]...), true
	case sdf.Vec4i:
		return tVec4i, is(x[:]...), true
	case sdf.Quatd:
		return tQuatd, append(x.Imag[:], x.Real), true
	case sdf.Quatf:
		return tQuatf, f32s(x.Imag[0], x.Imag[1], x.Imag[2], x.Real), true
	case sdf.Quath:
		return tQuath, hs(x.Imag[0], x.Imag[1], x.Imag[2], x.Real), true
	case sdf.Matrix2d:
		return tMatrix2d, []float64{x[0][0], x[0][1], x[1][0], x[1][1]}, true
	case sdf.Matrix3d:
		out := make([]float64, 0, 9)
		for _, r := range x {
			out = append(out, r[:]...)
		}
		return tMatrix3d, out, true
	case sdf.Matrix4d:
		out := make([]float64, 0, 16)
		for _, r := range x {
			out = append(out, r[:]...)
		}
		return tMatrix4d, out, true
	}
	return 0, nil, false
}

// putComps appends the on-disk bytes of a fixed-size element.
func putComps(b []byte, t int, c []float64) []byte {
	for _, x := range c {
		switch t {
		case tVec2d, tVec3d, tVec4d, tQuatd, tMatrix2d, tMatrix3d, tMatrix4d:
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
		case tVec2f, tVec3f, tVec4f, tQuatf:
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(x)))
		case tVec2h, tVec3h, tVec4h, tQuath:
			b = binary.LittleEndian.AppendUint16(b, halfBits(sdf.Half(x)))
		case tVec2i, tVec3i, tVec4i:
			b = binary.LittleEndian.AppendUint32(b, uint32(int32(x)))
		}
	}
	return b
}

func (w *cwriter) packFixed(v any) (uint64, bool) {
	t, c, ok := fixedType(v)
	if !ok {
		return 0, false
	}
	switch t {
	case tMatrix2d, tMatrix3d, tMatrix4d:
		n := map[int]int{tMatrix2d: 2, tMatrix3d: 3, tMatrix4d: 4}[t]
		if p, ok := inlineMatrix(n, func(i, j int) float64 { return c[i*n+j] }); ok {
			return mkrep(t, true, p), true
		}
	case tQuatd, tQuatf, tQuath:
	default:
		if p, ok := inlineVec(c...); ok {
			return mkrep(t, true, p), true
		}
	}
	at := w.tell()
	w.buf = putComps(w.buf, t, c)
	return mkrep(t, false, at), true
}

// packArrayEdit writes a VtArrayEdit as _ValueHandler::PackArrayEdit does
// (crate 0.14.0): the identity edit is a rep with payload 0; otherwise the
// values array and the int64 instruction array are packed as arrays are,
// then the rep points at their two reps and the dense flag.
func (w *cwriter) packArrayEdit(e sdf.ArrayEdit) (uint64, error) {
	w.need(14)
	vrep, ok, err := w.packArray(e.Values)
	if err != nil {
		return 0, err
	}
	if !ok || vrep&repArray == 0 {
		return 0, fmt.Errorf("array edit of %T has no crate form", e.Values)
	}
	t := uint64(repType(vrep))
	if e.IsIdentity() {
		return repArrayEdit | t<<48, nil
	}
	if !e.Dense {
		if _, err := e.Steps(); err != nil {
			return 0, err
		}
	}
	irep, _, err := w.packArray(append([]int64{}, e.Ins...))
	if err != nil {
		return 0, err
	}
	at := w.tell()
	w.u64(vrep)
	w.u64(irep)
	if e.Dense {
		w.u8(1)
	} else {
		w.u8(0)
	}
	return repArrayEdit | t<<48 | at&payloadMask, nil
}

package crate

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/rgallery/rgallery/usd/sdf"
)

// Type enums of crate value reps (crateDataTypes.h).
const (
	tInvalid = iota
	tBool
	tUChar
	tInt
	tUInt
	tInt64
	tUInt64
	tHalf
	tFloat
	tDouble
	tString
	tToken
	tAssetPath
	tMatrix2d
	tMatrix3d
	tMatrix4d
	tQuatd
	tQuatf
	tQuath
	tVec2d
	tVec2f
	tVec2h
	tVec2i
	tVec3d
	tVec3f
	tVec3h
	tVec3i
	tVec4d
	tVec4f
	tVec4h
	tVec4i
	tDictionary
	tTokenListOp
	tStringListOp
	tPathListOp
	tReferenceListOp
	tIntListOp
	tInt64ListOp
	tUIntListOp
	tUInt64ListOp
	tPathVector
	tTokenVector
	tSpecifier
	tPermission
	tVariability
	tVariantSelectionMap
	tTimeSamples
	tPayload
	tDoubleVector
	tLayerOffsetVector
	tStringVector
	tValueBlock
	tValue
	tUnregisteredValue
	tUnregisteredValueListOp
	tPayloadListOp
	tTimeCode
	tPathExpression
	tRelocates
	tSpline
	tAnimationBlock
)

const (
	repArray      = uint64(1) << 63
	repInlined    = uint64(1) << 62
	repCompressed = uint64(1) << 61
	repArrayEdit  = uint64(1) << 60 // crate 0.14.0
	payloadMask   = uint64(1)<<48 - 1
)

func repType(rep uint64) int { return int(rep >> 48 & 0xff) }

// maxDepth bounds recursion through nested values (dictionaries holding
// values holding dictionaries...), so a hostile file cannot loop.
const maxDepth = 64

// maxSteps bounds the values one field may expand to: nested values can
// share offsets, so a small hostile file could otherwise describe an
// exponentially large value.
const maxSteps = 1 << 20

// budget tracks nesting depth and the work done decoding one field.
type budget struct {
	steps *int
	depth int
}

func newBudget() budget { return budget{steps: new(int)} }

func (b budget) deeper() budget { return budget{steps: b.steps, depth: b.depth + 1} }

// lazyValue decodes a value on first use. A value that fails to decode
// gives a *ValueError naming the file, spec and field, and the error is
// also added to the layer's DecodeErrors, so that it reaches the stage's
// Errors even where a caller only asks whether the value exists.
type lazyValue struct {
	f     *file
	rep   uint64
	path  string
	field string
	log   *sdf.ErrorLog
	once  sync.Once
	v     any
	err   error
}

func (l *lazyValue) Load() (any, error) {
	l.once.Do(func() {
		l.v, l.err = l.f.unpack(l.rep, newBudget())
		if l.err != nil {
			l.err = l.f.valueError(l.path, l.field, l.rep, l.err)
			l.log.Add(l.err)
		}
		if ts, ok := l.v.(*sdf.TimeSamples); ok {
			// Sample values decode later still: they report as this field.
			for i, x := range ts.Values {
				if lz, ok := x.(*lazyValue); ok {
					lz.path, lz.log = l.path, l.log
					lz.field = fmt.Sprintf("%s[%d] (time %v)", l.field, i, ts.Times[i])
				}
			}
		}
	})
	return l.v, l.err
}

// IsArrayEdit reports, without decoding it, whether the value is an
// array edit (value resolution composes those over weaker opinions).
func (l *lazyValue) IsArrayEdit() bool { return l.rep&repArrayEdit != 0 }

// readArrayEdit decodes a crate 0.14 VtArrayEdit as CrateFile's
// UnpackArrayEdit does: payload 0 is the identity edit; otherwise the
// payload is the offset of a rep of the values array (the dense array or
// the literals, of the edit's element type, packed as any array is:
// deduplicated, compressed), a rep of the int64 array of instructions
// (Vt_ArrayEditOps), and a byte that is nonzero for a dense edit.
func (f *file) readArrayEdit(t int, payload uint64, b budget) (any, error) {
	empty, ok := makeArray(t, 0)
	if !ok {
		return nil, fmt.Errorf("array edit of value type %d, which has no arrays", t)
	}
	if payload == 0 {
		return sdf.ArrayEdit{Values: empty}, nil
	}
	r := f.at(int64(payload), "")
	valuesRep, insRep := r.u64(), r.u64()
	dense := r.u8() != 0
	if r.err != nil {
		return nil, r.err
	}
	if valuesRep&repArray == 0 || valuesRep&repArrayEdit != 0 || repType(valuesRep) != t {
		return nil, fmt.Errorf("array edit of value type %d: its values are not an array of that type (rep %#x)", t, valuesRep)
	}
	if insRep&repArray == 0 || insRep&repArrayEdit != 0 || repType(insRep) != tInt64 {
		return nil, fmt.Errorf("array edit: its instructions are not an int64 array (rep %#x)", insRep)
	}
	vals, err := f.unpack(valuesRep, b.deeper())
	if err != nil {
		return nil, fmt.Errorf("array edit values: %s", inner(err))
	}
	iv, err := f.unpack(insRep, b.deeper())
	if err != nil {
		return nil, fmt.Errorf("array edit instructions: %s", inner(err))
	}
	ins, _ := iv.([]int64)
	if len(ins) == 0 {
		ins = nil // as the usda parser and the identity edit hold none
	}
	e := sdf.ArrayEdit{Dense: dense, Values: vals, Ins: ins}
	if !dense {
		if _, err := e.Steps(); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// failedValue is a field whose value could not be decoded when the layer
// was read: the layer still opens (as OpenUSD's does), and the field
// reports its error whenever it is asked for.
type failedValue struct{ err error }

func (v failedValue) Load() (any, error) { return nil, v.err }

// ValueError is a crate value that could not be decoded.
type ValueError struct {
	File   string
	Path   string // the spec's path: a prim, property, variant...
	Field  string // "default", "timeSamples", "customData", ...
	Offset int64  // where the value's data starts in the file (0 if inlined)
	Err    error
}

func (e *ValueError) Error() string {
	where := "prim <" + e.Path + ">"
	if i := strings.LastIndexByte(e.Path, '.'); i > strings.LastIndexAny(e.Path, "/}") && !strings.Contains(e.Path, "[") {
		where = fmt.Sprintf("prim <%s>, property %s", e.Path[:i], e.Path[i+1:])
	}
	if e.Path == "/" {
		where = "layer metadata"
	}
	return fmt.Sprintf("%s: %s, field %s: crate value at offset %d: %v", e.File, where, e.Field, e.Offset, e.Err)
}

func (e *ValueError) Unwrap() error { return e.Err }

func (f *file) valueError(path, field string, rep uint64, err error) error {
	off := int64(0)
	if rep&repInlined == 0 {
		off = int64(rep & payloadMask)
	}
	if ce, ok := err.(*Error); ok && ce.File == f.name {
		// Drop the file name the inner error repeats; keep its offset.
		err = fmt.Errorf("at offset %d: %s", ce.Offset, ce.Msg)
	}
	return &ValueError{File: f.name, Path: path, Field: field, Offset: off, Err: err}
}

func (f *file) layer() (*sdf.Layer, error) {
	l := sdf.NewLayer(f.name)
	l.Format = "usdc"
	l.Version = f.ver.String()
	l.DecodeErrors = &sdf.ErrorLog{}
	f.log = l.DecodeErrors
	for i, s := range f.specs {
		if int(s.path) >= len(f.paths) || f.paths[s.path] == "" {
			return nil, &Error{File: f.name, Section: "SPECS", Msg: fmt.Sprintf("spec %d has bad path index %d", i, s.path)}
		}
		path := f.paths[s.path]
		sp := &sdf.Spec{Type: sdf.SpecType(s.typ)}
		for k := int(s.fieldSet); ; k++ {
			if k >= len(f.fsets) {
				return nil, &Error{File: f.name, Section: "FIELDSETS", Msg: fmt.Sprintf("field set %d of spec %s runs past the end", s.fieldSet, path)}
			}
			fi := f.fsets[k]
			if fi == math.MaxUint32 {
				break
			}
			if int(fi) >= len(f.fields) {
				return nil, &Error{File: f.name, Section: "FIELDSETS", Msg: fmt.Sprintf("field index %d of %d in spec %s", fi, len(f.fields), path)}
			}
			fl := f.fields[fi]
			name := f.tokens[fl.token]
			var v any
			if fl.rep&(repArray|repArrayEdit) != 0 && fl.rep&repInlined == 0 || repType(fl.rep) == tTimeSamples {
				v = &lazyValue{f: f, rep: fl.rep, path: path, field: name, log: l.DecodeErrors}
			} else {
				var err error
				v, err = f.unpack(fl.rep, newBudget())
				if err != nil {
					err = f.valueError(path, name, fl.rep, err)
					l.DecodeErrors.Add(err)
					v = failedValue{err}
				}
				if sp, ok := v.(*sdf.Spline); ok {
					if err := splineUnsupported(sp); err != nil {
						l.DecodeErrors.Add(f.valueError(path, name, fl.rep, err))
					}
				}
			}
			sp.Fields = append(sp.Fields, sdf.Field{Name: name, Value: normalize(name, v)})
		}
		if path == "/" {
			root := l.Root()
			root.Fields = append(root.Fields, sp.Fields...)
			continue
		}
		l.Specs[path] = sp
	}
	return l, nil
}

// normalize converts crate field values to the shapes the usda parser
// produces for the same fields.
func normalize(name string, v any) any {
	switch name {
	case "payload":
		// Before list-edited payloads, crate files held one SdfPayload.
		if p, ok := v.(sdf.Payload); ok {
			if p.AssetPath == "" && p.PrimPath == "" {
				return sdf.PayloadListOp{Explicit: true, Items: []sdf.Payload{}}
			}
			return sdf.PayloadListOp{Explicit: true, Items: []sdf.Payload{p}}
		}
	case "subLayers":
		if s, ok := v.([]string); ok {
			return s
		}
	case "primChildren", "properties", "variantSetChildren", "variantChildren", "primOrder", "propertyOrder":
		if t, ok := v.([]sdf.Token); ok {
			return t
		}
	}
	return v
}

func (f *file) token(i uint64) (string, error) {
	if i >= uint64(len(f.tokens)) {
		return "", fmt.Errorf("token index %d of %d", i, len(f.tokens))
	}
	return f.tokens[i], nil
}

func (f *file) str(i uint64) (string, error) {
	if i >= uint64(len(f.strings)) {
		return "", fmt.Errorf("string index %d of %d", i, len(f.strings))
	}
	return f.tokens[f.strings[i]], nil
}

func (f *file) path(i uint64) (string, error) {
	if i >= uint64(len(f.paths)) {
		return "", fmt.Errorf("path index %d of %d", i, len(f.paths))
	}
	return f.paths[i], nil
}

// unpack decodes the value of a rep.
func (f *file) unpack(rep uint64, b budget) (any, error) {
	if b.depth > maxDepth {
		return nil, fmt.Errorf("values nested too deeply")
	}
	if *b.steps++; *b.steps > maxSteps {
		return nil, fmt.Errorf("value expands to more than %d nested values (a corrupt or hostile file)", maxSteps)
	}
	t := repType(rep)
	payload := rep & payloadMask
	inlined := rep&repInlined != 0
	if rep&repArrayEdit != 0 {
		return f.readArrayEdit(t, payload, b)
	}
	if rep&repArray != 0 {
		if payload == 0 {
			return emptyArray(t), nil
		}
		r := f.at(int64(payload), "")
		v := f.readArray(r, t, rep&repCompressed != 0)
		if r.err != nil {
			return nil, r.err
		}
		return v, nil
	}
	p32 := uint32(payload)
	switch t {
	case tBool:
		return p32 != 0, nil
	case tUChar:
		return uint8(p32), nil
	case tInt:
		return int32(p32), nil
	case tUInt:
		return p32, nil
	case tHalf:
		return sdf.HalfFromBits(uint16(p32)), nil
	case tFloat:
		return math.Float32frombits(p32), nil
	case tString:
		return f.str(uint64(p32))
	case tToken:
		s, err := f.token(uint64(p32))
		return sdf.Token(s), err
	case tAssetPath:
		s, err := f.token(uint64(p32))
		return sdf.AssetPath{Authored: s}, err
	case tSpecifier:
		return sdf.Specifier(p32), nil
	case tPermission:
		return sdf.Permission(p32), nil
	case tVariability:
		if p32 == 2 { // legacy "config"
			return sdf.VariabilityUniform, nil
		}
		return sdf.Variability(p32), nil
	case tValueBlock:
		return sdf.ValueBlock{}, nil
	case tAnimationBlock:
		return sdf.AnimationBlock{}, nil
	}
	if inlined {
		return decodeInline(t, p32)
	}
	r := f.at(int64(payload), "")
	v := f.readValue(r, t, b)
	if r.err != nil {
		return nil, r.err
	}
	return v, nil
}

func decodeInline(t int, p uint32) (any, error) {
	i8 := func(k int) int8 { return int8(p >> (8 * k)) }
	switch t {
	case tInt64:
		return int64(int32(p)), nil
	case tUInt64:
		return uint64(p), nil
	case tDouble:
		return float64(math.Float32frombits(p)), nil
	case tTimeCode:
		return sdf.TimeCode(math.Float32frombits(p)), nil
	case tVec2d:
		return sdf.Vec2d{float64(i8(0)), float64(i8(1))}, nil
	case tVec3d:
		return sdf.Vec3d{float64(i8(0)), float64(i8(1)), float64(i8(2))}, nil
	case tVec4d:
		return sdf.Vec4d{float64(i8(0)), float64(i8(1)), float64(i8(2)), float64(i8(3))}, nil
	case tVec2f:
		return sdf.Vec2f{float32(i8(0)), float32(i8(1))}, nil
	case tVec3f:
		return sdf.Vec3f{float32(i8(0)), float32(i8(1)), float32(i8(2))}, nil
	case tVec4f:
		return sdf.Vec4f{float32(i8(0)), float32(i8(1)), float32(i8(2)), float32(i8(3))}, nil
	case tVec2h:
		// GfVec2h is 4 bytes, so crateFile.cpp always inlines it bitwise
		// (_IsAlwaysInlined: sizeof(T) <= sizeof(uint32_t)): two halves,
		// not the int8 components other vectors are inlined as.
		return sdf.Vec2h{sdf.HalfFromBits(uint16(p)), sdf.HalfFromBits(uint16(p >> 16))}, nil
	case tVec3h:
		return sdf.Vec3h{sdf.Half(i8(0)), sdf.Half(i8(1)), sdf.Half(i8(2))}, nil
	case tVec4h:
		return sdf.Vec4h{sdf.Half(i8(0)), sdf.Half(i8(1)), sdf.Half(i8(2)), sdf.Half(i8(3))}, nil
	case tVec2i:
		return sdf.Vec2i{int32(i8(0)), int32(i8(1))}, nil
	case tVec3i:
		return sdf.Vec3i{int32(i8(0)), int32(i8(1)), int32(i8(2))}, nil
	case tVec4i:
		return sdf.Vec4i{int32(i8(0)), int32(i8(1)), int32(i8(2)), int32(i8(3))}, nil
	case tMatrix2d:
		return sdf.Matrix2d{{float64(i8(0)), 0}, {0, float64(i8(1))}}, nil
	case tMatrix3d:
		return sdf.Matrix3d{{float64(i8(0)), 0, 0}, {0, float64(i8(1)), 0}, {0, 0, float64(i8(2))}}, nil
	case tMatrix4d:
		return sdf.Matrix4d{{float64(i8(0)), 0, 0, 0}, {0, float64(i8(1)), 0, 0}, {0, 0, float64(i8(2)), 0}, {0, 0, 0, float64(i8(3))}}, nil
	case tDictionary:
		return map[string]any{}, nil
	case tSpline: // OpenUSD inlines empty splines
		return &sdf.Spline{Type: "double", Extra: map[string]any{}}, nil
	}
	return nil, fmt.Errorf("type %d cannot be inlined", t)
}

func (r *reader) f32() float32 { return math.Float32frombits(r.u32()) }
func (r *reader) half() sdf.Half {
	b := r.bytes(2)
	if b == nil {
		return 0
	}
	return sdf.HalfFromBits(binary.LittleEndian.Uint16(b))
}

// readValue reads a non-inlined scalar value of type t at r.
func (f *file) readValue(r *reader, t int, b budget) any {
	switch t {
	case tInt64:
		return r.i64()
	case tUInt64:
		return r.u64()
	case tDouble:
		return r.f64()
	case tTimeCode:
		return sdf.TimeCode(r.f64())
	case tQuatd, tQuatf, tQuath, tVec2d, tVec2f, tVec2h, tVec2i, tVec3d, tVec3f, tVec3h, tVec3i,
		tVec4d, tVec4f, tVec4h, tVec4i, tMatrix2d, tMatrix3d, tMatrix4d:
		return readElem(r, t)
	case tString:
		s, err := f.str(uint64(r.u32()))
		if err != nil {
			r.fail("%v", err)
		}
		return s
	case tToken:
		s, err := f.token(uint64(r.u32()))
		if err != nil {
			r.fail("%v", err)
		}
		return sdf.Token(s)
	case tAssetPath:
		s, err := f.str(uint64(r.u32()))
		if err != nil {
			r.fail("%v", err)
		}
		return sdf.AssetPath{Authored: s}
	case tPathExpression:
		s, err := f.str(uint64(r.u32()))
		if err != nil {
			r.fail("%v", err)
			return sdf.PathExpression(s)
		}
		return f.pathExpression(s)
	case tDictionary:
		return f.readDict(r, b)
	case tTokenListOp:
		return readListOp(r, func() sdf.Token { return sdf.Token(f.readToken(r)) })
	case tStringListOp:
		return readListOp(r, func() string { return f.readString(r) })
	case tPathListOp:
		return readListOp(r, func() string { return f.readPath(r) })
	case tReferenceListOp:
		return readListOp(r, func() sdf.Reference { return f.readReference(r, b) })
	case tPayloadListOp:
		return readListOp(r, func() sdf.Payload { return f.readPayload(r) })
	case tIntListOp:
		return readListOp(r, func() int32 { return int32(r.u32()) })
	case tUIntListOp:
		return readListOp(r, func() uint32 { return r.u32() })
	case tInt64ListOp:
		return readListOp(r, func() int64 { return r.i64() })
	case tUInt64ListOp:
		return readListOp(r, func() uint64 { return r.u64() })
	case tUnregisteredValueListOp:
		return readListOp(r, func() any { return f.readVtValue(r, b) })
	case tPathVector:
		return readVec(r, 4, func() string { return f.readPath(r) })
	case tTokenVector:
		return readVec(r, 4, func() sdf.Token { return sdf.Token(f.readToken(r)) })
	case tStringVector:
		return readVec(r, 4, func() string { return f.readString(r) })
	case tDoubleVector:
		return readVec(r, 8, r.f64)
	case tLayerOffsetVector:
		return readVec(r, 16, func() sdf.LayerOffset { return sdf.LayerOffset{Offset: r.f64(), Scale: r.f64()} })
	case tVariantSelectionMap:
		n := r.count(8)
		m := make(map[string]string, n)
		for i := 0; i < n && r.err == nil; i++ {
			k := f.readString(r)
			m[k] = f.readString(r)
		}
		return m
	case tPayload:
		return f.readPayload(r)
	case tTimeSamples:
		return f.readTimeSamples(r, b)
	case tValue:
		return f.readVtValue(r, b)
	case tUnregisteredValue:
		v := f.readVtValue(r, b)
		if s, ok := v.(string); ok {
			return sdf.UnregisteredValue{Text: s}
		}
		return v
	case tRelocates:
		return readVec(r, 8, func() sdf.Relocate { return sdf.Relocate{Source: f.readPath(r), Target: f.readPath(r)} })
	case tSpline:
		return f.readSpline(r, b)
	}
	r.fail("unsupported value type %d", t)
	return nil
}

func (f *file) readToken(r *reader) string {
	s, err := f.token(uint64(r.u32()))
	if err != nil {
		r.fail("%v", err)
	}
	return s
}

func (f *file) readString(r *reader) string {
	s, err := f.str(uint64(r.u32()))
	if err != nil {
		r.fail("%v", err)
	}
	return s
}

func (f *file) readPath(r *reader) string {
	s, err := f.path(uint64(r.u32()))
	if err != nil {
		r.fail("%v", err)
	}
	return s
}

func (f *file) readPayload(r *reader) sdf.Payload {
	p := sdf.Payload{AssetPath: f.readString(r), PrimPath: f.readPath(r), Offset: sdf.IdentityOffset}
	if !f.ver.less(0, 8, 0) {
		// As stored, a scale of 0 too: OpenUSD reads SdfLayerOffset(0, 0)
		// and Pcp reports it as an invalid offset.
		p.Offset = sdf.LayerOffset{Offset: r.f64(), Scale: r.f64()}
	}
	return p
}

func (f *file) readReference(r *reader, b budget) sdf.Reference {
	ref := sdf.Reference{AssetPath: f.readString(r), PrimPath: f.readPath(r)}
	ref.Offset = sdf.LayerOffset{Offset: r.f64(), Scale: r.f64()}
	cd := f.readDict(r, b)
	if len(cd) > 0 {
		ref.CustomData = cd
	}
	return ref
}

func (f *file) readDict(r *reader, b budget) map[string]any {
	n := r.count(12)
	m := make(map[string]any, n)
	for i := 0; i < n && r.err == nil; i++ {
		k := f.readString(r)
		m[k] = f.readVtValue(r, b)
	}
	return m
}

// readVtValue reads a relative offset to a rep and unpacks the rep.
func (f *file) readVtValue(r *reader, b budget) any {
	start := r.pos
	off := r.i64()
	if r.err != nil {
		return nil
	}
	// The rep sits where the offset points; reading continues after it.
	r.pos = start + off
	rep := r.u64()
	if r.err != nil {
		return nil
	}
	v, err := f.unpack(rep, b.deeper())
	if err != nil {
		r.fail("%s", inner(err))
		return nil
	}
	if lz, ok := v.(sdf.Lazy); ok {
		v, err = lz.Load()
		if err != nil {
			r.fail("%s", inner(err))
		}
	}
	return v
}

func (f *file) readTimeSamples(r *reader, b budget) *sdf.TimeSamples {
	start := r.pos
	off := r.i64()
	r.pos = start + off
	timesRep := r.u64()
	if r.err != nil {
		return nil
	}
	tv, err := f.unpack(timesRep, b.deeper())
	if err != nil {
		r.fail("time sample times: %s", inner(err))
		return nil
	}
	var times []float64
	switch x := tv.(type) {
	case []float64:
		times = x
	case float64:
		times = []float64{x}
	}
	for i, t := range times {
		// SdfTimeSampleMap is ordered by time: a NaN time has no place in
		// it, and value resolution could not bracket it.
		if math.IsNaN(t) {
			r.fail("time sample %d has a NaN time", i)
			return nil
		}
	}
	start = r.pos
	off = r.i64()
	r.pos = start + off
	n := r.count(8)
	if r.err != nil {
		return nil
	}
	if n != len(times) {
		r.fail("%d time sample values for %d times", n, len(times))
		return nil
	}
	ts := &sdf.TimeSamples{Times: times, Values: make([]any, n)}
	for i := 0; i < n; i++ {
		rep := r.u64()
		if rep&(repArray|repArrayEdit) != 0 && rep&repInlined == 0 && rep&payloadMask != 0 {
			ts.Values[i] = &lazyValue{f: f, rep: rep}
			continue
		}
		v, err := f.unpack(rep, b.deeper())
		if err != nil {
			r.fail("time sample %d: %s", i, inner(err))
			return nil
		}
		ts.Values[i] = v
	}
	return ts
}

func readListOp[T any](r *reader, elem func() T) sdf.ListOp[T] {
	var lo sdf.ListOp[T]
	h := r.u8()
	lo.Explicit = h&1 != 0
	vec := func() []T {
		// A list flagged present but empty is the same op as an absent
		// one (the writer omits it): nil, so written files read back equal.
		if v := readVec(r, 4, elem); len(v) > 0 {
			return v
		}
		return nil
	}
	if h&2 != 0 {
		lo.Items = vec()
	}
	if lo.Explicit && lo.Items == nil {
		lo.Items = []T{}
	}
	if h&4 != 0 {
		lo.Added = vec()
	}
	if h&32 != 0 {
		lo.Prepended = vec()
	}
	if h&64 != 0 {
		lo.Appended = vec()
	}
	if h&8 != 0 {
		lo.Deleted = vec()
	}
	if h&16 != 0 {
		lo.Ordered = vec()
	}
	return lo
}

func readVec[T any](r *reader, minSize int64, elem func() T) []T {
	n := r.count(minSize)
	out := make([]T, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		out = append(out, elem())
	}
	return out
}

package crate

import (
	"encoding/binary"
	"math"

	"github.com/rgallery/rgallery/usd/sdf"
)

// elemSize is the on-disk size of one array element of type t (0 if the
// type has no arrays).
func elemSize(t int) int64 {
	switch t {
	case tBool, tUChar:
		return 1
	case tHalf:
		return 2
	case tInt, tUInt, tFloat, tString, tToken, tAssetPath, tPathExpression:
		return 4
	case tInt64, tUInt64, tDouble, tTimeCode:
		return 8
	case tVec2h:
		return 4
	case tVec3h:
		return 6
	case tVec4h, tQuath:
		return 8
	case tVec2f, tVec2i:
		return 8
	case tVec3f, tVec3i:
		return 12
	case tVec4f, tVec4i, tQuatf, tVec2d:
		return 16
	case tVec3d:
		return 24
	case tVec4d, tQuatd, tMatrix2d:
		return 32
	case tMatrix3d:
		return 72
	case tMatrix4d:
		return 128
	}
	return 0
}

func emptyArray(t int) any {
	v, _ := makeArray(t, 0)
	return v
}

// readElem reads one fixed-size element (vectors, quaternions, matrices).
func readElem(r *reader, t int) any {
	b := r.bytes(elemSize(t))
	if b == nil {
		return nil
	}
	return decodeElem(t, b)
}

func f32(b []byte, i int) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])) }
func f64(b []byte, i int) float64 { return math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:])) }
func h16(b []byte, i int) sdf.Half {
	return sdf.HalfFromBits(binary.LittleEndian.Uint16(b[2*i:]))
}
func i32(b []byte, i int) int32 { return int32(binary.LittleEndian.Uint32(b[4*i:])) }

func decodeElem(t int, b []byte) any {
	switch t {
	case tBool:
		return b[0] != 0
	case tUChar:
		return b[0]
	case tInt:
		return i32(b, 0)
	case tUInt:
		return binary.LittleEndian.Uint32(b)
	case tInt64:
		return int64(binary.LittleEndian.Uint64(b))
	case tUInt64:
		return binary.LittleEndian.Uint64(b)
	case tHalf:
		return h16(b, 0)
	case tFloat:
		return f32(b, 0)
	case tDouble:
		return f64(b, 0)
	case tTimeCode:
		return sdf.TimeCode(f64(b, 0))
	case tVec2f:
		return sdf.Vec2f{f32(b, 0), f32(b, 1)}
	case tVec3f:
		return sdf.Vec3f{f32(b, 0), f32(b, 1), f32(b, 2)}
	case tVec4f:
		return sdf.Vec4f{f32(b, 0), f32(b, 1), f32(b, 2), f32(b, 3)}
	case tVec2d:
		return sdf.Vec2d{f64(b, 0), f64(b, 1)}
	case tVec3d:
		return sdf.Vec3d{f64(b, 0), f64(b, 1), f64(b, 2)}
	case tVec4d:
		return sdf.Vec4d{f64(b, 0), f64(b, 1), f64(b, 2), f64(b, 3)}
	case tVec2h:
		return sdf.Vec2h{h16(b, 0), h16(b, 1)}
	case tVec3h:
		return sdf.Vec3h{h16(b, 0), h16(b, 1), h16(b, 2)}
	case tVec4h:
		return sdf.Vec4h{h16(b, 0), h16(b, 1), h16(b, 2), h16(b, 3)}
	case tVec2i:
		return sdf.Vec2i{i32(b, 0), i32(b, 1)}
	case tVec3i:
		return sdf.Vec3i{i32(b, 0), i32(b, 1), i32(b, 2)}
	case tVec4i:
		return sdf.Vec4i{i32(b, 0), i32(b, 1), i32(b, 2), i32(b, 3)}
	case tQuatf: // imaginary then real, as GfQuatf lays it out
		return sdf.Quatf{Imag: sdf.Vec3f{f32(b, 0), f32(b, 1), f32(b, 2)}, Real: f32(b, 3)}
	case tQuatd:
		return sdf.Quatd{Imag: sdf.Vec3d{f64(b, 0), f64(b, 1), f64(b, 2)}, Real: f64(b, 3)}
	case tQuath:
		return sdf.Quath{Imag: sdf.Vec3h{h16(b, 0), h16(b, 1), h16(b, 2)}, Real: h16(b, 3)}
	case tMatrix2d:
		return sdf.Matrix2d{{f64(b, 0), f64(b, 1)}, {f64(b, 2), f64(b, 3)}}
	case tMatrix3d:
		var m sdf.Matrix3d
		for i := 0; i < 9; i++ {
			m[i/3][i%3] = f64(b, i)
		}
		return m
	case tMatrix4d:
		var m sdf.Matrix4d
		for i := 0; i < 16; i++ {
			m[i/4][i%4] = f64(b, i)
		}
		return m
	}
	return nil
}

// makeArray returns an empty typed slice of length n for element type t.
func makeArray(t int, n int) (any, bool) {
	switch t {
	case tBool:
		return make([]bool, n), true
	case tUChar:
		return make([]uint8, n), true
	case tInt:
		return make([]int32, n), true
	case tUInt:
		return make([]uint32, n), true
	case tInt64:
		return make([]int64, n), true
	case tUInt64:
		return make([]uint64, n), true
	case tHalf:
		return make([]sdf.Half, n), true
	case tFloat:
		return make([]float32, n), true
	case tDouble:
		return make([]float64, n), true
	case tTimeCode:
		return make([]sdf.TimeCode, n), true
	case tString:
		return make([]string, n), true
	case tToken:
		return make([]sdf.Token, n), true
	case tAssetPath:
		return make([]sdf.AssetPath, n), true
	case tPathExpression:
		return make([]sdf.PathExpression, n), true
	case tVec2f:
		return make([]sdf.Vec2f, n), true
	case tVec3f:
		return make([]sdf.Vec3f, n), true
	case tVec4f:
		return make([]sdf.Vec4f, n), true
	case tVec2d:
		return make([]sdf.Vec2d, n), true
	case tVec3d:
		return make([]sdf.Vec3d, n), true
	case tVec4d:
		return make([]sdf.Vec4d, n), true
	case tVec2h:
		return make([]sdf.Vec2h, n), true
	case tVec3h:
		return make([]sdf.Vec3h, n), true
	case tVec4h:
		return make([]sdf.Vec4h, n), true
	case tVec2i:
		return make([]sdf.Vec2i, n), true
	case tVec3i:
		return make([]sdf.Vec3i, n), true
	case tVec4i:
		return make([]sdf.Vec4i, n), true
	case tQuatf:
		return make([]sdf.Quatf, n), true
	case tQuatd:
		return make([]sdf.Quatd, n), true
	case tQuath:
		return make([]sdf.Quath, n), true
	case tMatrix2d:
		return make([]sdf.Matrix2d, n), true
	case tMatrix3d:
		return make([]sdf.Matrix3d, n), true
	case tMatrix4d:
		return make([]sdf.Matrix4d, n), true
	}
	return nil, false
}

// readArray reads an array value of element type t at r.
func (f *file) readArray(r *reader, t int, compressed bool) any {
	if f.ver.less(0, 5, 0) {
		r.u32() // shape rank, always 1
	}
	var n uint64
	if f.ver.less(0, 7, 0) {
		n = uint64(r.u32())
	} else {
		n = r.u64()
	}
	if r.err != nil {
		return nil
	}
	es := elemSize(t)
	if es == 0 {
		r.fail("type %d has no arrays", t)
		return nil
	}
	isInt := t == tInt || t == tUInt || t == tInt64 || t == tUInt64
	isFloat := t == tHalf || t == tFloat || t == tDouble
	if compressed && n >= 16 && ((isInt && !f.ver.less(0, 5, 0)) || (isFloat && !f.ver.less(0, 6, 0))) {
		if n > uint64(len(f.data))*1024 || n > 1<<31 {
			r.fail("compressed array of %d elements is too large for the file", n)
			return nil
		}
		return f.readCompressedArray(r, t, int(n), isInt)
	}
	cnt := r.checkCount(n, es)
	if r.err != nil {
		return nil
	}
	b := r.bytes(int64(cnt) * es)
	if b == nil {
		return nil
	}
	return f.decodeArray(r, t, cnt, b)
}

func (f *file) decodeArray(r *reader, t int, n int, b []byte) any {
	switch t {
	case tFloat:
		out := make([]float32, n)
		for i := range out {
			out[i] = f32(b, i)
		}
		return out
	case tDouble:
		out := make([]float64, n)
		for i := range out {
			out[i] = f64(b, i)
		}
		return out
	case tInt:
		out := make([]int32, n)
		for i := range out {
			out[i] = i32(b, i)
		}
		return out
	case tVec3f:
		out := make([]sdf.Vec3f, n)
		for i := range out {
			out[i] = sdf.Vec3f{f32(b, 3*i), f32(b, 3*i+1), f32(b, 3*i+2)}
		}
		return out
	case tVec2f:
		out := make([]sdf.Vec2f, n)
		for i := range out {
			out[i] = sdf.Vec2f{f32(b, 2*i), f32(b, 2*i+1)}
		}
		return out
	case tString, tAssetPath, tPathExpression:
		strs := make([]string, n)
		for i := range strs {
			s, err := f.str(uint64(binary.LittleEndian.Uint32(b[4*i:])))
			if err != nil {
				r.fail("%v", err)
				return nil
			}
			strs[i] = s
		}
		switch t {
		case tAssetPath:
			out := make([]sdf.AssetPath, n)
			for i, s := range strs {
				out[i] = sdf.AssetPath{Authored: s}
			}
			return out
		case tPathExpression:
			out := make([]sdf.PathExpression, n)
			for i, s := range strs {
				out[i] = f.pathExpression(s)
			}
			return out
		}
		return strs
	case tToken:
		out := make([]sdf.Token, n)
		for i := range out {
			s, err := f.token(uint64(binary.LittleEndian.Uint32(b[4*i:])))
			if err != nil {
				r.fail("%v", err)
				return nil
			}
			out[i] = sdf.Token(s)
		}
		return out
	}
	arr, ok := makeArray(t, n)
	if !ok {
		r.fail("type %d has no arrays", t)
		return nil
	}
	es := int(elemSize(t))
	set := setter(arr)
	for i := 0; i < n; i++ {
		set(i, decodeElem(t, b[i*es:(i+1)*es]))
	}
	return arr
}

// setter returns a function storing element i of a typed slice.
func setter(arr any) func(int, any) {
	switch a := arr.(type) {
	case []bool:
		return func(i int, v any) { a[i] = v.(bool) }
	case []uint8:
		return func(i int, v any) { a[i] = v.(uint8) }
	case []uint32:
		return func(i int, v any) { a[i] = v.(uint32) }
	case []int64:
		return func(i int, v any) { a[i] = v.(int64) }
	case []uint64:
		return func(i int, v any) { a[i] = v.(uint64) }
	case []sdf.Half:
		return func(i int, v any) { a[i] = v.(sdf.Half) }
	case []sdf.TimeCode:
		return func(i int, v any) { a[i] = v.(sdf.TimeCode) }
	case []sdf.Vec4f:
		return func(i int, v any) { a[i] = v.(sdf.Vec4f) }
	case []sdf.Vec2d:
		return func(i int, v any) { a[i] = v.(sdf.Vec2d) }
	case []sdf.Vec3d:
		return func(i int, v any) { a[i] = v.(sdf.Vec3d) }
	case []sdf.Vec4d:
		return func(i int, v any) { a[i] = v.(sdf.Vec4d) }
	case []sdf.Vec2h:
		return func(i int, v any) { a[i] = v.(sdf.Vec2h) }
	case []sdf.Vec3h:
		return func(i int, v any) { a[i] = v.(sdf.Vec3h) }
	case []sdf.Vec4h:
		return func(i int, v any) { a[i] = v.(sdf.Vec4h) }
	case []sdf.Vec2i:
		return func(i int, v any) { a[i] = v.(sdf.Vec2i) }
	case []sdf.Vec3i:
		return func(i int, v any) { a[i] = v.(sdf.Vec3i) }
	case []sdf.Vec4i:
		return func(i int, v any) { a[i] = v.(sdf.Vec4i) }
	case []sdf.Quatf:
		return func(i int, v any) { a[i] = v.(sdf.Quatf) }
	case []sdf.Quatd:
		return func(i int, v any) { a[i] = v.(sdf.Quatd) }
	case []sdf.Quath:
		return func(i int, v any) { a[i] = v.(sdf.Quath) }
	case []sdf.Matrix2d:
		return func(i int, v any) { a[i] = v.(sdf.Matrix2d) }
	case []sdf.Matrix3d:
		return func(i int, v any) { a[i] = v.(sdf.Matrix3d) }
	case []sdf.Matrix4d:
		return func(i int, v any) { a[i] = v.(sdf.Matrix4d) }
	}
	return func(int, any) {}
}

func (f *file) readCompressedArray(r *reader, t int, n int, isInt bool) any {
	if isInt {
		wide := t == tInt64 || t == tUInt64
		v := r.compressedInts(n, wide)
		if r.err != nil {
			return nil
		}
		switch t {
		case tInt:
			out := make([]int32, n)
			for i, x := range v {
				out[i] = int32(x)
			}
			return out
		case tUInt:
			out := make([]uint32, n)
			for i, x := range v {
				out[i] = uint32(x)
			}
			return out
		case tInt64:
			return v
		default:
			out := make([]uint64, n)
			for i, x := range v {
				out[i] = uint64(x)
			}
			return out
		}
	}
	code := r.u8()
	var vals []float64
	switch code {
	case 'i':
		ints := r.compressedInts(n, false)
		if r.err != nil {
			return nil
		}
		vals = make([]float64, n)
		for i, x := range ints {
			vals[i] = float64(x)
		}
	case 't':
		lutSize := r.u32()
		es := elemSize(t)
		cnt := r.checkCount(uint64(lutSize), es)
		b := r.bytes(int64(cnt) * es)
		idx := r.compressedInts(n, false)
		if r.err != nil {
			return nil
		}
		lut := make([]float64, cnt)
		for i := range lut {
			switch t {
			case tHalf:
				lut[i] = float64(h16(b, i))
			case tFloat:
				lut[i] = float64(f32(b, i))
			default:
				lut[i] = f64(b, i)
			}
		}
		vals = make([]float64, n)
		for i, x := range idx {
			if x < 0 || int(x) >= len(lut) {
				r.fail("lookup index %d of %d", x, len(lut))
				return nil
			}
			vals[i] = lut[x]
		}
	default:
		r.fail("corrupt compressed float array (code %q)", code)
		return nil
	}
	switch t {
	case tHalf:
		out := make([]sdf.Half, n)
		for i, x := range vals {
			out[i] = sdf.Half(x)
		}
		return out
	case tFloat:
		out := make([]float32, n)
		for i, x := range vals {
			out[i] = float32(x)
		}
		return out
	}
	return vals
}

package crate

import (
	"encoding/binary"
	"math"

	"github.com/rgallery/rgallery/usd/sdf"
)

// packArray writes an array value (a VtArray) as
// _ValueHandler::PackArray and _WritePossiblyCompressedArray do: an empty
// array is a rep with payload 0; (u)int and (u)int64 arrays are written at
// the current position with a 64-bit count, then the elements, or (16
// elements or more) compressed integers; half/float/double arrays of 16
// or more are compressed when their values allow it; all others are
// aligned to 8 bytes, then a 64-bit count and the elements.
func (w *cwriter) packArray(v any) (uint64, bool, error) {
	switch x := v.(type) {
	case []int32:
		return w.intArray(tInt, len(x), func(i int) int64 { return int64(x[i]) }, false), true, nil
	case []uint32:
		return w.intArray(tUInt, len(x), func(i int) int64 { return int64(int32(x[i])) }, false), true, nil
	case []int64:
		return w.intArray(tInt64, len(x), func(i int) int64 { return x[i] }, true), true, nil
	case []uint64:
		return w.intArray(tUInt64, len(x), func(i int) int64 { return int64(x[i]) }, true), true, nil
	case []sdf.Half:
		return w.floatArray(tHalf, len(x), func(i int) float64 { return float64(x[i]) }), true, nil
	case []float32:
		return w.floatArray(tFloat, len(x), func(i int) float64 { return float64(x[i]) }), true, nil
	case []float64:
		return w.floatArray(tDouble, len(x), func(i int) float64 { return x[i] }), true, nil
	case []bool:
		return w.plainArray(tBool, len(x), func(b []byte, i int) []byte {
			if x[i] {
				return append(b, 1)
			}
			return append(b, 0)
		}), true, nil
	case []uint8:
		return w.plainArray(tUChar, len(x), func(b []byte, i int) []byte { return append(b, x[i]) }), true, nil
	case []sdf.TimeCode:
		if len(x) > 0 {
			w.need(9)
		}
		return w.plainArray(tTimeCode, len(x), func(b []byte, i int) []byte {
			return binary.LittleEndian.AppendUint64(b, math.Float64bits(float64(x[i])))
		}), true, nil
	case []string:
		return w.plainArray(tString, len(x), func(b []byte, i int) []byte {
			return binary.LittleEndian.AppendUint32(b, w.str(x[i]))
		}), true, nil
	case []sdf.Token:
		return w.plainArray(tToken, len(x), func(b []byte, i int) []byte {
			return binary.LittleEndian.AppendUint32(b, w.token(string(x[i])))
		}), true, nil
	case []sdf.AssetPath:
		return w.plainArray(tAssetPath, len(x), func(b []byte, i int) []byte {
			return binary.LittleEndian.AppendUint32(b, w.str(x[i].Authored))
		}), true, nil
	case []sdf.PathExpression:
		if len(x) > 0 {
			w.need(10)
		}
		return w.plainArray(tPathExpression, len(x), func(b []byte, i int) []byte {
			return binary.LittleEndian.AppendUint32(b, w.str(string(x[i])))
		}), true, nil
	}
	if t, n, at, ok := fixedArray(v); ok {
		return w.plainArray(t, n, func(b []byte, i int) []byte {
			_, c, _ := fixedType(at(i))
			return putComps(b, t, c)
		}), true, nil
	}
	return 0, false, nil
}

// fixedArray gives the element type, length and elements of an array of
// vectors, quaternions or matrices.
func fixedArray(v any) (int, int, func(int) any, bool) {
	switch x := v.(type) {
	case []sdf.Vec2d:
		return tVec2d, len(x), func(i int) any { return x[i] }, true
	case []sdf.Vec3d:
		return tVec3d, len(x), func(i int) any { return x[i] }, true
	case []sdf.Vec4d:
		return tVec4d, len(x), func(i int) any { return x[i] }, true
	case []sdf.Vec2f:
		return tVec2f, len(x), func(i int) any { return x[i] }, true
	case []sdf.Vec3f:
		return tVec3f, len(x), func(i int) any { return x[i] }, true
	case []sdf.Vec4f:
		return tVec4f, len(x), func(i int) any { return x[i] }, true
	case []sdf.Vec2h:
		return tVec2h, len(x), func(i int) any { return x[i] }, true
	case []sdf.Vec3h:
		return tVec3h, len(x), func(i int) any { return x[i] }, true
	case []sdf.Vec4h:
		return tVec4h, len(x), func(i int) any { return x[i] }, true
	case []sdf.Vec2i:
		return tVec2i, len(x), func(i int) any { return x[i] }, true
	case []sdf.Vec3i:
		return tVec3i, len(x), func(i int) any { return x[i] }, true
	case []sdf.Vec4i:
		return tVec4i, len(x), func(i int) any { return x[i] }, true
	case []sdf.Quatd:
		return tQuatd, len(x), func(i int) any { return x[i] }, true
	case []sdf.Quatf:
		return tQuatf, len(x), func(i int) any { return x[i] }, true
	case []sdf.Quath:
		return tQuath, len(x), func(i int) any { return x[i] }, true
	case []sdf.Matrix2d:
		return tMatrix2d, len(x), func(i int) any { return x[i] }, true
	case []sdf.Matrix3d:
		return tMatrix3d, len(x), func(i int) any { return x[i] }, true
	case []sdf.Matrix4d:
		return tMatrix4d, len(x), func(i int) any { return x[i] }, true
	}
	return 0, 0, nil, false
}

// plainArray writes an uncompressed array (_WriteUncompressedArray).
func (w *cwriter) plainArray(t, n int, put func([]byte, int) []byte) uint64 {
	if n == 0 {
		return arrayRep(t, 0)
	}
	at := w.align(8)
	w.u64(uint64(n))
	for i := 0; i < n; i++ {
		w.buf = put(w.buf, i)
	}
	return arrayRep(t, at)
}

func (w *cwriter) intArray(t, n int, at func(int) int64, wide bool) uint64 {
	if n == 0 {
		return arrayRep(t, 0)
	}
	pos := w.tell()
	w.u64(uint64(n))
	if n < minCompressedArraySize {
		for i := 0; i < n; i++ {
			if wide {
				w.u64(uint64(at(i)))
			} else {
				w.u32(uint32(at(i)))
			}
		}
		return arrayRep(t, pos)
	}
	vals := make([]int64, n)
	for i := range vals {
		vals[i] = at(i)
	}
	comp, err := compressInts(vals, wide)
	if err != nil { // only for arrays past LZ4's 2 GB block: write them plain
		w.buf = w.buf[:pos]
		return w.plainArray(t, n, func(b []byte, i int) []byte {
			if wide {
				return binary.LittleEndian.AppendUint64(b, uint64(at(i)))
			}
			return binary.LittleEndian.AppendUint32(b, uint32(at(i)))
		})
	}
	w.u64(uint64(len(comp)))
	w.buf = append(w.buf, comp...)
	return arrayRep(t, pos) | repCompressed
}

// floatArray writes a half, float or double array: 16 elements or more are
// written as compressed int32s when every value is int32-exact ('i'), or
// as a lookup table of at most min(n/4, 1024) distinct values and
// compressed indexes ('t'), else plain. Values are compared with ==, as
// OpenUSD compares them (so -0 and 0 share an entry, NaNs never do).
func (w *cwriter) floatArray(t, n int, at func(int) float64) uint64 {
	put := func(b []byte, x float64) []byte {
		switch t {
		case tHalf:
			return binary.LittleEndian.AppendUint16(b, halfBits(sdf.Half(x)))
		case tFloat:
			return binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(x)))
		}
		return binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
	}
	plain := func() uint64 {
		return w.plainArray(t, n, func(b []byte, i int) []byte { return put(b, at(i)) })
	}
	if n < minCompressedArraySize {
		return plain()
	}
	integral := true
	for i := 0; i < n && integral; i++ {
		x := at(i)
		integral = x >= math.MinInt32 && x <= math.MaxInt32 && float64(int32(x)) == x
	}
	if integral {
		vals := make([]int64, n)
		for i := range vals {
			vals[i] = int64(int32(at(i)))
		}
		comp, err := compressInts(vals, false)
		if err != nil {
			return plain()
		}
		pos := w.tell()
		w.u64(uint64(n))
		w.u8('i')
		w.u64(uint64(len(comp)))
		w.buf = append(w.buf, comp...)
		return arrayRep(t, pos) | repCompressed
	}
	maxLut := min(n/4, 1024)
	var lut []float64
	idx := make([]int64, 0, n)
	for i := 0; i < n; i++ {
		x := at(i)
		k := 0
		for k < len(lut) && lut[k] != x {
			k++
		}
		idx = append(idx, int64(k))
		if k == len(lut) {
			if len(lut) == maxLut {
				lut = nil
				break
			}
			lut = append(lut, x)
		}
	}
	if len(lut) == 0 {
		return plain()
	}
	comp, err := compressInts(idx, false)
	if err != nil {
		return plain()
	}
	pos := w.tell()
	w.u64(uint64(n))
	w.u8('t')
	w.u32(uint32(len(lut)))
	for _, x := range lut {
		w.buf = put(w.buf, x)
	}
	w.u64(uint64(len(comp)))
	w.buf = append(w.buf, comp...)
	return arrayRep(t, pos) | repCompressed
}

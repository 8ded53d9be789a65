package exr

import "math"

// halfToFloat converts IEEE 754 binary16 bits to float32, exactly (NaN
// payloads kept).
func halfToFloat(h uint16) float32 {
	if e := h & 0x7c00; e != 0 && e != 0x7c00 {
		// normal: rebias the exponent by 127-15 = 112 (the common case,
		// kept small enough to inline)
		return math.Float32frombits(uint32(h&0x8000)<<16 | (uint32(h&0x7fff)+112<<10)<<13)
	}
	return halfToFloatSpecial(h)
}

// halfToFloatSpecial converts zeros, subnormals, infinities and NaNs.
func halfToFloatSpecial(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch {
	case exp == 0 && mant == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal
		f := float32(mant) / 1024 / 16384
		if sign != 0 {
			f = -f
		}
		return f
	case exp == 31:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	}
	return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
}

// HalfToFloat converts binary16 bits to float32.
func HalfToFloat(h uint16) float32 { return halfToFloat(h) }

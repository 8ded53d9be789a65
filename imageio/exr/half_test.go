package exr

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestHalfToFloatEveryCode checks all 65536 codes against the binary16
// definition: (-1)^s · 2^(e-15) · (1 + m/1024), subnormals 2^-14 · m/1024,
// infinities, and NaNs that stay NaN with their payload.
func TestHalfToFloatEveryCode(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		s, e, m := h>>15, (h>>10)&31, h&1023
		var want float64
		switch {
		case e == 31 && m != 0:
			f := halfToFloat(uint16(h))
			if !math.IsNaN(float64(f)) || math.Float32bits(f)>>13&1023 != uint32(m) {
				t.Fatalf("%04x: %v, want NaN with payload %x", h, f, m)
			}
			continue
		case e == 31:
			want = math.Inf(1)
		case e == 0:
			want = math.Ldexp(float64(m)/1024, -14)
		default:
			want = math.Ldexp(1+float64(m)/1024, e-15)
		}
		if s == 1 {
			want = -want
		}
		if got := halfToFloat(uint16(h)); float64(got) != want || math.Signbit(float64(got)) != (s == 1) {
			t.Fatalf("%04x: %v, want %v", h, got, want)
		}
	}
}

// nearestHalf is the reference rounding: the half code nearest to f's
// magnitude found by bisection over the ordered codes, ties to the even
// code, 65520 and above to infinity.
func nearestHalf(f float32) uint16 {
	a := math.Abs(float64(f))
	var code uint16
	if a >= 65520 {
		code = 0x7c00
	} else {
		lo, hi := 0, 0x7bff
		for lo < hi { // first code >= a
			mid := (lo + hi) / 2
			if float64(halfToFloat(uint16(mid))) < a {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		code = uint16(lo)
		if lo > 0 {
			below, above := float64(halfToFloat(uint16(lo-1))), float64(halfToFloat(uint16(lo)))
			if d1, d2 := a-below, above-a; d1 < d2 || (d1 == d2 && (lo-1)%2 == 0) {
				code = uint16(lo - 1)
			}
		}
	}
	if math.Signbit(float64(f)) {
		code |= 0x8000
	}
	return code
}

// TestHalfFromFloat32RoundsToNearestEven compares the conversion with the
// reference rounding on every boundary between half codes (the ties and
// their neighbours) and on random float32 bit patterns.
func TestHalfFromFloat32RoundsToNearestEven(t *testing.T) {
	check := func(f float32) {
		if math.IsNaN(float64(f)) {
			return
		}
		if got, want := halfFromFloat32(f), nearestHalf(f); got != want {
			t.Fatalf("%v (%08x): %04x, want %04x", f, math.Float32bits(f), got, want)
		}
	}
	for h := 0; h < 0x7c00; h++ {
		// the tie between code h and h+1, and the floats around it
		mid := float32((float64(halfToFloat(uint16(h))) + float64(halfToFloat(uint16(h+1)))) / 2)
		b := math.Float32bits(mid)
		for _, x := range []uint32{b - 1, b, b + 1} {
			check(math.Float32frombits(x))
			check(-math.Float32frombits(x))
		}
		check(halfToFloat(uint16(h)))
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200000; i++ {
		check(math.Float32frombits(r.Uint32()))
	}
}

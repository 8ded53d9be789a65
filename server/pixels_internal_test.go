package server

import (
	"math"
	"testing"

	"github.com/rgallery/rgallery/imageio/exr"
)

// TestHalfBitsRoundTripsAndRoundsToNearestEven: every half survives
// float32 and back; a value halfway between two halves goes to the even
// one; overflow is infinity and NaN stays NaN.
func TestHalfBitsRoundTripsAndRoundsToNearestEven(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		f := exr.HalfToFloat(uint16(h))
		got := halfBits(f)
		if math.IsNaN(float64(f)) {
			if got&0x7c00 != 0x7c00 || got&0x3ff == 0 {
				t.Fatalf("NaN %#04x -> %#04x", h, got)
			}
			continue
		}
		if got != uint16(h) {
			t.Fatalf("half %#04x (%v) -> %#04x", h, f, got)
		}
	}
	for h := 0; h < 0x7bff; h++ {
		lo, hi := float64(exr.HalfToFloat(uint16(h))), float64(exr.HalfToFloat(uint16(h+1)))
		mid := float32((lo + hi) / 2)
		want := uint16(h)
		if h&1 == 1 {
			want = uint16(h + 1)
		}
		if got := halfBits(mid); got != want {
			t.Fatalf("midpoint of %#04x and %#04x (%v) -> %#04x, want %#04x", h, h+1, mid, got, want)
		}
	}
	if got := halfBits(70000); got != 0x7c00 {
		t.Errorf("70000 -> %#04x, want infinity", got)
	}
}

package render

import (
	"math"
	"math/rand"
	"testing"
)

// concentricDiskRef is concentricDisk as written before its sincos
// shortcut: r·math.Cos(φ), r·math.Sin(φ).
func concentricDiskRef(u, v float64) (float64, float64) {
	a, b := 2*u-1, 2*v-1
	if a == 0 && b == 0 {
		return 0, 0
	}
	var r, phi float64
	if math.Abs(a) > math.Abs(b) {
		r, phi = a, math.Pi/4*(b/a)
	} else {
		r, phi = b, math.Pi/2-math.Pi/4*(a/b)
	}
	return r * math.Cos(phi), r * math.Sin(phi)
}

// TestConcentricDiskMatchesMath pins concentricDisk to the math package's
// Cos and Sin bit for bit (films stay identical): random doubles, the
// sampler's 32-bit grid, the diagonals |a| = |b| and their neighbours.
func TestConcentricDiskMatchesMath(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	check := func(u, v float64) {
		t.Helper()
		x, y := concentricDisk(u, v)
		rx, ry := concentricDiskRef(u, v)
		if math.Float64bits(x) != math.Float64bits(rx) || math.Float64bits(y) != math.Float64bits(ry) {
			t.Fatalf("concentricDisk(%v, %v) = %v, %v; want %v, %v", u, v, x, y, rx, ry)
		}
	}
	edges := []float64{0, 0.5, 1, 0.25, 0.75, 1 - 0x1p-32, 0x1p-32, 0.5 + 0x1p-32, 0.5 - 0x1p-32, 1e-300, 0.5 + 1e-17, math.Nextafter(0.5, 1), math.Nextafter(0.5, 0), math.Nextafter(1, 0)}
	for _, u := range edges {
		for _, v := range edges {
			check(u, v)
		}
	}
	for i := 0; i < 2_000_000; i++ {
		u := rng.Float64()
		check(u, rng.Float64())
		check(toUnit(rng.Uint32()), toUnit(rng.Uint32()))
		// On and next to the diagonals, where the two branches meet.
		check(u, u)
		check(u, 1-u)
		check(u, math.Nextafter(u, 1))
		check(u, math.Nextafter(u, 0))
		check(u, math.Nextafter(1-u, 1))
		check(u, math.Nextafter(1-u, 0))
		w := toUnit(rng.Uint32())
		check(w, w+0x1p-32)
		check(w, 1-w-0x1p-32)
	}
}

// TestSincosOctant0MatchesMath: the polynomials are math.Sincos's where
// the math package does no reduction.
func TestSincosOctant0MatchesMath(t *testing.T) {
	rng := rand.New(rand.NewSource(8))
	lim := math.Nextafter(1/(4/math.Pi), 0)
	for i := 0; i < 2_000_000; i++ {
		z := (2*rng.Float64() - 1) * lim
		if i%4 == 0 {
			z = math.Ldexp(z, -rng.Intn(60))
		}
		if z == 0 || !(math.Abs(z)*(4/math.Pi) < 1) {
			continue
		}
		s, c := sincosOctant0(z)
		if math.Float64bits(s) != math.Float64bits(math.Sin(z)) || math.Float64bits(c) != math.Float64bits(math.Cos(z)) {
			t.Fatalf("sincosOctant0(%v) = %v, %v; want %v, %v", z, s, c, math.Sin(z), math.Cos(z))
		}
	}
}

// TestSincosMatchesSinCosOnSampledAngles pins what the warps that call
// math.Sincos (ggxSampleVNDF, uniformCone, the rect and dome samples) rely
// on for bit-identical films: Sincos(2πu) is (Sin, Cos) of it bit for bit
// on the sampler's 32-bit grid and on random doubles.
func TestSincosMatchesSinCosOnSampledAngles(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	for i := 0; i < 2_000_000; i++ {
		u := toUnit(rng.Uint32())
		if i&1 == 1 {
			u = rng.Float64()
		}
		phi := 2 * math.Pi * u
		s, c := math.Sincos(phi)
		if math.Float64bits(s) != math.Float64bits(math.Sin(phi)) || math.Float64bits(c) != math.Float64bits(math.Cos(phi)) {
			t.Fatalf("Sincos(%v) = %v, %v; Sin, Cos = %v, %v", phi, s, c, math.Sin(phi), math.Cos(phi))
		}
	}
}

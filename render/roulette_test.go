package render

import (
	"math"
	"testing"
)

// TestContinuationProbabilityCyclesRule pins Cycles' Russian roulette
// (path_state_continuation_probability with kintegrator->min_bounce =
// min_bounce + 1): never after the first bounce, sqrt(max(throughput))
// from the second on.
func TestContinuationProbabilityCyclesRule(t *testing.T) {
	dim := Vec3{0.01, 0.02, 0.04}
	if p := continuationProbability(1, dim); p != 1 {
		t.Errorf("after the first bounce p = %v, want 1 (no roulette)", p)
	}
	if p := continuationProbability(2, Vec3{0.25, 0.1, 0}); math.Abs(p-0.5) > 1e-15 {
		t.Errorf("after the second bounce p = %v, want sqrt(0.25) = 0.5", p)
	}
	if p := continuationProbability(3, Vec3{4, 1, 1}); p != 1 {
		t.Errorf("bright path p = %v, want 1", p)
	}
}

// TestRussianRouletteUnbiasedInsideGlowingSphere: a camera inside a closed
// Lambertian sphere of albedo ρ that emits E everywhere sees E/(1 − ρ) in
// every direction (Σ ρᵏ over the bounces; 64 bounces leave 0.9⁶⁶ < 1e-3 of
// it out). A coloured albedo makes the roulette, which follows the largest
// channel, cut dim channels' paths with the bright one's probability; each
// channel's mean must still be the series within its statistical error.
func TestRussianRouletteUnbiasedInsideGlowingSphere(t *testing.T) {
	rho := Vec3{0.9, 0.3, 0.1}
	m := Lambert(rho)
	m.EmissiveColor.Value = Vec3{1, 1, 1}
	sph := SphereMesh(10, 32, 16)
	// Flat shading: smooth normals on a polyhedron lose ~0.1% a bounce to
	// directions whose side differs between the two normals.
	sph.N, sph.NIndices = nil, nil
	s := &Scene{Materials: []*Material{m}, Meshes: []*Mesh{sph}}
	s.Instances = []Instance{{Mesh: 0, Transform: Identity}}
	s.Camera = DefaultCamera()
	if err := s.Build(); err != nil {
		t.Fatal(err)
	}
	const bounces = 64
	f := renderScene(t, s, Settings{Width: 32, Height: 32, SamplesPerPixel: 32, MaxBounces: bounces, Threads: 2})
	want := func(r float64) float64 {
		sum, k := 0.0, 1.0
		for i := 0; i <= bounces+1; i++ {
			sum += k
			k *= r
		}
		return sum
	}
	for c, r := range []float64{rho.X, rho.Y, rho.Z} {
		var sum, sum2 float64
		n := float64(f.W * f.H)
		for y := 0; y < f.H; y++ {
			for x := 0; x < f.W; x++ {
				p := f.Pixel(x, y)
				v := [3]float64{p.X, p.Y, p.Z}[c]
				sum += v
				sum2 += v * v
			}
		}
		mean := sum / n
		se := math.Sqrt(max(sum2/n-mean*mean, 0) / n)
		if w := want(r); math.Abs(mean-w) > 4*se+1e-9 {
			t.Errorf("channel %d (ρ = %g): mean %.5f ± %.5f, want Σρᵏ = %.5f", c, r, mean, se, w)
		}
	}
}

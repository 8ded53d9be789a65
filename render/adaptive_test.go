package render

import (
	"context"
	"math"
	"testing"
)

// halfPlaneUnderDome is a Lambertian quad of albedo ρ covering the left
// half of the view, facing the camera, under a uniform white dome of
// radiance 1: the quad's radiance is exactly ρ (noisy estimates), the right
// half sees the dome (exactly 1, no noise at all).
func halfPlaneUnderDome(t *testing.T, rho float64) *Scene {
	return cutoutHalfPlaneUnderDome(t, rho, 1)
}

// cutoutHalfPlaneUnderDome is halfPlaneUnderDome with the quad's opacity
// op < 1 (a cut-out that rays pass through with probability 1 − op): its
// pixels are exactly op·ρ + 1 − op, with the noise of that coin flip.
func cutoutHalfPlaneUnderDome(t *testing.T, rho, op float64) *Scene {
	m := Lambert(Vec3{rho, rho, rho})
	m.Opacity.Value = op
	s := &Scene{Materials: []*Material{m}}
	s.Meshes = []*Mesh{QuadMesh(Vec3{-100, -100, 0}, Vec3{100, 0, 0}, Vec3{0, 200, 0})}
	s.Instances = []Instance{{Mesh: 0, Transform: Identity}}
	s.Lights = []Light{&DomeLight{LightBase: LightBase{ToWorld: Identity, Color: Vec3{1, 1, 1}, Intensity: 1}}}
	s.Camera = DefaultCamera()
	if err := s.Build(); err != nil {
		t.Fatal(err)
	}
	return s
}

// regionStats returns the mean luminance and mean sample count of the
// pixels with x in [x0, x1).
func regionStats(f *Film, x0, x1 int) (mean, count float64) {
	for y := 0; y < f.H; y++ {
		for x := x0; x < x1; x++ {
			mean += f.Pixel(x, y).Y
			count += float64(f.Count(x, y))
		}
	}
	n := float64((x1 - x0) * f.H)
	return mean / n, count / n
}

// Adaptive sampling stops pixels, it does not change what they converge
// to: the noisy constant region keeps its known radiance ρ (and the
// non-adaptive mean) within noise; the noise-free region stops at the
// minimum sample count while the noisy one takes more; and the progress
// counts the samples really spent (percentDone reaches 100 exactly).
func TestAdaptiveSamplingConvergedPixelsUnbiased(t *testing.T) {
	// The opaque quad under a uniform dome is nearly noise-free without
	// Russian roulette at its first bounce (Cycles' rule): a half
	// transparent one is noisy by construction.
	const rho, op = 0.1, 0.5
	const want = op*rho + 1 - op
	s := cutoutHalfPlaneUnderDome(t, rho, op)
	set := Settings{Width: 48, Height: 32, SamplesPerPixel: 256, MaxBounces: 2, Threads: 2, Seed: 3}
	full := renderScene(t, s, set)
	set.AdaptiveThreshold = 0.3
	r, err := NewRenderer(s, set)
	if err != nil {
		t.Fatal(err)
	}
	var last Progress
	if err := r.Render(context.Background(), func(p Progress, _ *Film) error { last = p; return nil }); err != nil {
		t.Fatal(err)
	}
	ad := r.Film()
	// Columns 0..21 see only the quad, 26..47 only the dome (the quad's
	// edge x = 0 is at the image centre); the two columns at each side of
	// it are left out.
	fm, _ := regionStats(full, 0, 22)
	am, ac := regionStats(ad, 0, 22)
	dm, dc := regionStats(ad, 26, 48)
	// The per-pixel standard deviation at 256 spp bounds the noise of the
	// mean of 22×32 pixels; measure it from the full render.
	var v float64
	for y := 0; y < full.H; y++ {
		for x := 0; x < 22; x++ {
			d := full.Pixel(x, y).Y - fm
			v += d * d
		}
	}
	sd := math.Sqrt(v / (22 * 32))
	t.Logf("quad: full %.5f, adaptive %.5f (want %.3f; pixel sd at 256 spp %.4f), %.1f samples/pixel; dome: %.5f, %.1f samples/pixel; planned %d of %d, done %d",
		fm, am, want, sd, ac, dm, dc, last.SamplesTotal, int64(256*48*32), last.SamplesDone)
	// Adaptive pixels have fewer samples: allow their larger noise, sd·√(256/count).
	tol := 4 * sd * math.Sqrt(256/ac) / math.Sqrt(22*32)
	if math.Abs(am-want) > tol || math.Abs(am-fm) > tol+4*sd/math.Sqrt(22*32) {
		t.Errorf("adaptive quad mean %.5f, full %.5f, want %.3f ± %.5f", am, fm, want, tol)
	}
	if math.Abs(dm-1) > 1e-6 {
		t.Errorf("dome region %.6f, want 1", dm)
	}
	if dc != float64(r.ad.minSamples) {
		t.Errorf("noise-free region took %.1f samples/pixel, want the minimum %d", dc, r.ad.minSamples)
	}
	if !(ac > 2*dc) || !(ac < 256) {
		t.Errorf("noisy region took %.1f samples/pixel, want between 2×%.0f and 256", ac, dc)
	}
	if !last.Final || last.SamplesDone != last.SamplesTotal || last.SamplesDone != ad.TotalSamples() || last.PercentDone() != 100 {
		t.Errorf("final progress %+v (film %d samples): want done = planned = film total, 100%%", last, ad.TotalSamples())
	}
	if last.SamplesTotal >= int64(256*48*32) {
		t.Errorf("planned %d samples, want fewer than %d", last.SamplesTotal, 256*48*32)
	}
}

// Threshold 0 (the default) renders every sample: the film equals the one
// rendered before adaptive sampling existed (no adaptive state at all).
func TestAdaptiveOffRendersEverySample(t *testing.T) {
	s := halfPlaneUnderDome(t, 0.5)
	r, err := NewRenderer(s, Settings{Width: 16, Height: 8, SamplesPerPixel: 8, MaxBounces: 1, Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	if r.ad != nil {
		t.Fatal("adaptive state with threshold 0")
	}
	if err := r.Render(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if got := r.Film().TotalSamples(); got != 16*8*8 {
		t.Errorf("%d samples, want %d", got, 16*8*8)
	}
	if _, err := NewRenderer(s, Settings{Width: 4, Height: 4, SamplesPerPixel: 1, AdaptiveThreshold: -1}); err == nil {
		t.Error("negative threshold accepted")
	}
}

// Adaptive sampling decides from the film alone, so it stays a pure
// function of the inputs: other thread counts and tile sizes give the same
// film, sample for sample.
func TestAdaptiveSamplingDeterministic(t *testing.T) {
	s := halfPlaneUnderDome(t, 0.5)
	set := Settings{Width: 40, Height: 24, SamplesPerPixel: 64, MaxBounces: 2, Threads: 2, TileSize: 8, AdaptiveThreshold: 0.3, AOVs: true}
	a := renderScene(t, s, set)
	set.Threads, set.TileSize = 1, 16
	b := renderScene(t, s, set)
	if !a.Equal(b) {
		t.Fatal("adaptive renders with other threads/tiles differ")
	}
	if a.TotalSamples() >= 40*24*64 {
		t.Fatalf("%d samples: nothing converged", a.TotalSamples())
	}
}

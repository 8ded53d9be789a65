package render

import (
	"math"
	"testing"
)

// Filter Glossy follows Cycles' rule (surface_shader_prepare_closures):
// no blur for camera rays or with the filter off; after bounces whose
// smallest BSDF density was p, α ≥ ½·√(1 − p/fg) while p/fg < 1.
func TestGlossyFilterAlphaRule(t *testing.T) {
	for _, c := range []struct{ minPdf, fg, want float64 }{
		{math.Inf(1), 1, 0}, // camera ray: nothing blurred
		{0.3, 0, 0},         // filter off
		{0.3, 1, 0.5 * math.Sqrt(0.7)},
		{1 / math.Pi, 1, 0.5 * math.Sqrt(1-1/math.Pi)}, // after a diffuse bounce at normal incidence
		{1, 2, 0.5 * math.Sqrt(0.5)},
		{5, 1, 0},   // after a sharp bounce: p/fg ≥ 1
		{0, 1, 0.5}, // the widest blur
	} {
		if got := glossyFilterAlpha(c.minPdf, c.fg); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("glossyFilterAlpha(%v, %v) = %v, want %v", c.minPdf, c.fg, got, c.want)
		}
	}
	// The blur raises α of the specular and clearcoat lobes (never lowers
	// it), and the diffuse layer keeps 1 − the blurred lobe's albedo.
	m := DefaultMaterial()
	m.DiffuseColor.Value = Vec3{0.8, 0.8, 0.8}
	m.Roughness.Value = 0.2
	m.Clearcoat.Value = 1
	m.ClearcoatRoughness.Value = 0.1
	si := SurfaceInteraction{P: Vec3{}, Ng: Vec3{0, 0, 1}, Ns: Vec3{0, 0, 1}, Color: Vec3{-1, -1, -1}, Mat: m}
	wo := Vec3{0, 0.6, 0.8}
	var sharp, blur, rough bsdf
	sharp.setup(m, &si, wo)
	blur.setupBlurred(m, &si, wo, 0.25)
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-12 }
	if !near(sharp.alpha, 0.04) || !near(blur.alpha, 0.25) || !near(sharp.alphaC, 0.01) || !near(blur.alphaC, 0.25) {
		t.Errorf("α %v → %v, clearcoat α %v → %v; want 0.04 → 0.25, 0.01 → 0.25", sharp.alpha, blur.alpha, sharp.alphaC, blur.alphaC)
	}
	m.Roughness.Value, m.ClearcoatRoughness.Value = 0.5, 0.5
	rough.setup(m, &si, wo)
	if rough.dw != blur.dw || rough.sw != blur.sw || rough.cw != blur.cw {
		t.Errorf("blurred to α 0.25, the lobe weights %v %v %v differ from roughness 0.5's %v %v %v", blur.dw, blur.sw, blur.cw, rough.dw, rough.sw, rough.cw)
	}
	var again bsdf
	again.setupBlurred(m, &si, wo, 0.01) // below the material's α: unchanged
	if again != rough {
		t.Error("a blur below the material's roughness changed the BSDF")
	}
}

// goldSphereOnFloor is a Lambertian floor with a smooth gold sphere on it
// under a small sun, seen from above: the floor gets the sun's caustic
// off the sphere, which a path tracer finds through floor → sphere → sun
// paths, the fireflies Filter Glossy removes.
func goldSphereOnFloor(t *testing.T) *Scene {
	t.Helper()
	gold := DefaultMaterial()
	gold.DiffuseColor.Value = Vec3{1, 0.71, 0.29}
	gold.Metallic.Value = 1
	gold.Roughness.Value = 0.15
	floor := Lambert(Vec3{0.5, 0.5, 0.5})
	s := &Scene{Materials: []*Material{floor, gold}}
	sphere := SphereMesh(0.6, 48, 24)
	sphere.Material = 1
	s.Meshes = []*Mesh{QuadMesh(Vec3{-50, -50, 0}, Vec3{100, 0, 0}, Vec3{0, 100, 0}), sphere}
	s.Instances = []Instance{{Mesh: 0, Transform: Identity}, {Mesh: 1, Transform: Translate(Vec3{0.3, 0, 0.6})}}
	s.Lights = []Light{softSun(3, 40)}
	s.Camera = DefaultCamera()
	if err := s.Build(); err != nil {
		t.Fatal(err)
	}
	return s
}

// Filter Glossy never touches what the camera sees directly: with only
// direct light (MaxBounces 0) the film is bit-identical with it on and off.
func TestFilterGlossyKeepsCameraVertices(t *testing.T) {
	s := goldSphereOnFloor(t)
	set := Settings{Width: 32, Height: 32, SamplesPerPixel: 8, MaxBounces: 0, Threads: 2}
	off := renderScene(t, s, set)
	set.FilterGlossy = 1
	on := renderScene(t, s, set)
	for y := 0; y < off.H; y++ {
		for x := 0; x < off.W; x++ {
			if off.Pixel(x, y) != on.Pixel(x, y) {
				t.Fatalf("pixel (%d, %d): %v off, %v with Filter Glossy", x, y, off.Pixel(x, y), on.Pixel(x, y))
			}
		}
	}
}

// Filter Glossy's bias, stated: on the gold sphere's caustic scene the
// mean radiance moves by less than 3% (measured −1.2%; Cycles' own on the
// spheres bench scene: −1.4%, ours −1.3%), while the per-pixel variance
// at 16 samples falls to less than half (the caustic fireflies). Off is
// the unbiased estimate (every known-answer test renders with it off).
func TestFilterGlossyBiasBound(t *testing.T) {
	s := goldSphereOnFloor(t)
	mean := func(f *Film) float64 {
		m := 0.0
		for y := 0; y < f.H; y++ {
			for x := 0; x < f.W; x++ {
				m += f.Pixel(x, y).Y
			}
		}
		return m / float64(f.W*f.H)
	}
	variance := func(fg float64) float64 {
		// Across seeds, per pixel, relative to the mean squared.
		const n = 4
		var films [n]*Film
		for i := range films {
			films[i] = renderScene(t, s, Settings{Width: 40, Height: 40, SamplesPerPixel: 16, MaxBounces: 3, Threads: 2, Seed: uint32(i + 1), FilterGlossy: fg})
		}
		v, m := 0.0, 0.0
		for y := 0; y < 40; y++ {
			for x := 0; x < 40; x++ {
				var s1, s2 float64
				for _, f := range films {
					p := f.Pixel(x, y).Y
					s1 += p
					s2 += p * p
				}
				v += (s2 - s1*s1/n) / (n - 1)
				m += s1 / n
			}
		}
		m /= 1600
		return v / 1600 / (m * m)
	}
	set := Settings{Width: 40, Height: 40, SamplesPerPixel: 256, MaxBounces: 3, Threads: 2}
	off := mean(renderScene(t, s, set))
	set.FilterGlossy = 1
	on := mean(renderScene(t, s, set))
	vOff, vOn := variance(0), variance(1)
	t.Logf("mean %.5f off, %.5f on (%+.2f%%); relative pixel variance at 16 spp %.4f off, %.4f on", off, on, 100*(on/off-1), vOff, vOn)
	if math.Abs(on/off-1) > 0.03 {
		t.Errorf("Filter Glossy moved the mean by %+.2f%%, beyond the stated 3%%", 100*(on/off-1))
	}
	if !(vOn < 0.5*vOff) {
		t.Errorf("relative pixel variance %.4f with Filter Glossy, %.4f without: not below half", vOn, vOff)
	}
}

package render

import (
	"math"
	"testing"
)

// softSun returns a distant light of irradiance e and angular diameter
// 0.53° whose direction towards the scene's surface makes angle theta
// (degrees) with +Z in the XZ plane.
func softSun(e, theta float64) *DistantLight {
	th := theta * math.Pi / 180
	xf := Identity
	xf[0] = [4]float64{math.Cos(th), 0, -math.Sin(th), 0}
	xf[2] = [4]float64{math.Sin(th), 0, math.Cos(th), 0}
	return &DistantLight{LightBase: LightBase{ToWorld: xf, Color: Vec3{1, 1, 1}, Intensity: e}, Angle: 0.53}
}

// pixelStats returns the mean of the pixels' luminance and the mean squared
// deviation of a pixel from want (the per-pixel estimator's error).
func pixelStats(f *Film, want float64) (mean, mse float64) {
	for y := 0; y < f.H; y++ {
		for x := 0; x < f.W; x++ {
			v := f.Pixel(x, y).Y
			mean += v
			mse += (v - want) * (v - want)
		}
	}
	n := float64(f.W * f.H)
	return mean / n, mse / n
}

// Two suns of very different power (50:1) over a Lambertian plane of
// albedo ρ: the radiance is ρ(E₁cosθ₁ + E₂cosθ₂)/π everywhere. Selecting
// lights by power must give that (unbiased) with a lower error than
// uniform selection, which spends half its shadow rays on the dim sun.
func TestPowerLightSelectionTwoLightsKnownAnswer(t *testing.T) {
	rho, e1, e2 := 0.6, 10.0, 0.2
	s := &Scene{Materials: []*Material{Lambert(Vec3{rho, rho, rho})}}
	s.Meshes = []*Mesh{QuadMesh(Vec3{-50, -50, 0}, Vec3{100, 0, 0}, Vec3{0, 100, 0})}
	s.Instances = []Instance{{Mesh: 0, Transform: Identity}}
	s.Lights = []Light{softSun(e2, 60), softSun(e1, 0)}
	s.Camera = DefaultCamera()
	s.Camera.ToWorld = Translate(Vec3{0, 0, 3})
	if err := s.Build(); err != nil {
		t.Fatal(err)
	}
	if p := s.lightSel.pmf; math.Abs(p[1]/p[0]-e1/e2) > 1e-9 {
		t.Fatalf("selection probabilities %v, want the power ratio %.0f:1", p, e1/e2)
	}
	want := rho * (e1 + e2*math.Cos(math.Pi/3)) / math.Pi
	// One sample per pixel: every pixel is an independent estimate. (With
	// n ≥ 2 samples the sampler stratifies the light-choice dimension, so
	// uniform selection of two lights gives each exactly half the samples
	// and no selection noise at all on a plane lit by suns; the 4 spp line
	// in the log shows it. Power selection pays off at low sample counts,
	// after the first bounce and with many lights.)
	set := Settings{Width: 64, Height: 64, SamplesPerPixel: 1, MaxBounces: 1, Threads: 2}
	power := renderScene(t, s, set)
	set.UniformLights = true
	uniform := renderScene(t, s, set)
	pm, pmse := pixelStats(power, want)
	um, umse := pixelStats(uniform, want)
	t.Logf("want %.5f; 1 spp: power selection mean %.5f, pixel MSE %.3g; uniform mean %.5f, pixel MSE %.3g (%.1fx)",
		want, pm, pmse, um, umse, umse/pmse)
	n := float64(set.Width * set.Height)
	for _, c := range []struct {
		name      string
		mean, mse float64
	}{{"power", pm, pmse}, {"uniform", um, umse}} {
		// The mean's standard error is sqrt(MSE/n).
		if tol := 4*math.Sqrt(c.mse/n) + 1e-3*want; math.Abs(c.mean-want) > tol {
			t.Errorf("%s selection: mean %.5f, want %.5f ± %.5f", c.name, c.mean, want, tol)
		}
	}
	if !(pmse < umse/4) {
		t.Errorf("power selection pixel MSE %.3g, uniform %.3g: want at least 4x lower", pmse, umse)
	}
	set.SamplesPerPixel = 4
	p4m, p4 := pixelStats(renderScene(t, s, set), want)
	set.UniformLights = false
	u4m, u4 := pixelStats(renderScene(t, s, set), want)
	t.Logf("4 spp (stratified light choice): uniform mean %.5f MSE %.3g; power mean %.5f MSE %.3g", p4m, p4, u4m, u4)
	if math.Abs(p4m-want) > 4*math.Sqrt(p4/n)+1e-3*want || math.Abs(u4m-want) > 4*math.Sqrt(u4/n)+1e-3*want {
		t.Errorf("4 spp means %.5f (uniform), %.5f (power), want %.5f", p4m, u4m, want)
	}
}

// The white furnace lit by two domes of radiance 0.2 and 0.8 and a small
// bright sphere light hidden inside the furnace sphere (it lights nothing
// and is never hit): every pixel still sees radiance 1, so the power
// probabilities and the MIS weights of escaped rays agree.
func TestPowerLightSelectionFurnace(t *testing.T) {
	s := &Scene{}
	s.Materials = []*Material{Lambert(Vec3{1, 1, 1})}
	s.Meshes = []*Mesh{SphereMesh(1, 64, 32)}
	s.Instances = []Instance{{Mesh: 0, Transform: Identity}}
	s.Lights = []Light{
		&DomeLight{LightBase: LightBase{ToWorld: Identity, Color: Vec3{1, 1, 1}, Intensity: 0.2}},
		&SphereLight{LightBase: LightBase{ToWorld: Identity, Color: Vec3{1, 1, 1}, Intensity: 50}, Radius: 0.1},
		&DomeLight{LightBase: LightBase{ToWorld: Identity, Color: Vec3{1, 1, 1}, Intensity: 0.8}},
	}
	s.Camera = DefaultCamera()
	if err := s.Build(); err != nil {
		t.Fatal(err)
	}
	if p := s.lightSel.pmf; !(p[2] > p[0] && p[0] > 0 && p[1] > 0) {
		t.Fatalf("selection probabilities %v: want every light > 0 and the brighter dome above the dim one", p)
	}
	f := renderScene(t, s, Settings{Width: 32, Height: 32, SamplesPerPixel: 64, MaxBounces: 64, Threads: 2})
	mean, mse := pixelStats(f, 1)
	t.Logf("furnace with two domes and a hidden light: mean %.5f, pixel MSE %.3g, pmf %v", mean, mse, s.lightSel.pmf)
	if math.Abs(mean-1) > 0.01 {
		t.Errorf("mean radiance %.4f, want 1 within 1%%", mean)
	}
}

// Sampling picks each light with its probability; lights of zero power
// are never picked.
func TestLightSelectorFrequencies(t *testing.T) {
	lights := []Light{
		&SphereLight{LightBase: LightBase{ToWorld: Identity, Color: Vec3{1, 1, 1}, Intensity: 1}},
		&SphereLight{LightBase: LightBase{ToWorld: Identity, Color: Vec3{0, 0, 0}, Intensity: 1}},
		&SphereLight{LightBase: LightBase{ToWorld: Identity, Color: Vec3{0, 0, 1}, Intensity: 9}},
	}
	for _, l := range lights {
		l.prepare(nil)
	}
	sel := newLightSelector(lights, 1, false)
	if want := []float64{0.25, 0, 0.75}; math.Abs(sel.pmf[0]-want[0]) > 1e-12 || sel.pmf[1] != 0 || math.Abs(sel.pmf[2]-want[2]) > 1e-12 {
		t.Fatalf("pmf %v, want %v", sel.pmf, want)
	}
	var count [3]int
	const n = 4000
	for i := range n {
		k, p := sel.sample((float64(i) + 0.5) / n)
		if p != sel.pmf[k] {
			t.Fatalf("sample returned p %v for light %d, pmf %v", p, k, sel.pmf[k])
		}
		count[k]++
	}
	if count[0] != 1000 || count[1] != 0 || count[2] != 3000 {
		t.Errorf("counts %v, want [1000 0 3000]", count)
	}
	if k, _ := sel.sample(0.99999999); k != 2 {
		t.Errorf("u near 1 picked light %d", k)
	}
}

// Infinite lights do not starve finite ones: their power grows with the
// scene's radius, so each counts as one candidate beside the group of
// finite lights (pbrt-v4's BVHLightSampler), and the finite lights share
// their group's probability by power.
func TestInfiniteLightsDoNotStarveFiniteOnes(t *testing.T) {
	sun := softSun(3, 0)
	dome := &DomeLight{LightBase: LightBase{ToWorld: Identity, Color: Vec3{1, 1, 1}, Intensity: 1}}
	key := &RectLight{LightBase: LightBase{ToWorld: Identity, Color: Vec3{1, 1, 1}, Intensity: 8}, Width: 1, Height: 1}
	fill := &RectLight{LightBase: LightBase{ToWorld: Identity, Color: Vec3{1, 1, 1}, Intensity: 2}, Width: 1, Height: 1}
	lights := []Light{sun, key, dome, fill}
	for _, l := range lights {
		l.prepare(nil)
	}
	for _, radius := range []float64{1, 1000} {
		sel := newLightSelector(lights, radius, false)
		p := sel.pmf
		if math.Abs(p[1]+p[3]-1.0/3) > 1e-12 || math.Abs(p[1]/p[3]-4) > 1e-9 {
			t.Errorf("radius %v: pmf %v, want the rect lights to share 1/3 as 4:1", radius, p)
		}
		// Sun (E = 3, π r²·3) against dome (4π·π r²·1): 3 : 4π.
		if math.Abs(p[0]+p[2]-2.0/3) > 1e-12 || math.Abs(p[2]/p[0]-4*math.Pi/3) > 1e-9 {
			t.Errorf("radius %v: pmf %v, want sun and dome to share 2/3 as 3:4π", radius, p)
		}
	}
}

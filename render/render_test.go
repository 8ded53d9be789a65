package render

import (
	"bytes"
	"context"
	"math"
	"testing"
)

func renderScene(t *testing.T, s *Scene, set Settings) *Film {
	t.Helper()
	r, err := NewRenderer(s, set)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Render(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	return r.Film()
}

// A white Lambertian sphere inside a uniform white dome of radiance 1: all
// light is reflected, so every pixel sees radiance 1, whatever the bounces
// (up to the path length limit, hence many bounces here).
func TestWhiteFurnace(t *testing.T) {
	s := &Scene{}
	s.Materials = []*Material{Lambert(Vec3{1, 1, 1})}
	s.Meshes = []*Mesh{SphereMesh(1, 64, 32)}
	s.Instances = []Instance{{Mesh: 0, Transform: Identity}}
	s.Lights = []Light{&DomeLight{LightBase: LightBase{ToWorld: Identity, Color: Vec3{1, 1, 1}, Intensity: 1}}}
	s.Camera = DefaultCamera()
	if err := s.Build(); err != nil {
		t.Fatal(err)
	}
	f := renderScene(t, s, Settings{Width: 32, Height: 32, SamplesPerPixel: 64, MaxBounces: 64, Threads: 2})
	var sum float64
	for y := 0; y < f.H; y++ {
		for x := 0; x < f.W; x++ {
			p := f.Pixel(x, y)
			sum += p.Y
			if math.Abs(p.Y-1) > 0.15 {
				t.Errorf("pixel (%d,%d) = %v, want 1 within noise", x, y, p)
			}
		}
	}
	if mean := sum / float64(f.W*f.H); math.Abs(mean-1) > 0.01 {
		t.Errorf("mean radiance %.4f, want 1 within 1%%", mean)
	}
}

// The same furnace with a glossy dielectric: the GGX lobe loses some energy
// (single scattering) but must never create any.
func TestFurnaceGlossyNeverAboveOne(t *testing.T) {
	m := DefaultMaterial()
	m.DiffuseColor.Value = Vec3{1, 1, 1}
	m.Roughness.Value = 0.3
	s := &Scene{Materials: []*Material{m}, Meshes: []*Mesh{SphereMesh(1, 64, 32)}}
	s.Instances = []Instance{{Mesh: 0, Transform: Identity}}
	s.Lights = []Light{&DomeLight{LightBase: LightBase{ToWorld: Identity, Color: Vec3{1, 1, 1}, Intensity: 1}}}
	s.Camera = DefaultCamera()
	if err := s.Build(); err != nil {
		t.Fatal(err)
	}
	f := renderScene(t, s, Settings{Width: 24, Height: 24, SamplesPerPixel: 64, MaxBounces: 32, Threads: 2})
	mean := f.MeanLuminance()
	if mean > 1.01 || mean < 0.9 {
		t.Errorf("mean radiance %.4f, want in [0.9, 1.01]", mean)
	}
}

// A Lambertian plane (albedo ρ) lit by a distant light of irradiance E at
// angle θ: the radiance seen from anywhere is ρ·E·cosθ/π.
func TestLambertPlaneDistantLight(t *testing.T) {
	for _, tc := range []struct {
		name  string
		theta float64 // degrees from the normal
		angle float64 // angular diameter of the light
	}{
		{"normal", 0, 0},
		{"60deg", 60, 0},
		{"35deg-soft", 35, 0.53},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rho, E := 0.6, 3.0
			s := &Scene{Materials: []*Material{Lambert(Vec3{rho, rho, rho})}}
			s.Meshes = []*Mesh{QuadMesh(Vec3{-50, -50, 0}, Vec3{100, 0, 0}, Vec3{0, 100, 0})}
			s.Instances = []Instance{{Mesh: 0, Transform: Identity}}
			th := tc.theta * math.Pi / 180
			// The light travels along local −Z; rotate local Z onto the
			// direction towards the light (sinθ, 0, cosθ).
			var xf Matrix = Identity
			xf[0] = [4]float64{math.Cos(th), 0, -math.Sin(th), 0}
			xf[2] = [4]float64{math.Sin(th), 0, math.Cos(th), 0}
			s.Lights = []Light{&DistantLight{LightBase: LightBase{ToWorld: xf, Color: Vec3{1, 1, 1}, Intensity: E}, Angle: tc.angle}}
			s.Camera = DefaultCamera()
			s.Camera.ToWorld = Translate(Vec3{0, 0, 3})
			if err := s.Build(); err != nil {
				t.Fatal(err)
			}
			f := renderScene(t, s, Settings{Width: 16, Height: 16, SamplesPerPixel: 16, MaxBounces: 4, Threads: 2})
			want := rho * E * math.Cos(th) / math.Pi
			for y := 0; y < f.H; y++ {
				for x := 0; x < f.W; x++ {
					got := f.Pixel(x, y).Y
					if math.Abs(got-want) > 1e-3*want+1e-9 {
						t.Fatalf("pixel (%d,%d) = %.6f, want ρE cosθ/π = %.6f", x, y, got, want)
					}
				}
			}
		})
	}
}

// ∫ f cosθ dω ≤ 1 for every roughness, metallic and view angle, estimated
// with the BSDF's own sampling (f·cos/pdf) and checked against cosine
// sampling, which also validates the pdf.
func TestBSDFEnergyConservation(t *testing.T) {
	const n = 20000
	for _, r := range []float64{0, 0.05, 0.2, 0.5, 0.8, 1} {
		for _, metal := range []float64{0, 1} {
			for _, cosO := range []float64{1, 0.7, 0.3, 0.05} {
				m := DefaultMaterial()
				m.DiffuseColor.Value = Vec3{1, 1, 1}
				m.Roughness.Value = r
				m.Metallic.Value = metal
				m.Clearcoat.Value = 0.5
				m.ClearcoatRoughness.Value = r
				si := SurfaceInteraction{Ng: Vec3{0, 0, 1}, Ns: Vec3{0, 0, 1}, Color: Vec3{-1, -1, -1}}
				wo := Vec3{math.Sqrt(1 - cosO*cosO), 0, cosO}
				var b bsdf
				b.setup(m, &si, wo)
				var smp Sampler
				var est, estCos float64
				for i := 0; i < n; i++ {
					smp.Start(7, 1, 2, i)
					u0 := smp.Get1D()
					u1, u2 := smp.Get2D()
					if wi, f, pdf, ok := b.sample(wo, u0, u1, u2); ok {
						est += f.Y / pdf
						_ = wi
					}
					v1, v2 := smp.Get2D()
					wi := cosineHemisphere(v1, v2)
					f, _ := b.eval(wo, wi)
					estCos += f.Y / (wi.Z / math.Pi)
				}
				est /= n
				estCos /= n
				if est > 1.01 {
					t.Errorf("r=%.2f metal=%v cosO=%.2f: albedo %.4f > 1", r, metal, cosO, est)
				}
				if (r >= 0.5 || (r >= 0.2 && cosO >= 0.3)) && math.Abs(est-estCos) > 0.03 {
					t.Errorf("r=%.2f metal=%v cosO=%.2f: BSDF-sampled albedo %.4f, cosine-sampled %.4f", r, metal, cosO, est, estCos)
				}
			}
		}
	}
}

func cornellLike(t testing.TB) *Scene {
	s := cornellLikeUnbuilt()
	if err := s.Build(); err != nil {
		t.Fatal(err)
	}
	return s
}

func cornellLikeUnbuilt() *Scene {
	s := &Scene{Materials: []*Material{Lambert(Vec3{0.73, 0.73, 0.73}), Lambert(Vec3{0.63, 0.065, 0.05}), DefaultMaterial()}}
	s.Materials[2].DiffuseColor.Value = Vec3{0.1, 0.3, 0.8}
	s.Materials[2].Roughness.Value = 0.2
	box := BoxMesh(2)
	// Flip the box inside out is unnecessary: double-sided shading.
	s.Meshes = []*Mesh{box, SphereMesh(0.4, 32, 16)}
	s.Meshes[1].Material = 2
	s.Instances = []Instance{
		{Mesh: 0, Transform: Identity},
		{Mesh: 1, Transform: Translate(Vec3{-0.4, -0.6, 0})},
		{Mesh: 1, Transform: ScaleMatrix(Vec3{0.7, 0.7, 0.7}).Mul(Translate(Vec3{0.4, -0.7, 0.3})), Material: 1, Override: true},
	}
	var xf Matrix = Identity
	xf[1] = [4]float64{0, 0, -1, 0}
	xf[2] = [4]float64{0, 1, 0, 0} // local −Z points down (−Y)
	xf[3] = [4]float64{0, 0.99, 0, 1}
	s.Lights = []Light{&RectLight{LightBase: LightBase{ToWorld: xf, Color: Vec3{1, 1, 1}, Intensity: 10}, Width: 0.6, Height: 0.6}}
	s.Camera = DefaultCamera()
	s.Camera.ToWorld = Translate(Vec3{0, 0, 0.99})
	s.Camera.FocalLength = 18
	return s
}

func TestDeterministic(t *testing.T) {
	s := cornellLike(t)
	set := Settings{Width: 40, Height: 30, SamplesPerPixel: 8, MaxBounces: 4, Threads: 2, TileSize: 8}
	a := renderScene(t, s, set)
	set.Threads = 1
	set.TileSize = 16
	b := renderScene(t, s, set)
	if !a.Equal(b) {
		t.Fatal("same inputs with other threads/tiles gave different films")
	}
	if a.MeanLuminance() <= 0 {
		t.Fatal("cornell-like scene rendered black")
	}
	set.Seed = 99
	c := renderScene(t, s, set)
	if a.Equal(c) {
		t.Fatal("another seed gave the same film")
	}
}

func TestSampleSplitMerge(t *testing.T) {
	s := cornellLike(t)
	set := Settings{Width: 24, Height: 16, SamplesPerPixel: 12, MaxBounces: 3, Threads: 2, Seed: 5}
	whole := renderScene(t, s, set)
	merged := NewFilm(24, 16)
	for _, rg := range [][2]int{{8, 12}, {0, 3}, {3, 8}} {
		part := set
		part.SampleStart, part.SampleEnd = rg[0], rg[1]
		if err := merged.Merge(renderScene(t, s, part)); err != nil {
			t.Fatal(err)
		}
	}
	if !merged.Equal(whole) {
		t.Fatalf("merged parts differ from one render: mean %.8f vs %.8f", merged.MeanLuminance(), whole.MeanLuminance())
	}
}

func TestFocusRendersRegionFirst(t *testing.T) {
	s := cornellLike(t)
	r, err := NewRenderer(s, Settings{Width: 128, Height: 128, SamplesPerPixel: 16, MaxBounces: 2, Threads: 2, TileSize: 16})
	if err != nil {
		t.Fatal(err)
	}
	passes := 0
	checked := false
	err = r.Render(context.Background(), func(p Progress, f *Film) error {
		passes++
		if passes == 1 {
			r.Focus(0.9, 0.1)
			return nil
		}
		if !checked {
			checked = true
			near, far := f.Count(120, 8), f.Count(8, 120)
			if near <= far {
				t.Errorf("after focus at top right: %d samples there, %d at bottom left; want more near the focus", near, far)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if c := r.Film().Count(8, 120); c != 16 {
		t.Errorf("final count %d, want 16", c)
	}
}

func TestSamplerStratified(t *testing.T) {
	// The first 16 samples of a pixel fall one per cell of a 4×4 grid in
	// every dimension pair (a (0,2)-net), for any pixel and pair.
	var s Sampler
	for px := 0; px < 4; px++ {
		for dim := 0; dim < 5; dim++ {
			var seen [16]bool
			for i := 0; i < 16; i++ {
				s.Start(3, px, 2*px, i)
				s.dim = uint32(dim)
				u, v := s.Get2D()
				c := int(u*4) + 4*int(v*4)
				if seen[c] {
					t.Fatalf("pixel %d dim %d: two samples in cell %d", px, dim, c)
				}
				seen[c] = true
			}
		}
	}
}

func TestSobolTable(t *testing.T) {
	// The table form equals the bit-by-bit definition.
	for _, i := range []uint32{0, 1, 2, 3, 255, 256, 1000, 65535, 1 << 20, 0xdeadbeef, 0xffffffff} {
		var y uint32
		j := i
		for v := uint32(1 << 31); j != 0; j, v = j>>1, v^(v>>1) {
			if j&1 != 0 {
				y ^= v
			}
		}
		if _, got := sobol2(i); got != y {
			t.Fatalf("sobol2(%d) = %#x, want %#x", i, got, y)
		}
	}
}

// Axis-aligned rays from the origin plane must still hit (no 0·∞ NaNs in
// the box test).
func TestAxisAlignedRays(t *testing.T) {
	s := &Scene{Meshes: []*Mesh{BoxMesh(2)}, Instances: []Instance{{Mesh: 0, Transform: Identity}}}
	if err := s.Build(); err != nil {
		t.Fatal(err)
	}
	for _, d := range []Vec3{{1, 0, 0}, {-1, 0, 0}, {0, 1, 0}, {0, -1, 0}, {0, 0, 1}, {0, 0, -1}} {
		var h Hit
		if !s.Intersect(Ray{O: Vec3{}, D: d}, math.Inf(1), &h) || math.Abs(h.T-1) > 1e-9 {
			t.Errorf("ray from the centre along %v: hit %v at %v, want t = 1", d, h, h.T)
		}
		if !s.Occluded(Ray{O: Vec3{}, D: d}, 2) {
			t.Errorf("ray along %v not occluded", d)
		}
	}
}

func TestFilmRoundTrip(t *testing.T) {
	f := NewFilm(5, 3)
	f.Add(1, 2, Vec3{0.5, 1e-9, 3})
	f.Add(4, 0, Vec3{math.NaN(), math.Inf(1), -1})
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	g, err := ReadFilm(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if !g.Equal(f) {
		t.Fatal("film changed in a round trip")
	}
	if p := g.Pixel(4, 0); p.X != 0 || p.Y != FilmMaxSample || p.Z != 0 {
		t.Errorf("NaN/Inf/negative sample stored as %v, want (0, max, 0)", p)
	}
	for n := 0; n < b.Len(); n += 9 {
		if _, err := ReadFilm(bytes.NewReader(b.Bytes()[:n])); err == nil {
			t.Fatalf("truncated film of %d bytes read without error", n)
		}
	}
}

func FuzzReadFilm(f *testing.F) {
	var b bytes.Buffer
	NewFilm(2, 2).WriteTo(&b)
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, d []byte) {
		_, _ = ReadFilm(bytes.NewReader(d))
	})
}

// TestNormalMapTiltsShading lights a Lambertian plane (normal +Z, u along
// +X, v along +Y) with a distant light and a constant tangent-space normal
// tilted by φ: tilted towards +u with the light overhead, the radiance is
// ρE·cosφ/π; tilted towards +v with the light tilted the same way, it is
// ρE/π (a bitangent of the wrong sign would give cos 2φ).
func TestNormalMapTiltsShading(t *testing.T) {
	phi := 40 * math.Pi / 180
	for _, tc := range []struct {
		name   string
		normal Vec3 // tangent space
		light  Vec3 // direction towards the light
		want   float64
	}{
		{"u-light-overhead", Vec3{math.Sin(phi), 0, math.Cos(phi)}, Vec3{0, 0, 1}, math.Cos(phi)},
		{"v-light-along", Vec3{0, math.Sin(phi), math.Cos(phi)}, Vec3{0, math.Sin(phi), math.Cos(phi)}, 1},
		{"v-light-against", Vec3{0, math.Sin(phi), math.Cos(phi)}, Vec3{0, -math.Sin(phi), math.Cos(phi)}, math.Cos(2 * phi)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rho, E := 0.6, 3.0
			mat := Lambert(Vec3{rho, rho, rho})
			mat.Normal = &Color{Value: tc.normal}
			s := &Scene{Materials: []*Material{mat}}
			s.Meshes = []*Mesh{QuadMesh(Vec3{-50, -50, 0}, Vec3{100, 0, 0}, Vec3{0, 100, 0})}
			s.Instances = []Instance{{Mesh: 0, Transform: Identity}}
			// The light travels along its local −Z: map local Z onto the
			// direction towards the light.
			z := tc.light.Norm()
			x := Vec3{1, 0, 0}.Sub(z.Scale(z.X)).Norm()
			y := z.Cross(x)
			xf := Identity
			xf[0] = [4]float64{x.X, x.Y, x.Z, 0}
			xf[1] = [4]float64{y.X, y.Y, y.Z, 0}
			xf[2] = [4]float64{z.X, z.Y, z.Z, 0}
			s.Lights = []Light{&DistantLight{LightBase: LightBase{ToWorld: xf, Color: Vec3{1, 1, 1}, Intensity: E}}}
			s.Camera = DefaultCamera()
			s.Camera.ToWorld = Translate(Vec3{0, 0, 3})
			if err := s.Build(); err != nil {
				t.Fatal(err)
			}
			f := renderScene(t, s, Settings{Width: 8, Height: 8, SamplesPerPixel: 4, MaxBounces: 1, Threads: 2})
			want := rho * E * tc.want / math.Pi
			for y := 0; y < f.H; y++ {
				for x := 0; x < f.W; x++ {
					if got := f.Pixel(x, y).Y; math.Abs(got-want) > 1e-3*want {
						t.Fatalf("pixel (%d,%d) = %.6f, want %.6f", x, y, got, want)
					}
				}
			}
		})
	}
}

// TestTransparentShadows lights a Lambertian floor with an overhead sun
// through occluders above the camera (which camera rays never reach), with
// direct light only: the floor gets ρE/π times the product of (1 − opacity)
// of what lies in between, a cut-out (opacityThreshold) passing all or
// nothing.
func TestTransparentShadows(t *testing.T) {
	for _, tc := range []struct {
		name      string
		opacities []float64
		threshold float64
		want      float64 // fraction of the unshadowed radiance
	}{
		{"opaque", []float64{1}, 0, 0},
		{"30pct", []float64{0.3}, 0, 0.7},
		{"two-halves", []float64{0.5, 0.5}, 0, 0.25},
		{"cutout-below-threshold", []float64{0.3}, 0.5, 1},
		{"cutout-above-threshold", []float64{0.7}, 0.5, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rho, E := 0.6, 3.0
			s := &Scene{Materials: []*Material{Lambert(Vec3{rho, rho, rho})}}
			s.Meshes = []*Mesh{QuadMesh(Vec3{-50, -50, 0}, Vec3{100, 0, 0}, Vec3{0, 100, 0})}
			s.Instances = []Instance{{Mesh: 0, Transform: Identity}}
			for i, op := range tc.opacities {
				m := Lambert(Vec3{0.5, 0.5, 0.5})
				m.Opacity = Scalar{Value: op}
				m.OpacityThreshold = tc.threshold
				s.Materials = append(s.Materials, m)
				q := QuadMesh(Vec3{-50, -50, 2 + float64(i)}, Vec3{100, 0, 0}, Vec3{0, 100, 0})
				q.Material = len(s.Materials) - 1
				s.Meshes = append(s.Meshes, q)
				s.Instances = append(s.Instances, Instance{Mesh: len(s.Meshes) - 1, Transform: Identity})
			}
			s.Lights = []Light{&DistantLight{LightBase: LightBase{ToWorld: Identity, Color: Vec3{1, 1, 1}, Intensity: E}}}
			s.Camera = DefaultCamera()
			s.Camera.ToWorld = Translate(Vec3{0, 0, 1})
			if err := s.Build(); err != nil {
				t.Fatal(err)
			}
			f := renderScene(t, s, Settings{Width: 8, Height: 8, SamplesPerPixel: 4, MaxBounces: 0, Threads: 2})
			want := rho * E / math.Pi * tc.want
			for y := 0; y < f.H; y++ {
				for x := 0; x < f.W; x++ {
					if got := f.Pixel(x, y).Y; math.Abs(got-want) > 1e-3*(rho*E/math.Pi) {
						t.Fatalf("pixel (%d,%d) = %.6f, want %.6f", x, y, got, want)
					}
				}
			}
		})
	}
}

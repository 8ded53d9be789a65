package render

import (
	"math"
	"testing"
)

func glass(ior, roughness, opacity float64) *Material {
	m := DefaultMaterial()
	m.Name = "glass"
	m.DiffuseColor.Value = Vec3{1, 1, 1}
	m.IOR = ior
	m.Roughness.Value = roughness
	m.Opacity.Value = opacity
	return m
}

// A smooth dielectric slab without absorption between the camera and an
// emitter of radiance 1, seen at normal incidence, transmits
// (1−F)²·Σ F^2k = (1−F)²/(1−F²) with F = ((n−1)/(n+1))²: the light that
// crosses both faces after any number of round trips inside.
func TestDielectricSlabTransmittance(t *testing.T) {
	for _, ior := range []float64{1.5, 2.4} {
		s := &Scene{Materials: []*Material{glass(ior, 0, 0)}}
		s.Meshes = []*Mesh{BoxMesh(1)}
		s.Instances = []Instance{{Mesh: 0, Transform: ScaleMatrix(Vec3{8, 8, 0.3})}}
		// Emitting along +Z towards the camera, behind the slab.
		light := &RectLight{LightBase: LightBase{Color: Vec3{1, 1, 1}, Intensity: 1,
			ToWorld: ScaleMatrix(Vec3{-1, 1, -1}).Mul(Translate(Vec3{0, 0, -2}))}, Width: 40, Height: 40}
		s.Lights = []Light{light}
		s.Camera = DefaultCamera()
		s.Camera.FocalLength = 500 // near-normal incidence everywhere
		if err := s.Build(); err != nil {
			t.Fatal(err)
		}
		f := renderScene(t, s, Settings{Width: 32, Height: 32, SamplesPerPixel: 128, MaxBounces: 12, Threads: 2})
		F := (ior - 1) / (ior + 1)
		F *= F
		want := (1 - F) * (1 - F) / (1 - F*F)
		got := f.MeanLuminance()
		t.Logf("ior %g: transmittance %.4f, want %.4f", ior, got, want)
		if math.Abs(got-want) > 0.006 {
			t.Errorf("ior %g: slab transmittance %.4f, want (1−F)²/(1−F²) = %.4f (one crossing would be %.4f)", ior, got, want, (1-F)*(1-F))
		}
	}
}

// The white furnace with dielectric spheres: a smooth one loses nothing
// (radiance 1 up to the path length), a rough one (single-scattering GGX)
// loses a little; none creates energy. Half-transparent glass mixes the
// Lambert and dielectric lobes and must stay ≤ 1 too.
func TestFurnaceDielectricNeverAboveOne(t *testing.T) {
	for _, tc := range []struct {
		name                string
		rough, opacity, min float64
	}{
		{"smooth", 0, 0, 0.97},
		{"rough", 0.5, 0, 0.85},
		{"half", 0.3, 0.5, 0.85},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &Scene{Materials: []*Material{glass(1.5, tc.rough, tc.opacity)}, Meshes: []*Mesh{SphereMesh(1, 64, 32)}}
			s.Instances = []Instance{{Mesh: 0, Transform: Identity}}
			s.Lights = []Light{&DomeLight{LightBase: LightBase{ToWorld: Identity, Color: Vec3{1, 1, 1}, Intensity: 1}}}
			s.Camera = DefaultCamera()
			if err := s.Build(); err != nil {
				t.Fatal(err)
			}
			f := renderScene(t, s, Settings{Width: 24, Height: 24, SamplesPerPixel: 64, MaxBounces: 32, Threads: 2})
			mean := f.MeanLuminance()
			t.Logf("furnace mean %.4f", mean)
			if mean > 1.01 || mean < tc.min {
				t.Errorf("mean radiance %.4f, want in [%.2f, 1.01]", mean, tc.min)
			}
		})
	}
}

// BSDF-sampled albedo of the dielectric lobe (reflection + transmission)
// is ≤ 1 for every roughness and angle, from both sides, and agrees with
// the albedo estimated by uniform sphere sampling of eval.
func TestDielectricBSDFEnergyAndPdf(t *testing.T) {
	const n = 40000
	for _, r := range []float64{0.1, 0.3, 0.6, 1} {
		for _, ior := range []float64{1.5, 1 / 1.5} {
			for _, cosO := range []float64{1, 0.7, 0.3} {
				wo := Vec3{math.Sqrt(1 - cosO*cosO), 0, cosO}
				a := r * r
				var smp Sampler
				var est, estU float64
				for i := 0; i < n; i++ {
					smp.Start(3, 4, 5, i)
					uc := smp.Get1D()
					u1, u2 := smp.Get2D()
					if wi, ok := dielectricSample(wo, ior, a, uc, u1, u2); ok {
						if f, pdf := dielectricEval(wo, wi, ior, a); pdf > 0 {
							est += f / pdf
						}
					}
					v1, v2 := smp.Get2D()
					z := 1 - 2*v1
					rr := math.Sqrt(math.Max(0, 1-z*z))
					wi := Vec3{rr * math.Cos(2*math.Pi*v2), rr * math.Sin(2*math.Pi*v2), z}
					f, _ := dielectricEval(wo, wi, ior, a)
					estU += f * 4 * math.Pi
				}
				est /= n
				estU /= n
				if est > 1.01 {
					t.Errorf("r=%.1f ior=%.3f cosO=%.1f: albedo %.4f > 1", r, ior, cosO, est)
				}
				if r >= 0.3 && math.Abs(est-estU) > 0.04 {
					t.Errorf("r=%.1f ior=%.3f cosO=%.1f: sampled albedo %.4f, uniform %.4f (pdf and f disagree)", r, ior, cosO, est, estU)
				}
			}
		}
	}
}

// A cut-out (opacityThreshold > 0), opacityMode presence and an alpha map
// stay coverage, not glass; ior 1 is coverage too (nothing to refract).
func TestTransmissiveOnlyForTransparentMode(t *testing.T) {
	m := glass(1.5, 0, 0.3)
	if !m.transmissive() || !m.opaque() {
		t.Fatalf("opacity 0.3, ior 1.5: transmissive %v opaque %v, want dielectric", m.transmissive(), m.opaque())
	}
	m.OpacityThreshold = 0.5
	if m.transmissive() {
		t.Error("cut-out became a dielectric")
	}
	m = glass(1.5, 0, 0.3)
	m.OpacityPresence = true
	if m.transmissive() || m.opaque() {
		t.Error("opacityMode presence became a dielectric")
	}
	if m := glass(1, 0, 0.3); m.transmissive() {
		t.Error("ior 1 became a dielectric")
	}
	m = glass(1.5, 0, 1)
	m.Opacity.Tex = &DisplayColor{}
	if m.transmissive() {
		t.Error("a textured opacity (alpha map) became a dielectric")
	}
}

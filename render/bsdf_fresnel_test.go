package render

import (
	"math"
	"testing"
)

// previewSpecular is the specular term of previewSurface.glslfx's
// evaluateDirectSpecular, F·D·G/(4·n·l·n·e) times n·l, with
// F = mix(F0, F90, (1 − e·h)⁵) of the microfacet normal h, the GGX D of
// α = roughness² and our height-correlated Smith G (the shader's
// Schlick-GGX k = α/2 is a real-time stand-in; the Fresnel rule is what is
// pinned here). Written out from the formulas, not from bsdf.go.
func previewSpecular(wo, wi Vec3, roughness float64, f0, f90 Vec3) Vec3 {
	h := wo.Add(wi).Norm()
	s := math.Pow(1-wo.Dot(h), 5)
	F := f0.Scale(1 - s).Add(f90.Scale(s))
	a := math.Max(roughness*roughness, minAlpha)
	a2 := a * a
	dd := h.Z*h.Z*(a2-1) + 1
	D := a2 / (math.Pi * dd * dd)
	lambda := func(w Vec3) float64 {
		t2 := (1 - w.Z*w.Z) / (w.Z * w.Z)
		return (math.Sqrt(1+a2*t2) - 1) / 2
	}
	G := 1 / (1 + lambda(wo) + lambda(wi))
	return F.Scale(D * G / (4 * wo.Z * wi.Z) * wi.Z)
}

// previewAlbedo is ∫ previewSpecular dωi, the directional albedo of the
// specular lobe at wo, by stratified visible-normal sampling.
func previewAlbedo(wo Vec3, roughness float64, f0, f90 Vec3) Vec3 {
	const k = 128
	a := math.Max(roughness*roughness, minAlpha)
	var e Vec3
	for u := 0; u < k; u++ {
		for v := 0; v < k; v++ {
			wi := reflect(wo, ggxSampleVNDF(wo, a, (float64(u)+0.5)/k, (float64(v)+0.5)/k))
			if wi.Z <= 0 {
				continue
			}
			if _, p := ggxEval(wo, wi, a); p > 0 {
				e = e.AddScaled(previewSpecular(wo, wi, roughness, f0, f90), 1/p)
			}
		}
	}
	return e.Scale(1.0 / (k * k))
}

// A pair of directions whose microfacet normal makes a large angle with
// wo (wo·h = 0.82 while n·wo = 0.34): F(wo·h) and F(n·wo) differ there by
// a factor of ~3.5 for ior 1.5.
var (
	fresnelWo = Vec3{math.Sin(70 * math.Pi / 180), 0, math.Cos(70 * math.Pi / 180)}
	fresnelWi = Vec3{-math.Sin(10*math.Pi/180) * math.Cos(0.5), -math.Sin(10*math.Pi/180) * math.Sin(0.5), math.Cos(10 * math.Pi / 180)}
)

func flatSI() SurfaceInteraction {
	return SurfaceInteraction{Ng: Vec3{0, 0, 1}, Ns: Vec3{0, 0, 1}, Color: Vec3{-1, -1, -1}}
}

func closeVec(a, b Vec3, tol float64) bool {
	return math.Abs(a.X-b.X) <= tol*math.Max(1e-12, math.Abs(b.X)) &&
		math.Abs(a.Y-b.Y) <= tol*math.Max(1e-12, math.Abs(b.Y)) &&
		math.Abs(a.Z-b.Z) <= tol*math.Max(1e-12, math.Abs(b.Z))
}

// The specular lobe carries Schlick's Fresnel of the microfacet normal,
// F = mix(F0, F90, (1 − wo·h)⁵), inside the BRDF, with F0 and F90 of the
// metallic workflow (F0 = mix(R²·specColor, specColor, metallic), F90 =
// specColor = mix(1, diffuseColor, metallic), R = (1−ior)/(1+ior)) or of
// the specular workflow (F0 = specularColor, F90 = 1). The diffuse lobe,
// diffuseColor·(1 − metallic)/π, is weighted by 1 − E(wo), E the
// specular lobe's directional albedo (Cycles' layering; the reference's
// 1 − F(wo·h) is not energy conserving).
func TestSpecularLobeFresnelOfTheMicrofacetNormal(t *testing.T) {
	wo, wi := fresnelWo, fresnelWi
	if c := wo.Dot(wo.Add(wi).Norm()); math.Abs(c-wo.Z) < 0.3 {
		t.Fatalf("test pair: wo·h = %.3f too close to n·wo = %.3f", c, wo.Z)
	}
	R2 := math.Pow((1-1.5)/(1+1.5), 2)
	one := Vec3{1, 1, 1}
	for _, tc := range []struct {
		name              string
		diffuse, specular Vec3
		metal             float64
		specWorkflow      bool
		f0, f90           Vec3
		kd                Vec3 // weight of the diffuse lobe before 1 − F
	}{
		{"dielectric", Vec3{0.8, 0.42, 0.25}, Vec3{}, 0, false, one.Scale(R2), one, Vec3{0.8, 0.42, 0.25}},
		{"metal", Vec3{0.9, 0.6, 0.2}, Vec3{}, 1, false, Vec3{0.9, 0.6, 0.2}, Vec3{0.9, 0.6, 0.2}, Vec3{}},
		{"half-metal", Vec3{0.9, 0.6, 0.2}, Vec3{}, 0.5, false,
			Vec3{0.95, 0.8, 0.6}.Scale(0.5 * R2).Add(Vec3{0.95, 0.8, 0.6}.Scale(0.5)), Vec3{0.95, 0.8, 0.6}, Vec3{0.45, 0.3, 0.1}},
		{"specular-workflow", Vec3{0.3, 0.5, 0.7}, Vec3{0.2, 0.1, 0.05}, 0, true, Vec3{0.2, 0.1, 0.05}, one, Vec3{0.3, 0.5, 0.7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, r := range []float64{0.2, 0.35, 0.7} {
				m := DefaultMaterial()
				m.DiffuseColor.Value = tc.diffuse
				m.Roughness.Value = r
				m.Metallic.Value = tc.metal
				m.UseSpecularWorkflow = tc.specWorkflow
				m.SpecularColor.Value = tc.specular
				si := flatSI()
				var b bsdf
				b.setup(m, &si, wo)
				f, pdf := b.evalLocal(wo, wi)
				if pdf <= 0 {
					t.Fatalf("r=%.2f: pdf %g", r, pdf)
				}
				spec := previewSpecular(wo, wi, r, tc.f0, tc.f90)
				E := previewAlbedo(wo, r, tc.f0, tc.f90)
				diff := tc.kd.Mul(one.Sub(E)).Scale(wi.Z / math.Pi)
				got := b.diffuseF(b.frame.ToWorld(wi))
				if !closeVec(got, diff, 0.015) { // the table interpolates E within ~0.5%
					t.Errorf("r=%.2f: diffuse part %v, want diffuseColor·(1−E)·cos/π = %v (E = %v)", r, got, diff, E)
				}
				if gotS := f.Sub(got); !closeVec(gotS, spec, 1e-9) {
					t.Errorf("r=%.2f: specular part %v, want %v", r, gotS, spec)
				}
			}
		})
	}
}

// The clearcoat lobe is clearcoat·GGX(clearcoatRoughness²)·mix(R², 1,
// (1 − wo·h)⁵) with the material's ior, as the reference; the base under
// it keeps 1 − clearcoat·Ec(wo), Ec the coat's directional albedo (the
// reference adds the coat on top, which returns more than it receives).
func TestClearcoatLobeFresnelOfTheMicrofacetNormal(t *testing.T) {
	wo, wi := fresnelWo, fresnelWi
	for _, ior := range []float64{1.5, 1.33} {
		m := DefaultMaterial()
		m.DiffuseColor.Value = Vec3{}
		m.IOR = ior
		m.Roughness.Value = 0.6
		m.Clearcoat.Value = 0.7
		m.ClearcoatRoughness.Value = 0.25
		si := flatSI()
		var b bsdf
		b.setup(m, &si, wo)
		f, _ := b.evalLocal(wo, wi)
		R2 := math.Pow((1-ior)/(1+ior), 2)
		one := Vec3{1, 1, 1}
		ec := 0.7 * previewAlbedo(wo, 0.25, one.Scale(R2), one).X
		base := previewSpecular(wo, wi, 0.6, one.Scale(R2), one).Scale(1 - ec)
		coat := previewSpecular(wo, wi, 0.25, one.Scale(R2), one).Scale(0.7)
		if want := base.Add(coat); !closeVec(f, want, 0.01) { // Ec from the interpolated table
			t.Errorf("ior %.2f: f·cos = %v, want base %v + clearcoat %v", ior, f, base, coat)
		}
	}
}

// ior = 1 (no interface) has no specular lobe: the surface is Lambertian,
// F = 0 at every angle, where Schlick's F90 = 1 would reflect at grazing.
func TestIOROneIsLambertian(t *testing.T) {
	m := DefaultMaterial()
	m.DiffuseColor.Value = Vec3{0.6, 0.5, 0.4}
	m.IOR = 1
	si := flatSI()
	wo := Vec3{math.Sqrt(1 - 0.05*0.05), 0, 0.05}
	var b bsdf
	b.setup(m, &si, wo)
	wi := Vec3{-0.6, 0, 0.8}
	f, pdf := b.evalLocal(wo, wi)
	if want := m.DiffuseColor.Value.Scale(0.8 / math.Pi); !closeVec(f, want, 1e-12) {
		t.Errorf("f·cos = %v, want ρ·cos/π = %v", f, want)
	}
	if want := 0.8 / math.Pi; math.Abs(pdf-want) > 1e-12 {
		t.Errorf("pdf %v, want cos/π = %v", pdf, want)
	}
}

// White furnace for each lobe on its own: the diffuse lobe (white
// diffuseColor times 1 − F), the specular lobe (F times GGX) and the
// clearcoat lobe each return at most what they receive, for every
// roughness, workflow and view angle, estimated by sampling the lobe
// (visible normals for GGX, cosine for Lambert) and integrating the lobe's
// own term; and so does their sum, sampled through the BSDF.
func TestPreviewSurfaceLobesNeverReturnMoreThanTheyReceive(t *testing.T) {
	const n = 20000
	one := Vec3{1, 1, 1}
	for _, r := range []float64{0, 0.1, 0.35, 0.7, 1} {
		for _, wf := range []string{"metal0", "metal1", "specular"} {
			for _, cosO := range []float64{1, 0.7, 0.3, 0.05} {
				m := DefaultMaterial()
				m.DiffuseColor.Value = one
				m.Roughness.Value = r
				m.Clearcoat.Value = 1
				m.ClearcoatRoughness.Value = r
				switch wf {
				case "metal1":
					m.Metallic.Value = 1
				case "specular":
					m.UseSpecularWorkflow = true
					m.SpecularColor.Value = one
				}
				si := flatSI()
				wo := Vec3{math.Sqrt(1 - cosO*cosO), 0, cosO}
				var b bsdf
				b.setup(m, &si, wo)
				var smp Sampler
				var ed, es, ec, et float64
				for i := 0; i < n; i++ {
					smp.Start(11, 1, 2, i)
					u0 := smp.Get1D()
					u1, u2 := smp.Get2D()
					if _, f, pdf, ok := b.sample(wo, u0, u1, u2); ok {
						et += f.MaxComp() / pdf
					}
					u1, u2 = smp.Get2D()
					wi := cosineHemisphere(u1, u2)
					ed += b.diffuseF(b.frame.ToWorld(wi)).MaxComp() / (wi.Z / math.Pi)
					u1, u2 = smp.Get2D()
					for lobe, a := range []float64{b.alpha, b.alphaC} {
						wi := reflect(wo, ggxSampleVNDF(wo, a, u1, u2))
						if wi.Z <= 0 {
							continue
						}
						g, p := ggxEval(wo, wi, a)
						s := schlick(wo.Dot(wo.Add(wi).Norm()))
						if lobe == 0 {
							es += b.sw.Mul(b.f0.Scale(1-s).Add(b.f90.Scale(s))).MaxComp() * g / p
						} else {
							ec += b.cw * (b.r2 + (1-b.r2)*s) * g / p
						}
					}
				}
				for name, e := range map[string]float64{"diffuse": ed / n, "specular": es / n, "clearcoat": ec / n, "whole BSDF": et / n} {
					if e > 1.005 {
						t.Errorf("r=%.2f %s cosO=%.2f: %s lobe returns %.4f > 1", r, wf, cosO, name, e)
					}
				}
			}
		}
	}
}

func BenchmarkSpecAlbedoTable(b *testing.B) {
	for b.Loop() {
		buildSpecAlbedoTable()
	}
}

// The lobe choice follows each lobe's directional albedo at wo (Cycles'
// closure sample_weight times bsdf_microfacet_estimate_albedo), and the
// estimator stays unbiased: the mean of f·cos/pdf over BSDF samples (lobe
// and direction from one Get3D triple) is the closed form dw + sw·E(wo)
// (+ cw·Ec(wo)), the specular albedos E integrated independently of
// bsdf.go by previewAlbedo. A pick probability that differs from the
// mixture pdf eval reports moves the mean.
func TestLobeChoiceByAlbedoStaysUnbiased(t *testing.T) {
	for _, cc := range []float64{0, 0.5} {
		for _, r := range []float64{0.2, 0.35, 0.7} {
			for _, cosO := range []float64{1, 0.5, 0.15} {
				m := DefaultMaterial()
				m.DiffuseColor.Value = Vec3{0.8, 0.5, 0.3}
				m.Roughness.Value = r
				m.IOR = 1.5
				m.Clearcoat.Value = cc
				m.ClearcoatRoughness.Value = 0.1
				si := flatSI()
				wo := Vec3{math.Sqrt(1 - cosO*cosO), 0, cosO}
				var b bsdf
				b.setup(m, &si, wo)
				es := previewAlbedo(wo, r, b.f0, b.f90).Mul(b.sw)
				want := b.dw.Add(es)
				ec := 0.0
				if cc > 0 {
					r2 := Vec3{b.r2, b.r2, b.r2}
					ec = b.cw * previewAlbedo(wo, 0.1, r2, Vec3{1, 1, 1}).X
					want = want.Add(Vec3{ec, ec, ec})
				}
				// The rule: probabilities in the ratio of the lobes' albedos
				// (the table's interpolation is within a few percent).
				if got, w := b.ps/b.pd, es.MaxComp()/b.dw.MaxComp(); math.Abs(got/w-1) > 0.05 {
					t.Errorf("cc=%v r=%v cosO=%v: ps/pd %.4f, albedo ratio %.4f", cc, r, cosO, got, w)
				}
				if cc > 0 {
					if got, w := b.pc/b.pd, ec/b.dw.MaxComp(); math.Abs(got/w-1) > 0.05 {
						t.Errorf("cc=%v r=%v cosO=%v: pc/pd %.4f, albedo ratio %.4f", cc, r, cosO, got, w)
					}
				}
				const n = 1 << 16
				var smp Sampler
				var est Vec3
				for i := 0; i < n; i++ {
					smp.Start(3, 1, 2, i)
					u1, u2, u0 := smp.Get3D()
					if _, f, pdf, ok := b.sample(wo, u0, u1, u2); ok {
						est = est.AddScaled(f, 1/pdf)
					}
				}
				est = est.Scale(1.0 / n)
				if !closeVec(est, want, 0.01) {
					t.Errorf("cc=%v r=%v cosO=%v: BSDF-sampled albedo %v, closed form %v", cc, r, cosO, est, want)
				}
			}
		}
	}
}

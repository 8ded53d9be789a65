package render

import (
	"math"
	"math/rand"
	"runtime"
	"testing"
)

// A material of constants set up from its precomputed inputs
// (matConsts, setupConst) gives the BSDF setupBlurred gives, bit for bit
// (amd64, which never fuses multiply-adds; elsewhere to rounding), with
// and without Filter Glossy's blur; and eval's cached Smith Λ(wo) gives
// what computing it again gives.
func TestSetupConstMatchesSetup(t *testing.T) {
	mats := shadingTestMaterials()
	m := DefaultMaterial()
	m.Opacity.Value, m.Roughness.Value = 0.3, 0.2 // a dielectric
	mats = append(mats, m)

	exact := runtime.GOARCH == "amd64"
	unit := randomUnit(rand.New(rand.NewSource(1)))
	for mi, m := range mats {
		mc := newMatConsts(m)
		if !mc.constLobes {
			t.Fatalf("material %d: inputs not seen as constants", mi)
		}
		for k := 0; k < 300; k++ {
			ng := unit()
			ns := ng.AddScaled(unit(), 0.3).Norm()
			if ns.Dot(ng) < 0 {
				ns = ns.Neg()
			}
			si := SurfaceInteraction{Ng: ng, Ns: ns, Color: Vec3{-1, -1, -1}, Mat: m}
			wo := unit()
			minA := []float64{0, 0.01, 0.3}[k%3]
			var want, got bsdf
			want.setupBlurred(m, &si, wo, minA)
			got.setupConst(&mc.lobes, m, &si, wo, minA)
			if exact && got != want {
				t.Fatalf("material %d, wo %v, minA %v: setupConst\n%+v\nsetupBlurred\n%+v", mi, wo, minA, got, want)
			}
			if !exact && (math.Abs(got.pd-want.pd) > 1e-12 || math.Abs(got.ps-want.ps) > 1e-12) {
				t.Fatalf("material %d: lobe choice %v %v, want %v %v", mi, got.pd, got.ps, want.pd, want.ps)
			}
			wi := unit()
			f, p := want.evalWoLocal(want.wo, wi)
			nocache := want
			nocache.wo = Vec3{math.NaN(), 0, 0} // eval must compute Λ(wo) itself
			f2, p2 := nocache.evalWoLocal(want.wo, wi)
			if f != f2 || p != p2 {
				t.Fatalf("material %d: eval with the cached Λ(wo) %v %v, computed %v %v", mi, f, p, f2, p2)
			}
		}
	}
}

// specRow interpolates along cos θo what specAlbedo interpolates in two
// dimensions.
func TestSpecRowMatchesSpecAlbedo(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for k := 0; k < 200; k++ {
		r := rng.Float64()
		if k < 3 {
			r = float64(k) / 2
		}
		row := newSpecRow(r)
		for _, c := range []float64{0, 1, rng.Float64(), rng.Float64(), -0.5, 1.5} {
			a, b := specAlbedo(c, r)
			a2, b2 := row.at(c)
			if math.Abs(a-a2) > 1e-14 || math.Abs(b-b2) > 1e-14 || (runtime.GOARCH == "amd64" && (a != a2 || b != b2)) {
				t.Fatalf("r %v c %v: row %v %v, table %v %v", r, c, a2, b2, a, b)
			}
		}
	}
}

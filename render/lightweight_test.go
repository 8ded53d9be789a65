package render

import (
	"math"
	"math/rand"
	"testing"
)

// The light choice's cheap BSDF estimate (bsdf.glossyWeight, at) against
// the exact evaluation: at wo's mirror direction (h = n, where it matters
// most: r > 1 only in a glossy lobe's peak) D and F are exact and G1(wo)
// replaces G2 = 1/(1 + 2Λ), so exact ≤ estimate ≤ 2·exact; the diffuse
// lobe alone is exact everywhere; and the estimate is finite and ≥ the
// diffuse part in every direction above the surface.
func TestGlossyWeightMatchesEval(t *testing.T) {
	mats := shadingTestMaterials()
	m := DefaultMaterial()
	m.Roughness.Value = 0.9
	mats = append(mats, m)
	unit := randomUnit(rand.New(rand.NewSource(3)))
	for mi, m := range mats {
		for k := 0; k < 400; k++ {
			n := unit()
			si := SurfaceInteraction{Ng: n, Ns: n, Color: Vec3{-1, -1, -1}, Mat: m}
			wo := unit()
			if math.Abs(wo.Dot(n)) < 0.05 {
				continue
			}
			var b bsdf
			b.setup(m, &si, wo)
			if b.kt > 0 {
				t.Fatalf("material %d is transmissive", mi)
			}
			gw := b.glossyWeight()
			nz := b.frame.Z
			mir := nz.Scale(2 * wo.Dot(nz)).Sub(wo)
			fe, _ := b.evalWoLocal(b.wo, mir)
			exact := channelMean(fe)
			num, den := gw.at(nz.Dot(mir), wo.Dot(mir))
			est := num / den
			if !(est >= exact*(1-1e-9)) || !(est <= 2*exact*(1+1e-9)) {
				t.Fatalf("material %d wo %v: mirror estimate %v, exact %v", mi, wo, est, exact)
			}
			wi := unit()
			c := nz.Dot(wi)
			if c <= 0 {
				continue
			}
			num, den = gw.at(c, wo.Dot(wi))
			est = num / den
			diff := channelMean(b.dw) * c / math.Pi
			if math.IsNaN(est) || math.IsInf(est, 0) || est < diff*(1-1e-12) {
				t.Fatalf("material %d: estimate %v below the diffuse part %v", mi, est, diff)
			}
			if b.ps == 0 && b.pc == 0 {
				fe, _ := b.evalWoLocal(b.wo, wi)
				if math.Abs(est-channelMean(fe)) > 1e-12*channelMean(fe) {
					t.Fatalf("material %d: diffuse estimate %v, exact %v", mi, est, channelMean(fe))
				}
			}
		}
	}
}

package render

import (
	"math"
	"math/rand/v2"
	"testing"
)

// importance's area-light branch (corners from dot products, one square
// root for the smallest cosine, squared distances) gives the bounds of the
// direct form (importanceRef, Cycles' area_light_tree_parameters as
// written: every corner's distance and cosine) to rounding, for rect and
// disk lights (a disk's bound uses its square's corners), points near and
// far, on both sides, opaque and two-sided.
func TestAreaImportanceMatchesDirectForm(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	unit := func() Vec3 {
		for {
			v := Vec3{rng.Float64()*2 - 1, rng.Float64()*2 - 1, rng.Float64()*2 - 1}
			if l := v.Len(); l > 0.1 && l <= 1 {
				return v.Scale(1 / l)
			}
		}
	}
	close := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*max(math.Abs(a), math.Abs(b))+1e-300 }
	for trial := 0; trial < 20000; trial++ {
		f := NewFrame(unit())
		m := Identity
		m[0] = [4]float64{f.X.X, f.X.Y, f.X.Z, 0}
		m[1] = [4]float64{f.Y.X, f.Y.Y, f.Y.Z, 0}
		m[2] = [4]float64{f.Z.X, f.Z.Y, f.Z.Z, 0}
		base := LightBase{ToWorld: m.Mul(Translate(unit().Scale(2 * rng.Float64()))), Color: Vec3{1, 1, 1}, Intensity: 1}
		var l Light = &RectLight{LightBase: base, Width: 0.05 + 3*rng.Float64(), Height: 0.05 + 3*rng.Float64()}
		if trial%3 == 0 {
			l = &DiskLight{LightBase: base, Radius: 0.05 + rng.Float64()}
		}
		l.prepare(nil)
		sel := newLightSelector([]Light{l, softSun(1, 0)}, 1, false)
		b := &sel.bounds[0]
		p := unit().Scale([]float64{0.01, 0.3, 3, 300}[trial%4] * rng.Float64())
		n := unit()
		two := trial%5 == 0
		M, mn, w, c := b.importance(p, n, two)
		RM, Rmn, Rw, Rc := b.importanceRef(p, n, two)
		if !close(M, RM) || !close(mn, Rmn) || !close(c, Rc) || !close(w.X, Rw.X) || !close(w.Y, Rw.Y) || !close(w.Z, Rw.Z) {
			t.Fatalf("trial %d %T p %v n %v: importance %v %v %v %v, direct form %v %v %v %v", trial, l, p, n, M, mn, w, c, RM, Rmn, Rw, Rc)
		}
	}
}

// importanceRef is importance as it was before its area branch was
// rewritten (2026-12-06), the reference of the test above.
func (b *lightBound) importanceRef(p, n Vec3, twoSided bool) (maxI, minI float64, w Vec3, cosC float64) {
	var cosU, sinU, dMin, dMax float64
	// The emitter's cone: axis·(−w) is cos θ; θo = 0 and θe = π/2 for
	// area, sphere and distant lights (the sphere's axis points at p, so
	// θ = 0), and the dome covers every direction.
	cosTheta := 1.0
	switch b.kind {
	case boundDome:
		return b.phi, 0, Vec3{}, 0 // θo = π, θe = 0: no lower bound
	case boundDistant:
		w, cosU, sinU, dMin, dMax = b.n, b.cosU, b.sinU, 1, b.dMaxD
	case boundSphere:
		d := b.c.Sub(p)
		dist := d.Len()
		if !(dist > b.r) {
			// Inside: Cycles takes the whole sphere of directions and
			// r/√2 as the distance.
			dd := max(b.r/math.Sqrt2, 1e-6)
			return b.phi / (dd * dd), 0, Vec3{}, 0
		}
		w = d.Scale(1 / dist)
		cosU = sinOf(b.r / dist)
		sinU = sinOf(cosU)
		dMin, dMax = dist, dist/max(cosU, 1e-12)
	case boundArea:
		d := b.c.Sub(p)
		if d.Dot(b.n) >= 0 {
			// Behind (or in) the plane of a one-sided planar emitter: no
			// point of it shines here.
			return 0, 0, Vec3{}, 0
		}
		if !twoSided && n.Dot(d)+math.Abs(n.Dot(b.eu))+math.Abs(n.Dot(b.ev)) <= 0 {
			return 0, 0, Vec3{}, 0 // wholly below the horizon
		}
		dist := d.Len()
		w = d.Scale(1 / dist)
		dMin, dMax, cosU = dist, dist, 1.0
		for k := range b.corners {
			q := b.corners[k].Sub(p)
			ql := q.Len()
			if ql > 0 {
				cosU = min(cosU, w.Dot(q)/ql)
			}
			dMax = max(dMax, ql)
		}
		cosTheta = -w.Dot(b.n)
		sinU = sinOf(cosU)
	}
	cosI := n.Dot(w)
	if twoSided {
		cosI = math.Abs(cosI)
	}
	sinI := sinOf(cosI)
	cosMinInc := 1.0 // cos(max(θi − θu, 0))
	if cosI < cosU {
		cosMinInc = cosI*cosU + sinI*sinU
	}
	if !twoSided && cosMinInc < 0 {
		return 0, 0, w, cosI
	}
	cosMaxInc := max(0, cosI*cosU-sinI*sinU) // cos(min(θi + θu, π))
	sinTheta := sinOf(cosTheta)
	cosTmU := cosTheta*cosU + sinTheta*sinU // cos(θ − θu)
	cosMinOut := 1.0
	if cosTheta < cosU {
		if !(cosTmU > 0) {
			return 0, 0, w, cosI // the emitter faces away (θ − θu ≥ θe)
		}
		cosMinOut = cosTmU
	}
	maxI = math.Abs(cosMinInc * b.phi * cosMinOut / (dMin * dMin))
	cosTpU := cosTheta*cosU - sinTheta*sinU // cos(θ + θu)
	if cosTheta >= 0 && cosU >= 0 && cosTpU >= 0 {
		minI = math.Abs(cosMaxInc * b.phi * cosTpU / (dMax * dMax))
	}
	return maxI, minI, w, cosI
}

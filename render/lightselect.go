package render

import (
	"math"
	"sort"
)

// lightSelector picks the light that next-event estimation samples, with
// a probability proportional to an estimate of each light's emitted power,
// as pbrt-v4's PowerLightSampler does (pbrt-v4 src/pbrt/lightsamplers.h,
// Light::Phi in lights.cpp): a light ten times brighter gets ten times the
// shadow rays, instead of the same share as a dim fill light.
//
// Infinite lights (dome, distant) are not weighed against the finite ones
// by power: their power grows with the scene's bounding radius (a large
// ground plane would give the sun nearly every shadow ray and starve a key
// light). As pbrt-v4's BVHLightSampler does, each infinite light counts
// as one candidate next to the group of all finite lights: with k
// infinite lights and some finite ones, the finite group gets 1/(k+1) and
// the infinite ones k/(k+1); within each group the choice is by power
// (infinite lights' powers share the same radius, so their ratio is
// meaningful).
//
// The estimator stays unbiased whatever the estimate, because a light
// whose estimated power is positive keeps a positive probability, and the
// MIS weights of BSDF-sampled hits use the same probabilities (pmf). A
// light whose estimate is zero has no emission (black colour or zero
// intensity), so it contributes nothing to NEE either. When every estimate
// is zero (or uniform selection is asked for) the choice is uniform.
//
// With 2 to maxLocalLights lights that all have a bound (every kind but
// the cylinder), the choice is made at each shading point instead, by an
// estimate of the light each one gives there (lightBound.importance and
// pmfAt: Cycles' light tree rule, the mean of the shares by an upper and a
// lower bound of each light's irradiance, times the BSDF towards the
// light). A sun low over a surface, or a key
// light behind it, then gets few shadow rays there, and the highlights
// and caustics of the one that matters get the rest. The MIS weight of an
// emitter hit by a BSDF sample uses the probability the choice had at the
// vertex the sample left (the integrator keeps it), so the estimate stays
// unbiased.
type lightSelector struct {
	pmf []float64 // probability of each light, in Scene.Lights order
	cdf []float64 // len(pmf)+1, cdf[0] = 0, last = 1
	// bounds, when set, make the choice depend on the shading point
	// (pmfAt); nil for uniform selection, many lights or lights without
	// a bound.
	bounds []lightBound
}

func newLightSelector(lights []Light, sceneRadius float64, uniform bool) *lightSelector {
	if !(sceneRadius > 0) || math.IsInf(sceneRadius, 1) {
		sceneRadius = 1 // no geometry: infinite lights still need a share
	}
	n := len(lights)
	ls := &lightSelector{pmf: make([]float64, n), cdf: make([]float64, n+1)}
	if n == 0 {
		return ls
	}
	ok := !uniform
	var totInf, totFin float64
	nInf := 0
	if ok {
		for i, l := range lights {
			p := lightPower(l, sceneRadius)
			if math.IsNaN(p) {
				// A light kind without an estimate: uniform for all
				// rather than starving it.
				ok = false
				break
			}
			if !(p > 0) || math.IsInf(p, 1) {
				p = 0
			}
			ls.pmf[i] = p
			if isInfinite(l) {
				totInf += p
				if p > 0 {
					nInf++
				}
			} else {
				totFin += p
			}
		}
	}
	if ok && (totInf > 0 || totFin > 0) && !math.IsInf(totInf+totFin, 1) {
		k := float64(nInf)
		if totFin > 0 {
			k++
		}
		for i, l := range lights {
			if isInfinite(l) {
				if totInf > 0 {
					ls.pmf[i] *= float64(nInf) / k / totInf
				}
			} else if totFin > 0 {
				ls.pmf[i] *= 1 / k / totFin
			}
		}
	} else {
		for i := range ls.pmf {
			ls.pmf[i] = 1 / float64(n)
		}
	}
	for i, p := range ls.pmf {
		ls.cdf[i+1] = ls.cdf[i] + p
	}
	ls.cdf[n] = 1
	if !uniform {
		ls.setupLocal(lights)
	}
	return ls
}

// sample picks a light for u in [0, 1) and returns its index and
// probability; -1 when there are no lights.
func (ls *lightSelector) sample(u float64) (int, float64) {
	n := len(ls.pmf)
	if n == 0 {
		return -1, 0
	}
	// The first i with cdf[i+1] > u; zero-probability lights have an empty
	// interval and are never chosen.
	i := sort.Search(n, func(k int) bool { return ls.cdf[k+1] > u })
	if i >= n {
		i = n - 1
		for i > 0 && ls.pmf[i] == 0 {
			i--
		}
	}
	return i, ls.pmf[i]
}

// isInfinite reports whether l lies at infinity (dome, distant light).
func isInfinite(l Light) bool {
	switch l.(type) {
	case *DomeLight, *DistantLight:
		return true
	}
	return false
}

// channelMean is the mean of the positive parts of the RGB channels: a
// power estimate that stays positive for any colour with some emission
// (a pure blue light has a tiny luminance but real energy).
func channelMean(c Vec3) float64 {
	return (max(0, c.X) + max(0, c.Y) + max(0, c.Z)) / 3
}

// lightPower estimates the power (flux) a light sends into the scene:
// radiance × area × π for one-sided area emitters, ×4π·π r² for spheres,
// 4π I for point lights; for infinite lights the flux through a disc of the
// scene's bounding radius, as pbrt-v4's Phi for distant and infinite lights.
func lightPower(l Light, r float64) float64 {
	disc := math.Pi * r * r
	switch l := l.(type) {
	case *RectLight:
		return channelMean(l.radiance) * l.area * math.Pi
	case *DiskLight:
		return channelMean(l.radiance) * l.area * math.Pi
	case *CylinderLight:
		return channelMean(l.radiance) * l.area * math.Pi
	case *SphereLight:
		if l.r <= 0 {
			return channelMean(l.radiance) * 4 * math.Pi
		}
		return channelMean(l.radiance) * 4 * math.Pi * l.r * l.r * math.Pi
	case *DistantLight:
		return channelMean(l.irr) * disc
	case *DomeLight:
		avg := 1.0
		if l.dist != nil && l.Texture != nil && l.Texture.W > 0 && l.Texture.H > 0 {
			// dist holds luminance·sinθ per texel; the mean of sinθ over
			// the rows is 2/π, so this is the solid-angle mean luminance.
			avg = l.dist.total / (float64(l.Texture.W*l.Texture.H) * 2 / math.Pi)
		}
		return channelMean(l.radiance) * avg * 4 * math.Pi * disc
	}
	return math.NaN()
}

// maxLocalLights bounds the scenes whose lights are weighed at every
// shading point (two loops over the lights per vertex); with more lights
// the global power choice stays.
const maxLocalLights = 8

// lightBound is what the per-point importance needs of one light, in the
// terms of Cycles' light tree emitters (scene/light_tree.cpp
// LightTreeEmitter: energy, bounding cone axis, theta_e).
type lightBound struct {
	kind   int     // boundDistant, boundArea, boundSphere, boundDome
	phi    float64 // irradiance (distant), radiance·π (dome), radiance·area (area), radiance·π r² or intensity (sphere, point)
	c, n   Vec3    // centre; emission normal (area) or direction to the light (distant)
	eu, ev Vec3    // area: half extents (the corners are c ± eu ± ev)
	r      float64 // sphere radius
	cosU   float64 // distant: cosine of the half angle
	// Precomputed once per scene (setupLocal), so that importance does
	// not redo them at every shading point: the distant light's sin θu
	// and farthest distance, the area light's corners c ± eu ± ev (in
	// importance's corner order, summed as it summed them).
	sinU, dMaxD float64
	corners     [4]Vec3
	e2, euev    float64 // area: |eu|² + |ev|², eu·ev
}

const (
	boundDistant = iota
	boundArea
	boundSphere
	boundDome
)

// setupLocal prepares the per-point choice when every light has a bound
// and there are few of them.
func (ls *lightSelector) setupLocal(lights []Light) {
	if len(lights) < 2 || len(lights) > maxLocalLights {
		return
	}
	b := make([]lightBound, len(lights))
	for i, l := range lights {
		switch l := l.(type) {
		case *DistantLight:
			b[i] = lightBound{kind: boundDistant, phi: channelMean(l.irr), n: l.toLight, cosU: min(1, max(-1, l.cosMax))}
		case *RectLight:
			b[i] = lightBound{kind: boundArea, phi: channelMean(l.radiance) * l.area, c: l.center, n: l.n, eu: l.ex.Scale(0.5), ev: l.ey.Scale(0.5)}
		case *DiskLight:
			b[i] = lightBound{kind: boundArea, phi: channelMean(l.radiance) * l.area, c: l.center, n: l.n, eu: l.ax, ev: l.ay}
		case *SphereLight:
			phi := channelMean(l.radiance) * math.Pi * l.r * l.r
			if l.r <= 0 {
				phi = channelMean(l.radiance)
			}
			b[i] = lightBound{kind: boundSphere, phi: phi, c: l.center, r: max(0, l.r)}
		case *DomeLight:
			// Irradiance of a hemisphere of its mean radiance (Cycles:
			// average radiance × π).
			avg := 1.0
			if l.dist != nil && l.Texture != nil && l.Texture.W > 0 && l.Texture.H > 0 {
				avg = l.dist.total / (float64(l.Texture.W*l.Texture.H) * 2 / math.Pi)
			}
			b[i] = lightBound{kind: boundDome, phi: channelMean(l.radiance) * avg * math.Pi}
		default:
			return // cylinder lights: no bound, global choice for all
		}
		if !(b[i].phi >= 0) || math.IsInf(b[i].phi, 1) {
			return
		}
		b[i].sinU = sinOf(b[i].cosU)
		b[i].dMaxD = 1 / max(b[i].cosU, 1e-12)
		b[i].e2, b[i].euev = b[i].eu.Dot(b[i].eu)+b[i].ev.Dot(b[i].ev), b[i].eu.Dot(b[i].ev)
		for k := range b[i].corners {
			b[i].corners[k] = b[i].c.AddScaled(b[i].eu, float64(k&1)*2-1).AddScaled(b[i].ev, float64(k&2)-1)
		}
	}
	ls.bounds = b
}

// sinOf is sin θ for cos θ, θ in [0, π].
func sinOf(c float64) float64 { return math.Sqrt(max(0, 1-c*c)) }

// importance returns the largest and smallest irradiance the light may
// give at p with unit normal n (both hemispheres when twoSided), as Cycles'
// light tree estimates them (kernel/light/tree.h light_tree_importance,
// with the emitter parameters of area.h area_light_tree_parameters,
// sun.h, point.h and background.h): the angle at the receiver and the
// angle at the emitter widened (max) or narrowed (min) by θu, the half
// angle the light subtends (for an area light: the largest angle between
// its centre and a corner), energy over the squared distance to the
// centre (max) or to the farthest corner (min). Zero for a one-sided
// emitter whose plane p is behind (exact) and for a light wholly below the
// horizon of an opaque surface. It also returns the direction to the
// light's centre (zero for the dome and from inside a sphere light) and
// the receiver cosine there.
func (b *lightBound) importance(p, n Vec3, twoSided bool) (maxI, minI float64, w Vec3, cosC float64) {
	var cosU, sinU, dMin2, dMax2 float64
	// The emitter's cone: axis·(−w) is cos θ; θo = 0 and θe = π/2 for
	// area, sphere and distant lights (the sphere's axis points at p, so
	// θ = 0), and the dome covers every direction.
	cosTheta := 1.0
	switch b.kind {
	case boundDome:
		return b.phi, 0, Vec3{}, 0 // θo = π, θe = 0: no lower bound
	case boundDistant:
		w, cosU, sinU, dMin2, dMax2 = b.n, b.cosU, b.sinU, 1, b.dMaxD*b.dMaxD
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
		dMax := dist / max(cosU, 1e-12)
		dMin2, dMax2 = dist*dist, dMax*dMax
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
		// The corners q = d ± eu ± ev, from d·d, d·eu, d·ev and the light's
		// |eu|² + |ev|² and eu·ev (setupLocal): w·q = |d| ± w·eu ± w·ev,
		// |q|² = d·d + |eu|² + |ev|² ± 2d·eu ± 2d·ev ± 2eu·ev. The smallest
		// cosine w·q/|q| is found by comparing cos·|cos| = t|t|/|q|²
		// cross-multiplied, so only its corner takes a square root, and
		// the farthest distance is only needed squared: two square roots
		// and two divisions instead of five and four (the same bound to
		// rounding; |q|² loses precision only within ~1e-8 of a corner's
		// size from it, where cos θu is clamped).
		d2 := d.Dot(d)
		dist := math.Sqrt(d2)
		inv := 1 / dist
		w = d.Scale(inv)
		deu, dev := d.Dot(b.eu), d.Dot(b.ev)
		s0 := d2 + b.e2
		dMin2, dMax2 = d2, d2
		bt, bs := 1.0, 1.0 // the smallest cosine's w·q and |q|² (cos 1 to start)
		a, c := deu+dev, deu-dev
		ta, tc, x2 := a*inv, c*inv, 2*b.euev
		bt, bs, dMax2 = cornerMin(dist-ta, s0-2*a+x2, bt, bs, dMax2) // c − eu − ev
		bt, bs, dMax2 = cornerMin(dist+tc, s0+2*c-x2, bt, bs, dMax2) // c + eu − ev
		bt, bs, dMax2 = cornerMin(dist-tc, s0-2*c-x2, bt, bs, dMax2) // c − eu + ev
		bt, bs, dMax2 = cornerMin(dist+ta, s0+2*a+x2, bt, bs, dMax2) // c + eu + ev
		cosU = max(-1, min(1, bt/math.Sqrt(bs)))
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
	maxI = math.Abs(cosMinInc * b.phi * cosMinOut / dMin2)
	cosTpU := cosTheta*cosU - sinTheta*sinU // cos(θ + θu)
	if cosTheta >= 0 && cosU >= 0 && cosTpU >= 0 {
		minI = math.Abs(cosMaxInc * b.phi * cosTpU / dMax2)
	}
	return maxI, minI, w, cosI
}

// cornerMin keeps the corner of smaller cosine t/√sq (t, sq against the
// best bt, bs so far: cos·|cos| compared cross-multiplied) and the largest
// squared distance; corners at p (sq ≤ 0) count for neither.
func cornerMin(t, sq, bt, bs, dMax2 float64) (float64, float64, float64) {
	if !(sq > 0) {
		return bt, bs, dMax2
	}
	if t*math.Abs(t)*bs < bt*math.Abs(bt)*sq {
		bt, bs = t, sq
	}
	return bt, bs, max(dMax2, sq)
}

// local reports whether the choice depends on the shading point.
func (ls *lightSelector) local() bool { return ls.bounds != nil }

// pmfAt fills buf (len(pmf)) with the probabilities of choosing each light
// at p with normal n, seen from wo through the BSDF bs, by Cycles' light
// tree rule for the emitters of one leaf (kernel/light/tree.h
// light_tree_cluster_select_emitter and light_tree_pdf): the mean of the
// shares by the upper and by the lower importance bound (importance),
// or of the upper-bound share and a uniform choice among the lights with
// a positive upper bound when every lower bound is zero. A light gets
// probability 0 only when its upper bound is 0, i.e. it cannot reach p.
//
// Both bounds are multiplied by how much more the BSDF gives towards the
// light's centre than a diffuse-like lobe (kd plus a tenth of the other
// weights, over π), never less than 1; this goes beyond Cycles' tree
// (its f_a is 1): at a gold sphere whose mirror direction meets the sun,
// the sun gets nearly every shadow ray even where the key light gives
// more irradiance, and the caustics that path feeds are no longer the
// fireflies of an even choice. A light the centre direction misses keeps
// the diffuse-like weight. Unbiased whatever the weights, as the MIS
// weights of BSDF-sampled emitter hits read these same probabilities.
func (ls *lightSelector) pmfAt(p, n Vec3, twoSided bool, bs *bsdf, wo Vec3, buf []float64) {
	k0 := (channelMean(bs.kd) + 0.1*(channelMean(bs.ks)+bs.kc+bs.kt)) * (1 / math.Pi)
	// The BSDF weight: with no dielectric lobe (twoSided is b.kt > 0) the
	// cheap estimate of glossyWeight (no frame change, no division but
	// where the weight passes 1); a transmissive BSDF is evaluated exactly.
	var gw glossyWeight
	var woL Vec3
	exact := bs.kt > 0
	if exact {
		woL = bs.frame.ToLocal(wo) // once for all lights (bsdf.eval would redo it per light)
	} else {
		gw = bs.glossyWeight()
	}
	// One pass: the bounds, weighted into buf and mins. When only one
	// light can reach p, it is chosen with probability 1 whatever the
	// BSDF weight (0.5·(M/M + m/m) or 0.5·(M/M + 1/1) below, exactly 1):
	// the unweighted bounds decide that, as they did before the weight
	// (were M·r to overflow to +Inf the general rule would fall back to
	// the global choice).
	var mins [maxLocalLights]float64 // at most maxLocalLights lights are local
	var sumMax, sumMin, lastMax, lastMin float64
	nPos, last, othersZero := 0, -1, true
	for i := range ls.bounds {
		maxI, minI, w, cosC := ls.bounds[i].importance(p, n, twoSided)
		if maxI > 0 {
			nPos++
			last, lastMax, lastMin = i, maxI, minI
			if cosC > 0 && !w.IsBlack() && k0*cosC > 0 {
				r := 0.0
				if exact {
					fc, _ := bs.evalWoLocal(woL, w)
					r = channelMean(fc) / (k0 * cosC)
				} else if num, den := gw.at(cosC, wo.Dot(w)); num > k0*cosC*den {
					r = num / (k0 * cosC * den) // only past the diffuse-like level
				}
				if r > 1 && !math.IsInf(r, 1) {
					maxI *= r
					minI *= r
				}
			}
		} else if maxI != 0 || minI != 0 {
			othersZero = false // NaN or a lower bound without an upper one: the general rule decides
		}
		buf[i], mins[i] = maxI, minI
		sumMax += maxI
		sumMin += minI
	}
	if nPos == 1 && othersZero && !math.IsInf(lastMax, 1) && lastMin >= 0 && !math.IsInf(lastMin, 1) {
		clear(buf)
		buf[last] = 1
		return
	}
	if !(sumMax > 0) || math.IsInf(sumMax, 1) || math.IsInf(sumMin, 1) {
		copy(buf, ls.pmf)
		return
	}
	// Halves of the shares, by reciprocals (two divisions, not two a light).
	hMax, hMin, hq := 0.5/sumMax, 0.0, 0.5/float64(nPos)
	if sumMin > 0 {
		hMin, hq = 0.5/sumMin, 0
	}
	for i := range buf {
		if buf[i] <= 0 {
			buf[i] = 0
			continue
		}
		q := hq
		if hMin > 0 {
			q = mins[i] * hMin
		}
		buf[i] = buf[i]*hMax + q
	}
}

// sampleFrom picks a light for u in [0, 1) from the probabilities pmf
// (as pmfAt fills them); -1 when there are no lights.
func sampleFrom(pmf []float64, u float64) (int, float64) {
	last := -1
	for i, p := range pmf {
		if p <= 0 {
			continue
		}
		if u < p {
			return i, p
		}
		u -= p
		last = i
	}
	if last < 0 {
		return -1, 0
	}
	return last, pmf[last] // rounding left u at the end
}

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
// estimate of the light each one gives there (lightBound.importance, after
// Cycles' light tree importance: distance, and the cosines at the receiver
// and at the emitter widened by the light's angular size; times the BSDF
// towards the light, see pmfAt), mixed with localFloor of the global
// choice. A sun low over a surface, or a key
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

// localFloor is the share of the global (power) choice mixed into the
// per-point one: no light that might still reach the point gets a zero
// probability from a bound that was too tight.
const localFloor = 0.1

// lightBound is what the per-point importance needs of one light.
type lightBound struct {
	kind   int     // boundDistant, boundArea, boundSphere, boundDome
	phi    float64 // irradiance (distant, dome), radiance·area (area), radiance·π r² or intensity (sphere, point)
	c, n   Vec3    // centre; emission normal (area) or direction to the light (distant)
	r      float64 // bounding radius (area, sphere)
	sinMax float64 // distant: sine of the half angle
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
			b[i] = lightBound{kind: boundDistant, phi: channelMean(l.irr), n: l.toLight, sinMax: math.Sqrt(max(0, 1-l.cosMax*l.cosMax))}
		case *RectLight:
			c := l.corner.AddScaled(l.ex, 0.5).AddScaled(l.ey, 0.5)
			b[i] = lightBound{kind: boundArea, phi: channelMean(l.radiance) * l.area, c: c, n: l.n, r: l.ex.Add(l.ey).Len() / 2}
		case *DiskLight:
			r := max(l.ax.Len(), l.ay.Len())
			b[i] = lightBound{kind: boundArea, phi: channelMean(l.radiance) * l.area, c: l.center, n: l.n, r: r}
		case *SphereLight:
			phi := channelMean(l.radiance) * math.Pi * l.r * l.r
			if l.r <= 0 {
				phi = channelMean(l.radiance)
			}
			b[i] = lightBound{kind: boundSphere, phi: phi, c: l.center, r: l.r}
		case *DomeLight:
			// Irradiance of a hemisphere of its mean radiance.
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
	}
	ls.bounds = b
}

// cosBound is an upper bound of cos of the angle between unit vectors
// whose central angle has cosine c, when either may turn by an angle of
// sine s (cos(max(0, θ − θs))).
func cosBound(c, s float64) float64 {
	if s >= 1 {
		return 1
	}
	cs := math.Sqrt(1 - s*s)
	if c >= cs {
		return 1 // within the widening
	}
	// cos(θ − θs) = cosθ cosθs + sinθ sinθs
	return c*cs + math.Sqrt(max(0, 1-c*c))*s
}

// importance estimates the irradiance the light gives at p with unit
// normal n (both hemispheres when twoSided), from bounds that never
// underestimate the cosines, in the spirit of Cycles' light tree
// (kernel/light/tree.h, light_tree_node_importance): the angles to the
// light's centre are widened by the angle its bounding sphere subtends.
func (b *lightBound) importance(p, n Vec3, twoSided bool) float64 {
	geom, cr, _ := b.importanceParts(p, n, twoSided)
	return geom * cr
}

// importanceParts splits importance into the light's geometric term
// (power over squared distance, emitter cosine bound), the receiver
// cosine bound and the direction to the light's centre (zero for the dome
// and from inside the bounding sphere).
func (b *lightBound) importanceParts(p, n Vec3, twoSided bool) (geom, cr float64, w Vec3) {
	switch b.kind {
	case boundDome:
		return b.phi, 1, Vec3{}
	case boundDistant:
		c := n.Dot(b.n)
		if twoSided {
			c = math.Abs(c)
		}
		return b.phi, max(0, cosBound(c, b.sinMax)), b.n
	}
	d := b.c.Sub(p)
	if b.kind == boundArea && d.Dot(b.n) >= 0 {
		// Behind (or in) the plane of a one-sided planar emitter: no
		// point of it shines here (RectLight and DiskLight hit and
		// sampleLi), wherever p is against its bounding sphere.
		return 0, 0, Vec3{}
	}
	d2 := d.Dot(d)
	r2 := b.r * b.r
	if d2 <= r2 {
		return b.phi / max(r2, 1e-12), 1, Vec3{} // inside the bounding sphere
	}
	dist := math.Sqrt(d2)
	w = d.Scale(1 / dist)
	s := b.r / dist // sine of the subtended half angle
	c := n.Dot(w)
	if twoSided {
		c = math.Abs(c)
	}
	cr = max(0, cosBound(c, s))
	ce := 1.0
	if b.kind == boundArea {
		ce = max(0, cosBound(-w.Dot(b.n), s))
	}
	return b.phi * ce / (d2 - r2), cr, w
}

// local reports whether the choice depends on the shading point.
func (ls *lightSelector) local() bool { return ls.bounds != nil }

// pmfAt fills buf (len(pmf)) with the probabilities of choosing each light
// at p with normal n, seen from wo through the BSDF bs: each light's
// importance is its geometric term times the larger of a diffuse-like
// bound (the receiver cosine bound times the diffuse weight plus a tenth
// of the others, over π) and the BSDF's f·cos towards the light's centre,
// normalised and mixed with localFloor of the global pmf. The BSDF factor
// goes beyond Cycles' light tree (which knows only the normal): at a gold
// sphere whose mirror direction meets the sun, the sun gets nearly every
// shadow ray even where the key light gives more irradiance, and the
// caustics that path feeds are no longer the fireflies of a 50/50 choice.
// A light the centre direction misses keeps the diffuse-like bound and the
// floor, so no light that reaches the point gets a zero probability.
func (ls *lightSelector) pmfAt(p, n Vec3, twoSided bool, bs *bsdf, wo Vec3, buf []float64) {
	k0 := (channelMean(bs.kd) + 0.1*(channelMean(bs.ks)+bs.kc+bs.kt)) / math.Pi
	sum, floor := 0.0, 0.0
	for i := range ls.bounds {
		geom, cr, w := ls.bounds[i].importanceParts(p, n, twoSided)
		f := cr * k0
		if cr > 0 && !w.IsBlack() {
			fc, _ := bs.eval(wo, w)
			f = max(f, channelMean(fc))
		}
		buf[i] = geom * f
		sum += buf[i]
		if buf[i] > 0 {
			floor += ls.pmf[i]
		}
	}
	if !(sum > 0) || math.IsInf(sum, 1) || !(floor > 0) {
		copy(buf, ls.pmf)
		return
	}
	// The floor goes only to the lights whose bound leaves them some
	// light here: a zero bound is a proof (the point is behind the
	// one-sided emitter, or the whole light is below the horizon of an
	// opaque BSDF; the cosine bounds are conservative), as Cycles' light
	// tree gives such a light no importance. Elsewhere the floor's shadow
	// rays would return nothing and the lights that do shine would be
	// weighted by 1/(1 − floor) on the others: a Bernoulli noise of
	// relative variance floor/(1 − floor) per sample on surfaces one light
	// reaches. Unbiased either way, as the MIS weights of BSDF-sampled
	// emitter hits read these same probabilities.
	for i, g := range ls.pmf {
		if buf[i] > 0 {
			buf[i] = (1-localFloor)*buf[i]/sum + localFloor*g/floor
		}
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

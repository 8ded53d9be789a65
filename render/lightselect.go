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
type lightSelector struct {
	pmf []float64 // probability of each light, in Scene.Lights order
	cdf []float64 // len(pmf)+1, cdf[0] = 0, last = 1
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
	return (math.Max(0, c.X) + math.Max(0, c.Y) + math.Max(0, c.Z)) / 3
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

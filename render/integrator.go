package render

import "math"

// tracer traces paths for one worker goroutine; it owns its sampler and
// counters so that the hot loop allocates nothing and shares nothing.
type tracer struct {
	s          *Scene
	cam        cameraSetup
	maxBounces int
	seed       uint32
	smp        Sampler
	rays       int64
	nInf       []Light     // lights seen by escaping rays
	nInfIdx    []int       // their indices in Scene.Lights
	fin        []Light     // lights a ray can hit (all but distant and dome lights)
	finIdx     []int       // their indices in Scene.Lights
	mats       []matConsts // per Scene.Materials
	sel        *lightSelector
	selPmf     []float64      // light choice at the current vertex (local selection)
	filter     *filterSampler // nil: box filter
	// filterGlossy is Settings.FilterGlossy (0: off).
	filterGlossy float64
	// aov receives the AOVs of the current sample; nil when the film
	// has none.
	aov            *aovSample
	camPos, camFwd Vec3 // for the depth AOV

	// Per-path scratch kept here, not on the stack: pointers to them go
	// through interface calls (textures, lights), which would make stack
	// variables escape and allocate once per path.
	si       SurfaceInteraction
	shadowSi SurfaceInteraction
	// b is the BSDF of the current vertex, here so that a path does not
	// clear a new one (setup writes every field a lobe in use reads).
	b  bsdf
	ls lightSample
}

func newTracer(s *Scene, cam cameraSetup, maxBounces int, seed uint32, sel *lightSelector) *tracer {
	t := &tracer{s: s, cam: cam, maxBounces: maxBounces, seed: seed, sel: sel}
	if cam.c != nil {
		t.camPos = cam.c.ToWorld.Point(Vec3{})
		t.camFwd = cam.c.ToWorld.Dir(Vec3{0, 0, -1}).Norm()
	}
	for i, l := range s.Lights {
		switch l.(type) {
		case *DomeLight, *DistantLight:
			t.nInf = append(t.nInf, l)
			t.nInfIdx = append(t.nInfIdx, i)
		default:
			t.fin = append(t.fin, l)
			t.finIdx = append(t.finIdx, i)
		}
	}
	t.mats = make([]matConsts, len(s.Materials))
	for i, m := range s.Materials {
		t.mats[i] = newMatConsts(m)
	}
	t.selPmf = make([]float64, len(s.Lights))
	return t
}

// maxPassThrough bounds how many transparent surfaces a path may cross.
const maxPassThrough = 64

// sample traces sample index of pixel (x, y) and returns its radiance.
func (t *tracer) sample(x, y, index int) Vec3 {
	sm := &t.smp
	sm.Start(t.seed, x, y, index)
	if t.aov != nil {
		*t.aov = aovSample{}
	}
	jx, jy := sm.Get2D()
	lu, lv := sm.Get2D()
	px, py := float64(x)+jx, float64(y)+jy
	if f := t.filter; f != nil {
		px, py = float64(x)+0.5+f.offset(jx), float64(y)+0.5+f.offset(jy)
	}
	ray, tMin, tMax := t.cam.generate(px, py, lu, lv)
	if tMin > 0 {
		ray.O = ray.At(tMin)
		tMax -= tMin
	}
	return t.li(ray, tMax)
}

// glossyFilterAlpha is the smallest GGX α of the microfacet lobes at a
// vertex under Filter Glossy fg > 0, after bounces whose smallest BSDF
// sampling density was minPdf: Cycles' surface_shader_prepare_closures
// (kernel/integrator/surface_shader.h), blur_pdf = minPdf/fg and, when
// it is below 1, α ≥ ½·√(1 − blur_pdf); 0 (no blur) for camera rays
// (minPdf = +Inf), when fg is 0, and after sharp bounces (blur_pdf ≥ 1).
// Cycles keeps min_ray_pdf in path_state (shade_surface.h: the minimum of
// the unguided BSDF pdfs of the path's bounces; transparent pass-through
// does not count).
func glossyFilterAlpha(minPdf, fg float64) float64 {
	if !(fg > 0) {
		return 0
	}
	bp := minPdf / fg
	if !(bp < 1) {
		return 0
	}
	return 0.5 * math.Sqrt(1-max(bp, 0))
}

func powerHeuristic(a, b float64) float64 {
	a2 := a * a
	return a2 / (a2 + b*b)
}

// li is unidirectional path tracing with next-event estimation and MIS
// (power heuristic) between light and BSDF sampling. Depth counts
// scattering events as Cycles does: with maxBounces = 0 only direct light
// is computed (NEE plus emitters hit by the BSDF sample).
func (t *tracer) li(ray Ray, tMax float64) Vec3 {
	s := t.s
	sm := &t.smp
	sel := t.sel
	a := t.aov
	diffRatio := 0.0 // the first scattering's diffuse share (AOVs)
	var L Vec3
	beta := Vec3{1, 1, 1}
	si := &t.si
	b := &t.b
	var h Hit
	prevPdf := 0.0
	// pmf is the light choice at the last scattering vertex, which the MIS
	// weight of an emitter hit by its BSDF sample needs.
	pmf := sel.pmf
	specular := true      // camera rays count as "no MIS"
	minPdf := math.Inf(1) // smallest BSDF pdf of the path's bounces (Filter Glossy)
	passes := 0
	for depth := 0; ; {
		t.rays++
		hit := s.Intersect(ray, tMax, &h)
		tHit := tMax
		if hit {
			tHit = h.T
		}
		// Finite emitters in front of the geometry.
		lightHit := false
		// (Distant and dome lights are never hit: their hit is false.)
		for j, l := range t.fin {
			if depth == 0 && specular && !l.cameraVisible() {
				continue
			}
			lt, le, lpdf, ok := l.hit(ray, tHit)
			if !ok {
				continue
			}
			tHit = lt
			lightHit = true
			w := 1.0
			if !specular {
				w = powerHeuristic(prevPdf, lpdf*pmf[t.finIdx[j]])
			}
			c := beta.Mul(le).Scale(w)
			L = L.Add(c)
			if a != nil {
				a.addLight(c, depth, diffRatio)
			}
		}
		if lightHit && depth == 0 && a != nil && !a.hit {
			a.hit = true
			a.depth = ray.At(tHit).Sub(t.camPos).Dot(t.camFwd)
		}
		if lightHit {
			break
		}
		if !hit {
			for i, l := range t.nInf {
				if depth == 0 && specular && !l.cameraVisible() {
					continue
				}
				le, lpdf := l.escaped(ray.D)
				if le.IsBlack() {
					continue
				}
				w := 1.0
				if !specular {
					w = powerHeuristic(prevPdf, lpdf*pmf[t.nInfIdx[i]])
				}
				c := beta.Mul(le).Scale(w)
				L = L.Add(c)
				if a != nil {
					a.addLight(c, depth, diffRatio)
				}
			}
			break
		}
		s.Interaction(ray, &h, si)
		m := si.Mat
		mc := &t.mats[si.matID]
		op := mc.op
		if mc.opTex {
			op = m.opacityAt(si)
		}
		if op < 1 {
			if passes < maxPassThrough && sm.Get1D() >= op {
				// Pass straight through a cut-out or partly transparent
				// surface; this is not a bounce.
				passes++
				ray.O = offsetRay(si.P, si.Ng, ray.D)
				tMax -= h.T
				continue
			}
		}
		em := mc.em
		if mc.emTex {
			em = m.EmissiveColor.Eval(si)
		}
		if !em.IsBlack() {
			c := beta.Mul(em)
			L = L.Add(c)
			if a != nil {
				a.addLight(c, depth, diffRatio)
			}
		}
		if depth > t.maxBounces {
			break
		}
		wo := ray.D.Neg()
		if minA := glossyFilterAlpha(minPdf, t.filterGlossy); mc.constLobes {
			b.setupConst(&mc.lobes, m, si, wo, minA)
		} else {
			b.setupBlurred(m, si, wo, minA)
		}
		if depth == 0 && a != nil && !a.hit {
			a.hit = true
			a.depth = si.P.Sub(t.camPos).Dot(t.camFwd)
			a.normal = si.Ns
			a.albedo = b.albedo()
		}
		if b.isBlack() {
			break
		}
		// Next-event estimation: one light chosen by power, or by its
		// estimated contribution here when the scene has few lights. (The
		// choice and the point on the light as one jointly stratified
		// triple, Sampler.Get3D, as Cycles' PRNG_LIGHT, was measured: see
		// docs/bench/README.txt, 2026-12-05 23:00.)
		ul := sm.Get1D()
		u1, u2 := sm.Get2D()
		var li int
		var pSel float64
		if sel.local() {
			sel.pmfAt(si.P, b.frame.Z, b.kt > 0, b, wo, t.selPmf)
			pmf = t.selPmf
			li, pSel = sampleFrom(pmf, ul)
		} else {
			li, pSel = sel.sample(ul)
		}
		if li >= 0 && pSel > 0 {
			ls := &t.ls
			if s.Lights[li].sampleLi(si.P, u1, u2, ls) && ls.pdf > 0 && !ls.li.IsBlack() {
				f, bpdf := b.evalWoLocal(b.wo, ls.wi)
				if !f.IsBlack() {
					o := offsetRay(si.P, si.Ng, ls.wi)
					dist := ls.dist
					if !math.IsInf(dist, 1) {
						dist *= 1 - 1e-6
					}
					if tr := t.transmittance(Ray{O: o, D: ls.wi}, dist); tr > 0 {
						lpdf := ls.pdf * pSel
						w := 1.0
						if !ls.delta {
							w = powerHeuristic(lpdf, bpdf)
						}
						c := beta.Mul(f).Mul(ls.li).Scale(tr * w / lpdf)
						L = L.Add(c)
						if a != nil {
							r := diffRatio
							if depth == 0 {
								r = b.diffuseShare(ls.wi, f)
							}
							a.addLight(c, depth+1, r)
						}
					}
				}
			}
		}
		// BSDF sampling continues the path.
		u0 := sm.Get1D()
		v1, v2 := sm.Get2D()
		wi, f, pdf, ok := b.sampleWo(b.wo, u0, v1, v2)
		if !ok {
			break
		}
		if depth == 0 && a != nil {
			diffRatio = b.diffuseShare(wi, f)
		}
		beta = beta.Mul(f).Scale(1 / pdf)
		prevPdf = pdf
		minPdf = min(minPdf, pdf)
		specular = false
		depth++
		if p := continuationProbability(depth, beta); p < 1 {
			if p <= 0 || sm.Get1D() >= p {
				break
			}
			beta = beta.Scale(1 / p)
		}
		ray = Ray{O: offsetRay(si.P, si.Ng, wi), D: wi}
		tMax = math.Inf(1)
	}
	return L
}

// rouletteMinBounce is the first bounce whose ray Russian roulette may
// end: Cycles' kintegrator->min_bounce = min_bounce + 1 (scene/
// integrator.cpp; Blender's Min Light Bounces defaults to 0) and
// path_state_continuation_probability's "bounce <= min_bounce: 1".
const rouletteMinBounce = 2

// continuationProbability is the probability that a path continues after
// its depth-th bounce with throughput beta, as Cycles'
// path_state_continuation_probability (kernel/integrator/path_state.h):
// 1 for the first rouletteMinBounce-1 bounces, then sqrt(max(throughput))
// capped at 1. Dim paths end early, bright ones are never cut, and the
// estimate stays unbiased (a survivor is weighted 1/p). The square root
// cuts less than max(throughput) itself, and no cut after the first
// bounce keeps the caustics seen from a diffuse surface (ground → glossy
// sphere → sun: the fireflies of the spheres bench scene) from being
// weighted 1/p ≈ 1.4 a second time: on that scene the variance per sample
// falls by 10% (without the 0.1% worst pixels) to 30% (in full) for no
// measurable CPU time (rays off the ground mostly leave the scene).
func continuationProbability(depth int, beta Vec3) float64 {
	if depth < rouletteMinBounce {
		return 1
	}
	return min(math.Sqrt(max(beta.MaxComp(), 0)), 1)
}

// transmittance is the fraction of light that gets along a shadow ray
// over dist: 0 or 1 when every material is opaque; otherwise the product
// of (1 − opacity) over the surfaces it crosses, the expectation of the
// stochastic pass-through that camera and bounce rays make, so that a
// cut-out leaf or a half-transparent pane does not cast a full shadow.
func (t *tracer) transmittance(r Ray, dist float64) float64 {
	s := t.s
	t.rays++
	if !s.seeThrough {
		if s.Occluded(r, dist) {
			return 0
		}
		return 1
	}
	tr := 1.0
	var h Hit
	for range maxPassThrough {
		if !s.Intersect(r, dist, &h) {
			return tr
		}
		si := &t.shadowSi
		s.Interaction(r, &h, si)
		tr *= 1 - si.Mat.opacityAt(si)
		if tr <= 0 {
			return 0
		}
		t.rays++
		r.O = offsetRay(si.P, si.Ng, r.D)
		dist -= h.T
	}
	return 0
}

// offsetRay moves a ray origin off the surface along the geometric normal
// to the side of d, far enough to escape self-intersection.
func offsetRay(p, ng, d Vec3) Vec3 {
	eps := 1e-7 * (1 + max(math.Abs(p.X), max(math.Abs(p.Y), math.Abs(p.Z))))
	eps = max(eps, 1e-6)
	if ng.Dot(d) < 0 {
		eps = -eps
	}
	return p.AddScaled(ng, eps)
}

package render

import "math"

// bsdf is a UsdPreviewSurface BSDF at one point, in its shading frame.
// All methods take and return directions in the local frame (Z = normal)
// and return f·|cos θi| so callers never multiply the cosine themselves.
// The frame is turned to the side wo is on, so wo.Z > 0 always; a
// transmitted direction has wi.Z < 0.
type bsdf struct {
	frame          Frame
	ng             Vec3    // geometric normal in world space, facing wo
	kd             Vec3    // weight of the Lambert lobe
	ks             Vec3    // weight of the base GGX lobe
	kc             float64 // weight of the clearcoat lobe
	kt             float64 // weight of the dielectric (transmission) lobe
	eta            float64 // relative index of refraction across the surface seen from wo
	alpha          float64 // GGX α of the base lobe (and of the dielectric lobe)
	alphaC         float64 // GGX α of the clearcoat lobe
	pd, ps, pc, pt float64 // lobe selection probabilities
}

// minAlpha keeps GGX finite; α = 1e-3 is a mirror for all practical uses.
const minAlpha = 1e-3

// setup fills b for the material at si seen from world direction woW.
func (b *bsdf) setup(m *Material, si *SurfaceInteraction, woW Vec3) {
	ns, ng := si.Ns, si.Ng
	// The authored normal points outside: a ray arriving against it enters
	// the material, one arriving along it leaves.
	entering := ng.Dot(woW) >= 0
	if !entering {
		// Double sided: shade the side the ray came from.
		ng, ns = ng.Neg(), ns.Neg()
	}
	b.ng = ng
	b.frame = NewFrame(ns)
	cosO := math.Abs(ns.Dot(woW))

	albedo := m.DiffuseColor.Eval(si)
	if m.UseDisplayColor && si.Color.X >= 0 {
		albedo = si.Color
	}
	r := clamp01(m.Roughness.Eval(si))
	metal := clamp01(m.Metallic.Eval(si))
	b.alpha = math.Max(r*r, minAlpha)

	var fSpec Vec3
	if m.UseSpecularWorkflow {
		f0 := m.SpecularColor.Eval(si)
		w := math.Pow(1-cosO, 5)
		fSpec = f0.Scale(1 - w).Add(Vec3{w, w, w})
		metal = 0
	} else {
		f := fresnelDielectric(cosO, m.IOR)
		fSpec = Vec3{f, f, f}
	}
	one := Vec3{1, 1, 1}
	b.kd = albedo.Mul(one.Sub(fSpec)).Scale(1 - metal)
	b.ks = fSpec.Scale(1 - metal).Add(albedo.Scale(metal))

	cc := clamp01(m.Clearcoat.Eval(si))
	b.kc = 0
	if cc > 0 {
		fc := cc * fresnelDielectric(cosO, 1.5)
		b.kc = fc
		b.kd = b.kd.Scale(1 - fc)
		b.ks = b.ks.Scale(1 - fc)
		ar := clamp01(m.ClearcoatRoughness.Eval(si))
		b.alphaC = math.Max(ar*ar, minAlpha)
	}
	// Transmission: the opaque BSDF weighted by opacity plus a dielectric
	// weighted by 1 − opacity (see Material).
	b.kt = 0
	if m.transmissive() {
		op := clamp01(m.Opacity.Eval(si))
		b.kt = 1 - op
		b.kd, b.ks, b.kc = b.kd.Scale(op), b.ks.Scale(op), b.kc*op
		b.eta = m.IOR
		if !entering {
			b.eta = 1 / m.IOR
		}
	}
	wd, ws := b.kd.MaxComp(), b.ks.MaxComp()
	sum := wd + ws + b.kc + b.kt
	if sum <= 0 {
		b.pd, b.ps, b.pc, b.pt = 1, 0, 0, 0
		return
	}
	b.pd, b.ps, b.pc, b.pt = wd/sum, ws/sum, b.kc/sum, b.kt/sum
}

// isBlack reports whether the BSDF scatters nothing.
func (b *bsdf) isBlack() bool {
	return b.kd.IsBlack() && b.ks.IsBlack() && b.kc == 0 && b.kt == 0
}

// eval returns f·cos θi and the sampling pdf for the world directions.
func (b *bsdf) eval(woW, wiW Vec3) (Vec3, float64) {
	wo, wi := b.frame.ToLocal(woW), b.frame.ToLocal(wiW)
	// Reject directions whose side differs between the geometry and the
	// shading frame, which would leak light through the surface when
	// shading normals bend.
	if (b.ng.Dot(wiW) > 0) != (wi.Z > 0) {
		return Vec3{}, 0
	}
	return b.evalLocal(wo, wi)
}

func (b *bsdf) evalLocal(wo, wi Vec3) (Vec3, float64) {
	if wo.Z <= 0 || wi.Z == 0 {
		return Vec3{}, 0
	}
	if wi.Z < 0 {
		if b.kt == 0 {
			return Vec3{}, 0
		}
		f, p := dielectricEval(wo, wi, b.eta, b.alpha)
		return Vec3{f, f, f}.Scale(b.kt), b.pt * p
	}
	f := b.kd.Scale(wi.Z / math.Pi)
	pdf := b.pd * wi.Z / math.Pi
	if b.ps > 0 || !b.ks.IsBlack() {
		g, p := ggxEval(wo, wi, b.alpha)
		f = f.AddScaled(b.ks, g)
		pdf += b.ps * p
	}
	if b.kc > 0 {
		g, p := ggxEval(wo, wi, b.alphaC)
		f = f.AddScaled(Vec3{1, 1, 1}, b.kc*g)
		pdf += b.pc * p
	}
	if b.kt > 0 {
		g, p := dielectricEval(wo, wi, b.eta, b.alpha)
		f = f.AddScaled(Vec3{1, 1, 1}, b.kt*g)
		pdf += b.pt * p
	}
	return f, pdf
}

// sample picks a lobe with u0 and a direction with (u1, u2); it returns the
// world direction, f·cos θi and the pdf of the whole mixture.
func (b *bsdf) sample(woW Vec3, u0, u1, u2 float64) (Vec3, Vec3, float64, bool) {
	wo := b.frame.ToLocal(woW)
	if wo.Z <= 0 {
		return Vec3{}, Vec3{}, 0, false
	}
	var wi Vec3
	switch {
	case u0 < b.pd:
		wi = cosineHemisphere(u1, u2)
	case u0 < b.pd+b.ps:
		wi = reflect(wo, ggxSampleVNDF(wo, b.alpha, u1, u2))
	case u0 < b.pd+b.ps+b.pc || b.pt == 0:
		wi = reflect(wo, ggxSampleVNDF(wo, b.alphaC, u1, u2))
	default:
		// The rest of u0 chooses reflection or refraction.
		uc := math.Min((u0-b.pd-b.ps-b.pc)/b.pt, 1-1e-12)
		var ok bool
		if wi, ok = dielectricSample(wo, b.eta, b.alpha, uc, u1, u2); !ok {
			return Vec3{}, Vec3{}, 0, false
		}
	}
	if wi.Z == 0 {
		return Vec3{}, Vec3{}, 0, false
	}
	wiW := b.frame.ToWorld(wi)
	if (b.ng.Dot(wiW) > 0) != (wi.Z > 0) {
		return Vec3{}, Vec3{}, 0, false
	}
	f, pdf := b.evalLocal(wo, wi)
	if pdf <= 0 {
		return Vec3{}, Vec3{}, 0, false
	}
	return wiW, f, pdf, true
}

func reflect(wo, h Vec3) Vec3 { return h.Scale(2 * wo.Dot(h)).Sub(wo) }

// refract bends wo (on the side of m, wo·m > 0) through a boundary of
// relative index eta; false on total internal reflection.
func refract(wo, m Vec3, eta float64) (Vec3, bool) {
	c := wo.Dot(m)
	s2 := (1 - c*c) / (eta * eta)
	if s2 >= 1 {
		return Vec3{}, false
	}
	ct := math.Sqrt(1 - s2)
	return wo.Neg().Scale(1 / eta).Add(m.Scale(c/eta - ct)), true
}

// dielectricEval is the rough dielectric BSDF of Walter et al. 2007
// ("Microfacet Models for Refraction through Rough Surfaces"), in the form
// of pbrt-v4's DielectricBxDF: GGX reflection weighted by the Fresnel
// term F and GGX transmission weighted by 1 − F. Unlike pbrt, radiance is
// not scaled by 1/η'² at a crossing (as Cycles): entering and leaving a
// closed object cancel, and the path's throughput then never drops to
// 1/η² inside glass, where Russian roulette would cut it. wo.Z > 0; eta
// is the index of the side below relative to the side of wo. It returns
// f·|cos θi| and the pdf of dielectricSample.
func dielectricEval(wo, wi Vec3, eta, a float64) (float64, float64) {
	cosO, cosI := wo.Z, wi.Z
	reflect := cosI > 0
	etap := 1.0
	if !reflect {
		etap = eta
	}
	wm := wi.Scale(etap).Add(wo)
	if cosI == 0 || wm.IsBlack() {
		return 0, 0
	}
	wm = wm.Norm()
	if wm.Z < 0 {
		wm = wm.Neg()
	}
	// Microfacets seen from behind by either direction do not scatter.
	dO, dI := wo.Dot(wm), wi.Dot(wm)
	if dI*cosI < 0 || dO*cosO < 0 {
		return 0, 0
	}
	F := fresnelDielectric(dO, eta)
	d := ggxD(wm.Z, a)
	lo, li := ggxLambda(wo, a), ggxLambda(wi, a)
	g := 1 / (1 + lo + li)
	dVis := d * dO / ((1 + lo) * cosO) // visible-normal density of wm
	if reflect {
		return d * g * F / (4 * cosO), dVis / (4 * dO) * F
	}
	den := dI + dO/etap
	den *= den
	f := d * (1 - F) * g * math.Abs(dI*dO/(den*cosO))
	return f, dVis * math.Abs(dI) / den * (1 - F)
}

// dielectricSample samples a visible microfacet normal and then reflection
// (probability F) or refraction (1 − F) with uc.
func dielectricSample(wo Vec3, eta, a, uc, u1, u2 float64) (Vec3, bool) {
	wm := ggxSampleVNDF(wo, a, u1, u2)
	F := fresnelDielectric(wo.Dot(wm), eta)
	if uc < F {
		wi := reflect(wo, wm)
		return wi, wi.Z > 0
	}
	wi, ok := refract(wo, wm, eta)
	return wi, ok && wi.Z < 0
}

func cosineHemisphere(u, v float64) Vec3 {
	x, y := concentricDisk(u, v)
	return Vec3{x, y, math.Sqrt(math.Max(0, 1-x*x-y*y))}
}

// ggxD is the GGX normal distribution for a half vector with cos θ = c.
func ggxD(c, a float64) float64 {
	a2 := a * a
	d := c*c*(a2-1) + 1
	return a2 / (math.Pi * d * d)
}

// ggxLambda is Smith's Λ for GGX.
func ggxLambda(w Vec3, a float64) float64 {
	c2 := w.Z * w.Z
	if c2 >= 1 {
		return 0
	}
	t2 := (1 - c2) / c2
	return (math.Sqrt(1+a*a*t2) - 1) / 2
}

// ggxEval returns the GGX reflection term (F = 1) times cos θi and the pdf
// of sampling wi by visible normals.
func ggxEval(wo, wi Vec3, a float64) (float64, float64) {
	h := wo.Add(wi)
	if h.IsBlack() {
		return 0, 0
	}
	h = h.Norm()
	d := ggxD(h.Z, a)
	lo, li := ggxLambda(wo, a), ggxLambda(wi, a)
	g2 := 1 / (1 + lo + li)
	g1 := 1 / (1 + lo)
	f := d * g2 / (4 * wo.Z)
	pdf := g1 * d / (4 * wo.Z)
	return f, pdf
}

// ggxSampleVNDF samples a visible normal (Heitz 2018).
func ggxSampleVNDF(wo Vec3, a, u1, u2 float64) Vec3 {
	vh := Vec3{a * wo.X, a * wo.Y, wo.Z}.Norm()
	lensq := vh.X*vh.X + vh.Y*vh.Y
	t1 := Vec3{1, 0, 0}
	if lensq > 0 {
		t1 = Vec3{-vh.Y, vh.X, 0}.Scale(1 / math.Sqrt(lensq))
	}
	t2 := vh.Cross(t1)
	r := math.Sqrt(u1)
	phi := 2 * math.Pi * u2
	p1 := r * math.Cos(phi)
	p2 := r * math.Sin(phi)
	s := 0.5 * (1 + vh.Z)
	p2 = (1-s)*math.Sqrt(math.Max(0, 1-p1*p1)) + s*p2
	nh := t1.Scale(p1).Add(t2.Scale(p2)).Add(vh.Scale(math.Sqrt(math.Max(0, 1-p1*p1-p2*p2))))
	return Vec3{a * nh.X, a * nh.Y, math.Max(1e-9, nh.Z)}.Norm()
}

// fresnelDielectric is the unpolarised Fresnel reflectance for light
// arriving at cos θ = c from outside onto a medium of index eta.
func fresnelDielectric(c, eta float64) float64 {
	if eta == 1 || eta <= 0 {
		return 0
	}
	c = clamp01(c)
	s2 := (1 - c*c) / (eta * eta)
	if s2 >= 1 {
		return 1
	}
	ct := math.Sqrt(1 - s2)
	rs := (c - eta*ct) / (c + eta*ct)
	rp := (eta*c - ct) / (eta*c + ct)
	return (rs*rs + rp*rp) / 2
}

func clamp01(x float64) float64 {
	if x < 0 {
		return 0
	}
	if x > 1 {
		return 1
	}
	return x
}

package render

import (
	"math"
	"sync"
)

// bsdf is a UsdPreviewSurface BSDF at one point, in its shading frame.
// All methods take and return directions in the local frame (Z = normal)
// and return f·|cos θi| so callers never multiply the cosine themselves.
// The frame is turned to the side wo is on, so wo.Z > 0 always; a
// transmitted direction has wi.Z < 0.
//
// The Fresnel terms are those of Storm's UsdPreviewSurface
// (pxr/usdImaging/plugin/usdShaders/shaders/previewSurface.glslfx,
// evaluateLight): Schlick's weight s = (1 − wo·h)⁵ of the microfacet
// normal h, F = mix(F0, F90, s) inside the specular lobe, the clearcoat
// lobe with its own mix(R², 1, s). The layers under a lobe keep 1 − its
// directional albedo at wo (see Material and specAlbedo).
type bsdf struct {
	frame Frame
	ng    Vec3 // geometric normal in world space, facing wo
	wo    Vec3 // wo in the local frame
	// kd, ks and kc are the lobes' weights with their Fresnel terms taken
	// at the view angle (F(n·wo)): estimates for the lobe choice, the
	// light choice and the albedo AOV. eval uses dw, sw and cw, the
	// weights before the Fresnel terms of the microfacet normal.
	kd, ks Vec3
	kc     float64
	dw, sw Vec3
	cw     float64
	kt     float64 // weight of the dielectric (transmission) lobe
	// f0, f90 are the base lobe's Fresnel reflectance at normal and
	// grazing incidence, r2 the clearcoat's.
	f0, f90        Vec3
	r2             float64
	eta            float64 // relative index of refraction across the surface seen from wo
	alpha          float64 // GGX α of the base lobe (and of the dielectric lobe)
	alphaC         float64 // GGX α of the clearcoat lobe
	pd, ps, pc, pt float64 // lobe selection probabilities
	// lamO is Smith's Λ(wo) of the base lobe (set when ps > 0): eval
	// reads it for wo = b.wo, the light choice, the light sample and the
	// BSDF sample of a vertex each evaluating from the same wo.
	// g1O = 1/(1 + lamO), Smith's G1(wo), with it.
	lamO, g1O float64
}

// minAlpha keeps GGX finite; α = 1e-3 is a mirror for all practical uses.
const minAlpha = 1e-3

// schlick returns Schlick's weight (1 − c)⁵ of a cosine c.
func schlick(c float64) float64 {
	x := 1 - clamp01(c)
	x2 := x * x
	return x2 * x2 * x
}

// setup fills b for the material at si seen from world direction woW.
func (b *bsdf) setup(m *Material, si *SurfaceInteraction, woW Vec3) {
	b.setupBlurred(m, si, woW, 0)
}

// setupBlurred is setup with every microfacet lobe's GGX α raised to at
// least minA (Cycles' bsdf_blur → bsdf_microfacet_blur, alpha =
// max(alpha, roughness), for Filter Glossy; see glossyFilterAlpha). The
// layers below a lobe keep 1 − the blurred lobe's directional albedo, so
// a blurred layered material still conserves energy as the sharp one does.
func (b *bsdf) setupBlurred(m *Material, si *SurfaceInteraction, woW Vec3, minA float64) {
	entering, cosO := b.orient(si, woW)
	var in lobeInputs
	in.fill(m, si, minA)
	b.layer(&in, cosO, entering)
}

// setupConst is setupBlurred for a material whose inputs are constants,
// read from in (lobeInputs.fill with minA = 0, once per material): per
// point only the frame and the view-dependent layering are left. Filter
// Glossy's minA falls back to setupBlurred when it blurs a lobe.
func (b *bsdf) setupConst(in *lobeInputs, m *Material, si *SurfaceInteraction, woW Vec3, minA float64) {
	if minA > in.r*in.r || (in.cc > 0 && minA > in.ar*in.ar) {
		b.setupBlurred(m, si, woW, minA)
		return
	}
	entering, cosO := b.orient(si, woW)
	b.layer(in, cosO, entering)
}

// orient sets the frame, ng and wo of b for si seen from woW and returns
// whether woW is on the outside and |ns·woW|.
func (b *bsdf) orient(si *SurfaceInteraction, woW Vec3) (bool, float64) {
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
	b.wo = b.frame.ToLocal(woW)
	return entering, math.Abs(ns.Dot(woW))
}

// lobeInputs are a material's inputs at a point turned into the lobes'
// weights before the view-dependent layering (bsdf.layer does that).
// They depend on the point only through textures and displayColor, so a
// material of constants computes them once (materialConsts).
type lobeInputs struct {
	dw, sw, f0, f90 Vec3    // diffuse and specular weights, base Fresnel
	r2              float64 // clearcoat (and dielectric) R²
	r, alpha        float64 // base roughness (table index) and GGX α
	cc, ar, alphaC  float64 // clearcoat weight, roughness and α (cc > 0)
	transmissive    bool
	op, ior         float64 // opacity and IOR of a transmissive material
	// rowS and rowC, when set, are specAlbedo at roughness r and ar
	// (materialConsts); nil: look the table up.
	rowS, rowC *specRow
}

// fill computes in for material m at si with GGX α blurred to minA.
func (in *lobeInputs) fill(m *Material, si *SurfaceInteraction, minA float64) {
	albedo := m.DiffuseColor.Eval(si)
	if m.UseDisplayColor && si.Color.X >= 0 {
		albedo = si.Color
	}
	r := clamp01(m.Roughness.Eval(si))
	if minA > r*r {
		r = math.Sqrt(min(minA, 1)) // α = roughness², as the tables are indexed
	}
	metal := clamp01(m.Metallic.Eval(si))
	in.r = r
	in.alpha = max(r*r, minAlpha)

	// F0 and F90 as previewSurface.glslfx's evaluateLight: R = (1−ior)/
	// (1+ior); the metallic workflow's specColor = mix(1, diffuseColor,
	// metallic), F0 = mix(R²·specColor, specColor, metallic), F90 =
	// specColor, the diffuse lobe times 1 − metallic; the specular
	// workflow's F0 = specularColor, F90 = 1.
	one := Vec3{1, 1, 1}
	in.r2 = 0
	noIOR := m.IOR == 1 || m.IOR <= 0
	if !noIOR {
		R := (1 - m.IOR) / (1 + m.IOR)
		in.r2 = R * R
	}
	in.dw = albedo
	in.sw = one
	if m.UseSpecularWorkflow {
		in.f0, in.f90 = m.SpecularColor.Eval(si), one
	} else {
		spec := one.Scale(1 - metal).Add(albedo.Scale(metal))
		in.f0 = spec.Scale(in.r2 * (1 - metal)).Add(spec.Scale(metal))
		in.f90 = spec
		in.dw = in.dw.Scale(1 - metal)
		if noIOR && metal == 0 {
			// Deviation from the reference: ior = 1 is no interface, so
			// no reflection (as the exact Fresnel term and Cycles'
			// Principled BSDF), where Schlick's F90 = 1 would still
			// reflect at grazing angles: a plain Lambertian surface.
			in.sw = Vec3{}
		}
	}
	in.cc = clamp01(m.Clearcoat.Eval(si))
	if in.cc > 0 {
		ar := clamp01(m.ClearcoatRoughness.Eval(si))
		if minA > ar*ar {
			ar = math.Sqrt(min(minA, 1))
		}
		in.ar = ar
		in.alphaC = max(ar*ar, minAlpha)
	}
	in.transmissive = m.transmissive()
	if in.transmissive {
		in.op = clamp01(m.Opacity.Eval(si))
		in.ior = m.IOR
	}
}

// layer finishes b from in at a view with |cos θo| = cosO: the layers'
// directional albedos, transmission and the lobe choice.
func (b *bsdf) layer(in *lobeInputs, cosO float64, entering bool) {
	b.alpha = in.alpha
	b.r2 = in.r2
	b.dw, b.sw = in.dw, in.sw
	b.f0, b.f90 = in.f0, in.f90
	var eS Vec3 // the specular lobe's directional albedo at wo (per unit sw)
	if !b.sw.IsBlack() {
		// The diffuse lobe keeps what the specular lobe does not reflect
		// from wo: 1 − E(wo), E the directional albedo of F(wo·h)·GGX (as
		// Cycles' Principled BSDF layers its dielectric over the diffuse
		// base), not the reference's pointwise 1 − F(wo·h), which returns
		// up to 1.26 of the light at grazing angles (roughness 0.35).
		var ea, eb float64
		if in.rowS != nil {
			ea, eb = in.rowS.at(cosO)
		} else {
			ea, eb = specAlbedo(cosO, in.r)
		}
		eS = b.f0.Scale(ea).Add(b.f90.Sub(b.f0).Scale(eb))
		es := eS.Mul(b.sw)
		b.dw = b.dw.Mul(Vec3{clamp01(1 - es.X), clamp01(1 - es.Y), clamp01(1 - es.Z)})
	}
	b.cw = 0
	eC := 0.0 // the clearcoat lobe's directional albedo at wo (per unit cw)
	if cc := in.cc; cc > 0 {
		b.cw = cc
		b.alphaC = in.alphaC
		var ea, eb float64
		if in.rowC != nil {
			ea, eb = in.rowC.at(cosO)
		} else {
			ea, eb = specAlbedo(cosO, in.ar)
		}
		eC = clamp01(b.r2*ea + (1-b.r2)*eb)
		ec := clamp01(cc * eC)
		b.dw, b.sw = b.dw.Scale(1-ec), b.sw.Scale(1-ec)
	}
	// Transmission: the opaque BSDF weighted by opacity plus a dielectric
	// weighted by 1 − opacity (see Material).
	b.kt = 0
	if in.transmissive {
		op := in.op
		b.kt = 1 - op
		b.dw, b.sw, b.cw = b.dw.Scale(op), b.sw.Scale(op), b.cw*op
		b.eta = in.ior
		if !entering {
			b.eta = 1 / in.ior
		}
	}
	// Lobe choice: the weights with the Fresnel terms taken at the view
	// angle, an estimate of each lobe's share (any positive choice keeps
	// the estimator unbiased: eval and sample use the same pd…pt).
	s := schlick(cosO)
	fv := b.f0.Scale(1 - s).Add(b.f90.Scale(s))
	b.kd = b.dw
	b.ks = b.sw.Mul(fv)
	b.kc = b.cw * (b.r2 + (1-b.r2)*s)
	wd, ws, wc := b.kd.MaxComp(), b.sw.Mul(eS).MaxComp(), b.cw*eC
	// A lobe whose view-angle estimate vanishes may still scatter
	// elsewhere (F of other microfacets): keep it choosable.
	if wd <= 0 && !b.dw.IsBlack() {
		wd = 1e-3 * b.dw.MaxComp()
	}
	if ws <= 0 && !b.sw.Mul(b.f0.Add(b.f90)).IsBlack() {
		ws = 1e-3 * b.sw.MaxComp()
	}
	if wc <= 0 && b.cw > 0 {
		wc = 1e-3 * b.cw
	}
	sum := wd + ws + wc + b.kt
	if sum <= 0 {
		b.pd, b.ps, b.pc, b.pt = 1, 0, 0, 0
		return
	}
	b.pd, b.ps, b.pc, b.pt = wd/sum, ws/sum, wc/sum, b.kt/sum
	if b.ps > 0 {
		b.lamO = ggxLambda(b.wo, b.alpha)
		b.g1O = 1 / (1 + b.lamO)
	}
}

// diffuseF returns the diffuse lobe's f·cos θi towards world direction
// wiW (the AOVs split the beauty with it).
func (b *bsdf) diffuseF(wiW Vec3) Vec3 {
	wi := b.frame.ToLocal(wiW)
	if wi.Z <= 0 || b.wo.Z <= 0 {
		return Vec3{}
	}
	return b.dw.Scale(wi.Z / math.Pi)
}

// isBlack reports whether the BSDF scatters nothing.
func (b *bsdf) isBlack() bool {
	return b.dw.IsBlack() && b.sw.IsBlack() && b.cw == 0 && b.kt == 0
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

// evalWoLocal is eval with wo already in the shading frame
// (b.frame.ToLocal(woW)), for callers that evaluate one wo towards many
// directions.
func (b *bsdf) evalWoLocal(wo, wiW Vec3) (Vec3, float64) {
	wi := b.frame.ToLocal(wiW)
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
	f := b.dw.Scale(wi.Z / math.Pi)
	pdf := b.pd * wi.Z / math.Pi
	if b.ps > 0 || b.pc > 0 {
		h := wo.Add(wi)
		if !h.IsBlack() {
			h = h.Norm()
			s := schlick(wo.Dot(h))
			if b.ps > 0 {
				lo, g1 := b.lamO, b.g1O
				if wo != b.wo {
					lo = ggxLambda(wo, b.alpha)
					g1 = 1 / (1 + lo)
				}
				g, p := ggxEvalH(wo, wi, h, lo, g1, b.alpha)
				fr := b.f0.Scale(1 - s).Add(b.f90.Scale(s))
				f = f.Add(b.sw.Mul(fr).Scale(g))
				pdf += b.ps * p
			}
			if b.pc > 0 {
				lc := ggxLambda(wo, b.alphaC)
				g, p := ggxEvalH(wo, wi, h, lc, 1/(1+lc), b.alphaC)
				f = f.AddScaled(Vec3{1, 1, 1}, b.cw*(b.r2+(1-b.r2)*s)*g)
				pdf += b.pc * p
			}
		}
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
	return b.sampleWo(b.frame.ToLocal(woW), u0, u1, u2)
}

// sampleWo is sample with wo already in the shading frame (b.wo, when
// woW is the direction setup was given).
func (b *bsdf) sampleWo(wo Vec3, u0, u1, u2 float64) (Vec3, Vec3, float64, bool) {
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
		uc := min((u0-b.pd-b.ps-b.pc)/b.pt, 1-1e-12)
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
	return Vec3{x, y, math.Sqrt(max(0, 1-x*x-y*y))}
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
	lo := ggxLambda(wo, a)
	return ggxEvalH(wo, wi, h.Norm(), lo, 1/(1+lo), a)
}

// ggxEvalH is ggxEval given the unit half vector h of wo and wi, lo =
// ggxLambda(wo, a) and g1 = 1/(1 + lo).
func ggxEvalH(wo, wi, h Vec3, lo, g1, a float64) (float64, float64) {
	d := ggxD(h.Z, a)
	li := ggxLambda(wi, a)
	g2 := 1 / (1 + lo + li)
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
	sinPhi, cosPhi := math.Sincos(phi) // one range reduction; the same bits as Cos, Sin
	p1 := r * cosPhi
	p2 := r * sinPhi
	s := 0.5 * (1 + vh.Z)
	p2 = (1-s)*math.Sqrt(max(0, 1-p1*p1)) + s*p2
	nh := t1.Scale(p1).Add(t2.Scale(p2)).Add(vh.Scale(math.Sqrt(max(0, 1-p1*p1-p2*p2))))
	return Vec3{a * nh.X, a * nh.Y, max(1e-9, nh.Z)}.Norm()
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

// specAlbedoN is the size of each axis of the specular albedo table.
const specAlbedoN = 32

// specAlbedoTable holds, for cos θo and roughness on a specAlbedoN² grid,
// ∫ GGX·cos dωi (a) and ∫ (1 − wo·h)⁵·GGX·cos dωi (b): the directional
// albedo of the lobe with F = mix(F0, F90, (1 − wo·h)⁵) is F0·a + (F90 −
// F0)·b.
type specAlbedoTable struct {
	a, b [specAlbedoN * specAlbedoN]float64
}

var specAlbedoTab = sync.OnceValue(buildSpecAlbedoTable)

func buildSpecAlbedoTable() *specAlbedoTable {
	var t specAlbedoTable
	const k = 8 // k² stratified visible-normal samples a cell
	for i := 0; i < specAlbedoN; i++ {
		c := max(float64(i)/(specAlbedoN-1), 1e-3)
		wo := Vec3{math.Sqrt(1 - c*c), 0, c}
		for j := 0; j < specAlbedoN; j++ {
			r := float64(j) / (specAlbedoN - 1)
			al := max(r*r, minAlpha)
			var sa, sb float64
			for u := 0; u < k; u++ {
				for v := 0; v < k; v++ {
					h := ggxSampleVNDF(wo, al, (float64(u)+0.5)/k, (float64(v)+0.5)/k)
					wi := reflect(wo, h)
					if wi.Z <= 0 {
						continue
					}
					g, p := ggxEval(wo, wi, al)
					w := g / p
					sa += w
					sb += w * schlick(wo.Dot(h))
				}
			}
			t.a[i*specAlbedoN+j] = sa / (k * k)
			t.b[i*specAlbedoN+j] = sb / (k * k)
		}
	}
	return &t
}

// specAlbedo interpolates specAlbedoTable at cos θo = c, roughness r.
func specAlbedo(c, r float64) (float64, float64) {
	t := specAlbedoTab()
	x := clamp01(c) * (specAlbedoN - 1)
	y := clamp01(r) * (specAlbedoN - 1)
	i, j := int(min(x, specAlbedoN-2)), int(min(y, specAlbedoN-2))
	fx, fy := x-float64(i), y-float64(j)
	at := func(tab *[specAlbedoN * specAlbedoN]float64) float64 {
		p := tab[i*specAlbedoN+j:]
		return (1-fx)*((1-fy)*p[0]+fy*p[1]) + fx*((1-fy)*p[specAlbedoN]+fy*p[specAlbedoN+1])
	}
	return at(&t.a), at(&t.b)
}

// specRow is specAlbedo at one roughness, interpolated along it once: a
// material of constant roughness then interpolates along cos θo only,
// the same sums as specAlbedo's.
type specRow struct {
	a, b [specAlbedoN]float64
}

func newSpecRow(r float64) *specRow {
	t := specAlbedoTab()
	y := clamp01(r) * (specAlbedoN - 1)
	j := int(min(y, specAlbedoN-2))
	fy := y - float64(j)
	var row specRow
	for i := range specAlbedoN {
		p, q := t.a[i*specAlbedoN+j:], t.b[i*specAlbedoN+j:]
		row.a[i] = (1-fy)*p[0] + fy*p[1]
		row.b[i] = (1-fy)*q[0] + fy*q[1]
	}
	return &row
}

// at is specAlbedo(c, r) for the row's r.
func (row *specRow) at(c float64) (float64, float64) {
	x := clamp01(c) * (specAlbedoN - 1)
	i := int(min(x, specAlbedoN-2))
	fx := x - float64(i)
	return (1-fx)*row.a[i] + fx*row.a[i+1], (1-fx)*row.b[i] + fx*row.b[i+1]
}

// glossyWeight is what the light choice (lightSelector.pmfAt) needs of b to
// estimate f·cos θi towards each light cheaply: the GGX lobes' D·G·F with
// G taken as Smith's G1(wo) (G2 ≤ G1: no Λ(wi), no square root per light)
// and F at the view angle (b.ks, b.kc: exact at the lobe's peak, h = n),
// the diffuse lobe exact. Only an estimate: the choice stays unbiased for
// any positive weights. Everything is kept times cos θo (no division
// here): kd = channelMean(dw)·cos θo/π; cs, cc fold each lobe's
// channel-mean weight, G1(wo) and α²/(4π); am1 = α² − 1.
type glossyWeight struct {
	kd, cosO float64
	cs, am1s float64
	cc, am1c float64
}

// glossyWeight prepares at (b.kt == 0 only: no dielectric lobe).
func (b *bsdf) glossyWeight() glossyWeight {
	cosO := b.wo.Z
	if !(cosO > 0) {
		return glossyWeight{}
	}
	g := glossyWeight{kd: channelMean(b.dw) * cosO * (1 / math.Pi), cosO: cosO}
	if b.ps > 0 {
		a2 := b.alpha * b.alpha
		g.cs = channelMean(b.ks) * b.g1O * a2 * (1 / (4 * math.Pi))
		g.am1s = a2 - 1
	}
	if b.pc > 0 && b.kc > 0 {
		a2 := b.alphaC * b.alphaC
		lc := ggxLambda(b.wo, b.alphaC)
		g.cc = b.kc * a2 * (1 / (4 * math.Pi)) / (1 + lc)
		g.am1c = a2 - 1
	}
	return g
}

// at estimates channelMean(f·cos θi) towards wi with cos θi = cosI > 0 and
// wo·wi = dotOI, as num/den (den ≥ 0; the caller compares before it
// divides). With h = wo + wi unnormalised (|h|² = 2 + 2 wo·wi), GGX's
// D(ĥ) = α²/(π (ĥz²(α²−1) + 1)²) = α²|h|⁴/(π (hz²(α²−1) + |h|²)²).
func (g *glossyWeight) at(cosI, dotOI float64) (num, den float64) {
	num, den = g.kd*cosI, g.cosO
	l := 2 + 2*dotOI
	if !(l > 0) {
		return num, den
	}
	hz := g.cosO + cosI
	hz2, l2 := hz*hz, l*l
	den = 1
	if g.cs > 0 {
		d := hz2*g.am1s + l
		d *= d
		num, den = num*d+g.cs*l2, d
	}
	if g.cc > 0 {
		d := hz2*g.am1c + l
		d *= d
		num, den = num*d+g.cc*l2*den, den*d
	}
	return num, den * g.cosO
}

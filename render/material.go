package render

// Texture gives a colour for a surface point (an image lookup, a primvar).
type Texture interface {
	Eval(si *SurfaceInteraction) Vec3
}

// Color is a material input: a constant, or a texture when Tex is set.
type Color struct {
	Value Vec3
	Tex   Texture
}

// Eval returns the input's value at si.
func (c *Color) Eval(si *SurfaceInteraction) Vec3 {
	if c.Tex != nil {
		return c.Tex.Eval(si)
	}
	return c.Value
}

// Scalar is a float material input; a texture's Channel (0=r … 3=a, with
// the alpha packed by the texture as the luminance-free 4th value) is used.
type Scalar struct {
	Value   float64
	Tex     Texture
	Channel int
}

// Eval returns the input's value at si.
func (s *Scalar) Eval(si *SurfaceInteraction) float64 {
	if s.Tex != nil {
		return s.Tex.Eval(si).Axis(s.Channel)
	}
	return s.Value
}

// Material is UsdPreviewSurface. Its BSDF takes the Fresnel terms of
// Storm's reference shader (OpenUSD
// pxr/usdImaging/plugin/usdShaders/shaders/previewSurface.glslfx,
// evaluateLight), with the Fresnel of the microfacet normal h inside the
// specular lobes, and layers the lobes by albedo as Cycles' Principled
// BSDF does (the bench's comparison):
//
//	R = (1−ior)/(1+ior), s = (1 − wo·h)⁵
//	metallic workflow: specColor = mix(1, diffuseColor, metallic),
//	    F0 = mix(R²·specColor, specColor, metallic), F90 = specColor
//	specular workflow: F0 = specularColor, F90 = 1, metallic unused
//	spec = mix(F0, F90, s)·GGX(α = roughness²)
//	f    = (1−metallic)·(1 − Es(wo))·Lambert(diffuseColor) + spec
//	coat = clearcoat·mix(R², 1, s)·GGX(α = clearcoatRoughness²)
//	f'   = (1 − clearcoat·Ec(wo))·f + coat
//
// Es and Ec are the directional albedos of spec and of the coat's GGX
// term at wo (tabulated, bsdf.go). Departures from the shader: it weights
// the diffuse lobe by 1 − F(wo·h) pointwise and adds the clearcoat on top
// of the base; both return more light than they receive at grazing
// angles (a white surface of roughness 0.35 returns 1.26 of the light at
// cos θo = 0.05, a smooth one 1.72), which a white furnace shows; here
// the layers below keep 1 − the albedo of the lobe above. Its Schlick-GGX
// G (k = α/2, a real-time stand-in) is the height-correlated Smith G of
// the visible-normal sampling here. ior = 1 (no interface) with metallic
// 0 has no specular lobe, where Schlick's F90 = 1 would still reflect at
// grazing angles: a plain Lambertian surface.
//
// Opacity follows the UsdPreviewSurface specification
// (openusd.org/release/spec_usdpreviewsurface.html): with opacityThreshold
// > 0 the surface is a cut-out (opacity < threshold is absent, else fully
// present); with opacityMode "presence" opacity is partial coverage (the
// ray passes with probability 1 − opacity). Otherwise (opacityMode
// "transparent", the default) a surface with a constant opacity < 1
// transmits light as a dielectric of index ior:
//
//	f'' = opacity·f' + (1 − opacity)·Dielectric(ior, α = roughness²)
//
// the dielectric being smooth or rough GGX reflection plus refraction
// (Walter et al. 2007, as pbrt-v4's DielectricBxDF), white: the tint of
// glass comes from diffuseColor through the opaque part only. With ior = 1
// there is nothing to refract and the surface is treated as coverage. A
// textured opacity (an alpha map: leaves, decals, hair cards, as glTF's
// BLEND mode exports them) stays coverage too: a card with holes is not
// a slab of glass.
// Shadow rays do not pass dielectrics, as in pbrt and Cycles: light
// reaches what is behind glass only along BSDF-sampled paths, so a room
// lit by the sun through glazing comes out dark and noisy (caustics);
// author such panes with opacityMode "presence" (coverage, whose shadow
// rays pass) where that matters. Every dielectric is solid: a single
// quad of glass refracts once and does not undo the bend.
type Material struct {
	Name               string
	DiffuseColor       Color
	EmissiveColor      Color
	SpecularColor      Color
	Roughness          Scalar
	Metallic           Scalar
	Clearcoat          Scalar
	ClearcoatRoughness Scalar
	Opacity            Scalar
	OpacityThreshold   float64
	// OpacityPresence is opacityMode = "presence": opacity is coverage,
	// never transmission.
	OpacityPresence     bool
	IOR                 float64
	UseSpecularWorkflow bool
	// UseDisplayColor makes the mesh's displayColor the diffuse colour
	// (the fallback for prims without a bound material).
	UseDisplayColor bool
	// Normal, if set, is UsdPreviewSurface's normal input: a tangent-space
	// normal in [-1, 1]³ (a texture's scale and bias map its [0, 1]
	// values there), tangent along +u and bitangent along +v of the
	// mesh's st. Meshes without st are shaded with their own normals.
	Normal *Color
}

// DefaultMaterial is UsdPreviewSurface with its spec defaults.
func DefaultMaterial() *Material {
	return &Material{
		Name:               "default",
		DiffuseColor:       Color{Value: Vec3{0.18, 0.18, 0.18}},
		Roughness:          Scalar{Value: 0.5},
		ClearcoatRoughness: Scalar{Value: 0.01},
		Opacity:            Scalar{Value: 1},
		IOR:                1.5,
		SpecularColor:      Color{Value: Vec3{}},
	}
}

// Lambert returns a pure diffuse material (ior 1 means no specular lobe).
func Lambert(albedo Vec3) *Material {
	m := DefaultMaterial()
	m.Name = "lambert"
	m.DiffuseColor.Value = albedo
	m.Roughness.Value = 1
	m.IOR = 1
	return m
}

// transmissive reports whether partial opacity is dielectric
// transmission rather than coverage (see Material).
func (m *Material) transmissive() bool {
	return m.OpacityThreshold <= 0 && !m.OpacityPresence && m.IOR != 1 && m.IOR > 0 &&
		m.Opacity.Tex == nil && m.Opacity.Value < 1
}

// opaque reports whether the material stops every ray (a dielectric stops
// shadow rays and scatters the others through its BSDF).
func (m *Material) opaque() bool {
	if m.transmissive() {
		return true
	}
	if m.Opacity.Tex != nil {
		return false
	}
	if m.OpacityThreshold > 0 {
		return m.Opacity.Value >= m.OpacityThreshold
	}
	return m.Opacity.Value >= 1
}

// opacityAt returns the coverage of the surface at si (1 = opaque); a
// dielectric is fully present.
func (m *Material) opacityAt(si *SurfaceInteraction) float64 {
	if m.transmissive() {
		return 1
	}
	o := m.Opacity.Eval(si)
	if m.OpacityThreshold > 0 {
		if o < m.OpacityThreshold {
			return 0
		}
		return 1
	}
	return o
}

// matConsts is what a tracer keeps per material so that a hit does not
// evaluate constant inputs again: the BSDF's lobe inputs when no input
// is textured (nor displayColor), the emission and the coverage when
// they are constants.
type matConsts struct {
	lobes      lobeInputs
	constLobes bool
	em         Vec3 // emission, unless emTex
	emTex      bool
	op         float64 // opacityAt, unless opTex
	opTex      bool
}

func newMatConsts(m *Material) matConsts {
	var c matConsts
	var si SurfaceInteraction // not read: every input below is a constant
	si.Color = Vec3{-1, -1, -1}
	c.constLobes = !m.UseDisplayColor && m.DiffuseColor.Tex == nil && m.SpecularColor.Tex == nil &&
		m.Roughness.Tex == nil && m.Metallic.Tex == nil && m.Clearcoat.Tex == nil &&
		m.ClearcoatRoughness.Tex == nil && m.Opacity.Tex == nil
	if c.constLobes {
		c.lobes.fill(m, &si, 0)
		if !c.lobes.sw.IsBlack() {
			c.lobes.rowS = newSpecRow(c.lobes.r)
		}
		if c.lobes.cc > 0 {
			c.lobes.rowC = newSpecRow(c.lobes.ar)
		}
	}
	c.emTex = m.EmissiveColor.Tex != nil
	c.em = m.EmissiveColor.Value
	c.opTex = m.Opacity.Tex != nil
	if !c.opTex {
		c.op = m.opacityAt(&si)
	}
	return c
}

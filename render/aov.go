package render

// AOVs (arbitrary output variables) are the render passes written beside
// the beauty image. Their definitions follow Cycles' passes (Blender manual,
// "Render Layers > Passes"; intern/cycles kernel/film/light_passes.h):
//
//   - coverage (the beauty's A): the fraction of camera samples that hit
//     geometry or a visible light, Cycles' alpha with a transparent film;
//     the RGB still holds what the background added.
//   - albedo: the first hit's reflectance, the sum of the BSDF's lobe
//     weights (diffuse, specular, clearcoat, transmission) clamped to 1 per
//     channel, averaged over all samples (0 where nothing is hit), as the
//     albedo a denoiser wants.
//   - normal: the first hit's world-space shading normal, averaged over all
//     samples (0 where nothing is hit).
//   - depth: the distance of the first hit along the camera's view axis
//     (Cycles' camera_z_depth), averaged over the samples that hit; pixels
//     without a hit get 1e10, Cycles' background depth.
//   - emission: emitters seen directly by the camera.
//   - diffuse/specular × direct/indirect: light that scattered once
//     (direct) or more (indirect), split by the first scattering's lobes.
//     As Cycles' pass_diffuse_weight, the split is the share of the
//     diffuse lobe in the BSDF value of the sampled direction (channel
//     mean), so each pass is unbiased; "specular" is everything else
//     (GGX, clearcoat, transmission: Cycles' glossy plus transmission).
//
// emission + the four light passes = the beauty RGB, up to the 2⁻³² fixed
// point rounding of each sum.
//
// Every AOV is a fixed-point sum in the film like the beauty, so farm
// merges stay exact for them too; signed values (normals) use the same
// 32.32 format in two's complement.

// Offsets of the AOV channels in a film pixel's AOV sums.
const (
	aovCover        = 0
	aovAlbedo       = 1
	aovNormal       = 4
	aovDepth        = 7 // sum over the samples that hit
	aovEmission     = 8
	aovDiffDirect   = 11
	aovDiffIndirect = 14
	aovSpecDirect   = 17
	aovSpecIndirect = 20
	aovChannels     = 23
)

// NoHitDepth is the depth AOV of a pixel where no sample hit anything.
const NoHitDepth = 1e10

// aovSample is what one camera sample adds to the AOVs.
type aovSample struct {
	hit            bool
	albedo, normal Vec3
	depth          float64
	light          [5]Vec3 // emission, diffuse direct/indirect, specular direct/indirect
}

const (
	lpEmission = iota
	lpDiffDirect
	lpDiffIndirect
	lpSpecDirect
	lpSpecIndirect
)

// addLight books contribution c that reached the camera after depth
// scattering events, diffRatio of it through the first hit's diffuse
// lobe.
func (a *aovSample) addLight(c Vec3, depth int, diffRatio float64) {
	if depth == 0 {
		a.light[lpEmission] = a.light[lpEmission].Add(c)
		return
	}
	d, s := lpDiffDirect, lpSpecDirect
	if depth > 1 {
		d, s = lpDiffIndirect, lpSpecIndirect
	}
	a.light[d] = a.light[d].AddScaled(c, diffRatio)
	a.light[s] = a.light[s].AddScaled(c, 1-diffRatio)
}

// diffuseShare returns the diffuse lobe's share of f (the BSDF value
// f·cos towards world direction wiW), in [0, 1].
func (b *bsdf) diffuseShare(wiW Vec3, f Vec3) float64 {
	tot := f.X + f.Y + f.Z
	if !(tot > 0) {
		return 0
	}
	fd := b.diffuseF(wiW)
	return clamp01((fd.X + fd.Y + fd.Z) / tot)
}

// albedo is the sum of the lobe weights, clamped to [0, 1].
func (b *bsdf) albedo() Vec3 {
	a := b.kd.Add(b.ks).Add(Vec3{b.kc + b.kt, b.kc + b.kt, b.kc + b.kt})
	return Vec3{clamp01(a.X), clamp01(a.Y), clamp01(a.Z)}
}

// toFixedSigned is toFixed for signed values, clamped to ±FilmMaxSample.
func toFixedSigned(v float64) int64 {
	if v != v { // NaN
		return 0
	}
	if v > FilmMaxSample {
		v = FilmMaxSample
	} else if v < -FilmMaxSample {
		v = -FilmMaxSample
	}
	return int64(v * filmScale)
}

// addAOV adds one sample's AOVs to pixel i.
func (f *Film) addAOV(i int, a *aovSample) {
	s := f.aov[aovChannels*i : aovChannels*(i+1)]
	if a.hit {
		s[aovCover] += filmScale
		s[aovDepth] += toFixed(a.depth)
		s[aovAlbedo] += toFixed(a.albedo.X)
		s[aovAlbedo+1] += toFixed(a.albedo.Y)
		s[aovAlbedo+2] += toFixed(a.albedo.Z)
		s[aovNormal] += toFixedSigned(a.normal.X)
		s[aovNormal+1] += toFixedSigned(a.normal.Y)
		s[aovNormal+2] += toFixedSigned(a.normal.Z)
	}
	for k, l := range a.light {
		o := aovEmission + 3*k
		s[o] += toFixed(l.X)
		s[o+1] += toFixed(l.Y)
		s[o+2] += toFixed(l.Z)
	}
}

// Layer is one named image layer of a film: its channel names and
// len(Channels) float32 values per pixel, rows from the top. The beauty
// layer has the empty name.
type Layer struct {
	Name     string
	Channels []string
	Pix      []float32
	// Half says the values need no more than half-float precision.
	Half bool
}

// HasAOVs reports whether the film accumulates AOVs.
func (f *Film) HasAOVs() bool { return f.aov != nil }

// Layers returns the beauty (R, G, B and, with AOVs, the coverage A) and
// the AOV layers as means per pixel.
func (f *Film) Layers() []Layer {
	np := f.W * f.H
	if f.aov == nil {
		return []Layer{{Channels: []string{"R", "G", "B"}, Pix: f.RGB()}}
	}
	beauty := Layer{Channels: []string{"R", "G", "B", "A"}, Pix: make([]float32, 4*np)}
	mk := func(name string, ch []string, half bool) Layer {
		return Layer{Name: name, Channels: ch, Pix: make([]float32, len(ch)*np), Half: half}
	}
	rgb := []string{"R", "G", "B"}
	albedo := mk("albedo", rgb, true)
	normal := mk("normal", []string{"X", "Y", "Z"}, true)
	depth := mk("depth", []string{"Z"}, false)
	light := []Layer{
		mk("emission", rgb, false),
		mk("diffuse_direct", rgb, false),
		mk("diffuse_indirect", rgb, false),
		mk("specular_direct", rgb, false),
		mk("specular_indirect", rgb, false),
	}
	for i := 0; i < np; i++ {
		n := f.n[i]
		s := f.aov[aovChannels*i : aovChannels*(i+1)]
		if n == 0 {
			depth.Pix[i] = NoHitDepth
			continue
		}
		inv := 1 / (float64(n) * filmScale)
		mean := func(k int) float32 { return float32(float64(s[k]) * inv) }
		beauty.Pix[4*i] = float32(float64(f.sum[3*i]) * inv)
		beauty.Pix[4*i+1] = float32(float64(f.sum[3*i+1]) * inv)
		beauty.Pix[4*i+2] = float32(float64(f.sum[3*i+2]) * inv)
		beauty.Pix[4*i+3] = mean(aovCover)
		for c := 0; c < 3; c++ {
			albedo.Pix[3*i+c] = mean(aovAlbedo + c)
			normal.Pix[3*i+c] = mean(aovNormal + c)
			for k := range light {
				light[k].Pix[3*i+c] = mean(aovEmission + 3*k + c)
			}
		}
		if hits := s[aovCover]; hits > 0 {
			depth.Pix[i] = float32(float64(s[aovDepth]) / float64(hits))
		} else {
			depth.Pix[i] = NoHitDepth
		}
	}
	return append([]Layer{beauty, albedo, normal, depth}, light...)
}

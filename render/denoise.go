package render

import (
	"errors"
	"math"
)

// Denoise returns a filtered copy of the film's beauty, three floats per
// pixel, rows from the top; the film itself is not changed. It needs the
// film's AOVs (albedo, normal, depth, coverage) as guides.
//
// The filter is the edge-avoiding à-trous wavelet filter of Dammertz,
// Sewtz, Hanika and Lensch ("Edge-Avoiding À-Trous Wavelet Transform for
// fast Global Illumination Filtering", HPG 2010) with the variance-guided
// edge-stopping functions of Schied et al. ("Spatiotemporal
// Variance-Guided Filtering", HPG 2017), spatial part only:
//
//   - the radiance is divided by the first hit's albedo before filtering
//     and multiplied back after (textures stay sharp, only the lighting is
//     smoothed);
//   - five passes of the 5×5 B3-spline kernel with holes (step 1, 2, 4,
//     8, 16 pixels: a 61-pixel footprint at the cost of 125 taps);
//   - each tap is weighted by the normals' agreement (n_p·n_q)^128, by the
//     depth difference relative to the local depth gradient times the
//     distance, exp(−|z_p−z_q| / (σ_z·|∇z|·d)), σ_z = 1, and by the
//     luminance difference relative to the estimated noise,
//     exp(−|l_p−l_q| / (σ_l·√var_p)), σ_l = 4;
//   - the luminance variance starts as a 5×5 spatial estimate weighted by
//     the same normal and depth terms (SVGF's fallback when there is no
//     temporal history) and is filtered along with the radiance, with the
//     squared weights, so that the colour term tightens pass after pass.
//
// Pixels where no sample hit geometry (coverage 0: background, a dome
// seen directly, which has no noise) are kept as they are, and geometry is
// never averaged with them.
func (f *Film) Denoise() ([]float32, error) {
	if f.aov == nil {
		return nil, errors.New("denoise: the film has no AOVs (albedo, normal, depth)")
	}
	w, h := f.W, f.H
	np := w * h
	beauty := f.RGB()
	out := make([]float32, 3*np)
	copy(out, beauty)

	irr := make([]Vec3, np) // demodulated radiance
	alb := make([]Vec3, np)
	nrm := make([]Vec3, np)
	dep := make([]float64, np)
	geo := make([]bool, np)
	for i := 0; i < np; i++ {
		n := f.n[i]
		s := f.aov[aovChannels*i : aovChannels*(i+1)]
		if n == 0 || s[aovCover] == 0 {
			continue
		}
		geo[i] = true
		inv := 1 / (float64(n) * filmScale)
		a := Vec3{float64(s[aovAlbedo]) * inv, float64(s[aovAlbedo+1]) * inv, float64(s[aovAlbedo+2]) * inv}
		nn := Vec3{float64(s[aovNormal]) * inv, float64(s[aovNormal+1]) * inv, float64(s[aovNormal+2]) * inv}
		if l := nn.Len(); l > 0 {
			nn = nn.Scale(1 / l)
		}
		c := Vec3{float64(beauty[3*i]), float64(beauty[3*i+1]), float64(beauty[3*i+2])}
		// Demodulate where the albedo is large enough to divide by.
		const minAlbedo = 0.01
		am := Vec3{1, 1, 1}
		if a.X > minAlbedo {
			am.X = a.X
		}
		if a.Y > minAlbedo {
			am.Y = a.Y
		}
		if a.Z > minAlbedo {
			am.Z = a.Z
		}
		alb[i] = am
		irr[i] = Vec3{c.X / am.X, c.Y / am.Y, c.Z / am.Z}
		nrm[i] = nn
		dep[i] = float64(s[aovDepth]) / float64(s[aovCover])
	}
	// Local depth gradient (largest one-pixel difference to a geometry
	// neighbour), the scale of the depth test.
	grad := make([]float64, np)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			if !geo[i] {
				continue
			}
			g := 0.0
			for _, d := range [4][2]int{{1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
				xx, yy := x+d[0], y+d[1]
				if xx < 0 || yy < 0 || xx >= w || yy >= h || !geo[yy*w+xx] {
					continue
				}
				g = math.Max(g, math.Abs(dep[yy*w+xx]-dep[i]))
			}
			grad[i] = g
		}
	}
	const (
		sigmaN = 128.0
		sigmaZ = 1.0
		sigmaL = 4.0
	)
	geomW := func(p, q int, dist float64) float64 {
		c := nrm[p].Dot(nrm[q])
		if c <= 0 {
			return 0
		}
		wn := math.Pow(c, sigmaN)
		wz := math.Exp(-math.Abs(dep[p]-dep[q]) / (sigmaZ*grad[p]*dist + 1e-6*math.Abs(dep[p]) + 1e-12))
		return wn * wz
	}
	// Spatial variance estimate of the luminance.
	lum := make([]float64, np)
	for i := range irr {
		lum[i] = irr[i].Luminance()
	}
	variance := make([]float64, np)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			p := y*w + x
			if !geo[p] {
				continue
			}
			var sw, m1, m2 float64
			for dy := -2; dy <= 2; dy++ {
				for dx := -2; dx <= 2; dx++ {
					xx, yy := x+dx, y+dy
					if xx < 0 || yy < 0 || xx >= w || yy >= h {
						continue
					}
					q := yy*w + xx
					if !geo[q] {
						continue
					}
					wt := geomW(p, q, math.Hypot(float64(dx), float64(dy)))
					sw += wt
					m1 += wt * lum[q]
					m2 += wt * lum[q] * lum[q]
				}
			}
			if sw > 0 {
				m1 /= sw
				variance[p] = math.Max(0, m2/sw-m1*m1)
			}
		}
	}
	kernel := [5]float64{1.0 / 16, 1.0 / 4, 3.0 / 8, 1.0 / 4, 1.0 / 16}
	next := make([]Vec3, np)
	nextVar := make([]float64, np)
	for it := 0; it < 5; it++ {
		step := 1 << it
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				p := y*w + x
				if !geo[p] {
					continue
				}
				lp := irr[p].Luminance()
				sl := sigmaL*math.Sqrt(variance[p]) + 1e-10
				var sw float64
				var acc Vec3
				var accVar float64
				for ky := 0; ky < 5; ky++ {
					yy := y + (ky-2)*step
					if yy < 0 || yy >= h {
						continue
					}
					for kx := 0; kx < 5; kx++ {
						xx := x + (kx-2)*step
						if xx < 0 || xx >= w {
							continue
						}
						q := yy*w + xx
						if !geo[q] {
							continue
						}
						var wt float64
						if q == p {
							wt = kernel[kx] * kernel[ky]
						} else {
							d := float64(step) * math.Hypot(float64(kx-2), float64(ky-2))
							wt = kernel[kx] * kernel[ky] * geomW(p, q, d) * math.Exp(-math.Abs(lp-irr[q].Luminance())/sl)
						}
						sw += wt
						acc = acc.AddScaled(irr[q], wt)
						accVar += wt * wt * variance[q]
					}
				}
				next[p] = acc.Scale(1 / sw)
				nextVar[p] = accVar / (sw * sw)
			}
		}
		irr, next = next, irr
		variance, nextVar = nextVar, variance
	}
	for i := 0; i < np; i++ {
		if !geo[i] {
			continue
		}
		c := irr[i].Mul(alb[i])
		out[3*i], out[3*i+1], out[3*i+2] = float32(c.X), float32(c.Y), float32(c.Z)
	}
	return out, nil
}

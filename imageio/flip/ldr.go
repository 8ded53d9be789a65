package flip

import "math"

// LDR returns the LDR-FLIP error of each pixel of test against reference,
// both linear RGB in [0, 1] (HDR passes its tone mapped images; an sRGB
// encoded image must be decoded first).
func LDR(reference, test Image, ppd float64) []float32 {
	if ppd <= 0 {
		ppd = DefaultPPD
	}
	w, h := reference.W, reference.H
	ref, tst := toYCxCz(reference), toYCxCz(test)

	// Colour pipeline: CSF filtering in YCxCz, back to linear RGB clamped
	// to the unit cube, Hunt-adjusted L*a*b*, HyAB.
	labR := filteredLab(ref, w, h, ppd)
	labT := filteredLab(tst, w, h, ppd)
	cmax := math.Pow(hyab(huntLab(0, 1, 0), huntLab(0, 0, 1)), qc)
	pccmax := pc * cmax

	// Feature pipeline on the normalised luminance of the unfiltered images.
	eR, pR := features(ref[0], w, h, ppd)
	eT, pT := features(tst[0], w, h, ppd)

	out := make([]float32, w*h)
	for i := range out {
		dc := math.Pow(hyab(
			[3]float64{labR[0][i], labR[1][i], labR[2][i]},
			[3]float64{labT[0][i], labT[1][i], labT[2][i]}), qc)
		if dc < pccmax {
			dc = pt / pccmax * dc
		} else {
			dc = pt + (dc-pccmax)/(cmax-pccmax)*(1-pt)
		}
		df := math.Max(math.Abs(eR[i]-eT[i]), math.Abs(pT[i]-pR[i]))
		df = math.Pow(df/math.Sqrt2, qf)
		out[i] = float32(math.Pow(dc, 1-df))
	}
	return out
}

// D65, as the reference implementation writes it.
var (
	illum    = [3]float64{0.950428545, 1, 1.088900371}
	invIllum = [3]float64{1.052156925, 1, 0.918357670}
	rgb2xyz  = [3][3]float64{
		{10135552.0 / 24577794, 8788810.0 / 24577794, 4435075.0 / 24577794},
		{2613072.0 / 12288897, 8788810.0 / 12288897, 887015.0 / 12288897},
		{1425312.0 / 73733382, 8788810.0 / 73733382, 70074185.0 / 73733382},
	}
	xyz2rgb = [3][3]float64{
		{3.241003275, -1.537398934, -0.498615861},
		{-0.969224334, 1.875930071, 0.041554224},
		{0.055639423, -0.204011202, 1.057148933},
	}
)

func mul(m [3][3]float64, v [3]float64) [3]float64 {
	return [3]float64{
		m[0][0]*v[0] + m[0][1]*v[1] + m[0][2]*v[2],
		m[1][0]*v[0] + m[1][1]*v[1] + m[1][2]*v[2],
		m[2][0]*v[0] + m[2][1]*v[1] + m[2][2]*v[2],
	}
}

// toYCxCz turns linear RGB into the planes Y, Cx, Cz.
func toYCxCz(im Image) [3][]float64 {
	n := im.W * im.H
	out := [3][]float64{make([]float64, n), make([]float64, n), make([]float64, n)}
	for i := 0; i < n; i++ {
		xyz := mul(rgb2xyz, [3]float64{float64(im.Pix[3*i]), float64(im.Pix[3*i+1]), float64(im.Pix[3*i+2])})
		x, y, z := xyz[0]*invIllum[0], xyz[1]*invIllum[1], xyz[2]*invIllum[2]
		out[0][i] = 116*y - 16
		out[1][i] = 500 * (x - y)
		out[2][i] = 200 * (y - z)
	}
	return out
}

func labF(t float64) float64 {
	const d = 6.0 / 29
	if t > d*d*d {
		return math.Cbrt(t)
	}
	return t/(3*d*d) + 4.0/29
}

// huntLab is the Hunt-adjusted L*a*b* of a linear RGB colour: a and b
// scaled by L/100.
func huntLab(r, g, b float64) [3]float64 {
	xyz := mul(rgb2xyz, [3]float64{r, g, b})
	fx, fy, fz := labF(xyz[0]*invIllum[0]), labF(xyz[1]*invIllum[1]), labF(xyz[2]*invIllum[2])
	l := 116*fy - 16
	return [3]float64{l, 0.01 * l * 500 * (fx - fy), 0.01 * l * 200 * (fy - fz)}
}

// hyab is the HyAB distance: |ΔL| + ‖(Δa, Δb)‖.
func hyab(p, q [3]float64) float64 {
	return math.Abs(p[0]-q[0]) + math.Hypot(p[1]-q[1], p[2]-q[2])
}

// The contrast sensitivity functions (a1, b1, a2, b2) of the achromatic,
// red-green and blue-yellow channels.
var csf = [3][4]float64{
	{1, 0.0047, 0, 1e-5},
	{1, 0.0053, 0, 1e-5},
	{34.1, 0.04, 13.5, 0.025},
}

func csfRadius(ppd float64) int {
	return int(math.Ceil(3 * math.Sqrt(0.04/(2*math.Pi*math.Pi)) * ppd))
}

func featureRadius(ppd float64) int {
	return int(math.Ceil(3 * 0.5 * 0.082 * ppd))
}

// filteredLab filters the YCxCz planes with the CSFs and returns the
// Hunt-adjusted L*a*b* planes of the result clamped to the RGB cube.
func filteredLab(ycc [3][]float64, w, h int, ppd float64) [3][]float64 {
	r := csfRadius(ppd)
	var f [3][]float64
	for c := 0; c < 3; c++ {
		a1, b1, a2, b2 := csf[c][0], csf[c][1], csf[c][2], csf[c][3]
		g1, s1 := gauss1D(r, ppd, b1)
		w1 := a1 * math.Sqrt(math.Pi/b1) * s1 * s1
		w2 := 0.0
		var g2 []float64
		if a2 != 0 {
			var s2 float64
			g2, s2 = gauss1D(r, ppd, b2)
			w2 = a2 * math.Sqrt(math.Pi/b2) * s2 * s2
		}
		f[c] = separable(ycc[c], w, h, g1, g1)
		if g2 != nil {
			f2 := separable(ycc[c], w, h, g2, g2)
			for i := range f[c] {
				f[c][i] = (w1*f[c][i] + w2*f2[i]) / (w1 + w2)
			}
		}
	}
	out := [3][]float64{make([]float64, w*h), make([]float64, w*h), make([]float64, w*h)}
	for i := range out[0] {
		y := (f[0][i] + 16) / 116
		xyz := [3]float64{(y + f[1][i]/500) * illum[0], y * illum[1], (y - f[2][i]/200) * illum[2]}
		rgb := mul(xyz2rgb, xyz)
		lab := huntLab(clamp01(rgb[0]), clamp01(rgb[1]), clamp01(rgb[2]))
		out[0][i], out[1][i], out[2][i] = lab[0], lab[1], lab[2]
	}
	return out
}

func clamp01(v float64) float64 { return math.Min(1, math.Max(0, v)) }

// gauss1D is exp(−π² (x/ppd)² / b) for x in [−r, r], normalised to sum
// 1, and its sum before normalising.
func gauss1D(r int, ppd, b float64) ([]float64, float64) {
	g := make([]float64, 2*r+1)
	var s float64
	for i := range g {
		x := float64(i-r) / ppd
		g[i] = math.Exp(-math.Pi * math.Pi * x * x / b)
		s += g[i]
	}
	for i := range g {
		g[i] /= s
	}
	return g, s
}

// features returns, per pixel, the magnitudes of the edge and the point
// detector responses of the normalised luminance (Y + 16) / 116.
func features(y []float64, w, h int, ppd float64) (edge, point []float64) {
	sd := 0.5 * 0.082 * ppd
	r := featureRadius(ppd)
	g := make([]float64, 2*r+1)
	de := make([]float64, 2*r+1)
	dp := make([]float64, 2*r+1)
	var gs float64
	for i := range g {
		x := float64(i - r)
		g[i] = math.Exp(-x * x / (2 * sd * sd))
		gs += g[i]
		de[i] = -x * g[i]
		dp[i] = (x*x/(sd*sd) - 1) * g[i]
	}
	for i := range g {
		g[i] /= gs
	}
	// Positive weights sum to 1, negative to −1 (over the 2D kernel; the
	// Gaussian factor sums to 1 already).
	for _, d := range [][]float64{de, dp} {
		var pos, neg float64
		for _, v := range d {
			if v > 0 {
				pos += v
			} else {
				neg -= v
			}
		}
		for i, v := range d {
			if v > 0 {
				d[i] = v / pos
			} else if v < 0 {
				d[i] = v / neg
			}
		}
	}
	yy := make([]float64, len(y))
	for i, v := range y {
		yy[i] = (v + 16) / 116
	}
	ex, ey := separable(yy, w, h, de, g), separable(yy, w, h, g, de)
	px, py := separable(yy, w, h, dp, g), separable(yy, w, h, g, dp)
	edge, point = make([]float64, len(y)), make([]float64, len(y))
	for i := range y {
		edge[i] = math.Hypot(ex[i], ey[i])
		point[i] = math.Hypot(px[i], py[i])
	}
	return edge, point
}

// separable correlates a plane with kx along rows and ky along columns
// (odd lengths, centred), replicating the edge pixels.
func separable(p []float64, w, h int, kx, ky []float64) []float64 {
	rx, ry := len(kx)/2, len(ky)/2
	tmp := make([]float64, len(p))
	for y := 0; y < h; y++ {
		row := p[y*w : (y+1)*w]
		out := tmp[y*w : (y+1)*w]
		for x := 0; x < w; x++ {
			var s float64
			if x >= rx && x+rx < w {
				// inside: no edge to replicate
				win := row[x-rx : x+rx+1]
				for k, wt := range kx {
					s += wt * win[k]
				}
			} else {
				for k, wt := range kx {
					s += wt * row[min(max(x+k-rx, 0), w-1)]
				}
			}
			out[x] = s
		}
	}
	out := make([]float64, len(p))
	for y := 0; y < h; y++ {
		for k, wt := range ky {
			yy := min(max(y+k-ry, 0), h-1)
			src := tmp[yy*w : (yy+1)*w]
			dst := out[y*w : (y+1)*w]
			for x := range dst {
				dst[x] += wt * src[x]
			}
		}
	}
	return out
}

package exr

import (
	"fmt"
	"strings"
)

// Luminance/chroma images (yca.go).
//
// OpenEXR's RgbaOutputFile can store an image as luminance Y and two
// chroma channels RY = (R-Y)/Y and BY = (B-Y)/Y, usually sampled once per
// 2×2 pixels. YCAToRGB turns such a layer back into R, G, B the way
// OpenEXR's RgbaInputFile does (ImfRgbaFile.cpp FromYca::readPixels with
// the helpers of ImfRgbaYca.cpp), step by step:
//
//  1. Each scanline that carries chroma (even y) gets its missing chroma
//     samples (odd x) from the 27-tap filter of reconstructChromaHoriz; the
//     line is padded with 13 copies of its first pixel on the left and of
//     pixel width-2 on the right (padTmpBuf).
//  2. Each odd scanline gets its chroma from the same filter run
//     vertically over the even lines around it (reconstructChromaVert);
//     lines above the data window repeat the first line, lines below it
//     the last even line (readYCAScanLine's clamp).
//  3. YCAtoRGBA: R = (RY+1)·Y, B = (BY+1)·Y, G = (Y - R·Yw.x - B·Yw.z)/Yw.y,
//     with Yw, the luminance weights, from the part's chromaticities
//     (computeYw over ImfChromaticities.cpp RGBtoXYZ; Rec. ITU-R BT.709
//     when the attribute is absent). Both chroma 0 gives R = G = B = Y.
//  4. fixSaturation: a pixel much more saturated than its four diagonal
//     neighbours is desaturated, keeping its luminance.
//
// Every intermediate value is rounded to HALF where OpenEXR stores it in
// an Rgba, and the float arithmetic is done in the same order, so the
// result matches RgbaInputFile bit for bit on the reference images (see
// internal/oracle/exr_yca_test.go). Where OpenEXR reads uninitialised
// memory (an odd data window width or height, where the pad pixel or the
// clamped line carries no chroma) the nearest pixel or line that does is
// used instead. A layer with Y but no chroma is grey (R = G = B = Y).

// ycaTaps are the odd-tap weights of OpenEXR's chroma reconstruction
// filter (ImfRgbaYca.cpp reconstructChromaHoriz/Vert), for offsets
// -13, -11, ..., 11, 13.
var ycaTaps = [14]float32{
	0.002128, -0.007540, 0.019597, -0.043159, 0.087929, -0.186077, 0.627123,
	0.627123, -0.186077, 0.087929, -0.043159, 0.019597, -0.007540, 0.002128,
}

// LuminanceChroma reports whether the layer stores luminance (Y) instead
// of R, G and B: it has Y and no channel but RY, BY and A besides (a
// layer such as normal.X, normal.Y, normal.Z is not one).
func (l Layer) LuminanceChroma() bool {
	y := false
	for _, c := range l.Channels {
		switch suffix(c.Name) {
		case "Y":
			y = true
		case "RY", "BY", "A":
		default:
			return false
		}
	}
	return y
}

func suffix(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// LuminanceWeights returns Yw, the weights that make luminance of R, G, B
// under the part's chromaticities attribute (BT.709 primaries and D65 when
// it has none), as ImfRgbaYca.cpp computeYw does.
func (p *Part) LuminanceWeights() ([3]float32, error) {
	c := [8]float32{0.64, 0.33, 0.30, 0.60, 0.15, 0.06, 0.3127, 0.3290}
	if a := p.Attribute("chromaticities"); a != nil {
		v, ok := a.Value.([]float32)
		if !ok || len(v) != 8 {
			return [3]float32{}, fmt.Errorf("chromaticities attribute holds %T", a.Value)
		}
		copy(c[:], v)
	}
	rx, ry, gx, gy, bx, by, wx, wy := c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]
	if wy == 0 {
		return [3]float32{}, fmt.Errorf("bad chromaticities: white y is 0")
	}
	// RGBtoXYZ(c, 1), its second column only; float32() keeps every
	// product rounded as C++ float arithmetic does.
	const Y = float32(1)
	X := float32(wx*Y) / wy
	Z := float32((1-wx-wy)*Y) / wy
	XZ := X + Z
	d := float32(rx*(by-gy)) + float32(bx*(gy-ry)) + float32(gx*(ry-by))
	srN := float32(X*(by-gy)) - float32(gx*(float32(Y*(by-1))+float32(by*XZ))) + float32(bx*(float32(Y*(gy-1))+float32(gy*XZ)))
	sgN := float32(X*(ry-by)) + float32(rx*(float32(Y*(by-1))+float32(by*XZ))) - float32(bx*(float32(Y*(ry-1))+float32(ry*XZ)))
	sbN := float32(X*(gy-ry)) - float32(rx*(float32(Y*(gy-1))+float32(gy*XZ))) + float32(gx*(float32(Y*(ry-1))+float32(ry*XZ)))
	if d == 0 {
		return [3]float32{}, fmt.Errorf("bad chromaticities: primaries are colinear")
	}
	m0, m1, m2 := float32(srN/d*ry), float32(sgN/d*gy), float32(sbN/d*by)
	sum := m0 + m1 + m2
	return [3]float32{m0 / sum, m1 / sum, m2 / sum}, nil
}

// roundHalf rounds a float32 to the nearest HALF value.
func roundHalf(f float32) float32 { return halfToFloat(halfFromFloat32(f)) }

// YCAToRGB returns R, G and B HALF channels at full resolution (the
// part's base level), named with the layer's prefix, made from the
// luminance/chroma layer l of p as described at the top of this file. Y
// must be sampled 1×1 and RY, BY (when present) both 1×1 or both 2×2, as
// RgbaInputFile requires; other layouts give an *UnsupportedError.
func (p *Part) YCAToRGB(l Layer) ([3]*Channel, error) {
	var out [3]*Channel
	var yc, ryc, byc *Channel
	for _, c := range l.Channels {
		switch suffix(c.Name) {
		case "Y":
			yc = c
		case "RY":
			ryc = c
		case "BY":
			byc = c
		}
	}
	if yc == nil || len(p.Levels) == 0 {
		return out, fmt.Errorf("layer %q has no Y channel", l.Name)
	}
	if yc.Len() == 0 {
		return out, fmt.Errorf("layer %q: no pixels read", l.Name)
	}
	if yc.XSampling != 1 || yc.YSampling != 1 {
		return out, UnsupportedError(fmt.Sprintf("luminance channel %s sampled %dx%d", yc.Name, yc.XSampling, yc.YSampling))
	}
	chroma := ryc != nil && byc != nil
	sub := false
	if chroma {
		switch {
		case ryc.XSampling == 1 && ryc.YSampling == 1 && byc.XSampling == 1 && byc.YSampling == 1:
		case ryc.XSampling == 2 && ryc.YSampling == 2 && byc.XSampling == 2 && byc.YSampling == 2:
			sub = true
		default:
			return out, UnsupportedError(fmt.Sprintf("chroma channels %s %dx%d and %s %dx%d (OpenEXR reads 1x1 or 2x2 only)",
				ryc.Name, ryc.XSampling, ryc.YSampling, byc.Name, byc.XSampling, byc.YSampling))
		}
	}
	yw, err := p.LuminanceWeights()
	if err != nil {
		return out, err
	}
	w, h := p.Levels[0].Width, p.Levels[0].Height
	if yc.Width != w || yc.Height != h {
		return out, fmt.Errorf("channel %s: %dx%d samples for %dx%d pixels", yc.Name, yc.Width, yc.Height, w, h)
	}
	prefix := strings.TrimSuffix(yc.Name, "Y")
	for k, n := range [3]string{"R", "G", "B"} {
		out[k] = &Channel{Name: prefix + n, Type: pixHalf, XSampling: 1, YSampling: 1, Width: w, Height: h, Half: make([]uint16, w*h)}
	}
	if w == 0 || h == 0 {
		return out, nil
	}
	lum := func(x, y int) float32 { return roundHalf(yc.At(y*w + x)) }
	if !chroma {
		for i := 0; i < w*h; i++ {
			v := halfFromFloat32(yc.At(i))
			out[0].Half[i], out[1].Half[i], out[2].Half[i] = v, v, v
		}
		return out, nil
	}
	x0, y0 := p.DataWindow.XMin, p.DataWindow.YMin
	if !sub {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				i := y*w + x
				r, g, b := ycaToRGBA(yw, lum(x, y), roundHalf(ryc.At(i)), roundHalf(byc.At(i)))
				out[0].Half[i], out[1].Half[i], out[2].Half[i] = halfFromFloat32(r), halfFromFloat32(g), halfFromFloat32(b)
			}
		}
		return out, nil
	}
	// fx, fy: the first pixel column and row (relative) holding chroma,
	// i.e. at an even absolute coordinate.
	fx, fy := floorMod(-x0, 2), floorMod(-y0, 2)
	if ryc.Width < (w-fx+1)/2 || ryc.Height < (h-fy+1)/2 || byc.Width != ryc.Width || byc.Height != ryc.Height {
		return out, fmt.Errorf("chroma channels %s, %s: %dx%d samples for %dx%d pixels", ryc.Name, byc.Name, ryc.Width, ryc.Height, w, h)
	}
	// Step 1: horizontally complete chroma of each chroma line (index
	// (y-fy)/2).
	nLines := (h - fy + 1) / 2
	if nLines <= 0 || fx >= w {
		return out, fmt.Errorf("chroma channels %s, %s: no sample inside the %dx%d data window", ryc.Name, byc.Name, w, h)
	}
	lastX := w - 1 - floorMod(w-1-fx, 2) // last chroma column
	hr, hb := make([][]float32, nLines), make([][]float32, nLines)
	padR, padB := make([]float32, w+26), make([]float32, w+26)
	for k := 0; k < nLines; k++ {
		for j := fx; j < w; j += 2 {
			s := k*ryc.Width + (j-fx)/2
			padR[13+j], padB[13+j] = roundHalf(ryc.At(s)), roundHalf(byc.At(s))
		}
		first, last := 13+fx, 13+lastX
		for i := 0; i < 13+fx; i++ {
			padR[i], padB[i] = padR[first], padB[first]
		}
		for i := last + 1; i < w+26; i++ {
			padR[i], padB[i] = padR[last], padB[last]
		}
		r, b := make([]float32, w), make([]float32, w)
		for j := 0; j < w; j++ {
			if (j-fx)&1 == 0 {
				r[j], b[j] = padR[13+j], padB[13+j]
				continue
			}
			var sr, sb float32
			for t, c := range ycaTaps {
				sr += float32(padR[j+2*t] * c)
				sb += float32(padB[j+2*t] * c)
			}
			r[j], b[j] = roundHalf(sr), roundHalf(sb)
		}
		hr[k], hb[k] = r, b
	}
	// line maps a row (relative, may lie outside the window) to the chroma
	// line OpenEXR reads for it.
	lastLine := nLines - 1
	line := func(y int) int { return min(max(0, floorDiv(y-fy, 2)), lastLine) }
	// rowY is the row whose luminance OpenEXR uses for row y: rows above
	// the window read the first row, rows below it the one before the
	// last (readYCAScanLine's clamp).
	rowY := func(y int) int {
		switch {
		case y < 0:
			return 0
		case y >= h:
			return max(h-2, 0)
		}
		return y
	}
	// Steps 2 and 3: RGB rows -1 .. h (the neighbours of the first and last
	// rows are needed by fixSaturation).
	rows := make([][3][]float32, h+2)
	cr, cb := make([]float32, w), make([]float32, w)
	for y := -1; y <= h; y++ {
		sr, sb := cr, cb
		if (y-fy)&1 == 0 {
			sr, sb = hr[line(y)], hb[line(y)]
		} else {
			for x := 0; x < w; x++ {
				var ar, ab float32
				for t, c := range ycaTaps {
					k := line(y - 13 + 2*t)
					ar += float32(hr[k][x] * c)
					ab += float32(hb[k][x] * c)
				}
				cr[x], cb[x] = roundHalf(ar), roundHalf(ab)
			}
		}
		yy := rowY(y)
		rows[y+1] = ycaRow(yw, w, func(x int) float32 { return lum(x, yy) }, sr, sb)
	}
	// Step 4.
	for y := 0; y < h; y++ {
		fixSaturation(yw, w, rows[y], rows[y+1], rows[y+2], out, y*w)
	}
	return out, nil
}

// ycaRow converts one row of Y and chroma to HALF-rounded R, G, B.
func ycaRow(yw [3]float32, w int, lum func(int) float32, ry, by []float32) [3][]float32 {
	row := [3][]float32{make([]float32, w), make([]float32, w), make([]float32, w)}
	for x := 0; x < w; x++ {
		r, g, b := ycaToRGBA(yw, lum(x), ry[x], by[x])
		row[0][x], row[1][x], row[2][x] = roundHalf(r), roundHalf(g), roundHalf(b)
	}
	return row
}

// ycaToRGBA is ImfRgbaYca.cpp YCAtoRGBA for one pixel.
func ycaToRGBA(yw [3]float32, y, ry, by float32) (r, g, b float32) {
	if ry == 0 && by == 0 {
		return y, y, y
	}
	r = float32((ry + 1) * y)
	b = float32((by + 1) * y)
	g = (y - float32(r*yw[0]) - float32(b*yw[2])) / yw[1]
	return r, g, b
}

func saturation(r, g, b float32) float32 {
	hi, lo := fmax(r, fmax(g, b)), fmin(r, fmin(g, b))
	if hi > 0 {
		return 1 - lo/hi
	}
	return 0
}

// fmax and fmin are std::max and std::min (NaN handling included).
func fmax(a, b float32) float32 {
	if a < b {
		return b
	}
	return a
}

func fmin(a, b float32) float32 {
	if b < a {
		return b
	}
	return a
}

// fixSaturation is ImfRgbaYca.cpp fixSaturation: row cur with its rows
// above and below, written as HALF into out at offset o.
func fixSaturation(yw [3]float32, w int, above, cur, below [3][]float32, out [3]*Channel, o int) {
	sat := func(row [3][]float32, i int) float32 { return saturation(row[0][i], row[1][i], row[2][i]) }
	a2, b2 := sat(above, 0), sat(below, 0)
	a1, b1 := a2, b2
	for i := 0; i < w; i++ {
		a0, b0 := a1, b1
		a1, b1 = a2, b2
		if i < w-1 {
			a2, b2 = sat(above, i+1), sat(below, i+1)
		}
		sMean := fmin(1, 0.25*(a0+a2+b0+b2))
		r, g, b := cur[0][i], cur[1][i], cur[2][i]
		if s := saturation(r, g, b); s > sMean {
			if sMax := fmin(1, 1-float32((1-sMean)*0.25)); s > sMax {
				r, g, b = desaturate(r, g, b, sMax/s, yw)
			}
		}
		out[0].Half[o+i], out[1].Half[o+i], out[2].Half[o+i] = halfFromFloat32(r), halfFromFloat32(g), halfFromFloat32(b)
	}
}

// desaturate is ImfRgbaYca.cpp desaturate: move R, G, B towards their
// maximum by factor f, then rescale to the input's luminance.
func desaturate(r, g, b, f float32, yw [3]float32) (float32, float32, float32) {
	hi := fmax(r, fmax(g, b))
	or := roundHalf(fmax(hi-float32((hi-r)*f), 0))
	og := roundHalf(fmax(hi-float32((hi-g)*f), 0))
	ob := roundHalf(fmax(hi-float32((hi-b)*f), 0))
	yin := float32(r*yw[0]) + float32(g*yw[1]) + float32(b*yw[2])
	yout := float32(or*yw[0]) + float32(og*yw[1]) + float32(ob*yw[2])
	if yout > 0 {
		k := yin / yout
		or, og, ob = roundHalf(or*k), roundHalf(og*k), roundHalf(ob*k)
	}
	return or, og, ob
}

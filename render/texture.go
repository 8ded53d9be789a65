package render

import "math"

// Image is a linear float RGBA raster, row 0 at the top.
type Image struct {
	W, H int
	Pix  []float32 // 4 per pixel
}

// At returns the pixel at (x, y) as RGB plus alpha.
func (im *Image) At(x, y int) (Vec3, float64) {
	i := 4 * (y*im.W + x)
	p := im.Pix[i : i+4 : i+4]
	return Vec3{float64(p[0]), float64(p[1]), float64(p[2])}, float64(p[3])
}

// Wrap is a UsdUVTexture wrap mode.
type Wrap int

const (
	WrapRepeat Wrap = iota
	WrapMirror
	WrapClamp
	WrapBlack
)

// ImageTexture is UsdUVTexture: a bilinear lookup at the surface's st
// coordinates, scaled and biased. Alpha is returned through Eval's caller
// by Channel 3 of Scalar inputs, so Eval packs it: the returned Vec3 is
// RGB, and EvalAlpha gives alpha.
type ImageTexture struct {
	Img          *Image
	WrapS, WrapT Wrap
	Scale, Bias  [4]float64
	// Channel selects a single channel to broadcast (0..3), or -1 for RGB.
	Channel int
	// Fallback is used where the lookup is black by WrapBlack.
	Fallback [4]float64
	// ST, when set, transforms the coordinates before the lookup
	// (UsdTransform2d).
	ST *Transform2d
	// Tiles, when set, is a UDIM tile set (Img is unused): tile 1001 + u +
	// 10·v covers st in [u, u+1) × [v, v+1), looked up at st's fractional
	// part; st outside the 10 × 10 tiles or on a missing tile gives
	// Fallback, as Storm's UDIM textures do (HdStUdimTextureObject).
	Tiles map[int]*Image
}

// Transform2d is UsdTransform2d: st' = R(rotation)·(scale ⊙ st) +
// translation, the rotation in degrees counter-clockwise about the origin
// (scale, then rotate, then translate, as the UsdPreviewSurface
// specification orders them).
type Transform2d struct {
	Scale, Translation Vec2
	Rotation           float64 // degrees
}

// Apply transforms st.
func (x *Transform2d) Apply(st Vec2) Vec2 {
	s, c := math.Sincos(x.Rotation * math.Pi / 180)
	u, v := st.X*x.Scale.X, st.Y*x.Scale.Y
	return Vec2{c*u - s*v + x.Translation.X, s*u + c*v + x.Translation.Y}
}

// Eval implements Texture.
func (t *ImageTexture) Eval(si *SurfaceInteraction) Vec3 {
	st := si.UV
	if t.ST != nil {
		st = t.ST.Apply(st)
	}
	c := t.lookup(st.X, st.Y)
	if t.Channel >= 0 && t.Channel < 4 {
		v := c[t.Channel]
		return Vec3{v, v, v}
	}
	return Vec3{c[0], c[1], c[2]}
}

func (t *ImageTexture) lookup(s, tt float64) [4]float64 {
	im := t.Img
	if t.Tiles != nil {
		u, v := math.Floor(s), math.Floor(tt)
		if u < 0 || u > 9 || v < 0 || v > 9 {
			return t.Fallback
		}
		im = t.Tiles[1001+int(u)+10*int(v)]
		if im == nil {
			return t.Fallback
		}
		s, tt = s-u, tt-v
	}
	// USD st has t up; image rows go down.
	x := s*float64(im.W) - 0.5
	y := (1-tt)*float64(im.H) - 0.5
	x0, y0 := math.Floor(x), math.Floor(y)
	fx, fy := x-x0, y-y0
	var out [4]float64
	for k := 0; k < 4; k++ {
		dx, dy := float64(k&1), float64(k>>1)
		w := (1 - math.Abs(dx-fx)) * (1 - math.Abs(dy-fy))
		if w == 0 {
			continue
		}
		xi, okx := wrapCoord(int(x0+dx), im.W, t.WrapS)
		yi, oky := wrapCoord(int(y0+dy), im.H, t.WrapT)
		if !okx || !oky {
			continue
		}
		rgb, a := im.At(xi, yi)
		out[0] += w * rgb.X
		out[1] += w * rgb.Y
		out[2] += w * rgb.Z
		out[3] += w * a
	}
	for i := range out {
		out[i] = out[i]*t.Scale[i] + t.Bias[i]
	}
	return out
}

func wrapCoord(i, n int, w Wrap) (int, bool) {
	switch w {
	case WrapClamp:
		return min(max(i, 0), n-1), true
	case WrapBlack:
		return i, i >= 0 && i < n
	case WrapMirror:
		p := ((i % (2 * n)) + 2*n) % (2 * n)
		if p >= n {
			p = 2*n - 1 - p
		}
		return p, true
	}
	return ((i % n) + n) % n, true
}

// DisplayColor is a texture that returns the mesh's colour primvar (its
// displayColor, or the primvar a UsdPrimvarReader of the mesh's material
// names, which the scene converter stores there), or Fallback where the
// mesh has none.
type DisplayColor struct{ Fallback Vec3 }

// Eval implements Texture.
func (d *DisplayColor) Eval(si *SurfaceInteraction) Vec3 {
	if si.Color.X < 0 {
		return d.Fallback
	}
	return si.Color
}

// SRGBToLinear decodes one sRGB-encoded channel value in [0, 1].
func SRGBToLinear(c float64) float64 {
	if c <= 0.04045 {
		return c / 12.92
	}
	return math.Pow((c+0.055)/1.055, 2.4)
}

// LinearToSRGB encodes one linear channel value, clamped to [0, 1].
func LinearToSRGB(c float64) float64 {
	if c <= 0 {
		return 0
	}
	if c >= 1 {
		return 1
	}
	if c <= 0.0031308 {
		return c * 12.92
	}
	return 1.055*math.Pow(c, 1/2.4) - 0.055
}

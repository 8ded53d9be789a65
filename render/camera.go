package render

import "math"

// Camera is a perspective (or orthographic) camera looking down its local
// −Z axis with +Y up, the USD convention.
type Camera struct {
	ToWorld Matrix // camera to world, row-vector convention

	// FocalLength and the apertures share one unit (USD: tenths of a scene
	// unit, usually read as mm); only their ratios matter for framing.
	FocalLength               float64
	HorizontalAperture        float64
	VerticalAperture          float64
	HorizontalApertureOffset  float64
	VerticalApertureOffset    float64
	Near, Far                 float64 // clipping range in scene units
	LensRadius, FocusDistance float64 // scene units; LensRadius 0 is a pinhole
	Orthographic              bool
}

// DefaultCamera looks from (0, 0, 5) at the origin with a 50 mm lens on a
// 36 mm film back.
func DefaultCamera() Camera {
	return Camera{
		ToWorld:            Translate(Vec3{0, 0, 5}),
		FocalLength:        50,
		HorizontalAperture: 36,
		VerticalAperture:   24,
		Near:               1e-4,
		Far:                math.Inf(1),
	}
}

// cameraSetup is a camera prepared for one image size.
type cameraSetup struct {
	c            *Camera
	w, h         float64
	sx, sy       float64 // image plane half-extent at distance 1 (or ortho half-size)
	ox, oy       float64
	near, far    float64
	lensR, focus float64
}

// setup conforms the aperture to the image aspect by expanding it (USD's
// default aspectRatioConformPolicy, expandAperture).
func (c *Camera) setup(width, height int) cameraSetup {
	ha, va := c.HorizontalAperture, c.VerticalAperture
	if ha <= 0 {
		ha = 20.955
	}
	if va <= 0 {
		va = ha * float64(height) / float64(width)
	}
	aspect := float64(width) / float64(height)
	if ha/va < aspect {
		ha = va * aspect
	} else {
		va = ha / aspect
	}
	f := c.FocalLength
	if f <= 0 {
		f = 50
	}
	cs := cameraSetup{c: c, w: float64(width), h: float64(height), near: c.Near, far: c.Far, lensR: c.LensRadius, focus: c.FocusDistance}
	if c.Orthographic {
		// USD ortho apertures are in tenths of a scene unit.
		cs.sx, cs.sy = ha/20, va/20
		cs.ox, cs.oy = c.HorizontalApertureOffset/10, c.VerticalApertureOffset/10
	} else {
		cs.sx, cs.sy = ha/(2*f), va/(2*f)
		cs.ox, cs.oy = c.HorizontalApertureOffset/f, c.VerticalApertureOffset/f
	}
	if cs.far <= cs.near || cs.far == 0 {
		cs.far = math.Inf(1)
	}
	if cs.focus <= 0 {
		cs.lensR = 0
	}
	return cs
}

// generate makes the world ray through raster position (px, py) (pixels,
// y down) with lens sample (u, v); it returns the ray and its t range.
func (cs *cameraSetup) generate(px, py, u, v float64) (Ray, float64, float64) {
	nx := (2*px/cs.w - 1)
	ny := (1 - 2*py/cs.h)
	x := nx*cs.sx + cs.ox
	y := ny*cs.sy + cs.oy
	var o, d Vec3
	if cs.c.Orthographic {
		o, d = Vec3{x, y, 0}, Vec3{0, 0, -1}
	} else {
		o, d = Vec3{}, Vec3{x, y, -1}
		if cs.lensR > 0 {
			// Thin lens: aim at the point on the focus plane, start on the lens.
			pf := d.Scale(cs.focus)
			lx, ly := concentricDisk(u, v)
			o = Vec3{lx * cs.lensR, ly * cs.lensR, 0}
			d = pf.Sub(o)
		}
	}
	// Clipping distances are along the view axis; convert to ray t.
	dz := -d.Z
	dn := d.Norm()
	near, far := cs.near, cs.far
	if !cs.c.Orthographic && dz > 0 {
		l := d.Len() / dz
		near, far = near*l, far*l
	}
	m := &cs.c.ToWorld
	wd := m.Dir(dn)
	scale := wd.Len()
	return Ray{O: m.Point(o), D: wd.Scale(1 / scale)}, near * scale, far * scale
}

// concentricDisk maps the unit square to the unit disk (Shirley-Chiu).
//
// The values are bit for bit r·math.Cos(φ), r·math.Sin(φ) (TestConcentricDiskMatchesMath),
// at less cost: the math package's reduction and polynomials written out
// for the two octants φ falls in (sincosOctant0), one evaluation for both
// values, math.Sincos at the octants' edges.
func concentricDisk(u, v float64) (float64, float64) {
	a, b := 2*u-1, 2*v-1
	if a == 0 && b == 0 {
		return 0, 0
	}
	if math.Abs(a) > math.Abs(b) {
		phi := math.Pi / 4 * (b / a)
		// The math package's octant j = 0: no reduction (φ = ±0 left to it:
		// its sine returns the zero's sign, the polynomial +0).
		if phi != 0 && math.Abs(phi)*(4/math.Pi) < 1 {
			s, c := sincosOctant0(phi)
			return a * c, a * s
		}
		s, c := math.Sincos(phi)
		return a * c, a * s
	}
	phi := math.Pi/2 - math.Pi/4*(a/b)
	if t := phi * (4 / math.Pi); t >= 1 && t < 3 {
		// The math package's octants j = 1, 2, both taken as j = 2:
		// z = φ − π/2 by its three-part π/4, then sin φ = cos z and
		// cos φ = −sin z.
		const (
			pi4A = 7.85398125648498535156e-1 // π/4 in three parts (sin.go)
			pi4B = 3.77489470793079817668e-8
			pi4C = 2.69515142907905952645e-15
		)
		sz, cz := sincosOctant0(((phi - 2*pi4A) - 2*pi4B) - 2*pi4C)
		return b * -sz, b * cz
	}
	s, c := math.Sincos(phi)
	return b * c, b * s
}

// sincosOctant0 returns the math package's sine and cosine polynomials
// (sin.go, sincos.go: Cephes') at a reduced argument z. For
// 0 < |z|·(4/π) < 1 it is math.Sincos(z) bit for bit: there the math
// package takes octant j = 0 and z unchanged, and its sign handling for
// z < 0 (negate, evaluate, negate the sine) gives the bits of the odd
// sine polynomial at z, as round-to-nearest is symmetric.
func sincosOctant0(z float64) (sin, cos float64) {
	const (
		s0 = 1.58962301576546568060e-10
		s1 = -2.50507477628578072866e-8
		s2 = 2.75573136213857245213e-6
		s3 = -1.98412698295895385996e-4
		s4 = 8.33333333332211858878e-3
		s5 = -1.66666666666666307295e-1
		c0 = -1.13585365213876817300e-11
		c1 = 2.08757008419747316778e-9
		c2 = -2.75573141792967388112e-7
		c3 = 2.48015872888517045348e-5
		c4 = -1.38888888888730564116e-3
		c5 = 4.16666666666665929218e-2
	)
	zz := z * z
	cos = 1.0 - 0.5*zz + zz*zz*((((((c0*zz)+c1)*zz+c2)*zz+c3)*zz+c4)*zz+c5)
	sin = z + z*zz*((((((s0*zz)+s1)*zz+s2)*zz+s3)*zz+s4)*zz+s5)
	return sin, cos
}

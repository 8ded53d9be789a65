package render

import "math"

// sphRect is a rectangle as seen from a point o, set up for sampling by
// solid angle with the area-preserving parametrisation of Ureña, Fajardo
// and King 2013 ("An Area-Preserving Parametrization for Spherical
// Rectangles", EGSR), which Cycles uses for rectangular area lights
// (intern/cycles/kernel/light/area.h): every direction towards the
// rectangle gets the same density 1/S, so the 1/d² and the emitter-side
// cosine of area sampling no longer show up as noise near a large light.
//
// The frame: x, y along the rectangle's edges, z = x×y turned so that the
// rectangle lies at z0 < 0; (x0, y0) and (x1, y1) are the rectangle's
// extents in that frame relative to o.
type sphRect struct {
	o, x, y, z     Vec3
	x0, y0, x1, y1 float64
	z0             float64
	b0, b1, k      float64
	S              float64 // solid angle
}

// minSphRectSolidAngle: below it the spherical angles lose precision
// (S is a small difference of angles near 2π) and area sampling, nearly
// the same distribution for so small a light, is used instead.
const minSphRectSolidAngle = 1e-6

// init sets q up for rectangle corner + [0,1]·ex + [0,1]·ey seen from o.
// It returns false when the rectangle is degenerate, not a rectangle
// (sheared edges), seen edge-on or too small for a stable solid angle.
func (q *sphRect) init(o, corner, ex, ey Vec3) bool {
	exl, eyl := ex.Len(), ey.Len()
	if !(exl > 0) || !(eyl > 0) {
		return false
	}
	x, y := ex.Scale(1/exl), ey.Scale(1/eyl)
	if math.Abs(x.Dot(y)) > 1e-6 {
		return false
	}
	z := x.Cross(y)
	d := corner.Sub(o)
	z0 := d.Dot(z)
	if z0 > 0 {
		z, z0 = z.Neg(), -z0
	}
	if !(z0 < 0) {
		return false
	}
	x0, y0 := d.Dot(x), d.Dot(y)
	x1, y1 := x0+exl, y0+eyl
	// Normals of the four planes through o and an edge, in the local frame.
	n0 := Vec3{0, z0, -y0}.Norm()
	n1 := Vec3{-z0, 0, x1}.Norm()
	n2 := Vec3{0, -z0, y1}.Norm()
	n3 := Vec3{z0, 0, -x0}.Norm()
	g0 := math.Acos(clampUnit(-n0.Dot(n1)))
	g1 := math.Acos(clampUnit(-n1.Dot(n2)))
	g2 := math.Acos(clampUnit(-n2.Dot(n3)))
	g3 := math.Acos(clampUnit(-n3.Dot(n0)))
	k := 2*math.Pi - g2 - g3
	S := g0 + g1 - k
	if !(S > minSphRectSolidAngle) {
		return false
	}
	*q = sphRect{o: o, x: x, y: y, z: z, x0: x0, y0: y0, x1: x1, y1: y1, z0: z0,
		b0: n0.Z, b1: n2.Z, k: k, S: S}
	return true
}

// sample maps (u, v) ∈ [0,1)² to a point of the rectangle; the direction
// from o to it has solid-angle density 1/S. It also returns the point's
// position along the edges as fractions (s, t) of their lengths.
func (q *sphRect) sample(u, v float64) (p Vec3, s, t float64) {
	// The u coordinate cuts off a sub-rectangle of solid angle u·S.
	au := u*q.S + q.k
	sinAu, cosAu := math.Sincos(au) // one range reduction; the same bits as Sin, Cos
	fu := (cosAu*q.b0 - q.b1) / sinAu
	cu := 1 / math.Sqrt(fu*fu+q.b0*q.b0)
	if fu <= 0 {
		cu = -cu
	}
	cu = clampUnit(cu)
	xu := -(cu * q.z0) / math.Sqrt(max(1e-300, 1-cu*cu))
	xu = min(max(xu, q.x0), q.x1)
	// v is uniform in the height along that line, seen from o.
	dd := math.Sqrt(xu*xu + q.z0*q.z0)
	h0 := q.y0 / math.Sqrt(dd*dd+q.y0*q.y0)
	h1 := q.y1 / math.Sqrt(dd*dd+q.y1*q.y1)
	hv := h0 + v*(h1-h0)
	hv2 := hv * hv
	yv := q.y1
	if hv2 < 1-1e-12 {
		yv = hv * dd / math.Sqrt(1-hv2)
	}
	yv = min(max(yv, q.y0), q.y1)
	p = q.o.AddScaled(q.x, xu).AddScaled(q.y, yv).AddScaled(q.z, q.z0)
	return p, (xu - q.x0) / (q.x1 - q.x0), (yv - q.y0) / (q.y1 - q.y0)
}

func clampUnit(x float64) float64 { return max(-1, min(1, x)) }

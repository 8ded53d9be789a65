package render

import "math"

// Light is an emitter. Finite lights (rect, disk, sphere, cylinder) are hit
// by rays through hit; infinite lights (dome, distant with an angle) are
// seen by rays that escape the scene through escaped.
type Light interface {
	// prepare caches world-space data once the scene is built.
	prepare(s *Scene)
	// sampleLi samples a direction from p towards the light.
	sampleLi(p Vec3, u1, u2 float64, ls *lightSample) bool
	// hit intersects the light's shape; pdf is the solid-angle density with
	// which sampleLi would have chosen this direction from r.O.
	hit(r Ray, tMax float64) (t float64, le Vec3, pdf float64, ok bool)
	// escaped returns the radiance of an infinite light along d and the
	// sampleLi density of d; finite lights return zero.
	escaped(d Vec3) (Vec3, float64)
	// cameraVisible says whether camera rays see the light.
	cameraVisible() bool
}

type lightSample struct {
	wi    Vec3    // unit direction towards the light
	li    Vec3    // incident radiance (irradiance for delta lights)
	dist  float64 // distance to the light sample; +Inf for infinite lights
	pdf   float64 // solid-angle density; 1 for delta lights
	delta bool
}

// LightBase holds what every UsdLux light has.
type LightBase struct {
	Name      string
	ToWorld   Matrix // light to world, row-vector convention
	Color     Vec3
	Intensity float64
	Exposure  float64
	Normalize bool
	// Invisible hides a light from camera rays (it still lights the scene).
	Invisible bool
}

// power returns intensity·2^exposure·color.
func (b *LightBase) power() Vec3 {
	return b.Color.Scale(b.Intensity * math.Exp2(b.Exposure))
}

func (b *LightBase) cameraVisible() bool { return !b.Invisible }

// DistantLight is UsdLux DistantLight. Intensity·color is the irradiance on
// a surface facing the light; light travels along local −Z. Angle is the
// angular diameter in degrees (0 gives a delta light).
type DistantLight struct {
	LightBase
	Angle float64

	toLight  Vec3 // unit direction from the scene towards the light
	frame    Frame
	cosMax   float64
	radiance Vec3
	irr      Vec3
}

func (l *DistantLight) prepare(*Scene) {
	l.toLight = l.ToWorld.Dir(Vec3{0, 0, 1}).Norm()
	l.frame = NewFrame(l.toLight)
	l.irr = l.power()
	half := l.Angle * math.Pi / 360
	l.cosMax = 1
	if half > 0 {
		l.cosMax = math.Cos(half)
		s := math.Sin(half)
		// Radiance of a uniform disc of half-angle θ giving irradiance E at
		// normal incidence: E = L·π·sin²θ.
		l.radiance = l.irr.Scale(1 / (math.Pi * s * s))
	}
}

func (l *DistantLight) sampleLi(p Vec3, u1, u2 float64, ls *lightSample) bool {
	ls.dist = math.Inf(1)
	if l.cosMax >= 1 {
		*ls = lightSample{wi: l.toLight, li: l.irr, dist: math.Inf(1), pdf: 1, delta: true}
		return true
	}
	ls.wi = l.frame.ToWorld(uniformCone(u1, u2, l.cosMax))
	ls.li = l.radiance
	ls.pdf = 1 / (2 * math.Pi * (1 - l.cosMax))
	ls.delta = false
	return true
}

func (l *DistantLight) hit(Ray, float64) (float64, Vec3, float64, bool) {
	return 0, Vec3{}, 0, false
}

func (l *DistantLight) escaped(d Vec3) (Vec3, float64) {
	if l.cosMax >= 1 || d.Dot(l.toLight) < l.cosMax {
		return Vec3{}, 0
	}
	return l.radiance, 1 / (2 * math.Pi * (1 - l.cosMax))
}

// The sun is never seen directly, as in the Cycles references.
func (l *DistantLight) cameraVisible() bool { return false }

func uniformCone(u, v, cosMax float64) Vec3 {
	c := 1 - u*(1-cosMax)
	s := math.Sqrt(max(0, 1-c*c))
	sinP, cosP := math.Sincos(2 * math.Pi * v) // one range reduction; the same bits as Sin, Cos
	return Vec3{s * cosP, s * sinP, c}
}

// RectLight is UsdLux RectLight: a one-sided rectangle of Width (local X) by
// Height (local Y) emitting along local −Z with radiance intensity·color
// (divided by the area when Normalize is set).
type RectLight struct {
	LightBase
	Width, Height float64
	// Texture, when set, modulates the radiance by (u, v) over the rectangle.
	Texture Texture

	corner, ex, ey, n Vec3
	area              float64
	radiance          Vec3
	center            Vec3
	near2             float64 // squared distance within which sampling is by solid angle
}

// rectNear is how many half-diagonals from its centre a rect light is
// sampled by solid angle: further away area sampling is nearly as good
// (the 1/d² and cosines vary little over the light) and saves the
// spherical set-up, four arccosines per shadow ray and per emitter hit.
const rectNear = 3

func (l *RectLight) prepare(*Scene) {
	m := &l.ToWorld
	l.corner = m.Point(Vec3{-l.Width / 2, -l.Height / 2, 0})
	l.ex = m.Dir(Vec3{l.Width, 0, 0})
	l.ey = m.Dir(Vec3{0, l.Height, 0})
	c := l.ex.Cross(l.ey)
	l.area = c.Len()
	// Emission is along local −Z; with a mirroring transform local Z may
	// not equal ex×ey, so take the transformed −Z to choose the side.
	l.n = c.Norm()
	if l.n.Dot(m.Dir(Vec3{0, 0, -1})) < 0 {
		l.n = l.n.Neg()
	}
	l.radiance = l.power()
	if l.Normalize && l.area > 0 {
		l.radiance = l.radiance.Scale(1 / l.area)
	}
	l.center = l.corner.AddScaled(l.ex, 0.5).AddScaled(l.ey, 0.5)
	h := rectNear * l.ex.Add(l.ey).Len() / 2
	l.near2 = h * h
}

// solidAngleFrom sets sr up for sampling by solid angle from o when o is
// near the light and the set-up is stable; false means area sampling.
// sampleLi and hit decide alike, so the MIS weights see the density the
// sample was drawn with.
func (l *RectLight) solidAngleFrom(o Vec3, sr *sphRect) bool {
	d := o.Sub(l.center)
	return d.Dot(d) <= l.near2 && sr.init(o, l.corner, l.ex, l.ey)
}

func (l *RectLight) le(u, v float64) Vec3 {
	if l.Texture == nil {
		return l.radiance
	}
	// Allocates (the texture is an interface); only textured lights pay.
	si := &SurfaceInteraction{UV: Vec2{u, v}}
	return l.radiance.Mul(l.Texture.Eval(si))
}

// sampleLi samples the rectangle by solid angle seen from p (sphRect), as
// Cycles does, near the light; by area further away (rectNear), when the
// light is too small for the set-up to be stable, or not a rectangle after
// its transform.
func (l *RectLight) sampleLi(p Vec3, u1, u2 float64, ls *lightSample) bool {
	if p.Sub(l.corner).Dot(l.n) <= 0 {
		return false // behind the one-sided emitter
	}
	var sr sphRect
	if !l.solidAngleFrom(p, &sr) {
		q := l.corner.AddScaled(l.ex, u1).AddScaled(l.ey, u2)
		return areaSample(p, q, l.n, l.area, l.le(u1, u2), ls)
	}
	q, u, v := sr.sample(u1, u2)
	d := q.Sub(p)
	dist := d.Len()
	if !(dist > 0) {
		return false
	}
	*ls = lightSample{wi: d.Scale(1 / dist), li: l.le(u, v), dist: dist, pdf: 1 / sr.S}
	return true
}

// pdfFrom is sampleLi's solid-angle density, from o, of a direction that
// meets the light at distance t with cosine cosL at the light.
func (l *RectLight) pdfFrom(o Vec3, t, cosL float64) float64 {
	var sr sphRect
	if l.solidAngleFrom(o, &sr) {
		return 1 / sr.S
	}
	return t * t / (cosL * l.area)
}

// areaSample fills ls for a point q with normal n on a one-sided emitter
// sampled uniformly by area.
func areaSample(p, q, n Vec3, area float64, le Vec3, ls *lightSample) bool {
	d := q.Sub(p)
	dist2 := d.Dot(d)
	if dist2 == 0 || area == 0 {
		return false
	}
	dist := math.Sqrt(dist2)
	wi := d.Scale(1 / dist)
	cosL := -wi.Dot(n)
	if cosL <= 0 {
		return false
	}
	*ls = lightSample{wi: wi, li: le, dist: dist, pdf: dist2 / (cosL * area)}
	return true
}

func (l *RectLight) hit(r Ray, tMax float64) (float64, Vec3, float64, bool) {
	den := r.D.Dot(l.n)
	if den >= 0 { // from behind, or parallel: one-sided
		return 0, Vec3{}, 0, false
	}
	t := l.corner.Sub(r.O).Dot(l.n) / den
	if t <= 0 || t >= tMax {
		return 0, Vec3{}, 0, false
	}
	q := r.At(t).Sub(l.corner)
	u := q.Dot(l.ex) / l.ex.Dot(l.ex)
	v := q.Dot(l.ey) / l.ey.Dot(l.ey)
	if u < 0 || u > 1 || v < 0 || v > 1 {
		return 0, Vec3{}, 0, false
	}
	return t, l.le(u, v), l.pdfFrom(r.O, t, -den), true
}

func (l *RectLight) escaped(Vec3) (Vec3, float64) { return Vec3{}, 0 }

// DiskLight is UsdLux DiskLight: a one-sided disc of Radius in the local XY
// plane emitting along local −Z.
type DiskLight struct {
	LightBase
	Radius float64

	center, ax, ay, n Vec3
	area              float64
	radiance          Vec3
}

func (l *DiskLight) prepare(*Scene) {
	m := &l.ToWorld
	l.center = m.Point(Vec3{})
	l.ax = m.Dir(Vec3{l.Radius, 0, 0})
	l.ay = m.Dir(Vec3{0, l.Radius, 0})
	c := l.ax.Cross(l.ay)
	l.area = math.Pi * c.Len()
	l.n = c.Norm()
	if l.n.Dot(m.Dir(Vec3{0, 0, -1})) < 0 {
		l.n = l.n.Neg()
	}
	l.radiance = l.power()
	if l.Normalize && l.area > 0 {
		l.radiance = l.radiance.Scale(1 / l.area)
	}
}

func (l *DiskLight) sampleLi(p Vec3, u1, u2 float64, ls *lightSample) bool {
	x, y := concentricDisk(u1, u2)
	q := l.center.AddScaled(l.ax, x).AddScaled(l.ay, y)
	return areaSample(p, q, l.n, l.area, l.radiance, ls)
}

func (l *DiskLight) hit(r Ray, tMax float64) (float64, Vec3, float64, bool) {
	den := r.D.Dot(l.n)
	if den >= 0 {
		return 0, Vec3{}, 0, false
	}
	t := l.center.Sub(r.O).Dot(l.n) / den
	if t <= 0 || t >= tMax {
		return 0, Vec3{}, 0, false
	}
	q := r.At(t).Sub(l.center)
	x := q.Dot(l.ax) / l.ax.Dot(l.ax)
	y := q.Dot(l.ay) / l.ay.Dot(l.ay)
	if x*x+y*y > 1 {
		return 0, Vec3{}, 0, false
	}
	return t, l.radiance, t * t / (-den * l.area), true
}

func (l *DiskLight) escaped(Vec3) (Vec3, float64) { return Vec3{}, 0 }

// SphereLight is UsdLux SphereLight: a sphere of Radius emitting radiance
// intensity·color from every point of its surface. A radius of 0 (or
// TreatAsPoint) makes a point light whose intensity·color is the radiant
// intensity in W/sr.
type SphereLight struct {
	LightBase
	Radius       float64
	TreatAsPoint bool

	center   Vec3
	r        float64
	radiance Vec3
}

func (l *SphereLight) prepare(*Scene) {
	l.center = l.ToWorld.Point(Vec3{})
	// Non-uniform scale is approximated by the mean axis scale.
	s := (l.ToWorld.Dir(Vec3{1, 0, 0}).Len() + l.ToWorld.Dir(Vec3{0, 1, 0}).Len() + l.ToWorld.Dir(Vec3{0, 0, 1}).Len()) / 3
	l.r = l.Radius * s
	if l.TreatAsPoint {
		l.r = 0
	}
	l.radiance = l.power()
	if l.Normalize && l.r > 0 {
		l.radiance = l.radiance.Scale(1 / (4 * math.Pi * l.r * l.r))
	}
}

func (l *SphereLight) sampleLi(p Vec3, u1, u2 float64, ls *lightSample) bool {
	d := l.center.Sub(p)
	dist2 := d.Dot(d)
	if l.r <= 0 {
		if dist2 == 0 {
			return false
		}
		dist := math.Sqrt(dist2)
		*ls = lightSample{wi: d.Scale(1 / dist), li: l.radiance.Scale(1 / dist2), dist: dist, pdf: 1, delta: true}
		return true
	}
	if dist2 <= l.r*l.r {
		return false // inside the light
	}
	dist := math.Sqrt(dist2)
	axis := d.Scale(1 / dist)
	sin2 := l.r * l.r / dist2
	cosMax := math.Sqrt(max(0, 1-sin2))
	wi := NewFrame(axis).ToWorld(uniformCone(u1, u2, cosMax))
	t, ok := sphereHit(p, wi, l.center, l.r)
	if !ok {
		// Grazing sample lost to rounding: use the tangent distance.
		t = math.Sqrt(max(0, dist2-l.r*l.r))
	}
	*ls = lightSample{wi: wi, li: l.radiance, dist: t, pdf: 1 / (2 * math.Pi * (1 - cosMax))}
	return true
}

// sphereHit returns the nearest positive t where o + t·d meets the sphere.
func sphereHit(o, d, c Vec3, r float64) (float64, bool) {
	oc := o.Sub(c)
	b := oc.Dot(d)
	cc := oc.Dot(oc) - r*r
	disc := b*b - cc
	if disc < 0 {
		return 0, false
	}
	sq := math.Sqrt(disc)
	t := -b - sq
	if t <= 0 {
		t = -b + sq
	}
	return t, t > 0
}

func (l *SphereLight) hit(r Ray, tMax float64) (float64, Vec3, float64, bool) {
	if l.r <= 0 {
		return 0, Vec3{}, 0, false
	}
	t, ok := sphereHit(r.O, r.D, l.center, l.r)
	if !ok || t >= tMax {
		return 0, Vec3{}, 0, false
	}
	d := l.center.Sub(r.O)
	dist2 := d.Dot(d)
	if dist2 <= l.r*l.r {
		return t, l.radiance, 0, true
	}
	cosMax := math.Sqrt(max(0, 1-l.r*l.r/dist2))
	return t, l.radiance, 1 / (2 * math.Pi * (1 - cosMax)), true
}

func (l *SphereLight) escaped(Vec3) (Vec3, float64) { return Vec3{}, 0 }

// CylinderLight is UsdLux CylinderLight: a tube of Length along local X and
// Radius, emitting outwards from its side (the caps do not emit).
type CylinderLight struct {
	LightBase
	Length, Radius float64

	inv      Matrix
	area     float64
	radiance Vec3
}

func (l *CylinderLight) prepare(*Scene) {
	l.inv, _ = l.ToWorld.Inverse()
	sx := l.ToWorld.Dir(Vec3{1, 0, 0}).Len()
	sr := (l.ToWorld.Dir(Vec3{0, 1, 0}).Len() + l.ToWorld.Dir(Vec3{0, 0, 1}).Len()) / 2
	l.area = 2 * math.Pi * l.Radius * sr * l.Length * sx
	l.radiance = l.power()
	if l.Normalize && l.area > 0 {
		l.radiance = l.radiance.Scale(1 / l.area)
	}
}

func (l *CylinderLight) sampleLi(p Vec3, u1, u2 float64, ls *lightSample) bool {
	phi := 2 * math.Pi * u2
	local := Vec3{(u1 - 0.5) * l.Length, l.Radius * math.Cos(phi), l.Radius * math.Sin(phi)}
	q := l.ToWorld.Point(local)
	n := l.inv.Normal(Vec3{0, local.Y, local.Z}).Norm()
	return areaSample(p, q, n, l.area, l.radiance, ls)
}

func (l *CylinderLight) hit(r Ray, tMax float64) (float64, Vec3, float64, bool) {
	o, d := l.inv.Point(r.O), l.inv.Dir(r.D)
	a := d.Y*d.Y + d.Z*d.Z
	if a == 0 {
		return 0, Vec3{}, 0, false
	}
	b := o.Y*d.Y + o.Z*d.Z
	c := o.Y*o.Y + o.Z*o.Z - l.Radius*l.Radius
	disc := b*b - a*c
	if disc < 0 {
		return 0, Vec3{}, 0, false
	}
	sq := math.Sqrt(disc)
	for _, t := range [2]float64{(-b - sq) / a, (-b + sq) / a} {
		if t <= 0 || t >= tMax {
			continue
		}
		x := o.X + t*d.X
		if x < -l.Length/2 || x > l.Length/2 {
			continue
		}
		lp := o.AddScaled(d, t)
		n := l.inv.Normal(Vec3{0, lp.Y, lp.Z}).Norm()
		cosL := -r.D.Dot(n)
		if cosL <= 0 {
			return 0, Vec3{}, 0, false // inside the tube: the inner side is dark
		}
		return t, l.radiance, t * t / (cosL * l.area), true
	}
	return 0, Vec3{}, 0, false
}

func (l *CylinderLight) escaped(Vec3) (Vec3, float64) { return Vec3{}, 0 }

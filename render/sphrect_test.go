package render

import (
	"math"
	"testing"
)

// cornerSolidAngle is the solid angle of the rectangle [0,a]×[0,b] in a
// plane at height h, seen from the point above its corner (0,0), signed
// by the signs of a and b so that offsets compose by inclusion-exclusion.
func cornerSolidAngle(a, b, h float64) float64 {
	s := math.Asin(math.Abs(a*b) / math.Sqrt((a*a+h*h)*(b*b+h*h)))
	if a*b < 0 {
		return -s
	}
	return s
}

// rectSolidAngle is the solid angle of [x0,x1]×[y0,y1] at height h seen
// from the origin.
func rectSolidAngle(x0, y0, x1, y1, h float64) float64 {
	return cornerSolidAngle(x1, y1, h) - cornerSolidAngle(x0, y1, h) - cornerSolidAngle(x1, y0, h) + cornerSolidAngle(x0, y0, h)
}

// cornerIrradiance is the irradiance, at the point below the corner (0,0),
// of a parallel Lambertian rectangle [0,a]×[0,b] of radiance 1 at height
// h: π times the point-to-rectangle form factor (Howell's catalogue, B-3),
// signed like cornerSolidAngle.
func cornerIrradiance(a, b, h float64) float64 {
	x, y := math.Abs(a)/h, math.Abs(b)/h
	e := 0.5 * (x/math.Sqrt(1+x*x)*math.Atan(y/math.Sqrt(1+x*x)) + y/math.Sqrt(1+y*y)*math.Atan(x/math.Sqrt(1+y*y)))
	if a*b < 0 {
		return -e
	}
	return e
}

func rectIrradiance(x0, y0, x1, y1, h float64) float64 {
	return cornerIrradiance(x1, y1, h) - cornerIrradiance(x0, y1, h) - cornerIrradiance(x1, y0, h) + cornerIrradiance(x0, y0, h)
}

var sphRectCases = []struct {
	name           string
	x0, y0, x1, y1 float64 // extents of the rectangle at height h, relative to the point
	h              float64
}{
	{"centred", -1, -0.5, 1, 0.5, 1},
	{"off-centre", 0.3, -2, 2.5, 1, 0.7},
	{"large-and-near", -20, -15, 25, 10, 0.5},
	{"small-and-far", 2, 3, 2.05, 3.02, 10},
}

// The solid angle S of the set-up equals the analytic solid angle of the
// rectangle, whichever side of the plane the point is on.
func TestSphRectSolidAngleExact(t *testing.T) {
	for _, tc := range sphRectCases {
		want := rectSolidAngle(tc.x0, tc.y0, tc.x1, tc.y1, tc.h)
		for _, side := range []float64{1, -1} {
			var q sphRect
			corner := Vec3{tc.x0, tc.y0, side * tc.h}
			if !q.init(Vec3{}, corner, Vec3{tc.x1 - tc.x0, 0, 0}, Vec3{0, tc.y1 - tc.y0, 0}) {
				t.Fatalf("%s: init failed", tc.name)
			}
			if math.Abs(q.S-want) > 1e-9*want {
				t.Errorf("%s side %v: S = %.12g, want %.12g", tc.name, side, q.S, want)
			}
		}
	}
}

// The parametrisation preserves solid angle: on a stratified grid of
// (u, v), the share of points falling in a sub-rectangle equals its share
// of the solid angle; every point lies on the rectangle; and the estimate
// Σ cosθ / (N pdf) of the irradiance from a unit-radiance rectangle equals
// the analytic form factor, with the RectLight's hit reporting the same
// pdf as its sampleLi for every sampled direction (the MIS weights depend
// on it).
func TestSphRectSamplingPreservesSolidAngle(t *testing.T) {
	const n = 256
	for _, tc := range sphRectCases {
		t.Run(tc.name, func(t *testing.T) {
			var q sphRect
			corner := Vec3{tc.x0, tc.y0, tc.h}
			w, h := tc.x1-tc.x0, tc.y1-tc.y0
			if !q.init(Vec3{}, corner, Vec3{w, 0, 0}, Vec3{0, h, 0}) {
				t.Fatal("init failed")
			}
			// Sub-rectangle: the lower-left third by width, half by height.
			sx1, sy1 := tc.x0+w/3, tc.y0+h/2
			inSub := 0
			for i := 0; i < n; i++ {
				for j := 0; j < n; j++ {
					p, s, tt := q.sample((float64(i)+0.5)/n, (float64(j)+0.5)/n)
					if math.Abs(p.Z-tc.h) > 1e-9*tc.h || p.X < tc.x0-1e-9 || p.X > tc.x1+1e-9 || p.Y < tc.y0-1e-9 || p.Y > tc.y1+1e-9 {
						t.Fatalf("sample %v off the rectangle", p)
					}
					if math.Abs(s-(p.X-tc.x0)/w) > 1e-9 || math.Abs(tt-(p.Y-tc.y0)/h) > 1e-9 {
						t.Fatalf("sample %v: edge fractions (%g, %g) wrong", p, s, tt)
					}
					if p.X < sx1 && p.Y < sy1 {
						inSub++
					}
				}
			}
			got := float64(inSub) / (n * n)
			want := rectSolidAngle(tc.x0, tc.y0, sx1, sy1, tc.h) / q.S
			// Each row and column of the grid straddles the boundary at most
			// once: 2/n bounds the discretisation error.
			if math.Abs(got-want) > 2.0/n {
				t.Errorf("share of samples in the sub-rectangle %.5f, its share of the solid angle %.5f", got, want)
			}

			// A RectLight facing down onto the origin: local −Z is world −Z
			// with the identity rotation; translate its centre.
			l := &RectLight{LightBase: LightBase{ToWorld: Translate(Vec3{(tc.x0 + tc.x1) / 2, (tc.y0 + tc.y1) / 2, tc.h}), Color: Vec3{1, 1, 1}, Intensity: 1},
				Width: w, Height: h}
			l.prepare(nil)
			var ls lightSample
			sum := 0.0
			for i := 0; i < n; i++ {
				for j := 0; j < n; j++ {
					if !l.sampleLi(Vec3{}, (float64(i)+0.5)/n, (float64(j)+0.5)/n, &ls) {
						t.Fatal("sampleLi failed")
					}
					sum += ls.li.Y * ls.wi.Z / ls.pdf
					if i%37 == 0 && j%41 == 0 {
						th, _, pdf, ok := l.hit(Ray{D: ls.wi}, math.Inf(1))
						if !ok || math.Abs(pdf-ls.pdf) > 1e-9*ls.pdf || math.Abs(th-ls.dist) > 1e-9*ls.dist {
							t.Fatalf("hit gives t=%g pdf=%g (ok %v), sampleLi gave t=%g pdf=%g", th, pdf, ok, ls.dist, ls.pdf)
						}
					}
				}
			}
			gotE, wantE := sum/(n*n), rectIrradiance(tc.x0, tc.y0, tc.x1, tc.y1, tc.h)
			if math.Abs(gotE-wantE) > 2e-3*wantE {
				t.Errorf("irradiance %.6f, want the form factor's %.6f", gotE, wantE)
			}
		})
	}
}

// Behind a one-sided rect light nothing is sampled.
func TestRectLightSamplesNothingBehind(t *testing.T) {
	l := &RectLight{LightBase: LightBase{ToWorld: Translate(Vec3{0, 0, 1}), Color: Vec3{1, 1, 1}, Intensity: 1}, Width: 1, Height: 1}
	l.prepare(nil)
	var ls lightSample
	if l.sampleLi(Vec3{0, 0, 2}, 0.5, 0.5, &ls) {
		t.Errorf("sampled a direction from behind the light: %+v", ls)
	}
	if !l.sampleLi(Vec3{0, 0, 0}, 0.5, 0.5, &ls) || math.Abs(ls.wi.Z-1) > 1e-9 {
		t.Errorf("from below, the centre sample %+v does not point straight up", ls)
	}
}

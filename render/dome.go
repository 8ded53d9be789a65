package render

import (
	"math"
	"sort"
)

// DomeLight is UsdLux DomeLight: light from infinitely far away in every
// direction, intensity·color times an optional lat-long texture oriented
// as OpenEXR's lat-long maps in the light's space (+Y up, longitude 0 along
// +Z, +π/2 along +X).
type DomeLight struct {
	LightBase
	Texture *Image

	toLocal  Matrix // world to light (directions only)
	toWorld  Matrix
	radiance Vec3
	dist     *distribution2D
}

func (l *DomeLight) prepare(*Scene) {
	l.toWorld = l.ToWorld
	l.toWorld[3][0], l.toWorld[3][1], l.toWorld[3][2] = 0, 0, 0
	l.toLocal, _ = l.toWorld.Inverse()
	l.radiance = l.power()
	if l.Texture != nil {
		im := l.Texture
		f := make([]float64, im.W*im.H)
		for y := 0; y < im.H; y++ {
			s := math.Sin(math.Pi * (float64(y) + 0.5) / float64(im.H))
			for x := 0; x < im.W; x++ {
				c, _ := im.At(x, y)
				f[y*im.W+x] = c.Luminance()*s + 1e-6
			}
		}
		l.dist = newDistribution2D(f, im.W, im.H)
	}
}

// lookup returns the radiance for a local unit direction.
func (l *DomeLight) lookup(d Vec3) Vec3 {
	if l.Texture == nil {
		return l.radiance
	}
	u, v := latLongUV(d)
	im := l.Texture
	x := min(int(u*float64(im.W)), im.W-1)
	y := min(int(v*float64(im.H)), im.H-1)
	c, _ := im.At(x, y)
	return l.radiance.Mul(c)
}

// latLongUV maps a direction to image coordinates in [0,1)², v down.
func latLongUV(d Vec3) (float64, float64) {
	lon := math.Atan2(d.X, d.Z)
	lat := math.Asin(max(-1, min(1, d.Y)))
	return (math.Pi - lon) / (2 * math.Pi), (math.Pi/2 - lat) / math.Pi
}

func latLongDir(u, v float64) Vec3 {
	lon := math.Pi - 2*math.Pi*u
	lat := math.Pi/2 - math.Pi*v
	// math.Sincos: one range reduction each, the same bits as Sin and Cos.
	sinLat, c := math.Sincos(lat)
	sinLon, cosLon := math.Sincos(lon)
	return Vec3{c * sinLon, sinLat, c * cosLon}
}

func (l *DomeLight) sampleLi(p Vec3, u1, u2 float64, ls *lightSample) bool {
	if l.dist == nil {
		z := 1 - 2*u1
		r := math.Sqrt(max(0, 1-z*z))
		sinP, cosP := math.Sincos(2 * math.Pi * u2)
		*ls = lightSample{wi: Vec3{r * cosP, r * sinP, z}, li: l.radiance, dist: math.Inf(1), pdf: 1 / (4 * math.Pi)}
		return true
	}
	u, v, pdfUV := l.dist.sample(u1, u2)
	if pdfUV == 0 {
		return false
	}
	local := latLongDir(u, v)
	s := math.Sin(math.Pi * v)
	if s == 0 {
		return false
	}
	*ls = lightSample{
		wi:   l.toWorld.Dir(local).Norm(),
		li:   l.lookup(local),
		dist: math.Inf(1),
		pdf:  pdfUV / (2 * math.Pi * math.Pi * s),
	}
	return true
}

func (l *DomeLight) hit(Ray, float64) (float64, Vec3, float64, bool) {
	return 0, Vec3{}, 0, false
}

func (l *DomeLight) escaped(d Vec3) (Vec3, float64) {
	if l.dist == nil {
		return l.radiance, 1 / (4 * math.Pi)
	}
	local := l.toLocal.Dir(d).Norm()
	u, v := latLongUV(local)
	s := math.Sin(math.Pi * v)
	if s == 0 {
		return l.lookup(local), 0
	}
	return l.lookup(local), l.dist.pdf(u, v) / (2 * math.Pi * math.Pi * s)
}

// distribution2D samples a piecewise-constant function on [0,1)².
type distribution2D struct {
	w, h     int
	cond     [][]float64 // per-row CDFs, len w+1
	condSum  []float64
	marginal []float64 // CDF over rows, len h+1
	total    float64
}

func newDistribution2D(f []float64, w, h int) *distribution2D {
	d := &distribution2D{w: w, h: h, cond: make([][]float64, h), condSum: make([]float64, h), marginal: make([]float64, h+1)}
	for y := 0; y < h; y++ {
		cdf := make([]float64, w+1)
		for x := 0; x < w; x++ {
			cdf[x+1] = cdf[x] + f[y*w+x]
		}
		d.cond[y] = cdf
		d.condSum[y] = cdf[w]
		d.marginal[y+1] = d.marginal[y] + cdf[w]
	}
	d.total = d.marginal[h]
	return d
}

func sampleCDF(cdf []float64, u float64) (int, float64) {
	n := len(cdf) - 1
	target := u * cdf[n]
	i := sort.SearchFloat64s(cdf, target) - 1
	i = max(0, min(i, n-1))
	seg := cdf[i+1] - cdf[i]
	frac := 0.0
	if seg > 0 {
		frac = (target - cdf[i]) / seg
	}
	return i, frac
}

// sample returns a point and its density with respect to area on [0,1)².
func (d *distribution2D) sample(u1, u2 float64) (float64, float64, float64) {
	if d.total <= 0 {
		return 0, 0, 0
	}
	y, fy := sampleCDF(d.marginal, u2)
	x, fx := sampleCDF(d.cond[y], u1)
	return (float64(x) + fx) / float64(d.w), (float64(y) + fy) / float64(d.h), d.pdfAt(x, y)
}

func (d *distribution2D) pdfAt(x, y int) float64 {
	f := d.cond[y][x+1] - d.cond[y][x]
	return f * float64(d.w*d.h) / d.total
}

func (d *distribution2D) pdf(u, v float64) float64 {
	if d.total <= 0 {
		return 0
	}
	x := max(0, min(int(u*float64(d.w)), d.w-1))
	y := max(0, min(int(v*float64(d.h)), d.h-1))
	return d.pdfAt(x, y)
}

package render

import (
	"fmt"
	"math"
	"sort"
)

// PixelFilter is the reconstruction filter of the image.
//
// Filters are applied by importance sampling, as Cycles does (intern/cycles
// scene/film.cpp filter_table, kernel/film/... filter_table_sample): each
// camera sample's offset from the pixel centre is drawn from the filter's
// 1D profile, separately in x and y, and the sample goes to its own pixel
// with weight 1. A pixel thus sees the radiance convolved with the filter,
// the film stays a plain per-pixel sum (farm merges stay exact), and a
// flat field stays exactly flat.
type PixelFilter int

const (
	// FilterBox spreads samples uniformly over the pixel (the default).
	FilterBox PixelFilter = iota
	// FilterBlackmanHarris is Cycles' default filter: the 4-term
	// Blackman-Harris window. Cycles' "filter width" w (1.5 px by default)
	// is the window's half support: offsets lie in [−w, w].
	FilterBlackmanHarris
)

// DefaultFilterWidth is Cycles' default pixel filter width in pixels.
const DefaultFilterWidth = 1.5

// ParseFilter reads "box" or "blackman-harris".
func ParseFilter(s string) (PixelFilter, error) {
	switch s {
	case "", "box":
		return FilterBox, nil
	case "blackman-harris":
		return FilterBlackmanHarris, nil
	}
	return FilterBox, fmt.Errorf("pixel filter %q: want box or blackman-harris", s)
}

func (f PixelFilter) String() string {
	if f == FilterBlackmanHarris {
		return "blackman-harris"
	}
	return "box"
}

// blackmanHarris is the window over [−half, half], 0 at both ends and 1 at
// the centre (Cycles' filter_func_blackman_harris with its width doubled).
func blackmanHarris(x, half float64) float64 {
	v := 2 * math.Pi * (x/(2*half) + 0.5)
	return 0.35875 - 0.48829*math.Cos(v) + 0.14128*math.Cos(2*v) - 0.01168*math.Cos(3*v)
}

// filterTableSize is the number of CDF intervals; the profile is smooth, so
// linear interpolation of the inverse is far below a sample's noise.
const filterTableSize = 1024

// filterSampler maps a uniform number to a filter offset in pixels.
type filterSampler struct {
	half float64
	cdf  []float64 // filterTableSize+1 values, 0 … 1, at x = −half + i·step
}

func newFilterSampler(f PixelFilter, width float64) *filterSampler {
	if f != FilterBlackmanHarris {
		return nil
	}
	if !(width > 0) {
		width = DefaultFilterWidth
	}
	fs := &filterSampler{half: width, cdf: make([]float64, filterTableSize+1)}
	step := 2 * width / filterTableSize
	for i := 0; i < filterTableSize; i++ {
		// Simpson's rule on each interval.
		a := -width + float64(i)*step
		fa, fm, fb := blackmanHarris(a, width), blackmanHarris(a+step/2, width), blackmanHarris(a+step, width)
		fs.cdf[i+1] = fs.cdf[i] + step*(fa+4*fm+fb)/6
	}
	total := fs.cdf[filterTableSize]
	for i := range fs.cdf {
		fs.cdf[i] /= total
	}
	fs.cdf[filterTableSize] = 1
	return fs
}

// offset returns the filter offset for u in [0, 1): the inverse CDF,
// linear within a table interval.
func (fs *filterSampler) offset(u float64) float64 {
	i := sort.SearchFloat64s(fs.cdf, u) - 1
	i = max(0, min(i, filterTableSize-1))
	lo, hi := fs.cdf[i], fs.cdf[i+1]
	t := 0.0
	if hi > lo {
		t = (u - lo) / (hi - lo)
	}
	step := 2 * fs.half / filterTableSize
	return -fs.half + (float64(i)+t)*step
}

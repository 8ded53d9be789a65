// Package flip computes FLIP, NVIDIA's perceptual difference between a
// reference and a test image, for linear (HDR) float images: HDR-FLIP runs
// LDR-FLIP on the two images tone mapped at a range of exposures and keeps
// each pixel's largest error. The viewer uses it as the perceptual metric
// of its A/B compare.
//
// The rules are those of the papers and of the reference implementation
// (github.com/NVlabs/flip, v1.x: pytorch/flip_loss.py and cpp/FLIP.h):
//
//   - P. Andersson et al., "FLIP: A Difference Evaluator for Alternating
//     Images", HPG 2020 (LDR-FLIP): the colour pipeline filters the images
//     in YCxCz with the contrast sensitivity functions of the achromatic,
//     red-green and blue-yellow channels, clamps to the linear RGB cube,
//     takes the HyAB distance of Hunt-adjusted L*a*b* colours to the power
//     qc = 0.7 and redistributes it with pc = 0.4, pt = 0.95; the feature
//     pipeline compares edge and point detector responses of the
//     normalised luminance; error = colour error ^ (1 − feature error).
//   - P. Andersson et al., "Visualizing Errors in Rendered High Dynamic
//     Range Images", Eurographics 2021 (HDR-FLIP): exposures from
//     log2(x_max / Y_max) to log2(x_min / Y_median) of the reference, at
//     least two, one stop apart or closer; the ACES filmic curve (Narkowicz'
//     fit) as tone mapper, t_max = t_min = 0.85.
//
// All filters are Gaussians or Gaussian derivatives and are applied as
// separable 1D passes (as the reference implementation does since v1.2),
// with the image edge replicated. It does not draw error maps in colour;
// Map returns the error per pixel.
package flip

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"
)

// Image is a linear RGB image, 3 values per pixel, rows from the top.
type Image struct {
	W, H int
	Pix  []float32
}

// DefaultPPD is the reference implementation's default observer: a 0.7 m
// wide 3840 pixel monitor seen from 0.7 m.
var DefaultPPD = 0.7 * 3840 / 0.7 * math.Pi / 180

// The constants of the papers.
const (
	qc, qf, pc, pt = 0.7, 0.5, 0.4, 0.95
	tMax, tMin     = 0.85, 0.85
)

// Result is the outcome of HDR: the mean error, and the exposures used.
type Result struct {
	Mean          float64 `json:"mean"`
	StartExposure float64 `json:"startExposure"`
	StopExposure  float64 `json:"stopExposure"`
	Exposures     int     `json:"exposures"`
	PPD           float64 `json:"ppd"`
}

// HDR computes HDR-FLIP of test against reference (same size) for the
// pixels of the rectangle [x0, x1) × [y0, y1); the exposure range comes
// from the whole reference, and the filters see the pixels around the
// rectangle, so the values are those of the whole image's error map. It
// stops early with ctx's error.
func HDR(ctx context.Context, reference, test Image, ppd float64, x0, y0, x1, y1 int) (Result, error) {
	if reference.W != test.W || reference.H != test.H {
		return Result{}, fmt.Errorf("flip: reference is %dx%d, test %dx%d", reference.W, reference.H, test.W, test.H)
	}
	if len(reference.Pix) != 3*reference.W*reference.H || len(test.Pix) != 3*test.W*test.H {
		return Result{}, fmt.Errorf("flip: want 3 values per pixel")
	}
	x0, y0 = max(x0, 0), max(y0, 0)
	x1, y1 = min(x1, reference.W), min(y1, reference.H)
	if x1 <= x0 || y1 <= y0 {
		return Result{}, fmt.Errorf("flip: empty region")
	}
	if ppd <= 0 {
		ppd = DefaultPPD
	}
	start, stop := exposureRange(reference)
	n := int(math.Max(2, math.Ceil(stop-start)))
	step := (stop - start) / float64(max(n-1, 1))
	// The map is local (the filters reach m pixels), so it is computed in
	// tiles, each cropped with a margin of m: memory stays bounded and
	// the tiles run in parallel; the values are those of the whole map.
	m := max(csfRadius(ppd), featureRadius(ppd)) + 1
	type tile struct{ x0, y0, x1, y1 int }
	var tiles []tile
	for ty := y0; ty < y1; ty += tileSize {
		for tx := x0; tx < x1; tx += tileSize {
			tiles = append(tiles, tile{tx, ty, min(tx+tileSize, x1), min(ty+tileSize, y1)})
		}
	}
	sums := make([]float64, len(tiles))
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(tiles)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range work {
				tl := tiles[k]
				cx0, cy0, cx1, cy1 := max(tl.x0-m, 0), max(tl.y0-m, 0), min(tl.x1+m, reference.W), min(tl.y1+m, reference.H)
				ref, tst := crop(reference, cx0, cy0, cx1, cy1), crop(test, cx0, cy0, cx1, cy1)
				errMax := make([]float32, ref.W*ref.H)
				for i := 0; i < n && ctx.Err() == nil; i++ {
					e := start + float64(i)*step
					for j, v := range LDR(toneMap(ref, e), toneMap(tst, e), ppd) {
						errMax[j] = max(errMax[j], v)
					}
				}
				for y := tl.y0; y < tl.y1; y++ {
					for x := tl.x0; x < tl.x1; x++ {
						sums[k] += float64(errMax[(y-cy0)*ref.W+(x-cx0)])
					}
				}
			}
		}()
	}
	for k := range tiles {
		if ctx.Err() != nil {
			break
		}
		work <- k
	}
	close(work)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return Result{}, fmt.Errorf("flip: %w", err)
	}
	var sum float64
	for _, v := range sums {
		sum += v
	}
	return Result{Mean: sum / float64((x1-x0)*(y1-y0)), StartExposure: start, StopExposure: stop, Exposures: n, PPD: ppd}, nil
}

// tileSize is the side of the tiles HDR computes the map in.
const tileSize = 256

func crop(im Image, x0, y0, x1, y1 int) Image {
	out := Image{W: x1 - x0, H: y1 - y0, Pix: make([]float32, 3*(x1-x0)*(y1-y0))}
	for y := y0; y < y1; y++ {
		copy(out.Pix[3*(y-y0)*out.W:], im.Pix[3*(y*im.W+x0):3*(y*im.W+x1)])
	}
	return out
}

// The ACES fit (Narkowicz 2016) as HDR-FLIP writes it, with the 0.6
// pre-exposure folded into the constants.
const (
	k0 = 0.6 * 0.6 * 2.51
	k1 = 0.6 * 0.03
	k2 = 0.0
	k3 = 0.6 * 0.6 * 2.43
	k4 = 0.6 * 0.59
	k5 = 0.14
)

// exposureRange is HDR-FLIP's start and stop exposure for a reference:
// the exposure that maps its brightest luminance to t_max, and the one
// that maps its median luminance to t_min (inverting the ACES fit).
func exposureRange(ref Image) (start, stop float64) {
	inv := func(t float64) float64 {
		c0 := (k1 - k4*t) / (k0 - k3*t)
		c1 := (k2 - k5*t) / (k0 - k3*t)
		return -0.5*c0 + math.Sqrt(0.25*c0*c0-c1)
	}
	xMax, xMin := inv(tMax), inv(tMin)
	lum := make([]float64, ref.W*ref.H)
	yHi := 0.0
	for i := range lum {
		r, g, b := clampHDR(ref.Pix[3*i]), clampHDR(ref.Pix[3*i+1]), clampHDR(ref.Pix[3*i+2])
		lum[i] = 0.2126*r + 0.7152*g + 0.0722*b
		yHi = math.Max(yHi, lum[i])
	}
	sort.Float64s(lum)
	// The lower median, as torch.median gives.
	yLo := lum[(len(lum)-1)/2]
	// A black reference (or black half) has no range: the reference
	// implementation divides by zero there; one stop around 0 is used.
	if yHi <= 0 {
		return 0, 1
	}
	if yLo <= 0 {
		yLo = yHi / 1024
	}
	return math.Log2(xMax / yHi), math.Log2(xMin / yLo)
}

// clampHDR is HDR-FLIP's input range: non-negative, at most 65536; NaN
// becomes 0.
func clampHDR(v float32) float64 {
	if !(v > 0) {
		return 0
	}
	return math.Min(float64(v), 65536)
}

// toneMap exposes by 2^e and applies the ACES fit, clamped to [0, 1]: the
// result is taken as linear RGB.
func toneMap(im Image, e float64) Image {
	out := Image{W: im.W, H: im.H, Pix: make([]float32, len(im.Pix))}
	s := math.Exp2(e)
	for i, v := range im.Pix {
		x := clampHDR(v) * s
		y := 1.0
		if !math.IsInf(x*x, 0) {
			y = (k0*x*x + k1*x + k2) / (k3*x*x + k4*x + k5)
		}
		out.Pix[i] = float32(math.Min(1, math.Max(0, y)))
	}
	return out
}

package render

import "math"

// adaptive is per-pixel adaptive sampling as Cycles does it (intern/cycles
// kernel/film/adaptive_sampling.h, after Dammertz et al. 2010, "A
// hierarchical automatic stopping condition for Monte Carlo global
// illumination", section 2.1): besides the film's sum I of all samples, a
// second buffer A sums every other sample (odd sample indices, counted
// from the range start) times two. Both estimate the pixel; their
// difference is an error estimate, normalised by the square root of the
// intensity so that dark pixels are not held to an absolute error:
//
//	error = (|I_r−A_r| + |I_g−A_g| + |I_b−A_b|) / N / (0.0001 + sqrt((I_r+I_g+I_b)/N))
//
// A pixel whose error and whose 8 neighbours' errors are all below the
// threshold stops (Cycles spreads "not converged" by one pixel in x and
// y the same way, so that a lone lucky pixel next to noise keeps going).
// Checks happen at the end of passes, whose sample counts are powers of
// two, from the minimum sample count on; a pixel thus stops at a power
// of two and keeps its samples a stratified (0,2)-net.
type adaptive struct {
	threshold  float64
	minSamples int
	w, h       int
	odd        []int64 // per pixel three fixed-point sums of odd samples
	converged  []bool
	err        []float32 // last error per pixel, +Inf before minSamples
}

func newAdaptive(threshold float64, minSamples, n, w, h int) *adaptive {
	if minSamples <= 0 {
		// Cycles' default (Integrator::get_adaptive_sampling): the square
		// root of the sample count, at least 4.
		minSamples = max(4, int(math.Sqrt(float64(n))))
	}
	a := &adaptive{
		threshold: threshold, minSamples: minSamples, w: w, h: h,
		odd: make([]int64, 3*w*h), converged: make([]bool, w*h), err: make([]float32, w*h),
	}
	for i := range a.err {
		a.err[i] = float32(math.Inf(1))
	}
	return a
}

// addOdd adds sample l of pixel i to the odd-sample buffer.
func (a *adaptive) addOdd(i int, l Vec3) {
	a.odd[3*i] += toFixed(l.X)
	a.odd[3*i+1] += toFixed(l.Y)
	a.odd[3*i+2] += toFixed(l.Z)
}

// update recomputes the error of the pixels of tile t from the film.
func (a *adaptive) update(f *Film, t *tile) {
	for y := t.y0; y < t.y1; y++ {
		for x := t.x0; x < t.x1; x++ {
			i := y*a.w + x
			n := f.n[i]
			if a.converged[i] || int(n) < a.minSamples || n%2 != 0 {
				continue
			}
			s := 1 / (float64(n) * filmScale)
			var diff, inten float64
			for c := 0; c < 3; c++ {
				all := float64(f.sum[3*i+c]) * s
				half := 2 * float64(a.odd[3*i+c]) * s
				diff += math.Abs(all - half)
				inten += all
			}
			a.err[i] = float32(diff / (0.0001 + math.Sqrt(math.Max(0, inten))))
		}
	}
}

// settle marks the pixels of tile t converged whose 3×3 neighbourhood is
// below the threshold and reports whether every pixel of the tile is.
func (a *adaptive) settle(t *tile) bool {
	all := true
	thr := float32(a.threshold)
	for y := t.y0; y < t.y1; y++ {
		for x := t.x0; x < t.x1; x++ {
			i := y*a.w + x
			if a.converged[i] {
				continue
			}
			ok := true
			for yy := max(0, y-1); yy <= min(a.h-1, y+1) && ok; yy++ {
				for xx := max(0, x-1); xx <= min(a.w-1, x+1); xx++ {
					if !(a.err[yy*a.w+xx] < thr) {
						ok = false
						break
					}
				}
			}
			if ok {
				a.converged[i] = true
			} else {
				all = false
			}
		}
	}
	return all
}

// planned returns the samples the render will have spent when done: what
// converged pixels have, and n for the others.
func (a *adaptive) planned(f *Film, n int) int64 {
	var t int64
	for i, c := range a.converged {
		if c {
			t += int64(f.n[i])
		} else {
			t += int64(n)
		}
	}
	return t
}

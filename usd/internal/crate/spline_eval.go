package crate

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/rgallery/rgallery/usd/sdf"
)

// EvalSpline evaluates a spline decoded from a crate or usda file at time t, as
// OpenUSD's Ts_Eval does (pxr/base/ts/eval.cpp, _EvalMain): at a knot its
// value; between knots by the earlier knot's next interpolation (held,
// linear, Bezier curve; value block: no value); before the first and
// after the last knot by the extrapolation mode (held, linear from the
// first/last segment, sloped; value block: no value). A regressive Bezier
// segment (tangent widths summing past the interval) is shortened keeping
// the widths' ratio (Ts's eval-time Keep Ratio strategy).
//
// Hermite segments use the cubic Hermite polynomial (_EvalHermite).
//
// ok is false where the spline has no value. Inner loops, looping
// extrapolation and Maya-form tangents are not evaluated: an error says
// which.
func EvalSpline(sp *sdf.Spline, t float64) (v float64, ok bool, err error) {
	knots, _ := sp.Extra["knotData"].([]SplineKnotData)
	if knots == nil && len(sp.Knots) > 0 {
		return 0, false, fmt.Errorf("spline without knot data: only its knot times and values are known, it is not evaluated")
	}
	if len(knots) == 0 {
		return 0, false, nil
	}
	if _, loops := sp.Extra["loops"]; loops {
		return 0, false, fmt.Errorf("spline inner loops are not evaluated")
	}
	for _, k := range knots {
		if k.PreTanAlgorithm == "autoEase" || k.PostTanAlgorithm == "autoEase" {
			return 0, false, fmt.Errorf("spline knot at %v: autoEase tangents are not evaluated", k.Time)
		}
	}
	pre, _ := sp.Extra["preExtrapolation"].(string)
	post, _ := sp.Extra["postExtrapolation"].(string)
	i := sort.Search(len(knots), func(i int) bool { return knots[i].Time >= t })
	switch {
	case i < len(knots) && knots[i].Time == t:
		// A knot whose post side is blocked (its next segment, or the
		// post extrapolation after the last knot) has no value at its
		// own time either.
		if i == len(knots)-1 && post == "valueBlock" || i < len(knots)-1 && knots[i].NextInterp == "valueBlock" {
			return 0, false, nil
		}
		return knots[i].Value, true, nil
	case i == 0:
		slope, has, err := extrapSlope(pre, sp.Extra["preSlope"], knots, true)
		if err != nil || !has {
			return 0, false, err
		}
		k := knots[0]
		return k.PreValue - slope*(k.Time-t), true, nil
	case i == len(knots):
		slope, has, err := extrapSlope(post, sp.Extra["postSlope"], knots, false)
		if err != nil || !has {
			return 0, false, err
		}
		k := knots[len(knots)-1]
		return k.Value + slope*(t-k.Time), true, nil
	}
	a, b := knots[i-1], knots[i]
	switch a.NextInterp {
	case "held":
		return a.Value, true, nil
	case "linear":
		return a.Value + (b.PreValue-a.Value)/(b.Time-a.Time)*(t-a.Time), true, nil
	case "curve":
		if h, _ := sp.Extra["curveType"].(string); h == "hermite" {
			return evalHermite(a, b, t), true, nil
		}
		if a.PostTanMaya || b.PreTanMaya {
			return 0, false, fmt.Errorf("Maya-form spline tangents are not evaluated")
		}
		return evalBezier(a, b, t), true, nil
	}
	return 0, false, nil // value block
}

// extrapSlope is _GetExtrapolationSlope.
func extrapSlope(mode string, sloped any, knots []SplineKnotData, pre bool) (float64, bool, error) {
	switch mode {
	case "valueBlock":
		return 0, false, nil
	case "held", "":
		return 0, true, nil
	case "sloped":
		s, _ := sloped.(float64)
		return s, true, nil
	case "linear":
	default:
		return 0, false, fmt.Errorf("spline extrapolation %q is not evaluated", mode)
	}
	if len(knots) < 2 {
		return 0, true, nil
	}
	if pre {
		k, n := knots[0], knots[1]
		switch {
		case k.DualValued, k.NextInterp == "held", k.NextInterp == "valueBlock":
			return 0, true, nil
		case k.NextInterp == "linear":
			return (n.PreValue - k.Value) / (n.Time - k.Time), true, nil
		}
		return k.PostTanSlope, true, nil
	}
	k, p := knots[len(knots)-1], knots[len(knots)-2]
	switch {
	case k.DualValued, p.NextInterp == "held", p.NextInterp == "valueBlock":
		return 0, true, nil
	case p.NextInterp == "linear":
		return (k.PreValue - p.Value) / (k.Time - p.Time), true, nil
	}
	return k.PreTanSlope, true, nil
}

// evalHermite is _EvalHermite: the cubic Hermite polynomial of the two
// knots' values and slopes over the segment.
func evalHermite(a, b SplineKnotData, t float64) float64 {
	dt := b.Time - a.Time
	dv := b.PreValue - a.Value
	u := (t - a.Time) / dt
	m0, m1 := a.PostTanSlope*dt, b.PreTanSlope*dt
	ca := -2*dv + m0 + m1
	cb := 3*dv - 2*m0 - m1
	return u*(u*(u*ca+cb)+m0) + a.Value
}

type cubic struct{ a, b, c, d float64 }

func cubicFromPoints(p0, p1, p2, p3 float64) cubic {
	return cubic{-p0 + 3*p1 - 3*p2 + p3, 3*p0 - 6*p1 + 3*p2, -3*p0 + 3*p1, p0}
}

func (c cubic) eval(u float64) float64 { return u*(u*(u*c.a+c.b)+c.c) + c.d }

// evalBezier is _EvalBezier: solve the time cubic for the parameter at t
// (it is monotonic on [0, 1] once the segment is not regressive), then
// evaluate the value cubic there.
func evalBezier(a, b SplineKnotData, t float64) float64 {
	w0, w1 := keepRatio(a.PostTanWidth, b.PreTanWidth, b.Time-a.Time)
	tc := cubicFromPoints(a.Time-t, a.Time+w0-t, b.Time-w1-t, b.Time-t)
	u := math.Max(0, math.Min(1, monotonicZero(tc))) // _FindBezierParameter clamps
	vc := cubicFromPoints(a.Value, a.Value+a.PostTanSlope*w0, b.PreValue-b.PreTanSlope*w1, b.PreValue)
	return vc.eval(u)
}

// adjustRegressiveTangents shortens the tangents of regressive Bezier
// segments with keepRatio, as OpenUSD 26.11 does to a spline it reads from
// a layer (TsSpline::AdjustRegressiveTangents in the default Keep Ratio
// authoring mode: Ts_RegressionPreventerBatchAccess::ProcessSegment on each
// segment whose interpolation is curve). Evaluation de-regresses again
// (evalBezier): the shortened widths sit a write padding inside the
// ellipse along both axes, which near one axis can still be outside it,
// so a second pass can move them once more, and near a vertical tangent
// the value depends on that (rule spline-read-deregress).
func adjustRegressiveTangents(knots []SplineKnotData) {
	for i := 0; i+1 < len(knots); i++ {
		a, b := &knots[i], &knots[i+1]
		if a.NextInterp != "curve" {
			continue
		}
		a.PostTanWidth, b.PreTanWidth = keepRatio(a.PostTanWidth, b.PreTanWidth, b.Time-a.Time)
	}
}

// keepRatio de-regresses a Bezier segment's tangent widths as Ts does at
// evaluation time (regressionPreventer.cpp, TsAntiRegressionKeepRatio):
// widths normalized to the interval that are both at most 1, or inside
// the ellipse L1² + L2² + L1L2 - 2L1 - 2L2 + 1 <= 0 (with a 1e-6 read
// padding), are kept; otherwise the widths move along their ratio line to
// the ellipse, less a 1e-5 write padding (a zero width leaves the other
// just under 1).
func keepRatio(w0, w1, span float64) (float64, float64) {
	const readPad, writePad = 1e-6, 1e-5
	a, b := w0/span, w1/span
	if a <= 1 && b <= 1 {
		return w0, w1
	}
	pa, pb := a+readPad, b+readPad
	if pa*pa+pb*pb-2*(pa+pb)+pa*pb+1 <= 0 {
		return w0, w1
	}
	switch {
	case a < readPad:
		b = 1 - writePad
	case b < readPad:
		a = 1 - writePad
	default:
		r := a / b
		opp := (math.Sqrt(r) + r + 1) / (r*r + r + 1)
		a, b = r*opp-writePad, opp-writePad
	}
	return a * span, b * span
}

func isClose(x, y, eps float64) bool { return math.Abs(x-y) <= eps }

// monotonicZero finds the zero in [0, 1] of a cubic known to increase
// monotonically there (_FindMonotonicZero: linear, quadratic or Cardano).
func monotonicZero(c cubic) float64 {
	const eps = 1e-10
	aZero, bZero, cZero := isClose(c.a, 0, eps), isClose(c.b, 0, eps), isClose(c.c, 0, eps)
	switch {
	case aZero && bZero && cZero:
		return 0
	case aZero && bZero:
		return -c.d / c.c
	case aZero:
		disc := math.Sqrt(c.c*c.c - 4*c.b*c.d)
		return filterZeroes((-c.c-disc)/(2*c.b), (-c.c+disc)/(2*c.b))
	}
	b, cc, d := c.b/c.a, c.c/c.a, c.d/c.a
	p := (3*cc - b*b) / 3
	p3 := p / 3
	p33 := p3 * p3 * p3
	q := (2*b*b*b - 9*b*cc + 27*d) / 27
	q2 := q / 2
	disc := q2*q2 + p33
	b3 := b / 3
	switch {
	case disc < 0:
		r := math.Sqrt(-p33)
		phi := math.Acos(math.Max(-1, math.Min(1, -q/(2*r))))
		t1 := 2 * math.Cbrt(r)
		return filterZeroes(t1*math.Cos(phi/3)-b3, t1*math.Cos((phi+2*math.Pi)/3)-b3, t1*math.Cos((phi+4*math.Pi)/3)-b3)
	case disc == 0:
		u1 := -math.Cbrt(q2)
		return filterZeroes(2*u1-b3, -u1-b3)
	}
	sd := math.Sqrt(disc)
	return math.Cbrt(sd-q2) - math.Cbrt(sd+q2) - b3
}

// filterZeroes returns the candidate closest to 0.5, the first on a tie
// (_FilterZeros).
func filterZeroes(cands ...float64) float64 {
	r, best := cands[0], math.Abs(cands[0]-0.5)
	for _, c := range cands[1:] {
		if e := math.Abs(c - 0.5); e < best {
			r, best = c, e
		}
	}
	return r
}

// RoundHalf rounds to the nearest binary16 value, as a half-valued
// spline's result is stored.
func RoundHalf(x float64) float32 {
	return float32(sdf.HalfFromBits(halfBits(sdf.Half(float32(x)))))
}

// splineUnsupported says why EvalSpline cannot evaluate a decoded spline
// anywhere it might be asked (loops, looping extrapolation, Maya-form
// tangents), or nil. The reader reports it when it reads the layer, so
// that an unevaluated spline is never silent.
func splineUnsupported(sp *sdf.Spline) error {
	if _, loops := sp.Extra["loops"]; loops {
		return fmt.Errorf("spline inner loops are not evaluated")
	}
	for _, k := range []string{"preExtrapolation", "postExtrapolation"} {
		if m, _ := sp.Extra[k].(string); strings.HasPrefix(m, "loop") {
			return fmt.Errorf("spline %s %q is not evaluated", k, m)
		}
	}
	knots, _ := sp.Extra["knotData"].([]SplineKnotData)
	for _, k := range knots {
		if k.PreTanMaya || k.PostTanMaya {
			return fmt.Errorf("Maya-form spline tangents (knot at time %v) are not evaluated", k.Time)
		}
		if k.PreTanAlgorithm == "autoEase" || k.PostTanAlgorithm == "autoEase" {
			return fmt.Errorf("spline knot at %v: autoEase tangents are not evaluated", k.Time)
		}
	}
	return nil
}

package usd

import (
	"github.com/rgallery/rgallery/usd/internal/crate"
	"github.com/rgallery/rgallery/usd/sdf"
)

// EvalSpline evaluates an attribute's spline at a time as OpenUSD's Ts
// does, for splines read from crate files (which keep every knot's
// tangents and interpolation). ok is false where the spline gives no value
// (a value block, or no knots). Loops, Hermite curves and Maya-form
// tangents, and splines read from usda (only knot times and values are
// kept), give an error saying so.
func EvalSpline(sp *sdf.Spline, t float64) (v float64, ok bool, err error) {
	return crate.EvalSpline(sp, t)
}

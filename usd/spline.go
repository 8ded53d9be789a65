package usd

import (
	"github.com/rgallery/rgallery/usd/internal/crate"
	"github.com/rgallery/rgallery/usd/sdf"
)

// EvalSpline evaluates an attribute's spline at a time as OpenUSD's Ts
// does, for splines read from crate or usda files (both keep every knot's
// tangents and interpolation). ok is false where the spline gives no value
// (a value block, or no knots). Loops and Maya-form tangents give an error
// saying so.
func EvalSpline(sp *sdf.Spline, t float64) (v float64, ok bool, err error) {
	return crate.EvalSpline(sp, t)
}

// splineAt evaluates the spline of opinion o at stage time t (mapped to
// the layer's time as time samples are). isSpline is false when o has no
// spline or one that cannot be evaluated (the crate reader reported why
// when it read the layer); has is false in a blocked region. The value
// has the spline's value type (double, float or half).
func (a *Attribute) splineAt(o opinion, t TimeCode) (v any, has, isSpline bool) {
	x, ok := o.spec.Get("spline")
	if !ok {
		return nil, false, false
	}
	sp, ok := x.(*sdf.Spline)
	if !ok {
		return nil, false, false
	}
	f, has, err := crate.EvalSpline(sp, layerToStage(o).Inverse().Apply(float64(t)))
	if err != nil {
		return nil, false, false
	}
	if !has {
		return nil, false, true
	}
	switch sp.Type {
	case "float":
		return float32(f), true, true
	case "half":
		return sdf.Half(crate.RoundHalf(f)), true, true
	}
	return f, true, true
}

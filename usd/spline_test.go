package usd

import (
	"math"
	"path/filepath"
	"testing"
)

// TestAttributeGetEvaluatesCrateSplines: a spline-valued attribute of a
// crate layer gives OpenUSD's UsdAttribute::Get values at a time (a double
// Bezier spline and a float linear/held one, written by OpenUSD 26.11),
// of the spline's value type; its Default has none.
func TestAttributeGetEvaluatesCrateSplines(t *testing.T) {
	s, err := Open(filepath.Join("internal", "crate", "testdata", "spline_curve_0.12.0.usdc"))
	if err != nil {
		t.Fatal(err)
	}
	if errs := s.Errors(); len(errs) > 0 {
		t.Fatalf("stage errors: %v", errs)
	}
	p := s.PrimAtPath("/P")
	for _, c := range []struct{ t, a, b float64 }{
		{0, 5, 1.5}, {1.5, 7.499999999999998, 1.7999999523162842}, {3, 5.000000000000003, 2.0999999046325684}, {5, 0, 2.5},
	} {
		a, ok := p.Attribute("a").Get(TimeCode(c.t))
		if f, isF := a.(float64); !ok || !isF || math.Abs(f-c.a) > 1e-12 {
			t.Errorf("a at %v: %v (%T), OpenUSD %v", c.t, a, a, c.a)
		}
		b, ok := p.Attribute("b").Get(TimeCode(c.t))
		if f, isF := b.(float32); !ok || !isF || float64(f) != c.b {
			t.Errorf("b at %v: %v (%T), OpenUSD %v", c.t, b, b, c.b)
		}
	}
	if v, ok := p.Attribute("a").Get(Default); ok {
		t.Errorf("a at Default: %v, want none (only a spline is authored)", v)
	}
}

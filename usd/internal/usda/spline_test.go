package usda

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/rgallery/rgallery/usd/internal/crate"
	"github.com/rgallery/rgallery/usd/sdf"
)

// usd-core 26.11's ExportToString of splines authored with Ts (dual
// values, every interpolation, sloped and looping extrapolation, inner
// loops, knot custom data, Bezier and hermite).
const splineRuleLayer = `#usda 1.0

def "P"
{
    custom double a
    double a.spline = {
        bezier,
        pre: sloped(0),
        post: sloped(0.5),
        0: 1.5; pre (0.5, 1.25); post curve (0.75, -2),
        2: 0.25 & 3; pre (0.5, 1.25); post linear,
        3: -1; post held; { int a = 1; string b = "x"; dictionary s = { double c = 2.5 } },
        5: 2; post none,
        6: 7; post curve (0, -2),
        8: 1; pre (0.5, 1.25); post curve (0.75, -2),
    }
    custom float b
    float b.spline = {
        hermite,
        pre: loop repeat,
        post: sloped(0.5),
        loop: (0, 3, 1, 2, 1.5),
        0: 1.5; pre (1.25); post curve (-2),
        2: 0.25 & 3; pre (1.25); post linear,
        3: -1; post held; { int a = 1 },
        5: 2; post none,
        6: 7; post curve (-2),
        8: 1; pre (1.25); post curve (-2),
    }
}
`

// TestUsdaSplineKnots pins rule usda-spline-knots (issue #12): a usda
// spline keeps every knot's pre value, tangents, interpolation and custom
// data, its curve type, extrapolation and loops, in the crate reader's
// form (so crate.EvalSpline evaluates it), and writes back as usd-core
// wrote it.
func TestUsdaSplineKnots(t *testing.T) {
	l, err := Parse("rule.usda", []byte(splineRuleLayer))
	if err != nil {
		t.Fatal(err)
	}
	get := func(l *sdf.Layer, p string) *sdf.Spline {
		v, ok := l.Specs[p].Get("spline")
		if !ok {
			t.Fatalf("%s: no spline", p)
		}
		return v.(*sdf.Spline)
	}
	a := get(l, "/P.a")
	knots := a.Extra["knotData"].([]crate.SplineKnotData)
	want1 := crate.SplineKnotData{Time: 2, Value: 3, PreValue: 0.25, DualValued: true, NextInterp: "linear",
		PreTanWidth: 0.5, PreTanSlope: 1.25, CurveType: "bezier"}
	if len(knots) != 6 || !reflect.DeepEqual(knots[1], want1) {
		t.Fatalf("knot 1 = %+v, want %+v", knots[1], want1)
	}
	if a.Extra["postExtrapolation"] != "sloped" || a.Extra["postSlope"] != 0.5 || knots[3].NextInterp != "valueBlock" {
		t.Errorf("extrapolation/interpolation not kept: %v", a.Extra)
	}
	// Values checked with usd-core 26.11's Usd.Attribute.Get(t).
	for _, c := range []struct {
		t    float64
		want float64
		has  bool
	}{{-3, 1.5, true}, {-1, 1.5, true}, {0.3, 0.9587483591854431, true}, {1, 0.13957933308284276, true}, {2.5, 1, true},
		{4, -1, true}, {5.5, 0, false}, {6.5, 4.940578062093088, true}, {7, 3.109003569222659, true}, {7.9, 0.9627203711603833, true}, {10, 2, true}} {
		got, has, err := crate.EvalSpline(a, c.t)
		if err != nil || has != c.has || has && math.Abs(got-c.want) > 1e-12 {
			t.Errorf("a at %v = %v, %v, %v; want %v, %v", c.t, got, has, err, c.want, c.has)
		}
	}
	b := get(l, "/P.b")
	if b.Extra["loops"] != (crate.SplineLoops{ProtoEnd: 3, NumPreLoops: 1, NumPostLoops: 2, ValueOffset: 1.5}) || b.Extra["preExtrapolation"] != "loopRepeat" {
		t.Errorf("loops not kept: %v", b.Extra)
	}
	var out strings.Builder
	if err := Write(&out, l); err != nil {
		t.Fatal(err)
	}
	// The spline blocks are usd-core's (the declarations around them are
	// laid out differently; usd-core 26.11 exports our text as its own).
	if got, want := splineBlocks(out.String()), splineBlocks(splineRuleLayer); got != want {
		t.Errorf("written:\n%s\nwant (usd-core's):\n%s", got, want)
	}
	l2, err := Parse("again.usda", []byte(out.String()))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/P.a", "/P.b"} {
		if x, y := get(l, p), get(l2, p); !reflect.DeepEqual(x, y) {
			t.Errorf("%s: round trip changed the spline:\n%+v\n%+v", p, x, y)
		}
	}
}

func splineBlocks(s string) string {
	var b strings.Builder
	for _, part := range strings.Split(s, ".spline = {")[1:] {
		end := strings.Index(part, "\n    }")
		if end < 0 {
			end = len(part)
		}
		b.WriteString(part[:end] + "\n--\n")
	}
	return b.String()
}

package usd

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The example table of basisCurves.h ("As an example of deriving per
// curve segment and varying primvar data counts").
func TestCurveSegmentAndVaryingCountsFromTheSchemaTable(t *testing.T) {
	cases := []struct {
		wrap, typ, basis string
		counts           []int
		segs, varying    []int
	}{
		{"nonperiodic", "linear", "", []int{2, 3, 2, 5}, []int{1, 2, 1, 4}, []int{2, 3, 2, 5}},
		{"nonperiodic", "cubic", "bezier", []int{4, 7, 10, 4, 7}, []int{1, 2, 3, 1, 2}, []int{2, 3, 4, 2, 3}},
		{"nonperiodic", "cubic", "bspline", []int{5, 4, 6, 7}, []int{2, 1, 3, 4}, []int{3, 2, 4, 5}},
		{"periodic", "cubic", "bezier", []int{6, 9, 6}, []int{2, 3, 2}, []int{2, 3, 2}},
		{"periodic", "linear", "", []int{3, 7}, []int{3, 7}, []int{3, 7}},
		// Pinned bspline/catmullRom: (n − 2) + 1 segments, varying as
		// nonperiodic; pinned bezier is nonperiodic.
		{"pinned", "cubic", "catmullRom", []int{2, 4}, []int{1, 3}, []int{2, 4}},
		{"pinned", "cubic", "bezier", []int{4, 7}, []int{1, 2}, []int{2, 3}},
	}
	for _, c := range cases {
		var segs, vary []int
		for _, n := range c.counts {
			s, err := CurveSegmentCount(n, c.typ, c.basis, c.wrap)
			if err != nil {
				t.Fatalf("%s %s %s %d: %v", c.wrap, c.typ, c.basis, n, err)
			}
			segs = append(segs, s)
			vary = append(vary, CurveVaryingCount(s, c.wrap))
		}
		if !slices.Equal(segs, c.segs) || !slices.Equal(vary, c.varying) {
			t.Errorf("%s %s %s %v: segments %v varying %v, want %v %v", c.wrap, c.typ, c.basis, c.counts, segs, vary, c.segs, c.varying)
		}
	}
}

// The validity table of basisCurves.h: counts that fail are errors.
func TestCurveVertexCountValidity(t *testing.T) {
	bad := []struct {
		n                int
		typ, basis, wrap string
	}{
		{1, "linear", "", "nonperiodic"},
		{2, "linear", "", "periodic"},
		{5, "cubic", "bezier", "nonperiodic"},
		{3, "cubic", "bspline", "nonperiodic"},
		{7, "cubic", "bezier", "periodic"},
		{1, "cubic", "bspline", "pinned"},
		{4, "cubic", "hermite", "nonperiodic"},
		{4, "quadratic", "", "nonperiodic"},
	}
	for _, b := range bad {
		if s, err := CurveSegmentCount(b.n, b.typ, b.basis, b.wrap); err == nil {
			t.Errorf("%d vertices %s %s %s: %d segments, want an error", b.n, b.typ, b.basis, b.wrap, s)
		}
	}
}

// The bases are partitions of unity (weights sum to 1, derivatives to
// 0); bezier and catmullRom interpolate their end (inner) points, the
// bspline starts at (P0 + 4P1 + P2)/6; the derivative weights are the
// derivatives of the weights (central differences).
func TestCubicWeights(t *testing.T) {
	for _, basis := range []string{"bezier", "bspline", "catmullRom"} {
		for _, u := range []float64{0, 0.25, 0.5, 0.9, 1} {
			w, ok := CubicWeights(basis, u)
			d, _ := CubicDerivWeights(basis, u)
			if !ok {
				t.Fatalf("%s unknown", basis)
			}
			if s := w[0] + w[1] + w[2] + w[3]; math.Abs(s-1) > 1e-15 {
				t.Errorf("%s(%g) weights sum %g", basis, u, s)
			}
			if s := d[0] + d[1] + d[2] + d[3]; math.Abs(s) > 1e-14 {
				t.Errorf("%s(%g) derivative weights sum %g", basis, u, s)
			}
			const h = 1e-6
			a, _ := CubicWeights(basis, u-h)
			b, _ := CubicWeights(basis, u+h)
			for i := range 4 {
				if fd := (b[i] - a[i]) / (2 * h); math.Abs(fd-d[i]) > 1e-8 {
					t.Errorf("%s(%g) derivative weight %d = %g, central difference %g", basis, u, i, d[i], fd)
				}
			}
		}
	}
	known := map[string][4]float64{"bezier": {1, 0, 0, 0}, "bspline": {1.0 / 6, 4.0 / 6, 1.0 / 6, 0}, "catmullRom": {0, 1, 0, 0}}
	for basis, want := range known {
		if w, _ := CubicWeights(basis, 0); w != want {
			t.Errorf("%s(0) = %v, want %v", basis, w, want)
		}
	}
	if w, _ := CubicWeights("bezier", 0.5); w != [4]float64{0.125, 0.375, 0.375, 0.125} {
		t.Errorf("bezier(½) = %v", w)
	}
}

// Pinned phantom points and periodic repeats (basisCurves.h).
func TestCurveControlsUnpacking(t *testing.T) {
	v := []float64{0, 1, 3}
	if got := CurveControls(v, 1, "cubic", "bspline", "pinned"); !slices.Equal(got, []float64{-1, 0, 1, 3, 5}) {
		t.Errorf("pinned: %v, want phantoms 2P0−P1 = −1 and 2P2−P1 = 5", got)
	}
	if got := CurveControls(v, 1, "cubic", "bspline", "periodic"); !slices.Equal(got, []float64{0, 1, 3, 0, 1, 3}) {
		t.Errorf("periodic bspline: %v, want 4−vstep = 3 repeated", got)
	}
	if got := CurveControls(v, 1, "linear", "", "periodic"); !slices.Equal(got, []float64{0, 1, 3, 0}) {
		t.Errorf("periodic linear: %v", got)
	}
	if got := CurveControls(v, 1, "cubic", "bezier", "pinned"); !slices.Equal(got, v) {
		t.Errorf("pinned bezier is nonperiodic: %v", got)
	}
}

// UsdGeomCurves::ComputeExtent grows the points' box by half the widest
// width; UsdGeomPoints by each point's half width, and gives no extent
// when widths and points differ in length.
func TestCurvesAndPointsExtent(t *testing.T) {
	pts := []Vec3f{{0, 0, 0}, {2, 1, 0}}
	e, ok := CurvesExtent(pts, []float32{0.5, 1})
	if !ok || e != [2]Vec3f{{-0.5, -0.5, -0.5}, {2.5, 1.5, 0.5}} {
		t.Errorf("curves extent %v", e)
	}
	e, ok = PointsExtent(pts, []float32{0.5, 1})
	if !ok || e != [2]Vec3f{{-0.25, -0.25, -0.5}, {2.5, 1.5, 0.5}} {
		t.Errorf("points extent %v", e)
	}
	if _, ok := PointsExtent(pts, []float32{1}); ok {
		t.Error("points extent with 1 width for 2 points, want none")
	}
}

// Widths come from the prim's primvars:widths, else a constant
// primvars:widths inherited from an ancestor, else the widths attribute
// (interpolation "vertex" unless authored), as UsdImaging's adapters read
// them.
func TestCurvesWidthsLookup(t *testing.T) {
	src := `#usda 1.0
def Xform "Groom" {
    float[] primvars:widths = [0.02] (interpolation = "constant")
    def BasisCurves "Inherits" {
        int[] curveVertexCounts = [2]
        point3f[] points = [(0, 0, 0), (1, 0, 0)]
        float[] widths = [0.5, 0.5]
    }
    def BasisCurves "Own" {
        int[] curveVertexCounts = [2]
        point3f[] points = [(0, 0, 0), (1, 0, 0)]
        float[] primvars:widths = [0.1, 0.2] (interpolation = "varying")
    }
}
def BasisCurves "Attr" {
    int[] curveVertexCounts = [2]
    point3f[] points = [(0, 0, 0), (1, 0, 0)]
    float[] widths = [0.3, 0.4]
}
`
	p := filepath.Join(t.TempDir(), "w.usda")
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]struct {
		w      []float32
		interp string
	}{
		"/Groom/Inherits": {[]float32{0.02}, "constant"},
		"/Groom/Own":      {[]float32{0.1, 0.2}, "varying"},
		"/Attr":           {[]float32{0.3, 0.4}, "vertex"},
	} {
		c, _ := st.PrimAtPath(path).Curves(Default)
		if !slices.Equal(c.Widths, want.w) || c.WidthsInterp != want.interp {
			t.Errorf("%s: widths %v %s, want %v %s", path, c.Widths, c.WidthsInterp, want.w, want.interp)
		}
	}
}

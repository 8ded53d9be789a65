package subdiv

import (
	"errors"
	"math"
	"testing"
)

// cube is the cube [-1,1]³ with outward (counter-clockwise) quads.
func cube() *Mesh {
	return &Mesh{
		Points: [][3]float64{
			{-1, -1, -1}, {1, -1, -1}, {1, 1, -1}, {-1, 1, -1},
			{-1, -1, 1}, {1, -1, 1}, {1, 1, 1}, {-1, 1, 1},
		},
		Counts: []int32{4, 4, 4, 4, 4, 4},
		Indices: []int32{
			0, 3, 2, 1, // z = -1
			4, 5, 6, 7, // z = +1
			0, 1, 5, 4, // y = -1
			2, 3, 7, 6, // y = +1
			1, 2, 6, 5, // x = +1
			0, 4, 7, 3, // x = -1
		},
	}
}

func near(a, b [3]float64, tol float64) bool {
	return math.Abs(a[0]-b[0]) <= tol && math.Abs(a[1]-b[1]) <= tol && math.Abs(a[2]-b[2]) <= tol
}

func has(pts [][3]float64, p [3]float64) bool {
	for _, q := range pts {
		if near(p, q, 1e-12) {
			return true
		}
	}
	return false
}

func norm(p [3]float64) float64 { return math.Sqrt(p[0]*p[0] + p[1]*p[1] + p[2]*p[2]) }

// TestCatmullClarkCubeLevel1Positions checks the level-1 points of a cube
// against the Catmull-Clark formulas worked by hand: a corner of valence
// 3 goes to (Q + 2R + 0·S)/3 with Q = (1/3,1/3,1/3) (mean of the three
// face centres) and R = (2/3,2/3,2/3) (mean of the three edge
// midpoints), i.e. 5/9 of itself; an edge point is (v0 + v1 + f0 + f1)/4,
// e.g. ((1,1,1) + (1,1,−1) + (1,0,0) + (0,1,0))/4 = (3/4, 3/4, 0); a face
// point is the face centre.
func TestCatmullClarkCubeLevel1Positions(t *testing.T) {
	r, err := Refine(cube(), nil, Options{Level: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Points) != 26 || len(r.Counts) != 24 {
		t.Fatalf("%d points, %d faces; want 26, 24", len(r.Points), len(r.Counts))
	}
	for i, p := range cube().Points {
		want := [3]float64{p[0] * 5 / 9, p[1] * 5 / 9, p[2] * 5 / 9}
		if !near(r.Points[i], want, 1e-15) {
			t.Errorf("vertex point %d = %v, want %v", i, r.Points[i], want)
		}
	}
	for _, s := range [][3]float64{{1, 0, 0}, {-1, 0, 0}, {0, 1, 0}, {0, -1, 0}, {0, 0, 1}, {0, 0, -1}} {
		if !has(r.Points, s) {
			t.Errorf("face point %v missing", s)
		}
	}
	for _, a := range []float64{-0.75, 0.75} {
		for _, b := range []float64{-0.75, 0.75} {
			for _, p := range [][3]float64{{a, b, 0}, {a, 0, b}, {0, a, b}} {
				if !has(r.Points, p) {
					t.Errorf("edge point %v missing", p)
				}
			}
		}
	}
	for _, c := range r.Counts {
		if c != 4 {
			t.Fatalf("face of %d vertices, want quads", c)
		}
	}
}

// TestCatmullClarkCubeLimitPositions: the limit mask
// (n²S + 4Σe + Σf)/(n(n+5)) applied at level 1 by hand: a corner (n = 3,
// S = 5/9·(1,1,1), edge neighbours (3/4,3/4,0) and its permutations,
// diagonal face points the unit axes) reaches (5 + 6 + 1)/24 = 1/2 per
// axis; the x=+1 face centre (n = 4, S = (1,0,0), edge neighbours
// (3/4,±3/4,0), (3/4,0,±3/4), diagonals 5/9·(1,±1,±1)) reaches
// (16 + 12 + 20/9)/36 = 68/81 on x. The same limit points come out when
// the mask is applied at level 4: the limit surface does not depend on
// where the mask is taken.
func TestCatmullClarkCubeLimitPositions(t *testing.T) {
	for _, level := range []int{1, 4} {
		r, err := Refine(cube(), nil, Options{Level: level, Limit: true})
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range cube().Points {
			if want := [3]float64{p[0] / 2, p[1] / 2, p[2] / 2}; !near(r.Points[i], want, 1e-12) {
				t.Errorf("level %d: limit of corner %d = %v, want %v", level, i, r.Points[i], want)
			}
		}
		if want := [3]float64{68.0 / 81, 0, 0}; !has2(r.Points, want, 1e-12) {
			t.Errorf("level %d: face centre limit %v missing", level, want)
		}
	}
}

func has2(pts [][3]float64, p [3]float64, tol float64) bool {
	for _, q := range pts {
		if near(p, q, tol) {
			return true
		}
	}
	return false
}

// TestCatmullClarkCubeLimitIsRound: the limit surface of a cube is the
// rounded, sphere-like shape OpenSubdiv draws: every point's distance from
// the centre lies between the face centre's 68/81 and the corner's √3/2
// (a 3% band), and the smooth normals are nearly radial.
func TestCatmullClarkCubeLimitIsRound(t *testing.T) {
	r, err := Refine(cube(), nil, Options{Level: 4, Limit: true})
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := math.Inf(1), 0.0
	for _, p := range r.Points {
		d := norm(p)
		lo, hi = min(lo, d), max(hi, d)
	}
	if lo < 68.0/81-1e-9 || hi > math.Sqrt(3)/2+1e-9 {
		t.Errorf("limit radii in [%.6f, %.6f]; want within [68/81, √3/2] = [%.6f, %.6f]", lo, hi, 68.0/81, math.Sqrt(3)/2)
	}
	for i, k := range r.NormalIndices {
		n, p := r.Normals[k], r.Points[r.Indices[i]]
		if c := (n[0]*p[0] + n[1]*p[1] + n[2]*p[2]) / norm(p); c < 0.95 {
			t.Fatalf("normal %v at %v: cosine to radial %.3f", n, p, c)
		}
	}
}

// TestInfiniteCreaseKeepsEdgeStraight: an edge creased infinitely between
// two infinitely sharp corners stays the straight segment between them at
// every level, its points evenly spaced; without the tags no refined point
// lies on it.
func TestInfiniteCreaseKeepsEdgeStraight(t *testing.T) {
	onSegment := func(r *Result) int {
		n := 0
		for _, p := range r.Points {
			// Edge from (1,1,-1) (point 2) to (1,1,1) (point 6): x = y = 1.
			if math.Abs(p[0]-1) < 1e-12 && math.Abs(p[1]-1) < 1e-12 && p[2] >= -1 && p[2] <= 1 {
				n++
			}
		}
		return n
	}
	m := cube()
	m.Creases = []Crease{{2, 6, Infinite}}
	m.Corners = []Corner{{2, Infinite}, {6, Infinite}}
	r, err := Refine(m, nil, Options{Level: 3, Limit: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := onSegment(r); n != 9 {
		t.Errorf("%d points on the creased edge at level 3, want 2³+1 = 9", n)
	}
	plain, err := Refine(cube(), nil, Options{Level: 3, Limit: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := onSegment(plain); n != 0 {
		t.Errorf("%d points on the edge without the crease, want 0", n)
	}
}

// TestSemiSharpEdgePoint: an edge point blends the smooth and the sharp
// (midpoint) rule by the sharpness when it is below 1, and is the midpoint
// from 1 up.
func TestSemiSharpEdgePoint(t *testing.T) {
	edgePoint := func(s float64) [3]float64 {
		m := cube()
		if s > 0 {
			m.Creases = []Crease{{2, 6, s}}
		}
		r, err := Refine(m, nil, Options{Level: 1})
		if err != nil {
			t.Fatal(err)
		}
		var best [3]float64
		for _, p := range r.Points[8+6:] { // edge points
			if p[2] == 0 && p[0] > 0 && p[1] > 0 {
				best = p
			}
		}
		return best
	}
	if p := edgePoint(0); !near(p, [3]float64{0.75, 0.75, 0}, 1e-15) {
		t.Errorf("smooth edge point %v, want (3/4,3/4,0)", p)
	}
	if p := edgePoint(1); !near(p, [3]float64{1, 1, 0}, 1e-15) {
		t.Errorf("sharpness 1 edge point %v, want the midpoint (1,1,0)", p)
	}
	if p := edgePoint(0.5); !near(p, [3]float64{0.875, 0.875, 0}, 1e-15) {
		t.Errorf("sharpness 0.5 edge point %v, want (7/8,7/8,0)", p)
	}
}

// TestHoleRemovesItsFaces: a hole's refined faces are left out; the
// others stay.
func TestHoleRemovesItsFaces(t *testing.T) {
	m := cube()
	m.Holes = []int32{0}
	r, err := Refine(m, nil, Options{Level: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Counts) != 5*16 {
		t.Errorf("%d faces, want 80", len(r.Counts))
	}
	for _, f := range r.Face {
		if f == 0 {
			t.Fatal("a face of the hole is drawn")
		}
	}
}

// TestLoopTetrahedronLevel1: for the regular tetrahedron (the four
// points sum to zero, valence 3, β = 3/16) a vertex point is
// (1−3β)S + βΣothers = 7/16 S − 3/16 S = S/4, and an edge point
// 3/8(a+b) + 1/8(c+d) = (a+b)/4.
func TestLoopTetrahedronLevel1(t *testing.T) {
	m := &Mesh{
		Points:  [][3]float64{{1, 1, 1}, {1, -1, -1}, {-1, 1, -1}, {-1, -1, 1}},
		Counts:  []int32{3, 3, 3, 3},
		Indices: []int32{0, 1, 2, 0, 3, 1, 0, 2, 3, 1, 3, 2},
	}
	r, err := Refine(m, nil, Options{Scheme: Loop, Level: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Points) != 10 || len(r.Counts) != 16 {
		t.Fatalf("%d points, %d faces; want 10, 16", len(r.Points), len(r.Counts))
	}
	for i, p := range m.Points {
		if want := [3]float64{p[0] / 4, p[1] / 4, p[2] / 4}; !near(r.Points[i], want, 1e-15) {
			t.Errorf("vertex point %d = %v, want %v", i, r.Points[i], want)
		}
	}
	for i := range m.Points {
		for j := i + 1; j < len(m.Points); j++ {
			a, b := m.Points[i], m.Points[j]
			if want := [3]float64{(a[0] + b[0]) / 4, (a[1] + b[1]) / 4, (a[2] + b[2]) / 4}; !has(r.Points[4:], want) {
				t.Errorf("edge point of %d-%d, %v, missing", i, j, want)
			}
		}
	}
}

func quadGrid(n int) *Mesh {
	m := &Mesh{}
	for j := 0; j <= n; j++ {
		for i := 0; i <= n; i++ {
			m.Points = append(m.Points, [3]float64{float64(i), float64(j), 0})
		}
	}
	for j := 0; j < n; j++ {
		for i := 0; i < n; i++ {
			a := int32(j*(n+1) + i)
			m.Counts = append(m.Counts, 4)
			m.Indices = append(m.Indices, a, a+1, a+int32(n)+2, a+int32(n)+1)
		}
	}
	return m
}

// TestBoundaryInterpolation: with edgeAndCorner a single quad's corners
// stay; with edgeOnly a corner moves by the crease rule (e0 + 6S + e1)/8
// = (1/8, 1/8) for the unit square's origin; with none only faces clear
// of the boundary are drawn (the centre face of a 3×3 grid).
func TestBoundaryInterpolation(t *testing.T) {
	r, err := Refine(quadGrid(1), nil, Options{Level: 1, Boundary: BoundaryEdgeAndCorner})
	if err != nil {
		t.Fatal(err)
	}
	if r.Points[0] != ([3]float64{}) {
		t.Errorf("edgeAndCorner corner moved to %v", r.Points[0])
	}
	r, err = Refine(quadGrid(1), nil, Options{Level: 1, Boundary: BoundaryEdgeOnly})
	if err != nil {
		t.Fatal(err)
	}
	if want := [3]float64{0.125, 0.125, 0}; !near(r.Points[0], want, 1e-15) {
		t.Errorf("edgeOnly corner at %v, want %v", r.Points[0], want)
	}
	r, err = Refine(quadGrid(3), nil, Options{Level: 2, Boundary: BoundaryNone})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Counts) != 16 {
		t.Errorf("boundary none: %d faces, want the centre face's 16", len(r.Counts))
	}
	for _, f := range r.Face {
		if f != 4 {
			t.Fatalf("boundary none draws a child of face %d", f)
		}
	}
}

// TestFaceVaryingLinearInterpolation: on one quad with a uv per corner and
// edgeOnly boundaries (so the points' corners are smooth), cornersOnly,
// cornersPlus1 and all keep the corners' uvs (single-face fvar values are
// corners) and put the face point at the mean; none moves them by the
// boundary crease rule (the values OpenSubdiv gives through Blender).
func TestFaceVaryingLinearInterpolation(t *testing.T) {
	uv := Channel{Interp: FaceVarying, Dim: 2, Values: []float64{0, 0, 1, 0, 1, 1, 0, 1}, Indices: []int32{0, 1, 2, 3}}
	for _, tc := range []struct {
		fv   FVarLinear
		want [2]float64 // uv at the corner point 0
	}{
		{FVarAll, [2]float64{0, 0}},
		{FVarCornersPlus1, [2]float64{0, 0}},
		{FVarCornersOnly, [2]float64{0, 0}},
		{FVarNone, [2]float64{0.125, 0.125}},
	} {
		r, err := Refine(quadGrid(1), []Channel{uv}, Options{Level: 1, FVar: tc.fv, Boundary: BoundaryEdgeOnly})
		if err != nil {
			t.Fatal(err)
		}
		rc := r.Channels[0]
		// The first refined face's first corner is control point 0.
		k := rc.Indices[0]
		if got := [2]float64{rc.Values[2*k], rc.Values[2*k+1]}; math.Abs(got[0]-tc.want[0]) > 1e-15 || math.Abs(got[1]-tc.want[1]) > 1e-15 {
			t.Errorf("fvar %d: corner uv %v, want %v", tc.fv, got, tc.want)
		}
		k = rc.Indices[2] // the face point
		if got := [2]float64{rc.Values[2*k], rc.Values[2*k+1]}; got != [2]float64{0.5, 0.5} {
			t.Errorf("fvar %d: face point uv %v, want (0.5,0.5)", tc.fv, got)
		}
	}
}

// TestVertexChannelFollowsPoints: a vertex primvar equal to the points
// refines to the refined points.
func TestVertexChannelFollowsPoints(t *testing.T) {
	m := cube()
	var v []float64
	for _, p := range m.Points {
		v = append(v, p[:]...)
	}
	r, err := Refine(m, []Channel{{Interp: Vertex, Dim: 3, Values: v}}, Options{Level: 2, Limit: true})
	if err != nil {
		t.Fatal(err)
	}
	rc := r.Channels[0]
	for i, p := range r.Points {
		if got := [3]float64{rc.Values[3*i], rc.Values[3*i+1], rc.Values[3*i+2]}; !near(got, p, 1e-15) {
			t.Fatalf("vertex channel %d = %v, point %v", i, got, p)
		}
	}
}

// TestBadTopologyIsAnError: faces that cannot be refined give errors, and
// a non-manifold edge (three quads on one edge) refines without failing.
func TestBadTopologyIsAnError(t *testing.T) {
	for name, m := range map[string]*Mesh{
		"two-vertex face": {Points: [][3]float64{{0, 0, 0}, {1, 0, 0}}, Counts: []int32{2}, Indices: []int32{0, 1}},
		"repeated vertex": {Points: [][3]float64{{0, 0, 0}, {1, 0, 0}, {1, 1, 0}}, Counts: []int32{4}, Indices: []int32{0, 1, 2, 1}},
		"index range":     {Points: [][3]float64{{0, 0, 0}, {1, 0, 0}, {1, 1, 0}}, Counts: []int32{3}, Indices: []int32{0, 1, 7}},
		"counts":          {Points: [][3]float64{{0, 0, 0}, {1, 0, 0}, {1, 1, 0}}, Counts: []int32{3, 3}, Indices: []int32{0, 1, 2}},
	} {
		if _, err := Refine(m, nil, Options{Level: 2}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := Refine(cube(), nil, Options{Scheme: Loop, Level: 1}); !errors.Is(err, ErrNotTriangles) {
		t.Errorf("loop on quads: %v, want ErrNotTriangles", err)
	}
	fan := &Mesh{
		Points:  [][3]float64{{0, 0, 0}, {0, 0, 1}, {1, 0, 0}, {1, 0, 1}, {0, 1, 0}, {0, 1, 1}, {-1, -1, 0}, {-1, -1, 1}},
		Counts:  []int32{4, 4, 4},
		Indices: []int32{0, 2, 3, 1, 0, 1, 5, 4, 0, 6, 7, 1},
	}
	r, err := Refine(fan, nil, Options{Level: 2, Limit: true})
	if err != nil {
		t.Fatalf("non-manifold edge: %v", err)
	}
	if len(r.Counts) != 48 {
		t.Errorf("non-manifold: %d faces, want 48", len(r.Counts))
	}
}

func TestFaceCount(t *testing.T) {
	if n := FaceCount([]int32{4, 4, 3}, CatmullClark, 2); n != 44 {
		t.Errorf("CC level 2: %d, want (4+4+3)·4 = 44", n)
	}
	if n := FaceCount([]int32{3, 3}, Loop, 2); n != 32 {
		t.Errorf("Loop level 2: %d, want 32", n)
	}
	if n := FaceCount([]int32{5}, CatmullClark, 0); n != 1 {
		t.Errorf("level 0: %d, want 1", n)
	}
}

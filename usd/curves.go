package usd

import (
	"fmt"
	"math"
)

// UsdGeomCurves rules: BasisCurves topology (segments per curve, the size
// of varying data, pinned phantom points), the cubic bases, widths and
// their interpolation, and the extents UsdGeomBoundable computes for
// curves and points. Ported from pxr/usd/usdGeom/basisCurves.h (the
// "Segment Indexing", "Cubic Vertex Interpolation" and "Primvar
// Interpolation" sections), curves.cpp (GetWidthsInterpolation,
// ComputeExtent) and points.cpp (ComputeExtent).

// Curves is the data of a UsdGeomBasisCurves, NurbsCurves or
// HermiteCurves prim at one time, as an imaging adapter reads it.
type Curves struct {
	Type  string // BasisCurves: "linear" or "cubic" (fallback cubic)
	Basis string // "bezier" (fallback), "bspline", "catmullRom"
	Wrap  string // "nonperiodic" (fallback), "periodic", "pinned"

	CurveVertexCounts []int32
	Points            []Vec3f
	// Widths with their interpolation: primvars:widths when authored, or
	// inherited as a constant primvar from an ancestor (as UsdImaging's
	// curves and points adapters look them up), else the widths attribute, whose
	// interpolation falls back to "vertex" (UsdGeomCurves::
	// GetWidthsInterpolation). Nil when neither is authored.
	Widths       []float32
	WidthsInterp string
	// Normals likewise (primvars:normals, else normals with "vertex" as
	// UsdGeomPointBased::GetNormalsInterpolation's fallback). Curves with
	// normals are ribbons oriented by them; without, round tubes.
	Normals       []Vec3f
	NormalsInterp string
}

// Curves reads the curves attributes of the prim at time t; ok is false
// when the prim has no points.
func (p *Prim) Curves(t TimeCode) (Curves, bool) {
	var c Curves
	var ok bool
	c.Points, ok = p.Attribute("points").Vec3fArray(t)
	c.CurveVertexCounts, _ = p.Attribute("curveVertexCounts").IntArray(t)
	c.Type, _ = p.Attribute("type").Token(t)
	c.Basis, _ = p.Attribute("basis").Token(t)
	c.Wrap, _ = p.Attribute("wrap").Token(t)
	if c.Type == "" {
		c.Type = "cubic"
	}
	if c.Basis == "" {
		c.Basis = "bezier"
	}
	if c.Wrap == "" {
		c.Wrap = "nonperiodic"
	}
	c.Widths, c.WidthsInterp = p.widths(t)
	if pv, has := p.InheritedPrimvar("normals", t); has {
		if n, isVec := pv.Flatten().([]Vec3f); isVec {
			c.Normals, c.NormalsInterp = n, pv.Interpolation
		}
	} else if a := p.Attribute("normals"); a != nil && a.IsAuthored() {
		c.Normals, _ = a.Vec3fArray(t)
		c.NormalsInterp = "vertex"
		if _, set := a.Metadata("interpolation"); set {
			c.NormalsInterp = a.Interpolation()
		}
	}
	return c, ok
}

// widths reads primvars:widths (flattened; the prim's own, else a
// constant one inherited from an ancestor), else the widths attribute
// with the UsdGeomCurves/UsdGeomPoints fallback interpolation "vertex".
func (p *Prim) widths(t TimeCode) ([]float32, string) {
	if pv, has := p.InheritedPrimvar("widths", t); has {
		switch w := pv.Flatten().(type) {
		case []float32:
			return w, pv.Interpolation
		case []float64:
			out := make([]float32, len(w))
			for i, x := range w {
				out[i] = float32(x)
			}
			return out, pv.Interpolation
		case float32:
			return []float32{w}, "constant"
		}
	}
	a := p.Attribute("widths")
	if a == nil || !a.IsAuthored() {
		return nil, ""
	}
	w, ok := a.FloatArray(t)
	if !ok {
		return nil, ""
	}
	interp := "vertex"
	if _, set := a.Metadata("interpolation"); set {
		interp = a.Interpolation()
	}
	return w, interp
}

// Points is the data of a UsdGeomPoints prim at one time.
type Points struct {
	Points []Vec3f
	// Widths (diameters) as Curves.Widths: primvars:widths first, else
	// widths with "vertex" as the fallback interpolation.
	Widths       []float32
	WidthsInterp string
}

// PointsData reads a UsdGeomPoints prim at time t; ok is false when it
// has no points.
func (p *Prim) PointsData(t TimeCode) (Points, bool) {
	var d Points
	var ok bool
	d.Points, ok = p.Attribute("points").Vec3fArray(t)
	d.Widths, d.WidthsInterp = p.widths(t)
	return d, ok
}

// CurveVStep is the vstep of a cubic basis (basisCurves.h): 3 for bezier,
// 1 for bspline and catmullRom; 0 for an unknown basis.
func CurveVStep(basis string) int {
	switch basis {
	case "bezier":
		return 3
	case "bspline", "catmullRom":
		return 1
	}
	return 0
}

// CurveSegmentCount is the number of segments of one curve of n vertices
// (basisCurves.h, "curve segment count"), or an error when n fails the
// schema's validity check for the type, wrap and basis. Pinned applies
// only to cubic bspline and catmullRom; pinned linear or bezier curves
// are nonperiodic ones.
func CurveSegmentCount(n int, typ, basis, wrap string) (int, error) {
	if typ == "linear" {
		switch wrap {
		case "periodic":
			if n < 3 {
				return 0, fmt.Errorf("periodic linear curve of %d vertices (want at least 3)", n)
			}
			return n, nil
		default:
			if n < 2 {
				return 0, fmt.Errorf("linear curve of %d vertices (want at least 2)", n)
			}
			return n - 1, nil
		}
	}
	if typ != "cubic" {
		return 0, fmt.Errorf("curve type %q (want linear or cubic)", typ)
	}
	vstep := CurveVStep(basis)
	if vstep == 0 {
		return 0, fmt.Errorf("cubic basis %q (want bezier, bspline or catmullRom)", basis)
	}
	switch {
	case wrap == "periodic":
		if n == 0 || n%vstep != 0 {
			return 0, fmt.Errorf("periodic cubic %s curve of %d vertices (want a multiple of %d)", basis, n, vstep)
		}
		return n / vstep, nil
	case wrap == "pinned" && basis != "bezier":
		if n < 2 {
			return 0, fmt.Errorf("pinned cubic %s curve of %d vertices (want at least 2)", basis, n)
		}
		return n - 1, nil
	default:
		if n < 4 || (n-4)%vstep != 0 {
			return 0, fmt.Errorf("cubic %s curve of %d vertices (want 4 + a multiple of %d)", basis, n, vstep)
		}
		return (n-4)/vstep + 1, nil
	}
}

// CurveVaryingCount is the number of varying values of a curve with the
// given segment count: one more than the segments unless periodic
// (basisCurves.h, "curve varying count").
func CurveVaryingCount(segments int, wrap string) int {
	if wrap == "periodic" {
		return segments
	}
	return segments + 1
}

// CurveControls returns the values (dim floats per vertex) of one curve
// unpacked into the nonperiodic layout, so that segment k is interpolated
// from vertices [k·vstep, k·vstep+3] (cubic) or [k, k+1] (linear):
// periodic curves repeat their first 4−vstep vertices (linear: one);
// pinned bspline and catmullRom curves get the phantom points
// P[−1] = 2P[0] − P[1] and P[n] = 2P[n−1] − P[n−2] (basisCurves.h).
// Vertex-interpolated primvars are unpacked the same way.
func CurveControls(v []float64, dim int, typ, basis, wrap string) []float64 {
	n := len(v) / dim
	if n == 0 {
		return nil
	}
	switch {
	case wrap == "periodic":
		extra := 1
		if typ == "cubic" {
			extra = 4 - CurveVStep(basis)
		}
		out := make([]float64, 0, len(v)+extra*dim)
		out = append(out, v...)
		for i := range extra {
			k := i % n
			out = append(out, v[k*dim:(k+1)*dim]...)
		}
		return out
	case wrap == "pinned" && typ == "cubic" && basis != "bezier" && n >= 2:
		out := make([]float64, 0, len(v)+2*dim)
		for j := range dim {
			out = append(out, 2*v[j]-v[dim+j])
		}
		out = append(out, v...)
		for j := range dim {
			out = append(out, 2*v[(n-1)*dim+j]-v[(n-2)*dim+j])
		}
		return out
	}
	return v
}

// CubicWeights returns the weights of the four control vertices of a
// segment at parameter u in [0,1] for the basis (the basis matrices of
// basisCurves.h, "Cubic Vertex Interpolation": bezier, the uniform cubic
// B-spline, and Catmull-Rom with tension 1/2); ok is false for an unknown
// basis.
func CubicWeights(basis string, u float64) (w [4]float64, ok bool) {
	u2, u3 := u*u, u*u*u
	switch basis {
	case "bezier":
		s := 1 - u
		return [4]float64{s * s * s, 3 * u * s * s, 3 * u2 * s, u3}, true
	case "bspline":
		return [4]float64{
			(-u3 + 3*u2 - 3*u + 1) / 6,
			(3*u3 - 6*u2 + 4) / 6,
			(-3*u3 + 3*u2 + 3*u + 1) / 6,
			u3 / 6,
		}, true
	case "catmullRom":
		return [4]float64{
			(-u3 + 2*u2 - u) / 2,
			(3*u3 - 5*u2 + 2) / 2,
			(-3*u3 + 4*u2 + u) / 2,
			(u3 - u2) / 2,
		}, true
	}
	return w, false
}

// CubicDerivWeights returns the derivatives in u of CubicWeights: the
// weights of the control vertices for the segment's tangent dP/du.
func CubicDerivWeights(basis string, u float64) (w [4]float64, ok bool) {
	u2 := u * u
	switch basis {
	case "bezier":
		s := 1 - u
		return [4]float64{-3 * s * s, 3*s*s - 6*u*s, 6*u*s - 3*u2, 3 * u2}, true
	case "bspline":
		return [4]float64{(-3*u2 + 6*u - 3) / 6, (9*u2 - 12*u) / 6, (-9*u2 + 6*u + 3) / 6, 3 * u2 / 6}, true
	case "catmullRom":
		return [4]float64{(-3*u2 + 4*u - 1) / 2, (9*u2 - 10*u) / 2, (-9*u2 + 8*u + 1) / 2, (3*u2 - 2*u) / 2}, true
	}
	return w, false
}

// CurvesExtent is UsdGeomCurves::ComputeExtent: the box of the points
// grown by half the largest width on every axis (the control hull, which
// bounds bezier and bspline curves; catmullRom may overshoot it slightly,
// as OpenUSD notes). ok is false without points.
func CurvesExtent(points []Vec3f, widths []float32) (ext [2]Vec3f, ok bool) {
	if len(points) == 0 {
		return ext, false
	}
	var maxW float32
	for i, w := range widths {
		if i == 0 || w > maxW {
			maxW = w
		}
	}
	ext = pointsBox(points)
	h := maxW * 0.5
	for k := range 3 {
		ext[0][k] -= h
		ext[1][k] += h
	}
	return ext, true
}

// PointsExtent is the extent UsdGeomBoundable computes for UsdGeomPoints
// (points.cpp): the union of each point's box of half its width; without
// widths the box of the points; with a widths array of another length
// than the points, no extent (ok false).
func PointsExtent(points []Vec3f, widths []float32) (ext [2]Vec3f, ok bool) {
	if len(points) == 0 {
		return ext, false
	}
	if widths == nil {
		return pointsBox(points), true
	}
	if len(widths) != len(points) {
		return ext, false
	}
	lo := [3]float64{math.Inf(1), math.Inf(1), math.Inf(1)}
	hi := [3]float64{math.Inf(-1), math.Inf(-1), math.Inf(-1)}
	for i, p := range points {
		h := widths[i] * 0.5
		for k := range 3 {
			// As GfVec3f arithmetic: the sums round to float.
			lo[k] = math.Min(lo[k], float64(p[k]-h))
			hi[k] = math.Max(hi[k], float64(p[k]+h))
		}
	}
	return [2]Vec3f{{float32(lo[0]), float32(lo[1]), float32(lo[2])}, {float32(hi[0]), float32(hi[1]), float32(hi[2])}}, true
}

func pointsBox(points []Vec3f) [2]Vec3f {
	lo, hi := points[0], points[0]
	for _, p := range points[1:] {
		for k := range 3 {
			lo[k] = min(lo[k], p[k])
			hi[k] = max(hi[k], p[k])
		}
	}
	return [2]Vec3f{lo, hi}
}

// Nurbs is the NURBS data of a UsdGeomNurbsCurves prim (nurbsCurves.h):
// per curve an order (degree + 1), a knot slice of curveVertexCounts[i] +
// order[i] values, an optional range within [knots[order−1],
// knots[count]], and optional per-point weights (the points are not
// pre-weighted).
type Nurbs struct {
	Order   []int32
	Knots   []float64
	Ranges  [][2]float64 // nil when not authored
	Weights []float64    // nil when not authored
}

// NurbsData reads order, knots, ranges and pointWeights at time t.
func (p *Prim) NurbsData(t TimeCode) Nurbs {
	var n Nurbs
	n.Order, _ = p.Attribute("order").IntArray(t)
	n.Knots = float64s(p.Attribute("knots"), t)
	n.Weights = float64s(p.Attribute("pointWeights"), t)
	if v, ok := p.Attribute("ranges").Get(t); ok {
		switch r := v.(type) {
		case []Vec2d:
			for _, x := range r {
				n.Ranges = append(n.Ranges, [2]float64{x[0], x[1]})
			}
		case []Vec2f:
			for _, x := range r {
				n.Ranges = append(n.Ranges, [2]float64{float64(x[0]), float64(x[1])})
			}
		}
	}
	return n
}

func float64s(a *Attribute, t TimeCode) []float64 {
	v, ok := a.Get(t)
	if !ok {
		return nil
	}
	switch x := v.(type) {
	case []float64:
		return x
	case []float32:
		out := make([]float64, len(x))
		for i, f := range x {
			out[i] = float64(f)
		}
		return out
	}
	return nil
}

// NurbsDomain checks curve i's order and knot slice (count vertices, the
// knots of the curve starting at knotOff) and returns its parameter
// domain: the authored range, else [knots[order−1], knots[count]].
func (n Nurbs) NurbsDomain(i, count, knotOff int) (order int, lo, hi float64, err error) {
	if i >= len(n.Order) {
		return 0, 0, 0, fmt.Errorf("no order for curve %d (%d orders)", i, len(n.Order))
	}
	order = int(n.Order[i])
	if order < 2 || order > count {
		return 0, 0, 0, fmt.Errorf("curve %d: order %d for %d vertices (want 2..%d)", i, order, count, count)
	}
	if knotOff+count+order > len(n.Knots) {
		return 0, 0, 0, fmt.Errorf("curve %d: %d knots left, want count + order = %d", i, len(n.Knots)-knotOff, count+order)
	}
	k := n.Knots[knotOff : knotOff+count+order]
	for j := 1; j < len(k); j++ {
		if k[j] < k[j-1] {
			return 0, 0, 0, fmt.Errorf("curve %d: knots decrease at %d", i, j)
		}
	}
	lo, hi = k[order-1], k[count]
	if i < len(n.Ranges) {
		if r := n.Ranges[i]; r[0] < r[1] && r[0] >= lo && r[1] <= hi {
			lo, hi = r[0], r[1]
		}
	}
	if !(lo < hi) {
		return 0, 0, 0, fmt.Errorf("curve %d: empty domain [%g, %g]", i, lo, hi)
	}
	return order, lo, hi, nil
}

// EvalNurbs evaluates a NURBS curve at parameter u by de Boor's algorithm
// in homogeneous coordinates: ctrl holds dim floats per control vertex,
// weights one per vertex (nil: polynomial), knots the curve's slice
// (len(ctrl)/dim + order values); out receives dim floats.
func EvalNurbs(ctrl []float64, dim int, weights, knots []float64, order int, u float64, out []float64) {
	n := len(ctrl) / dim
	p := order - 1
	// The span k with knots[k] <= u < knots[k+1], within [p, n−1].
	k := p
	for k < n-1 && u >= knots[k+1] {
		k++
	}
	var buf [8 * 5]float64 // order ≤ 8 of dim ≤ 4 on the stack
	var d []float64
	if order*(dim+1) <= len(buf) {
		d = buf[:order*(dim+1)]
	} else {
		d = make([]float64, order*(dim+1))
	}
	h := dim + 1
	for j := 0; j <= p; j++ {
		v := j + k - p
		w := 1.0
		if weights != nil {
			w = weights[v]
		}
		for c := range dim {
			d[j*h+c] = ctrl[v*dim+c] * w
		}
		d[j*h+dim] = w
	}
	for r := 1; r <= p; r++ {
		for j := p; j >= r; j-- {
			den := knots[j+1+k-r] - knots[j+k-p]
			a := 0.0
			if den != 0 {
				a = (u - knots[j+k-p]) / den
			}
			for c := 0; c < h; c++ {
				d[j*h+c] = (1-a)*d[(j-1)*h+c] + a*d[j*h+c]
			}
		}
	}
	w := d[p*h+dim]
	if w == 0 {
		w = 1
	}
	for c := range dim {
		out[c] = d[p*h+c] / w
	}
}

// HermiteToBezier converts UsdGeomHermiteCurves (a point and a tangent
// per vertex, n − 1 segments per curve of n vertices, hermiteCurves.h)
// into cubic bezier control points of the same curves: the segment P0,
// T0, P1, T1 has the controls P0, P0 + T0/3, P1 − T1/3, P1. It returns
// the bezier points and curveVertexCounts (3(n−1) + 1 per curve). Per
// point data of the Hermite curves is then varying data of the bezier
// ones (the schema suggests linear interpolation per segment).
func HermiteToBezier(points, tangents []Vec3f, counts []int32) ([]Vec3f, []int32, error) {
	if len(tangents) != len(points) {
		return nil, nil, fmt.Errorf("%d tangents for %d points", len(tangents), len(points))
	}
	var out []Vec3f
	var oc []int32
	off := 0
	for i, n := range counts {
		if n < 2 || off+int(n) > len(points) {
			return nil, nil, fmt.Errorf("curve %d: %d vertices (want at least 2, %d points left)", i, n, len(points)-off)
		}
		for k := off; k < off+int(n)-1; k++ {
			p0, t0, p1, t1 := points[k], tangents[k], points[k+1], tangents[k+1]
			if k == off {
				out = append(out, p0)
			}
			var b1, b2 Vec3f
			for j := range 3 {
				b1[j] = p0[j] + t0[j]/3
				b2[j] = p1[j] - t1[j]/3
			}
			out = append(out, b1, b2, p1)
		}
		oc = append(oc, 3*(n-1)+1)
		off += int(n)
	}
	return out, oc, nil
}

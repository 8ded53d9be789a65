package usdscene

import (
	"math"

	"github.com/rgallery/rgallery/render"
	"github.com/rgallery/rgallery/usd"
)

// Curves (UsdGeomBasisCurves; HermiteCurves converted to bezier;
// NurbsCurves evaluated by their knots, nurbs.go) are swept into triangle
// meshes: round
// tubes of radius width/2 when no normals are authored, flat ribbons
// facing the interpolated normals when they are (basisCurves.h, "Tubes
// and Ribbons"). Tubes are chosen over camera-facing ribbons because a
// tube looks right from any camera, in reflections and in shadows, and
// needs no camera at conversion time.
//
// The topology rules (segments, vstep, wrap, pinned phantom points,
// varying counts) and the bases are the usd package's (usd/curves.go).
// Cubic segments are sampled uniformly in their parameter; the density
// (samples per segment, sides per ring) is the finest of a fixed ladder
// that keeps the prim under curveTriangleBudget triangles, so a groom of
// 100k curves stays bounded; a coarser level than the finest is a
// counted warning. Widths default to 1 when neither primvars:widths nor
// widths is authored (Hydra's fallback for the widths primvar).

// curveTriangleBudget bounds the triangles of one curves prim; above it
// the tessellation gets coarser, down to one sample per segment and
// three sides.
const curveTriangleBudget = 2_000_000

// curveLevel is one tessellation density: samples per cubic segment and
// sides of a tube's ring.
type curveLevel struct{ samples, sides int }

var (
	cubicLevels  = []curveLevel{{8, 8}, {6, 8}, {6, 6}, {4, 6}, {4, 5}, {3, 5}, {3, 4}, {2, 4}, {2, 3}, {1, 3}}
	linearLevels = []curveLevel{{1, 8}, {1, 6}, {1, 5}, {1, 4}, {1, 3}}
)

// curveData is a curves primvar (positions, widths, normals, colours)
// with dim floats per value and its interpolation.
type curveData struct {
	vals   []float64
	dim    int
	interp string
}

// curveTopo is the per-curve layout of a curves prim.
type curveTopo struct {
	typ, basis, wrap string
	vstep            int
	counts           []int // vertices per curve
	segs             []int // segments per curve (0: curve skipped)
	vtxOff, varOff   []int // first vertex, first varying value of each curve
	nVertex          int
	nVarying         int
	// vertexIsVarying: per-point data of HermiteCurves converted to
	// bezier, which is linear per segment.
	vertexIsVarying bool
}

// expected is the number of values a primvar of the interpolation needs.
func (t *curveTopo) expected(interp string) int {
	switch interp {
	case "constant":
		return 1
	case "uniform":
		return len(t.counts)
	case "varying":
		return t.nVarying
	}
	return t.nVertex // vertex, and faceVarying, which curves treat as varying in Hydra; see check
}

// curveEval evaluates curve data along one curve.
type curveEval struct {
	d    *curveData
	ctrl []float64 // vertex data unpacked for this curve (usd.CurveControls)
	i    int       // curve index
}

func (t *curveTopo) evaluator(d *curveData, i int) *curveEval {
	if d == nil {
		return nil
	}
	e := &curveEval{d: d, i: i}
	if d.interp == "vertex" {
		v := d.vals[t.vtxOff[i]*d.dim : (t.vtxOff[i]+t.counts[i])*d.dim]
		e.ctrl = usd.CurveControls(v, d.dim, t.typ, t.basis, t.wrap)
	}
	return e
}

// at writes the value at parameter u of segment k into out.
func (t *curveTopo) at(e *curveEval, k int, u float64, out []float64) {
	d := e.d
	switch d.interp {
	case "constant":
		copy(out, d.vals[:d.dim])
	case "uniform":
		copy(out, d.vals[e.i*d.dim:(e.i+1)*d.dim])
	case "varying":
		vc := usd.CurveVaryingCount(t.segs[e.i], t.wrap)
		a := (t.varOff[e.i] + k) * d.dim
		b := (t.varOff[e.i] + (k+1)%vc) * d.dim
		for j := range d.dim {
			out[j] = d.vals[a+j]*(1-u) + d.vals[b+j]*u
		}
	default: // vertex
		if t.typ == "linear" {
			a, b := k*d.dim, (k+1)*d.dim
			for j := range d.dim {
				out[j] = e.ctrl[a+j]*(1-u) + e.ctrl[b+j]*u
			}
			return
		}
		w, _ := usd.CubicWeights(t.basis, u)
		base := k * t.vstep * d.dim
		for j := range d.dim {
			out[j] = 0
			for q := range 4 {
				out[j] += w[q] * e.ctrl[base+q*d.dim+j]
			}
		}
	}
}

// tangent is dP/du of a cubic curve's positions at u of segment k (the
// derivative of the basis); zero where it vanishes.
func (t *curveTopo) tangent(e *curveEval, k int, u float64) render.Vec3 {
	w, _ := usd.CubicDerivWeights(t.basis, u)
	base := k * t.vstep * 3
	var d [3]float64
	for j := range 3 {
		for q := range 4 {
			d[j] += w[q] * e.ctrl[base+q*3+j]
		}
	}
	return render.Vec3{X: d[0], Y: d[1], Z: d[2]}
}

// curves converts a BasisCurves, NurbsCurves or HermiteCurves prim; nil
// means nothing to draw (with a warning saying why).
func (c *conv) curves(p *usd.Prim) (*render.Mesh, error) {
	cv, ok := p.Curves(c.time)
	if !ok || len(cv.Points) == 0 {
		c.warnf("%s %s has no points; not drawn", p.TypeName(), p.Path())
		return nil, nil
	}
	hermite := false
	if t := p.TypeName(); t != "BasisCurves" {
		if t == "NurbsCurves" {
			if m, ok := c.nurbsCurves(p, cv); ok {
				return m, nil
			}
		}
		if t == "HermiteCurves" {
			tan, _ := p.Attribute("tangents").Vec3fArray(c.time)
			if pts, counts, err := usd.HermiteToBezier(cv.Points, tan, cv.CurveVertexCounts); err == nil {
				cv.Points, cv.CurveVertexCounts = pts, counts
				cv.Type, cv.Basis, cv.Wrap, hermite = "cubic", "bezier", "nonperiodic", true
			} else {
				c.warnf("HermiteCurves %s: %v", p.Path(), err)
			}
		}
		if !hermite {
			// NurbsCurves without a usable order and knots, HermiteCurves
			// without tangents: the polyline through the points follows
			// the hull, which is close for dense control points.
			c.warnf("%s are drawn as linear curves through their control points (e.g. %s)", t, p.Path())
			cv.Type, cv.Wrap = "linear", "nonperiodic"
		}
	}
	top := &curveTopo{typ: cv.Type, basis: cv.Basis, wrap: cv.Wrap, vstep: usd.CurveVStep(cv.Basis), vertexIsVarying: hermite}
	if top.typ == "linear" {
		top.vstep = 1
	}
	skipped := 0
	var firstErr error
	for _, n := range cv.CurveVertexCounts {
		s, err := usd.CurveSegmentCount(int(n), cv.Type, cv.Basis, cv.Wrap)
		if err != nil {
			skipped++
			if firstErr == nil {
				firstErr = err
			}
			s = 0
		}
		top.vtxOff = append(top.vtxOff, top.nVertex)
		top.varOff = append(top.varOff, top.nVarying)
		top.counts = append(top.counts, max(int(n), 0))
		top.segs = append(top.segs, s)
		top.nVertex += max(int(n), 0)
		if s > 0 {
			top.nVarying += usd.CurveVaryingCount(s, cv.Wrap)
		} else if n > 0 {
			// An invalid curve still owns its varying values in the batch
			// count as the schema computes it; without segments there is
			// no count, so later curves' varying data may be misaligned.
			top.nVarying += int(n)
		}
	}
	if len(cv.CurveVertexCounts) == 0 {
		c.warnf("%s %s has no curveVertexCounts; not drawn", p.TypeName(), p.Path())
		return nil, nil
	}
	if top.nVertex > len(cv.Points) {
		c.warnf("%s %s: curveVertexCounts sum to %d but there are %d points; not drawn", p.TypeName(), p.Path(), top.nVertex, len(cv.Points))
		return nil, nil
	}
	if skipped > 0 {
		c.warnf("%s %s: %d of %d curves skipped: %v", p.TypeName(), p.Path(), skipped, len(cv.CurveVertexCounts), firstErr)
	}
	pos := &curveData{dim: 3, interp: "vertex", vals: make([]float64, 0, 3*len(cv.Points))}
	for _, q := range cv.Points {
		pos.vals = append(pos.vals, float64(q[0]), float64(q[1]), float64(q[2]))
	}
	width := &curveData{dim: 1, interp: "constant", vals: []float64{1}}
	if cv.Widths != nil {
		w := &curveData{dim: 1, interp: cv.WidthsInterp}
		for _, x := range cv.Widths {
			w.vals = append(w.vals, float64(x))
		}
		if c.checkCurveData(p, "widths", w, top) {
			width = w
		}
	}
	var normal *curveData
	if cv.Normals != nil {
		nd := &curveData{dim: 3, interp: cv.NormalsInterp}
		for _, q := range cv.Normals {
			nd.vals = append(nd.vals, float64(q[0]), float64(q[1]), float64(q[2]))
		}
		if c.checkCurveData(p, "normals", nd, top) {
			normal = nd
		}
	}
	color := c.curveColors(p, top)

	levels := cubicLevels
	if top.typ == "linear" {
		levels = linearLevels
	}
	totalSegs, drawn := 0, 0
	for _, s := range top.segs {
		totalSegs += s
		if s > 0 {
			drawn++
		}
	}
	tris := func(l curveLevel) int {
		if normal != nil {
			return totalSegs * l.samples * 2
		}
		return totalSegs*l.samples*l.sides*2 + drawn*(l.sides-2)*2
	}
	lv := levels[len(levels)-1]
	for _, l := range levels {
		if tris(l) <= curveTriangleBudget {
			lv = l
			break
		}
	}
	if lv != levels[0] {
		c.warnf("%s %s: %d curves, %d segments tessellated coarser (%d samples per segment, %d sides), %d triangles (budget %d)",
			p.TypeName(), p.Path(), drawn, totalSegs, lv.samples, lv.sides, tris(lv), curveTriangleBudget)
	}

	m := &render.Mesh{Name: p.Path()}
	var pts, nrm, cols, tans []render.Vec3
	var rad []float64
	buf := make([]float64, 3)
	for i := range top.counts {
		segs := top.segs[i]
		if segs == 0 {
			continue
		}
		pe, we := top.evaluator(pos, i), top.evaluator(width, i)
		ne, ce := top.evaluator(normal, i), top.evaluator(color, i)
		closed := top.wrap == "periodic"
		pts, nrm, cols, rad, tans = pts[:0], nrm[:0], cols[:0], rad[:0], tans[:0]
		sample := func(k int, u float64) {
			top.at(pe, k, u, buf)
			pts = append(pts, render.Vec3{X: buf[0], Y: buf[1], Z: buf[2]})
			if top.typ == "cubic" {
				tans = append(tans, top.tangent(pe, k, u))
			}
			top.at(we, k, u, buf)
			rad = append(rad, math.Max(buf[0], 0)/2)
			if ne != nil {
				top.at(ne, k, u, buf)
				nrm = append(nrm, render.Vec3{X: buf[0], Y: buf[1], Z: buf[2]})
			}
			if ce != nil {
				top.at(ce, k, u, buf)
				cols = append(cols, render.Vec3{X: math.Max(buf[0], 0), Y: math.Max(buf[1], 0), Z: math.Max(buf[2], 0)})
			}
		}
		ns := lv.samples
		if top.typ == "linear" {
			ns = 1
		}
		for k := range segs {
			for s := range ns {
				sample(k, float64(s)/float64(ns))
			}
		}
		if !closed {
			sample(segs-1, 1)
		}
		var cl []render.Vec3
		if ce != nil {
			cl = cols
		}
		if normal != nil {
			render.AppendRibbon(m, pts, rad, tans, nrm, closed, cl)
		} else {
			render.AppendTube(m, pts, rad, tans, lv.sides, closed, cl)
		}
	}
	if len(m.Indices) == 0 {
		return nil, nil
	}
	m.Material = c.boundMaterial(p)
	return m, nil
}

// checkCurveData reports whether a widths or normals array has the size
// its interpolation needs, warning when not (the value is then ignored).
func (c *conv) checkCurveData(p *usd.Prim, name string, d *curveData, top *curveTopo) bool {
	if top.vertexIsVarying && d.interp == "vertex" {
		d.interp = "varying"
	}
	switch d.interp {
	case "constant", "uniform", "varying", "vertex":
	case "faceVarying":
		// Curves have no faces: UsdGeom gives faceVarying the varying count.
		d.interp = "varying"
	default:
		c.warnf("%s %s: %s interpolation %q not understood; ignored", p.TypeName(), p.Path(), name, d.interp)
		return false
	}
	want := top.expected(d.interp)
	if got := len(d.vals) / d.dim; got == 1 && want > 1 {
		// One value for many (widths = [0.1] without interpolation
		// metadata is common, OpenUSD's own test files included): it is
		// meant for the whole prim.
		c.warnf("%s %s: 1 value of %s for %s interpolation (want %d) used as constant", p.TypeName(), p.Path(), name, d.interp, want)
		d.interp = "constant"
		return true
	}
	if got := len(d.vals) / d.dim; got < want {
		c.warnf("%s %s: %d %s for %s interpolation, want %d; ignored", p.TypeName(), p.Path(), got, name, d.interp, want)
		return false
	}
	return true
}

// curveColors reads the colour primvar (the one the bound material's
// primvar reader names, else displayColor: colorPrimvar) in any
// interpolation, indexed or not, as curve data; nil when absent or
// unusable.
func (c *conv) curveColors(p *usd.Prim, top *curveTopo) *curveData {
	pv, ok := c.colorPrimvar(p)
	if !ok {
		return nil
	}
	cols, ok := toVec3s(pv.values)
	if !ok || len(cols) == 0 {
		return nil
	}
	d := &curveData{dim: 3, interp: pv.interp}
	if d.interp == "" {
		d.interp = "constant"
	}
	for i := range max(len(pv.indices), len(cols)) {
		k := i
		if pv.indices != nil {
			if i >= len(pv.indices) {
				break
			}
			k = int(pv.indices[i])
		}
		if k < 0 || k >= len(cols) {
			c.warnf("%s %s: displayColor index %d out of range [0,%d); ignored", p.TypeName(), p.Path(), k, len(cols))
			return nil
		}
		d.vals = append(d.vals, cols[k].X, cols[k].Y, cols[k].Z)
	}
	if !c.checkCurveData(p, "displayColor", d, top) {
		return nil
	}
	return d
}

// curvesExtent is the extent OpenUSD computes for a curves prim
// (usd.CurvesExtent), rounded like the other facts' extents; the facts
// record it instead of the tessellation's box, which lies inside it.
func curvesExtent(p *usd.Prim, t usd.TimeCode) *Extent {
	cv, ok := p.Curves(t)
	if !ok {
		return nil
	}
	// UsdGeomCurves reads the widths attribute itself, not the primvar.
	w, _ := p.Attribute("widths").FloatArray(t)
	ext, ok := usd.CurvesExtent(cv.Points, w)
	if !ok {
		return nil
	}
	return extentOf(ext)
}

func extentOf(ext [2]usd.Vec3f) *Extent {
	var e Extent
	for i := range 2 {
		for k := range 3 {
			e[i][k] = float64(ext[i][k])
		}
	}
	return &e
}

// curvesOrPoints converts and places a curves or points prim, as prim()
// does for gprims, and records its facts with OpenUSD's extent rule for
// the type.
func (c *conv) curvesOrPoints(p *usd.Prim, t string) error {
	if c.facts == nil && !c.rendered(p) {
		return nil
	}
	w := c.world(p)
	var m *render.Mesh
	if t == "Points" {
		// Large point sets are instances of one sphere (points.go).
		pp, ok := c.pointsProps(p)
		switch {
		case ok && len(pp.d.Points) > instancedPointsAbove:
			if c.rendered(p) {
				c.pointsInstanced(p, pp, w)
			}
		case ok:
			m = c.pointsMesh(p, pp)
		}
	} else {
		var err error
		if m, err = c.curves(p); err != nil {
			return err
		}
	}
	if m != nil && c.rendered(p) {
		c.addMesh(m, w)
	}
	c.recordGprim(p, t, w, m, nil)
	c.recordCurvesExtent(p, t)
	return nil
}

// recordCurvesExtent replaces the extent of the gprim just recorded by
// OpenUSD's extent for curves and points: the facts compare it with
// ComputeExtentFromPlugins, whose curves box is the control hull grown by
// the widest width (the tube lies inside it).
func (c *conv) recordCurvesExtent(at *usd.Prim, t string) {
	if c.facts == nil || len(c.facts.Gprims) == 0 {
		return
	}
	g := &c.facts.Gprims[len(c.facts.Gprims)-1]
	switch t {
	case "Points":
		g.Extent = pointsExtent(at, c.time)
	case "BasisCurves", "NurbsCurves", "HermiteCurves":
		g.Extent = curvesExtent(at, c.time)
	}
}

// drawnTypes are the prim types that convert to one mesh: the gprims
// and the curves and points.
var drawnTypes = map[string]bool{
	"Mesh": true, "Sphere": true, "Cube": true, "Cylinder": true, "Cone": true, "Capsule": true, "Plane": true,
	"Cylinder_1": true, "Capsule_1": true, "BasisCurves": true, "NurbsCurves": true, "HermiteCurves": true, "Points": true,
}

// geom converts any drawn type into its mesh (nil: nothing to draw).
func (c *conv) geom(p *usd.Prim) (*render.Mesh, error) {
	switch p.TypeName() {
	case "BasisCurves", "NurbsCurves", "HermiteCurves":
		return c.curves(p)
	case "Points":
		return c.points(p)
	}
	return c.gprim(p)
}

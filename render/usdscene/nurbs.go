package usdscene

import (
	"math"

	"github.com/rgallery/rgallery/render"
	"github.com/rgallery/rgallery/usd"
)

// nurbsCurves tessellates NurbsCurves by their knots, orders and weights
// (usd.EvalNurbs) as tubes: samples spread evenly over each curve's
// domain, samplesPerSpan per non-empty knot span (coarser, down to 1,
// within curveTriangleBudget). Widths and displayColor: constant, uniform,
// and vertex (evaluated with the curve's basis); others are ignored with
// a warning. ok is false when a curve's order or knots are unusable (the
// caller then draws polylines).
func (c *conv) nurbsCurves(p *usd.Prim, cv usd.Curves) (*render.Mesh, bool) {
	nd := p.NurbsData(c.time)
	if nd.Weights != nil && len(nd.Weights) != len(cv.Points) {
		c.warnf("NurbsCurves %s: %d pointWeights for %d points; weights ignored", p.Path(), len(nd.Weights), len(cv.Points))
		nd.Weights = nil
	}
	type curve struct {
		off, count, knotOff, order int
		lo, hi                     float64
		spans                      int
	}
	var curves []curve
	off, knotOff, spans := 0, 0, 0
	for i, n := range cv.CurveVertexCounts {
		cnt := int(n)
		if cnt < 1 || off+cnt > len(cv.Points) {
			c.warnf("NurbsCurves %s: curveVertexCounts do not match the %d points", p.Path(), len(cv.Points))
			return nil, false
		}
		order, lo, hi, err := nd.NurbsDomain(i, cnt, knotOff)
		if err != nil {
			c.warnf("NurbsCurves %s: %v", p.Path(), err)
			return nil, false
		}
		k := nd.Knots[knotOff : knotOff+cnt+order]
		s := 0
		for j := order - 1; j < cnt; j++ {
			if k[j+1] > k[j] && k[j+1] > lo && k[j] < hi {
				s++
			}
		}
		curves = append(curves, curve{off, cnt, knotOff, order, lo, hi, max(s, 1)})
		spans += max(s, 1)
		off += cnt
		knotOff += cnt + order
	}
	if len(curves) == 0 {
		return nil, false
	}
	if cv.Normals != nil {
		c.warnf("NurbsCurves %s: normals ignored; drawn as tubes", p.Path())
	}
	// Per-vertex data by interpolation: constant, uniform, vertex.
	vals := func(name string, n int, get func(i int) []float64, interp string, dim int) func(ci, i int) []float64 {
		if n == 1 && interp != "constant" {
			c.warnf("%s %s: 1 value of %s for %s interpolation used as constant", p.TypeName(), p.Path(), name, interp)
			interp = "constant"
		}
		switch interp {
		case "constant":
			if n >= 1 {
				return func(int, int) []float64 { return get(0) }
			}
		case "uniform":
			if n >= len(curves) {
				return func(ci, _ int) []float64 { return get(ci) }
			}
		case "vertex":
			if n >= len(cv.Points) {
				return func(_, i int) []float64 { return get(i) }
			}
		}
		c.warnf("NurbsCurves %s: %d %s with %s interpolation not drawn; ignored", p.Path(), n, name, interp)
		return nil
	}
	width := func(int, int) []float64 { return []float64{1} }
	if cv.Widths != nil {
		if f := vals("widths", len(cv.Widths), func(i int) []float64 { return []float64{float64(cv.Widths[i])} }, cv.WidthsInterp, 1); f != nil {
			width = f
		}
	}
	var color func(int, int) []float64
	if d := c.curveColors(p, &curveTopo{counts: make([]int, len(curves)), nVertex: len(cv.Points), nVarying: -1}); d != nil {
		color = vals("displayColor", len(d.vals)/3, func(i int) []float64 { return d.vals[3*i : 3*i+3] }, d.interp, 3)
	}
	lv := cubicLevels[len(cubicLevels)-1]
	for _, l := range cubicLevels {
		if spans*l.samples*l.sides*2+len(curves)*(l.sides-2)*2 <= curveTriangleBudget {
			lv = l
			break
		}
	}
	m := &render.Mesh{Name: p.Path()}
	buf := make([]float64, 3)
	for ci, cu := range curves {
		ctrl := func(f func(ci, i int) []float64, dim int) []float64 {
			out := make([]float64, 0, cu.count*dim)
			for i := cu.off; i < cu.off+cu.count; i++ {
				out = append(out, f(ci, i)...)
			}
			return out
		}
		pc := make([]float64, 0, cu.count*3)
		for _, q := range cv.Points[cu.off : cu.off+cu.count] {
			pc = append(pc, float64(q[0]), float64(q[1]), float64(q[2]))
		}
		wc := ctrl(width, 1)
		var cc []float64
		if color != nil {
			cc = ctrl(color, 3)
		}
		var w []float64
		if nd.Weights != nil {
			w = nd.Weights[cu.off : cu.off+cu.count]
		}
		knots := nd.Knots[cu.knotOff : cu.knotOff+cu.count+cu.order]
		ns := cu.spans * lv.samples
		pts := make([]render.Vec3, 0, ns+1)
		rad := make([]float64, 0, ns+1)
		var cols []render.Vec3
		for s := 0; s <= ns; s++ {
			u := cu.lo + (cu.hi-cu.lo)*float64(s)/float64(ns)
			usd.EvalNurbs(pc, 3, w, knots, cu.order, u, buf)
			pts = append(pts, render.Vec3{X: buf[0], Y: buf[1], Z: buf[2]})
			usd.EvalNurbs(wc, 1, w, knots, cu.order, u, buf)
			rad = append(rad, math.Max(buf[0], 0)/2)
			if cc != nil {
				usd.EvalNurbs(cc, 3, w, knots, cu.order, u, buf)
				cols = append(cols, render.Vec3{X: math.Max(buf[0], 0), Y: math.Max(buf[1], 0), Z: math.Max(buf[2], 0)})
			}
		}
		render.AppendTube(m, pts, rad, nil, lv.sides, false, cols)
	}
	if len(m.Indices) == 0 {
		return nil, false
	}
	m.Material = c.boundMaterial(p)
	return m, true
}

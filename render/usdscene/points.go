package usdscene

import (
	"math"

	"github.com/rgallery/rgallery/render"
	"github.com/rgallery/rgallery/usd"
)

// Points (UsdGeomPoints) are drawn as spheres of diameter width around
// each point, all in one mesh so that a per-point displayColor needs no
// per-instance colour. The sphere is a UV sphere whose resolution is the
// finest of a ladder that keeps the prim under pointTriangleBudget
// triangles (an octahedron at the coarsest); a coarser level than the
// finest is a counted warning. Every level has poles on ±Z and equator
// vertices on ±X and ±Y, so the mesh's box is exactly OpenUSD's extent
// for points (usd.PointsExtent). Widths: constant, uniform (one for the
// prim), vertex and varying (one per point); none authored gives 1, as
// for curves.

const pointTriangleBudget = 2_000_000

// pointLevels are (around, rings) of the UV sphere, finest first.
var pointLevels = [][2]int{{24, 12}, {16, 8}, {12, 6}, {8, 4}, {4, 2}}

// sphereTris is the triangle count of SphereMesh(r, nu, nv).
func sphereTris(nu, nv int) int { return nu * (2*nv - 2) }

// pointsProps are a Points prim's centres, diameters and colours.
type pointsProps struct {
	d        usd.Points
	width    func(i int) float64
	col      func(i int) render.Vec3
	hasColor bool
}

// points converts a Points prim into one mesh of spheres; nil means
// nothing to draw.
func (c *conv) points(p *usd.Prim) (*render.Mesh, error) {
	pp, ok := c.pointsProps(p)
	if !ok {
		return nil, nil
	}
	return c.pointsMesh(p, pp), nil
}

// pointsProps reads a Points prim; ok is false (with a warning) when it
// has no points.
func (c *conv) pointsProps(p *usd.Prim) (pointsProps, bool) {
	d, ok := p.PointsData(c.time)
	if !ok || len(d.Points) == 0 {
		c.warnf("Points %s has no points; not drawn", p.Path())
		return pointsProps{}, false
	}
	n := len(d.Points)
	width := func(int) float64 { return 1 }
	if d.Widths != nil {
		switch d.WidthsInterp {
		case "constant", "uniform":
			if len(d.Widths) > 0 {
				w := float64(d.Widths[0])
				width = func(int) float64 { return w }
			}
		case "vertex", "varying", "faceVarying":
			if len(d.Widths) == 1 && n > 1 {
				c.warnf("Points %s: 1 width for %d points used as constant", p.Path(), n)
				w := float64(d.Widths[0])
				width = func(int) float64 { return w }
			} else if len(d.Widths) >= n {
				width = func(i int) float64 { return float64(d.Widths[i]) }
			} else {
				c.warnf("Points %s: %d widths for %d points; width 1 used", p.Path(), len(d.Widths), n)
			}
		default:
			c.warnf("Points %s: widths interpolation %q not understood; width 1 used", p.Path(), d.WidthsInterp)
		}
	}
	col := func(int) render.Vec3 { return render.Vec3{} }
	hasColor := false
	if pv, ok := c.colorPrimvar(p); ok {
		if cols, ok := toVec3s(pv.values); ok && len(cols) > 0 {
			look := func(i int) (render.Vec3, bool) {
				if pv.indices != nil {
					if i >= len(pv.indices) {
						return render.Vec3{}, false
					}
					i = int(pv.indices[i])
				}
				if i < 0 || i >= len(cols) {
					return render.Vec3{}, false
				}
				return cols[i], true
			}
			switch pv.interp {
			case "constant", "uniform", "":
				if v, ok := look(0); ok {
					col, hasColor = func(int) render.Vec3 { return v }, true
				}
			default:
				if _, ok := look(n - 1); ok {
					col, hasColor = func(i int) render.Vec3 { v, _ := look(i); return v }, true
				} else {
					c.warnf("Points %s: displayColor has fewer values than the %d points; ignored", p.Path(), n)
				}
			}
		}
	}
	return pointsProps{d: d, width: width, col: col, hasColor: hasColor}, true
}

// pointsMesh builds the merged spheres of a Points prim.
func (c *conv) pointsMesh(p *usd.Prim, pp pointsProps) *render.Mesh {
	d, width, col, hasColor := pp.d, pp.width, pp.col, pp.hasColor
	n := len(d.Points)
	lv := pointLevels[len(pointLevels)-1]
	for _, l := range pointLevels {
		if n*sphereTris(l[0], l[1]) <= pointTriangleBudget {
			lv = l
			break
		}
	}
	if lv != pointLevels[0] {
		c.warnf("Points %s: %d points drawn as coarser spheres (%d triangles each, %d in all; budget %d)",
			p.Path(), n, sphereTris(lv[0], lv[1]), n*sphereTris(lv[0], lv[1]), pointTriangleBudget)
	}
	unit := render.SphereMesh(1, lv[0], lv[1])
	m := &render.Mesh{Name: p.Path()}
	for i, q := range d.Points {
		center := render.Vec3{X: float64(q[0]), Y: float64(q[1]), Z: float64(q[2])}
		render.AppendSphere(m, unit, center, width(i)/2, col(i), hasColor)
	}
	m.Material = c.boundMaterial(p)
	return m
}

// instancedPointsAbove is the point count from which a Points prim drawn
// by the walk becomes instances of one shared sphere (pointsInstanced)
// instead of merged spheres: where the finest merged spheres would no
// longer fit pointTriangleBudget. An instance costs about 500 bytes, an
// octahedron in a merged mesh (the coarsest level) about 1.3 kB.
var instancedPointsAbove = pointTriangleBudget / sphereTris(pointLevels[0][0], pointLevels[0][1])

// instancedSphere is the shared sphere of instanced points (224 triangles).
var instancedSphere = [2]int{16, 8}

// pointsInstanced adds one instance of a shared unit sphere per point,
// scaled to its width and placed by world. Per-point colours become
// shallow copies of the sphere, one per distinct colour (quantized to 8
// bits per channel, or to 3 bits with a warning when that leaves more
// than maxPointColors).
func (c *conv) pointsInstanced(p *usd.Prim, pp pointsProps, world render.Matrix) {
	unit := render.SphereMesh(1, instancedSphere[0], instancedSphere[1])
	unit.Name = p.Path()
	unit.Material = c.boundMaterial(p)
	c.sc.Meshes = append(c.sc.Meshes, unit)
	base := len(c.sc.Meshes) - 1
	meshOf := func(int) int { return base }
	if pp.hasColor {
		levels := 255.0
		distinct := map[[3]int]bool{}
		q := func(v render.Vec3, l float64) [3]int {
			f := func(x float64) int { return int(math.Round(min(max(x, 0), 1) * l)) }
			return [3]int{f(v.X), f(v.Y), f(v.Z)}
		}
		for i := range pp.d.Points {
			distinct[q(pp.col(i), levels)] = true
			if len(distinct) > maxPointColors {
				levels = 7
				c.warnf("Points %s: more than %d distinct displayColors on %d instanced points; quantized to 3 bits per channel", p.Path(), maxPointColors, len(pp.d.Points))
				break
			}
		}
		copies := map[[3]int]int{}
		meshOf = func(i int) int {
			k := q(pp.col(i), levels)
			if mi, ok := copies[k]; ok {
				return mi
			}
			mm := *unit
			col := render.Vec3{X: float64(k[0]) / levels, Y: float64(k[1]) / levels, Z: float64(k[2]) / levels}
			mm.Color = make([]render.Vec3, len(unit.Indices))
			for j := range mm.Color {
				mm.Color[j] = col
			}
			c.sc.Meshes = append(c.sc.Meshes, &mm)
			copies[k] = len(c.sc.Meshes) - 1
			return copies[k]
		}
	}
	for i, q := range pp.d.Points {
		r := pp.width(i) / 2
		xf := render.ScaleMatrix(render.Vec3{X: r, Y: r, Z: r}).Mul(render.Translate(render.Vec3{X: float64(q[0]), Y: float64(q[1]), Z: float64(q[2])}))
		c.sc.Instances = append(c.sc.Instances, render.Instance{Mesh: meshOf(i), Transform: xf.Mul(world)})
	}
}

// maxPointColors bounds the sphere copies of instanced coloured points.
const maxPointColors = 1024

// pointsExtent is OpenUSD's extent of a Points prim (usd.PointsExtent,
// from the widths attribute, not the primvar), for the facts.
func pointsExtent(p *usd.Prim, t usd.TimeCode) *Extent {
	pts, ok := p.Attribute("points").Vec3fArray(t)
	if !ok {
		return nil
	}
	var w []float32
	if a := p.Attribute("widths"); a != nil && a.IsAuthored() {
		w, _ = a.FloatArray(t)
	}
	ext, ok := usd.PointsExtent(pts, w)
	if !ok {
		return nil
	}
	return extentOf(ext)
}

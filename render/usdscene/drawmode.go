package usdscene

import (
	"math"

	"github.com/rgallery/rgallery/render"
	"github.com/rgallery/rgallery/usd"
)

// Model draw modes (UsdGeomModelAPI model:drawMode), as UsdImaging
// applies them (usd.DrawModeApplied): the model's subtree is replaced by
//
//   - bounds: the edges of the model's box, as thin tubes (Storm draws
//     them as lines), in model:drawModeColor;
//   - cards: model:cardGeometry "cross" (one double-sided card per axis
//     through the box centre) or "box" (the six faces of the box), in
//     model:drawModeColor; only the axes with a card texture when any is
//     authored, as UsdImaging's axes mask. The textures themselves are not
//     applied (warned), nor is "fromTexture" geometry (drawn as cross);
//   - origin: nothing (UsdImaging draws axis lines, which a final render
//     has no use for), with a warning.
//
// The box is the model's extentsHint when authored (the default, render
// and proxy purposes' boxes, as UsdImagingDrawModeAdapter merges them),
// else the box of the meshes the conversion makes for the subtree
// (PointInstancers below it are not included).

// drawModeColorFallback is model:drawModeColor's schema fallback.
var drawModeColorFallback = render.Vec3{X: 0.18, Y: 0.18, Z: 0.18}

// drawMode draws p by its draw mode when imaging applies one; it reports
// whether it did, in which case the subtree is not walked.
func (c *conv) drawMode(p *usd.Prim) (bool, error) {
	if p.Kind() == "" || !usd.DrawModeApplied(p) {
		return false, nil
	}
	mode := usd.ComputeModelDrawMode(p)
	switch mode {
	case "bounds", "cards":
	case "origin":
		c.warnf("models with model:drawMode origin are not drawn (e.g. %s)", p.Path())
		return true, nil
	default:
		c.warnf("model:drawMode %q not understood; drawn as default (e.g. %s)", mode, p.Path())
		return false, nil
	}
	c.warnf("models drawn as their model:drawMode (%s) instead of their geometry (e.g. %s)", mode, p.Path())
	if !c.rendered(p) {
		return true, nil
	}
	lo, hi, ok, err := c.modelBox(p)
	if err != nil {
		return true, err
	}
	if !ok {
		c.warnf("model %s: no extentsHint and no geometry to take the %s from; not drawn", p.Path(), mode)
		return true, nil
	}
	m := &render.Mesh{Name: p.Path()}
	col := c.vec3(p, "model:drawModeColor", drawModeColorFallback)
	if mode == "bounds" {
		boundsEdges(m, lo, hi)
	} else {
		geom := c.token(p, "model:cardGeometry", "cross")
		if geom == "fromTexture" {
			c.warnf("model:cardGeometry fromTexture is drawn as cross cards (e.g. %s)", p.Path())
			geom = "cross"
		}
		mask := [3]bool{}
		any := false
		for axis, names := range [3][2]string{{"XPos", "XNeg"}, {"YPos", "YNeg"}, {"ZPos", "ZNeg"}} {
			for _, n := range names {
				if a := p.Attribute("model:cardTexture" + n); a != nil && a.IsAuthored() {
					mask[axis], any = true, true
				}
			}
		}
		if any {
			c.warnf("model card textures are not applied; cards use model:drawModeColor (e.g. %s)", p.Path())
		} else {
			mask = [3]bool{true, true, true}
		}
		cards(m, lo, hi, mask, geom == "box")
	}
	m.Color = make([]render.Vec3, len(m.Indices))
	for i := range m.Color {
		m.Color[i] = col
	}
	m.Material = 0 // the fallback material, which shows the colour
	c.addMesh(m, c.world(p))
	return true, nil
}

// modelBox is the model's box in its own space.
func (c *conv) modelBox(p *usd.Prim) (lo, hi render.Vec3, ok bool, err error) {
	lo = render.Vec3{X: math.Inf(1), Y: math.Inf(1), Z: math.Inf(1)}
	hi = lo.Neg()
	if hint := c.vec3s(p, "extentsHint"); len(hint) >= 2 {
		// Ordered purposes default, render, proxy, guide: two entries each.
		for i := 0; i+1 < len(hint) && i < 6; i += 2 {
			if hint[i].X > hint[i+1].X || hint[i].Y > hint[i+1].Y || hint[i].Z > hint[i+1].Z {
				continue // empty
			}
			lo, hi, ok = lo.Min(hint[i]), hi.Max(hint[i+1]), true
		}
		if ok {
			return lo, hi, true, nil
		}
	}
	n0 := len(c.sc.Meshes)
	entries, err := c.collect(p, render.Identity)
	if err != nil {
		return lo, hi, false, err
	}
	for _, e := range entries {
		if e.mesh < 0 {
			continue
		}
		for _, q := range c.sc.Meshes[e.mesh].P {
			w := e.local.Point(q)
			lo, hi, ok = lo.Min(w), hi.Max(w), true
		}
	}
	// The meshes were only measured.
	clear(c.sc.Meshes[n0:])
	c.sc.Meshes = c.sc.Meshes[:n0]
	return lo, hi, ok, nil
}

// boundsEdges appends the 12 edges of the box as tubes of radius 0.4 % of
// its diagonal.
func boundsEdges(m *render.Mesh, lo, hi render.Vec3) {
	r := hi.Sub(lo).Len() * 0.004
	corner := func(i int) render.Vec3 {
		v := lo
		if i&1 != 0 {
			v.X = hi.X
		}
		if i&2 != 0 {
			v.Y = hi.Y
		}
		if i&4 != 0 {
			v.Z = hi.Z
		}
		return v
	}
	for a := range 8 {
		for _, bit := range []int{1, 2, 4} {
			if a&bit != 0 {
				continue
			}
			render.AppendTube(m, []render.Vec3{corner(a), corner(a | bit)}, []float64{r, r}, nil, 6, false, nil)
		}
	}
}

// cards appends the card quads of the box: per axis in mask, one quad
// through the centre (cross) or the two faces at min and max (box).
func cards(m *render.Mesh, lo, hi render.Vec3, mask [3]bool, box bool) {
	mid := lo.Add(hi).Scale(0.5)
	add := func(q *render.Mesh) {
		base := int32(len(m.P))
		m.P = append(m.P, q.P...)
		for _, i := range q.Indices {
			m.Indices = append(m.Indices, base+i)
		}
	}
	d := hi.Sub(lo)
	for axis := range 3 {
		if !mask[axis] {
			continue
		}
		var at []float64
		if box {
			at = []float64{lo.Axis(axis), hi.Axis(axis)}
		} else {
			at = []float64{mid.Axis(axis)}
		}
		for _, v := range at {
			p0 := lo
			var ex, ey render.Vec3
			switch axis {
			case 0:
				p0.X, ex, ey = v, render.Vec3{Y: d.Y}, render.Vec3{Z: d.Z}
			case 1:
				p0.Y, ex, ey = v, render.Vec3{Z: d.Z}, render.Vec3{X: d.X}
			default:
				p0.Z, ex, ey = v, render.Vec3{X: d.X}, render.Vec3{Y: d.Y}
			}
			add(render.QuadMesh(p0, ex, ey))
		}
	}
}

package usdscene

import (
	"math"
	"strings"

	"github.com/rgallery/rgallery/render"
	"github.com/rgallery/rgallery/usd"
)

// world returns the prim's local-to-world transform (row-vector
// convention), cached per path.
func (c *conv) world(p *usd.Prim) render.Matrix {
	if p == nil || p.Path() == "/" {
		return render.Identity
	}
	if m, ok := c.xforms[p.Path()]; ok {
		return m
	}
	local, reset := c.local(p)
	m := local
	if !reset {
		m = local.Mul(c.world(p.Parent()))
	}
	c.xforms[p.Path()] = m
	return m
}

// local evaluates xformOpOrder; reset reports !resetXformStack!. Prims
// that are not Xformable (Scope, untyped) have no transform of their own.
func (c *conv) local(p *usd.Prim) (render.Matrix, bool) {
	if !usd.IsXformable(p.TypeName()) {
		if _, ok := c.get(p, "xformOpOrder"); ok {
			c.warnf("%s: xformOps on a %q prim, which is not Xformable, are ignored (as OpenUSD does)", p.Path(), p.TypeName())
		}
		return render.Identity, false
	}
	v, ok := c.get(p, "xformOpOrder")
	if !ok {
		return render.Identity, false
	}
	var order []string
	switch x := v.(type) {
	case []usd.Token:
		for _, t := range x {
			order = append(order, string(t))
		}
	case []string:
		order = x
	}
	m := render.Identity
	reset := false
	// The first op is the outermost: p' = p · op[n−1] · … · op[0].
	for i := len(order) - 1; i >= 0; i-- {
		name := order[i]
		if name == "!resetXformStack!" {
			reset = true
			break
		}
		invert := strings.HasPrefix(name, "!invert!")
		name = strings.TrimPrefix(name, "!invert!")
		op, ok := c.op(p, name)
		if !ok {
			c.warnf("%s: xform op %s has no value or an unknown type; ignored", p.Path(), name)
			continue
		}
		if invert {
			inv, ok := op.Inverse()
			if !ok {
				c.warnf("%s: xform op %s is singular and cannot be inverted", p.Path(), name)
				continue
			}
			op = inv
		}
		m = m.Mul(op)
	}
	return m, reset
}

func (c *conv) op(p *usd.Prim, name string) (render.Matrix, bool) {
	parts := strings.Split(name, ":")
	if len(parts) < 2 || parts[0] != "xformOp" {
		return render.Identity, false
	}
	v, ok := c.get(p, name)
	if !ok {
		return render.Identity, false
	}
	switch kind := parts[1]; kind {
	case "transform":
		m, ok := v.(usd.Matrix4d)
		return render.Matrix(m), ok
	case "translate":
		t, ok := toVec3(v)
		return render.Translate(t), ok
	case "scale":
		s, ok := toVec3(v)
		return render.ScaleMatrix(s), ok
	case "rotateX", "rotateY", "rotateZ":
		a, ok := toFloat(v)
		return rot(kind[6], a), ok
	case "orient":
		// As OpenUSD: through a GfRotation (usd.OrientMatrix).
		switch q := v.(type) {
		case usd.Quatf:
			return render.Matrix(usd.OrientMatrix(usd.Quatd{Real: float64(q.Real), Imag: usd.Vec3d{float64(q.Imag[0]), float64(q.Imag[1]), float64(q.Imag[2])}})), true
		case usd.Quatd:
			return render.Matrix(usd.OrientMatrix(q)), true
		case usd.Quath:
			return render.Matrix(usd.OrientMatrix(usd.Quatd{Real: float64(q.Real), Imag: usd.Vec3d{float64(q.Imag[0]), float64(q.Imag[1]), float64(q.Imag[2])}})), true
		}
		return render.Identity, false
	default:
		if strings.HasPrefix(kind, "rotate") && len(kind) == 9 {
			a, ok := toVec3(v)
			if !ok {
				return render.Identity, false
			}
			// rotateXYZ applies X first, then Y, then Z.
			m := render.Identity
			for _, ax := range kind[6:] {
				m = m.Mul(rot(byte(ax), a.Axis(int(ax-'X'))))
			}
			return m, true
		}
	}
	return render.Identity, false
}

// rot is a rotation by deg degrees about axis 'X', 'Y' or 'Z', row-vector.
func rot(axis byte, deg float64) render.Matrix {
	s, c := math.Sincos(deg * math.Pi / 180)
	m := render.Identity
	switch axis {
	case 'X':
		m[1][1], m[1][2], m[2][1], m[2][2] = c, s, -s, c
	case 'Y':
		m[0][0], m[0][2], m[2][0], m[2][2] = c, -s, s, c
	case 'Z':
		m[0][0], m[0][1], m[1][0], m[1][1] = c, s, -s, c
	}
	return m
}

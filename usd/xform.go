package usd

import (
	"math"
	"strings"
)

// Identity4 is the identity matrix.
var Identity4 = Matrix4d{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}}

// Mul returns a*b (row vectors: a is applied first).
func Mul(a, b Matrix4d) Matrix4d {
	var m Matrix4d
	for r := 0; r < 4; r++ {
		for c := 0; c < 4; c++ {
			m[r][c] = a[r][0]*b[0][c] + a[r][1]*b[1][c] + a[r][2]*b[2][c] + a[r][3]*b[3][c]
		}
	}
	return m
}

// TransformPoint applies m to a point (row vector times matrix).
func TransformPoint(m Matrix4d, p Vec3d) Vec3d {
	x := p[0]*m[0][0] + p[1]*m[1][0] + p[2]*m[2][0] + m[3][0]
	y := p[0]*m[0][1] + p[1]*m[1][1] + p[2]*m[2][1] + m[3][1]
	z := p[0]*m[0][2] + p[1]*m[1][2] + p[2]*m[2][2] + m[3][2]
	w := p[0]*m[0][3] + p[1]*m[1][3] + p[2]*m[2][3] + m[3][3]
	if w != 1 && w != 0 {
		return Vec3d{x / w, y / w, z / w}
	}
	return Vec3d{x, y, z}
}

// LocalToWorld returns the prim's transform to world space at time t,
// honouring !resetXformStack!.
func (p *Prim) LocalToWorld(t TimeCode) Matrix4d {
	m := Identity4
	for q := p; q != nil && q.path != "/"; q = q.parent {
		l, reset := q.LocalTransform(t)
		m = Mul(m, l)
		if reset {
			break
		}
	}
	return m
}

// XformOpOrder returns the composed xformOpOrder.
func (p *Prim) XformOpOrder() []string {
	a := p.Attribute("xformOpOrder")
	if a == nil {
		return nil
	}
	v, _ := a.Get(Default)
	ts, _ := v.([]Token)
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = string(t)
	}
	return out
}

// LocalTransform returns the prim's own transform from its xformOps, and
// whether it resets the parent transform stack.
func (p *Prim) LocalTransform(t TimeCode) (Matrix4d, bool) {
	m := Identity4
	reset := false
	order := p.XformOpOrder()
	// Ops apply right to left in order (the last op is applied first to
	// points), so with row vectors the product runs from the last op.
	for i := len(order) - 1; i >= 0; i-- {
		op := order[i]
		if op == "!resetXformStack!" {
			reset = true
			break
		}
		inv := false
		if strings.HasPrefix(op, "!invert!") {
			inv = true
			op = op[len("!invert!"):]
		}
		om, ok := p.opMatrix(op, t)
		if !ok {
			continue
		}
		if inv {
			om = Invert(om)
		}
		m = Mul(m, om)
	}
	return m, reset
}

func (p *Prim) opMatrix(name string, t TimeCode) (Matrix4d, bool) {
	a := p.Attribute(name)
	if a == nil {
		return Identity4, false
	}
	v, ok := a.Get(t)
	if !ok {
		return Identity4, false
	}
	parts := strings.Split(name, ":")
	if len(parts) < 2 {
		return Identity4, false
	}
	kind := parts[1]
	vec := func() (Vec3d, bool) {
		switch x := v.(type) {
		case Vec3d:
			return x, true
		case Vec3f:
			return Vec3d{float64(x[0]), float64(x[1]), float64(x[2])}, true
		case Vec3h:
			return Vec3d{float64(x[0]), float64(x[1]), float64(x[2])}, true
		}
		return Vec3d{}, false
	}
	switch kind {
	case "transform":
		m, ok := v.(Matrix4d)
		return m, ok
	case "translate":
		d, ok := vec()
		if !ok {
			return Identity4, false
		}
		m := Identity4
		m[3][0], m[3][1], m[3][2] = d[0], d[1], d[2]
		return m, true
	case "scale":
		d, ok := vec()
		if !ok {
			if f, ok2 := toFloat64(v); ok2 {
				d, ok = Vec3d{f, f, f}, true
			}
		}
		if !ok {
			return Identity4, false
		}
		m := Identity4
		m[0][0], m[1][1], m[2][2] = d[0], d[1], d[2]
		return m, true
	case "rotateX", "rotateY", "rotateZ":
		f, ok := toFloat64(v)
		if !ok {
			return Identity4, false
		}
		return rotAxis(int(kind[6]-'X'), f), true
	case "rotateXYZ", "rotateXZY", "rotateYXZ", "rotateYZX", "rotateZXY", "rotateZYX":
		d, ok := vec()
		if !ok {
			return Identity4, false
		}
		// rotateXYZ applies X first, then Y, then Z.
		m := Identity4
		for _, c := range kind[6:] {
			ax := int(c - 'X')
			m = Mul(m, rotAxis(ax, d[ax]))
		}
		return m, true
	case "orient":
		var q Quatd
		switch x := v.(type) {
		case Quatd:
			q = x
		case Quatf:
			q = Quatd{Real: float64(x.Real), Imag: Vec3d{float64(x.Imag[0]), float64(x.Imag[1]), float64(x.Imag[2])}}
		case Quath:
			q = Quatd{Real: float64(x.Real), Imag: Vec3d{float64(x.Imag[0]), float64(x.Imag[1]), float64(x.Imag[2])}}
		default:
			return Identity4, false
		}
		return OrientMatrix(q), true
	}
	return Identity4, false
}

// OrientMatrix is the rotation of an xformOp:orient value as OpenUSD
// evaluates it (UsdGeomXformOp::GetOpTransform builds a GfRotation from
// the quaternion): the angle is 2·acos(real), clamped, about the
// normalized imaginary part; an imaginary part shorter than 1e-10 gives
// no rotation. A quaternion that is not unit length is therefore not
// normalized as a whole: its real part alone sets the angle.
func OrientMatrix(q Quatd) Matrix4d {
	im := q.Imag
	l := math.Sqrt(im[0]*im[0] + im[1]*im[1] + im[2]*im[2])
	if l <= 1e-10 {
		return Identity4
	}
	half := math.Acos(math.Max(-1, math.Min(1, q.Real)))
	s := math.Sin(half) / l
	return QuatRotateMatrix(Quatd{Real: math.Cos(half), Imag: Vec3d{im[0] * s, im[1] * s, im[2] * s}})
}

// QuatRotateMatrix is GfMatrix4d::SetRotate(GfQuatd) as OpenUSD applies
// it to PointInstancer orientations: the rotation formula on the
// quaternion as given, not normalized (a quath that is not quite unit
// length scales and shears slightly, as in OpenUSD).
func QuatRotateMatrix(q Quatd) Matrix4d {
	w, x, y, z := q.Real, q.Imag[0], q.Imag[1], q.Imag[2]
	m := Identity4
	m[0][0] = 1 - 2*(y*y+z*z)
	m[0][1] = 2 * (x*y + z*w)
	m[0][2] = 2 * (x*z - y*w)
	m[1][0] = 2 * (x*y - z*w)
	m[1][1] = 1 - 2*(x*x+z*z)
	m[1][2] = 2 * (y*z + x*w)
	m[2][0] = 2 * (x*z + y*w)
	m[2][1] = 2 * (y*z - x*w)
	m[2][2] = 1 - 2*(x*x+y*y)
	return m
}

func rotAxis(axis int, deg float64) Matrix4d {
	r := deg * math.Pi / 180
	c, s := math.Cos(r), math.Sin(r)
	m := Identity4
	switch axis {
	case 0:
		m[1][1], m[1][2], m[2][1], m[2][2] = c, s, -s, c
	case 1:
		m[0][0], m[0][2], m[2][0], m[2][2] = c, -s, s, c
	case 2:
		m[0][0], m[0][1], m[1][0], m[1][1] = c, s, -s, c
	}
	return m
}

// QuatMatrix returns the rotation of a (normalized) quaternion as a row-vector matrix.
func QuatMatrix(q Quatd) Matrix4d {
	l := math.Sqrt(q.Real*q.Real + q.Imag[0]*q.Imag[0] + q.Imag[1]*q.Imag[1] + q.Imag[2]*q.Imag[2])
	if l == 0 {
		return Identity4
	}
	return QuatRotateMatrix(Quatd{Real: q.Real / l, Imag: [3]float64{q.Imag[0] / l, q.Imag[1] / l, q.Imag[2] / l}})
}

// Invert returns the inverse of m (identity if singular).
func Invert(m Matrix4d) Matrix4d {
	var a [4][8]float64
	for r := 0; r < 4; r++ {
		for c := 0; c < 4; c++ {
			a[r][c] = m[r][c]
		}
		a[r][4+r] = 1
	}
	for c := 0; c < 4; c++ {
		piv := c
		for r := c + 1; r < 4; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[piv][c]) {
				piv = r
			}
		}
		if a[piv][c] == 0 {
			return Identity4
		}
		a[c], a[piv] = a[piv], a[c]
		d := a[c][c]
		for k := 0; k < 8; k++ {
			a[c][k] /= d
		}
		for r := 0; r < 4; r++ {
			if r != c && a[r][c] != 0 {
				f := a[r][c]
				for k := 0; k < 8; k++ {
					a[r][k] -= f * a[c][k]
				}
			}
		}
	}
	var out Matrix4d
	for r := 0; r < 4; r++ {
		for c := 0; c < 4; c++ {
			out[r][c] = a[r][4+c]
		}
	}
	return out
}

// IsXformable reports whether prims of the type are UsdGeomXformable:
// every Imageable type but Scope. OpenUSD (UsdGeomXformCache) gives other
// prims (Scope, untyped prims, materials) the identity transform, even
// when they author xformOps.
func IsXformable(typeName string) bool { return IsImageable(typeName) && typeName != "Scope" }

package render

import "math"

// Vec3 is a point, direction or RGB colour.
type Vec3 struct{ X, Y, Z float64 }

// V returns Vec3{x, y, z}.
func V(x, y, z float64) Vec3 { return Vec3{x, y, z} }

func (a Vec3) Add(b Vec3) Vec3      { return Vec3{a.X + b.X, a.Y + b.Y, a.Z + b.Z} }
func (a Vec3) Sub(b Vec3) Vec3      { return Vec3{a.X - b.X, a.Y - b.Y, a.Z - b.Z} }
func (a Vec3) Mul(b Vec3) Vec3      { return Vec3{a.X * b.X, a.Y * b.Y, a.Z * b.Z} }
func (a Vec3) Scale(s float64) Vec3 { return Vec3{a.X * s, a.Y * s, a.Z * s} }
func (a Vec3) Dot(b Vec3) float64   { return a.X*b.X + a.Y*b.Y + a.Z*b.Z }
func (a Vec3) Neg() Vec3            { return Vec3{-a.X, -a.Y, -a.Z} }
func (a Vec3) Len() float64         { return math.Sqrt(a.Dot(a)) }
func (a Vec3) MaxComp() float64     { return max(a.X, a.Y, a.Z) } // builtin max: inlined, unlike math.Max
func (a Vec3) IsBlack() bool        { return a.X == 0 && a.Y == 0 && a.Z == 0 }
func (a Vec3) Luminance() float64   { return 0.2126*a.X + 0.7152*a.Y + 0.0722*a.Z }
func (a Vec3) AddScaled(b Vec3, s float64) Vec3 {
	return Vec3{a.X + b.X*s, a.Y + b.Y*s, a.Z + b.Z*s}
}

func (a Vec3) Cross(b Vec3) Vec3 {
	return Vec3{a.Y*b.Z - a.Z*b.Y, a.Z*b.X - a.X*b.Z, a.X*b.Y - a.Y*b.X}
}

// Norm returns a scaled to unit length; the zero vector stays zero.
func (a Vec3) Norm() Vec3 {
	l := a.Len()
	if l == 0 {
		return a
	}
	return a.Scale(1 / l)
}

// Min and Max are per component; they do not order NaNs (unlike math.Min),
// which is fine for finite geometry and much faster.
func (a Vec3) Min(b Vec3) Vec3 {
	return Vec3{fmin(a.X, b.X), fmin(a.Y, b.Y), fmin(a.Z, b.Z)}
}

func (a Vec3) Max(b Vec3) Vec3 {
	return Vec3{fmax(a.X, b.X), fmax(a.Y, b.Y), fmax(a.Z, b.Z)}
}

// Axis returns component i (0 = X).
func (a Vec3) Axis(i int) float64 {
	switch i {
	case 0:
		return a.X
	case 1:
		return a.Y
	}
	return a.Z
}

// Vec2 is a texture coordinate.
type Vec2 struct{ X, Y float64 }

// Frame is an orthonormal basis; Z is the normal.
type Frame struct{ X, Y, Z Vec3 }

// NewFrame builds a basis around the unit vector n (Duff et al. 2017),
// branch-free and continuous except at n.Z = -1.
func NewFrame(n Vec3) Frame {
	s := math.Copysign(1, n.Z)
	a := -1 / (s + n.Z)
	b := n.X * n.Y * a
	return Frame{
		X: Vec3{1 + s*n.X*n.X*a, s * b, -s * n.X},
		Y: Vec3{b, s + n.Y*n.Y*a, -n.Y},
		Z: n,
	}
}

// ToLocal expresses world vector v in the frame.
func (f Frame) ToLocal(v Vec3) Vec3 { return Vec3{v.Dot(f.X), v.Dot(f.Y), v.Dot(f.Z)} }

// ToWorld expresses local vector v in world space.
func (f Frame) ToWorld(v Vec3) Vec3 {
	return f.X.Scale(v.X).Add(f.Y.Scale(v.Y)).Add(f.Z.Scale(v.Z))
}

// Ray is a half line; TMax bounds the hit search.
type Ray struct {
	O, D Vec3
}

// At returns the point at parameter t.
func (r Ray) At(t float64) Vec3 { return r.O.AddScaled(r.D, t) }

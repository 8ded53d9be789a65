package sdf

import (
	"fmt"
	"math"
)

// Token is a USD token: an interned identifier string.
type Token string

// Half is a 16-bit float widened to float32.
type Half float32

// TimeCode is an SdfTimeCode value (a time-valued attribute value).
type TimeCode float64

// AssetPath is an asset reference as authored, and as resolved by the stage
// (empty when unresolved or not yet resolved).
type AssetPath struct {
	Authored string
	Resolved string
}

// Vector and matrix value types. The h variants hold halves widened to
// float32; matrices are row-major, row-vector convention as in OpenUSD.
type (
	Vec2f    [2]float32
	Vec3f    [3]float32
	Vec4f    [4]float32
	Vec2d    [2]float64
	Vec3d    [3]float64
	Vec4d    [4]float64
	Vec2h    [2]Half
	Vec3h    [3]Half
	Vec4h    [4]Half
	Vec2i    [2]int32
	Vec3i    [3]int32
	Vec4i    [4]int32
	Matrix2d [2][2]float64
	Matrix3d [3][3]float64
	Matrix4d [4][4]float64
)

// Quaternions: Real part and imaginary (i, j, k) part.
type (
	Quatf struct {
		Real float32
		Imag Vec3f
	}
	Quatd struct {
		Real float64
		Imag Vec3d
	}
	Quath struct {
		Real Half
		Imag Vec3h
	}
)

// ValueBlock is the value None: it blocks weaker opinions.
type ValueBlock struct{}

// AnimationBlock blocks weaker time samples but not defaults (usda AnimationBlock).
type AnimationBlock struct{}

// PathExpression is an SdfPathExpression in its text form.
type PathExpression string

// Specifier of a prim spec.
type Specifier int

const (
	SpecifierDef Specifier = iota
	SpecifierOver
	SpecifierClass
)

func (s Specifier) String() string {
	switch s {
	case SpecifierDef:
		return "def"
	case SpecifierOver:
		return "over"
	case SpecifierClass:
		return "class"
	}
	return fmt.Sprintf("Specifier(%d)", int(s))
}

// Variability of an attribute.
type Variability int

const (
	VariabilityVarying Variability = iota
	VariabilityUniform
)

func (v Variability) String() string {
	if v == VariabilityUniform {
		return "uniform"
	}
	return "varying"
}

// Permission of a spec.
type Permission int

const (
	PermissionPublic Permission = iota
	PermissionPrivate
)

func (p Permission) String() string {
	if p == PermissionPrivate {
		return "private"
	}
	return "public"
}

// LayerOffset maps times of a layer into the time of the layer that
// includes it: outer = inner*Scale + Offset.
type LayerOffset struct {
	Offset float64
	Scale  float64
}

// IdentityOffset is the offset that changes nothing.
var IdentityOffset = LayerOffset{Offset: 0, Scale: 1}

// IsIdentity reports whether o maps every time to itself.
func (o LayerOffset) IsIdentity() bool { return o.Offset == 0 && (o.Scale == 1 || o.Scale == 0) }

func (o LayerOffset) scale() float64 {
	if o.Scale == 0 {
		return 1
	}
	return o.Scale
}

// Apply maps an inner time to the outer time.
func (o LayerOffset) Apply(t float64) float64 { return t*o.scale() + o.Offset }

// Inverse maps an outer time back to the inner time.
func (o LayerOffset) Inverse() LayerOffset {
	// As SdfLayerOffset::GetInverse computes it (-offset * (1/scale)), so
	// that mapped times round the same way.
	inv := 1 / o.scale()
	return LayerOffset{Offset: -o.Offset * inv, Scale: inv}
}

// Compose returns the offset that applies inner first, then o.
func (o LayerOffset) Compose(inner LayerOffset) LayerOffset {
	return LayerOffset{Offset: o.scale()*inner.Offset + o.Offset, Scale: o.scale() * inner.scale()}
}

// Reference is one entry of a references list op.
type Reference struct {
	AssetPath  string
	PrimPath   string
	Offset     LayerOffset
	CustomData map[string]any
}

// Payload is one entry of a payload list op.
type Payload struct {
	AssetPath string
	PrimPath  string
	Offset    LayerOffset
}

// SubLayer is one entry of a layer's subLayers, with its offset.
type SubLayer struct {
	AssetPath string
	Offset    LayerOffset
}

// Relocate is one source/target pair of the relocates field.
type Relocate struct {
	Source, Target string
}

// Spline is an animation spline as read from usda or crate. It is kept as
// data (knots by time); evaluation is not supported.
type Spline struct {
	Type  string // value type name, e.g. "double"
	Knots []SplineKnot
	Extra map[string]any // curveType, pre/post extrapolation and such, as written
}

// SplineKnot is one knot of a Spline.
type SplineKnot struct {
	Time  float64
	Value float64
}

// UnregisteredValue is a value whose type this reader does not know; it
// keeps the text (usda) or nothing (crate).
type UnregisteredValue struct{ Text string }

// Lazy is a value that is decoded when first asked for. Spec.Get resolves it.
type Lazy interface {
	Load() (any, error)
}

// HalfFromBits converts IEEE 754 binary16 bits to a Half.
func HalfFromBits(h uint16) Half {
	sign := uint32(h>>15) & 1
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	var bits uint32
	switch {
	case exp == 0 && mant == 0:
		bits = sign << 31
	case exp == 0: // subnormal
		e := uint32(127 - 15 + 1)
		for mant&0x400 == 0 {
			mant <<= 1
			e--
		}
		mant &= 0x3ff
		bits = sign<<31 | e<<23 | mant<<13
	case exp == 0x1f:
		bits = sign<<31 | 0xff<<23 | mant<<13
	default:
		bits = sign<<31 | (exp+127-15)<<23 | mant<<13
	}
	return Half(math.Float32frombits(bits))
}

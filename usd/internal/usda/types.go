package usda

import "strings"

// kind is the scalar kind of a value type.
type kind int

const (
	kInvalid kind = iota
	kBool
	kUChar
	kInt
	kUInt
	kInt64
	kUInt64
	kHalf
	kFloat
	kDouble
	kTimeCode
	kString
	kToken
	kAsset
	kMatrix2d
	kMatrix3d
	kMatrix4d
	kQuatf
	kQuatd
	kQuath
	kPathExpr
	kOpaque
	kDictionary
)

// valueType describes an attribute type name: scalar kind and tuple size.
type valueType struct {
	k kind
	n int // tuple size for vectors (1 for scalars)
}

var typeTable = map[string]valueType{
	"bool": {kBool, 1}, "uchar": {kUChar, 1}, "int": {kInt, 1}, "uint": {kUInt, 1},
	"int64": {kInt64, 1}, "uint64": {kUInt64, 1}, "half": {kHalf, 1}, "float": {kFloat, 1},
	"double": {kDouble, 1}, "timecode": {kTimeCode, 1}, "string": {kString, 1},
	"token": {kToken, 1}, "asset": {kAsset, 1},
	"matrix2d": {kMatrix2d, 1}, "matrix3d": {kMatrix3d, 1}, "matrix4d": {kMatrix4d, 1},
	"frame4d": {kMatrix4d, 1},
	"quatf":   {kQuatf, 1}, "quatd": {kQuatd, 1}, "quath": {kQuath, 1},
	"pathExpression": {kPathExpr, 1}, "opaque": {kOpaque, 1}, "group": {kOpaque, 1},
	"dictionary": {kDictionary, 1},
}

func init() {
	for _, n := range []string{"2", "3", "4"} {
		k := int(n[0] - '0')
		typeTable["half"+n] = valueType{kHalf, k}
		typeTable["float"+n] = valueType{kFloat, k}
		typeTable["double"+n] = valueType{kDouble, k}
		typeTable["int"+n] = valueType{kInt, k}
	}
	for _, role := range []string{"point", "normal", "vector", "color"} {
		typeTable[role+"3h"] = valueType{kHalf, 3}
		typeTable[role+"3f"] = valueType{kFloat, 3}
		typeTable[role+"3d"] = valueType{kDouble, 3}
	}
	for _, n := range []string{"4h", "4f", "4d"} {
		typeTable["color"+n] = typeTable[map[byte]string{'h': "half4", 'f': "float4", 'd': "double4"}[n[1]]]
	}
	for _, n := range []string{"2", "3"} {
		typeTable["texCoord"+n+"h"] = typeTable["half"+n]
		typeTable["texCoord"+n+"f"] = typeTable["float"+n]
		typeTable["texCoord"+n+"d"] = typeTable["double"+n]
	}
}

// Legacy type names that OpenUSD still registers (sdf/schema.cpp,
// _AddLegacyTypesToRegistry: "Legacy types. We can remove these when
// assets are updated") and whose values parserHelpers.cpp reads; OpenUSD's
// own imaging tests still write "Vec3f" and "PointIndex[]". The type name
// stays as authored (UsdAttribute::GetTypeName reports "Vec3f[]"); the
// value is read as the canonical type's.
var legacyTypes = map[string]string{
	"Vec2i": "int2", "Vec2h": "half2", "Vec2f": "float2", "Vec2d": "double2",
	"Vec3i": "int3", "Vec3h": "half3", "Vec3f": "float3", "Vec3d": "double3",
	"Vec4i": "int4", "Vec4h": "half4", "Vec4f": "float4", "Vec4d": "double4",
	"Point": "point3d", "PointFloat": "point3f", "Normal": "normal3d", "NormalFloat": "normal3f",
	"Vector": "vector3d", "VectorFloat": "vector3f", "Color": "color3d", "ColorFloat": "color3f",
	"Quath": "quath", "Quatf": "quatf", "Quatd": "quatd",
	"Matrix2d": "matrix2d", "Matrix3d": "matrix3d", "Matrix4d": "matrix4d",
	"Frame": "frame4d", "Transform": "matrix4d",
	"PointIndex": "int", "EdgeIndex": "int", "FaceIndex": "int",
}

func init() {
	for legacy, canon := range legacyTypes {
		typeTable[legacy] = typeTable[canon]
	}
}

// KnownType reports whether OpenUSD's value type registry knows the type
// name ("point3f[]", "Vec3f", ...). An attribute of another type is read,
// as OpenUSD reads it, with its value kept as text (sdf.UnregisteredValue)
// and no value type (UsdAttribute::GetTypeName is empty).
func KnownType(name string) bool {
	_, _, ok := lookupType(name)
	return ok
}

// lookupType returns the value type of a type name ("point3f[]" is an
// array of point3f).
func lookupType(name string) (vt valueType, array bool, ok bool) {
	if strings.HasSuffix(name, "[]") {
		array = true
		name = name[:len(name)-2]
	}
	vt, ok = typeTable[name]
	return vt, array, ok
}

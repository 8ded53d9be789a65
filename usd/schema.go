package usd

import "strings"

// Schema fallbacks: the values OpenUSD's schemas give attributes that are
// not authored. Only the schemas that renderers need are listed.

type fb = fallbackValue

var (
	gprimFallbacks = map[string]fb{
		"doubleSided": {"uniform bool", false},
		"orientation": {"uniform token", Token("rightHanded")},
		"visibility":  {"token", Token("inherited")},
		"purpose":     {"uniform token", Token("default")},
	}
	lightFallbacks = map[string]fb{
		"inputs:intensity":              {"float", float32(1)},
		"inputs:exposure":               {"float", float32(0)},
		"inputs:color":                  {"color3f", Vec3f{1, 1, 1}},
		"inputs:normalize":              {"bool", false},
		"inputs:diffuse":                {"float", float32(1)},
		"inputs:specular":               {"float", float32(1)},
		"inputs:enableColorTemperature": {"bool", false},
		"inputs:colorTemperature":       {"float", float32(6500)},
		"visibility":                    {"token", Token("inherited")},
		"purpose":                       {"uniform token", Token("default")},
	}
	schemaFallbacks = map[string]map[string]fb{
		"Mesh": {
			"subdivisionScheme":              {"uniform token", Token("catmullClark")},
			"interpolateBoundary":            {"token", Token("edgeAndCorner")},
			"faceVaryingLinearInterpolation": {"token", Token("cornersPlus1")},
			"triangleSubdivisionRule":        {"token", Token("catmullClark")},
		},
		"Sphere":   {"radius": {"double", float64(1)}},
		"Cube":     {"size": {"double", float64(2)}},
		"Cylinder": {"radius": {"double", float64(1)}, "height": {"double", float64(2)}, "axis": {"uniform token", Token("Z")}},
		"Cone":     {"radius": {"double", float64(1)}, "height": {"double", float64(2)}, "axis": {"uniform token", Token("Z")}},
		"Capsule":  {"radius": {"double", float64(0.5)}, "height": {"double", float64(1)}, "axis": {"uniform token", Token("Z")}},
		"Plane":    {"width": {"double", float64(2)}, "length": {"double", float64(2)}, "axis": {"uniform token", Token("Z")}},
		"BasisCurves": {
			"type":  {"uniform token", Token("cubic")},
			"basis": {"uniform token", Token("bezier")},
			"wrap":  {"uniform token", Token("nonperiodic")},
		},
		"Camera": {
			"projection":               {"token", Token("perspective")},
			"horizontalAperture":       {"float", float32(20.955)},
			"verticalAperture":         {"float", float32(15.2908)},
			"horizontalApertureOffset": {"float", float32(0)},
			"verticalApertureOffset":   {"float", float32(0)},
			"focalLength":              {"float", float32(50)},
			"clippingRange":            {"float2", Vec2f{1, 1000000}},
			"fStop":                    {"float", float32(0)},
			"focusDistance":            {"float", float32(0)},
			"stereoRole":               {"uniform token", Token("mono")},
			"shutter:open":             {"double", float64(0)},
			"shutter:close":            {"double", float64(0)},
			"exposure":                 {"float", float32(0)},
		},
		"DistantLight":  {"inputs:angle": {"float", float32(0.53)}, "inputs:intensity": {"float", float32(50000)}},
		"RectLight":     {"inputs:width": {"float", float32(1)}, "inputs:height": {"float", float32(1)}},
		"DiskLight":     {"inputs:radius": {"float", float32(0.5)}},
		"SphereLight":   {"inputs:radius": {"float", float32(0.5)}, "treatAsPoint": {"bool", false}},
		"CylinderLight": {"inputs:radius": {"float", float32(0.5)}, "inputs:length": {"float", float32(1)}, "treatAsLine": {"bool", false}},
		"DomeLight":     {"inputs:texture:format": {"token", Token("automatic")}, "guideRadius": {"float", float32(100000)}},
		"RenderSettings": {
			"resolution":               {"uniform int2", Vec2i{2048, 1080}},
			"pixelAspectRatio":         {"uniform float", float32(1)},
			"aspectRatioConformPolicy": {"uniform token", Token("expandAperture")},
			"dataWindowNDC":            {"uniform float4", Vec4f{0, 0, 1, 1}},
			"instantaneousShutter":     {"uniform bool", false},
		},
		"RenderProduct": {
			"productType":      {"uniform token", Token("raster")},
			"resolution":       {"uniform int2", Vec2i{2048, 1080}},
			"pixelAspectRatio": {"uniform float", float32(1)},
		},
	}
	gprimTypes = map[string]bool{"Mesh": true, "Sphere": true, "Cube": true, "Cylinder": true, "Cone": true,
		"Capsule": true, "Plane": true, "Points": true, "BasisCurves": true, "NurbsCurves": true, "NurbsPatch": true,
		"Cylinder_1": true, "Capsule_1": true, "HermiteCurves": true, "TetMesh": true}
	lightTypes = map[string]bool{"DistantLight": true, "RectLight": true, "DiskLight": true, "SphereLight": true,
		"CylinderLight": true, "DomeLight": true, "DomeLight_1": true, "GeometryLight": true, "PortalLight": true}
)

// IsGprim reports whether typeName is a UsdGeom gprim type.
func IsGprim(typeName string) bool { return gprimTypes[typeName] }

// IsLight reports whether typeName is a UsdLux light type.
func IsLight(typeName string) bool { return lightTypes[typeName] }

func schemaFallback(typeName, attr string) (fallbackValue, bool) {
	if m, ok := schemaFallbacks[typeName]; ok {
		if v, ok := m[attr]; ok {
			return clean(v), true
		}
	}
	if gprimTypes[typeName] {
		if v, ok := gprimFallbacks[attr]; ok {
			return clean(v), true
		}
	}
	if lightTypes[typeName] {
		if v, ok := lightFallbacks[attr]; ok {
			return clean(v), true
		}
	}
	if typeName == "Xform" || typeName == "Scope" || typeName == "Camera" || typeName == "PointInstancer" {
		switch attr {
		case "visibility":
			return fb{"token", Token("inherited")}, true
		case "purpose":
			return fb{"uniform token", Token("default")}, true
		}
	}
	return fallbackValue{}, false
}

// clean strips the variability from a fallback's type name.
func clean(v fb) fb {
	v.typeName = strings.TrimPrefix(v.typeName, "uniform ")
	return v
}

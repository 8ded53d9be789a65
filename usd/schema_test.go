package usd

import (
	"path/filepath"
	"reflect"
	"testing"
)

// Expected values below are what usd-core 26.11 reports for the same
// layers (see the doc strings of testdata/schema/*.usda).

func TestSchemaFallbackFromAppliedAPISchemas(t *testing.T) {
	s := openTestdata(t, filepath.Join("schema", "api_fallbacks.usda"))
	shaped := s.PrimAtPath("/Shaped")
	for name, want := range map[string]any{
		"inputs:shaping:cone:angle":          float32(180), // authored wins
		"inputs:shaping:cone:softness":       float32(0),   // ShapingAPI
		"inputs:shaping:focus":               float32(0),
		"inputs:shaping:focusTint":           Vec3f{0, 0, 0},
		"inputs:shadow:enable":               true,                 // ShadowAPI
		"collection:lightLink:expansionRule": Token("expandPrims"), // multiple-apply CollectionAPI:lightLink
		"inputs:radius":                      float32(0.5),         // typed SphereLight, not authored
		"inputs:intensity":                   float32(1),           // LightAPI built into the light base
	} {
		v, ok := shaped.Attribute(name).Get(Default)
		if !ok || !reflect.DeepEqual(v, want) {
			t.Errorf("/Shaped.%s = %#v, %v; want %#v", name, v, ok, want)
		}
	}
	// Without ShapingAPI applied the property is not in the definition: no value.
	if v, ok := s.PrimAtPath("/NotShaped").Attribute("inputs:shaping:cone:softness").Get(Default); ok {
		t.Errorf("/NotShaped softness = %#v; want no value (ShapingAPI not applied)", v)
	}
}

func TestSchemaAttributeTypeNameFromDefinition(t *testing.T) {
	s := openTestdata(t, filepath.Join("schema", "api_fallbacks.usda"))
	p := s.PrimAtPath("/TypedOverAuthored")
	for name, want := range map[string]string{
		"normals":           "normal3f[]", // Mesh defines it; authored color3d[] loses
		"points":            "point3f[]",
		"xformOp:translate": "double3", // not in the definition: authored type
	} {
		if got := p.Attribute(name).TypeName(); got != want {
			t.Errorf("%s type = %q; want %q", name, got, want)
		}
	}
}

func TestSchemaRegistryTypeHierarchy(t *testing.T) {
	for _, tn := range []string{"Mesh", "Sphere", "Cube", "Cylinder", "Cone", "Capsule", "Plane", "Points",
		"BasisCurves", "NurbsCurves", "NurbsPatch", "Cylinder_1", "Capsule_1", "HermiteCurves", "TetMesh"} {
		if !IsGprim(tn) {
			t.Errorf("IsGprim(%q) = false", tn)
		}
	}
	for _, tn := range []string{"DistantLight", "RectLight", "DiskLight", "SphereLight", "CylinderLight",
		"DomeLight", "DomeLight_1", "GeometryLight", "PortalLight"} {
		if !IsLight(tn) {
			t.Errorf("IsLight(%q) = false", tn)
		}
	}
	for _, tn := range []string{"Xform", "Scope", "Material", "Camera", "LightFilter", "", "NoSuchType"} {
		if IsGprim(tn) || IsLight(tn) {
			t.Errorf("%q classified as gprim or light", tn)
		}
	}
	d, ok := typedProperty("Mesh", "subdivisionScheme")
	if !ok || !d.uniform || d.typeName != "token" || d.value != Token("catmullClark") {
		t.Errorf("Mesh.subdivisionScheme definition = %+v, %v", d, ok)
	}
	if d, ok := typedProperty("DistantLight", "inputs:intensity"); !ok || d.value != float32(50000) {
		t.Errorf("DistantLight.inputs:intensity definition = %+v, %v; want fallback 50000", d, ok)
	}
}

func TestSampleAtItsOwnStageTimeIsExact(t *testing.T) {
	s := openTestdata(t, filepath.Join("schema", "tcps_sample_hit.usda"))
	a := s.PrimAtPath("/Cube").Attribute("xformOp:translate")
	ts := a.TimeSamples()
	scale := 1.0 / 24 // computed in float64, as OpenUSD does
	if want := TimeCode(100 * scale); len(ts) != 2 || ts[1] != want {
		t.Fatalf("samples at %v; want [0 %v]", ts, want)
	}
	v, ok := a.Get(ts[1])
	if !ok || v != (Vec3d{100, 0, 0}) {
		t.Errorf("value at %v = %#v; want (100, 0, 0) exactly", ts[1], v)
	}
}

func TestAbstractSchemaTypeGivesNoDefinition(t *testing.T) {
	s := openTestdata(t, filepath.Join("schema", "abstract_type.usda"))
	for path, want := range map[string]string{"/X": "Vec3f[]", "/Y": "float3[]"} {
		if got := s.PrimAtPath(path).Attribute("extent").TypeName(); got != want {
			t.Errorf("%s.extent type = %q; want %q", path, got, want)
		}
	}
	if v, ok := s.PrimAtPath("/Z").Attribute("visibility").Get(Default); ok {
		t.Errorf("/Z (Imageable, abstract).visibility = %#v; want no value", v)
	}
	if v, ok := s.PrimAtPath("/Y").Attribute("visibility").Get(Default); !ok || v != Token("inherited") {
		t.Errorf("/Y (Points).visibility = %#v, %v; want inherited", v, ok)
	}
}

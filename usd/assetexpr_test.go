package usd

import (
	"path/filepath"
	"reflect"
	"testing"
)

// TestAssetPathExpressionsEvaluateWithLayerStackVariables pins how an
// asset-valued attribute holding a variable expression reads (UsdStage's
// _MakeResolvedAssetPaths with SdfVariableExpression): it is evaluated
// with the expression variables of the layer stack that holds the value,
// a referencing stack's variables overriding the referenced stack's own;
// an undefined variable inside the string stays as written; an expression
// that does not parse is returned as authored. Expected values are
// usd-core 26.11's for testdata/assetexpr/root.usda.
func TestAssetPathExpressionsEvaluateWithLayerStackVariables(t *testing.T) {
	dir := filepath.Join("testdata", "assetexpr")
	s, err := Open(filepath.Join(dir, "root.usda"))
	if err != nil {
		t.Fatal(err)
	}
	p := s.PrimAtPath("/P")
	want := map[string]string{
		"a":       "./asset.usda",
		"bad":     "`\"${BAD\"`",
		"undef":   "./${UNDEFINED}.usda",
		"fromRef": "./asset.usda",
		"refVar":  "./only_ref.usda",
	}
	for name, w := range want {
		v, ok := p.Attribute(name).Get(Default)
		ap, isAsset := v.(AssetPath)
		if !ok || !isAsset {
			t.Errorf("%s: %#v, want an asset path", name, v)
			continue
		}
		if ap.Authored != w {
			t.Errorf("%s: %q, usd-core 26.11 gives %q", name, ap.Authored, w)
		}
	}
	if v, _ := p.Attribute("a").Get(Default); v.(AssetPath).Resolved == "" {
		t.Errorf("a: %q did not resolve to testdata/assetexpr/asset.usda", v.(AssetPath).Authored)
	}
	v, _ := p.Attribute("arr").Get(Default)
	var got []string
	for _, a := range v.([]AssetPath) {
		got = append(got, a.Authored)
	}
	if w := []string{"./asset.usda", "plain.usda"}; !reflect.DeepEqual(got, w) {
		t.Errorf("arr: %q, usd-core 26.11 gives %q", got, w)
	}
}

// TestVariantSelectionMayHoldBraces: an expression's undefined variable
// stays in the selection as written, braces and all; the selection is
// read from the variant node's path by the '{' matching its final '}'
// (pcp.LastVariantSelection). Values from usd-core 26.11.
func TestVariantSelectionMayHoldBraces(t *testing.T) {
	s, err := Open(filepath.Join("testdata", "assetexpr", "variant_selection.usda"))
	if err != nil {
		t.Fatal(err)
	}
	p := s.PrimAtPath("/P")
	want := map[string]string{"v": "sel_${UNDEFINED}", "w": "b"}
	if got := p.VariantSelections(); !reflect.DeepEqual(got, want) {
		t.Errorf("/P variant selections = %v; usd-core 26.11 gives %v", got, want)
	}
	if s.PrimAtPath("/P/Child") == nil {
		t.Errorf("/P/Child (from w=b) missing")
	}
}

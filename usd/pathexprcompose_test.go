package usd

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rgallery/rgallery/usd/sdf"
)

// TestPathExpressionComposesOverWeaker: SdfPathExpression::ComposeOver
// puts the weaker expression in place of %_ and prints the result as
// GetText does (each case checked with usd-core 26.11).
func TestPathExpressionComposesOverWeaker(t *testing.T) {
	for _, c := range [][3]string{
		{"/W/M* %_", "/W/S", "/W/M* /W/S"},
		{"%_ - /c", "/a /b", "/a /b - /c"},
		{"/x %_", "/a - /b", "/x (/a - /b)"},
		{"%_", "/a /b", "/a /b"},
		{"%_ & /x", "/a", "/a & /x"},
		{"/x %_", "/a + /b", "/x (/a + /b)"},
		{"~%_", "/a /b", "~(/a /b)"},
		{"%_ %_", "/a", "/a /a"},
		{"/x %_", "", "/x"},
		{"/x %_", "/a /b", "/x (/a /b)"},
		{"/x - %_", "/a - /b", "/x - (/a - /b)"},
		{"/x - %_", "/a /b", "/x - /a /b"},
		{"%_ /x", "/a - /b", "(/a - /b) /x"},
		{"/x & %_", "/a /b", "/x & /a /b"},
		{"/x + %_", "/a + /b", "/x + (/a + /b)"},
		{"%_ - /c", "/a + /b", "/a + /b - /c"},
		{"%_ & /c", "/a - /b", "(/a - /b) & /c"},
		{"%_ + /c", "/a - /b", "(/a - /b) + /c"},
		{"(%_) /x", "/a /b", "/a /b /x"},
		{"/x %_", "~/a", "/x ~/a"},
		{"%_ & /c", "/a + /b", "/a + /b & /c"},
		{"%_ + /c", "/a & /b", "(/a & /b) + /c"},
		{"/x & %_", "/a + /b", "/x & /a + /b"},
		{"~%_", "~/a", "/a"},
		{"%_ /c", "~/a", "~/a /c"},
		{"/W//{isa:Mesh} %_", "/a", "/W//{isa:Mesh} /a"},
	} {
		if got := composePathExprOver(sdf.PathExpression(c[0]), sdf.PathExpression(c[1])); string(got) != c[2] {
			t.Errorf("%q over %q = %q, usd-core 26.11 gives %q", c[0], c[1], got, c[2])
		}
	}
}

// TestPathExpressionValueComposesOverWeakerLayer: an attribute's path
// expression with %_ takes the weaker layer's expression in its place
// (UsdStage value composition, _ConsumeAndMergeAuthoredPathExpressions;
// mxpv/openusd fixtures collections.usda).
func TestPathExpressionValueComposesOverWeakerLayer(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("weak.usda", "#usda 1.0\nover \"S\"\n{\n    uniform pathExpression e = \"/W/S\"\n    uniform pathExpression f = \"/W/T\"\n}\n")
	write("root.usda", "#usda 1.0\n(\n    subLayers = [@./weak.usda@]\n)\n\ndef \"S\"\n{\n    uniform pathExpression e = \"/W/M* %_\"\n    uniform pathExpression f = \"/W/M*\"\n    uniform pathExpression g = \"/W/N %_\"\n}\n")
	s, err := Open(filepath.Join(dir, "root.usda"))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]PathExpression{"e": "/W/M* /W/S", "f": "/W/M*", "g": "/W/N"} {
		if v, _ := s.PrimAtPath("/S").Attribute(name).Get(Default); v != want {
			t.Errorf("%s = %q, usd-core 26.11 gives %q", name, v, want)
		}
	}
}

// FuzzComposePathExpression: composing any two texts gives a text without
// a panic; an expression that does not parse is kept as it is.
func FuzzComposePathExpression(f *testing.F) {
	for _, c := range [][2]string{{"/W/M* %_", "/W/S"}, {"~%_", "/a /b"}, {"(%_) /x", "/a - /b"}, {"/x//{isa:Mesh} %_", "%:c"}} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, s, w string) {
		_ = composePathExprOver(sdf.PathExpression(s), sdf.PathExpression(w))
	})
}

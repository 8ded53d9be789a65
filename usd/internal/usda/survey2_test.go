package usda

import (
	"reflect"
	"testing"

	"github.com/rgallery/rgallery/usd/sdf"
)

// Rules found by the second asset survey (docs/assets-survey.md, "Second
// survey"); each case was probed with usd-core 26.11. The layers are
// written for the rule, not copied from the assets that showed it.

func propCases(t *testing.T, cases []grammarCase) {
	t.Helper()
	for i := range cases {
		cases[i].text = "#usda 1.0\ndef \"A\"\n{\n" + cases[i].text + "\n}\ndef \"x\"\n{\n    float c = 1\n}\n"
		cases[i].ctx = "src"
	}
	checkGrammarCases(t, cases)
}

// TestPropertyMetadataOnTheSameLineOnly: AttributeSpec and
// RelationshipSpec put InlinePadding only between a property's tokens: a
// line break ends the declaration, so '(' metadata, '=' or '.connect' on
// the next line is no part of it (tinyusdz material-binding-005 wrote
// "rel material:binding = None" then "(" on the next line). Metadata follow
// a declaration or a default value only, never .connect, .timeSamples,
// .spline or rel .default.
func TestPropertyMetadataOnTheSameLineOnly(t *testing.T) {
	propCases(t, []grammarCase{
		{"", "rel a = None\n(doc=\"d\")", false},
		{"", "rel a = None (doc=\"d\")", true},
		{"", "rel a = </x>\n(doc=\"d\")", false},
		{"", "float a = 1\n(doc=\"d\")", false},
		{"", "float a = 1 # c\n(doc=\"d\")", false},
		{"", "float a = 1 /* c */ (doc=\"d\")", true},
		{"", "float a\n(doc=\"d\")", false},
		{"", "rel r\n(doc=\"d\")", false},
		{"", "rel r (doc=\"d\")", true},
		{"", "float a (\ndoc=\"d\"\n)", true},
		{"", "rel r = [</x>, </A>] (doc=\"d\")", true},
		{"", "rel r = </x> (\n doc=\"d\"\n)", true},
		{"", "float a.timeSamples = {1:1} (doc=\"d\")", false},
		{"", "float a.timeSamples = {\n1: 2,\n}", true},
		{"", "float a.connect = </x.c> (doc=\"d\")", false},
		{"", "float a.spline = {\n 1: 2,\n} (doc=\"d\")", false},
		{"", "rel r.default = </A> (doc=\"d\")", false},
		{"", "float a\n.connect = </x.c>", false},
		{"", "float a .connect = </x.c>", true},
		{"", "float a\n= 1", false},
		{"", "rel r\n= </x>", false},
		{"", "rel r =\n</x>", false},
		{"", "rel r .default = </x>", true},
		{"", "rel r.default =\n</x>", false},
		{"", "float[] a = [\n1,\n2]", true},
	})
}

// TestPathsFollowSdfPathGrammar: a <path> is read with Sdf_PathParser's
// grammar (pathParser.h): ".." only leads a relative path, "." is no prim
// element, a property name is identifiers joined by single ':', and a '.'
// after a property name leads to mapper or expression only (tinyusdz
// relative-path-001..003: <../dora/../muda>, </dora/../muda>, <./dora>).
func TestPathsFollowSdfPathGrammar(t *testing.T) {
	propCases(t, []grammarCase{
		{"", "rel r = <../a>", true},
		{"", "rel r = <.a>", true},
		{"", "rel r = <../.a>", true},
		{"", "rel r = <.>", false},
		{"", "rel r = <./a>", false},
		{"", "rel r = <a/../b>", false},
		{"", "rel r = </a/.>", false},
		{"", "rel r = <a/./b>", false},
		{"", "rel r = </..>", false},
		{"", "rel r = <a/..>", false},
		{"", "rel r = <../dora/../muda>", false},
		{"", "rel r = <a.b/c>", false},
		{"", "rel r = <...>", false},
		{"", "rel r = <../.>", false},
		{"", "rel r = </x/>", false},
		{"", "rel r = </x.a:b:c>", true},
		{"", "rel r = </x.a::b>", false},
		{"", "rel r = </x.a.b>", false},
		{"", "rel r = </x.r[/A.b].c>", true},
		{"", "rel r = </x.c.mapper[/y.d]>", true},
		{"", "rel r = </ü/é>", true},
		// Targets are prim, property or mapper paths: not the root, not
		// an expression path.
		{"", "rel r = <..>", false},
		{"", "rel r = </x.c.expression>", false},
		{"", "float a.connect = <..>", false},
	})
}

// TestRelativeTargetsAnchorAtTheVariantSite: a relative target or
// connection path is made absolute against the prim's path in its layer,
// variant selections included (SdfPath::MakeAbsolutePath: the parent of
// /A{v=x}R is /A{v=x}, whose parent is /A). A target that so gets a
// variant selection is refused ("Relationship target paths cannot contain
// variant selections"; mxpv/openusd fixture instancing_variant_rel); a
// connection has the selection stripped.
func TestRelativeTargetsAnchorAtTheVariantSite(t *testing.T) {
	layer := func(body string) string {
		return "#usda 1.0\ndef \"A\" (\n variants = { string v = \"x\" }\n prepend variantSets = \"v\"\n)\n{\n variantSet \"v\" = {\n  \"x\" {\n   def \"R\"\n   {\n" + body + "\n   }\n  }\n }\n}\n"
	}
	for _, c := range []struct {
		body, prop string
		want       []string // nil: refused
	}{
		{"rel r = <../G>", "", nil},
		{"rel r = <G>", "", nil},
		{"rel r = <.a>", "", nil},
		{"rel r = <..>", "", nil},
		{"rel r = <../../../../X>", "", nil},
		{"rel r = </A/G>", "r", []string{"/A/G"}},
		{"rel r = <../../X>", "r", []string{"/A/X"}},
		{"rel r = <../../../X>", "r", []string{"/X"}},
		{"float a.connect = <../G.c>", "a", []string{"/A/G.c"}},
		{"float a.connect = <.b>", "a", []string{"/A/R.b"}},
	} {
		l, err := Parse("t.usda", []byte(layer(c.body)))
		if c.want == nil {
			if err == nil {
				t.Errorf("%s: read; usd-core 26.11 refuses it", c.body)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.body, err)
			continue
		}
		field := "targetPaths"
		if c.prop == "a" {
			field = "connectionPaths"
		}
		v, _ := l.Specs["/A{v=x}R."+c.prop].Get(field)
		if lo, _ := v.(sdf.PathListOp); !reflect.DeepEqual(lo.Items, c.want) {
			t.Errorf("%s: %s = %v, usd-core 26.11: %v", c.body, field, lo.Items, c.want)
		}
	}
}

// TestLayerVersionPartsAreBytes: SdfFileVersion::FromString reads each
// part of the '#usda' version with std::from_chars into a uint8_t: no
// sign, at most 255 (AOUSD core-spec geometryattributes.usda has
// "#usda 1.0.123123123").
func TestLayerVersionPartsAreBytes(t *testing.T) {
	for v, ok := range map[string]bool{
		"1.0": true, "1.0.0": true, "1.0.255": true, "01.0": true, "1.0.0255": true,
		"1.0.256": false, "1.0.123123123": false, "1.-0": false, "1.+0": false, "1.0.-1": false,
	} {
		_, err := Parse("t.usda", []byte("#usda "+v+"\ndef \"A\"\n{\n}\n"))
		if (err == nil) != ok {
			t.Errorf("#usda %s: err = %v; usd-core 26.11 reads it: %v", v, err, ok)
		}
	}
}

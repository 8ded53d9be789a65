package usda

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/rgallery/rgallery/usd/sdf"
)

// TestFramesPerSecondMustBePositive: OpenUSD's text parser refuses a layer
// whose framesPerSecond is not greater than 0 (sdf/schema.cpp,
// _ValidateFramesPerSecond), as usd-wg/assets
// foundation/stage_configuration/framesPerSecond_{0,-1}.usda show with
// usd-core 26.11; timeCodesPerSecond has no such validator and any number
// is read.
func TestFramesPerSecondMustBePositive(t *testing.T) {
	for _, c := range []struct {
		meta string
		ok   bool
	}{
		{"framesPerSecond = 24", true},
		{"framesPerSecond = 0.5", true},
		{"framesPerSecond = 0", false},
		{"framesPerSecond = -1", false},
		{"timeCodesPerSecond = -1", true},
		{"timeCodesPerSecond = 0", true},
	} {
		_, err := Parse("t.usda", []byte("#usda 1.0\n(\n    "+c.meta+"\n)\n"))
		if (err == nil) != c.ok {
			t.Errorf("%s: err = %v; want ok=%v", c.meta, err, c.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "framesPerSecond") {
			t.Errorf("%s: error %q does not name the field", c.meta, err)
		}
	}
}

// TestLegacyTypeNames: OpenUSD still registers the legacy value type
// names (sdf/schema.cpp _AddLegacyTypesToRegistry) and its own imaging
// tests use them ("Vec3f[] primvars:displayColor", "PointIndex[]"). The
// type name stays as written; the value is the canonical type's.
func TestLegacyTypeNames(t *testing.T) {
	src := "#usda 1.0\ndef \"A\"\n{\n    Vec3f[] a = [(1, 2, 3)]\n    PointIndex[] b = [1, 2]\n    Point c = (1, 2, 3)\n    Matrix4d d = ((1,0,0,0),(0,1,0,0),(0,0,1,0),(0,0,0,1))\n}\n"
	l, err := Parse("t.usda", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]any{
		"a": []sdf.Vec3f{{1, 2, 3}},
		"b": []int32{1, 2},
		"c": sdf.Vec3d{1, 2, 3},
	} {
		s := l.Spec("/A." + name)
		v, _ := s.Get("default")
		if fmt.Sprint(v) != fmt.Sprint(want) || fmt.Sprintf("%T", v) != fmt.Sprintf("%T", want) {
			t.Errorf("%s = %T %v; want %T %v", name, v, v, want, want)
		}
	}
	if tn, _ := l.Spec("/A.a").Get("typeName"); tn != sdf.Token("Vec3f[]") {
		t.Errorf("a typeName = %v; want Vec3f[] as authored", tn)
	}
	if !KnownType("Vec3f[]") || !KnownType("FaceIndex") || KnownType("vec3f") || KnownType("Color3f") {
		t.Errorf("KnownType disagrees with OpenUSD's registry")
	}
}

// TestArrayBracketsAfterPadding: "float []" and "float[ ]" declare arrays
// (usd-core 26.11 reads both); a line break before "[]" is an error.
func TestArrayBracketsAfterPadding(t *testing.T) {
	for _, decl := range []string{"float [] a = [1]", "float[ ] a = [1]", "float \t[ ] a = [1]"} {
		l, err := Parse("t.usda", []byte("#usda 1.0\ndef \"A\"\n{\n    "+decl+"\n}\n"))
		if err != nil {
			t.Errorf("%s: %v", decl, err)
			continue
		}
		if tn, _ := l.Spec("/A.a").Get("typeName"); tn != sdf.Token("float[]") {
			t.Errorf("%s: typeName %v; want float[]", decl, tn)
		}
	}
	if _, err := Parse("t.usda", []byte("#usda 1.0\ndef \"A\"\n{\n    float\n[] a = [1]\n}\n")); err == nil {
		t.Errorf("line break between type and []: parsed; OpenUSD refuses it")
	}
}

// TestUnknownAttributeTypeKeepsValueText: OpenUSD's text parser opens a
// layer with an attribute of a type it does not know ("vec3f", "Color3f",
// "r"), keeping the value as an SdfUnregisteredValue (a path value as a
// path); the layer does not fail (usd-core 26.11; TinyUSDZ's
// unknown-type-001.usda notes the same).
func TestUnknownAttributeTypeKeepsValueText(t *testing.T) {
	src := "#usda 1.0\ndef \"A\"\n{\n    vec3f[] b = [(1, 2, \"x)\")]\n    Color3f e = (1, 2, 3)\n    r f = </dora>\n    custom foo g = 3 (doc = \"d\")\n    float h = 1\n}\n"
	l, err := Parse("t.usda", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]any{
		"b": sdf.UnregisteredValue{Text: `[(1, 2, "x)")]`},
		"e": sdf.UnregisteredValue{Text: "(1, 2, 3)"},
		"f": sdf.UnregisteredValue{Text: "</dora>"},
		"g": sdf.UnregisteredValue{Text: "3"},
		"h": float32(1),
	} {
		v, _ := l.Spec("/A." + name).Get("default")
		if v != want {
			t.Errorf("%s = %#v; want %#v", name, v, want)
		}
	}
	if d, _ := l.Spec("/A.g").Get("documentation"); d != "d" {
		t.Errorf("metadata after an unregistered value: documentation %v", d)
	}
}

// TestListEditOfArcsMustNotBeEmpty: None or an empty list is only the
// explicit value of inherits, specializes, references, payload,
// relationship targets and connections; as a list edit (prepend, append,
// add, delete, reorder) OpenUSD's text parser refuses the layer
// (sdf/textParserHelpers.cpp; usd-core 26.11 refuses every "bad" case
// below and reads every "good" one).
func TestListEditOfArcsMustNotBeEmpty(t *testing.T) {
	prim := func(meta string) string { return "#usda 1.0\ndef \"A\" (\n    " + meta + "\n)\n{\n}\n" }
	prop := func(stmt string) string { return "#usda 1.0\ndef \"A\"\n{\n    " + stmt + "\n}\n" }
	for _, src := range []string{
		prim("prepend inherits = None"), prim("append references = []"), prim("delete specializes = None"),
		prim("prepend payload = None"), prop("add rel r = None"), prop("append rel r = []"),
		prop("reorder rel r = []"), prop("prepend float a.connect = []"),
	} {
		if _, err := Parse("t.usda", []byte(src)); err == nil || !strings.Contains(err.Error(), "only allowed when setting explicit") {
			t.Errorf("%q: err = %v; want the explicit-only error", src, err)
		}
	}
	for _, src := range []string{
		prim("inherits = None"), prim("references = []"), prim("prepend references = </X>"),
		prop("rel r = None"), prop("float a.connect = None"), prop("prepend rel r = </B>"),
	} {
		if _, err := Parse("t.usda", []byte(src)); err != nil {
			t.Errorf("%q: %v", src, err)
		}
	}
}

// TestAttributeRedeclaredWithAnotherType: a second statement for an
// attribute (a .timeSamples or .connect line, say) must keep its type;
// OpenUSD refuses "float a = 1" followed by "int a = 2"
// (sdf/textParserHelpers.cpp: "attribute 'a' already has type 'float',
// cannot change to 'int'"). Found by FuzzParse once unknown types opened.
func TestAttributeRedeclaredWithAnotherType(t *testing.T) {
	for src, ok := range map[string]bool{
		"float a = 1\n    int a = 2":                      false,
		"color3f[] s = []\n    A[] s = 0":                 false,
		"float a = 1\n    float a.timeSamples = { 1: 2 }": true,
		"float a.connect = </B.c>\n    float a = 3":       true,
	} {
		_, err := Parse("t.usda", []byte("#usda 1.0\ndef \"A\"\n{\n    "+src+"\n}\n"))
		if (err == nil) != ok {
			t.Errorf("%q: err = %v; want ok=%v", src, err, ok)
		}
	}
}

// TestArcPathsWithoutVariantSelections pins the checks OpenUSD's text
// parser makes on arc and relocate paths (SdfSchema::IsValidReference,
// IsValidPayload, IsValidRelocatesSourcePath / TargetPath, with variant
// selections prohibited as usd-core 26.11 does): a reference or payload
// names a prim (or nothing), with no variant selection; a relocate maps a
// prim to a prim (or to nothing), with no variant selection.
func TestArcPathsWithoutVariantSelections(t *testing.T) {
	for _, c := range []struct {
		text string
		ok   bool
	}{
		{`def "A" (references = @./g.usda@</Group/Model>) {}`, true},
		{`def "A" (references = @./g.usda@</Group{v=x}Model>) {}`, false},
		{`def "A" (payload = @./g.usda@</Group{v=x}>) {}`, false},
		{`def "A" (references = </Group.attr>) {}`, false},
		{`def "A" (references = @./g.usda@) {}`, true},
		{"(\n    relocates = {\n        <B>: <C>\n    }\n)", true},
		{"(\n    relocates = {\n        </A/B>: <>\n    }\n)", true},
		{"(\n    relocates = {\n        </A{vset=vsel}B>: </A/C>\n    }\n)", false},
		{"(\n    relocates = {\n        </A/B>: </A{vset=vsel}C>\n    }\n)", false},
		{"(\n    relocates = {\n        </A/B.x>: </A/C>\n    }\n)", false},
		{"(\n    relocates = {\n        <>: </A/C>\n    }\n)", false},
		{"(\n    relocates = {\n        </A/B>: </>\n    }\n)", false},
	} {
		_, err := Parse("t.usda", []byte("#usda 1.0\n"+c.text+"\n"))
		if (err == nil) != c.ok {
			t.Errorf("%s: err = %v; want ok=%v", c.text, err, c.ok)
		}
	}
}

// TestRelocatesAreLayerMetadata: OpenUSD 26.11's text format has
// relocates only in the layer's metadata; on a prim it is a syntax error.
func TestRelocatesAreLayerMetadata(t *testing.T) {
	if _, err := Parse("t.usda", []byte("#usda 1.0\n(\n    relocates = {\n        </A/b>: </A/c>\n    }\n)\n")); err != nil {
		t.Errorf("layer relocates: %v", err)
	}
	if _, err := Parse("t.usda", []byte("#usda 1.0\ndef \"A\" (\n    relocates = {\n        <b>: <c>\n    }\n)\n{\n}\n")); err == nil {
		t.Errorf("prim relocates parsed, want an error")
	}
}

// TestSplineKnotsMustBeDefined pins the knot checks of OpenUSD's spline
// text (TsKnot, as usd-core 26.11 applies them while parsing): a value
// that is not finite in the spline's value type ("Cannot set undefined
// value") and a negative Bezier tangent width ("Cannot set negative
// tangent width") make the layer fail.
func TestSplineKnotsMustBeDefined(t *testing.T) {
	for _, c := range []struct {
		spline string
		ok     bool
	}{
		{"float a.spline = {\n    0: 1e45,\n}", false},
		{"float a.spline = {\n    0: 1e30,\n}", true},
		{"double a.spline = {\n    0: 1e400,\n}", false},
		{"half a.spline = {\n    0: 70000,\n}", false},
		{"float a.spline = {\n    0: 1 & 1e45,\n}", false},
		{"double a.spline = {\n    bezier,\n    0: 1; pre (-0.21, 3),\n}", false},
		{"double a.spline = {\n    bezier,\n    0: 1; post curve (-1, 3),\n}", false},
		{"double a.spline = {\n    bezier,\n    0: 1; pre (0, 3),\n}", true},
		{"double a.spline = {\n    hermite,\n    0: 1; pre (-3),\n}", true},
	} {
		_, err := Parse("t.usda", []byte("#usda 1.0\ndef \"A\" {\n    "+c.spline+"\n}\n"))
		if (err == nil) != c.ok {
			t.Errorf("%q: err = %v; want ok=%v", c.spline, err, c.ok)
		}
	}
}

// TestListOpDuplicatesAndLayerVersion pins two refusals of OpenUSD's
// text parser (usd-core 26.11): a list op that names an item twice
// (references, payloads, inherits, specializes, variant sets, targets,
// connections; not apiSchemas), and a '#usda' version outside 1.0..1.4 or
// without a minor part.
func TestListOpDuplicatesAndLayerVersion(t *testing.T) {
	for _, c := range []struct {
		text string
		ok   bool
	}{
		{"#usda 1.0\ndef \"A\" (prepend references = [@./a.usda@, @./a.usda@]) {\n}\n", false},
		{"#usda 1.0\ndef \"A\" (references = [@./a.usda@ (offset = 1), @./a.usda@]) {\n}\n", true},
		{"#usda 1.0\ndef \"A\" (prepend references = [@./a.usda@</X>, @./a.usda@</Y>]) {\n}\n", true},
		{"#usda 1.0\ndef \"A\" (payload = [@./a.usda@, @./a.usda@]) {\n}\n", false},
		{"#usda 1.0\ndef \"A\" (delete inherits = [</B>, </B>]) {\n}\n", false},
		{"#usda 1.0\ndef \"A\" (specializes = [</B>, </B>]) {\n}\n", false},
		{"#usda 1.0\ndef \"A\" (prepend variantSets = [\"v\", \"v\"]) {\n}\n", false},
		{"#usda 1.0\ndef \"A\" (apiSchemas = [\"X\", \"X\"]) {\n}\n", true},
		{"#usda 1.0\ndef \"A\" {\n    reorder rel r = [</B>, </B>]\n}\n", false},
		{"#usda 1.0\ndef \"A\" {\n    float a.connect = [</B.x>, </B.x>]\n}\n", false},
		{"#usda 1.0\n(\n    subLayers = [@./a.usda@, @./a.usda@]\n)\n", true},
		{"#usda 1.4\n", true},
		{"#usda 1.0.1\n", true},
		{"#usda 01.0\n", true},
		{"#usda 1.4.1\n", false},
		{"#usda 1.5\n", false},
		{"#usda 1.10\n", false},
		{"#usda 2.0\n", false},
		{"#usda 0.9\n", false},
		{"#usda 1\n", false},
	} {
		_, err := Parse("t.usda", []byte(c.text))
		if (err == nil) != c.ok {
			t.Errorf("%q: err = %v; want ok=%v", c.text, err, c.ok)
		}
	}
}

// TestAPISchemasWithDuplicatesApplyNothing: OpenUSD's text parser keeps a
// layer whose apiSchemas list names a schema twice, but SdfListOp::SetItems
// refuses the items, so that op is empty (usd-core 26.11: the prim has no
// applied schema from it); other ops of the field are kept.
func TestAPISchemasWithDuplicatesApplyNothing(t *testing.T) {
	l, err := Parse("t.usda", []byte("#usda 1.0\ndef \"A\" (apiSchemas = [\"MaterialBindingAPI\", \"MaterialBindingAPI\"]) {\n}\ndef \"B\" (prepend apiSchemas = [\"SkelBindingAPI\"]; append apiSchemas = [\"X\", \"X\"]) {\n}\n"))
	if err != nil {
		t.Fatal(err)
	}
	v, _ := l.Spec("/A").Get("apiSchemas")
	if lo, ok := v.(sdf.TokenListOp); !ok || lo.Explicit || len(lo.Items) > 0 {
		t.Errorf("/A apiSchemas = %#v, want an empty list op", v)
	}
	v, _ = l.Spec("/B").Get("apiSchemas")
	if lo, ok := v.(sdf.TokenListOp); !ok || len(lo.Prepended) != 1 || len(lo.Appended) != 0 {
		t.Errorf("/B apiSchemas = %#v, want the prepend only", v)
	}
}

// TestDictionaryEntriesSeparatedByNewlineOrSemicolon pins the separators
// of dictionary entries in textFileFormat's grammar: one ';' or newlines
// (a comment ends its line), with an optional ';' after the last entry;
// usd-core 26.11 accepts and refuses exactly these.
func TestDictionaryEntriesSeparatedByNewlineOrSemicolon(t *testing.T) {
	for _, c := range []struct {
		dict string
		ok   bool
	}{
		{"{ int a = 1; int b = 2 }", true},
		{"{ int a = 1; int b = 2; }", true},
		{"{ int a = 1 }", true},
		{"{int a = 1\nint b = 2}", true},
		{"{ int a = 1 # c\n int b = 2 }", true},
		{"{}", true},
		{"{\n}", true},
		{"{ int a = 1  int b = 2 }", false},
		{"{ int a = 1, int b = 2 }", false},
		{"{ ; int a = 1 }", false},
		{"{ int a = 1;; int b = 2 }", false},
		{"{ int a = 1;\n; }", false},
	} {
		src := "#usda 1.0\ndef \"P\" (\n    customData = {\n        dictionary d = " + c.dict + "\n    }\n)\n{\n}\n"
		_, err := Parse("t.usda", []byte(src))
		if (err == nil) != c.ok {
			t.Errorf("%q: error %v, usd-core 26.11 accepts it: %v", c.dict, err, c.ok)
		}
	}
}

// TestTextGrammarAgreesWithSdfParsing pins rules of Sdf's text format
// that OpenUSD's testSdfParsing files exercise, each case checked with
// usd-core 26.11 (accepts or refuses the same layer).
func TestTextGrammarAgreesWithSdfParsing(t *testing.T) {
	for _, c := range []struct {
		rule, body string
		ok         bool
	}{
		{"bool spelled True", "def \"P\"\n{\n    bool b = True\n}", true},
		{"bool spelled yes", "def \"P\"\n{\n    bool b = yes\n}", true},
		{"bool from a number", "def \"P\"\n{\n    bool b = 0.5\n}", true},
		{"bool from a quoted word", "def \"P\"\n{\n    bool b = \"false\"\n}", true},
		{"bool spelled on", "def \"P\"\n{\n    bool b = on\n}", false},
		{"int64 minimum", "def \"P\"\n{\n    int64 i = -9223372036854775808\n}", true},
		{"int64 below minimum", "def \"P\"\n{\n    int64 i = -9223372036854775809\n}", false},
		{"kind must be quoted", "def \"P\" (\n    kind = model\n)\n{\n}", false},
		{"kind quoted", "def \"P\" (\n    kind = \"model\"\n)\n{\n}", true},
		{"empty reference asset path", "def \"P\" (\n    references = [\n        @@\n    ]\n)\n{\n}", false},
		{"inherit path climbs above root", "def \"A\"\n{\n    over \"B\" (\n        inherits = <../../../C>\n    )\n    {\n    }\n}", false},
		{"inherit path to a property", "def \"P\" (\n    inherits = </Foo.attr>\n)\n{\n}", false},
		{"variant name with ':'", "def \"P\" (\n    variantSets = \"a\"\n)\n{\n    variantSet \"a\" = {\n        \"bad:name\" {\n        }\n    }\n}", false},
		{"variant name with '.'", "def \"P\" (\n    variantSets = \"a\"\n)\n{\n    variantSet \"a\" = {\n        \"bad.name\" {\n        }\n    }\n}", false},
		{"variant name with leading '.' and '-'", "def \"P\" (\n    variantSets = \"a\"\n)\n{\n    variantSet \"a\" = {\n        \".good-name|x\" {\n        }\n    }\n}", true},
		{"variant selection with ':'", "over \"P\" (\n    variants = {\n        string a = \"bad:name\"\n    }\n)\n{\n}", false},
		{"variant selection expression", "over \"P\" (\n    variants = {\n        string a = \"`'x'`\"\n    }\n)\n{\n}", true},
		{"relationship target with a variant selection", "def \"P\"\n{\n    rel r = </A{v=x}B>\n}", false},
		{"connection with a variant selection", "def \"P\"\n{\n    double c.connect = </A{v=x}B.y>\n}", false},
		{"relationship default is not a target", "def \"P\"\n{\n    rel r.default = </A>\n}", true},
		{"C++-qualified unknown type name", "def \"P\"\n{\n    ThisType::IsBogus foo = bogus (hidden = true)\n}", true},
		{"symmetryFunction without a value", "def \"P\" (\n    symmetryFunction = \n)\n{\n}", true},
		{"symmetryFunction without a value before ')'", "def \"P\" (symmetryFunction = )\n{\n}", true},
		{"variability kept by a later statement", "def \"P\"\n{\n    uniform double foo\n    uniform double foo.connect = </x>\n}", true},
		{"variability changed by .connect", "def \"P\"\n{\n    double foo\n    uniform double foo.connect = </x>\n}", false},
		{"variability changed by .timeSamples", "def \"P\"\n{\n    uniform double foo = 1\n    double foo.timeSamples = {\n        1: 2,\n    }\n}", false},
		{"custom may differ", "def \"P\"\n{\n    custom double foo\n    double foo.connect = </x>\n}", true},
		{"displayUnit by name", "def \"P\"\n{\n    double a = 1 (displayUnit = mm)\n}", true},
		{"displayUnit quoted", "def \"P\"\n{\n    double a = 1 (displayUnit = \"mm\")\n}", false},
		{"displayUnit unknown", "def \"P\"\n{\n    double a = 1 (displayUnit = meter)\n}", false},
	} {
		_, err := Parse("t.usda", []byte("#usda 1.0\n"+c.body+"\n"))
		if (err == nil) != c.ok {
			t.Errorf("%s: error %v; usd-core 26.11 accepts it: %v", c.rule, err, c.ok)
		}
	}
	l, err := Parse("t.usda", []byte("#usda 1.0\ndef \"P\"\n{\n    rel r = </B>\n    rel r.default = </A>\n}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := l.Spec("/P.r").Get("targetPaths"); len(v.(sdf.PathListOp).Items) != 1 {
		t.Errorf("rel r.default changed the targets: %v", v)
	}
}

// TestStatementSeparatorsAndLineBreaks pins where Sdf's text grammar
// wants line breaks: a statement's tokens stay on one line (no break
// after '=' or after a type name); statements in a prim body end with
// one ';' or a line break, also before the closing '}'; a prim's '}' is
// followed by a line break; metadata entries in (...) are separated by
// one ';' or a line break. Each case agrees with usd-core 26.11.
func TestStatementSeparatorsAndLineBreaks(t *testing.T) {
	for _, c := range []struct {
		body string
		ok   bool
	}{
		{"def \"c\"\n{\n    def \"d\"\n    {\n    } }", false},
		{"def \"c\"\n{\n    ;double a = 1\n}", false},
		{"def \"c\"\n{\n    double a = 1;;\n}", false},
		{"def \"c\"\n{\n}\n;", false},
		{"def \"c\"\n{\n    double a = 1 # x\n}", true},
		{"def \"c\"\n{\n    variantSet \"v\" = {\n        \"a\" {\n        } }\n}", true},
		{"def \"c\"\n{\n    double a = 1; double b = 2\n}", true},
		{"def \"c\" { }", true},
		{"def \"c\"\n{\n    double a = 1 }", false},
		{"def \"c\"\n{\n    double a = 1;}", true},
		{"def \"c\"\n{\n    double a =\n 1\n}", false},
		{"def \"c\"\n{\n}\ndef \"d\"\n{\n} def \"e\"\n{\n}", false},
		{"def \"c\"\n{\n    double\n a = 1\n}", false},
		{"def \"c\" (\n    kind =\n \"x\"\n)\n{\n}", false},
		{"def \"c\"\n{\n    rel r\n    double a = 1 # x\n}", true},
		{"def \"c\" (instanceable = true kind = \"x\")\n{\n}", false},
		{"def \"c\" (instanceable = true; kind = \"x\")\n{\n}", true},
		{"def \"c\" (;instanceable = true)\n{\n}", false},
		{"def \"c\" (\"doc string\" kind = \"x\")\n{\n}", false},
		{"def \"c\" (\n    references = @a.usda@\n    kind = \"x\"\n)\n{\n}", true},
		{"def \"c\"\n{\n    double a (doc = \"x\" hidden = true)\n}", false},
	} {
		_, err := Parse("t.usda", []byte("#usda 1.0\n"+c.body+"\n"))
		if (err == nil) != c.ok {
			t.Errorf("%q: error %v; usd-core 26.11 accepts it: %v", c.body, err, c.ok)
		}
	}
}

// TestPrimNamesFollowXIDRules pins SdfPath's identifier rule for prim
// names with UTF-8 (XID_Start or '_', then XID_Continue): each name is
// accepted or refused as usd-core 26.11 does.
func TestPrimNamesFollowXIDRules(t *testing.T) {
	for name, ok := range map[string]bool{
		"é": true, "_x": true, "aٰ": true, "㤼01৪": true, "a·b": true, "a‿b": true, "Ⅳ": true,
		"a∫": false, "٣a": false, "㤼01৪∫": false, "x-y": false, "1a": false, "·a": false,
	} {
		_, err := Parse("t.usda", []byte("#usda 1.0\ndef \""+name+"\"\n{\n}\n"))
		if (err == nil) != ok {
			t.Errorf("prim name %q: error %v; usd-core 26.11 accepts it: %v", name, err, ok)
		}
	}
}

// TestBareStringIsTheComment: in every metadata block a bare string is the
// spec's comment (textFileFormat.yy: TOK_STRING sets SdfFieldKeys->Comment),
// `doc = ...` its documentation, and the writer puts the comment back as a
// bare string, since `comment = ...` is refused. Checked with usd-core
// 26.11 (layer.comment "hello", prim "pc", attribute "ac").
func TestBareStringIsTheComment(t *testing.T) {
	src := "#usda 1.0\n(\n    \"hello\"\n    doc = \"d\"\n)\n\ndef X \"A\" (\n    \"pc\"\n)\n{\n    int a = 1 (\n        \"ac\"\n    )\n}\n"
	l, err := Parse("comment.usda", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ path, field, want string }{
		{"/", "comment", "hello"}, {"/", "documentation", "d"},
		{"/A", "comment", "pc"}, {"/A.a", "comment", "ac"},
	} {
		if v, _ := l.Spec(c.path).Get(c.field); v != c.want {
			t.Errorf("%s %s = %#v; want %q", c.path, c.field, v, c.want)
		}
	}
	if _, ok := l.Spec("/A").Get("documentation"); ok {
		t.Errorf("/A has documentation; its bare string is a comment")
	}
	var out bytes.Buffer
	if err := Write(&out, l); err != nil {
		t.Fatal(err)
	}
	l2, err := Parse("comment2.usda", out.Bytes())
	if err != nil {
		t.Fatalf("written layer does not parse: %v\n%s", err, out.String())
	}
	if d := sdf.Diff(l, l2); len(d) > 0 {
		t.Errorf("round trip differs:\n%s", strings.Join(d, "\n"))
	}
}

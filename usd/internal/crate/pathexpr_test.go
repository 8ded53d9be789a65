package crate

import (
	"strings"
	"testing"

	"github.com/rgallery/rgallery/usd/sdf"
)

// TestIllFormedPathExpressionIsEmpty pins SdfPathExpression's constructor
// as the crate reader uses it (crateFile.cpp reads the string and builds
// an SdfPathExpression from it, pathExpression.cpp): an ill-formed text
// posts an error and becomes the empty expression; the layer still opens.
func TestIllFormedPathExpressionIsEmpty(t *testing.T) {
	l := sdf.NewLayer("pe")
	l.Root().Set("primChildren", []sdf.Token{"P"})
	l.Specs["/P"] = &sdf.Spec{Type: sdf.SpecPrim}
	l.Specs["/P"].Set("specifier", sdf.SpecifierDef)
	l.Specs["/P"].Set("properties", []sdf.Token{"a", "c"})
	for _, name := range []string{"a", "c"} {
		s := &sdf.Spec{Type: sdf.SpecAttribute}
		s.Set("typeName", sdf.Token("pathExpression"))
		l.Specs["/P."+name] = s
	}
	l.Specs["/P.a"].Set("default", sdf.PathExpression("./x"))
	l.Specs["/P.c"].Set("default", []sdf.PathExpression{"/a", "/a |", "//{isa:Mesh}"})
	b, err := Write(l)
	if err != nil {
		t.Fatalf("write: %v", err)
	}
	back, err := Read("pe.usdc", b)
	if err != nil {
		t.Fatalf("usd-core opens such a layer: %v", err)
	}
	if v, _ := back.Spec("/P.a").Get("default"); v != sdf.PathExpression("") {
		t.Errorf("a = %#v, want the empty expression", v)
	}
	v, _ := back.Spec("/P.c").Get("default")
	if c, ok := v.([]sdf.PathExpression); !ok || len(c) != 3 || c[0] != "/a" || c[1] != "" || c[2] != "//{isa:Mesh}" {
		t.Errorf("c = %#v, want [/a, empty, //{isa:Mesh}]", v)
	}
	errs := back.DecodeErrors.Errors()
	if len(errs) != 2 {
		t.Fatalf("errors = %v, want 2 (a, c[1])", errs)
	}
	for _, e := range errs {
		if !strings.Contains(e.Error(), "pe.usdc") || !strings.Contains(e.Error(), "ill-formed path expression") {
			t.Errorf("error %q should name the file and the expression", e)
		}
	}
}

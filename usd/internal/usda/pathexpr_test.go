package usda

import (
	"strings"
	"testing"

	"github.com/rgallery/rgallery/usd/sdf"
)

// TestIllFormedPathExpressionIsEmpty pins SdfPathExpression's constructor
// as the text format uses it (parserHelpers.cpp MakeScalarValueImpl,
// pathExpression.cpp): usd-core 26.11 opens the layer, posts an error for
// each ill-formed expression (default, array element, time sample,
// dictionary entry) and keeps the empty expression in its place.
func TestIllFormedPathExpressionIsEmpty(t *testing.T) {
	src := `#usda 1.0
def "P" {
    pathExpression a = "./x"
    pathExpression b = "/ok //{isa:Mesh} - %_"
    pathExpression[] c = ["/a", "/a |"]
    custom string m (customData = {pathExpression pe = "./*"})
    pathExpression d.timeSamples = {1: "/x", 2: "/a |"}
}
`
	l, err := Parse("pe.usda", []byte(src))
	if err != nil {
		t.Fatalf("usd-core opens this layer: %v", err)
	}
	p := l.Spec("/P.a")
	if v, _ := p.Get("default"); v != sdf.PathExpression("") {
		t.Errorf("a = %#v, want the empty expression", v)
	}
	if v, _ := l.Spec("/P.b").Get("default"); v != sdf.PathExpression("/ok //{isa:Mesh} - %_") {
		t.Errorf("b = %#v, want it kept", v)
	}
	if v, _ := l.Spec("/P.c").Get("default"); len(v.([]sdf.PathExpression)) != 2 || v.([]sdf.PathExpression)[1] != "" {
		t.Errorf("c = %#v, want [/a, empty]", v)
	}
	errs := l.DecodeErrors.Errors()
	if len(errs) != 4 {
		t.Fatalf("errors = %v, want 4 (a, c[1], pe, d@2)", errs)
	}
	if msg := errs[0].Error(); !strings.Contains(msg, "pe.usda:3:") || !strings.Contains(msg, "<./x>") {
		t.Errorf("first error %q should name the file, line and expression", msg)
	}
}

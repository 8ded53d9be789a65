package usd

import (
	"path/filepath"
	"reflect"
	"testing"
)

// TestPathExpressionValuesMapToStage pins _MapPathExpressionToPrim: the
// prefix of each path pattern of a pathExpression value is made absolute
// against the owning prim in the authoring layer and mapped through the
// node's map to the root; "//" patterns stay. Expected texts are
// usd-core 26.11's for testdata/pathexpr/root.usda (which also reduces a
// union with an unmapped pattern and quotes predicate arguments in its
// canonical text; we keep the authored text around mapped patterns, so
// those two attributes of the file are not compared).
func TestPathExpressionValuesMapToStage(t *testing.T) {
	s, err := Open(filepath.Join("testdata", "pathexpr", "root.usda"))
	if err != nil {
		t.Fatal(err)
	}
	p := s.PrimAtPath("/World/Model/geom")
	for name, want := range map[string]PathExpression{
		"rel":  "//foo /World/Model/anim//*bar",
		"wild": "/World/Model/sets/* - /World/Model/anim/ab*",
	} {
		if v, _ := p.Attribute(name).Get(Default); v != want {
			t.Errorf("%s: %q, usd-core 26.11 gives %q", name, v, want)
		}
	}
	v, _ := p.Attribute("arr").Get(Default)
	if want := []PathExpression{"/World/Model/anim", "//any"}; !reflect.DeepEqual(v, want) {
		t.Errorf("arr: %q, usd-core 26.11 gives %q", v, want)
	}
	v, _ = p.Attribute("pred").Get(Default)
	if want := PathExpression(`/World/Model//{isa:Mesh} /World/Model/geom/a/b`); v != want {
		t.Errorf("pred: %q, want %q (usd-core: the same with the predicate argument quoted)", v, want)
	}
}

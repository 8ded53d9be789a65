package pcp

import (
	"reflect"
	"testing"
)

func fnOf(pairs map[string]string, root bool) mapFunc {
	f := newMapFunc(pairs)
	if root {
		f = f.withRoot()
	}
	return f
}

func pairsOf(f mapFunc) map[string]string {
	out := map[string]string{}
	if f.root {
		out["/"] = "/"
	}
	for _, p := range f.pairs {
		out[p[0]] = p[1]
	}
	return out
}

// TestMapFunctionBijection pins PcpMapFunction's mapping rule: a path
// maps through its longest source prefix, and not at all when the result
// would map back elsewhere ({/ -> /, /_class_Model -> /Model} does not map
// /Model).
func TestMapFunctionBijection(t *testing.T) {
	f := fnOf(map[string]string{"/_class_Model": "/Model"}, true)
	for in, want := range map[string]string{
		"/_class_Model/A": "/Model/A",
		"/Other":          "/Other",
		"/Model":          "",
		"/Model/A":        "",
	} {
		if got := f.toTarget(in); got != want {
			t.Errorf("toTarget(%s) = %q, want %q", in, got, want)
		}
	}
	if got := f.toSource("/Model/A"); got != "/_class_Model/A" {
		t.Errorf("toSource(/Model/A) = %q", got)
	}
	// Compose: f after g.
	g := fnOf(map[string]string{"/Model": "/Model_1"}, false)
	if got := pairsOf(g.compose(f)); !reflect.DeepEqual(got, map[string]string{"/_class_Model": "/Model_1"}) {
		t.Errorf("compose = %v", got)
	}
}

// TestImpliedClassMapFunction pins _GetImpliedClass as usd-core 26.11's
// PcpMapExpression.ImpliedClass computes it; each want was printed by
// that function for the same transfer and class arc.
func TestImpliedClassMapFunction(t *testing.T) {
	cases := []struct {
		name            string
		transfer, class map[string]string
		want            map[string]string
	}{
		{"global class across a reference", map[string]string{"/M": "/Sp"}, map[string]string{"/Cls": "/M"},
			map[string]string{"/": "/", "/Cls": "/Sp"}},
		{"class at the transfer's target implies nothing", map[string]string{"/M": "/Sp"}, map[string]string{"/Sp": "/M"},
			map[string]string{"/": "/"}},
		{"local class (Sullivan_1)", map[string]string{"/Sullivan": "/Sullivan_1"}, map[string]string{"/Sullivan/_class_Rig": "/Sullivan/Rig"},
			map[string]string{"/": "/", "/Sullivan_1/_class_Rig": "/Sullivan_1/Rig"}},
		{"ancestral class across a sub-root reference", map[string]string{"/Set/Model": "/SubrootRef"}, map[string]string{"/Inherit": "/Set"},
			map[string]string{"/": "/", "/Inherit": "/Set", "/Inherit/Model": "/SubrootRef"}},
		{"class under the transfer's target", map[string]string{"/M": "/Sp"}, map[string]string{"/Sp/x": "/M"},
			map[string]string{"/": "/"}},
		{"instance outside the transfer becomes a block", map[string]string{"/M": "/Sp"}, map[string]string{"/Q": "/Sp"},
			map[string]string{"/": "/", "/Q": ""}},
		{"two-pair transfer", map[string]string{"/A": "/B", "/A/C": "/D"}, map[string]string{"/A/C/x": "/A/y"},
			map[string]string{"/": "/", "/D/x": "/B/y"}},
		{"root-mapped source of the transfer adds nothing", map[string]string{"/B/y": "/A/x/y"}, map[string]string{"/A": "/A/x"},
			map[string]string{"/": "/", "/A": "/A/x"}},
	}
	for _, c := range cases {
		got := pairsOf(impliedClassFn(fnOf(c.transfer, true), fnOf(c.class, true)))
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

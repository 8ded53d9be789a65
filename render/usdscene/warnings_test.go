package usdscene

import (
	"fmt"
	"slices"
	"testing"
)

// Many prims with the same problem give one line with a count and the
// first three paths; one prim keeps the message as written.
func TestWarningsGroupSamePrimProblem(t *testing.T) {
	c := &conv{warn: map[string]int{}}
	for i := range 412 {
		c.warnf("%s prims are not rendered (e.g. %s)", "BasisCurves", fmt.Sprintf("/set/hair_%03d", i))
	}
	c.warnPrim("/mat/a/Shader", "displacement is not rendered")
	c.warnPrim("/mat/b/Shader", "displacement is not rendered")
	c.warnf("PointInstancer %s: motion blur is not rendered", "/pi")
	c.warnf("texture %s: %v", "/tmp/a.png", "no such file")
	c.warnf("texture %s: %v", "/tmp/a.png", "no such file")
	c.warnf("composition: %v", "bad arc")
	c.warnf("material binding of %s is ignored", "/Wörld/Tür")
	c.warnf("material binding of %s is ignored", "/Wörld/Fenster{look=red}Pane")
	got := warningLines(c.warn)
	want := []string{
		"BasisCurves prims are not rendered: 412 prims, e.g. /set/hair_000, /set/hair_001, /set/hair_002",
		"PointInstancer /pi: motion blur is not rendered",
		"composition: bad arc",
		"displacement is not rendered: 2 prims, e.g. /mat/a/Shader, /mat/b/Shader",
		"material binding of /Wörld/Fenster{look=red}Pane is ignored (2 prims, e.g. /Wörld/Fenster{look=red}Pane, /Wörld/Tür)",
		"texture /tmp/a.png: no such file (2 times)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("warnings\n got %q\nwant %q", got, want)
	}
}

// A template with the path in the middle names the first prim and the count.
func TestWarningsGroupPathInMiddle(t *testing.T) {
	c := &conv{warn: map[string]int{}}
	for _, p := range []string{"/b", "/a", "/c", "/d"} {
		c.warnf("PointInstancer %s: motion blur is not rendered", p)
	}
	c.warnPrim("/only", "light shaping is not rendered")
	c.warnPrim("/only", "light shaping is not rendered")
	got := warningLines(c.warn)
	want := []string{
		"PointInstancer /a: motion blur is not rendered (4 prims, e.g. /a, /b, /c)",
		"light shaping is not rendered (/only) (2 times)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("warnings\n got %q\nwant %q", got, want)
	}
}

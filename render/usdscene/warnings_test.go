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

// A prim named twice in one message (the prim and its binding property)
// is one group, and composition errors that start with a prim path are
// grouped by it (usd-wg/assets OpenChessSet: 20 pieces share 7 missing
// MaterialX references, 20 bindings target no Material).
func TestWarningsGroupPathNamedTwiceAndCompositionErrors(t *testing.T) {
	c := &conv{warn: map[string]int{}}
	for _, p := range []string{"/Set/White/King/Render", "/Set/Black/King/Render", "/Set/Black/KingSide"} {
		c.warnf("%s: material binding %s.%s targets no Material; displayColor used", p, p, "material:binding")
	}
	for _, p := range []string{"/Set/White/King/Materials", "/Set/Black/King/Materials"} {
		c.compositionWarning(fmt.Errorf("%s: reference @./King_mat.mtlx@ from /x/King_look.usd: not a USD file", p))
	}
	c.compositionWarning(fmt.Errorf("layer /x/a.usda: no such file"))
	got := warningLines(c.warn)
	want := []string{
		"/Set/Black/King/Render: material binding /Set/Black/King/Render.material:binding targets no Material; displayColor used (3 prims, e.g. /Set/Black/King/Render, /Set/Black/KingSide, /Set/White/King/Render)",
		"composition: /Set/Black/King/Materials: reference @./King_mat.mtlx@ from /x/King_look.usd: not a USD file (2 prims, e.g. /Set/Black/King/Materials, /Set/White/King/Materials)",
		"composition: layer /x/a.usda: no such file",
	}
	if !slices.Equal(got, want) {
		t.Errorf("warnings\n got %q\nwant %q", got, want)
	}
	if got := markPath("/A: /AB /A/B /A.x /A", "/A"); got != pathMark+": /AB /A/B "+pathMark+".x "+pathMark {
		t.Errorf("markPath = %q", got)
	}
}

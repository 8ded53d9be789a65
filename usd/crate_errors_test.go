package usd

import (
	"strings"
	"testing"
)

// TestCrateValueDecodeErrorReachesStageErrors: a crate value that fails to
// decode (here the compressed data of a mesh's faceVertexCounts, whose
// size was corrupted; see usd/internal/crate's rules_test.go) leaves the
// stage readable, and once the attribute has been asked for, Stage.Errors
// names the file, prim, property, field and offset: the mesh's counts are
// never lost silently.
func TestCrateValueDecodeErrorReachesStageErrors(t *testing.T) {
	st, err := Open("internal/crate/testdata/corrupt_value.usdc")
	if err != nil {
		t.Fatalf("one corrupt value made the stage unreadable: %v", err)
	}
	p := st.PrimAtPath("/Tri")
	if p == nil {
		t.Fatal("no /Tri")
	}
	if v, ok := p.Attribute("faceVertexCounts").Get(Default); ok {
		t.Fatalf("corrupt faceVertexCounts read as %v", v)
	}
	var found []string
	for _, e := range st.Errors() {
		found = append(found, e.Error())
	}
	msg := strings.Join(found, "\n")
	for _, w := range []string{"corrupt_value.usdc", "prim </Tri>", "property faceVertexCounts", "field default", "offset 174"} {
		if !strings.Contains(msg, w) {
			t.Errorf("Stage.Errors %q does not name %q", msg, w)
		}
	}
	// The other mesh is intact.
	if v, ok := st.PrimAtPath("/Quad").Attribute("faceVertexCounts").Get(Default); !ok || len(v.([]int32)) != 4000 {
		t.Errorf("/Quad.faceVertexCounts = %v, %v", ok, v)
	}
}

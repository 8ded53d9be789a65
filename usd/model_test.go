package usd

import (
	"os"
	"path/filepath"
	"testing"
)

const modelsUSDA = `#usda 1.0
def Xform "Set" (kind = "assembly")
{
    uniform token model:drawMode = "bounds"
    def Xform "Tree" (kind = "component")
    {
        def Mesh "Leaves" {}
    }
    def Xform "Rock" (kind = "component")
    {
        uniform token model:drawMode = "cards"
    }
    def Xform "Bush" (kind = "component")
    {
        uniform token model:drawMode = "inherited"
        uniform bool model:applyDrawMode = false
    }
    def Xform "Props" (kind = "group")
    {
        def Xform "Cup" (kind = "component") {}
    }
    def Xform "Loose"
    {
        def Xform "Orphan" (kind = "component")
        {
            uniform token model:drawMode = "cards"
        }
    }
}
def Xform "Plain" (kind = "component")
{
}
`

func openModels(t *testing.T) *Stage {
	t.Helper()
	p := filepath.Join(t.TempDir(), "models.usda")
	if err := os.WriteFile(p, []byte(modelsUSDA), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// A model's parent is a group, up to the root; a component under a plain
// Xform is not a model (UsdPrim::IsModel).
func TestIsModelNeedsGroupAncestors(t *testing.T) {
	st := openModels(t)
	for path, want := range map[string]bool{
		"/Set": true, "/Set/Tree": true, "/Set/Tree/Leaves": false, "/Set/Props/Cup": true,
		"/Set/Loose": false, "/Set/Loose/Orphan": false, "/Plain": true,
	} {
		if got := st.PrimAtPath(path).IsModel(); got != want {
			t.Errorf("%s IsModel = %v, want %v", path, got, want)
		}
	}
	if !st.PrimAtPath("/Set/Props").IsGroup() || st.PrimAtPath("/Set/Tree").IsGroup() {
		t.Error("IsGroup: group kinds only")
	}
}

// ComputeModelDrawMode inherits from ancestor models; "inherited" defers;
// only models' opinions count. DrawModeApplied: components by default,
// model:applyDrawMode when authored.
func TestModelDrawModeInheritanceAndApplication(t *testing.T) {
	st := openModels(t)
	cases := []struct {
		path    string
		mode    string
		applied bool
	}{
		{"/Set", "bounds", false}, // an assembly: not applied without applyDrawMode
		{"/Set/Tree", "bounds", true},
		{"/Set/Rock", "cards", true},
		{"/Set/Bush", "bounds", false},
		{"/Set/Props/Cup", "bounds", true},
		{"/Set/Loose/Orphan", "bounds", false}, // not a model: its own opinion does not count
		{"/Plain", "default", false},
	}
	for _, c := range cases {
		p := st.PrimAtPath(c.path)
		if got := ComputeModelDrawMode(p); got != c.mode {
			t.Errorf("%s draw mode %q, want %q", c.path, got, c.mode)
		}
		if got := DrawModeApplied(p); got != c.applied {
			t.Errorf("%s applied %v, want %v", c.path, got, c.applied)
		}
	}
}

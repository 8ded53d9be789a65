package usd

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"github.com/rgallery/rgallery/usd/pcp"
	"github.com/rgallery/rgallery/usd/sdf"
)

// TestArcToInvalidPrimPathAddsNoNode: a reference or payload whose prim
// path is not an absolute prim path without variant selections, and an
// inherit or specialize whose path is not a prim path without variant
// selections, is an InvalidPrimPath error at the prim and adds no arc
// (primIndex.cpp _EvalRefOrPayloadArcs, _AddClassBasedArcs). usda refuses
// such paths when parsing; a crate layer can hold them. The crate here is
// written from a usda layer whose arcs are then pointed at </A{v=x}B> and
// </A.p>; usd-core 26.11 opened the same crate: InvalidPrimPath at /R (two
// references), /S, /T and /U, and each of them has only its own spec.
func TestArcToInvalidPrimPathAddsNoNode(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src.usda")
	if err := os.WriteFile(src, []byte(`#usda 1.0

def "A" (
    variants = {
        string v = "x"
    }
    variantSets = "v"
)
{
    float p = 1
    variantSet "v" = {
        "x"
        {
            def "B"
            {
            }
        }
    }
}

def "R" (
    references = </A>
)
{
}

def "S" (
    payload = </A>
)
{
}

def "T" (
    inherits = </A>
)
{
}

def "U" (
    specializes = </A>
)
{
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := ReadLayer(src)
	if err != nil {
		t.Fatal(err)
	}
	l.Specs["/R"].Set("references", sdf.ListOp[sdf.Reference]{Prepended: []sdf.Reference{
		{PrimPath: "/A{v=x}B", Offset: sdf.IdentityOffset}, {PrimPath: "/A.p", Offset: sdf.IdentityOffset}}})
	l.Specs["/S"].Set("payload", sdf.ListOp[sdf.Payload]{Prepended: []sdf.Payload{{PrimPath: "/A{v=x}B", Offset: sdf.IdentityOffset}}})
	l.Specs["/T"].Set("inheritPaths", sdf.ListOp[string]{Prepended: []string{"/A{v=x}B"}})
	l.Specs["/U"].Set("specializes", sdf.ListOp[string]{Prepended: []string{"/A.p"}})
	root := filepath.Join(dir, "root.usdc")
	f, err := os.Create(root)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteUsdc(f, l); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range s.Errors() {
		var pe *pcp.Error
		if errors.As(e, &pe) {
			got = append(got, pe.Kind+" "+pe.Site)
		}
	}
	sort.Strings(got)
	want := []string{"InvalidPrimPath /R", "InvalidPrimPath /R", "InvalidPrimPath /S", "InvalidPrimPath /T", "InvalidPrimPath /U"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("errors %q, want %q", got, want)
	}
	for _, p := range []string{"/R", "/S", "/T", "/U"} {
		st := s.PrimAtPath(p).PrimStack()
		if len(st) != 1 || st[0].Path != p {
			t.Errorf("%s: stack %v, want its own spec only", p, st)
		}
	}
}

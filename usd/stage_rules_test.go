package usd

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"github.com/rgallery/rgallery/usd/pcp"
	"github.com/rgallery/rgallery/usd/sdf"
)

// Rules of the stage API (specifier, metadata, property and value
// resolution) pinned with small layers; the expected values are what
// OpenUSD 26.11 (usd-core) gives for the same layers.

// writeLayers writes name -> usda text into a temporary directory and
// opens root.usda.
func writeLayers(t *testing.T, layers map[string]string) *Stage {
	t.Helper()
	dir := t.TempDir()
	for name, text := range layers {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := Open(filepath.Join(dir, "root.usda"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustPrim(t *testing.T, s *Stage, path string) *Prim {
	t.Helper()
	p := s.PrimAtPath(path)
	if p == nil {
		t.Fatalf("no prim %s", path)
	}
	return p
}

// TestSpecifierClassOfDirectInheritIsWeakerThanDef pins
// UsdStage::_GetPrimSpecifierImpl: overs are no opinion, the strongest
// def wins, and a class from a direct inherit (or below one) is weaker
// than any def, while a class reached otherwise (a referenced class, an
// ancestral inherit) wins at once.
func TestSpecifierClassOfDirectInheritIsWeakerThanDef(t *testing.T) {
	s := writeLayers(t, map[string]string{
		"root.usda": `#usda 1.0
class "C" {}
over "A" (references = @other.usda@</B>) {}
over "E" (references = @other.usda@</K>) {}
class "P" {
    class "Q" {}
}
def "S" (inherits = </P>) {
    over "Q" (references = @other.usda@</Dq>) {}
}
def "T" {
    over "Q" (inherits = </P/Q>; references = @other.usda@</Dq>) {}
}
over "U" (inherits = </C>) {}
`,
		"other.usda": `#usda 1.0
class "C" {}
def "B" (inherits = </C>) {}
class "K" {}
def "Dq" {}
`,
	})
	for path, want := range map[string]string{
		"/A":   "def",   // over, class (inherit), def (reference), class
		"/E":   "class", // a referenced class
		"/S":   "def",
		"/S/Q": "class", // class from an ancestral inherit beats the weaker def
		"/T/Q": "def",   // class from a direct inherit loses to the weaker def
		"/U":   "class", // no def at all: the inherited class
	} {
		if got := mustPrim(t, s, path).Specifier(); got != want {
			t.Errorf("%s: specifier %q, want %q", path, got, want)
		}
	}
}

// TestSearchPathAssetResolvesInRootLayerDirectory pins the resolver
// context UsdStage::Open binds (ArDefaultResolver::
// CreateDefaultContextForAsset): a search-path asset ("sub/a.usda", not
// ./ or ../) that is not found next to its anchoring layer is looked up
// in the root layer's directory.
func TestSearchPathAssetResolvesInRootLayerDirectory(t *testing.T) {
	s := writeLayers(t, map[string]string{
		"root.usda":          "#usda 1.0\ndef \"M\" (references = @refs/ref.usda@</R>) {}\n",
		"refs/ref.usda":      "#usda 1.0\ndef \"R\" (references = [@sub/near.usda@</N>, @sub/far.usda@</F>]) {}\n",
		"refs/sub/near.usda": "#usda 1.0\ndef \"N\" { int near = 1; }\n",
		"sub/far.usda":       "#usda 1.0\ndef \"F\" { int far = 2; }\n",
	})
	if errs := s.Errors(); len(errs) > 0 {
		t.Errorf("errors %v, want none", errs)
	}
	m := mustPrim(t, s, "/M")
	for name, want := range map[string]int32{"near": 1, "far": 2} {
		a := m.Attribute(name)
		if a == nil {
			t.Errorf("/M.%s missing", name)
			continue
		}
		if v, _ := a.Get(Default); v != want {
			t.Errorf("/M.%s = %v, want %d", name, v, want)
		}
	}
}

// TestSamplesBracketedAtInverseMappedLayerTime pins how usd-core 26.11
// reads time samples through a layer offset (UsdStage's
// _GetTimeSampleValue, Usd_HeldInterpolator, Usd_LinearInterpolator):
// under offset 11 scale 3 the stage time 14 of the sample at 1 maps back
// to layer time 0.9999999999999996, between the samples at 0 and 1. Held
// values (int, a block above) take the lower sample, arrays of other
// lengths are held too, floats come out as the upper sample, and a
// quaternion is slerped there (negated, as its neighbour points away).
// Without the offset the sample itself is read.
func TestSamplesBracketedAtInverseMappedLayerTime(t *testing.T) {
	s := writeLayers(t, map[string]string{
		"root.usda": `#usda 1.0
def "A" (references = @./ref.usda@</R> (offset = 11; scale = 3)) {}
def "B" (references = @./ref.usda@</R> (offset = 13)) {}
`,
		"ref.usda": `#usda 1.0
def "R" {
    quatd q.timeSamples = { 0: (0.125, 0.1, 0, 0.125), 1: (-2.5, -2.5, 0, -2.5), 10: (100, 0.125, 0, 100) }
    int i.timeSamples = { 0: 0, 1: 5, 10: 10 }
    double k.timeSamples = { 0: 0, 1: None, 10: 10 }
    double m.timeSamples = { 0: None, 1: 3, 10: 10 }
    double d.timeSamples = { 0: 0, 1: 5, 10: 10 }
    double[] da.timeSamples = { 0: [0, 1], 1: [5], 10: [10] }
}
`,
	})
	type want struct {
		v  any
		ok bool
	}
	for _, c := range []struct {
		prim, attr string
		t          float64
		want       want
	}{
		{"/A", "q", 14, want{Quatd{Real: 2.5, Imag: Vec3d{2.5, 0, 2.5}}, true}},
		{"/A", "i", 14, want{int32(0), true}},
		{"/A", "k", 14, want{float64(0), true}},
		{"/A", "m", 14, want{nil, false}},
		{"/A", "d", 14, want{float64(5), true}},
		{"/A", "da", 14, want{[]float64{0, 1}, true}},
		{"/B", "q", 14, want{Quatd{Real: -2.5, Imag: Vec3d{-2.5, 0, -2.5}}, true}},
		{"/B", "i", 14, want{int32(5), true}},
		{"/B", "m", 14, want{float64(3), true}},
	} {
		v, ok := mustPrim(t, s, c.prim).Attribute(c.attr).Get(TimeCode(c.t))
		if ok != c.want.ok || !reflect.DeepEqual(v, c.want.v) {
			t.Errorf("%s.%s at %v = %#v, %v; want %#v, %v", c.prim, c.attr, c.t, v, ok, c.want.v, c.want.ok)
		}
	}
}

// stageErrors lists the stage's composition errors as "Kind <site>",
// once each and sorted, as usd_dump.py prints OpenUSD's.
func stageErrors(s *Stage) []string {
	seen := map[string]bool{}
	var out []string
	for _, err := range s.Errors() {
		var pe *pcp.Error
		if errors.As(err, &pe) {
			l := fmt.Sprintf("%s <%s>", pe.Kind, pe.Site)
			if !seen[l] {
				seen[l] = true
				out = append(out, l)
			}
		}
	}
	sort.Strings(out)
	return out
}

// TestOpinionAtRelocationSourceReportedAtTarget pins
// _EvalNodeRelocations: specs at a relocation's source (in any layer of
// the stack) are an OpinionAtRelocationSource error of the prim at the
// target, also for relocates of a referenced layer stack.
func TestOpinionAtRelocationSourceReportedAtTarget(t *testing.T) {
	s := writeLayers(t, map[string]string{
		"root.usda": `#usda 1.0
(
    subLayers = [@./sub.usda@]
    relocates = {
        </A/src>: </A/moved>
    }
)
def "A" {
    def "src" {
        def "kid" {
        }
    }
}
def "M" (references = @./ref.usda@</R>) {
}
`,
		"sub.usda": `#usda 1.0
over "A" {
    over "src" {
    }
    over "moved" {
        int x = 1
    }
}
`,
		"ref.usda": `#usda 1.0
(
    relocates = {
        </R/a>: </R/b>
    }
)
def "R" {
    def "a" {
    }
    over "b" {
    }
}
`,
	})
	want := []string{"OpinionAtRelocationSource </A/moved>", "OpinionAtRelocationSource </M/b>"}
	if got := stageErrors(s); !reflect.DeepEqual(got, want) {
		t.Errorf("errors %q, want %q", got, want)
	}
}

// TestArcToProhibitedChildReportedAtPrim pins
// _ComposeIsProhibitedPrimChild: a reference to the source of a
// relocation, or to a prim below one, is an ArcToProhibitedChild error of
// the referencing prim; specs at the source reached through a reference
// to the relocation's target are an OpinionAtRelocationSource error of
// the target's subgraph (its root site, the referenced prim).
func TestArcToProhibitedChildReportedAtPrim(t *testing.T) {
	s := writeLayers(t, map[string]string{
		"root.usda": `#usda 1.0
def "M" (references = @./ref.usda@</R/a>) {
}
def "N" (references = @./ref.usda@</R/b>) {
    int x = 1
}
def "P" (references = @./ref.usda@</R/a/c>) {
}
`,
		"ref.usda": `#usda 1.0
(
    relocates = {
        </R/a>: </R/b>
    }
)
def "R" {
    def "a" {
        def "c" {
        }
    }
}
`,
	})
	got := map[string]bool{}
	for _, e := range stageErrors(s) {
		got[e] = true
	}
	for _, e := range []string{"ArcToProhibitedChild </M>", "ArcToProhibitedChild </P>", "OpinionAtRelocationSource </R/b>"} {
		if !got[e] {
			t.Errorf("errors %q lack %q", stageErrors(s), e)
		}
	}
}

// TestOwnedSublayerIsStrongest pins _ApplyOwnedSublayerOrder
// (layerStack.cpp): when the session layer names a sessionOwner and a
// layer has hasOwnedSubLayers, its sublayer whose owner is that session
// owner moves in front of its siblings; two such sublayers are an
// InvalidSublayerOwnership error of the layer stack (site "/"). Variable
// expression errors have no site (Pcp_EvaluateVariableExpression).
func TestOwnedSublayerIsStrongest(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"root.usda":     "#usda 1.0\n(\n    hasOwnedSubLayers = True\n    subLayers = [@./stronger.usda@, @./owned.usda@, @./weaker.usda@]\n)\n",
		"two.usda":      "#usda 1.0\n(\n    hasOwnedSubLayers = True\n    subLayers = [@./stronger.usda@, @./owned.usda@, @./owned2.usda@, @`\"${BAD\"`@]\n)\n",
		"session.usda":  "#usda 1.0\n(\n    sessionOwner = \"foo\"\n)\n",
		"stronger.usda": "#usda 1.0\nover \"Sphere\" {\n    double radius = 999\n}\n",
		"owned.usda":    "#usda 1.0\n(\n    owner = \"foo\"\n)\nover \"Sphere\" {\n    double radius = -1\n}\n",
		"owned2.usda":   "#usda 1.0\n(\n    owner = \"foo\"\n)\n",
		"weaker.usda":   "#usda 1.0\nover \"Sphere\" {\n    double radius = -1000\n}\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	session := WithSessionLayer(filepath.Join(dir, "session.usda"))
	s, err := Open(filepath.Join(dir, "root.usda"), session)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := mustPrim(t, s, "/Sphere").Attribute("radius").Get(Default); v != float64(-1) {
		t.Errorf("radius = %v, want -1 from the owned sublayer", v)
	}
	// Without the session owner the authored order holds.
	s, err = Open(filepath.Join(dir, "root.usda"))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := mustPrim(t, s, "/Sphere").Attribute("radius").Get(Default); v != float64(999) {
		t.Errorf("radius without session = %v, want 999", v)
	}
	s, err = Open(filepath.Join(dir, "two.usda"), session)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"InvalidSublayerOwnership </>", "VariableExpressionError <>"}
	if got := stageErrors(s); !reflect.DeepEqual(got, want) {
		t.Errorf("errors %q, want %q", got, want)
	}
}

// TestNegativeOffsetScaleIsInvalid pins SdfLayerOffset::IsValid as
// usd-core 26.11 applies it: a sublayer, reference or payload offset
// with a negative scale (or a reference's scale of 0) is an InvalidSublayerOffset (site "/") or
// InvalidReferenceOffset (site: the prim) error, and the layer or arc is
// used with no offset at all.
func TestNegativeOffsetScaleIsInvalid(t *testing.T) {
	s := writeLayers(t, map[string]string{
		"root.usda": `#usda 1.0
(
    subLayers = [@./sub.usda@ (offset = 2; scale = -1)]
)
def "A" (references = @./ref.usda@</R> (scale = -2)) {
}
def "B" (references = @./ref.usda@</R> (scale = 0)) {
}
def "C" (payload = @./ref.usda@</R> (scale = -1; offset = 3)) {
}
def "D" (references = @./ref.usda@</R> (offset = 3)) {
}
`,
		"sub.usda": "#usda 1.0\ndef \"S\" {\n    double d.timeSamples = { 0: 0, 10: 10 }\n}\n",
		"ref.usda": "#usda 1.0\ndef \"R\" {\n    double d.timeSamples = { 0: 0, 10: 10 }\n}\n",
	})
	want := []string{"InvalidReferenceOffset </A>", "InvalidReferenceOffset </B>", "InvalidReferenceOffset </C>", "InvalidSublayerOffset </>"}
	if got := stageErrors(s); !reflect.DeepEqual(got, want) {
		t.Errorf("errors %q, want %q", got, want)
	}
	for path, ts := range map[string][]float64{"/S": {0, 10}, "/A": {0, 10}, "/B": {0, 10}, "/C": {0, 10}, "/D": {3, 13}} {
		if got := mustPrim(t, s, path).Attribute("d").TimeSamples(); fmt.Sprint(got) != fmt.Sprint(ts) {
			t.Errorf("%s.d samples at %v, want %v", path, got, ts)
		}
	}
}

// TestInvalidAssetPathSitedAtSubgraphRoot pins the root site of errors
// found on a sub-root arc's target (node.GetRootNode().GetSite() in
// _EvalRefOrPayloadArcs): Pcp indexes the target in a subgraph of its
// own, so a missing asset referenced there is reported at the target's
// path in its layer stack, not at the referencing prim.
func TestInvalidAssetPathSitedAtSubgraphRoot(t *testing.T) {
	s := writeLayers(t, map[string]string{
		"root.usda": `#usda 1.0
def "A" (references = @./ref.usda@</R/c>) {
}
def "B" (references = @./missing.usda@</X>) {
}
`,
		"ref.usda": `#usda 1.0
def "R" {
    def "c" (references = @./missing.usda@</X>) {
    }
}
`,
	})
	want := []string{"InvalidAssetPath </B>", "InvalidAssetPath </R/c>"}
	if got := stageErrors(s); !reflect.DeepEqual(got, want) {
		t.Errorf("errors %q, want %q", got, want)
	}
}

// TestInvalidRelocatesAreReportedAndIgnored pins
// Pcp_ComputeRelocationsForLayerStack: a relocate invalid on its own
// (a root prim source, a target below its source) is an
// InvalidAuthoredRelocation, several sources for one target one
// InvalidSameTargetRelocations (with no site), a chain (a target that is
// another's source) InvalidConflictingRelocation; all of them are
// ignored, so the sources stay where they are. Errors of a referenced
// layer stack are reported too.
func TestInvalidRelocatesAreReportedAndIgnored(t *testing.T) {
	s := writeLayers(t, map[string]string{
		"root.usda": `#usda 1.0
(
    relocates = {
        </A/a>: </A/t>,
        </A/b>: </A/t>,
        </A/c>: </A/d>,
        </A/d>: </A/e>,
        </B>: </C/x>,
        </A/f>: </A/f/g>
    }
)
def "A" {
    def "a" {
    }
    def "b" {
    }
    def "c" {
    }
    def "d" {
    }
    def "f" {
    }
}
def "B" {
}
def "C" {
}
def "M" (references = @./ref.usda@</R>) {
}
`,
		"ref.usda": `#usda 1.0
(
    relocates = {
        </R/a>: </R/t>,
        </R/b>: </R/t>
    }
)
def "R" {
    def "a" {
    }
    def "b" {
    }
}
`,
	})
	want := []string{"InvalidAuthoredRelocation </>", "InvalidConflictingRelocation </>", "InvalidSameTargetRelocations <>"}
	if got := stageErrors(s); !reflect.DeepEqual(got, want) {
		t.Errorf("errors %q, want %q", got, want)
	}
	var names []string
	for _, c := range mustPrim(t, s, "/A").Children() {
		names = append(names, c.Name())
	}
	if got := fmt.Sprint(names); got != "[a b c d f]" {
		t.Errorf("/A children %s, want [a b c d f]", got)
	}
	names = nil
	for _, c := range mustPrim(t, s, "/M").Children() {
		names = append(names, c.Name())
	}
	if got := fmt.Sprint(names); got != "[a b]" {
		t.Errorf("/M children %s, want [a b]", got)
	}
}

// TestSearchPathInPackageAnchorsToPackageRootLayer pins
// SdfComputeAssetPathRelativeToLayer for packaged layers: a search-path
// asset not found next to its anchoring layer is anchored to the
// package's root layer (search_refs/root.usd in search_refs_sub.usdz),
// also inside a nested package.
func TestSearchPathInPackageAnchorsToPackageRootLayer(t *testing.T) {
	dir := filepath.Join(sharedDir(t), "usd-corpus", "dev", "usdz-ousd-fileformat")
	for _, f := range []string{"search_refs_sub.usdz", "nested_search_refs_sub.usdz"} {
		s, err := Open(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if errs := s.Errors(); len(errs) > 0 {
			t.Errorf("%s: errors %v", f, errs)
		}
		a := mustPrim(t, s, "/Model").Attribute("attr_in_root")
		if a == nil {
			t.Errorf("%s: /Model.attr_in_root missing", f)
			continue
		}
		if v, _ := a.Get(Default); v != "attr_in_root" {
			t.Errorf("%s: attr_in_root = %v", f, v)
		}
	}
}

// TestTypeNameSkipsAnyType pins UsdStage's _ComposeTypeName: an empty
// type name or "__AnyType__" is no opinion, so a weaker arc's type wins.
func TestTypeNameSkipsAnyType(t *testing.T) {
	s := writeLayers(t, map[string]string{
		"root.usda": "#usda 1.0\ndef __AnyType__ \"Model\" (\n    add references = @./geo.usda@</Model>\n)\n{\n}\n",
		"geo.usda":  "#usda 1.0\ndef Xform \"Model\" {\n}\n",
	})
	if got := mustPrim(t, s, "/Model").TypeName(); got != "Xform" {
		t.Errorf("type %q, want Xform", got)
	}
}

// TestSpecializesPropagatedIntoDirectArcKeepsItsOffset pins
// _PropagateNodeToParent with _FindMatchingChild: /P specializes /S
// itself and through a reference with an offset; Pcp runs specializes
// tasks after every other arc, so the copy moved to the root merges into
// the node of /P's own arc, which contributes with its own (identity)
// offset. usd-core 26.11: samples at 0 and 1, a(10) = 2.
func TestSpecializesPropagatedIntoDirectArcKeepsItsOffset(t *testing.T) {
	s := writeLayers(t, map[string]string{
		"root.usda": `#usda 1.0
def "P" (
    references = </R> (offset = 10; scale = 2)
    specializes = </S>
)
{
}
def "R" (
    specializes = </S>
)
{
}
def "S"
{
    double a.timeSamples = { 0: 1, 1: 2 }
}
`})
	a := mustPrim(t, s, "/P").Attribute("a")
	if got, want := a.TimeSamples(), []TimeCode{0, 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("time samples %v, want %v", got, want)
	}
	if v, _ := a.Get(10); v != 2.0 {
		t.Errorf("a(10) = %v, want 2", v)
	}
	var st []string
	for _, site := range mustPrim(t, s, "/P").PrimStack() {
		st = append(st, site.Path)
	}
	if want := []string{"/P", "/R", "/S"}; !reflect.DeepEqual(st, want) {
		t.Errorf("prim stack %v, want %v", st, want)
	}
}

// TestInstanceKeyHasArcTimeOffsets pins PcpInstanceKey: instances share a
// prototype only when their instancing arcs agree in type, site and time
// offset to the root, and their variant selections agree. /Scaled
// references the same prim as /Plain and /Plain2 with another offset, so
// it has a prototype of its own (usd-core 26.11: two prototypes).
func TestInstanceKeyHasArcTimeOffsets(t *testing.T) {
	s := writeLayers(t, map[string]string{
		"root.usda": `#usda 1.0
def "Plain" (instanceable = true
    references = @./asset.usda@</Asset>) {}
def "Plain2" (instanceable = true
    references = @./asset.usda@</Asset>) {}
def "Scaled" (instanceable = true
    references = @./asset.usda@</Asset> (scale = 2)) {}
def "Shaded" (instanceable = true
    variants = {string shade = "red"}
    references = @./asset.usda@</Asset>) {}
`,
		"asset.usda": `#usda 1.0
def "Asset"
{
    def "x"
    {
    }
}
`,
	})
	var groups []string
	for _, insts := range s.Instances() {
		var ps []string
		for _, q := range insts {
			ps = append(ps, q.Path())
		}
		sort.Strings(ps)
		groups = append(groups, fmt.Sprint(ps))
	}
	sort.Strings(groups)
	want := []string{"[/Plain /Plain2]", "[/Scaled]", "[/Shaded]"}
	if !reflect.DeepEqual(groups, want) {
		t.Errorf("prototypes %v, want %v", groups, want)
	}
}

// TestProxyVariantSetsFromWholeIndexOfInstanceableNonInstance pins
// UsdVariantSets::GetNames on an instance proxy: every node of the prim
// index of the prim below the prototype's source counts, inert ones too.
// /B/x is instanceable (asset.usda says so) but not an instance itself
// (all its arcs are ancestral: Pcp_PrimIndexIsInstanceable), so it is
// an ordinary proxy of /B's prototype and its local, inert opinion names
// the set lod (usd-core 26.11: ['lod']).
func TestProxyVariantSetsFromWholeIndexOfInstanceableNonInstance(t *testing.T) {
	s := writeLayers(t, map[string]string{
		"root.usda": `#usda 1.0
def "B" (instanceable = true
    references = @./asset.usda@</Asset>)
{
    over "x" (prepend variantSets = "lod")
    {
    }
}
`,
		"asset.usda": `#usda 1.0
def "Asset"
{
    def "x" (instanceable = true)
    {
    }
}
`,
	})
	if got := mustPrim(t, s, "/B/x").VariantSetNames(); !reflect.DeepEqual(got, []string{"lod"}) {
		t.Errorf("variant sets of /B/x %v, want [lod]", got)
	}
}

// TestPrototypeSourceIsFirstRegisteredInstance pins Usd_InstanceCache's
// choice of a prototype's source (the first instance index registered,
// _CreateOrUpdatePrototypeForInstances) in the order a single worker
// thread composes the stage (PcpCache::ComputePrimIndexesInParallel with
// PXR_WORK_THREAD_LIMIT=1: a prim, then its children's subtrees last child
// first): /Plain2, the last root prim, is the source of /Plain's and
// /Plain2's prototype. Every proxy reads the prim below the source, so
// /Plain/x lists the variant sets of /Plain2/x's whole index: lod, not
// the local set /Plain authors (usd-core 26.11: ['lod'] for both).
func TestPrototypeSourceIsFirstRegisteredInstance(t *testing.T) {
	s := writeLayers(t, map[string]string{
		"root.usda": `#usda 1.0
def "Plain" (instanceable = true
    references = @./asset.usda@</Asset>)
{
    over "x" (prepend variantSets = "local")
    {
    }
}
def "Plain2" (instanceable = true
    references = @./asset.usda@</Asset>)
{
}
`,
		"asset.usda": `#usda 1.0
def "Asset"
{
    def "x" (variantSets = "lod")
    {
        variantSet "lod" = {
            "hi"
            {
            }
        }
    }
}
`,
	})
	if got := mustPrim(t, s, "/Plain").Prototype(); got == nil || got.Path() != "/Plain2" {
		name := "none"
		if got != nil {
			name = got.Path()
		}
		t.Errorf("prototype source of /Plain %s, want /Plain2", name)
	}
	for _, p := range []string{"/Plain/x", "/Plain2/x"} {
		if got := mustPrim(t, s, p).VariantSetNames(); !reflect.DeepEqual(got, []string{"lod"}) {
			t.Errorf("variant sets of %s %v, want [lod]", p, got)
		}
	}
}

// TestProxyPathExpressionMapsToItsInstance: a path expression read through
// an instance proxy comes from the prototype's source instance and is
// mapped to the proxy's own instance, as relationship targets are
// (UsdStage::_MakeResolvedPathExpressions with the prim's
// _ProtoToInstancePathMap). Ours gave every proxy the source instance's
// paths (OpenUSD's testUsdInstanceProxy/nested). Checked with usd-core 26.11.
func TestProxyPathExpressionMapsToItsInstance(t *testing.T) {
	s := writeLayers(t, map[string]string{
		"root.usda": `#usda 1.0
def "W" {
    def "I1" (instanceable = true; references = @prop.usda@</Prop>) {}
    def "I2" (instanceable = true; references = @prop.usda@</Prop>) {}
}
`,
		"prop.usda": `#usda 1.0
def "Prop" {
    def "geom" {
        pathExpression e = "//foo ../anim//*bar"
        pathExpression[] es = ["../anim", "/Prop/x"]
    }
    def "anim" {}
}
`,
	})
	for _, inst := range []string{"/W/I1", "/W/I2"} {
		a := mustPrim(t, s, inst+"/geom").Attribute("e")
		v, ok := a.Get(Default)
		want := sdf.PathExpression("//foo " + inst + "/anim//*bar")
		if !ok || v != want {
			t.Errorf("%s/geom.e = %v (%v), want %q", inst, v, ok, want)
		}
		v, _ = mustPrim(t, s, inst+"/geom").Attribute("es").Get(Default)
		wantArr := []sdf.PathExpression{sdf.PathExpression(inst + "/anim"), sdf.PathExpression(inst + "/x")}
		if got, _ := v.([]sdf.PathExpression); len(got) != 2 || got[0] != wantArr[0] || got[1] != wantArr[1] {
			t.Errorf("%s/geom.es = %v, want %v", inst, v, wantArr)
		}
	}
}

package usdscene

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/rgallery/rgallery/render"
)

// placed lists the world positions (the transforms' translations) of the
// instances whose mesh name ends in suffix, sorted.
func placed(s *render.Scene, suffix string) []string {
	var out []string
	for _, in := range s.Instances {
		if strings.HasSuffix(s.Meshes[in.Mesh].Name, suffix) {
			m := in.Transform
			out = append(out, fmt.Sprintf("(%g,%g,%g)", m[3][0], m[3][1], m[3][2]))
		}
	}
	sort.Strings(out)
	return out
}

// The instance counts OpenUSD gives (ComputeInstanceTransformsAtTime on
// each instancer, checked with usd-core): each rule of nested.usda.
func TestNestedInstancing(t *testing.T) {
	res := loadScene(t, "testdata/instancing/nested.usda")
	s := res.Scene
	cases := []struct {
		rule, suffix string
		want         []string
	}{
		// Outer (2) × Inner (3, id 1 invisible): 4 boxes.
		{"PointInstancer in a PointInstancer's prototype", "/Inner/Protos/Box", []string{"(0,0,0)", "(10,0,0)", "(12,0,0)", "(2,0,0)"}},
		// The prototype is a native instance; ids 7, 8, 9 with 9 invisible.
		{"native instance as a prototype, invisibleIds by ids", "/RockRef/Geo", []string{"(0,4,0)", "(1,4,0)"}},
		// Two native instances of a PointInstancer of 2 blades.
		{"PointInstancer inside native instances", "/Scatter/Protos/Blade", []string{"(0,8,0)", "(0,9,0)", "(3,8,0)", "(3,9,0)"}},
		// The prototype root is itself a PointInstancer: 3 rows × 2 dots.
		{"PointInstancer as a prototype", "/Row/Protos/Dot", []string{"(0,12,0)", "(0,13,0)", "(0,14,0)", "(2,12,0)", "(2,13,0)", "(2,14,0)"}},
		// Render purpose drawn; proxy and guide not (a final render).
		{"render purpose", "/Purposes/RenderGeo", []string{"(10,8,0)"}},
		{"proxy purpose", "/Purposes/ProxyGeo", nil},
		{"guide purpose", "/Purposes/GuideGeo", nil},
		// Visibility at startTimeCode 10: visible from 5, invisible from 8.
		{"animated visibility, visible at the render time", "/World/Blink", []string{"(10,12,0)"}},
		{"animated visibility, invisible at the render time", "/World/Hide", nil},
	}
	for _, c := range cases {
		if got := placed(s, c.suffix); !slices.Equal(got, c.want) {
			t.Errorf("%s: instances of *%s at %v, want %v", c.rule, c.suffix, got, c.want)
		}
	}
	// The PointInstancer inside two native instances of one asset converts
	// its prototype once; FieldB binds its own material, so its blades are
	// a shallow copy with that material.
	blades := map[int]int{} // mesh → instances
	for _, in := range s.Instances {
		if strings.HasSuffix(s.Meshes[in.Mesh].Name, "/Blade") {
			blades[in.Mesh]++
		}
	}
	if len(blades) != 2 {
		t.Errorf("blade meshes %v, want 2 (FieldA's, FieldB's copy)", blades)
	}
	mats := map[string]bool{}
	for mi := range blades {
		m := s.Meshes[mi]
		mats[fmt.Sprint(m.Material)] = true
		if !strings.HasPrefix(m.Name, "/World/FieldA/") {
			t.Errorf("blade mesh %s not converted once from the first instance", m.Name)
		}
	}
	if len(mats) != 2 {
		t.Errorf("blade materials %v, want FieldA's and FieldB's", mats)
	}
	if *writeCurvesPNG {
		renderScene(t, res, "testdata/instancing/nested.usda", 16)
	}
}

// Instancers nested too deep (a prototype holding its own instancer)
// stop with a warning instead of recursing forever.
func TestSelfNestedInstancerStops(t *testing.T) {
	res := loadScene(t, writeTemp(t, `#usda 1.0
def PointInstancer "PI"
{
    rel prototypes = [</PI/Protos/P>]
    int[] protoIndices = [0, 0]
    point3f[] positions = [(0, 0, 0), (1, 0, 0)]
    def Scope "Protos"
    {
        def Xform "P"
        {
            def Cube "C" {}
            def PointInstancer "Again"
            {
                rel prototypes = [</PI/Protos/P>]
                int[] protoIndices = [0]
                point3f[] positions = [(0, 1, 0)]
            }
        }
    }
}
`))
	if !hasWarning(res.Warnings, "nested deeper than") {
		t.Errorf("no depth warning: %q", res.Warnings)
	}
	// Level k has 2·1^k cubes up to the depth limit.
	if n := len(placed(res.Scene, "/P/C")); n != 2*maxInstancerDepth {
		t.Errorf("%d cubes, want %d", n, 2*maxInstancerDepth)
	}
}

// Draw modes: cards (cross: one quad per axis; box: six), bounds (12
// edge tubes of the extentsHint box, not the geometry), origin (nothing),
// and a component without a draw mode keeps its geometry.
func TestModelDrawModes(t *testing.T) {
	res := loadScene(t, "testdata/instancing/drawmode.usda")
	s := res.Scene
	tris := map[string]int{}
	for _, in := range s.Instances {
		tris[s.Meshes[in.Mesh].Name] += s.Meshes[in.Mesh].NumTriangles()
	}
	want := map[string]int{
		"/Set/Tree":       3 * 2,
		"/Set/Crate":      6 * 2,
		"/Set/Rock":       12 * (6*2 + 2*4),
		"/Set/Plain/Ball": tris["/Set/Plain/Ball"],
	}
	for name, n := range want {
		if tris[name] != n || n == 0 {
			t.Errorf("%s: %d triangles, want %d", name, tris[name], n)
		}
	}
	for _, gone := range []string{"/Set/Tree/Trunk", "/Set/Crate/Ball", "/Set/Rock/Hidden", "/Set/Marker/Hidden", "/Set/Marker"} {
		if tris[gone] != 0 {
			t.Errorf("%s drawn (%d triangles); its model's draw mode replaces it", gone, tris[gone])
		}
	}
	// The cross cards span the trunk's box (size 2) through its centre.
	m := meshNamed(t, s, "/Set/Tree")
	lo, hi := bounds(m)
	if lo != (render.Vec3{X: -1, Y: -1, Z: -1}) || hi != (render.Vec3{X: 1, Y: 1, Z: 1}) {
		t.Errorf("cards box %v %v, want ±1", lo, hi)
	}
	if !closeTo(m.Color[0], render.Vec3{X: 0.2, Y: 0.6, Z: 0.2}, 1e-7) {
		t.Errorf("card colour %v, want model:drawModeColor", m.Color[0])
	}
	// Bounds from extentsHint (±1), not the radius-5 sphere.
	lo, hi = bounds(meshNamed(t, s, "/Set/Rock"))
	if lo.X > -1 || lo.X < -1.02 || hi.Z < 1 || hi.Z > 1.02 {
		t.Errorf("bounds box %v %v, want ±1 grown by the edge radius", lo, hi)
	}
	if !hasWarning(res.Warnings, "model:drawMode origin are not drawn") {
		t.Errorf("no warning for the origin draw mode: %q", res.Warnings)
	}
	if *writeCurvesPNG {
		renderScene(t, res, "testdata/instancing/drawmode.usda", 16)
	}
}

func writeTemp(t *testing.T, usda string) string {
	t.Helper()
	p := t.TempDir() + "/scene.usda"
	if err := writeFile(p, usda); err != nil {
		t.Fatal(err)
	}
	return p
}

func writeFile(p, s string) error { return os.WriteFile(p, []byte(s), 0o644) }

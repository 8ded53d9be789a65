package usd

import (
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rgallery/rgallery/usd/internal/usda"
	"github.com/rgallery/rgallery/usd/sdf"
)

func openTestdata(t *testing.T, name string) *Stage {
	t.Helper()
	s, err := Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestTimeOffsetsAndInterpolation(t *testing.T) {
	s := openTestdata(t, "resolve_root.usda")
	ball := s.PrimAtPath("/World/Ball")
	r := ball.Attribute("radius")
	// Reference offset 10, scale 2: stage time = layer time * 2 + 10.
	for _, c := range []struct{ t, want float64 }{{10, 0}, {30, 100}, {20, 50}, {0, 0}, {100, 100}} {
		got, ok := r.Float(TimeCode(c.t))
		if !ok || math.Abs(got-c.want) > 1e-9 {
			t.Errorf("radius at %v = %v, %v; want %v", c.t, got, ok, c.want)
		}
	}
	if ts := r.TimeSamples(); len(ts) != 2 || ts[0] != 10 || ts[1] != 30 {
		t.Errorf("radius samples at %v, want [10 30]", ts)
	}
	// Ints are held, not interpolated.
	if v, _ := ball.Attribute("count").Get(TimeCode(29)); v != int32(1) {
		t.Errorf("count at 29 = %#v, want held 1", v)
	}
	// No default authored: Default gives the schema fallback.
	if v, _ := r.Float(Default); v != 1 {
		t.Errorf("radius at Default = %v, want the fallback 1", v)
	}
	// Sublayer offset 5: samples at layer 0 and 2 land on 5 and 7.
	h := s.PrimAtPath("/World/Blocked").Attribute("height")
	if v, _ := h.Float(6); v != 2 {
		t.Errorf("height at 6 = %v, want 2", v)
	}
	// A blocked default has no value at the default time (the "default"
	// field composes as metadata and stops at the block) and falls back
	// to the schema at a numeric time (usd-core 26.11: None, then 1.0).
	if v, ok := s.PrimAtPath("/World/Blocked").Attribute("radius").Float(Default); ok {
		t.Errorf("blocked radius at Default = %v, want no value", v)
	}
	if v, ok := s.PrimAtPath("/World/Blocked").Attribute("radius").Float(1); !ok || v != 1 {
		t.Errorf("blocked radius at 1 = %v %v, want fallback 1", v, ok)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestTransforms(t *testing.T) {
	s := openTestdata(t, "resolve_root.usda")
	child := s.PrimAtPath("/World/Parent/Child")
	// Child at (1,0,0) in the parent: scaled by 2 -> (2,0,0), rotated 90
	// degrees about Z -> (0,2,0), translated -> (10,2,0).
	p := TransformPoint(child.LocalToWorld(Default), Vec3d{0, 0, 0})
	if !near(p[0], 10) || !near(p[1], 2) || !near(p[2], 0) {
		t.Errorf("child origin in world = %v, want (10, 2, 0)", p)
	}
	reset := s.PrimAtPath("/World/Parent/Reset")
	m, resets := reset.LocalTransform(Default)
	if !resets {
		t.Error("Reset does not report resetXformStack")
	}
	p = TransformPoint(reset.LocalToWorld(Default), Vec3d{0, 0, 0})
	if !near(p[0], 1) || !near(p[1], 0) {
		t.Errorf("reset origin in world = %v (local %v), want (1, 0, 0)", p, m)
	}
}

func TestPrimvarsAndMesh(t *testing.T) {
	s := openTestdata(t, "resolve_root.usda")
	q := s.PrimAtPath("/World/Quad")
	pv, ok := q.Primvar("st", Default)
	if !ok || pv.Interpolation != "faceVarying" || len(pv.Indices) != 4 {
		t.Fatalf("primvar st = %+v", pv)
	}
	flat, _ := pv.Flatten().([]Vec2f)
	if len(flat) != 4 || flat[1] != (Vec2f{1, 1}) || flat[3] != (Vec2f{0, 0}) {
		t.Errorf("flattened st = %v", flat)
	}
	m, ok := q.Mesh(Default)
	if !ok || len(m.Points) != 4 || m.SubdivisionScheme != "catmullClark" || m.Orientation != "rightHanded" {
		t.Errorf("mesh = %+v", m)
	}
}

func TestMaterials(t *testing.T) {
	s := openTestdata(t, "resolve_root.usda")
	mat := ComputeBoundMaterial(s.PrimAtPath("/World/Quad"))
	if mat == nil || mat.Path() != "/World/Looks/Red" {
		t.Fatalf("Quad bound to %v", mat)
	}
	// The ancestor's strongerThanDescendants binding wins over the child's.
	inner, rel := ComputeBoundMaterialFor(s.PrimAtPath("/World/Group/Inner"), "full")
	if rel == nil || rel.Prim().Path() != "/World/Group" {
		t.Errorf("winning binding %v", rel)
	}
	if inner == nil || inner.Path() != "/World/Looks/Blue" {
		t.Errorf("Inner bound to %v, want Blue", inner)
	}
	surf, out := mat.MaterialSurface("")
	if surf == nil || surf.Path() != "/World/Looks/Red/Surface" || out != "surface" {
		t.Fatalf("surface = %v %q", surf, out)
	}
	if v, src, _ := surf.ShaderInput("diffuseColor"); src != nil || v != (Vec3f{1, 0, 0}) {
		t.Errorf("diffuseColor through the material interface = %v, %v", v, src)
	}
	if _, src, o := surf.ShaderInput("roughness"); src == nil || src.Path() != "/World/Looks/Red/Tex" || o != "r" {
		t.Errorf("roughness source = %v %q", src, o)
	}
	if v, _, _ := surf.ShaderInput("ior"); v != float32(1.5) {
		t.Errorf("unauthored ior = %v, want the UsdPreviewSurface default 1.5", v)
	}
	tex := s.PrimAtPath("/World/Looks/Red/Tex")
	a, _ := tex.Attribute("inputs:file").Asset(Default)
	if a.Authored != "textures/red.png" || !strings.HasSuffix(a.Resolved, "") {
		t.Errorf("asset = %+v", a)
	}
}

func TestCompositionErrors(t *testing.T) {
	s := openTestdata(t, "cycle_a.usda")
	found := false
	for _, err := range s.Errors() {
		if strings.Contains(err.Error(), "cycle") {
			found = true
		}
	}
	if !found {
		t.Errorf("no cycle error, got %v", s.Errors())
	}
	s = openTestdata(t, "missing_ref.usda")
	if len(s.Errors()) != 1 || !errors.Is(s.Errors()[0], ErrNotFound) || !strings.Contains(s.Errors()[0].Error(), "does_not_exist.usda") {
		t.Errorf("missing reference errors = %v", s.Errors())
	}
	deps := s.DepReport()
	if len(deps) != 2 || !deps[1].Missing {
		t.Errorf("deps = %+v", deps)
	}
}

func TestBadInput(t *testing.T) {
	_, err := Open(filepath.Join("testdata", "syntax_error.usda"))
	var se *usda.SyntaxError
	if !errors.As(err, &se) || se.Line != 6 {
		t.Errorf("syntax error = %v, want line 6", err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Wrong magic.
	if _, err := Open(write("bad.usdc", []byte("PXR-USDX and more bytes that do not matter at all, really none"))); err == nil {
		t.Error("bad magic opened")
	}
	// A real crate file, truncated at every length: errors, never panics.
	src, err := os.ReadFile(filepath.Join(sharedDir(t), "usd-corpus", "dev", "usdc-aousd-generated-0.10-0.12", "gen_vec3f.usdc"))
	if err != nil {
		t.Skip(err)
	}
	for n := 0; n < len(src); n += 7 {
		p := write("trunc.usdc", src[:n])
		if s, err := Open(p); err == nil {
			for prim := range s.TraverseAll() {
				for _, a := range prim.Attributes() {
					a.Get(Default)
				}
			}
		}
	}
	// A table of contents past the end of the file.
	bad := append([]byte(nil), src...)
	bad[16], bad[17], bad[18], bad[19] = 0xff, 0xff, 0xff, 0x7f
	if _, err := Open(write("toc.usdc", bad)); err == nil || !strings.Contains(err.Error(), "table of contents") {
		t.Errorf("toc past end: %v", err)
	}
}

// TestValueResolutionCorpus: the value-resolution assets of the corpus
// (time samples, defaults, a basic value clip), as usda and crate.
func TestValueResolutionCorpus(t *testing.T) {
	dir := filepath.Join(sharedDir(t), "usd-corpus", "dev", "valueres-aousd-clips-timesamples")
	for _, f := range []string{"timesamples/entry.usd", "timesamples/usda/entry.usda"} {
		s, err := Open(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		a := s.PrimAtPath("/Root").Attribute("root")
		for _, c := range []struct{ t, want float64 }{{0, 5}, {1, 5}, {15.5, 7.5}, {35, 12.5}, {40, 15}, {100, 15}} {
			if v, ok := a.Float(TimeCode(c.t)); !ok || math.Abs(v-c.want) > 1e-6 {
				t.Errorf("%s: root at %v = %v, want %v", f, c.t, v, c.want)
			}
		}
		if _, ok := a.Get(Default); ok {
			t.Errorf("%s: root has a default", f)
		}
	}
	for _, f := range []string{"default/entry.usd"} {
		s, err := Open(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		a := s.PrimAtPath("/Root").Attribute("root")
		if v, _ := a.Float(Default); v != 2 {
			t.Errorf("%s: default = %v, want 2", f, v)
		}
		if v, _ := a.Float(30); v != 10 {
			t.Errorf("%s: at 30 = %v, want 10 (samples win over the default)", f, v)
		}
	}
	s, err := Open(filepath.Join(dir, "clip_basic", "entry.usd"))
	if err != nil {
		t.Fatal(err)
	}
	a := s.PrimAtPath("/Model").Attribute("size")
	// The clip (values equal time) is stronger than the reference (negative values).
	if v, _ := a.Float(12); math.Abs(v-12) > 1e-6 {
		t.Errorf("clip value at 12 = %v, want 12", v)
	}
	if v, _ := a.Float(Default); v != 1 {
		t.Errorf("size default = %v, want 1 from the reference", v)
	}
}

func TestVisibilityPurposeInstancer(t *testing.T) {
	s := openTestdata(t, "resolve_root.usda")
	in := s.PrimAtPath("/Hidden/Inside")
	if in.Visibility(Default) != "invisible" || in.Purpose() != "guide" {
		t.Errorf("Inside: visibility %q purpose %q", in.Visibility(Default), in.Purpose())
	}
	if b := s.PrimAtPath("/World/Ball"); b.Visibility(Default) != "inherited" || b.Purpose() != "default" {
		t.Errorf("Ball: visibility %q purpose %q", b.Visibility(Default), b.Purpose())
	}
	pi := s.PrimAtPath("/Instancer").PointInstancer(Default)
	if len(pi.Prototypes) != 1 || pi.Prototypes[0] != "/Instancer/Protos/Ball" || len(pi.Positions) != 2 || len(pi.ProtoIndices) != 2 {
		t.Errorf("instancer = %+v", pi)
	}
	if !s.PrimAtPath("/Instancer/Protos/Ball").InPointInstancerPrototypes() || s.PrimAtPath("/World/Ball").InPointInstancerPrototypes() {
		t.Error("InPointInstancerPrototypes wrong")
	}
}

// TestConcurrentReads reads one stage from many goroutines (run with -race).
func TestConcurrentReads(t *testing.T) {
	s := openTestdata(t, "resolve_root.usda")
	done := make(chan bool)
	for g := 0; g < 8; g++ {
		go func() {
			for prim := range s.Traverse() {
				for _, a := range prim.Attributes() {
					a.Get(TimeCode(12))
				}
				prim.PropertyNames()
				prim.LocalToWorld(Default)
				if prim.IsInstance() {
					prim.Prototype()
				}
			}
			done <- true
		}()
	}
	for g := 0; g < 8; g++ {
		<-done
	}
}

func TestMissingAttributeIsSafe(t *testing.T) {
	s := openTestdata(t, "resolve_root.usda")
	p := s.PrimAtPath("/World/Parent")
	a := p.Attribute("nope")
	if a != nil {
		t.Fatal("missing attribute is not nil")
	}
	if _, ok := a.Float(Default); ok || a.TypeName() != "" || a.Connections() != nil {
		t.Error("nil attribute reports a value")
	}
	if p.Relationship("nope").Targets() != nil {
		t.Error("nil relationship has targets")
	}
	if m, ok := p.Mesh(Default); ok || m.Points != nil {
		t.Error("Mesh on an Xform reports points")
	}
}

// TestCompositionPuzzles: the answers the usd-wg puzzles' READMEs walk to.
func TestCompositionPuzzles(t *testing.T) {
	dir := filepath.Join(sharedDir(t), "usd-corpus", "dev", "comp-wg-CompositionPuzzles")
	for _, c := range []struct {
		file string
		want float64
	}{
		{"VariantSetAndLocal1/puzzle_1.usda", 1}, // local beats the variant in one layer
		{"VariantSetAndLocal2/puzzle_2.usda", 1}, // ... and across sublayers of one stack
		{"VariantSetAndLocal3/puzzle_3.usda", 2}, // the variant beats the referenced default
	} {
		s, err := Open(filepath.Join(dir, c.file))
		if err != nil {
			t.Fatal(err)
		}
		sp := s.PrimAtPath("/World/Sphere")
		if v, _ := sp.Attribute("radius").Float(Default); v != c.want {
			t.Errorf("%s: radius %v, want %v", c.file, v, c.want)
		}
		if vs := sp.VariantSets(); len(vs["size"]) != 3 || vs["size"][2] != "small" || sp.VariantSelections()["size"] != "small" {
			t.Errorf("%s: variant sets %v, selections %v", c.file, vs, sp.VariantSelections())
		}
	}
}

// TestStageCompositionAssets: the usd-wg foundation assets anchor
// sublayers, references and payloads in the same, a child and a parent
// folder: each shows one cube; the invalid ones report the missing file.
func TestStageCompositionAssets(t *testing.T) {
	dir := filepath.Join(sharedDir(t), "usd-corpus", "dev", "comp-wg-foundation-stage_composition")
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.usda"))
	n := 0
	for _, f := range files {
		if strings.HasPrefix(filepath.Base(f), "_") {
			continue
		}
		s, err := Open(f)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		cubes := 0
		for p := range s.Traverse() {
			if p.TypeName() == "Cube" {
				cubes++
			}
		}
		// reference_prim_in_same_file refers to </World/cube>, which is
		// not there (the prim is "Cube"): OpenUSD reports
		// UnresolvedPrimPath for it too.
		invalid := strings.Contains(f, "invalid") || strings.Contains(f, "in_other_file") || strings.Contains(f, "in_same_file")
		if cubes != 1 || invalid != (len(s.Errors()) > 0) {
			t.Errorf("%s: %d cubes, errors %v", f, cubes, s.Errors())
		}
		n++
	}
	if n < 10 {
		t.Errorf("only %d assets", n)
	}
	s, err := Open(filepath.Join(dir, "active.usda"))
	if err != nil {
		t.Fatal(err)
	}
	var active []string
	for p := range s.Traverse() {
		if p.TypeName() == "Cube" {
			active = append(active, p.Name())
		}
	}
	if len(active) != 1 {
		t.Errorf("active cubes %v, want one", active)
	}
}

// memResolver serves layers from memory, by base name.
type memResolver map[string]string

func (m memResolver) Resolve(asset, anchor string) (string, error) {
	name := filepath.Base(asset)
	if _, ok := m[name]; !ok {
		return "", ErrNotFound
	}
	return "mem:" + name, nil
}

func (m memResolver) Open(resolved string) (io.ReadCloser, error) {
	return io.NopCloser(strings.NewReader(m[strings.TrimPrefix(resolved, "mem:")])), nil
}

func TestCustomResolver(t *testing.T) {
	res := memResolver{
		"shot.usda":  "#usda 1.0\ndef \"A\" (references = @asset.usda@</B>) {}\n",
		"asset.usda": "#usda 1.0\ndef Sphere \"B\" { double radius = 3; }\n",
	}
	s, err := Open("shot.usda", WithResolver(res))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := s.PrimAtPath("/A").Attribute("radius").Float(Default); v != 3 || s.PrimAtPath("/A").TypeName() != "Sphere" {
		t.Errorf("radius through the custom resolver = %v", v)
	}
	if deps := s.Deps(); len(deps) != 2 || deps[0] != "mem:asset.usda" || deps[1] != "mem:shot.usda" {
		t.Errorf("deps %v", deps)
	}
}

func TestInstancing(t *testing.T) {
	s := openTestdata(t, "instancing.usda")
	t1, t2, r1, ns := s.PrimAtPath("/World/Tree1"), s.PrimAtPath("/World/Tree2"), s.PrimAtPath("/World/Rock1"), s.PrimAtPath("/World/NotShared")
	if !t1.IsInstance() || !t2.IsInstance() || !r1.IsInstance() || ns.IsInstance() {
		t.Fatalf("IsInstance: %v %v %v %v", t1.IsInstance(), t2.IsInstance(), r1.IsInstance(), ns.IsInstance())
	}
	// The source instance is the one UsdStage indexes first: with one
	// work thread, Tree2 (usd-core 26.11, Prototype._GetSourcePrimIndex).
	if t1.Prototype() != t2 || t2.Prototype() != t2 || r1.Prototype() != r1 || ns.Prototype() != nil {
		t.Errorf("prototypes: %v %v %v %v", t1.Prototype().Path(), t2.Prototype().Path(), r1.Prototype().Path(), ns.Prototype())
	}
	groups := s.Instances()
	if len(groups) != 2 || len(groups[t2]) != 2 || len(groups[r1]) != 1 {
		t.Errorf("instances %v", groups)
	}
	// Instance subtrees are composed: the crown is there, moved with Tree1.
	c := s.PrimAtPath("/World/Tree1/Crown")
	if c == nil || c.TypeName() != "Sphere" {
		t.Fatalf("crown %v", c)
	}
	if p := TransformPoint(c.LocalToWorld(Default), Vec3d{}); p[0] != 10 {
		t.Errorf("crown at %v", p)
	}
}

// TestVehicleAsset: a real asset (usd-wg Mini Car Kit): references across
// folders, GeomSubsets with their own material bindings, variants.
func TestVehicleAsset(t *testing.T) {
	path := filepath.Join(sharedDir(t), "usd-corpus", "dev", "render-wg-Vehicles", "USD_Mini_Car_Kit", "assets", "vehicles", "tractor", "asset", "tractorFullAsset.usda")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Errors()) > 0 {
		t.Errorf("errors: %v", s.Errors())
	}
	meshes, subsets, bound := 0, 0, 0
	for p := range s.Traverse() {
		if p.TypeName() != "Mesh" {
			continue
		}
		meshes++
		if m, ok := p.Mesh(Default); !ok || len(m.Points) == 0 {
			t.Errorf("%s: no points", p.Path())
		}
		for _, gs := range p.GeomSubsets("materialBind", Default) {
			subsets++
			if len(gs.Indices) == 0 {
				t.Errorf("%s: empty subset", gs.Prim.Path())
			}
			if ComputeBoundMaterial(gs.Prim) != nil {
				bound++
			}
		}
	}
	if meshes == 0 || subsets == 0 || bound != subsets {
		t.Errorf("%d meshes, %d subsets, %d bound", meshes, subsets, bound)
	}
	t.Logf("%d meshes, %d material subsets, all bound", meshes, subsets)
}

func TestInheritedPrimvarAndShaping(t *testing.T) {
	s := openTestdata(t, "resolve_root.usda")
	pv, ok := s.PrimAtPath("/Painted/Leaf").InheritedPrimvar("displayColor", Default)
	if c, _ := pv.Values.([]Vec3f); !ok || len(c) != 1 || c[0] != (Vec3f{0, 1, 0}) {
		t.Errorf("inherited displayColor = %+v %v", pv, ok)
	}
	l := s.PrimAtPath("/Spot").Light(Default)
	if l.ShapingConeAngle != 30 || math.Abs(l.Radius-0.1) > 1e-6 || l.Intensity != 1 || l.Color != (Vec3f{1, 1, 1}) {
		t.Errorf("spot light = %+v", l)
	}
	if l := s.PrimAtPath("/World/Ball").Light(Default); l.ShapingConeAngle != 90 {
		t.Errorf("default cone angle %v", l.ShapingConeAngle)
	}
}

func TestCollectionBindings(t *testing.T) {
	s := openTestdata(t, "resolve_root.usda")
	for path, want := range map[string]string{
		"/Set/A":        "/World/Looks/Red",  // in the collection
		"/Set/B/Bright": "/World/Looks/Red",  // expanded below an included prim
		"/Set/B/Dull":   "/World/Looks/Blue", // excluded: the direct binding applies
		"/Set/C":        "/World/Looks/Blue", // not included
	} {
		m := ComputeBoundMaterial(s.PrimAtPath(path))
		if m == nil || m.Path() != want {
			t.Errorf("%s bound to %v, want %s", path, m, want)
		}
	}
}

func TestClipDeps(t *testing.T) {
	s, err := Open(filepath.Join(sharedDir(t), "usd-corpus", "dev", "valueres-aousd-clips-timesamples", "clip_basic", "entry.usd"))
	if err != nil {
		t.Fatal(err)
	}
	var clips []string
	for _, d := range s.DepReport() {
		if d.Kind == "clip" && !d.Missing {
			clips = append(clips, filepath.Base(d.Resolved))
		}
	}
	if len(clips) != 2 || clips[0] != "clip.usd" || clips[1] != "manifest.usd" {
		t.Errorf("clip deps %v", clips)
	}
}

func TestTimecodeValuesRetimed(t *testing.T) {
	s := openTestdata(t, "resolve_root.usda")
	v, _ := s.PrimAtPath("/Marked").Attribute("when").Get(Default)
	if v != sdf.TimeCode(20) {
		t.Errorf("timecode through offset 10 scale 2 = %v, want 20", v)
	}
}

// TestAnimatedUsdz: the usd-wg AnimatedTriangle package (crate in usdz)
// rotates its triangle about Z by quaternion samples every 6 frames.
func TestAnimatedUsdz(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(sharedDir(t), "usd-corpus", "dev", "usdz-wg-AnimatedTriangle", "*.usdz"))
	if len(files) == 0 {
		t.Skip("no AnimatedTriangle")
	}
	s, err := Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	tri := s.PrimAtPath("/AnimatedTriangle/Geom/node_0")
	if tri == nil {
		t.Fatal("no triangle")
	}
	for _, c := range []struct {
		t    float64
		want Vec3d
	}{{0, Vec3d{1, 0, 0}}, {6, Vec3d{0, 1, 0}}, {12, Vec3d{-1, 0, 0}}, {3, Vec3d{math.Cos(math.Pi / 4), math.Sin(math.Pi / 4), 0}}} {
		p := TransformPoint(tri.LocalToWorld(TimeCode(c.t)), Vec3d{1, 0, 0})
		if math.Abs(p[0]-c.want[0]) > 2e-3 || math.Abs(p[1]-c.want[1]) > 2e-3 || math.Abs(p[2]-c.want[2]) > 2e-3 {
			t.Errorf("at %v: (1,0,0) -> %v, want %v", c.t, p, c.want)
		}
	}
	if s.EndTimeCode() != 24 || s.TimeCodesPerSecond() != 24 {
		t.Errorf("time range %v..%v @ %v", s.StartTimeCode(), s.EndTimeCode(), s.TimeCodesPerSecond())
	}
}

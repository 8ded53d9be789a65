package usdscene

import (
	"context"
	"math"
	"testing"

	"github.com/rgallery/rgallery/usd"
)

// TestFactsFollowOpenUSDRules pins, without the oracle, the scene rules
// that TestOracleScene (internal/oracle) found we had wrong. The expected
// values are OpenUSD 26.11's answers for testdata/scene_rules.usda.
func TestFactsFollowOpenUSDRules(t *testing.T) {
	st, err := usd.Open("testdata/scene_rules.usda")
	if err != nil {
		t.Fatal(err)
	}
	f, err := ComputeFacts(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	if f.Time != 2 {
		t.Errorf("render time %g, want 2 (startFrame when startTimeCode is unauthored)", f.Time)
	}
	g := map[string]GprimFacts{}
	for _, x := range f.Gprims {
		g[x.Path] = x
	}
	mat := func(path, purpose, want, wantRel string) {
		t.Helper()
		b := g[path].Material[purpose]
		if b.Material != want || b.Rel != wantRel {
			t.Errorf("%s %s: bound %q by %q, want %q by %q", path, purpose, b.Material, b.Rel, want, wantRel)
		}
	}
	// A stronger ancestor binding beats the prim's own all-purpose binding;
	// a purpose-specific binding is resolved first, whatever the strength.
	mat("/World/Direct", "full", "/Looks/A", "/World.material:binding")
	mat("/World/Direct", "preview", "/Looks/B", "/World/Direct.material:binding:preview")
	// A collection binding beats the direct binding on the same prim.
	mat("/World/Coll", "full", "/Looks/C", "/World.material:binding:collection:B")
	// A binding to a non-Material wins and binds nothing.
	mat("/Other/ToScope", "full", "", "/Other/ToScope.material:binding")

	c := g["/World/Guide/Untyped/S/C"]
	if c.Purpose != "guide" || c.Visibility != "inherited" {
		t.Errorf("C: purpose %q visibility %q, want guide and inherited (an untyped prim's purpose and visibility count for nothing)", c.Purpose, c.Visibility)
	}
	// The Scope's translate (100) is ignored; the sample at 2 is halfway.
	if c.World[3][0] != 2 {
		t.Errorf("C: world x %g, want 2 (Scope xformOps ignored, sample interpolated at the render time)", c.World[3][0])
	}

	ext := func(path string, want Extent) {
		t.Helper()
		e := g[path].Extent
		if e == nil {
			t.Fatalf("%s: no extent", path)
		}
		for i := range e {
			for k := range e[i] {
				if math.Abs(e[i][k]-want[i][k]) > 1e-6 {
					t.Errorf("%s: extent %v, want %v", path, *e, want)
					return
				}
			}
		}
	}
	// Capsule_1 with radii 2 (bottom) and 0.5 (top), height 3: caps of
	// radius r·√(1+t²), t = 0.5, centred at −2.5 and 1.25.
	r5 := math.Sqrt(5)
	ext("/World/Tapered", Extent{{-r5, -r5, -2.5 - r5}, {r5, r5, 1.25 + math.Sqrt(1.25)/2}})
	// A Plane along X spans its length on Y and its width on Z.
	ext("/World/PlaneX", Extent{{0, -3, -1}, {0, 3, 1}})

	if len(f.Instancers) != 1 {
		t.Fatalf("instancers %d, want 1", len(f.Instancers))
	}
	in := f.Instancers[0].Instances
	// ids 100..103: 101 is invisible, 102 inactive; invisibleIds 1 is no id.
	if len(in) != 2 || in[0].Index != 0 || in[1].Index != 3 {
		t.Fatalf("instances %+v, want indices 0 and 3", in)
	}
	// Orientation (1, 1, 0, 0) is used as given, not normalized: the
	// rotation formula gives row 1 = (0, −1, 2).
	if got := in[0].Xform[1]; got != [4]float64{0, -1, 2, 0} {
		t.Errorf("instance 0 row 1 %v, want [0 -1 2 0] (GfMatrix4d::SetRotate of an unnormalized quaternion)", got)
	}
}

// TestConvertDrawsWhatFactsSay checks that the render path (Convert, no
// facts) draws exactly the gprims the facts call visible and of a drawn
// purpose, plus the instancer's unmasked instances.
func TestConvertDrawsWhatFactsSay(t *testing.T) {
	st, err := usd.Open("testdata/scene_rules.usda")
	if err != nil {
		t.Fatal(err)
	}
	f, err := ComputeFacts(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, g := range f.Gprims {
		if g.Visibility == "inherited" && (g.Purpose == "default" || g.Purpose == "render") && g.Extent != nil {
			want++
		}
	}
	for _, pi := range f.Instancers {
		want += len(pi.Instances) // one Cube prototype
	}
	res, err := Convert(context.Background(), st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(res.Scene.Instances); got != want || want != 6 {
		t.Errorf("drawn %d instances, facts say %d (want 6: four gprims with geometry, two instancer instances)", got, want)
	}
}

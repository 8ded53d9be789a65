package usdscene

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/rgallery/rgallery/render"
)

func loadFeatures(t *testing.T) *Result {
	t.Helper()
	res, err := Load(context.Background(), "testdata/features.usda", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Scene.Build(); err != nil {
		t.Fatal(err)
	}
	return res
}

func TestFeatures(t *testing.T) {
	res := loadFeatures(t)
	s := res.Scene
	if res.Width != 40 || res.Height != 40 || res.CameraPath != "/World/Top" {
		t.Errorf("settings: %dx%d camera %q", res.Width, res.Height, res.CameraPath)
	}
	// The prototype (1 triangle) shared by two instances, 5 point
	// instances of two prototypes, the floor (2 triangles).
	var triInst, ptInst int
	meshUse := map[int]int{}
	for _, in := range s.Instances {
		meshUse[in.Mesh]++
		switch s.Meshes[in.Mesh].NumTriangles() {
		case 1:
			triInst++
		default:
			if s.Meshes[in.Mesh].Name != "/World/Floor" {
				ptInst++
			}
		}
	}
	if triInst != 2 {
		t.Errorf("%d instances of the prototype triangle, want 2", triInst)
	}
	if ptInst != 5 {
		t.Errorf("%d point instances, want 5", ptInst)
	}
	shared := 0
	for _, n := range meshUse {
		if n > 1 {
			shared++
		}
	}
	if shared < 2 {
		t.Errorf("only %d meshes are shared between instances; instancing should share prototype meshes", shared)
	}
	kinds := map[string]int{}
	for _, l := range s.Lights {
		kinds[strings.TrimPrefix(strings.TrimPrefix(fmtType(l), "*render."), "render.")]++
	}
	for _, k := range []string{"DistantLight", "RectLight", "SphereLight", "DiskLight", "CylinderLight", "DomeLight"} {
		if kinds[k] != 1 {
			t.Errorf("%s: %d, want 1 (%v)", k, kinds[k], kinds)
		}
	}
	found := false
	for _, w := range res.Warnings {
		if strings.Contains(w, "BasisCurves") {
			found = true
		}
	}
	if !found {
		t.Errorf("no warning for the BasisCurves prim: %q", res.Warnings)
	}
	// The instanced triangle keeps its displayColor through the fallback
	// material; the floor's material has the texture.
	var floorMat *render.Material
	for _, m := range s.Meshes {
		if m.Name == "/World/Floor" {
			floorMat = s.Materials[m.Material]
		}
	}
	if floorMat == nil || floorMat.DiffuseColor.Tex == nil {
		t.Fatalf("floor material %+v has no texture", floorMat)
	}
}

func fmtType(v any) string { return strings.Split(strings.TrimPrefix(typeName(v), "*"), " ")[0] }

// The textured floor under the sun (E = π, Z-up, straight down) seen from
// above: each quadrant shows its texel, radiance = texel albedo (E/π = 1),
// sRGB-decoded: red (1,0,0), green, blue, white.
func TestTexturedFloorKnownAnswer(t *testing.T) {
	res, err := Load(context.Background(), "testdata/features.usda", Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Keep only the sun so that next-event estimation is noise free.
	for _, l := range res.Scene.Lights {
		if _, ok := l.(*render.DistantLight); ok {
			res.Scene.Lights = []render.Light{l}
		}
	}
	if err := res.Scene.Build(); err != nil {
		t.Fatal(err)
	}
	r, err := render.NewRenderer(res.Scene, render.Settings{Width: 40, Height: 40, SamplesPerPixel: 4, MaxBounces: 0, Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Render(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	f := r.Film()
	// The camera at z=5 with a 20 mm aperture and 50 mm lens sees ±1 unit,
	// exactly the floor. Pixels 5 and 34 lie beyond the texel centres
	// (s, t < 0.25 or > 0.75), where clamped bilinear lookup is exact. Texture row 0 (top of
	// the image file) is at t = 1, i.e. world +Y, the top of the picture.
	cases := []struct {
		x, y int
		want render.Vec3
	}{
		{5, 5, render.Vec3{X: 1}},
		{34, 5, render.Vec3{Y: 1}},
		{5, 34, render.Vec3{Z: 1}},
		{34, 34, render.Vec3{X: 1, Y: 1, Z: 1}},
	}
	for _, c := range cases {
		got := f.Pixel(c.x, c.y)
		if math.Abs(got.X-c.want.X) > 0.02 || math.Abs(got.Y-c.want.Y) > 0.02 || math.Abs(got.Z-c.want.Z) > 0.02 {
			t.Errorf("pixel (%d,%d) = %.3f, want %v", c.x, c.y, got, c.want)
		}
	}
}

func typeName(v any) string { return fmt.Sprintf("%T", v) }

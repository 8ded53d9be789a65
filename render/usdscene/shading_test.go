package usdscene

import (
	"context"
	"flag"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rgallery/rgallery/render"
)

// -shading.png rewrites the small reference images of the shading scenes
// (testdata/shading/*.png), which are looked at, not compared.
var writeShadingPNG = flag.Bool("shading.png", false, "write testdata/shading/*.png previews")

// renderShading converts and renders a testdata/shading scene and returns
// the film.
func renderShading(t *testing.T, name string, opt Options, w, h, spp, bounces int) (*Result, *render.Film) {
	t.Helper()
	res, err := Load(context.Background(), filepath.Join("testdata", "shading", name), opt)
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Scene.Build(); err != nil {
		t.Fatal(err)
	}
	r, err := render.NewRenderer(res.Scene, render.Settings{Width: w, Height: h, SamplesPerPixel: spp, MaxBounces: bounces, Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Render(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if *writeShadingPNG {
		writePreview(t, filepath.Join("testdata", "shading", strings.TrimSuffix(name, ".usda")+".png"), r.Film())
	}
	return res, r.Film()
}

// meanRect is the mean radiance over pixels [x0,x1)×[y0,y1).
func meanRect(f *render.Film, x0, y0, x1, y1 int) render.Vec3 {
	var s render.Vec3
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			s = s.Add(f.Pixel(x, y))
		}
	}
	return s.Scale(1 / float64((x1-x0)*(y1-y0)))
}

func writePreview(t *testing.T, path string, f *render.Film) {
	im := image.NewNRGBA(image.Rect(0, 0, f.W, f.H))
	for y := 0; y < f.H; y++ {
		for x := 0; x < f.W; x++ {
			p := f.Pixel(x, y)
			q := func(v float64) uint8 { return uint8(math.Round(255 * render.LinearToSRGB(v))) }
			im.SetNRGBA(x, y, color.NRGBA{q(p.X), q(p.Y), q(p.Z), 255})
		}
	}
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if err := png.Encode(out, im); err != nil {
		t.Fatal(err)
	}
}

func near(got, want, rel float64) bool { return math.Abs(got-want) <= rel*math.Abs(want) }

// The default rig on a Lambertian plane (albedo ρ = 0.5) facing the
// camera: the dome gives irradiance π·L over the open hemisphere and the
// key E·cosθ, θ the angle between the key and the camera axis, so the
// radiance is ρ/π·(E·cosθ + π·L).
func TestDefaultLightsIrradianceOnLambertPlane(t *testing.T) {
	res, f := renderShading(t, "rig_plane.usda", Options{}, 16, 16, 256, 1)
	if res.DefaultLights == "" {
		t.Fatalf("no default lights added to a stage without lights (warnings %q)", res.Warnings)
	}
	d := defaultKeyDir.Norm()
	want := 0.5 / math.Pi * (DefaultKeyIrradiance*d.Z + math.Pi*DefaultDomeRadiance)
	got := meanRect(f, 0, 0, 16, 16)
	t.Logf("mean radiance %.5f %.5f %.5f, want %.5f", got.X, got.Y, got.Z, want)
	for _, v := range []float64{got.X, got.Y, got.Z} {
		if !near(v, want, 0.01) {
			t.Fatalf("mean radiance %v, want ρ/π·(E·cosθ + π·L) = %.5f", got, want)
		}
	}
	// off: black.
	_, f = renderShading(t, "rig_plane.usda", Options{DefaultLights: DefaultLightsOff}, 4, 4, 4, 1)
	if got := meanRect(f, 0, 0, 4, 4); !got.IsBlack() {
		t.Fatalf("defaultLights=off: mean %v, want black", got)
	}
}

// auto adds nothing to a stage with a light; on adds the rig anyway; a
// bad mode is an error.
func TestDefaultLightsModes(t *testing.T) {
	res, err := Load(context.Background(), filepath.Join("testdata", "features.usda"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := len(res.Scene.Lights)
	if res.DefaultLights != "" {
		t.Fatalf("auto added the rig to a stage with %d lights", n)
	}
	res, err = Load(context.Background(), filepath.Join("testdata", "features.usda"), Options{DefaultLights: DefaultLightsOn})
	if err != nil {
		t.Fatal(err)
	}
	if res.DefaultLights == "" || len(res.Scene.Lights) != n+2 {
		t.Fatalf("on: %d lights (had %d), description %q", len(res.Scene.Lights), n, res.DefaultLights)
	}
	if _, err := Load(context.Background(), filepath.Join("testdata", "features.usda"), Options{DefaultLights: "bright"}); err == nil || !strings.Contains(err.Error(), "auto, on or off") {
		t.Fatalf("bad mode: err %v", err)
	}
}

// An asset without lights renders lit; the preview is committed.
func TestDefaultLightsAsset(t *testing.T) {
	_, f := renderShading(t, "rig_asset.usda", Options{}, 96, 64, 32, 3)
	if m := f.MeanLuminance(); m < 0.1 || m > 0.8 {
		t.Fatalf("mean luminance %.3f, want a lit asset (0.1..0.8)", m)
	}
}

// The scene previews: rendered, checked for a lit image, and (with
// -shading.png) written for looking at.
func TestShadingScenesRender(t *testing.T) {
	for _, tc := range []struct {
		file string
		opt  Options
		w, h int
	}{
		{"network.usda", Options{CameraPath: "/World/Overview"}, 192, 48},
		{"glass.usda", Options{}, 144, 96},
	} {
		_, f := renderShading(t, tc.file, tc.opt, tc.w, tc.h, 64, 8)
		if m := f.MeanLuminance(); m < 0.05 || m > 1 {
			t.Errorf("%s: mean luminance %.3f, want a lit image", tc.file, m)
		}
	}
}

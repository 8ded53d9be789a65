package usdscene

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rgallery/rgallery/render"
)

// renderPlane renders testdata/shading/network.usda through the camera
// framing one plane and calls check with each pixel's plane coordinates
// (x, y in [0.1, 0.9], y up) and radiance.
func renderPlane(t *testing.T, plane string, check func(x, y float64, got render.Vec3)) *Result {
	t.Helper()
	const n = 20
	res, err := Load(context.Background(), filepath.Join("testdata", "shading", "network.usda"), Options{CameraPath: "/World/Cam" + plane})
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Scene.Build(); err != nil {
		t.Fatal(err)
	}
	r, err := render.NewRenderer(res.Scene, render.Settings{Width: n, Height: n, SamplesPerPixel: 16, MaxBounces: 0, Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Render(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	for py := 0; py < n; py++ {
		for px := 0; px < n; px++ {
			x := 0.1 + 0.8*(float64(px)+0.5)/n
			y := 0.9 - 0.8*(float64(py)+0.5)/n
			check(x, y, r.Film().Pixel(px, py))
		}
	}
	return res
}

func sameColor(got, want render.Vec3, tol float64) bool {
	return math.Abs(got.X-want.X) <= tol && math.Abs(got.Y-want.Y) <= tol && math.Abs(got.Z-want.Z) <= tol
}

// A texture read through UsdPrimvarReader_float2 of the UV set "uv2"
// (face-varying, indexed, mirrored in s) and a UsdTransform2d (rotation
// 90°, translation (1, 0)): st' = R90·uv2 + (1, 0) = (1 − y, 1 − x) at
// plane point (x, y), so each quadrant shows the texture quadrant the rule
// gives (red top-left, green top-right, blue bottom-left, white
// bottom-right); reading st untransformed would give other colours.
func TestNetworkUVSetAndTransform2d(t *testing.T) {
	quad := func(s, tt float64) render.Vec3 {
		switch {
		case s < 0.5 && tt >= 0.5:
			return render.Vec3{X: 1}
		case tt >= 0.5:
			return render.Vec3{Y: 1}
		case s < 0.5:
			return render.Vec3{Z: 1}
		}
		return render.Vec3{X: 1, Y: 1, Z: 1}
	}
	checked := 0
	res := renderPlane(t, "UVSet", func(x, y float64, got render.Vec3) {
		s, tt := 1-y, 1-x
		if math.Abs(s-0.5) < 0.1 || math.Abs(tt-0.5) < 0.1 {
			return // bilinear blend across the quadrant edge
		}
		checked++
		if want := quad(s, tt); !sameColor(got, want, 0.01) {
			t.Errorf("plane (%.2f, %.2f): %v, want %v (st' = (%.2f, %.2f))", x, y, got, want, s, tt)
		}
	})
	if checked < 100 {
		t.Fatalf("only %d pixels checked", checked)
	}
	for _, w := range res.Warnings {
		if strings.Contains(w, "uv2") || strings.Contains(w, "Transform2d") {
			t.Errorf("warning %q", w)
		}
	}
}

// diffuseColor ← NodeGraph output ← UsdPrimvarReader_float3 whose varname
// is connected to the NodeGraph's promoted input "primvar" = "paint": the
// mesh's constant primvar paint is the albedo.
func TestNetworkNodeGraphInterfacePrimvar(t *testing.T) {
	want := render.Vec3{X: 0.2, Y: 0.6, Z: 0.4}
	renderPlane(t, "Interface", func(x, y float64, got render.Vec3) {
		if !sameColor(got, want, 0.005) {
			t.Fatalf("plane (%.2f, %.2f): %v, want the primvar paint %v", x, y, got, want)
		}
	})
}

// A UsdUVTexture whose file does not exist gives its authored fallback.
func TestNetworkTextureFallback(t *testing.T) {
	want := render.Vec3{X: 0.7, Y: 0.1, Z: 0.1}
	res := renderPlane(t, "Fallback", func(x, y float64, got render.Vec3) {
		if !sameColor(got, want, 0.005) {
			t.Fatalf("plane (%.2f, %.2f): %v, want the texture's fallback %v", x, y, got, want)
		}
	})
	found := false
	for _, w := range res.Warnings {
		found = found || strings.Contains(w, "does_not_exist.png")
	}
	if !found {
		t.Errorf("no warning names the missing texture: %q", res.Warnings)
	}
}

// A network the renderer cannot evaluate (a MaterialX noise node) gives
// one warning naming the shader and the surface's own authored
// diffuseColor, not grey or displayColor.
func TestNetworkUnknownShaderUsesAuthoredValue(t *testing.T) {
	want := render.Vec3{X: 0.1, Y: 0.3, Z: 0.9}
	res := renderPlane(t, "Unknown", func(x, y float64, got render.Vec3) {
		if !sameColor(got, want, 0.005) {
			t.Fatalf("plane (%.2f, %.2f): %v, want the authored diffuseColor %v", x, y, got, want)
		}
	})
	n := 0
	for _, w := range res.Warnings {
		if strings.Contains(w, "/Looks/UnknownMat/Noise") {
			n++
			if !strings.Contains(w, "ND_noise2d_color3") {
				t.Errorf("warning %q does not say which shader id", w)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d warnings name the shader, want 1: %q", n, res.Warnings)
	}
}

// opacity ← the texture's alpha (outputs:a) with opacityThreshold 0.5:
// the left half (alpha 0) is cut away, the right half is the grey albedo.
func TestNetworkScalarFromTextureAlphaCutout(t *testing.T) {
	renderPlane(t, "Cutout", func(x, y float64, got render.Vec3) {
		if math.Abs(x-0.5) < 0.1 {
			return
		}
		want := render.Vec3{}
		if x > 0.5 {
			want = render.Vec3{X: 0.5, Y: 0.5, Z: 0.5}
		}
		if !sameColor(got, want, 0.005) {
			t.Fatalf("plane (%.2f, %.2f): %v, want %v", x, y, got, want)
		}
	})
}

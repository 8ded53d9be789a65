package usdscene

import (
	"context"
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

// TestNormalMapFromUsd renders a plane whose UsdPreviewSurface has a
// normal map (a raw UsdUVTexture with scale 2 and bias −1, as exporters
// write it) tilting every normal by φ towards +u, under an overhead sun:
// the radiance is ρE·cosφ/π instead of ρE/π.
func TestNormalMapFromUsd(t *testing.T) {
	dir := t.TempDir()
	phi := 50 * math.Pi / 180
	img := image.NewNRGBA(image.Rect(0, 0, 4, 4))
	c := color.NRGBA{R: uint8(math.Round(255 * (0.5 + 0.5*math.Sin(phi)))), G: 128, B: uint8(math.Round(255 * (0.5 + 0.5*math.Cos(phi)))), A: 255}
	for y := 0; y < 4; y++ {
		for x := 0; x < 4; x++ {
			img.SetNRGBA(x, y, c)
		}
	}
	f, err := os.Create(filepath.Join(dir, "normal.png"))
	if err != nil {
		t.Fatal(err)
	}
	png.Encode(f, img)
	f.Close()
	scene := filepath.Join(dir, "plane.usda")
	os.WriteFile(scene, []byte(`#usda 1.0
def Xform "World" {
    def Camera "Cam" {
        double3 xformOp:translate = (0, 0, 3)
        uniform token[] xformOpOrder = ["xformOp:translate"]
        float focalLength = 50
        float horizontalAperture = 20
        float verticalAperture = 20
    }
    def DistantLight "Sun" {
        float inputs:intensity = 3
        float inputs:angle = 0
    }
    def Mesh "Plane" (prepend apiSchemas = ["MaterialBindingAPI"]) {
        point3f[] points = [(-1, -1, 0), (1, -1, 0), (1, 1, 0), (-1, 1, 0)]
        int[] faceVertexCounts = [4]
        int[] faceVertexIndices = [0, 1, 2, 3]
        texCoord2f[] primvars:st = [(0, 0), (1, 0), (1, 1), (0, 1)] (interpolation = "vertex")
        uniform token subdivisionScheme = "none"
        rel material:binding = </World/Mat>
    }
    def Material "Mat" {
        token outputs:surface.connect = </World/Mat/Surface.outputs:surface>
        def Shader "Surface" {
            uniform token info:id = "UsdPreviewSurface"
            color3f inputs:diffuseColor = (0.6, 0.6, 0.6)
            float inputs:ior = 1
            float inputs:roughness = 1
            normal3f inputs:normal.connect = </World/Mat/NormalMap.outputs:rgb>
            token outputs:surface
        }
        def Shader "NormalMap" {
            uniform token info:id = "UsdUVTexture"
            asset inputs:file = @normal.png@
            token inputs:sourceColorSpace = "raw"
            float4 inputs:scale = (2, 2, 2, 1)
            float4 inputs:bias = (-1, -1, -1, 0)
            float2 inputs:st.connect = </World/Mat/St.outputs:result>
            float3 outputs:rgb
        }
        def Shader "St" {
            uniform token info:id = "UsdPrimvarReader_float2"
            token inputs:varname = "st"
            float2 outputs:result
        }
    }
}
`), 0o644)
	res, err := Load(context.Background(), scene, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range res.Warnings {
		if strings.Contains(w, "normal") {
			t.Fatalf("warning %q", w)
		}
	}
	if err := res.Scene.Build(); err != nil {
		t.Fatal(err)
	}
	r, err := render.NewRenderer(res.Scene, render.Settings{Width: 8, Height: 8, SamplesPerPixel: 4, MaxBounces: 1, Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Render(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	// The texel holds the tilted normal to 8 bits: its decoded value gives
	// the exact expectation.
	nx, nz := float64(c.R)/255*2-1, float64(c.B)/255*2-1
	ny := float64(c.G)/255*2 - 1
	cos := nz / math.Sqrt(nx*nx+ny*ny+nz*nz)
	want := 0.6 * 3 * cos / math.Pi
	for y := 0; y < 8; y++ {
		for x := 0; x < 8; x++ {
			if got := r.Film().Pixel(x, y).Y; math.Abs(got-want) > 2e-3*want {
				t.Fatalf("pixel (%d,%d) = %.5f, want ρE·cosφ/π = %.5f (flat would be %.5f)", x, y, got, want, 0.6*3/math.Pi)
			}
		}
	}
}

package usdscene

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rgallery/rgallery/render"
)

// TestTextureInsideUsdz loads the same textured plane as a usda with the
// texture beside it and as a usdz with the texture inside the package: both
// must give the same decoded texture, and no warning.
func TestTextureInsideUsdz(t *testing.T) {
	d := sharedPath()
	if d == "" {
		t.Skip("no ../shared (usd-corpus) here")
	}
	dir := filepath.Join(d, "usd-corpus", "dev", "render-tinyusdz-texture-cat-plane")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("corpus entry render-tinyusdz-texture-cat-plane absent: %v", err)
	}
	texture := func(file string) *render.Image {
		res, err := Load(context.Background(), filepath.Join(dir, file), Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range res.Warnings {
			if strings.Contains(w, "texture") {
				t.Fatalf("%s: warning %q", file, w)
			}
		}
		for _, m := range res.Scene.Materials {
			if it, ok := m.DiffuseColor.Tex.(*render.ImageTexture); ok && it.Img != nil {
				return it.Img
			}
		}
		t.Fatalf("%s: no material with a diffuse texture (warnings %q)", file, res.Warnings)
		return nil
	}
	usda, usdz := texture("texture-cat-plane.usda"), texture("texture-cat-plane.usdz")
	if usda.W == 0 || usda.W != usdz.W || usda.H != usdz.H || !slices.Equal(usda.Pix, usdz.Pix) {
		t.Fatalf("usdz texture %dx%d differs from the usda's %dx%d", usdz.W, usdz.H, usda.W, usda.H)
	}
}

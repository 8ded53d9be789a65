package usdscene

import (
	"bytes"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"
)

func openFile(p string) (io.ReadCloser, error) { return os.Open(p) }

// TestTextureRadianceHDRIsLinear: a Radiance .hdr (the dome light map of
// OpenUSD's testUsdImagingGLTetMesh, StinsonBeach.hdr) is decoded as
// linear values, not refused as an unknown image format.
func TestTextureRadianceHDRIsLinear(t *testing.T) {
	// 2x1 flat (not run-length encoded) RGBE pixels: (1, 0.5, 0.25) and
	// (4, 4, 4): mantissa * 2^(E-136).
	var b bytes.Buffer
	b.WriteString("#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 1 +X 2\n")
	b.Write([]byte{128, 64, 32, 129, 128, 128, 128, 131})
	p := filepath.Join(t.TempDir(), "env.hdr")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	im, err := loadImage(openFile, p, "auto")
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{1, 0.5, 0.25, 1, 4, 4, 4, 1}
	for i, w := range want {
		if math.Abs(float64(im.Pix[i]-w)) > 1e-6 {
			t.Fatalf("pixels %v; want %v", im.Pix, want)
		}
	}
}

// TestTextureTGAByExtension: TGA has no magic number; a .tga texture
// (usd-wg/assets RoughnessTest packs one in its usdz) is decoded by its
// extension, sRGB-decoded like other 8-bit formats.
func TestTextureTGAByExtension(t *testing.T) {
	// 1x1 true-colour 24-bit: B, G, R = 0, 0, 255.
	data := []byte{0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 24, 0, 0, 0, 255}
	p := filepath.Join(t.TempDir(), "red.tga")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	im, err := loadImage(openFile, p, "auto")
	if err != nil {
		t.Fatal(err)
	}
	if im.W != 1 || im.H != 1 || im.Pix[0] != 1 || im.Pix[1] != 0 || im.Pix[2] != 0 || im.Pix[3] != 1 {
		t.Errorf("pixel %v; want red (1, 0, 0, 1)", im.Pix)
	}
}

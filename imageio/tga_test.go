package imageio

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// TestTGAMatchesOpenImageIO decodes TGA files that OpenImageIO 3.2 wrote
// (oiiotool: uncompressed and RLE true-colour, RLE with alpha; rows from
// the bottom as it writes them) and compares every pixel with the PNG
// they were written from (for the alpha file, the PNG OpenImageIO reads
// it as with oiio:UnassociatedAlpha: TGA alpha is straight).
func TestTGAMatchesOpenImageIO(t *testing.T) {
	for _, c := range []struct{ tga, png string }{
		{"c_raw.tga", "c.png"}, {"c_rle.tga", "c.png"}, {"a_rle.tga", "a_rle_oiio.png"},
	} {
		want := readPNG(t, filepath.Join("testdata", "tga", c.png))
		data, err := os.ReadFile(filepath.Join("testdata", "tga", c.tga))
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeTGA(data)
		if err != nil {
			t.Fatalf("%s: %v", c.tga, err)
		}
		if got.Bounds() != want.Bounds() {
			t.Fatalf("%s: bounds %v, want %v", c.tga, got.Bounds(), want.Bounds())
		}
		b := want.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				g := color.NRGBAModel.Convert(got.At(x, y)).(color.NRGBA)
				w := color.NRGBAModel.Convert(want.At(x, y)).(color.NRGBA)
				if g != w {
					t.Fatalf("%s: pixel (%d,%d) = %v, want %v", c.tga, x, y, g, w)
				}
			}
		}
	}
}

// TestTGAHeaderRules pins the parts of the layout OpenImageIO's writer does
// not produce: top-to-bottom rows (descriptor bit 5), grey images, an RLE
// packet running across a scanline, and clean errors for bad input.
func TestTGAHeaderRules(t *testing.T) {
	hdr := func(imgType, depth, desc byte, w, h int) []byte {
		return []byte{0, 0, imgType, 0, 0, 0, 0, 0, 0, 0, 0, 0, byte(w), byte(w >> 8), byte(h), byte(h >> 8), depth, desc}
	}
	// 2x2 grey, RLE, top-down: one run of 3 (crossing the first row) then one literal.
	d := append(hdr(11, 8, 0x20, 2, 2), 0x82, 10, 0x00, 200)
	img, err := DecodeTGA(d)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []uint8{10, 10, 10, 200} {
		c := color.NRGBAModel.Convert(img.At(i%2, i/2)).(color.NRGBA)
		if c.R != want || c.G != want || c.B != want || c.A != 255 {
			t.Errorf("pixel %d = %v, want grey %d", i, c, want)
		}
	}
	// 1x2 true-colour 24-bit, bottom-up: the first stored pixel is the bottom row.
	d = append(hdr(2, 24, 0, 1, 2), 1, 2, 3, 4, 5, 6)
	img, err = DecodeTGA(d)
	if err != nil {
		t.Fatal(err)
	}
	if c := img.At(0, 1).(color.NRGBA); c != (color.NRGBA{3, 2, 1, 255}) {
		t.Errorf("bottom pixel = %v, want BGR 1,2,3 as RGB 3,2,1", c)
	}
	for _, bad := range [][]byte{
		nil,
		hdr(2, 24, 0, 4, 4), // truncated pixels
		append(hdr(10, 24, 0, 1, 1), 0x85, 1, 2, 3), // run longer than the image
		hdr(9, 8, 0, 1, 1),                          // colour-mapped without a map
		hdr(2, 7, 0, 1, 1),                          // odd depth
		hdr(2, 24, 0, 0, 1),                         // empty
	} {
		if _, err := DecodeTGA(bad); err == nil {
			t.Errorf("DecodeTGA(% x) succeeded; want an error", bad)
		}
	}
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

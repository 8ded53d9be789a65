package imageio

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/tiff"

	"github.com/rgallery/rgallery/imageio/exr"
)

func near(a, b float32, tol float64) bool { return math.Abs(float64(a)-float64(b)) <= tol }

// pixel returns the values of the named layer's pixel (x, y).
func pixel(t *testing.T, im *Image, layer string, x, y int) []float32 {
	t.Helper()
	for _, l := range im.Layers {
		if l.FullName() == layer {
			n := len(l.Channels)
			return l.Pix[(y*l.Width+x)*n : (y*l.Width+x+1)*n]
		}
	}
	t.Fatalf("no layer %q", layer)
	return nil
}

func channelNames(l Layer) string {
	var s []string
	for _, c := range l.Channels {
		s = append(s, c.Name+":"+c.Type)
	}
	return strings.Join(s, ",")
}

func TestSniffByMagicBytesNotName(t *testing.T) {
	for _, c := range []struct {
		head string
		want Format
	}{
		{"v/1\x01\x02\x00\x00\x00", EXR},
		{"\x89PNG\r\n\x1a\n\x00", PNG},
		{"\xff\xd8\xff\xe0", JPEG},
		{"II*\x00\x08\x00", TIFF},
		{"MM\x00*\x00\x00", TIFF},
		{"#?RADIANCE\n", HDR},
		{"#?RGBE\n", HDR},
		{"II+\x00", ""}, // BigTIFF: x/image/tiff cannot read it
		{"GIF89a", ""},
		{"", ""},
		{"v/1", ""},
	} {
		if got := Sniff([]byte(c.head)); got != c.want {
			t.Errorf("Sniff(%q) = %q, want %q", c.head, got, c.want)
		}
	}
	if _, err := Decode([]byte("GIF89a......")); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("GIF: %v, want ErrUnknownFormat", err)
	}
}

func TestSRGBCurve(t *testing.T) {
	// IEC 61966-2-1: the linear segment below 0.04045, 1 maps to 1.
	if got := DecodeSRGB(0.04); math.Abs(got-0.04/12.92) > 1e-12 {
		t.Errorf("DecodeSRGB(0.04) = %v", got)
	}
	if got := DecodeSRGB(1); math.Abs(got-1) > 1e-12 {
		t.Errorf("DecodeSRGB(1) = %v", got)
	}
	if got := DecodeSRGB(0.5); math.Abs(got-0.21404114) > 1e-7 {
		t.Errorf("DecodeSRGB(0.5) = %v", got)
	}
	// Every 8-bit code survives decode then encode.
	for i := 0; i < 256; i++ {
		if got := EncodeSRGB8(float32(DecodeSRGB(float64(i) / 255))); int(got) != i {
			t.Fatalf("code %d comes back as %d", i, got)
		}
	}
}

func TestDecodePNG8IsSRGBDecodedWithStraightAlpha(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	src.SetNRGBA(0, 0, color.NRGBA{255, 128, 0, 255})
	src.SetNRGBA(2, 1, color.NRGBA{10, 20, 30, 128})
	var b bytes.Buffer
	if err := png.Encode(&b, src); err != nil {
		t.Fatal(err)
	}
	im, err := Decode(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if im.Format != PNG || im.Width != 3 || im.Height != 2 || im.Transfer != "sRGB" {
		t.Fatalf("got %s %dx%d %s", im.Format, im.Width, im.Height, im.Transfer)
	}
	if len(im.Layers) != 1 || channelNames(im.Layers[0]) != "R:uint8,G:uint8,B:uint8,A:uint8" {
		t.Fatalf("layers %+v", im.Layers)
	}
	p := pixel(t, im, "", 0, 0)
	if p[0] != 1 || !near(p[1], 0.21586050, 1e-6) || p[2] != 0 || p[3] != 1 {
		t.Errorf("pixel (0,0) = %v", p)
	}
	p = pixel(t, im, "", 2, 1)
	if !near(p[0], float32(DecodeSRGB(10.0/255)), 1e-7) || !near(p[2], 0.01298303, 1e-6) || !near(p[3], 128.0/255, 1e-7) {
		t.Errorf("pixel (2,1) = %v (alpha must stay straight)", p)
	}
	// The preview gives the same 8-bit values back.
	pv := im.Preview()
	if c := pv.NRGBAAt(0, 0); c != (color.NRGBA{255, 128, 0, 255}) {
		t.Errorf("preview (0,0) = %v", c)
	}
	if c := pv.NRGBAAt(2, 1); c != (color.NRGBA{10, 20, 30, 128}) {
		t.Errorf("preview (2,1) = %v", c)
	}
}

func TestDecodePNG16Grey(t *testing.T) {
	src := image.NewGray16(image.Rect(0, 0, 2, 1))
	src.SetGray16(1, 0, color.Gray16{0x8000})
	var b bytes.Buffer
	if err := png.Encode(&b, src); err != nil {
		t.Fatal(err)
	}
	im, err := Decode(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if got := channelNames(im.Layers[0]); got != "Y:uint16" {
		t.Fatalf("channels %s", got)
	}
	if p := pixel(t, im, "", 1, 0); !near(p[0], float32(DecodeSRGB(32768.0/65535)), 1e-7) {
		t.Errorf("Y = %v", p[0])
	}
}

func TestDecodeJPEG(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for i := 0; i < len(src.Pix); i += 4 {
		src.Pix[i], src.Pix[i+1], src.Pix[i+2], src.Pix[i+3] = 200, 100, 50, 255
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, src, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	im, err := Decode(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if im.Format != JPEG || channelNames(im.Layers[0]) != "R:uint8,G:uint8,B:uint8" {
		t.Fatalf("%s %s", im.Format, channelNames(im.Layers[0]))
	}
	// JPEG is lossy: a flat colour comes back within two codes.
	p := pixel(t, im, "", 7, 7)
	for i, want := range []float64{200, 100, 50} {
		lo, hi := DecodeSRGB((want-2)/255), DecodeSRGB((want+2)/255)
		if float64(p[i]) < lo || float64(p[i]) > hi {
			t.Errorf("channel %d = %v, want within [%v, %v]", i, p[i], lo, hi)
		}
	}
}

func TestDecodeTIFF8And16(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 2, 2))
	src.SetNRGBA(1, 1, color.NRGBA{0, 255, 64, 255})
	var b bytes.Buffer
	if err := tiff.Encode(&b, src, &tiff.Options{Compression: tiff.Deflate}); err != nil {
		t.Fatal(err)
	}
	im, err := Decode(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if im.Format != TIFF || channelNames(im.Layers[0]) != "R:uint8,G:uint8,B:uint8,A:uint8" {
		t.Fatalf("%s %s", im.Format, channelNames(im.Layers[0]))
	}
	if p := pixel(t, im, "", 1, 1); p[0] != 0 || p[1] != 1 || !near(p[2], float32(DecodeSRGB(64.0/255)), 1e-7) || p[3] != 1 {
		t.Errorf("pixel = %v", p)
	}

	src16 := image.NewRGBA64(image.Rect(0, 0, 1, 1))
	src16.SetRGBA64(0, 0, color.RGBA64{0xffff, 0x1000, 0, 0xffff})
	b.Reset()
	if err := tiff.Encode(&b, src16, nil); err != nil {
		t.Fatal(err)
	}
	im, err = Decode(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if p := pixel(t, im, "", 0, 0); p[0] != 1 || !near(p[1], float32(DecodeSRGB(4096.0/65535)), 1e-7) || im.Layers[0].Channels[0].Type != "uint16" {
		t.Errorf("16-bit pixel = %v, %s", p, channelNames(im.Layers[0]))
	}
}

const hdrHead = "#?RADIANCE\nFORMAT=32-bit_rle_rgbe\nEXPOSURE=1.0\n\n"

// Flat scanlines, with an old-style repeat pixel (1,1,1,n).
func TestDecodeHDRFlatAndOldRLE(t *testing.T) {
	d := []byte(hdrHead + "-Y 2 +X 3\n")
	d = append(d,
		128, 64, 0, 129, // 2^(129-136) * (128, 64, 0) = 1, 0.5, 0
		0, 0, 0, 0, // exponent 0: black
		255, 255, 255, 120,
		// row 1: one pixel repeated twice
		32, 16, 8, 131,
		1, 1, 1, 2,
	)
	im, err := Decode(d)
	if err != nil {
		t.Fatal(err)
	}
	if im.Format != HDR || im.Width != 3 || im.Height != 2 || channelNames(im.Layers[0]) != "R:rgbe,G:rgbe,B:rgbe" {
		t.Fatalf("%s %dx%d %s", im.Format, im.Width, im.Height, channelNames(im.Layers[0]))
	}
	check := func(x, y int, want ...float32) {
		t.Helper()
		if p := pixel(t, im, "", x, y); p[0] != want[0] || p[1] != want[1] || p[2] != want[2] {
			t.Errorf("(%d,%d) = %v, want %v", x, y, p, want)
		}
	}
	check(0, 0, 1, 0.5, 0)
	check(1, 0, 0, 0, 0)
	check(2, 0, 255.0/65536, 255.0/65536, 255.0/65536) // 255 * 2^(120-136)
	for x := 0; x < 3; x++ {
		check(x, 1, 1, 0.5, 0.25) // 2^-5 * (32, 16, 8)
	}
	found := false
	for _, a := range im.Attributes {
		found = found || a.Name == "EXPOSURE" && a.Value == "1.0"
	}
	if !found {
		t.Errorf("EXPOSURE not kept: %+v", im.Attributes)
	}
}

// New-style RLE scanlines: per component, runs (count > 128) and literals.
func TestDecodeHDRRunLength(t *testing.T) {
	const w = 10
	d := []byte(hdrHead + "+Y 2 +X 10\n") // rows stored bottom-up
	for row := 0; row < 2; row++ {
		d = append(d, 2, 2, 0, w)
		// R: run of 10 × (64 + row)
		d = append(d, 128+10, byte(64+row))
		// G: literals 0..9
		d = append(d, 10, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9)
		// B: run of 4 × 128, then 6 literals 1
		d = append(d, 128+4, 128, 6, 1, 1, 1, 1, 1, 1)
		// E: run of 10 × 136 (scale 1)
		d = append(d, 128+10, 136)
	}
	im, err := Decode(d)
	if err != nil {
		t.Fatal(err)
	}
	for y := 0; y < 2; y++ {
		r := float32(64 + 1 - y) // first stored row is the bottom one
		for x := 0; x < w; x++ {
			b := float32(128)
			if x >= 4 {
				b = 1
			}
			if p := pixel(t, im, "", x, y); p[0] != r || p[1] != float32(x) || p[2] != b {
				t.Fatalf("(%d,%d) = %v, want %v %v %v", x, y, p, r, x, b)
			}
		}
	}
}

func TestDecodeHDRRefusesBadFiles(t *testing.T) {
	rle := []byte(hdrHead + "-Y 1 +X 8\n")
	rle = append(rle, 2, 2, 0, 8, 128+9, 1) // a run past the end of the line
	for name, d := range map[string][]byte{
		"no blank line":   []byte("#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n"),
		"xyze":            []byte("#?RADIANCE\nFORMAT=32-bit_rle_xyze\n\n-Y 1 +X 1\n\x01\x01\x01\x80"),
		"rotated":         []byte(hdrHead + "+X 1 -Y 1\n\x01\x01\x01\x80"),
		"huge":            []byte(hdrHead + "-Y 100000 +X 100000\n"),
		"truncated":       append([]byte(hdrHead+"-Y 2 +X 2\n"), 1, 2, 3, 4, 5, 6, 7, 8, 9),
		"run overflow":    rle,
		"repeat at start": append([]byte(hdrHead+"-Y 1 +X 2\n"), 1, 1, 1, 1, 9, 9, 9, 9),
	} {
		if _, err := Decode(d); err == nil {
			t.Errorf("%s: decoded", name)
		} else if !strings.HasPrefix(err.Error(), "hdr: radiance: ") {
			t.Errorf("%s: error %q does not say what failed", name, err)
		}
	}
}

func TestDecodeTruncatedPNGFails(t *testing.T) {
	var b bytes.Buffer
	png.Encode(&b, image.NewGray(image.Rect(0, 0, 64, 64)))
	if _, err := Decode(b.Bytes()[:b.Len()/2]); err == nil || !strings.HasPrefix(err.Error(), "png: ") {
		t.Errorf("truncated PNG: %v", err)
	}
}

// multiPartEXR writes a two-part file: "beauty" with R, G, B, A (HALF
// values exact in binary16) and "aov" with diffuse.R/G/B and depth.Z, its
// data window inside a larger display window.
func multiPartEXR(t *testing.T) []byte {
	t.Helper()
	dw := exr.Box2i{XMin: 1, YMin: 2, XMax: 4, YMax: 3} // 4 x 2
	disp := exr.Box2i{XMax: 5, YMax: 4}                 // 6 x 5
	ch := func(name string, typ exr.PixelType, v func(i int) float32) *exr.Channel {
		c := &exr.Channel{Name: name, Type: typ, XSampling: 1, YSampling: 1, Width: 4, Height: 2}
		for i := 0; i < 8; i++ {
			c.Float = append(c.Float, v(i))
		}
		c.Type = exr.Float
		return c
	}
	p0 := &exr.Part{Name: "beauty", DataWindow: dw, DisplayWindow: disp}
	p0.Channels = []*exr.Channel{
		ch("A", exr.Float, func(int) float32 { return 0.5 }),
		ch("B", exr.Float, func(i int) float32 { return 0.25 }),
		ch("G", exr.Float, func(i int) float32 { return float32(i) / 8 }),
		ch("R", exr.Float, func(i int) float32 { return 0.5 }),
	}
	p1 := &exr.Part{Name: "aov", DataWindow: dw, DisplayWindow: disp}
	p1.Channels = []*exr.Channel{
		ch("depth.Z", exr.Float, func(i int) float32 { return 10 + float32(i) }),
		ch("diffuse.B", exr.Float, func(int) float32 { return 3 }),
		ch("diffuse.G", exr.Float, func(int) float32 { return 2 }),
		ch("diffuse.R", exr.Float, func(int) float32 { return 1 }),
	}
	for _, p := range []*exr.Part{p0, p1} {
		p.Levels = []*exr.Level{{Width: 4, Height: 2, Channels: p.Channels}}
	}
	var b bytes.Buffer
	if err := exr.WriteFile(&b, &exr.File{Parts: []*exr.Part{p0, p1}}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDecodeMultiPartEXRKeepsEveryLayer(t *testing.T) {
	im, err := Decode(multiPartEXR(t))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range im.Layers {
		names = append(names, l.FullName()+"["+channelNames(l)+"]")
	}
	want := "beauty[A:float,B:float,G:float,R:float] aov.depth[Z:float] aov.diffuse[B:float,G:float,R:float]"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("layers %s\nwant   %s", got, want)
	}
	if im.Width != 6 || im.Height != 5 || im.Transfer != "linear" {
		t.Errorf("size %dx%d %s", im.Width, im.Height, im.Transfer)
	}
	if l := im.Layers[0]; l.X != 1 || l.Y != 2 || l.Width != 4 || l.Height != 2 {
		t.Errorf("beauty placed at %d,%d size %dx%d", l.X, l.Y, l.Width, l.Height)
	}
	if p := pixel(t, im, "beauty", 3, 1); p[2] != 7.0/8 {
		t.Errorf("beauty G at (3,1) = %v", p[2])
	}
	if p := pixel(t, im, "aov.depth", 1, 1); p[0] != 15 {
		t.Errorf("depth at (1,1) = %v", p[0])
	}
	if im.Beauty().FullName() != "beauty" {
		t.Errorf("beauty layer is %q", im.Beauty().FullName())
	}
	// Preview: display window size, data window placed, premultiplied
	// colour divided by alpha (0.5/0.5 = 1 → 255), outside transparent.
	pv := im.Preview()
	if pv.Bounds().Dx() != 6 || pv.Bounds().Dy() != 5 {
		t.Fatalf("preview %v", pv.Bounds())
	}
	if c := pv.NRGBAAt(1, 2); c.R != 255 || c.A != 128 || c.B != EncodeSRGB8(0.5) {
		t.Errorf("preview at data origin = %v", c)
	}
	if c := pv.NRGBAAt(0, 0); c.A != 0 {
		t.Errorf("preview outside the data window = %v", c)
	}
	found := false
	for _, a := range im.Attributes {
		found = found || a.Part == "aov" && a.Name == "compression" && a.Value != ""
	}
	if !found {
		t.Errorf("no compression attribute for part aov: %+v", im.Attributes)
	}
}

func TestDecodeDamagedEXRFails(t *testing.T) {
	d := multiPartEXR(t)
	if _, err := Decode(d[:len(d)-10]); err == nil || !strings.HasPrefix(err.Error(), "exr: ") {
		t.Errorf("truncated EXR: %v", err)
	}
}

// The reference images' multi-part file, when the shared copy is present.
func TestDecodeReferenceMultiPart(t *testing.T) {
	p := filepath.Join("..", "..", "shared", "exr-images", "Beachball", "multipart.0001.exr")
	if _, err := os.Stat(p); err != nil {
		t.Skip("no ../shared/exr-images")
	}
	im, _, err := Open(p, 0)
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string]bool{}
	for _, l := range im.Layers {
		parts[l.Part] = true
	}
	if len(parts) < 2 {
		t.Errorf("%d parts in %s", len(parts), p)
	}
}

// Every non-damaged reference image decodes into layers with a preview,
// or is refused with the EXR reader's UnsupportedError (counted, logged).
func TestDecodeReferenceImages(t *testing.T) {
	root := filepath.Join("..", "..", "shared", "exr-images")
	if _, err := os.Stat(root); err != nil {
		t.Skip("no ../shared/exr-images")
	}
	var files []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() && d.Name() == "Damaged" {
			return filepath.SkipDir
		}
		if err == nil && strings.HasSuffix(p, ".exr") {
			files = append(files, p)
		}
		return nil
	})
	ok, unsupported := 0, 0
	for _, p := range files {
		im, _, err := Open(p, 0)
		var u exr.UnsupportedError
		switch {
		case errors.As(err, &u):
			unsupported++
			t.Logf("%s: %v", p, err)
		case err != nil:
			t.Errorf("%s: %v", p, err)
		default:
			ok++
			if pv := im.Preview(); pv.Bounds().Dx() != im.Width || len(im.Layers) == 0 {
				t.Errorf("%s: preview %v for %dx%d, %d layers", p, pv.Bounds(), im.Width, im.Height, len(im.Layers))
			}
		}
	}
	t.Logf("%d reference images: %d decoded, %d unsupported", len(files), ok, unsupported)
}

// Luminance/chroma layers preview as RGB (ImfRgbaYca's YCAtoRGB, BT.709
// weights); no chroma is grey.
func TestPreviewLuminanceChroma(t *testing.T) {
	im := &Image{Format: EXR, Width: 2, Height: 1, Layers: []Layer{{
		Channels: []Channel{{Name: "BY"}, {Name: "RY"}, {Name: "Y"}}, Width: 2, Height: 1,
		Pix: []float32{0, 0, 0.5, 0, 1, 0.25},
	}}}
	pv := im.Preview()
	if c := pv.NRGBAAt(0, 0); c != (color.NRGBA{188, 188, 188, 255}) {
		t.Errorf("grey = %v", c)
	}
	g := (0.25 - 0.5*0.2126 - 0.25*0.0722) / 0.7152
	if c := pv.NRGBAAt(1, 0); c != (color.NRGBA{EncodeSRGB8(0.5), EncodeSRGB8(float32(g)), EncodeSRGB8(0.25), 255}) {
		t.Errorf("colour = %v", c)
	}
}

// A display window far larger than the data does not size the preview.
func TestPreviewHugeDisplayWindowShowsDataWindow(t *testing.T) {
	im := &Image{Format: EXR, Width: 1 << 20, Height: 1 << 20, Layers: []Layer{{
		Channels: []Channel{{Name: "B"}, {Name: "G"}, {Name: "R"}}, X: 5000, Y: 7000, Width: 2, Height: 1,
		Pix: []float32{0, 0, 1, 1, 0, 0},
	}}}
	pv := im.Preview()
	if pv.Bounds().Dx() != 2 || pv.Bounds().Dy() != 1 {
		t.Fatalf("preview %v", pv.Bounds())
	}
	if c := pv.NRGBAAt(0, 0); c != (color.NRGBA{255, 0, 0, 255}) {
		t.Errorf("pixel 0 = %v", c)
	}
	if c := pv.NRGBAAt(1, 0); c != (color.NRGBA{0, 0, 255, 255}) {
		t.Errorf("pixel 1 = %v", c)
	}
}

// A luminance/chroma EXR decodes to an R, G, B layer with OpenEXR's
// RgbaInputFile values (pixel (0,0) of Flowers.exr) and a note saying so.
func TestDecodeLuminanceChromaEXRBecomesRGB(t *testing.T) {
	path := filepath.Join("..", "..", "shared", "exr-images", "LuminanceChroma", "Flowers.exr")
	if _, err := os.Stat(path); err != nil {
		t.Skip("no ../shared/exr-images")
	}
	im, _, err := Open(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	l := im.Beauty()
	var names []string
	for _, c := range l.Channels {
		names = append(names, c.Name)
	}
	if strings.Join(names, ",") != "R,G,B" {
		t.Fatalf("channels %v, want R,G,B", names)
	}
	want := []float32{0x3c0f, 0x3c1b, 0x40d9}
	for k := range want {
		if v := exr.HalfToFloat(uint16(want[k])); l.Pix[k] != v {
			t.Errorf("channel %s at (0,0) = %g, RgbaInputFile %g", names[k], l.Pix[k], v)
		}
	}
	found := false
	for _, a := range im.Attributes {
		found = found || a.Name == "rgallery:luminanceChroma"
	}
	if !found {
		t.Error("no rgallery:luminanceChroma note")
	}
}

// TestFullNameDoesNotRepeatAPartNamedAfterItsLayer pins the layer naming
// of multi-part files: a part named after its layer is said once.
func TestFullNameDoesNotRepeatAPartNamedAfterItsLayer(t *testing.T) {
	for _, c := range []struct{ part, name, want string }{
		{"", "", ""}, {"", "diffuse", "diffuse"}, {"rgba", "", "rgba"},
		{"albedo", "albedo", "albedo"}, {"ViewLayer", "ViewLayer.Combined", "ViewLayer.Combined"},
		{"aov", "depth", "aov.depth"}, {"albedo", "albedoX", "albedo.albedoX"},
	} {
		l := Layer{Part: c.part, Name: c.name}
		if got := l.FullName(); got != c.want {
			t.Errorf("part %q layer %q: %q, want %q", c.part, c.name, got, c.want)
		}
	}
}

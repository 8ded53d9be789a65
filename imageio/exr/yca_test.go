package exr

import (
	"os"
	"path/filepath"
	"testing"
)

// TestYCAToRGBMatchesRgbaInputFilePixels pins a few pixels of the reference
// image Flowers.exr (B44, 2×2 chroma, ACES chromaticities) to the HALF
// values OpenEXR's RgbaInputFile gives: corners (edge padding and
// clamping), an odd/odd pixel (horizontal and vertical reconstruction), a
// pixel of the second row (fixSaturation against the clamped row above).
// internal/oracle compares whole images.
func TestYCAToRGBMatchesRgbaInputFilePixels(t *testing.T) {
	path := filepath.Join("..", "..", "..", "shared", "exr-images", "LuminanceChroma", "Flowers.exr")
	if _, err := os.Stat(path); err != nil {
		t.Skip("no ../shared/exr-images")
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	p := f.Parts[0]
	ls := p.Layers()
	if len(ls) != 1 || !ls[0].LuminanceChroma() {
		t.Fatalf("layers %v: want one luminance/chroma layer", ls)
	}
	rgb, err := p.YCAToRGB(ls[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		x, y    int
		r, g, b uint16
	}{
		{0, 0, 0x3c0f, 0x3c1b, 0x40d9},
		{101, 57, 0x34ce, 0x35e7, 0x3d8a},
		{783, 733, 0x3c96, 0x3c8a, 0x4165},
		{400, 1, 0x39f3, 0x39b9, 0x3f7c},
	} {
		i := c.y*rgb[0].Width + c.x
		if got := [3]uint16{rgb[0].Half[i], rgb[1].Half[i], rgb[2].Half[i]}; got != [3]uint16{c.r, c.g, c.b} {
			t.Errorf("pixel (%d,%d): %04x, RgbaInputFile %04x %04x %04x", c.x, c.y, got, c.r, c.g, c.b)
		}
	}
}

// TestLuminanceWeightsRec709Default: without a chromaticities attribute the
// weights are BT.709's (0.2126, 0.7152, 0.0722), as computeYw gives them.
func TestLuminanceWeightsRec709Default(t *testing.T) {
	yw, err := (&Part{}).LuminanceWeights()
	if err != nil {
		t.Fatal(err)
	}
	want := [3]float32{0.2126, 0.7152, 0.0722}
	for k := range yw {
		if d := yw[k] - want[k]; d > 1e-4 || d < -1e-4 {
			t.Errorf("Yw = %v, want about %v", yw, want)
		}
	}
}

// TestYCAToRGBGreyWhenChromaZero: chroma 0 gives R = G = B = Y exactly
// (YCAtoRGBA's special case), and a Y-only layer is grey.
func TestYCAToRGBGreyWhenChromaZero(t *testing.T) {
	const w, h = 6, 4
	y := &Channel{Name: "Y", Type: pixHalf, XSampling: 1, YSampling: 1, Width: w, Height: h, Half: make([]uint16, w*h)}
	for i := range y.Half {
		y.Half[i] = halfFromFloat32(float32(i) / 7)
	}
	ry := &Channel{Name: "RY", Type: pixHalf, XSampling: 2, YSampling: 2, Width: w / 2, Height: h / 2, Half: make([]uint16, w*h/4)}
	by := &Channel{Name: "BY", Type: pixHalf, XSampling: 2, YSampling: 2, Width: w / 2, Height: h / 2, Half: make([]uint16, w*h/4)}
	p := &Part{DataWindow: Box2i{XMax: w - 1, YMax: h - 1}, Levels: []*Level{{Width: w, Height: h}}}
	for _, l := range []Layer{{Channels: []*Channel{by, ry, y}}, {Channels: []*Channel{y}}} {
		rgb, err := p.YCAToRGB(l)
		if err != nil {
			t.Fatal(err)
		}
		for i := range y.Half {
			if rgb[0].Half[i] != y.Half[i] || rgb[1].Half[i] != y.Half[i] || rgb[2].Half[i] != y.Half[i] {
				t.Fatalf("pixel %d: %04x %04x %04x, want Y %04x", i, rgb[0].Half[i], rgb[1].Half[i], rgb[2].Half[i], y.Half[i])
			}
		}
	}
}

// TestYCAToRGBRefusesWindowWithoutChroma: a one-row window at an odd y has
// no chroma line; the conversion says so instead of indexing nothing.
func TestYCAToRGBRefusesWindowWithoutChroma(t *testing.T) {
	y := &Channel{Name: "Y", Type: pixHalf, XSampling: 1, YSampling: 1, Width: 4, Height: 1, Half: make([]uint16, 4)}
	ry := &Channel{Name: "RY", Type: pixHalf, XSampling: 2, YSampling: 2, Width: 2, Height: 0}
	by := &Channel{Name: "BY", Type: pixHalf, XSampling: 2, YSampling: 2, Width: 2, Height: 0}
	p := &Part{DataWindow: Box2i{YMin: 1, XMax: 3, YMax: 1}, Levels: []*Level{{Width: 4, Height: 1}}}
	if _, err := p.YCAToRGB(Layer{Channels: []*Channel{by, ry, y}}); err == nil {
		t.Fatal("converted a window without chroma samples")
	}
}

// TestLuminanceChromaOnlyForYRYBYA: Y with RY, BY, A is luminance/chroma;
// a vector layer that happens to have a Y (normal.X/Y/Z) or an RGB layer
// is not.
func TestLuminanceChromaOnlyForYRYBYA(t *testing.T) {
	l := func(names ...string) Layer {
		var out Layer
		for _, n := range names {
			out.Channels = append(out.Channels, &Channel{Name: n})
		}
		return out
	}
	for _, c := range []struct {
		l    Layer
		want bool
	}{
		{l("BY", "RY", "Y"), true},
		{l("A", "BY", "RY", "Y"), true},
		{l("Y"), true},
		{l("diffuse.BY", "diffuse.RY", "diffuse.Y"), true},
		{l("normal.X", "normal.Y", "normal.Z"), false},
		{l("B", "G", "R", "Y"), false},
		{l("RY", "BY"), false},
	} {
		if got := c.l.LuminanceChroma(); got != c.want {
			t.Errorf("%v: %v, want %v", c.l.Channels, got, c.want)
		}
	}
}

package exr

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testFile builds a two-part file: a named part with HALF, FLOAT and UINT
// channels, one sampled 2x2, and a data window with a negative origin
// and a display window elsewhere; a second part with a layer.
func testFile() *File {
	mk := func(name string, typ PixelType, xs, ys int, dw Box2i, seed int) *Channel {
		c := &Channel{Name: name, Type: typ, XSampling: xs, YSampling: ys,
			Width: numSamples(xs, dw.XMin, dw.XMax), Height: numSamples(ys, dw.YMin, dw.YMax)}
		n := c.Width * c.Height
		for i := 0; i < n; i++ {
			v := float32(math.Sin(float64(i*seed))) * 100
			switch typ {
			case Half:
				c.Half = append(c.Half, uint16(i*seed*7919))
			case Float:
				c.Float = append(c.Float, v)
			default:
				c.Uint = append(c.Uint, uint32(i*seed)*2654435761)
			}
		}
		return c
	}
	dw := Box2i{-4, -6, 9, 7} // 14 x 14
	p0 := &Part{Name: "beauty", DataWindow: dw, DisplayWindow: Box2i{0, 0, 99, 49}}
	p0.Channels = []*Channel{mk("A", Half, 1, 1, dw, 3), mk("BY", Half, 2, 2, dw, 5), mk("Z", Float, 1, 1, dw, 7), mk("id", Uint, 1, 1, dw, 11)}
	dw1 := Box2i{0, 0, 4, 2}
	p1 := &Part{Name: "aov", DataWindow: dw1, DisplayWindow: Box2i{0, 0, 99, 49}}
	p1.Channels = []*Channel{mk("diffuse.G", Float, 1, 1, dw1, 13), mk("diffuse.R", Float, 1, 1, dw1, 17)}
	for _, p := range []*Part{p0, p1} {
		p.Levels = []*Level{{Width: p.DataWindow.Width(), Height: p.DataWindow.Height(), Channels: p.Channels}}
	}
	return &File{Parts: []*Part{p0, p1}}
}

// What WriteFile writes, Parse reads back: parts, names, windows, sampling,
// and every sample (HALF comes back as FLOAT with the same value).
func TestWriteFileReadsBack(t *testing.T) {
	src := testFile()
	var b bytes.Buffer
	if err := WriteFile(&b, src); err != nil {
		t.Fatal(err)
	}
	got, err := Parse(b.Bytes(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !got.MultiPart || len(got.Parts) != 2 {
		t.Fatalf("multi-part %v, %d parts", got.MultiPart, len(got.Parts))
	}
	for pi, sp := range src.Parts {
		gp := got.Parts[pi]
		if gp.Name != sp.Name || gp.DataWindow != sp.DataWindow || gp.DisplayWindow != sp.DisplayWindow || gp.Compression != "NONE" {
			t.Fatalf("part %d: got %q %v %v %s", pi, gp.Name, gp.DataWindow, gp.DisplayWindow, gp.Compression)
		}
		byName := map[string]*Channel{}
		for _, c := range gp.Channels {
			byName[c.Name] = c
		}
		for _, sc := range sp.Channels {
			gc := byName[sc.Name]
			if gc == nil || gc.XSampling != sc.XSampling || gc.YSampling != sc.YSampling || gc.Width != sc.Width || gc.Height != sc.Height {
				t.Fatalf("part %d channel %s: got %+v", pi, sc.Name, gc)
			}
			for i := 0; i < sc.Width*sc.Height; i++ {
				if sc.Type == Uint {
					if gc.Uint[i] != sc.Uint[i] {
						t.Fatalf("%s[%d] = %d, want %d", sc.Name, i, gc.Uint[i], sc.Uint[i])
					}
					continue
				}
				if a, b := gc.At(i), sc.At(i); math.Float32bits(a) != math.Float32bits(b) {
					t.Fatalf("%s[%d] = %v, want %v", sc.Name, i, a, b)
				}
			}
		}
	}
	if l := got.Parts[1].Layers(); len(l) != 1 || l[0].Name != "diffuse" || len(l[0].Channels) != 2 {
		t.Fatalf("layers of part 1: %+v", l)
	}
}

// Level counts and sizes follow ImfTiledMisc: MIPMAP levels halve both
// sides down to 1x1, RIPMAP each side on its own, rounding as asked.
func TestTileLevels(t *testing.T) {
	for _, tc := range []struct {
		w, h  int
		mode  LevelMode
		up    bool
		sizes [][2]int
	}{
		{13, 20, MipMap, false, [][2]int{{13, 20}, {6, 10}, {3, 5}, {1, 2}, {1, 1}}},
		{13, 20, MipMap, true, [][2]int{{13, 20}, {7, 10}, {4, 5}, {2, 3}, {1, 2}, {1, 1}}},
		{5, 2, RipMap, false, [][2]int{{5, 2}, {2, 2}, {1, 2}, {5, 1}, {2, 1}, {1, 1}}},
		{7, 7, OneLevel, false, [][2]int{{7, 7}}},
	} {
		h := &header{dataWindow: Box2i{0, 0, tc.w - 1, tc.h - 1}, tiles: &TileDesc{XSize: 4, YSize: 4, Mode: tc.mode, RoundUp: tc.up}}
		lv := h.levels()
		if len(lv) != len(tc.sizes) {
			t.Fatalf("%dx%d %v up=%v: %d levels, want %d", tc.w, tc.h, tc.mode, tc.up, len(lv), len(tc.sizes))
		}
		for i, l := range lv {
			if l.w != tc.sizes[i][0] || l.h != tc.sizes[i][1] {
				t.Errorf("%dx%d %v up=%v level %d: %dx%d, want %v", tc.w, tc.h, tc.mode, tc.up, i, l.w, l.h, tc.sizes[i])
			}
		}
	}
}

// numSamples counts sample positions the way OpenEXR does, negative
// coordinates included.
func TestNumSamples(t *testing.T) {
	for _, tc := range []struct{ s, a, b, want int }{
		{1, -3, 3, 7}, {2, -4, 9, 7}, {2, -3, 3, 3}, {3, -5, -1, 1}, {3, -6, -1, 2}, {2, 1, 1, 0}, {4, -8, -8, 1},
	} {
		if got := numSamples(tc.s, tc.a, tc.b); got != tc.want {
			t.Errorf("numSamples(%d, %d, %d) = %d, want %d", tc.s, tc.a, tc.b, got, tc.want)
		}
	}
}

// A header claiming far more pixels than its file could hold is refused
// before anything is allocated.
func TestHugeWindowRefused(t *testing.T) {
	f := testFile()
	f.Parts = f.Parts[1:]
	var b bytes.Buffer
	if err := WriteFile(&b, f); err != nil {
		t.Fatal(err)
	}
	d := b.Bytes()
	i := bytes.Index(d, []byte("dataWindow\x00box2i\x00"))
	if i < 0 {
		t.Fatal("no dataWindow")
	}
	v := d[i+len("dataWindow\x00box2i\x00")+4:]
	copy(v[8:], []byte{0xff, 0xff, 0xff, 0x3f, 0xff, 0xff, 0xff, 0x3f}) // max = 2^30-1
	_, err := Parse(d, Options{})
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("got %v, want a FormatError", err)
	}
}

// Unsupported codecs and deep parts name what is missing.
func TestUnsupportedNamesIt(t *testing.T) {
	f := testFile()
	f.Parts = f.Parts[1:]
	f.Parts[0].Name = "" // single-part: no chunkCount to disagree with
	var b bytes.Buffer
	if err := WriteFile(&b, f); err != nil {
		t.Fatal(err)
	}
	d := append([]byte(nil), b.Bytes()...)
	i := bytes.Index(d, []byte("compression\x00compression\x00"))
	d[i+len("compression\x00compression\x00")+4] = byte(compHTJ2K32)
	_, err := Parse(d, Options{})
	var u UnsupportedError
	if !errors.As(err, &u) || !strings.Contains(err.Error(), "HTJ2K32 compression (part 0)") || !strings.Contains(err.Error(), "not implemented") {
		t.Fatalf("got %v", err)
	}
}

// Every truncation of a valid multi-part file errors, never panics.
func TestTruncatedMultiPart(t *testing.T) {
	var b bytes.Buffer
	if err := WriteFile(&b, testFile()); err != nil {
		t.Fatal(err)
	}
	d := b.Bytes()
	for n := 0; n < len(d); n += 3 {
		if _, err := Parse(d[:n], Options{}); err == nil {
			t.Fatalf("%d of %d bytes read without error", n, len(d))
		}
	}
}

func FuzzParse(f *testing.F) {
	var b bytes.Buffer
	_ = WriteFile(&b, testFile())
	f.Add(b.Bytes())
	// small files of OpenEXR's own test images, when present
	if m, _ := filepath.Glob("../../../shared/exr-images/*/*.exr"); len(m) > 0 {
		for _, p := range m {
			if st, err := os.Stat(p); err == nil && st.Size() < 40_000 {
				if d, err := os.ReadFile(p); err == nil {
					f.Add(d)
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, d []byte) {
		file, err := Parse(d, Options{MaxSamples: 1 << 22})
		if err != nil {
			return
		}
		// What a reader does next with a file that parsed: the float
		// image (deep parts flattened) and luminance/chroma conversion.
		for _, p := range file.Parts {
			if p.DataWindow.Width()*p.DataWindow.Height() > 1<<22 {
				continue
			}
			_, _ = p.Image()
			for _, l := range p.Layers() {
				if l.LuminanceChroma() {
					_, _ = p.YCAToRGB(l)
				}
			}
		}
	})
}

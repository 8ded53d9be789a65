package exr

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// aovLayers is a path tracer's output: beauty RGBA (FLOAT), albedo (HALF),
// normal X, Y, Z (FLOAT), depth Z and a Blender-style nested layer name.
func aovLayers(w, h int, seed uint64) []OutLayer {
	r := rand.New(rand.NewPCG(seed, 7))
	mk := func(name string, typ PixelType, chans ...string) OutLayer {
		l := OutLayer{Name: name, Channels: chans, Type: typ, Pix: make([]float32, len(chans)*w*h)}
		for i := range l.Pix {
			l.Pix[i] = float32(r.NormFloat64() * 4)
			if typ == Half {
				l.Pix[i] = halfToFloat(halfFromFloat32(l.Pix[i]))
			}
		}
		return l
	}
	return []OutLayer{
		mk("", Float, "R", "G", "B", "A"),
		mk("albedo", Half, "R", "G", "B"),
		mk("normal", Float, "X", "Y", "Z"),
		mk("depth", Float, "Z"),
		mk("ViewLayer.LightGroup_KeyLight_Long", Half, "R", "G", "B"),
	}
}

// TestWriteLayersRoundTripKeepsEveryLayer: every layer and channel comes
// back with its exact values, its type and sorted channel names, single-
// and multi-part, for each compression.
func TestWriteLayersRoundTripKeepsEveryLayer(t *testing.T) {
	const w, h = 37, 21 // not a multiple of ZIP's 16 lines
	layers := aovLayers(w, h, 1)
	for _, multi := range []bool{false, true} {
		for _, comp := range []string{"NONE", "ZIPS", "ZIP"} {
			var b bytes.Buffer
			if err := WriteLayers(&b, w, h, layers, LayerOptions{Compression: comp, MultiPart: multi, Attributes: map[string]string{"software": "rgallery"}}); err != nil {
				t.Fatal(err)
			}
			f, err := Parse(b.Bytes(), Options{})
			if err != nil {
				t.Fatalf("multi %v %s: %v", multi, comp, err)
			}
			if want := map[bool]int{false: 1, true: len(layers)}[multi]; len(f.Parts) != want {
				t.Fatalf("multi %v: %d parts", multi, len(f.Parts))
			}
			got := map[string]*Channel{}
			for _, p := range f.Parts {
				if p.Compression != comp {
					t.Errorf("compression %q, want %q", p.Compression, comp)
				}
				if a := p.Attribute("software"); a == nil || a.FormatValue() != `"rgallery"` && a.FormatValue() != "rgallery" {
					t.Errorf("software attribute %v", a)
				}
				for i, c := range p.Channels {
					if i > 0 && p.Channels[i-1].Name >= c.Name {
						t.Errorf("channels not sorted: %q before %q", p.Channels[i-1].Name, c.Name)
					}
					got[c.Name] = c
				}
			}
			for _, l := range layers {
				for ci, cn := range l.Channels {
					full := cn
					if l.Name != "" {
						full = l.Name + "." + cn
					}
					c := got[full]
					if c == nil {
						t.Fatalf("multi %v %s: channel %q missing", multi, comp, full)
					}
					if want := map[PixelType]PixelType{Half: Half, 0: Float, Float: Float}[l.Type]; c.Type != want {
						t.Errorf("%s: type %v, want %v", full, c.Type, want)
					}
					for i := 0; i < w*h; i++ {
						if v, want := c.At(i), l.Pix[i*len(l.Channels)+ci]; math.Float32bits(v) != math.Float32bits(want) {
							t.Fatalf("multi %v %s: %s sample %d = %g, wrote %g", multi, comp, full, i, v, want)
						}
					}
				}
			}
			if multi {
				if f.Parts[0].Name != "rgba" && f.Parts[0].Name != "" {
					t.Errorf("base part named %q", f.Parts[0].Name)
				}
			} else {
				var names []string
				for _, l := range f.Parts[0].Layers() {
					names = append(names, l.Name)
				}
				if strings.Join(names, ",") != ",ViewLayer.LightGroup_KeyLight_Long,albedo,depth,normal" {
					t.Errorf("layers %q", names)
				}
			}
		}
	}
}

// TestWriteLayersRefusesBadInput: wrong sizes, duplicate or dotted channel
// names and unknown compressions are errors, not files.
func TestWriteLayersRefusesBadInput(t *testing.T) {
	ok := OutLayer{Channels: []string{"R"}, Pix: make([]float32, 4)}
	for name, c := range map[string]struct {
		layers []OutLayer
		o      LayerOptions
	}{
		"no layers":   {nil, LayerOptions{}},
		"short pix":   {[]OutLayer{{Channels: []string{"R"}, Pix: make([]float32, 3)}}, LayerOptions{}},
		"dotted":      {[]OutLayer{{Channels: []string{"a.R"}, Pix: make([]float32, 4)}}, LayerOptions{}},
		"twice":       {[]OutLayer{ok, ok}, LayerOptions{}},
		"nested dup":  {[]OutLayer{{Name: "a", Channels: []string{"R"}, Pix: make([]float32, 4)}, {Name: "a", Channels: []string{"R"}, Pix: make([]float32, 4)}}, LayerOptions{}},
		"compression": {[]OutLayer{ok}, LayerOptions{Compression: "PIZ"}},
		"structural":  {[]OutLayer{ok}, LayerOptions{Attributes: map[string]string{"compression": "x"}}},
	} {
		if err := WriteLayers(&bytes.Buffer{}, 2, 2, c.layers, c.o); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestUnpredictReorderUndoesReorderPredict: the decoder side of ZIP/RLE's
// filter inverts the encoder for every length (odd ones, and the tail
// after the four-at-a-time loop).
func TestUnpredictReorderUndoesReorderPredict(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	for n := 0; n < 70; n++ {
		raw := make([]byte, n)
		for i := range raw {
			raw[i] = byte(r.IntN(256))
		}
		enc := reorderPredict(raw)
		got := make([]byte, n)
		unpredictReorder(got, enc)
		if !bytes.Equal(got, raw) {
			t.Fatalf("n=%d: %v, want %v", n, got, raw)
		}
	}
}

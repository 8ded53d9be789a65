package exr

import (
	"path/filepath"
	"testing"
)

// ctDWACases covers DWA's three schemes: R, G, B sets stored as Y'CbCr
// (top level and in a layer), lone lossy channels (Y, sampled BY/RY, a
// pLinear one), RLE alpha, and UNKNOWN channels (depth, ids) kept exact.
func ctDWACases(comp string) []ctCase {
	p := "dwa_" + comp + "_"
	ch := func(name, typ, fill string) ctChannel {
		return ctChannel{Name: name, Type: typ, XS: 1, YS: 1, Fill: fill}
	}
	return []ctCase{
		{Name: p + "rgba", Compression: comp, Width: 61, Height: 45, X0: -3, Y0: -5, Seed: 1,
			Channels: []ctChannel{ch("A", "HALF", "blocks"), ch("B", "HALF", "smooth"), ch("G", "HALF", "smooth"), ch("R", "HALF", "smooth")}},
		{Name: p + "rgb_float", Compression: comp, Width: 40, Height: 40, Seed: 2,
			Channels: []ctChannel{ch("B", "FLOAT", "smooth"), ch("G", "FLOAT", "finite"), ch("R", "FLOAT", "smooth"), ch("Z", "FLOAT", "finite")}},
		{Name: p + "layers", Compression: comp, Width: 33, Height: 70, Seed: 3,
			Channels: []ctChannel{ch("diffuse.B", "HALF", "smooth"), ch("diffuse.G", "HALF", "blocks"), ch("diffuse.R", "HALF", "smooth"),
				ch("id", "UINT", "noise"), ch("spec.A", "FLOAT", "const"), ch("spec.R", "HALF", "finite")}},
		{Name: p + "luma", Compression: comp, Width: 38, Height: 46, X0: -4, Y0: -6, Seed: 4,
			Channels: []ctChannel{ch("Y", "HALF", "smooth"),
				{Name: "BY", Type: "HALF", XS: 2, YS: 2, Fill: "smooth"},
				{Name: "RY", Type: "HALF", XS: 2, YS: 2, Fill: "blocks"},
				{Name: "L", Type: "HALF", XS: 1, YS: 1, Fill: "smooth", PLinear: true}}},
		{Name: p + "noise", Compression: comp, Width: 20, Height: 17, Seed: 5,
			Channels: []ctChannel{ch("B", "HALF", "finite"), ch("G", "HALF", "noise"), ch("R", "HALF", "wide")}},
		{Name: p + "const", Compression: comp, Width: 300, Height: 20, Seed: 6,
			Channels: []ctChannel{ch("B", "HALF", "const"), ch("G", "HALF", "const"), ch("R", "HALF", "const")}},
		{Name: p + "big", Compression: comp, Width: 256, Height: 300, Y0: -40, Seed: 8,
			Channels: []ctChannel{ch("A", "HALF", "const"), ch("B", "HALF", "smooth"), ch("G", "HALF", "sparse"), ch("R", "HALF", "smooth"), ch("Y", "FLOAT", "smooth")}},
		{Name: p + "tiny", Compression: comp, Width: 1, Height: 1, Seed: 7,
			Channels: []ctChannel{ch("R", "HALF", "finite"), ch("A", "HALF", "finite")}},
	}
}

// ctDWASuite compares our DWA decoding with OpenEXR's: UNKNOWN and RLE
// channels exactly, lossy ones within one half ulp (the inverse DCT's
// float rounding may differ from OpenEXR's SIMD code).
func ctDWASuite(t *testing.T, comp string) {
	dir := t.TempDir()
	cases := ctDWACases(comp)
	ctGenerate(t, dir, cases)
	chunks, inexact := 0, 0
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			n, k := ctCompareWithNoneTol(t, filepath.Join(dir, c.Name+".exr"), filepath.Join(dir, c.Name+".none.exr"), 1)
			t.Logf("%d compressed chunks match OpenEXR's decoding, %d samples one ulp off", n, k)
			chunks += n
			inexact += k
		})
	}
	t.Logf("%s: %d cases, %d compressed chunks match, %d samples one ulp off", comp, len(cases), chunks, inexact)
	if chunks == 0 {
		t.Error("no chunk was compressed: the suite tested nothing")
	}
}

// TestDWAAMatchesOpenEXR decodes OpenEXR-written DWAA files.
func TestDWAAMatchesOpenEXR(t *testing.T) { ctDWASuite(t, "DWAA") }

// TestDWABMatchesOpenEXR decodes OpenEXR-written DWAB files.
func TestDWABMatchesOpenEXR(t *testing.T) { ctDWASuite(t, "DWAB") }

// TestDWAGolden decodes the committed DWA files under testdata/codecs.
func TestDWAGolden(t *testing.T) {
	for _, p := range ctGoldenPairs(t, "dwa") {
		t.Run(filepath.Base(p[0]), func(t *testing.T) {
			if n, _ := ctCompareWithNoneTol(t, p[0], p[1], 1); n == 0 {
				t.Fatal("no chunk compared")
			}
		})
	}
}

func FuzzDecompressDWA(f *testing.F) { ctFuzz(f, "dwa", decompressDWA) }

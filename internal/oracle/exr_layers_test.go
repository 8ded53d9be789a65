package oracle

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rgallery/rgallery/imageio"
	"github.com/rgallery/rgallery/imageio/exr"
)

// TestOracleEXRLayersWritten writes a path tracer's AOVs with
// exr.WriteLayers (single-part and multi-part, ZIP) and checks that
// OpenEXR's own library reads every layer's channel with exactly the
// values written, that oiiotool lists every channel, and that imageio (what
// `rgallery import` decodes with) gives back every layer.
func TestOracleEXRLayersWritten(t *testing.T) {
	Python(t)
	oiiotool := Tool(t, "oiiotool")
	const w, h = 61, 35
	r := rand.New(rand.NewPCG(Seed(14), 0))
	mk := func(name string, typ exr.PixelType, chans ...string) exr.OutLayer {
		l := exr.OutLayer{Name: name, Channels: chans, Type: typ, Pix: make([]float32, len(chans)*w*h)}
		for i := range l.Pix {
			l.Pix[i] = float32(r.NormFloat64() * 3)
		}
		return l
	}
	layers := []exr.OutLayer{
		mk("", exr.Float, "R", "G", "B", "A"),
		mk("albedo", exr.Half, "R", "G", "B"),
		mk("normal", exr.Float, "X", "Y", "Z"),
		mk("depth", exr.Float, "Z"),
		mk("ViewLayer.Combined", exr.Half, "R", "G", "B", "A"),
	}
	dir := t.TempDir()
	var jobs []map[string]any
	var paths []string
	for _, multi := range []bool{false, true} {
		path := filepath.Join(dir, fmt.Sprintf("aov-multi-%v.exr", multi))
		if err := exr.WriteFileLayers(path, w, h, layers, exr.LayerOptions{MultiPart: multi}); err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, map[string]any{"name": filepath.Base(path), "path": path})
		paths = append(paths, path)
	}
	for i, d := range exrRunTolerant(t, []string{"read", dir}, jobs) {
		path := paths[i]
		if d.refused() {
			t.Fatalf("%s: OpenEXR cannot read it: %s %s", path, d.Error, d.Warnings)
		}
		// OpenEXR's values against what we wrote (HALF rounded).
		ref := map[string]exrDumpChannel{}
		for _, p := range d.Parts {
			for _, c := range p.Levels[0].Channels {
				ref[c.Name] = c
			}
		}
		f, err := exr.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if s := exrCompare(f, &d, false); s != "" {
			t.Errorf("%s: ours and OpenEXR differ: %s", path, s)
		}
		for _, l := range layers {
			for ci, cn := range l.Channels {
				full := cn
				if l.Name != "" {
					full = l.Name + "." + cn
				}
				dc, ok := ref[full]
				if !ok {
					t.Fatalf("%s: OpenEXR has no channel %q", path, full)
				}
				raw, err := os.ReadFile(dc.Bin)
				if err != nil {
					t.Fatal(err)
				}
				for k := 0; k < w*h; k++ {
					want := l.Pix[k*len(l.Channels)+ci]
					// FLOAT exactly; HALF within half a HALF step of the
					// float written (exrCompare above checks that OpenEXR
					// and we read the same bits, and the exr package's
					// tests that we round to nearest even).
					got := math.Float32frombits(exrRef(raw, dc.Type, k))
					tol := 0.0
					if dc.Type == "HALF" {
						got = exr.HalfToFloat(uint16(exrRef(raw, dc.Type, k)))
						tol = math.Abs(float64(want))/2048 + 1.0/(1<<25)
					}
					if d := math.Abs(float64(got) - float64(want)); d > tol || math.IsNaN(d) {
						t.Fatalf("%s: %s sample %d: OpenEXR reads %g, we wrote %g", path, full, k, got, want)
					}
				}
			}
		}
		// oiiotool lists every channel (subimages for the multi-part file).
		out, err := exec.Command(oiiotool, "--info", "-v", "-a", path).CombinedOutput()
		if err != nil {
			t.Fatalf("oiiotool --info %s: %v\n%s", path, err, out)
		}
		for name := range ref {
			if !strings.Contains(string(out), name) {
				t.Errorf("%s: oiiotool does not list channel %s:\n%s", path, name, out)
			}
		}
		// imageio keeps every layer.
		im, _, err := imageio.Open(path, 0)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, l := range im.Layers {
			got[l.Name] = len(l.Channels)
		}
		for _, l := range layers {
			if got[l.Name] != len(l.Channels) {
				t.Errorf("%s: imageio layer %q has %d channels, want %d (layers %v)", path, l.Name, got[l.Name], len(l.Channels), got)
			}
		}
	}
}

package oracle

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rgallery/rgallery/imageio/exr"
)

// rgbaDumpTool builds testdata/exr/rgba_dump.cpp, a few lines of C++ that
// read a file with OpenEXR's own RgbaInputFile (the luminance/chroma
// conversion lives only in the C++ library: neither oiiotool nor the
// Python bindings convert Y/RY/BY). It needs a C++ compiler and OpenEXR's
// development files (Debian libopenexr-dev); the test skips without them.
func rgbaDumpTool(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("g++"); err != nil {
		t.Skip("no g++: the RgbaInputFile oracle cannot be built")
	}
	flags, err := exec.Command("pkg-config", "--cflags", "--libs", "OpenEXR").Output()
	if err != nil {
		t.Skip("no OpenEXR development files (pkg-config OpenEXR; Debian libopenexr-dev): the RgbaInputFile oracle cannot be built")
	}
	bin := filepath.Join(t.TempDir(), "rgba_dump")
	args := append([]string{"-O1", "-o", bin, filepath.Join("testdata", "exr", "rgba_dump.cpp")}, strings.Fields(string(flags))...)
	if out, err := exec.Command("g++", args...).CombinedOutput(); err != nil {
		t.Skipf("building the RgbaInputFile oracle failed: %v\n%s", err, out)
	}
	return bin
}

// TestEXRLuminanceChromaMatchesRgbaInputFile converts every file of
// exr-images/LuminanceChroma with exr.Part.YCAToRGB and compares it with
// OpenEXR's RgbaInputFile: per channel means within 1e-3 relative, and
// every pixel's HALF bits counted where they differ.
func TestEXRLuminanceChromaMatchesRgbaInputFile(t *testing.T) {
	sd := SharedDir()
	if sd == "" {
		t.Skip("no ../shared/exr-images")
	}
	files, _ := filepath.Glob(filepath.Join(sd, "exr-images", "LuminanceChroma", "*.exr"))
	if len(files) == 0 {
		t.Skip("no exr-images/LuminanceChroma")
	}
	tool := rgbaDumpTool(t)
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "rgba")
			if b, err := exec.Command(tool, path, out).CombinedOutput(); err != nil {
				t.Fatalf("RgbaInputFile: %v\n%s", err, b)
			}
			ref, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			f, err := exr.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			p := f.Parts[0]
			var rgb [3]*exr.Channel
			for _, l := range p.Layers() {
				if l.LuminanceChroma() {
					if rgb, err = p.YCAToRGB(l); err != nil {
						t.Fatal(err)
					}
				}
			}
			if rgb[0] == nil {
				t.Fatal("no luminance/chroma layer found")
			}
			w, h := int(binary.LittleEndian.Uint32(ref)), int(binary.LittleEndian.Uint32(ref[4:]))
			if w != rgb[0].Width || h != rgb[0].Height || len(ref) != 8+8*w*h {
				t.Fatalf("OpenEXR %dx%d (%d bytes), ours %dx%d", w, h, len(ref), rgb[0].Width, rgb[0].Height)
			}
			for k, name := range []string{"R", "G", "B"} {
				var sumRef, sumOurs float64
				diff, worst, at := 0, 0.0, -1
				for i := 0; i < w*h; i++ {
					hr := binary.LittleEndian.Uint16(ref[8+8*i+2*k:])
					ho := rgb[k].Half[i]
					vr, vo := float64(exr.HalfToFloat(hr)), float64(exr.HalfToFloat(ho))
					sumRef += vr
					sumOurs += vo
					if hr != ho {
						diff++
						if d := math.Abs(vr - vo); d > worst {
							worst, at = d, i
						}
					}
				}
				mr, mo := sumRef/float64(w*h), sumOurs/float64(w*h)
				rel := math.Abs(mr-mo) / math.Max(math.Abs(mr), 1e-9)
				t.Logf("%s: mean OpenEXR %.6g ours %.6g (rel %.2g); %d of %d pixels differ, worst %g", name, mr, mo, rel, diff, w*h, worst)
				if rel > 1e-3 {
					t.Errorf("%s: mean %g, OpenEXR %g", name, mo, mr)
				}
				if diff != 0 {
					t.Errorf("%s: %d pixels differ from RgbaInputFile; worst %s", name, diff, fmt.Sprintf("pixel (%d,%d) by %g", at%w, at/w, worst))
				}
			}
		})
	}
}

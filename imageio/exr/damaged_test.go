package exr

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestDamagedFilesRefusedWithBoundedMemory reads every file of
// exr-images/Damaged (found by fuzzing OpenEXR) as a reader would, parts
// and float images, and requires an error for each, no panic, and at most
// maxDamagedAlloc bytes allocated on the way: a header that claims a huge
// image is refused before allocating it.
func TestDamagedFilesRefusedWithBoundedMemory(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "shared", "exr-images", "Damaged", "*"))
	if len(files) == 0 {
		t.Skip("no ../shared/exr-images/Damaged")
	}
	const maxDamagedAlloc = 256 << 20
	var ms runtime.MemStats
	worst, worstFile, refused := uint64(0), "", 0
	for _, path := range files {
		d, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&ms)
		before := ms.TotalAlloc
		err = readAll(d)
		runtime.ReadMemStats(&ms)
		if a := ms.TotalAlloc - before; a > worst {
			worst, worstFile = a, filepath.Base(path)
		}
		if err != nil {
			refused++
		} else if filepath.Base(path) != "imf_test_deep_tile_file_fuzz_broken_exr" {
			// That one OpenEXR reads (zero-filled): testdata/oracle/known-mismatches.txt.
			t.Errorf("%s: read without error", filepath.Base(path))
		}
	}
	t.Logf("%d of %d damaged files refused; most allocated: %d MiB (%s)", refused, len(files), worst>>20, worstFile)
	if worst > maxDamagedAlloc {
		t.Errorf("%s: %d MiB allocated, bound %d MiB", worstFile, worst>>20, maxDamagedAlloc>>20)
	}
}

// readAll does what a reader of a file does: parse it whole, then make
// each part's float image (deep parts flattened) and convert luminance/
// chroma layers. It returns the first error.
func readAll(d []byte) error {
	f, err := Parse(d, Options{})
	if err != nil {
		return err
	}
	for _, p := range f.Parts {
		if _, err := p.Image(); err != nil {
			return err
		}
		for _, l := range p.Layers() {
			if l.LuminanceChroma() {
				if _, err := p.YCAToRGB(l); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

package exr

import (
	"path/filepath"
	"testing"
)

// TestPXR24MatchesOpenEXR decodes OpenEXR-written PXR24 files (generated
// with the oracle) and requires every chunk to equal OpenEXR's own decoding.
func TestPXR24MatchesOpenEXR(t *testing.T) { ctOracleSuite(t, "PXR24") }

// TestPXR24Golden decodes the committed PXR24 file(s) under testdata/codecs,
// so plain go test checks the codec without the oracle.
func TestPXR24Golden(t *testing.T) {
	for _, p := range ctGoldenPairs(t, "pxr24_") {
		t.Run(filepath.Base(p[0]), func(t *testing.T) {
			if n := ctCompareWithNone(t, p[0], p[1]); n == 0 {
				t.Fatal("no chunk compared")
			}
		})
	}
}

func FuzzDecompressPXR24(f *testing.F) { ctFuzz(f, "pxr24_", decompressPXR24) }

package exr

import (
	"path/filepath"
	"testing"
)

// TestPIZMatchesOpenEXR decodes OpenEXR-written PIZ files (generated
// with the oracle) and requires every chunk to equal OpenEXR's own decoding.
func TestPIZMatchesOpenEXR(t *testing.T) { ctOracleSuite(t, "PIZ") }

// TestPIZGolden decodes the committed PIZ file(s) under testdata/codecs,
// so plain go test checks the codec without the oracle.
func TestPIZGolden(t *testing.T) {
	for _, p := range ctGoldenPairs(t, "piz_") {
		t.Run(filepath.Base(p[0]), func(t *testing.T) {
			if n := ctCompareWithNone(t, p[0], p[1]); n == 0 {
				t.Fatal("no chunk compared")
			}
		})
	}
}

func FuzzDecompressPIZ(f *testing.F) { ctFuzz(f, "piz_", decompressPIZ) }

package exr

import (
	"path/filepath"
	"testing"
)

// TestB44MatchesOpenEXR decodes OpenEXR-written B44 files (generated
// with the oracle) and requires every chunk to equal OpenEXR's own decoding.
func TestB44MatchesOpenEXR(t *testing.T) { ctOracleSuite(t, "B44") }

// TestB44Golden decodes the committed B44 file(s) under testdata/codecs,
// so plain go test checks the codec without the oracle.
func TestB44Golden(t *testing.T) {
	for _, p := range ctGoldenPairs(t, "b44_") {
		t.Run(filepath.Base(p[0]), func(t *testing.T) {
			if n := ctCompareWithNone(t, p[0], p[1]); n == 0 {
				t.Fatal("no chunk compared")
			}
		})
	}
}

func FuzzDecompressB44(f *testing.F) { ctFuzz(f, "b44_", decompressB44) }

// TestB44AMatchesOpenEXR does the same for B44A, whose flat 4x4 blocks
// take 3 bytes.
func TestB44AMatchesOpenEXR(t *testing.T) { ctOracleSuite(t, "B44A") }

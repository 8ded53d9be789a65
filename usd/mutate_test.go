package usd

import (
	"math/rand"
	"os"
	"path/filepath"
	"testing"
)

// TestMutatedInputs opens deterministic random corruptions of corpus
// packages and crate files: every one must open or fail with an error,
// never panic. (The fuzz targets explore further; this runs in CI.)
func TestMutatedInputs(t *testing.T) {
	dir := filepath.Join(sharedDir(t), "usd-corpus", "dev")
	var files []string
	for _, pat := range []string{"usdz-*/*.usdz", "render-*/*.usdz", "usdc-*/*.usdc", "usdc-*/usdc/*.usdc"} {
		m, _ := filepath.Glob(filepath.Join(dir, pat))
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Skip("no corpus")
	}
	rng := rand.New(rand.NewSource(1))
	tmp := t.TempDir()
	for it := 0; it < 400; it++ {
		src := files[rng.Intn(len(files))]
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		for k := 0; k < 1+rng.Intn(4); k++ {
			i := rng.Intn(len(b))
			switch rng.Intn(3) {
			case 0:
				b[i] ^= byte(1 << rng.Intn(8))
			case 1:
				b[i] = byte(rng.Intn(256))
			default:
				b[i] = 0xff
			}
		}
		p := filepath.Join(tmp, "mutated"+filepath.Ext(src))
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := Open(p)
		if err != nil {
			continue
		}
		for prim := range s.TraverseAll() {
			for _, a := range prim.Attributes() {
				a.Get(Default)
				for _, tc := range a.TimeSamples() {
					a.Get(tc)
				}
			}
			prim.LocalToWorld(Default)
		}
		s.DepReport()
	}
}

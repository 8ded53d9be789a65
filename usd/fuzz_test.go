package usd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzOpenUsdz opens arbitrary bytes as a .usdz stage (zip, then whatever
// layer is inside) and reads the whole stage; it must not panic.
func FuzzOpenUsdz(f *testing.F) {
	dir := filepath.Join("..", "..", "shared", "usd-corpus", "dev")
	if d := os.Getenv("RGALLERY_SHARED"); d != "" {
		dir = filepath.Join(d, "usd-corpus", "dev")
	}
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && strings.HasSuffix(p, ".usdz") && info.Size() < 32<<10 {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
		return nil
	})
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "fuzz.usdz")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := Open(p)
		if err != nil {
			return
		}
		for prim := range s.TraverseAll() {
			for _, a := range prim.Attributes() {
				a.Get(Default)
			}
			prim.LocalToWorld(Default)
		}
		s.DepReport()
	})
}

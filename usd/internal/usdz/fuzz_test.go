package usdz

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzOpen feeds the package reader arbitrary bytes: it must give a
// package or an error, never panic or hang, and entries expand only within
// Read's bound; the root layer is the first file or an error; every entry reads
// or gives an error. (usd's FuzzOpenUsdz opens whole stages from usdz
// bytes; this one reaches far more inputs per second.)
func FuzzOpen(f *testing.F) {
	dir := filepath.Join("..", "..", "..", "..", "shared", "usd-corpus", "dev")
	if d := os.Getenv("RGALLERY_SHARED"); d != "" {
		dir = filepath.Join(d, "usd-corpus", "dev")
	}
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && strings.HasSuffix(p, ".usdz") && info.Size() < 64<<10 {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
		return nil
	})
	f.Add(makeZip(f, "a.usda", "b.png"))
	f.Add(makeZip(f, "b.png", "a.usda"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Open("fuzz.usdz", data)
		if err != nil {
			return
		}
		root, err := p.RootLayer()
		if err == nil && !p.Has(root) {
			t.Fatalf("root layer %q is not an entry", root)
		}
		for _, n := range p.Entries() {
			b, err := p.Read(n)
			// Stored entries hold at most the package's bytes; a compressed
			// one may expand, within Read's bound.
			if err == nil && len(b) > 1024*len(data)+1<<20 {
				t.Fatalf("entry %q reads %d bytes from a package of %d", n, len(b), len(data))
			}
			if pkg, inner, ok := SplitPackagePath(JoinPackagePath("x.usdz", n)); !ok || pkg != "x.usdz" || inner != n {
				t.Fatalf("package path of %q does not split back: %q %q %v", n, pkg, inner, ok)
			}
		}
	})
}

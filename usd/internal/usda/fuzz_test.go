package usda

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds the parser arbitrary text; it must return a layer or an
// error, never panic, and what it accepts must survive a write and reparse.
func FuzzParse(f *testing.F) {
	if d := os.Getenv("RGALLERY_SHARED"); d != "" || true {
		dir := filepath.Join("..", "..", "..", "..", "shared", "usd-corpus", "dev")
		if d != "" {
			dir = filepath.Join(d, "usd-corpus", "dev")
		}
		filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() || info.Size() > 64<<10 {
				return nil
			}
			if b, err := os.ReadFile(p); err == nil && isUsda(b) {
				f.Add(b)
			}
			return nil
		})
	}
	f.Add([]byte("#usda 1.0\ndef \"a\" { float3[] x = [(1,2,3)]; }\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := Parse("fuzz.usda", data)
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := Write(&out, l); err != nil {
			return
		}
		if _, err := Parse("fuzz-rewritten.usda", out.Bytes()); err != nil {
			t.Fatalf("written layer does not parse: %v\n%s", err, out.String())
		}
	})
}

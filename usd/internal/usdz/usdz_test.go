package usdz

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"
)

func makeZip(t testing.TB, names ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, n := range names {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("#usda 1.0\n"))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestRootLayerIsTheFirstFileAndMustBeUSD: a usdz opens by its first file
// (UsdUsdzFileFormat: the first file of the archive, its format found by
// extension); a package whose first file is not a USD layer is refused
// even when a later file is one (usd-core 26.11 refuses OpenUSD's own
// first_file_not_usd.usdz: b.png, then test.usda).
func TestRootLayerIsTheFirstFileAndMustBeUSD(t *testing.T) {
	for _, c := range []struct {
		names []string
		root  string
	}{
		{[]string{"test.usda", "b.png"}, "test.usda"},
		{[]string{"a.USDC", "b.usda"}, "a.USDC"},
		{[]string{"inner.usdz", "x.usda"}, "inner.usdz"},
		{[]string{"b.png", "test.usda"}, ""},
		{[]string{"readme.txt"}, ""},
	} {
		p, err := Open("t.usdz", makeZip(t, c.names...))
		if err != nil {
			t.Fatal(err)
		}
		root, err := p.RootLayer()
		if c.root == "" {
			if err == nil || !strings.Contains(err.Error(), "not a USD layer") {
				t.Errorf("%v: root %q, err %v; want refused", c.names, root, err)
			}
			continue
		}
		if err != nil || root != c.root {
			t.Errorf("%v: root %q, err %v; want %q", c.names, root, err, c.root)
		}
	}
	p, _ := Open("empty.usdz", makeZip(t))
	if _, err := p.RootLayer(); err == nil {
		t.Error("empty package opened")
	}
}

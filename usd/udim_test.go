package usd

import (
	"path/filepath"
	"testing"
)

func TestUDIMTilesResolveAgainstAuthoringLayer(t *testing.T) {
	s := openTestdata(t, filepath.Join("udim", "root.usda"))
	p := s.PrimAtPath("/Look")
	tiles := p.Attribute("inputs:file").UDIMTiles(Default)
	abs, _ := filepath.Abs(filepath.Join("testdata", "udim", "sub", "tex"))
	want := map[int]string{1001: filepath.Join(abs, "wood_1001.png"), 1012: filepath.Join(abs, "wood_1012.png")}
	if len(tiles) != len(want) {
		t.Fatalf("tiles %v; want %v", tiles, want)
	}
	for k, w := range want {
		if got, _ := filepath.Abs(tiles[k]); got != w {
			t.Errorf("tile %d = %q; want %q", k, tiles[k], w)
		}
	}
	// Not a UDIM path: no tiles.
	if got := p.Attribute("inputs:plain").UDIMTiles(Default); len(got) != 0 {
		t.Errorf("plain asset path gave tiles %v", got)
	}
	// The value itself stays unresolved, as in usd-core 26.11.
	if v, _ := p.Attribute("inputs:file").Get(Default); v.(AssetPath).Resolved != "" {
		t.Errorf("UDIM path resolved to %q; OpenUSD leaves it empty", v.(AssetPath).Resolved)
	}
}

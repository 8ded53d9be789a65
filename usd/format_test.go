package usd

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestLayerFormatIsChosenByExtension: OpenUSD finds a layer's file format
// by its extension alone (SdfFileFormat::FindByExtension,
// case-insensitive): a payload to usda text named layer.notusd is an
// InvalidAssetPath error and brings nothing, LAYER.USDA reads. Checked
// with usd-core 26.11 (see testdata/format_by_ext/root.usda).
func TestLayerFormatIsChosenByExtension(t *testing.T) {
	s, err := Open(filepath.Join("testdata", "format_by_ext", "root.usda"))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(s.PrimAtPath("/P").PrimStack()); n != 1 {
		t.Errorf("/P has %d opinions; want 1 (layer.notusd has no file format)", n)
	}
	if n := len(s.PrimAtPath("/Q").PrimStack()); n != 2 {
		t.Errorf("/Q has %d opinions; want 2 (LAYER.USDA is usda)", n)
	}
	errs := s.Errors()
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "cannot determine file format") {
		t.Errorf("errors = %v; want one InvalidAssetPath for layer.notusd", errs)
	}
	if _, err := Open(filepath.Join("testdata", "format_by_ext", "layer.notusd")); err == nil {
		t.Errorf("opening layer.notusd as a stage succeeded; want a file format error")
	}
}

func TestLayerExtensionOfPackagedPaths(t *testing.T) {
	for p, want := range map[string]bool{
		"/a/b.usda": true, "/a/B.USDC": true, "/a/b.usd": true, "/a/b.usdz": true,
		"/a/b.sdf": true, "/a/b.SDF": true, "/a/b": false, "/a/b.usda.txt": false,
		"/a/p.usdz[x.usdc]":                      true,
		"/a/p.usdz[q.usdz[root.usd]]":            true,
		"/a/p.usdz[q.usdz[dir/root.png]]":        false,
		"/a/p.usdz[m.usdz[m.usdz_FILES/m.usdc]]": true,
	} {
		if got := hasLayerExtension(p); got != want {
			t.Errorf("hasLayerExtension(%q) = %v; want %v", p, got, want)
		}
	}
}

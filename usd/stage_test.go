package usd

import (
	"os"
	"path/filepath"
	"testing"
)

func sharedDir(t testing.TB) string {
	if d := os.Getenv("RGALLERY_SHARED"); d != "" {
		return d
	}
	d, _ := filepath.Abs("../../shared")
	if _, err := os.Stat(d); err != nil {
		t.Skip("shared dir (corpus, bench scenes) not found; set RGALLERY_SHARED")
	}
	return d
}

func TestBenchScenes(t *testing.T) {
	for _, name := range []string{"cornell", "spheres", "mesh"} {
		path := filepath.Join(sharedDir(t), "bench-scenes", name, name+".usda")
		s, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if s.UpAxis() != "Z" || s.MetersPerUnit() != 1 {
			t.Errorf("%s: upAxis %q metersPerUnit %v", name, s.UpAxis(), s.MetersPerUnit())
		}
		if dp := s.DefaultPrim(); dp == nil || dp.Path() != "/Scene" {
			t.Errorf("%s: default prim %v", name, dp)
		}
		n := 0
		for p := range s.Traverse() {
			n++
			if p.TypeName() == "Mesh" {
				pts, ok := p.Attribute("points").Vec3fArray(Default)
				if !ok || len(pts) == 0 {
					t.Errorf("%s: no points", p.Path())
				}
				if v, _ := p.Attribute("subdivisionScheme").Token(Default); v != "none" {
					t.Errorf("%s: subdivisionScheme %q", p.Path(), v)
				}
			}
		}
		if n < 5 {
			t.Errorf("%s: %d prims", name, n)
		}
	}
}

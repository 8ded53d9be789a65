package usdscene

import (
	"context"
	"path/filepath"
	"testing"
)

func TestBuildTimes(t *testing.T) {
	d := sharedDir(t)
	for _, name := range []string{"cornell", "spheres", "mesh"} {
		res, err := Load(context.Background(), filepath.Join(d, "bench-scenes", name, name+".usda"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := res.Scene.Build(); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d triangles, BVH %v, warnings %q", name, res.Scene.NumTriangles(), res.Scene.BuildTime, res.Warnings)
	}
}

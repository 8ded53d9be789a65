package usdscene

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func sharedDir(t *testing.T) string {
	d := os.Getenv("RGALLERY_SHARED")
	if d == "" {
		d = "../../../shared"
	}
	if _, err := os.Stat(filepath.Join(d, "bench-scenes")); err != nil {
		t.Skipf("no shared bench scenes at %s (set RGALLERY_SHARED)", d)
	}
	return d
}

func TestLoadCornell(t *testing.T) {
	res, err := Load(context.Background(), filepath.Join(sharedDir(t), "bench-scenes/cornell/cornell.usda"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Scene
	if err := s.Build(); err != nil {
		t.Fatal(err)
	}
	if got := s.NumTriangles(); got != 30 {
		t.Errorf("triangles %d, want 30", got)
	}
	if len(s.Lights) != 1 {
		t.Errorf("lights %d, want 1", len(s.Lights))
	}
	if res.CameraPath != "/Scene/Camera" {
		t.Errorf("camera %q", res.CameraPath)
	}
	t.Logf("warnings: %q", res.Warnings)
}

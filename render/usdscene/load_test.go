package usdscene

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// sharedPath finds ../shared beside the repository, or $RGALLERY_SHARED;
// "" when absent.
func sharedPath() string {
	d := os.Getenv("RGALLERY_SHARED")
	if d == "" {
		d = "../../../shared"
	}
	if _, err := os.Stat(filepath.Join(d, "bench-scenes")); err != nil {
		return ""
	}
	return d
}

func sharedDir(t *testing.T) string {
	d := sharedPath()
	if d == "" {
		t.Skip("no shared bench scenes (../shared or $RGALLERY_SHARED)")
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

//go:build linux || darwin

package command

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/rgallery/rgallery/bgrender"
)

const examplesDir = "../../examples/command/backgroundrenderers"

// Every shipped example manifest loads, so that the examples cannot rot.
func TestExampleManifestsLoad(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(examplesDir, "*.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 3 {
		t.Fatalf("found %d example manifests, want at least 3", len(files))
	}
	labels := map[string]string{}
	for _, f := range files {
		plugins, err := Loader{}.Load(context.Background(), f)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		for _, p := range plugins {
			if prev, dup := labels[p.Label]; dup {
				t.Errorf("label %q in %s and %s", p.Label, prev, f)
			}
			labels[p.Label] = f
		}
	}
}

// The example a user copies first renders end to end, with the writer
// found on PATH as the manifest expects.
func TestExampleProgressivePNG(t *testing.T) {
	t.Setenv("PATH", filepath.Dir(writerBin)+string(os.PathListSeparator)+os.Getenv("PATH"))
	m, err := ReadManifest(filepath.Join(examplesDir, "progressive-png.toml"))
	if err != nil {
		t.Fatal(err)
	}
	h := newHost(1)
	r := NewRenderer(m, h)
	opts, err := r.GetConfigOptions(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	opts["passes"] = "3" // as typed on a command line
	if err := r.StartBackgroundRender(testCtx(t), "shot.usda", bgrender.Options{Plugin: opts, Viewport: viewport(40, 30)}); err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := poll(t, r); err != nil {
		t.Fatal(err)
	}
	images, md := h.snapshot()
	if len(images) == 0 {
		t.Fatal("no image")
	}
	wantPixels(t, images[len(images)-1].img, 40, 30, 3, 3)
	if md[bgrender.KeyPercentDone] != 100.0 {
		t.Errorf("percentDone = %v", md[bgrender.KeyPercentDone])
	}
	assertNoneAlive(t, r)
}

//go:build linux || darwin

package pluginproc

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/gallery"
	"github.com/rgallery/rgallery/internal/proc"
)

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestThroughManager runs Python plugins the way rgallery does: discovery on
// a search path with the registered loaders, the Manager polling, the
// gallery recording.
func TestThroughManager(t *testing.T) {
	needPython(t)
	t.Setenv("RGALLERY_CACHE_DIR", filepath.Join(t.TempDir(), "cache"))
	ctx := context.Background()

	// Two plugin dirs; the first one's cloud_render.py hides the second's.
	first, second := t.TempDir(), t.TempDir()
	winner := filepath.Join(first, "backgroundrenderers", "cloud_render.py")
	hidden := filepath.Join(second, "husdplugins", "backgroundrenderers", "cloud_render.py")
	copyFile(t, testdata("plugins", "cloud_render.py"), winner)
	if err := os.MkdirAll(filepath.Dir(hidden), 0o755); err != nil {
		t.Fatal(err)
	}
	shadow := "from husd.backgroundrenderer import BackgroundRenderer\n\n" +
		"def registerBackgroundRenderers(manager):\n" +
		"    manager.registerBackgroundRenderer('Shadowed Render', BackgroundRenderer)\n"
	if err := os.WriteFile(hidden, []byte(shadow), 0o644); err != nil {
		t.Fatal(err)
	}
	failing := filepath.Join(second, "backgroundrenderers", "failing.py")
	copyFile(t, testdata("broken", "failing.py"), failing)
	fast := filepath.Join(second, "backgroundrenderers", "fastrender.py")
	copyFile(t, testdata("plugins", "fastrender.py"), fast)
	copyFile(t, testdata("fastrender_prog.py"), filepath.Join(second, "fastrender_prog.py"))
	noreg := filepath.Join(second, "backgroundrenderers", "no_register.py")
	copyFile(t, testdata("broken", "no_register.py"), noreg)

	d := bgrender.Discover(ctx, []string{first, second})
	got := map[string]string{}
	for _, p := range d.Plugins {
		got[p.Label] = p.File
	}
	if got["Cloud Service Render"] != winner {
		t.Errorf("Cloud Service Render from %q, want %q", got["Cloud Service Render"], winner)
	}
	if _, ok := got["Shadowed Render"]; ok {
		t.Errorf("the overridden file was loaded: %v", got)
	}
	if len(d.Overridden) != 1 || d.Overridden[0].File != hidden || d.Overridden[0].By != winner {
		t.Errorf("overridden = %+v, want %s by %s", d.Overridden, hidden, winner)
	}
	wantErr := fmt.Sprintf("load %s: %s has no registerBackgroundRenderers(manager) function", noreg, noreg)
	if len(d.Errors) != 1 || d.Errors[0].File != noreg || d.Errors[0].Err != wantErr {
		t.Errorf("errors = %+v, want %s", d.Errors, wantErr)
	}

	g, err := gallery.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	m := bgrender.NewManager(g, nil)
	if err := m.AddDiscovered(d); err != nil {
		t.Fatal(err)
	}
	defer m.Shutdown(context.Background())
	scene := filepath.Join(t.TempDir(), "shot.usda")
	if err := os.WriteFile(scene, []byte("#usda 1.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	wait := func(id int64) gallery.Snapshot {
		t.Helper()
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		s, err := m.Wait(wctx, id)
		if err != nil {
			t.Fatalf("wait for %d: %v", id, err)
		}
		return s
	}

	// The seed template, configured from the menu.
	req := bgrender.Request{Renderer: "Cloud Service Render", Scene: scene, Configure: true,
		Options:  map[string]any{"outdir": out, "passes": 3},
		Viewport: bgrender.Viewport{CameraPath: "/cam", ResX: 8, ResY: 6}}
	s1, err := m.Start(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	s1 = wait(s1.ID)
	if s1.State != gallery.Finished || s1.Error != "" {
		t.Fatalf("snapshot %d: %s %q", s1.ID, s1.State, s1.Error)
	}
	if s1.Stats.PercentDone == nil || *s1.Stats.PercentDone != 100 ||
		s1.Stats.TotalClockTime == nil || *s1.Stats.TotalClockTime <= 0 ||
		s1.Stats.PeakMemory == nil || *s1.Stats.PeakMemory < 1<<20 {
		t.Errorf("stats = %+v", s1.Stats)
	}
	if s1.Metadata["job"] != fmt.Sprintf("cloud-%d", s1.ID) || s1.Metadata["lopnet"] != scene {
		t.Errorf("metadata = %v", s1.Metadata)
	}
	if s1.Image == "" {
		t.Fatal("no image in the gallery")
	}
	checkGreyPNG(t, g.Path(s1.Image), 8, 6, 255)
	plugin1 := s1.Options["plugin"].(map[string]any)
	if plugin1["configured"] != 1.0 || plugin1["quality"] != "draft" {
		t.Errorf(`options["plugin"] = %v`, plugin1)
	}

	// The Background button: the same options, getConfigOptions not asked
	// again (it would have counted configured up to 2).
	s2, err := m.Start(ctx, bgrender.Request{Renderer: "Cloud Service Render", Scene: scene,
		Viewport: bgrender.Viewport{ResX: 8, ResY: 6}})
	if err != nil {
		t.Fatal(err)
	}
	s2 = wait(s2.ID)
	if p := s2.Metadata["options"].(map[string]any)["plugin"].(map[string]any); p["configured"] != 1.0 || p["outdir"] != out {
		t.Errorf(`second render options["plugin"] = %v, want the first's`, p)
	}

	// A plugin raising in isRenderFinished fails its own render with the
	// traceback.
	s3, err := m.Start(ctx, bgrender.Request{Renderer: "RaiseInFinished", Scene: scene})
	if err != nil {
		t.Fatal(err)
	}
	s3 = wait(s3.ID)
	if s3.State != gallery.Failed || !strings.Contains(s3.Error, "isRenderFinished raised ZeroDivisionError: division by zero\nTraceback (most recent call last):\n") {
		t.Errorf("failing render: %s %q", s3.State, s3.Error)
	}

	// FastRender: progressive, then stopped; its program is gone.
	s4, err := m.Start(ctx, bgrender.Request{Renderer: "Fast Render", Scene: scene,
		Options: map[string]any{"outdir": out}})
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	for i := 0; i < 100 && pid == 0; i++ {
		// The first poll is after pollFrequency (2 s); renderPid comes
		// with the start.
		s, _ := g.Get(ctx, s4.ID)
		if v, ok := s.Metadata["renderPid"].(float64); ok {
			pid = int(v)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if pid == 0 || !proc.Alive(pid) {
		t.Fatalf("FastRender program pid %d not running", pid)
	}
	if err := m.Click(ctx, s4.ID, 0.3, 0.6); err != nil {
		t.Fatal(err)
	}
	if err := m.Stop(ctx, s4.ID); err != nil {
		t.Fatal(err)
	}
	s4 = wait(s4.ID)
	if s4.State != gallery.Stopped {
		t.Errorf("stopped render: %s %q", s4.State, s4.Error)
	}
	if got, ok := s4.Metadata["click"].([]any); !ok || len(got) != 2 || got[0] != 0.3 || got[1] != 0.6 {
		t.Errorf("click in metadata = %v, want [0.3 0.6]", s4.Metadata["click"])
	}
	if proc.Alive(pid) {
		t.Errorf("FastRender program %d alive after stop", pid)
	}
}

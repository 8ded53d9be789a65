//go:build linux || darwin

package local

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/imageio/exr"
	"github.com/rgallery/rgallery/renderworker"
)

// The test binary doubles as the worker: Local starts it with
// "render-worker ..." and this TestMain runs the real command.
func TestMain(m *testing.M) {
	if os.Getenv("RGALLERY_LOCAL_TEST_WORKER") == "1" && len(os.Args) > 1 && os.Args[1] == "render-worker" {
		if p := os.Getenv("RGALLERY_LOCAL_TEST_ARGS"); p != "" {
			// The worker's command line, one argument a line, for tests.
			if err := os.WriteFile(p, []byte(strings.Join(os.Args[2:], "\n")+"\n"), 0o644); err != nil {
				os.Exit(3)
			}
		}
		os.Exit(renderworker.Main(os.Args[2:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Setenv("RGALLERY_LOCAL_TEST_WORKER", "1")
	Executable = os.Args[0]
	os.Exit(m.Run())
}

type host struct {
	mu     sync.Mutex
	md     map[string]any
	images []string
	log    bytes.Buffer
}

func (h *host) ItemID() int64  { return 7 }
func (h *host) Source() string { return "test" }
func (h *host) UpdateImagePath(p string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.images = append(h.images, p)
}
func (h *host) UpdateMetadata(md map[string]any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.md == nil {
		h.md = map[string]any{}
	}
	for k, v := range md {
		h.md[k] = v
	}
}

type syncWriter struct{ h *host }

func (w *syncWriter) Write(p []byte) (int, error) {
	w.h.mu.Lock()
	defer w.h.mu.Unlock()
	return w.h.log.Write(p)
}

// logHost is the bgrender.Host view of host.
type logHost struct{ *host }

func (l logHost) Log() io.Writer { return &syncWriter{h: l.host} }

func cornell(t *testing.T) string {
	d := os.Getenv("RGALLERY_SHARED")
	if d == "" {
		d = "../../../shared"
	}
	p := filepath.Join(d, "bench-scenes/cornell/cornell.usda")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("no bench scene at %s (set RGALLERY_SHARED)", p)
	}
	return p
}

func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func newRenderer(t *testing.T, h *host) *Renderer {
	r, err := New(logHost{h})
	if err != nil {
		t.Fatal(err)
	}
	return r.(*Renderer)
}

func TestRenderToFinish(t *testing.T) {
	scene := cornell(t)
	h := &host{}
	r := newRenderer(t, h)
	defer r.Close()
	opts := bgrender.Options{Plugin: map[string]any{"spp": float64(4), "threads": 2}, Viewport: bgrender.Viewport{ResX: 64, ResY: 36}}
	if err := r.StartBackgroundRender(context.Background(), scene, opts); err != nil {
		t.Fatal(err)
	}
	pid := r.Pid()
	deadline := time.Now().Add(60 * time.Second)
	for {
		done, err := r.IsRenderFinished(context.Background())
		if err != nil {
			t.Fatalf("%v\nlog:\n%s", err, h.log.String())
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("render did not finish in 60 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if alive(pid) {
		t.Errorf("worker pid %d still alive after finishing", pid)
	}
	if got := h.md["percentDone"]; got != float64(100) {
		t.Errorf("percentDone %v, want 100", got)
	}
	if _, ok := h.md["peakMemory"].(int64); !ok {
		t.Errorf("peakMemory %T %v, want int64", h.md["peakMemory"], h.md["peakMemory"])
	}
	if len(h.images) == 0 {
		t.Fatal("no image reported")
	}
	im, err := exr.ReadFile(h.images[len(h.images)-1])
	if err != nil {
		t.Fatal(err)
	}
	if im.Width != 64 || im.Height != 36 {
		t.Fatalf("image %dx%d, want 64x36", im.Width, im.Height)
	}
	var sum float64
	for _, v := range im.RGB() {
		sum += float64(v)
	}
	if sum <= 0 {
		t.Fatal("image is black")
	}
	// The AOV layers come through by default.
	if ch := strings.Join(im.Channels, " "); !strings.Contains(ch, "albedo.R") || !strings.Contains(ch, "depth.Z") || !strings.Contains(ch, "specular_indirect.B") {
		t.Errorf("channels %q, want the AOV layers", ch)
	}
	if _, err := os.Stat(filepath.Join(r.OutputDir(), "image.png")); err != nil {
		t.Errorf("no PNG preview: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(r.OutputDir()); !os.IsNotExist(err) {
		t.Errorf("output dir %s left after Close: %v", r.OutputDir(), err)
	}
}

func TestStopKillsWorker(t *testing.T) {
	scene := cornell(t)
	h := &host{}
	r := newRenderer(t, h)
	defer r.Close()
	opts := bgrender.Options{Plugin: map[string]any{"spp": 60000, "threads": 1}, Viewport: bgrender.Viewport{ResX: 96, ResY: 54}}
	if err := r.StartBackgroundRender(context.Background(), scene, opts); err != nil {
		t.Fatal(err)
	}
	pid := r.Pid()
	// Wait for the first image, click, then stop.
	deadline := time.Now().Add(30 * time.Second)
	for len(h.snapshotImages()) == 0 {
		if done, err := r.IsRenderFinished(context.Background()); done || err != nil {
			t.Fatalf("finished early: %v\n%s", err, h.log.String())
		}
		if time.Now().After(deadline) {
			t.Fatal("no first image in 30 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := r.MouseClick(context.Background(), 0.2, 0.8); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := r.StopBackgroundRender(ctx); err != nil {
		t.Fatal(err)
	}
	if alive(pid) {
		t.Fatalf("worker pid %d alive after stop", pid)
	}
	done, err := r.IsRenderFinished(context.Background())
	if !done || err != nil {
		t.Fatalf("after stop: done=%v err=%v", done, err)
	}
	if pd, _ := h.md["percentDone"].(float64); pd <= 0 || pd >= 100 {
		t.Errorf("percentDone %v after an early stop, want in (0, 100)", h.md["percentDone"])
	}
}

func TestBadScene(t *testing.T) {
	h := &host{}
	r := newRenderer(t, h)
	defer r.Close()
	bad := filepath.Join(t.TempDir(), "bad.usda")
	os.WriteFile(bad, []byte("#usda 1.0\ndef Mesh \"m\" {\n  point3f[] points = [(0,0,0)\n"), 0o644)
	if err := r.StartBackgroundRender(context.Background(), bad, bgrender.Options{Plugin: map[string]any{"spp": 1}}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		done, err := r.IsRenderFinished(context.Background())
		if done {
			if err == nil {
				t.Fatal("bad scene rendered without error")
			}
			t.Logf("error: %v", err)
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no failure in 30 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if alive(r.Pid()) {
		t.Fatal("worker alive after failure")
	}
}

func TestBadOption(t *testing.T) {
	r := newRenderer(t, &host{})
	err := r.StartBackgroundRender(context.Background(), "x.usda", bgrender.Options{Plugin: map[string]any{"spp": "lots"}})
	if err == nil {
		t.Fatal("spp=lots accepted")
	}
	for _, o := range []map[string]any{
		{OptFilter: "gauss"}, {OptAOVs: "maybe"}, {OptAdaptiveThreshold: -1.0}, {OptAdaptiveThreshold: "x"},
		{OptDenoise: "yes"}, {OptDenoise: "on", OptAOVs: "off"}, {OptFilterGlossy: -1.0}, {OptFilterGlossy: "soft"},
	} {
		if err := newRenderer(t, &host{}).StartBackgroundRender(context.Background(), "x.usda", bgrender.Options{Plugin: o}); err == nil {
			t.Errorf("options %v accepted", o)
		}
	}
}

// The sampling and output options reach the worker: aovs=off writes only
// the beauty; denoise=on adds the denoised layer (with the Blackman-Harris
// filter and adaptive sampling on, which must not break the render);
// filterGlossy is passed as given, Cycles' 1 when not set.
func TestRenderOptionsReachWorker(t *testing.T) {
	scene := cornell(t)
	argsFile := filepath.Join(t.TempDir(), "args.txt")
	t.Setenv("RGALLERY_LOCAL_TEST_ARGS", argsFile)
	for _, tc := range []struct {
		opts     map[string]any
		has, not string
		arg      string
	}{
		{map[string]any{OptAOVs: "off"}, "R", "albedo.R", "--filter-glossy\n1\n"},
		{map[string]any{OptDenoise: "on", OptFilter: "blackman-harris", OptAdaptiveThreshold: 0.1}, "denoised.R", "", "--filter\nblackman-harris\n"},
		{map[string]any{OptFilterGlossy: 0.0}, "R", "", "--filter-glossy\n0\n"},
	} {
		h := &host{}
		r := newRenderer(t, h)
		plugin := map[string]any{"spp": float64(4), "threads": 2}
		for k, v := range tc.opts {
			plugin[k] = v
		}
		if err := r.StartBackgroundRender(context.Background(), scene, bgrender.Options{Plugin: plugin, Viewport: bgrender.Viewport{ResX: 32, ResY: 18}}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(60 * time.Second)
		for {
			done, err := r.IsRenderFinished(context.Background())
			if err != nil {
				t.Fatalf("%v: %v\nlog:\n%s", tc.opts, err, h.log.String())
			}
			if done {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%v: render did not finish in 60 s", tc.opts)
			}
			time.Sleep(50 * time.Millisecond)
		}
		imgs := h.snapshotImages()
		if len(imgs) == 0 {
			t.Fatalf("%v: no image", tc.opts)
		}
		im, err := exr.ReadFile(imgs[len(imgs)-1])
		if err != nil {
			t.Fatal(err)
		}
		ch := " " + strings.Join(im.Channels, " ") + " "
		if !strings.Contains(ch, " "+tc.has+" ") || (tc.not != "" && strings.Contains(ch, " "+tc.not+" ")) {
			t.Errorf("%v: channels %q, want %s and not %q", tc.opts, ch, tc.has, tc.not)
		}
		if got := h.md["percentDone"]; got != float64(100) {
			t.Errorf("%v: percentDone %v, want 100", tc.opts, got)
		}
		if b, err := os.ReadFile(argsFile); err != nil || !strings.Contains("\n"+string(b), "\n"+tc.arg) {
			t.Errorf("%v: worker command line lacks %q (%v):\n%s", tc.opts, tc.arg, err, b)
		}
		r.Close()
	}
}

func (h *host) snapshotImages() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.images...)
}

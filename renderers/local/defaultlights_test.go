//go:build linux || darwin

package local

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rgallery/rgallery/bgrender"
)

// The defaultLights option reaches the worker, and the rig the worker
// added is in the snapshot's metadata after the render (not only on the
// start line).
func TestDefaultLightsOptionAndMetadata(t *testing.T) {
	scene := "../../render/usdscene/testdata/shading/rig_plane.usda"
	for _, tc := range []struct {
		mode string
		want bool
	}{{"auto", true}, {"off", false}} {
		h := &host{}
		r := newRenderer(t, h)
		opts := bgrender.Options{Plugin: map[string]any{"spp": float64(2), "threads": 1, OptDefaultLights: tc.mode}, Viewport: bgrender.Viewport{ResX: 16, ResY: 16}}
		if err := r.StartBackgroundRender(context.Background(), scene, opts); err != nil {
			t.Fatal(err)
		}
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
		r.Close()
		h.mu.Lock()
		d, _ := h.md["defaultLights"].(string)
		h.mu.Unlock()
		if (d != "") != tc.want {
			t.Errorf("defaultLights=%s: metadata defaultLights %q, want added=%v", tc.mode, d, tc.want)
		}
	}
	r := newRenderer(t, &host{})
	defer r.Close()
	err := r.StartBackgroundRender(context.Background(), scene, bgrender.Options{Plugin: map[string]any{OptDefaultLights: "bright"}})
	if err == nil || !strings.Contains(err.Error(), "auto, on or off") {
		t.Errorf("bad value: err %v", err)
	}
}

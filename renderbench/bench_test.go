package renderbench

import (
	"slices"
	"testing"
)

// flagValue returns the value after flag in args, or "" when absent.
func flagValue(args []string, flag string) string {
	if i := slices.Index(args, flag); i >= 0 && i+1 < len(args) {
		return args[i+1]
	}
	return ""
}

// TestWorkerArgsRenderBeautyOnlyLikeTheAnchors pins that the bench worker
// does the anchors' work per sample: no AOV layers unless asked, no
// Filter Glossy, the anchors' resolution, samples, bounces and threads.
func TestWorkerArgsRenderBeautyOnlyLikeTheAnchors(t *testing.T) {
	cfg := Config{Width: 640, Height: 360, SPP: 64, MaxBounces: 4, Threads: 2}
	args := workerArgs(cfg, "/out/spheres.exr", "/s/spheres.usda")
	for flag, want := range map[string]string{
		"--aovs": "off", "--filter-glossy": "0", "--res": "640x360", "--spp": "64",
		"--max-bounces": "4", "--threads": "2", "--exr": "/out/spheres.exr", "--png": "/out/spheres.png",
	} {
		if got := flagValue(args, flag); got != want {
			t.Errorf("%s = %q, want %q (args %q)", flag, got, want, args)
		}
	}
	if args[0] != "render-worker" || args[len(args)-1] != "/s/spheres.usda" {
		t.Errorf("args %q: want render-worker ... SCENE", args)
	}
	cfg.AOVs = true
	if got := flagValue(workerArgs(cfg, "/out/a.exr", "a.usda"), "--aovs"); got != "on" {
		t.Errorf("with AOVs: --aovs = %q, want on", got)
	}
}

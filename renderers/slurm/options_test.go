//go:build linux || darwin

package slurm

import (
	"bytes"
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/imageio/exr"
	"github.com/rgallery/rgallery/renderworker"
	"github.com/rgallery/rgallery/usd"
)

// runTaskScript runs the task script as array task 1 of 2 with a fake
// worker that writes its arguments to a file, and returns them. With
// viaFile the arguments come through task.args, as slurmrestd submissions
// pass them.
func runTaskScript(t *testing.T, opts map[string]any, viaFile bool) []string {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not on PATH")
	}
	t.Setenv(usd.VariantFallbacksEnv, "")
	cfg, err := parseConfig(opts)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "task.sh")
	if err := os.WriteFile(script, []byte(taskScript), 0o755); err != nil {
		t.Fatal(err)
	}
	worker := filepath.Join(dir, "worker.sh")
	rec := filepath.Join(dir, "argv.txt")
	if err := os.WriteFile(worker, []byte("#!/bin/sh\nprintf '%s\\n' \"$@\" >"+rec+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	args := taskArgs(cfg, dir, worker, "64x36", bgrender.Viewport{CameraPath: "/cam"}, "/scene/a.usda")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var cmd *exec.Cmd
	if viaFile {
		if err := os.WriteFile(filepath.Join(dir, "task.args"), []byte(strings.Join(args, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd = exec.CommandContext(ctx, "bash", script)
	} else {
		cmd = exec.CommandContext(ctx, "bash", append([]string{script}, args...)...)
	}
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SLURM_ARRAY_TASK_ID=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("task script: %v\n%s", err, out)
	}
	b, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// TestRenderOptionsReachTaskWorker pins the worker command line the task
// script builds from the render options (Local's names and defaults): the
// exact argv, for the defaults and for every option set, by argument and
// through task.args.
func TestRenderOptionsReachTaskWorker(t *testing.T) {
	head := func(dir string) []string {
		return []string{"render-worker", "--spp", "16", "--samples", "8:16", "--seed", "7", "--max-bounces", "3",
			"--threads", "1", "--film", dir + "/task-1.film"}
	}
	tail := []string{"--res", "64x36", "--camera", "/cam", "/scene/a.usda"}
	base := map[string]any{OptTasks: 2, OptSPP: 16, OptSeed: 7, OptMaxBounces: 3, OptJobDirRoot: "/farm"}
	with := func(m map[string]any) map[string]any {
		out := map[string]any{}
		for k, v := range base {
			out[k] = v
		}
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	cases := []struct {
		name string
		opts map[string]any
		mid  []string
	}{
		{"defaults", base, []string{"--subdiv-level", "2", "--default-lights", "auto", "--filter", "box", "--aovs", "on",
			"--filter-glossy", "1"}},
		{"set", with(map[string]any{OptSubdivLevel: 1, OptDefaultLights: "on", OptFilter: "blackman-harris", OptAOVs: "off",
			OptVariantFallbacks: "standin=render,anim; lod=hi", OptAdaptiveThreshold: 0.0, OptFilterGlossy: 0.5}),
			[]string{"--subdiv-level", "1", "--default-lights", "on", "--filter", "blackman-harris", "--aovs", "off",
				"--filter-glossy", "0.5", "--variant-fallbacks", "standin=render,anim; lod=hi"}},
		// Denoise is the farm's job after the merge, never the tasks'.
		{"denoise", with(map[string]any{OptSubdivLevel: 0, OptDefaultLights: "off", OptDenoise: "on"}),
			[]string{"--subdiv-level", "0", "--default-lights", "off", "--filter", "box", "--aovs", "on", "--filter-glossy", "1"}},
	}
	for _, c := range cases {
		for _, viaFile := range []bool{false, true} {
			got := runTaskScript(t, c.opts, viaFile)
			dir := strings.TrimSuffix(got[12], "/task-1.film")
			want := slices.Concat(head(dir), c.mid, tail)
			if !slices.Equal(got, want) {
				t.Errorf("%s (task.args %v):\n got %q\nwant %q", c.name, viaFile, got, want)
			}
		}
	}
}

// TestBadRenderOptions checks the exact errors for render options the farm
// refuses before anything is submitted.
func TestBadRenderOptions(t *testing.T) {
	t.Setenv(usd.VariantFallbacksEnv, "")
	root := t.TempDir()
	cases := []struct {
		opts map[string]any
		want string
	}{
		{map[string]any{OptAdaptiveThreshold: 0.01}, "option adaptiveThreshold = 0.01: not supported on the farm (each task would stop pixels on its own share of the samples and the merge would no longer equal one render); leave it 0 and set spp"},
		{map[string]any{OptAdaptiveThreshold: "x"}, "option adaptiveThreshold = x: not supported on the farm (each task would stop pixels on its own share of the samples and the merge would no longer equal one render); leave it 0 and set spp"},
		{map[string]any{OptSubdivLevel: 6}, "option subdivLevel = 6: out of range [0, 5]"},
		{map[string]any{OptFilter: "gaussian"}, "option filter = gaussian: want box or blackman-harris"},
		{map[string]any{OptFilterGlossy: -1.0}, "option filterGlossy = -1: out of range [0, 10]"},
		{map[string]any{OptAOVs: true}, "option aovs = true: want on or off"},
		{map[string]any{OptDefaultLights: "yes"}, "option defaultLights = yes: want auto, on or off"},
		{map[string]any{OptDenoise: "on", OptAOVs: "off"}, "option denoise = on needs aovs = on (the denoiser is guided by albedo, normal and depth)"},
		{map[string]any{OptVariantFallbacks: "standin"}, `option variantFallbacks = "standin": variant fallback "standin": want SET=SELECTION[,SELECTION...]`},
		{map[string]any{OptVariantFallbacks: "a=b\nc=d"}, `option variantFallbacks = "a=b\nc=d": control characters are not allowed`},
		{map[string]any{OptVariantFallbacks: 3}, "option variantFallbacks = 3: want a string SET=SEL[,SEL...] with ';' between sets"},
	}
	for _, c := range cases {
		opts := map[string]any{OptJobDirRoot: root}
		for k, v := range c.opts {
			opts[k] = v
		}
		r, _ := New(&testHost{})
		err := r.StartBackgroundRender(context.Background(), "scene.usda", bgrender.Options{Plugin: opts})
		if err == nil || err.Error() != c.want {
			t.Errorf("%v:\n got %v\nwant %s", c.opts, err, c.want)
		}
	}
	t.Setenv(usd.VariantFallbacksEnv, "lod")
	if _, err := parseConfig(map[string]any{OptJobDirRoot: root}); err == nil || err.Error() != `$RGALLERY_VARIANT_FALLBACKS: variant fallback "lod": want SET=SELECTION[,SELECTION...]` {
		t.Errorf("bad $%s: got %v", usd.VariantFallbacksEnv, err)
	}
	if ents, _ := os.ReadDir(root); len(ents) != 0 {
		t.Errorf("refused options left job dirs behind: %v", ents)
	}
}

// TestFarmRenderEqualsLocalWithOptions renders a scene on the cluster in
// two tasks with non-default render options and denoise on, and the same
// scene with one in-process worker given the flags the Local renderer
// passes for those options: every channel of every layer, the denoised
// layer included, must be equal bit for bit. The tasks' command lines are
// recorded to show the options reached them.
func TestFarmRenderEqualsLocalWithOptions(t *testing.T) {
	needCluster(t)
	scene := benchScene(t, "cornell")
	rec := t.TempDir()
	t.Setenv("RGALLERY_SLURM_TEST_RECORD_ARGS", rec)
	t.Setenv(usd.VariantFallbacksEnv, "")
	vp := bgrender.Viewport{ResX: 48, ResY: 27}
	r, h := start(t, scene, map[string]any{OptTasks: 2, OptSPP: 8, OptSeed: 5, OptMaxBounces: 3,
		OptSubdivLevel: 1, OptDefaultLights: "on", OptFilter: "blackman-harris", OptDenoise: "on",
		OptVariantFallbacks: "look=red"}, vp)
	done, err := poll(t, r, 90*time.Second, nil)
	if err != nil || !done {
		t.Fatalf("done=%v err=%v\nlog:\n%s", done, err, h.logText())
	}
	farm, err := exr.ReadFile(r.image)
	if err != nil {
		t.Fatal(err)
	}
	for task := 0; task < 2; task++ {
		b, err := os.ReadFile(filepath.Join(rec, "args-"+string(rune('0'+task))+".txt"))
		if err != nil {
			t.Fatalf("task %d recorded no command line: %v", task, err)
		}
		args := "\n" + string(b)
		for _, want := range []string{"--subdiv-level\n1\n", "--default-lights\non\n", "--filter\nblackman-harris\n", "--aovs\non\n", "--variant-fallbacks\nlook=red\n"} {
			if !strings.Contains(args, "\n"+want) {
				t.Errorf("task %d command line lacks %q:\n%s", task, want, b)
			}
		}
		if strings.Contains(args, "--denoise") || strings.Contains(args, "--adaptive-threshold") {
			t.Errorf("task %d command line denoises or adapts:\n%s", task, b)
		}
	}

	local := filepath.Join(t.TempDir(), "local.exr")
	var stdout, stderr bytes.Buffer
	code := renderworker.Main([]string{"--spp", "8", "--seed", "5", "--max-bounces", "3", "--threads", "1",
		"--default-lights", "on", "--subdiv-level", "1", "--filter", "blackman-harris", "--denoise", "on",
		"--variant-fallbacks", "look=red", "--res", "48x27", "--final-only", "--exr", local, scene},
		strings.NewReader(""), &stdout, &stderr)
	if code != 0 {
		t.Fatalf("local worker exit %d: %s", code, stderr.String())
	}
	one, err := exr.ReadFile(local)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(farm.Channels, one.Channels) || !slices.Contains(farm.Channels, "denoised.R") || !slices.Contains(farm.Channels, "albedo.R") {
		t.Fatalf("channels\nfarm  %v\nlocal %v\nwant the same, with the AOV and denoised layers", farm.Channels, one.Channels)
	}
	nc := len(farm.Channels)
	diff, denDiffers := 0, 0
	ir, id := slices.Index(farm.Channels, "R"), slices.Index(farm.Channels, "denoised.R")
	for i := range farm.Pix {
		if math.Float32bits(farm.Pix[i]) != math.Float32bits(one.Pix[i]) {
			diff++
		}
		if i%nc == 0 && farm.Pix[i+ir] != farm.Pix[i+id] {
			denDiffers++
		}
	}
	if diff != 0 {
		t.Errorf("%d of %d values differ between the farm and the local render", diff, len(farm.Pix))
	}
	if denDiffers < farm.Width*farm.Height/10 {
		t.Errorf("the denoised layer differs from the beauty in only %d of %d pixels: it was not denoised", denDiffers, farm.Width*farm.Height)
	}
}

//go:build linux || darwin

package command

import (
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/internal/proc"
)

const progressiveManifest = `
label = "Progressive"
argv = ["%WRITER%", "-o", "{image}", "-size", "{res_x}x{res_y}",
        "-passes", "{option.passes}", "-interval", "{option.interval}"]
progress = 'progress: (?P<percent>[0-9.]+)%'
poll = "20ms"
memory_interval = "10ms"
update_interval = 0
stop_grace = "100ms"

[[option]]
name = "passes"
type = "int"
default = 6
min = 1

[[option]]
name = "interval"
type = "string"
default = "30ms"
`

func viewport(w, h int) bgrender.Viewport {
	return bgrender.Viewport{CameraPath: "/cam", ResX: w, ResY: h}
}

func TestProgressiveRender(t *testing.T) {
	m := manifest(t, progressiveManifest)
	h := newHost(7)
	r := start(t, m, h, bgrender.Options{Plugin: map[string]any{"passes": 5.0}, Viewport: viewport(32, 16)})
	if err := poll(t, r); err != nil {
		t.Fatal(err)
	}
	images, md := h.snapshot()
	if len(images) == 0 {
		t.Fatal("no image reported")
	}
	lastB := -1
	for i, im := range images {
		if im.err != nil {
			t.Fatalf("image %d (%s) did not decode: %v", i, im.path, im.err)
		}
		_, _, b, _ := im.img.At(0, 0).RGBA()
		if int(b>>8) < lastB {
			t.Errorf("image %d went back from pass blue %d to %d", i, lastB, b>>8)
		}
		lastB = int(b >> 8)
	}
	wantPixels(t, images[len(images)-1].img, 32, 16, 5, 5)
	// The writer renames each version into place: the first is copied (no
	// history yet), later ones are reported at the writer's own path.
	for i, im := range images {
		want := r.vals["image"]
		if i == 0 {
			want = r.watches[0].copy
		}
		if im.path != want {
			t.Errorf("image %d reported at %s, want %s", i, im.path, want)
		}
	}
	if got := md[bgrender.KeyPercentDone]; got != 100.0 {
		t.Errorf("percentDone = %v, want 100", got)
	}
	if peak, ok := md[bgrender.KeyPeakMemory].(int64); !ok || peak <= 0 {
		t.Errorf("peakMemory = %#v, want > 0 bytes", md[bgrender.KeyPeakMemory])
	}
	if tc, ok := md[bgrender.KeyTotalClockTime].(float64); !ok || tc <= 0 {
		t.Errorf("totalClockTime = %#v, want > 0", md[bgrender.KeyTotalClockTime])
	}
	if md["exitStatus"] != "exit status 0" {
		t.Errorf("exitStatus = %v", md["exitStatus"])
	}
	if g, err := proc.ParseGroupID(fmt.Sprint(md["processGroup"])); err != nil || g.Pgid != r.p.Pid() || g.Start == 0 {
		t.Errorf("processGroup = %v (%v), want the group of pid %d", md["processGroup"], err, r.p.Pid())
	}
	wantCmd := writerBin + " -o " + filepath.Join(r.vals["outdir"], "render.png") + " -size 32x16 -passes 5 -interval 30ms"
	if md["command"] != wantCmd {
		t.Errorf("command = %q, want %q", md["command"], wantCmd)
	}
	// Every percentDone the regex found is one the writer printed.
	seen := 0
	for _, u := range h.mdLog {
		if p, ok := u[bgrender.KeyPercentDone].(float64); ok && p < 100 {
			seen++
			if !slicesContains([]float64{20, 40, 60, 80}, p) {
				t.Errorf("percentDone %v was never printed", p)
			}
		}
	}
	t.Logf("%d images, %d intermediate percentDone updates", len(images), seen)
	if !strings.Contains(h.logText(), "pass 5/5\nprogress: 100.0%\n") {
		t.Errorf("render log lacks the output:\n%s", h.logText())
	}
	assertNoneAlive(t, r)
}

func slicesContains(s []float64, v float64) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// The writer rewrites its PNG in place in two halves with a pause between;
// polling fast, the renderer must still only ever report whole images.
func TestHalfWrittenImagesNotReported(t *testing.T) {
	m := manifest(t, `
label = "In place"
argv = ["%WRITER%", "-o", "{image}", "-inplace", "-passes", "6", "-interval", "40ms", "-size", "48x24"]
poll = "2ms"
update_interval = 0
`)
	h := newHost(1)
	r := start(t, m, h, bgrender.Options{})
	if err := poll(t, r); err != nil {
		t.Fatal(err)
	}
	images, _ := h.snapshot()
	for i, im := range images {
		if im.err != nil {
			t.Errorf("image %d reported half written: %v", i, im.err)
		}
		if im.path != r.watches[0].copy {
			t.Errorf("image %d of an in-place writer reported at %s, want the copy %s", i, im.path, r.watches[0].copy)
		}
	}
	if len(images) == 0 {
		t.Fatal("no image reported")
	}
	wantPixels(t, images[len(images)-1].img, 48, 24, 6, 6)
}

// Stop while rendering: the writer and a grandchild both ignore SIGTERM,
// so Stop must escalate to SIGKILL and return only when both are gone. The
// last complete image is still reported.
func TestStopKillsWholeGroup(t *testing.T) {
	m := manifest(t, `
label = "Stubborn"
argv = ["sh", "-c", "trap '' TERM; sleep 600 & echo sleeper $!; exec \"$0\" -o \"$1\" -passes 100000 -interval 20ms -ignore-term", "%WRITER%", "{image}"]
poll = "10ms"
stop_grace = "100ms"
`)
	h := newHost(1)
	r := start(t, m, h, bgrender.Options{})
	ctx := testCtx(t)
	for {
		if done, err := r.IsRenderFinished(ctx); done || err != nil {
			t.Fatalf("finished early: %v", err)
		}
		if imgs, _ := h.snapshot(); len(imgs) > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	sleeper := 0
	for _, line := range strings.Split(h.logText(), "\n") {
		if s, ok := strings.CutPrefix(line, "sleeper "); ok {
			sleeper, _ = strconv.Atoi(s)
		}
	}
	if sleeper == 0 {
		t.Fatalf("no sleeper pid in output %q", h.logText())
	}
	alive, _ := r.p.Alive()
	if want := []int{r.p.Pid(), sleeper}; !reflect.DeepEqual(alive, sortedPair(want)) {
		t.Fatalf("group before stop = %v, want %v", alive, want)
	}
	if err := r.StopBackgroundRender(ctx); err != nil {
		t.Fatal(err)
	}
	assertNoneAlive(t, r, sleeper)
	st, _ := r.p.Status()
	if st.String() != "killed by signal SIGKILL" {
		t.Errorf("leader %s, want killed by signal SIGKILL", st)
	}
	images, md := h.snapshot()
	if last := images[len(images)-1]; last.err != nil {
		t.Errorf("last image: %v", last.err)
	}
	if _, ok := md[bgrender.KeyTotalClockTime]; !ok {
		t.Errorf("no totalClockTime after stop: %v", md)
	}
}

func sortedPair(p []int) []int {
	if p[0] > p[1] {
		return []int{p[1], p[0]}
	}
	return p
}

// peakMemory sums the tree: two writers of 48 MiB each under a shell. They
// hold their memory for up to a minute; the render is stopped as soon as
// the peak has reached the sum, and the peak is checked in the metadata.
func TestPeakMemoryOfTree(t *testing.T) {
	m := manifest(t, `
label = "Hungry"
argv = ["sh", "-c", "\"$0\" -no-image -alloc 48 -passes 1 -interval 1ms -hold 1m & \"$0\" -o \"$1\" -alloc 48 -passes 1 -interval 1ms -hold 1m; wait", "%WRITER%", "{image}"]
poll = "10ms"
memory_interval = "5ms"
stop_grace = "1s"
`)
	h := newHost(1)
	r := start(t, m, h, bgrender.Options{})
	ctx := testCtx(t)
	for r.p.PeakRSS() < 96<<20 {
		if done, err := r.IsRenderFinished(ctx); done || err != nil {
			t.Fatalf("finished before the peak reached 96 MiB (%d bytes): %v", r.p.PeakRSS(), err)
		}
		time.Sleep(r.PollFrequency())
	}
	if err := r.StopBackgroundRender(ctx); err != nil {
		t.Fatal(err)
	}
	_, md := h.snapshot()
	peak, _ := md[bgrender.KeyPeakMemory].(int64)
	if peak < 96<<20 {
		t.Errorf("peakMemory = %d bytes, want at least 96 MiB (two writers of 48 MiB)", peak)
	}
	t.Logf("peakMemory %.1f MiB", float64(peak)/(1<<20))
	assertNoneAlive(t, r)
}

func TestMouseClickGoesToStdin(t *testing.T) {
	m := manifest(t, `
label = "Clicky"
argv = ["%WRITER%", "-o", "{image}", "-passes", "100000", "-interval", "10ms"]
click = "focus {x} {y}"
poll = "10ms"
stop_grace = "1s"
`)
	h := newHost(1)
	r := start(t, m, h, bgrender.Options{})
	ctx := testCtx(t)
	if err := r.MouseClick(ctx, 0.25, 0.5); err != nil {
		t.Fatal(err)
	}
	for !strings.Contains(h.logText(), "clicked 0.25 0.5\n") {
		if done, err := r.IsRenderFinished(ctx); done || err != nil {
			t.Fatalf("finished early: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := r.StopBackgroundRender(ctx); err != nil {
		t.Fatal(err)
	}
	assertNoneAlive(t, r)
}

func TestOptionsAndOptionalGroups(t *testing.T) {
	m := manifest(t, `
label = "Opts"
argv = ["true", ["--camera", "{camera}"], ["--res", "{res_x}", "{res_y}"],
        "--samples={option.samples}", "--device", "{option.device}", "--denoise={option.denoise}",
        "--gain", "{option.gain}", "{{literal}}", "{item}", "{source}"]
image = "beauty.png"

[env]
RENDER_THREADS = "{option.samples}"

[[option]]
name = "samples"
type = "int"
default = 16

[[option]]
name = "device"
choices = ["CPU", "GPU"]

[[option]]
name = "denoise"
type = "bool"

[[option]]
name = "gain"
type = "float"
default = 1.5
`)
	for _, tc := range []struct {
		name string
		opts bgrender.Options
		want []string
		err  string
	}{
		{"defaults, no camera", bgrender.Options{},
			[]string{"true", "--samples=16", "--device", "CPU", "--denoise=false", "--gain", "1.5", "{literal}", "9", "/scenes/test.usda"}, ""},
		{"all set", bgrender.Options{
			Plugin:   map[string]any{"samples": "64", "device": "GPU", "denoise": true, "gain": 2.0},
			Viewport: bgrender.Viewport{CameraPath: "/World/cam", ResX: 640, ResY: 480}},
			[]string{"true", "--camera", "/World/cam", "--res", "640", "480", "--samples=64", "--device", "GPU", "--denoise=true", "--gain", "2", "{literal}", "9", "/scenes/test.usda"}, ""},
		{"half a resolution drops the group", bgrender.Options{Viewport: bgrender.Viewport{ResX: 640}},
			[]string{"true", "--samples=16", "--device", "CPU", "--denoise=false", "--gain", "1.5", "{literal}", "9", "/scenes/test.usda"}, ""},
		{"bad choice", bgrender.Options{Plugin: map[string]any{"device": "TPU"}}, nil,
			`command renderer "Opts": option device: "TPU" is not one of CPU, GPU`},
		{"bad int", bgrender.Options{Plugin: map[string]any{"samples": 1.5}}, nil,
			`command renderer "Opts": option samples: 1.5 is not a whole number`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewRenderer(m, newHost(9))
			err := r.StartBackgroundRender(testCtx(t), "scene.usda", tc.opts)
			defer r.Close()
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Errorf("err = %v, want %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(r.argv, tc.want) {
				t.Errorf("argv = %q\nwant %q", r.argv, tc.want)
			}
			if r.vals["image"] != filepath.Join(r.vals["outdir"], "beauty.png") {
				t.Errorf("image = %s", r.vals["image"])
			}
			wantEnv := []string{
				"RGALLERY_ITEM=9",
				"RGALLERY_USD=" + r.vals["usd"],
				"RGALLERY_OUTDIR=" + r.vals["outdir"],
				"RGALLERY_IMAGE=" + r.vals["image"],
				"RENDER_THREADS=" + strings.TrimPrefix(tc.want[len(tc.want)-9], "--samples="),
			}
			if got := r.env[len(r.env)-5:]; !reflect.DeepEqual(got, wantEnv) {
				t.Errorf("env ends with %q\nwant %q", got, wantEnv)
			}
		})
	}
}

// A format without a completeness check (here .tif) is reported once it
// holds still for a poll, or when the command has exited, and always as a
// copy: the command appending to its file later does not change what was
// reported.
func TestUncheckedFormatWaitsForStability(t *testing.T) {
	m := manifest(t, `
label = "EXR"
argv = ["sh", "-c", "printf AAAA > \"$0\"; sleep 0.3; printf BBBB >> \"$0\"; sleep 0.3; printf CCCC >> \"$0\"", "{image}"]
image = "beauty.tif"
poll = "10ms"
update_interval = 0
`)
	var seen []string
	h := newHost(1)
	r := start(t, m, h, bgrender.Options{})
	ctx := testCtx(t)
	for {
		n := len(h.images)
		done, err := r.IsRenderFinished(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(h.images) > n {
			data, err := os.ReadFile(h.images[len(h.images)-1].path)
			if err != nil {
				t.Fatal(err)
			}
			seen = append(seen, string(data))
		}
		if done {
			break
		}
		time.Sleep(r.PollFrequency())
	}
	if len(seen) == 0 || seen[len(seen)-1] != "AAAABBBBCCCC" {
		t.Fatalf("versions reported %q, want the last to be AAAABBBBCCCC", seen)
	}
	for i, v := range seen {
		if v != "AAAABBBBCCCC"[:len(v)] || len(v)%4 != 0 {
			t.Errorf("version %d = %q is not one the command completed", i, v)
		}
		if h.images[i].path != r.watches[0].copy {
			t.Errorf("version %d reported at %s, want the copy", i, h.images[i].path)
		}
	}
	t.Logf("versions %q", seen)
}

// Watched images are in order of preference: the preview is reported until
// the preferred image appears.
func TestWatchPreference(t *testing.T) {
	// The command writes the preview, waits until the test has seen it
	// reported (the go file), then writes the preferred image.
	m := manifest(t, `
label = "Two"
argv = ["sh", "-c", "\"$0\" -o \"$1/preview.png\" -passes 2 -interval 20ms && while [ ! -e \"$1/go\" ]; do sleep 0.01; done && \"$0\" -o \"$1/final.png\" -passes 1 -interval 1ms -size 8x8", "%WRITER%", "{outdir}"]
watch = ["{outdir}/final.png", "preview.png"]
poll = "10ms"
update_interval = 0
`)
	h := newHost(1)
	r := start(t, m, h, bgrender.Options{})
	ctx := testCtx(t)
	for {
		done, err := r.IsRenderFinished(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if done {
			break
		}
		if imgs, _ := h.snapshot(); len(imgs) > 0 {
			if err := os.WriteFile(filepath.Join(r.vals["outdir"], "go"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(r.PollFrequency())
	}
	images, _ := h.snapshot()
	if first := images[0]; filepath.Base(first.path) != "preview.png" {
		t.Errorf("first image %s, want the preview", first.path)
	}
	last := images[len(images)-1]
	if filepath.Base(last.path) != "final.png" || last.err != nil {
		t.Fatalf("last image %s (%v), want final.png", last.path, last.err)
	}
	wantPixels(t, last.img, 8, 8, 1, 1)
}

// Polls that find nothing new send nothing: no image look, no metadata.
func TestQuietPollsSendNothing(t *testing.T) {
	m := manifest(t, `
label = "Quiet"
argv = ["sleep", "600"]
poll = "1ms"
update_interval = "1h"
memory_interval = "1h"
stop_grace = "1s"
`)
	h := newHost(1)
	r := start(t, m, h, bgrender.Options{})
	ctx := testCtx(t)
	for range 20 {
		if done, err := r.IsRenderFinished(ctx); done || err != nil {
			t.Fatalf("finished: %v", err)
		}
	}
	// One update at start (command, pid), one at the first poll.
	if n := len(h.mdLog); n != 2 {
		t.Errorf("%d metadata updates after 20 quiet polls, want 2: %v", n, h.mdLog)
	}
	if err := r.StopBackgroundRender(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(h.mdLog); n != 3 {
		t.Errorf("%d metadata updates after stop, want 3", n)
	}
	assertNoneAlive(t, r)
}

// An image the gallery cannot decode is copied with the PNG preview beside
// it, so that the gallery can draw its thumbnail.
func TestPreviewTravelsWithImage(t *testing.T) {
	m := manifest(t, `
label = "TIFF+PNG"
argv = ["sh", "-c", "\"$0\" -o \"$1/beauty.png\" -passes 1 -interval 1ms -size 4x4 && printf TIFDATA > \"$1/beauty.tif\"", "%WRITER%", "{outdir}"]
image = "beauty.tif"
poll = "10ms"
`)
	h := newHost(1)
	r := start(t, m, h, bgrender.Options{})
	if err := poll(t, r); err != nil {
		t.Fatal(err)
	}
	images, _ := h.snapshot()
	last := images[len(images)-1].path
	if filepath.Base(last) != "beauty.tif" {
		t.Fatalf("reported %s, want beauty.tif", last)
	}
	if data, err := os.ReadFile(last); err != nil || string(data) != "TIFDATA" {
		t.Errorf("TIFF copy = %q, %v", data, err)
	}
	f, err := os.Open(strings.TrimSuffix(last, ".tif") + ".png")
	if err != nil {
		t.Fatalf("no preview beside the copy: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	wantPixels(t, img, 4, 4, 1, 1)
}

// A wrapper script finds the render's paths in its environment.
func TestEnvironmentForWrappers(t *testing.T) {
	m := manifest(t, `
label = "Wrapper"
argv = ["sh", "-c", "cd /; \"$0\" -o \"$RGALLERY_IMAGE\" -passes 1 -interval 1ms -size 6x6 && echo item $RGALLERY_ITEM", "%WRITER%"]
poll = "10ms"
`)
	h := newHost(42)
	r := start(t, m, h, bgrender.Options{})
	if err := poll(t, r); err != nil {
		t.Fatal(err)
	}
	images, _ := h.snapshot()
	wantPixels(t, images[len(images)-1].img, 6, 6, 1, 1)
	if !strings.Contains(h.logText(), "\nitem 42\n") {
		t.Errorf("log lacks the item id:\n%s", h.logText())
	}
}

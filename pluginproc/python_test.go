//go:build linux || darwin

package pluginproc

import (
	"context"
	"fmt"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/internal/proc"
)

func TestSeedTemplateRenders(t *testing.T) {
	t.Parallel()
	needPython(t)
	cfg := testConfig(t)
	file := testdata("plugins", "cloud_render.py")
	ps := loadPython(t, cfg, file)
	if got := labels(ps); !reflect.DeepEqual(got, []string{"Cloud Service Render"}) {
		t.Fatalf("labels = %v", got)
	}
	p := ps["Cloud Service Render"]
	if p.File != file || p.Kind != "python" {
		t.Errorf("plugin file, kind = %q, %q; want %q, python", p.File, p.Kind, file)
	}
	host := newFakeHost(42)
	r := newRender(t, p, host)
	ctx := context.Background()

	conf, err := r.GetConfigOptions(ctx, map[string]any{"samples": 64})
	if err != nil {
		t.Fatal(err)
	}
	wantConf := map[string]any{"samples": 64.0, "quality": "draft", "configured": 1.0}
	if !reflect.DeepEqual(conf, wantConf) {
		t.Fatalf("GetConfigOptions = %v, want %v", conf, wantConf)
	}

	out := t.TempDir()
	conf["outdir"] = out
	opts := bgrender.Options{Plugin: conf, Viewport: bgrender.Viewport{
		RenderSettingsPath: "/Render/rs", CameraPath: "/cam", ResX: 4, ResY: 3}}
	if err := r.StartBackgroundRender(ctx, "/shots/a.usda", opts); err != nil {
		t.Fatal(err)
	}
	if got := r.PollFrequency(); got != 250*time.Millisecond {
		t.Errorf("PollFrequency = %v, want 250ms", got)
	}
	if err := r.MouseClick(ctx, 0.25, 0.75); err != nil {
		t.Fatal(err)
	}
	done, err := pollUntil(t, r, 200, 20*time.Millisecond)
	if err != nil || !done {
		t.Fatalf("IsRenderFinished = %v, %v", done, err)
	}

	image := filepath.Join(out, "cloud-42.png")
	imgs := host.Images()
	if len(imgs) == 0 || imgs[len(imgs)-1] != image {
		t.Fatalf("images = %v, want last %s", imgs, image)
	}
	checkGreyPNG(t, image, 4, 3, 255)
	if v := host.Meta(bgrender.KeyPercentDone); v != 100.0 {
		t.Errorf("percentDone = %v, want 100", v)
	}
	if v, ok := host.Meta(bgrender.KeyTotalClockTime).(float64); !ok || v <= 0 {
		t.Errorf("totalClockTime = %v, want a positive float", host.Meta(bgrender.KeyTotalClockTime))
	}
	if v, ok := host.Meta(bgrender.KeyPeakMemory).(float64); !ok || v < 1<<20 {
		t.Errorf("peakMemory = %v, want the interpreter's RSS in bytes", host.Meta(bgrender.KeyPeakMemory))
	}
	for key, want := range map[string]any{"job": "cloud-42", "lopnet": "/stage", "usd": "/shots/a.usda"} {
		if got := host.Meta(key); got != want {
			t.Errorf("metadata %s = %v, want %v", key, got, want)
		}
	}
	// The options arrive in the seed's dict shape.
	gotOpts := host.Meta("options").(map[string]any)
	plugin := gotOpts["plugin"].(map[string]any)
	vp := gotOpts["viewport"].(map[string]any)
	if plugin["samples"] != 64.0 || plugin["configured"] != 1.0 || plugin["outdir"] != out {
		t.Errorf(`options["plugin"] = %v`, plugin)
	}
	wantVP := map[string]any{"rendersettings_path": "/Render/rs", "camera_path": "/cam", "res_x": 4.0, "res_y": 3.0}
	if !reflect.DeepEqual(vp, wantVP) {
		t.Errorf(`options["viewport"] = %v, want %v`, vp, wantVP)
	}
	if got := host.Meta("clicks"); !reflect.DeepEqual(got, []any{[]any{0.25, 0.75}}) {
		t.Errorf("clicks = %v, want [[0.25 0.75]]", got)
	}

	// The remembered options start the next render as they are, in a
	// fresh process, without getConfigOptions being asked again.
	host2 := newFakeHost(43)
	r2 := newRender(t, p, host2)
	if err := r2.StartBackgroundRender(ctx, "/shots/a.usda", opts); err != nil {
		t.Fatal(err)
	}
	if r2.PID() == r.PID() {
		t.Errorf("second render shares process %d with the first", r.PID())
	}
	got2 := host2.Meta("options").(map[string]any)["plugin"].(map[string]any)
	if got2["configured"] != 1.0 || got2["samples"] != 64.0 {
		t.Errorf(`second render options["plugin"] = %v, want the first's`, got2)
	}
	if err := r2.StopBackgroundRender(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestFastRenderProgressiveAndStop(t *testing.T) {
	t.Parallel()
	needPython(t)
	cfg := testConfig(t)
	p := loadPython(t, cfg, testdata("plugins", "fastrender.py"))["Fast Render"]
	host := newFakeHost(7)
	r := newRender(t, p, host)
	ctx := context.Background()
	out := t.TempDir()
	if err := r.StartBackgroundRender(ctx, "/shots/b.usda", bgrender.Options{Plugin: map[string]any{"outdir": out}}); err != nil {
		t.Fatal(err)
	}
	if got := r.PollFrequency(); got != 2*time.Second {
		t.Errorf("PollFrequency = %v, want 2s", got)
	}
	pidF, ok := host.Meta("renderPid").(float64)
	if !ok {
		t.Fatalf("no renderPid in metadata: %v", host.Meta("renderPid"))
	}
	pid := int(pidF)
	if !proc.Alive(pid) {
		t.Fatalf("external program %d is not running", pid)
	}
	// Progressive: the pass number grows between polls while the image
	// path stays the same.
	var passes []float64
	for i := 0; i < 200 && len(passes) < 3; i++ {
		done, err := r.IsRenderFinished(ctx)
		if err != nil || done {
			t.Fatalf("IsRenderFinished = %v, %v", done, err)
		}
		if v, ok := host.Meta("pass").(float64); ok && (len(passes) == 0 || v > passes[len(passes)-1]) {
			passes = append(passes, v)
		}
		time.Sleep(30 * time.Millisecond)
	}
	if len(passes) < 3 {
		t.Fatalf("saw passes %v, want 3 progressive updates", passes)
	}
	image := filepath.Join(out, "fastrender_7.ppm")
	for _, img := range host.Images() {
		if img != image {
			t.Fatalf("image update %q, want %q", img, image)
		}
	}
	if len(host.Images()) < 3 {
		t.Errorf("got %d image updates, want at least 3", len(host.Images()))
	}
	if v, ok := host.Meta(bgrender.KeyPercentDone).(float64); !ok || v <= 0 || v >= 100 {
		t.Errorf("percentDone = %v, want between 0 and 100", host.Meta(bgrender.KeyPercentDone))
	}
	// Without psutil the plugin reports no memory; rgallery measures the
	// plugin's process tree, the render program included.
	if _, err := exec.Command(cfgPython(t), "-c", "import psutil").CombinedOutput(); err != nil {
		if v, ok := host.Meta(bgrender.KeyPeakMemory).(int64); !ok || v < 2<<20 {
			t.Errorf("peakMemory = %v, want the tree's RSS (two interpreters)", host.Meta(bgrender.KeyPeakMemory))
		}
	}
	if err := r.StopBackgroundRender(ctx); err != nil {
		t.Fatal(err)
	}
	if proc.Alive(pid) {
		t.Errorf("external program %d still alive after stopBackgroundRender", pid)
	}
}

func TestCloseKillsWhatThePluginLeft(t *testing.T) {
	t.Parallel()
	needPython(t)
	cfg := testConfig(t)
	p := loadPython(t, cfg, testdata("plugins", "fastrender.py"))["Fast Render"]
	host := newFakeHost(8)
	r, _ := p.Factory(host)
	rr := r.(*remote)
	ctx := context.Background()
	opts := bgrender.Options{Plugin: map[string]any{"outdir": t.TempDir(), "kill_on_stop": false}}
	if err := r.StartBackgroundRender(ctx, "/shots/c.usda", opts); err != nil {
		t.Fatal(err)
	}
	pid := int(host.Meta("renderPid").(float64))
	leader := rr.PID()
	if err := r.StopBackgroundRender(ctx); err != nil {
		t.Fatal(err)
	}
	if !proc.Alive(pid) {
		t.Fatalf("external program %d died although the plugin did not kill it", pid)
	}
	if err := rr.Close(); err != nil {
		t.Fatal(err)
	}
	if proc.Alive(pid) || proc.Alive(leader) {
		t.Errorf("after Close: program %d alive %v, plugin %d alive %v", pid, proc.Alive(pid), leader, proc.Alive(leader))
	}
	want := fmt.Sprintf("rgallery: cleanup: killed 1 leftover process(es) of the plugin's process group: pids %d", pid)
	if !hasLine(host.LogText(), want) {
		t.Errorf("log lacks %q:\n%s", want, host.LogText())
	}
}

func TestSeveralRenderersInOneFile(t *testing.T) {
	t.Parallel()
	needPython(t)
	cfg := testConfig(t)
	ps := loadPython(t, cfg, testdata("plugins", "multi.py"))
	if got := labels(ps); !reflect.DeepEqual(got, []string{"Own Init", "Quick", "Slow", "Threaded"}) {
		t.Fatalf("labels = %v", got)
	}
	for label, wantPoll := range map[string]time.Duration{"Quick": time.Second, "Slow": 5 * time.Second, "Own Init": time.Second} {
		host := newFakeHost(9)
		r := newRender(t, ps[label], host)
		if err := r.StartBackgroundRender(context.Background(), "/x/scene.usda", bgrender.Options{}); err != nil {
			t.Fatal(err)
		}
		if got := r.PollFrequency(); got != wantPoll {
			t.Errorf("%s: PollFrequency = %v, want %v", label, got, wantPoll)
		}
		done, err := r.IsRenderFinished(context.Background())
		if err != nil || !done {
			t.Fatalf("%s: IsRenderFinished = %v, %v", label, done, err)
		}
		who := "quick"
		if label == "Own Init" {
			who = "own"
		}
		if host.Meta("who") != who || host.Meta("item") != 9.0 || host.Meta("lopnet") != "/stage" {
			t.Errorf("%s: metadata = %v", label, host.md)
		}
		if imgs := host.Images(); !reflect.DeepEqual(imgs, []string{"/x/scene.usda"}) {
			t.Errorf("%s: images = %v", label, imgs)
		}
	}
}

func TestDiscoveryCache(t *testing.T) {
	t.Parallel()
	needPython(t)
	cfg := testConfig(t)
	cfg.CacheDir = filepath.Join(t.TempDir(), "cache")
	dir := t.TempDir()
	file := filepath.Join(dir, "multi.py")
	src, err := os.ReadFile(testdata("plugins", "multi.py"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, src, 0o644); err != nil {
		t.Fatal(err)
	}
	loadPython(t, cfg, file)
	cachePath := filepath.Join(cfg.CacheDir, "plugins.json")
	b, err := os.ReadFile(cachePath)
	if err != nil {
		t.Fatalf("no cache written: %v", err)
	}
	// Doctor the cached labels: if the next load answers them, it did not
	// run the plugin.
	doctored := strings.Replace(string(b), `"Slow"`, `"Cached Slow"`, 1)
	if doctored == string(b) {
		t.Fatalf("cache does not hold the labels:\n%s", b)
	}
	if err := os.WriteFile(cachePath, []byte(doctored), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := labels(loadPython(t, cfg, file)); !reflect.DeepEqual(got, []string{"Cached Slow", "Own Init", "Quick", "Threaded"}) {
		t.Errorf("unchanged file: labels = %v, want the cached ones", got)
	}
	// A changed file is loaded again.
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(file, later, later); err != nil {
		t.Fatal(err)
	}
	if got := labels(loadPython(t, cfg, file)); !reflect.DeepEqual(got, []string{"Own Init", "Quick", "Slow", "Threaded"}) {
		t.Errorf("touched file: labels = %v, want the file's", got)
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	needPython(t)
	cfg := testConfig(t)
	l := &PythonLoader{Config: cfg}

	imp := testdata("broken", "import_error.py")
	_, err := l.Load(context.Background(), imp)
	if err == nil {
		t.Fatal("import error: Load succeeded")
	}
	wantPrefix := fmt.Sprintf("load %s: importing %s: ModuleNotFoundError: No module named 'rgallery_no_such_module'\nTraceback (most recent call last):\n", imp, imp)
	if !strings.HasPrefix(err.Error(), wantPrefix) {
		t.Errorf("import error:\n got %q\nwant prefix %q", err, wantPrefix)
	}
	if want := fmt.Sprintf("Traceback (most recent call last):\n  File %q, line 1, in <module>\n    import rgallery_no_such_module", imp); !strings.Contains(err.Error(), want) {
		t.Errorf("import error lacks the plugin's frame %q:\n%s", want, err)
	}
	if !strings.HasSuffix(err.Error(), "ModuleNotFoundError: No module named 'rgallery_no_such_module'") {
		t.Errorf("import error does not end with the exception:\n%s", err)
	}

	hou := testdata("broken", "needs_hou.py")
	_, err = l.Load(context.Background(), hou)
	wantPrefix = fmt.Sprintf("load %s: importing %s: ModuleNotFoundError: No module named 'hou' (rgallery runs plugins outside Houdini: only husd.backgroundrenderer is provided, not hou)\nTraceback (most recent call last):\n  File %q, line 1, in <module>\n    import hou\n", hou, hou, hou)
	if err == nil || !strings.HasPrefix(err.Error(), wantPrefix) {
		t.Errorf("import hou:\n got %v\nwant prefix %q", err, wantPrefix)
	}

	// The seed's template pasted as it is, with comment-only method
	// bodies, is not valid Python: the error says where.
	syntax := filepath.Join(t.TempDir(), "template.py")
	src := "from husd.backgroundrenderer import BackgroundRenderer\n\nclass R(BackgroundRenderer):\n" +
		"    def isRenderFinished(self):\n        # Return True when done.\n\n    def mouseClick(self, x, y):\n        pass\n"
	if err := os.WriteFile(syntax, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = l.Load(context.Background(), syntax)
	// The wording after "expected an indented block" varies between
	// Python versions; the place does not.
	wantPrefix = fmt.Sprintf("load %s: importing %s: IndentationError: expected an indented block", syntax, syntax)
	wantPlace := fmt.Sprintf("\n  File %q, line 7\n", syntax)
	if err == nil || !strings.HasPrefix(err.Error(), wantPrefix) || !strings.Contains(err.Error(), wantPlace) {
		t.Errorf("syntax error:\n got %v\nwant prefix %q and %q", err, wantPrefix, wantPlace)
	}

	noreg := testdata("broken", "no_register.py")
	_, err = l.Load(context.Background(), noreg)
	want := fmt.Sprintf("load %s: %s has no registerBackgroundRenderers(manager) function", noreg, noreg)
	if err == nil || err.Error() != want {
		t.Errorf("no register:\n got %v\nwant %s", err, want)
	}

	// A missing interpreter says how to pick another.
	bad := cfg
	bad.Python = filepath.Join(t.TempDir(), "no-python")
	_, err = (&PythonLoader{Config: bad}).Load(context.Background(), noreg)
	want = fmt.Sprintf("load %s: start %s: fork/exec %s: no such file or directory (set RGALLERY_PYTHON to a Python 3.8+ interpreter)", noreg, bad.Python, bad.Python)
	if err == nil || err.Error() != want {
		t.Errorf("missing interpreter:\n got %v\nwant %s", err, want)
	}

	// The same when the interpreter goes away between discovery and render.
	real, err := exec.LookPath(cfg.withDefaults().Python)
	if err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "python")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	linked := cfg
	linked.Python = link
	quick := loadPython(t, linked, testdata("plugins", "multi.py"))["Quick"]
	if err := os.Remove(link); err != nil {
		t.Fatal(err)
	}
	r := newRender(t, quick, newFakeHost(1))
	err = r.StartBackgroundRender(context.Background(), "/s.usda", bgrender.Options{})
	want = fmt.Sprintf("python plugin %q (%s): start %s: fork/exec %s: no such file or directory (set RGALLERY_PYTHON to a Python 3.8+ interpreter)",
		"Quick", testdata("plugins", "multi.py"), link, link)
	if err == nil || err.Error() != want {
		t.Errorf("interpreter gone:\n got %v\nwant %s", err, want)
	}
}

// checkGreyPNG decodes path and checks its size and that every pixel is the
// grey level want.
func checkGreyPNG(t *testing.T, path string, w, h int, want uint8) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Fatalf("%s is %v, want %dx%d", path, b, w, h)
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if g := color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y; g != want {
				t.Fatalf("%s pixel (%d,%d) = %d, want %d", path, x, y, g, want)
			}
		}
	}
}

func TestNotificationsFromPluginThreads(t *testing.T) {
	t.Parallel()
	needPython(t)
	p := loadPython(t, testConfig(t), testdata("plugins", "multi.py"))["Threaded"]
	host := newFakeHost(3)
	r := newRender(t, p, host)
	if err := r.StartBackgroundRender(context.Background(), "/t.usda", bgrender.Options{}); err != nil {
		t.Fatal(err)
	}
	done, err := pollUntil(t, r, 500, 5*time.Millisecond)
	if err != nil || !done {
		t.Fatalf("IsRenderFinished = %v, %v", done, err)
	}
	// The plugin's own updates; rgallery adds peakMemory ones.
	host.mu.Lock()
	var ticks []map[string]any
	for _, md := range host.mdLog {
		if _, ok := md["tick"]; ok {
			ticks = append(ticks, md)
		}
	}
	host.mu.Unlock()
	n := len(ticks)
	if n == 0 {
		t.Fatal("no metadata from the plugin's thread")
	}
	last := ticks[n-1]
	if n != 500 {
		t.Errorf("%d metadata updates arrived, want 500", n)
	}
	want := map[string]any{
		"tick": 500.0, "nan": nil, "inf": nil, "tuple": []any{1.0, 2.0}, "set": []any{3.0},
		"object": "a marker", "nested": map[string]any{"deep": []any{nil, map[string]any{"k": []any{500.0}}}},
	}
	if !reflect.DeepEqual(last, want) {
		t.Errorf("last update = %v\nwant %v", last, want)
	}
}

// TestOldPythonRefused needs an interpreter older than 3.8 in
// $RGALLERY_TEST_OLD_PYTHON (pyenv has them); the host must refuse it with
// a message naming the version, not fail somewhere later.
func TestOldPythonRefused(t *testing.T) {
	t.Parallel()
	old := os.Getenv("RGALLERY_TEST_OLD_PYTHON")
	if old == "" {
		t.Skip("set RGALLERY_TEST_OLD_PYTHON to a Python older than 3.8 to run this test")
	}
	cfg := testConfig(t)
	cfg.Python = old
	file := testdata("plugins", "multi.py")
	_, err := (&PythonLoader{Config: cfg}).Load(context.Background(), file)
	re := regexp.MustCompile(`^load ` + regexp.QuoteMeta(file) + `: rgallery's Python host needs Python 3\.8 or newer; \S+ is [23]\.\d+\.\d+$`)
	if err == nil || !re.MatchString(err.Error()) {
		t.Errorf("got %v\nwant match %s", err, re)
	}
}

func cfgPython(t *testing.T) string {
	return testConfig(t).withDefaults().Python
}

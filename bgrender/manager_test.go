package bgrender

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rgallery/rgallery/gallery"
)

// testRenderer is an in-process renderer that writes a PNG a few times, as
// a progressive renderer does. Its behaviour is set per test.
type testConfig struct {
	frames   int // images to write before finishing
	noImage  bool
	failPoll error
	failAt   int // poll that fails, after writing its image
}

type testRenderer struct {
	Base
	testConfig
	h   Host
	dir string

	mu       sync.Mutex
	polls    int
	clicks   [][2]float64
	stopped  bool
	closed   bool
	options  Options
	configed map[string]any
}

func (r *testRenderer) PollFrequency() time.Duration { return 10 * time.Millisecond }

func (r *testRenderer) GetConfigOptions(_ context.Context, old map[string]any) (map[string]any, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.configed = old
	return map[string]any{"spp": 99.0, "from": "config"}, nil
}

func (r *testRenderer) StartBackgroundRender(_ context.Context, usd string, opts Options) error {
	if strings.Contains(usd, "refuse") {
		return errors.New("scene refused")
	}
	r.options = opts
	return nil
}

func (r *testRenderer) IsRenderFinished(context.Context) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failPoll != nil {
		return false, r.failPoll
	}
	r.polls++
	if !r.noImage {
		p := filepath.Join(r.dir, "out.png")
		writeTestPNG(p, uint8(50*r.polls))
		r.h.UpdateImagePath(p)
	}
	r.h.UpdateMetadata(map[string]any{"percentDone": 100 * float64(r.polls) / float64(r.frames),
		"totalClockTime": 0.01 * float64(r.polls), "peakMemory": 1 << 20, "engine": "test"})
	if r.polls == r.failAt {
		return false, errors.New("out of memory")
	}
	return r.polls >= r.frames, nil
}

func (r *testRenderer) MouseClick(_ context.Context, x, y float64) error {
	r.mu.Lock()
	r.clicks = append(r.clicks, [2]float64{x, y})
	r.mu.Unlock()
	return nil
}

func (r *testRenderer) StopBackgroundRender(context.Context) error {
	r.mu.Lock()
	r.stopped = true
	r.mu.Unlock()
	return nil
}

func (r *testRenderer) Close() error {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	return nil
}

func writeTestPNG(path string, v uint8) {
	img := image.NewNRGBA(image.Rect(0, 0, 32, 16))
	for i := range img.Pix {
		img.Pix[i] = v
	}
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 255
	}
	f, _ := os.Create(path + ".tmp")
	png.Encode(f, img)
	f.Close()
	os.Rename(path+".tmp", path)
}

type fixture struct {
	m     *Manager
	g     *gallery.Gallery
	scene string
	mu    sync.Mutex
	last  *testRenderer
}

func newFixture(t *testing.T, cfg testConfig) *fixture {
	t.Helper()
	ctx := context.Background()
	g, err := gallery.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	f := &fixture{g: g, m: NewManager(g, nil)}
	f.m.ImageInterval = 0
	f.scene = filepath.Join(t.TempDir(), "shot.usda")
	os.WriteFile(f.scene, []byte("#usda 1.0\n"), 0o644)
	err = f.m.Register("Test", func(h Host) (Renderer, error) {
		r := &testRenderer{testConfig: cfg, h: h, dir: t.TempDir()}
		f.mu.Lock()
		f.last = r
		f.mu.Unlock()
		return r, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.m.Shutdown(context.Background()) })
	return f
}

func (f *fixture) renderer() *testRenderer {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last
}

func TestRenderFinishesWithImageAndStats(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, testConfig{frames: 3})
	events, cancel := f.m.Subscribe(100)
	defer cancel()
	snap, err := f.m.Start(ctx, Request{Renderer: "Test", Scene: f.scene,
		Viewport: Viewport{CameraPath: "/cam", ResX: 32, ResY: 16}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.m.Wait(ctx, snap.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != gallery.Finished || got.Error != "" {
		t.Fatalf("state %s %q", got.State, got.Error)
	}
	if *got.Stats.PercentDone != 100 || *got.Stats.PeakMemory != 1<<20 || got.Metadata["engine"] != "test" {
		t.Fatalf("stats %+v metadata %v", got.Stats, got.Metadata)
	}
	img, err := os.Open(f.g.Path(got.Image))
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	dec, err := png.Decode(img)
	if err != nil {
		t.Fatal(err)
	}
	// The last frame (poll 3) wrote 150 in every channel.
	if c := color.NRGBAModel.Convert(dec.At(5, 5)).(color.NRGBA); c.R != 150 {
		t.Fatalf("final image pixel = %v, want R 150", c)
	}
	r := f.renderer()
	if r.options.Viewport.CameraPath != "/cam" || r.options.Viewport.ResX != 32 || !r.closed {
		t.Fatalf("renderer saw %+v, closed %v", r.options, r.closed)
	}
	if got.Options["viewport"].(map[string]any)["camera_path"] != "/cam" {
		t.Fatalf("options stored: %v", got.Options)
	}
	seen := map[EventType]bool{}
	for len(events) > 0 {
		seen[(<-events).Type] = true
	}
	for _, want := range []EventType{EventCreated, EventImage, EventStats, EventState} {
		if !seen[want] {
			t.Errorf("no %s event", want)
		}
	}
	log, _ := os.ReadFile(f.g.Path(got.LogPath))
	if !strings.Contains(string(log), "start Test") || !strings.Contains(string(log), "finished") {
		t.Fatalf("log: %s", log)
	}
}

func TestRenderWithoutImageFails(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, testConfig{frames: 2, noImage: true})
	snap, err := f.m.Start(ctx, Request{Renderer: "Test", Scene: f.scene})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := f.m.Wait(ctx, snap.ID)
	want := `renderer "Test" finished without ever setting an image (updateImagePath was never called)`
	if got.State != gallery.Failed || got.Error != want {
		t.Fatalf("state %s, error %q", got.State, got.Error)
	}
}

func TestPollErrorFailsRender(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, testConfig{frames: 2, failPoll: errors.New("license server down")})
	snap, _ := f.m.Start(ctx, Request{Renderer: "Test", Scene: f.scene})
	got, _ := f.m.Wait(ctx, snap.ID)
	if got.State != gallery.Failed || got.Error != "isRenderFinished: license server down" {
		t.Fatalf("state %s, error %q", got.State, got.Error)
	}
	if !f.renderer().closed {
		t.Fatal("renderer not closed after failure")
	}
}

func TestStopAndClick(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, testConfig{frames: 1 << 30})
	snap, err := f.m.Start(ctx, Request{Renderer: "Test", Scene: f.scene})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.m.Click(ctx, snap.ID, 0.25, 0.75); err != nil {
		t.Fatal(err)
	}
	if err := f.m.Click(ctx, snap.ID, 1.5, 0); err == nil {
		t.Fatal("click outside 0..1 accepted")
	}
	if err := f.m.Stop(ctx, snap.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := f.g.Get(ctx, snap.ID)
	r := f.renderer()
	if got.State != gallery.Stopped || !r.stopped || !r.closed {
		t.Fatalf("state %s stopped %v closed %v", got.State, r.stopped, r.closed)
	}
	if len(r.clicks) != 1 || r.clicks[0] != [2]float64{0.25, 0.75} {
		t.Fatalf("clicks %v", r.clicks)
	}
	err = f.m.Stop(ctx, snap.ID)
	if err == nil || !strings.Contains(err.Error(), "is not rendering here (state stopped)") {
		t.Fatalf("second stop: %v", err)
	}
}

func TestLastOptionsReusedAndConfigure(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, testConfig{frames: 1})
	s1, err := f.m.Start(ctx, Request{Renderer: "Test", Scene: f.scene, Options: map[string]any{"spp": "8"}})
	if err != nil {
		t.Fatal(err)
	}
	f.m.Wait(ctx, s1.ID)
	if got := f.renderer().options.Plugin["spp"]; got != 8.0 {
		t.Fatalf("first render spp = %v", got)
	}
	s2, _ := f.m.Start(ctx, Request{Renderer: "Test", Scene: f.scene})
	f.m.Wait(ctx, s2.ID)
	r := f.renderer()
	if r.options.Plugin["spp"] != 8.0 || r.configed != nil {
		t.Fatalf("background re-render: options %v, getConfigOptions called with %v", r.options.Plugin, r.configed)
	}
	s3, _ := f.m.Start(ctx, Request{Renderer: "Test", Scene: f.scene, Configure: true})
	f.m.Wait(ctx, s3.ID)
	r = f.renderer()
	if r.configed["spp"] != 8.0 || r.options.Plugin["from"] != "config" {
		t.Fatalf("configure: old %v, new %v", r.configed, r.options.Plugin)
	}
	last, _ := f.g.LastOptions(ctx, "Test")
	if last["spp"] != 99.0 {
		t.Fatalf("last options after configure = %v", last)
	}
}

func TestBadRequests(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, testConfig{frames: 1})
	_, err := f.m.Start(ctx, Request{Renderer: "Nope", Scene: f.scene})
	if !errors.Is(err, ErrUnknownRenderer) || err.Error() != `unknown renderer "Nope" (known: Test)` {
		t.Fatalf("unknown renderer: %v", err)
	}
	_, err = f.m.Start(ctx, Request{Renderer: "Test", Scene: "/no/such/shot.usda"})
	if err == nil || err.Error() != "scene file /no/such/shot.usda: no such file or directory" {
		t.Fatalf("missing scene: %v", err)
	}
	refuse := filepath.Join(filepath.Dir(f.scene), "refuse.usda")
	os.WriteFile(refuse, []byte("#usda 1.0\n"), 0o644)
	snap, err := f.m.Start(ctx, Request{Renderer: "Test", Scene: refuse})
	if err == nil || !strings.Contains(err.Error(), "startBackgroundRender: scene refused") {
		t.Fatalf("refused start: %v", err)
	}
	got, _ := f.g.Get(ctx, snap.ID)
	if got.State != gallery.Failed || got.Error != "startBackgroundRender: scene refused" {
		t.Fatalf("refused start recorded as %s %q", got.State, got.Error)
	}
	if err := f.m.Register("Test", nil); err == nil {
		t.Fatal("nil factory accepted")
	}
	err = f.m.Register("Test", func(Host) (Renderer, error) { return nil, nil })
	if !errors.Is(err, ErrDuplicateLabel) {
		t.Fatalf("duplicate label: %v", err)
	}
}

func TestOptionSchemaConversion(t *testing.T) {
	lo := 1.0
	schema := []OptionSpec{{Name: "spp", Type: "int", Default: 16.0, Min: &lo},
		{Name: "mode", Type: "choice", Choices: []string{"fast", "best"}}, {Name: "dof", Type: "bool"}}
	got, err := applyOptions(withDefaults(nil, schema), map[string]any{"spp": "64", "mode": "best", "dof": "true"}, schema)
	if err != nil {
		t.Fatal(err)
	}
	if got["spp"] != 64.0 || got["mode"] != "best" || got["dof"] != true {
		t.Fatalf("got %v", got)
	}
	for in, want := range map[string]string{
		"spp=1.5":  "option spp=1.5: want int: not a whole number",
		"spp=0":    "option spp=0: below the minimum 1",
		"mode=odd": "option mode=odd: want one of fast, best",
		"frob=1":   `unknown option "frob" (options: dof, mode, spp)`,
	} {
		o, _ := ParseOptionArgs([]string{in})
		if _, err := applyOptions(nil, o, schema); err == nil || err.Error() != want {
			t.Errorf("%s: err %v, want %q", in, err, want)
		}
	}
}

// lineLoader reads "*.rtest" files whose lines are renderer labels.
type lineLoader struct{}

func (lineLoader) Name() string { return "rtest" }
func (lineLoader) Match(p string, _ os.FileInfo) bool {
	return filepath.Ext(p) == ".rtest"
}
func (lineLoader) Load(_ context.Context, p string) ([]Plugin, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(string(b), "broken") {
		return nil, fmt.Errorf("%s: line 1: syntax error", p)
	}
	var out []Plugin
	for _, l := range strings.Fields(string(b)) {
		out = append(out, Plugin{Label: l, Factory: func(Host) (Renderer, error) { return nil, nil }})
	}
	return out, nil
}

var registerLineLoader sync.Once

func TestDiscoveryOverridesAndDuplicates(t *testing.T) {
	registerLineLoader.Do(func() { RegisterLoader(lineLoader{}) })
	root := t.TempDir()
	write := func(rel, content string) string {
		p := filepath.Join(root, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(content), 0o644)
		return p
	}
	studio := write("studio/backgroundrenderers/farm.rtest", "Farm")
	hidden := write("site/husdplugins/backgroundrenderers/farm.rtest", "OldFarm")
	dupe := write("site/husdplugins/backgroundrenderers/other.rtest", "Farm Cloud")
	broken := write("site/backgroundrenderers/broken.rtest", "broken")
	write("site/backgroundrenderers/ignored.txt", "Ignored")

	t.Setenv("RGALLERY_PLUGIN_PATH", filepath.Join(root, "studio")+":"+filepath.Join(root, "site"))
	t.Setenv("HOUDINI_HUSDPLUGINS_PATH", "")
	d := Discover(context.Background(), SearchPath())
	var labels []string
	for _, p := range d.Plugins {
		labels = append(labels, p.Label+"@"+filepath.Base(p.File))
	}
	if strings.Join(labels, ",") != "Farm@farm.rtest,Cloud@other.rtest" {
		t.Fatalf("plugins = %v", labels)
	}
	if len(d.Overridden) != 1 || d.Overridden[0] != (Override{File: hidden, By: studio}) {
		t.Fatalf("overridden = %+v", d.Overridden)
	}
	if len(d.Duplicates) != 1 || d.Duplicates[0] != (Duplicate{Label: "Farm", File: dupe, Kept: studio}) {
		t.Fatalf("duplicates = %+v", d.Duplicates)
	}
	if len(d.Errors) != 1 || d.Errors[0].File != broken || !strings.Contains(d.Errors[0].Err, "line 1: syntax error") {
		t.Fatalf("errors = %+v", d.Errors)
	}
	// "&" brings the built-ins in at its position.
	t.Setenv("RGALLERY_PLUGIN_PATH", "&:"+filepath.Join(root, "studio"))
	if p := SearchPath(); p[len(p)-1] != filepath.Join(root, "studio") || p[len(p)-2] != "&" {
		t.Fatalf("search path with & = %v", p)
	}
}

func TestLiveImageFollowsEveryUpdate(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, testConfig{frames: 1 << 30})
	f.m.ImageInterval = time.Hour // the gallery copies the first image only
	snap, err := f.m.Start(ctx, Request{Renderer: "Test", Scene: f.scene})
	if err != nil {
		t.Fatal(err)
	}
	var v1 int64
	deadline := time.Now().Add(30 * time.Second)
	for v1 < 3 && time.Now().Before(deadline) {
		_, v1, _ = f.m.LiveImage(snap.ID)
		time.Sleep(10 * time.Millisecond)
	}
	path, v, ok := f.m.LiveImage(snap.ID)
	if !ok || v < 3 || filepath.Base(path) != "out.png" {
		t.Fatalf("LiveImage = %q %d %v", path, v, ok)
	}
	// The gallery's copy is still the first image (pixel 50), but its
	// version follows the live images, so that viewers fetch them.
	waitForVersion := time.Now().Add(30 * time.Second)
	got, _ := f.g.Get(ctx, snap.ID)
	for got.ImageVersion < 3 && time.Now().Before(waitForVersion) {
		time.Sleep(50 * time.Millisecond)
		got, _ = f.g.Get(ctx, snap.ID)
	}
	if got.ImageVersion < 3 {
		t.Fatalf("image version %d: live images not counted", got.ImageVersion)
	}
	if v := storedPixel(t, f.g, got); v != 50 {
		t.Fatalf("gallery copy has pixel %d, want the first image's 50 (copied once per ImageInterval)", v)
	}
	f.m.Stop(ctx, snap.ID)
	if _, _, ok := f.m.LiveImage(snap.ID); ok {
		t.Fatal("LiveImage of a stopped render")
	}
	got, _ = f.g.Get(ctx, snap.ID)
	r := f.renderer()
	if v := storedPixel(t, f.g, got); v != uint8(50*r.polls) {
		t.Fatalf("after stop the gallery copy has pixel %d, want the last image's %d", v, uint8(50*r.polls))
	}
}

func storedPixel(t *testing.T, g *gallery.Gallery, s gallery.Snapshot) uint8 {
	t.Helper()
	f, err := os.Open(g.Path(s.Image))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return color.NRGBAModel.Convert(img.At(1, 1)).(color.NRGBA).R
}

func TestFailedRenderKeepsItsLastImage(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, testConfig{frames: 100, failAt: 3})
	f.m.ImageInterval = time.Hour
	snap, _ := f.m.Start(ctx, Request{Renderer: "Test", Scene: f.scene})
	got, _ := f.m.Wait(ctx, snap.ID)
	if got.State != gallery.Failed || got.Error != "isRenderFinished: out of memory" {
		t.Fatalf("state %s %q", got.State, got.Error)
	}
	if v := storedPixel(t, f.g, got); v != 150 {
		t.Fatalf("failed render keeps pixel %d, want the last image's 150", v)
	}
}

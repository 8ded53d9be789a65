package renderworker

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rgallery/rgallery/imageio/exr"
	"github.com/rgallery/rgallery/render"
)

// testScene is a small lit scene built in Go: a sphere on a plane under a
// distant light and a dome.
func testScene(ctx context.Context, cfg *Config) (*Loaded, error) {
	s := &render.Scene{Materials: []*render.Material{render.Lambert(render.Vec3{X: 0.7, Y: 0.6, Z: 0.5})}}
	s.Meshes = []*render.Mesh{render.SphereMesh(1, 32, 16), render.QuadMesh(render.Vec3{X: -5, Y: -5, Z: -1}, render.Vec3{X: 10}, render.Vec3{Y: 10})}
	s.Instances = []render.Instance{{Mesh: 0, Transform: render.Identity}, {Mesh: 1, Transform: render.Identity}}
	s.Lights = []render.Light{
		&render.DistantLight{LightBase: render.LightBase{ToWorld: render.Identity, Color: render.Vec3{X: 1, Y: 1, Z: 1}, Intensity: 2}, Angle: 1},
		&render.DomeLight{LightBase: render.LightBase{ToWorld: render.Identity, Color: render.Vec3{X: 0.2, Y: 0.3, Z: 0.4}, Intensity: 1}},
	}
	s.Camera = render.DefaultCamera()
	if err := s.Build(); err != nil {
		return nil, err
	}
	return &Loaded{Scene: s, Width: 48, Height: 32, Warnings: []string{"test warning"}}, nil
}

func readStats(t *testing.T, out string) []Stats {
	t.Helper()
	var all []Stats
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var s Stats
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Fatalf("stats line %q: %v", sc.Text(), err)
		}
		all = append(all, s)
	}
	if len(all) < 2 {
		t.Fatalf("only %d stats lines:\n%s", len(all), out)
	}
	return all
}

func TestRunWritesImagesAndStats(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{SPP: 8, MaxBounces: 3, Threads: 2, Load: testScene,
		OutEXR: filepath.Join(dir, "a.exr"), OutPNG: filepath.Join(dir, "a.png"), OutFilm: filepath.Join(dir, "a.film")}
	var out bytes.Buffer
	if err := Run(context.Background(), cfg, nil, &out); err != nil {
		t.Fatal(err)
	}
	st := readStats(t, out.String())
	if st[0].Event != "start" || st[0].Width != 48 || st[0].Height != 32 || len(st[0].Warnings) != 1 {
		t.Errorf("start line %+v", st[0])
	}
	last := st[len(st)-1]
	if last.Event != "done" || last.PercentDone != 100 || last.Samples != 48*32*8 || last.PeakMemory <= 0 || last.TimeToFirstPixel <= 0 || last.RaysPerSecond <= 0 {
		t.Errorf("last line %+v", last)
	}
	passes := 0
	for _, s := range st {
		if s.Event == "pass" {
			passes++
		}
	}
	if passes < 3 {
		t.Errorf("%d passes, want progressive passes (1, 2, 4, 8 spp)", passes)
	}
	im, err := exr.ReadFile(cfg.OutEXR)
	if err != nil {
		t.Fatal(err)
	}
	if im.Width != 48 || im.Height != 32 {
		t.Fatalf("exr %dx%d", im.Width, im.Height)
	}
	f, err := os.Open(cfg.OutPNG)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if p.Bounds().Dx() != 48 {
		t.Fatalf("png width %d", p.Bounds().Dx())
	}
	// No temporary files are left behind by the atomic writes.
	ents, _ := os.ReadDir(dir)
	if len(ents) != 3 {
		t.Errorf("output dir has %d entries, want 3", len(ents))
	}
}

// Two workers on sample ranges [0,3) and [3,8) give films that merge into
// exactly the film of one worker rendering [0,8).
func TestSampleRangesMergeExactly(t *testing.T) {
	dir := t.TempDir()
	film := func(name string, a, b int) *render.Film {
		cfg := Config{SPP: 8, SampleStart: a, SampleEnd: b, MaxBounces: 3, Threads: 2, Seed: 9, Load: testScene, OutFilm: filepath.Join(dir, name), FinalOnly: true}
		if err := Run(context.Background(), cfg, nil, io.Discard); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(cfg.OutFilm)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		fl, err := render.ReadFilm(f)
		if err != nil {
			t.Fatal(err)
		}
		return fl
	}
	whole := film("whole.film", 0, 8)
	merged := film("a.film", 0, 3)
	if err := merged.Merge(film("b.film", 3, 8)); err != nil {
		t.Fatal(err)
	}
	if !merged.Equal(whole) {
		t.Fatalf("merged films differ: mean %.9f vs %.9f", merged.MeanLuminance(), whole.MeanLuminance())
	}
}

func TestStopCommand(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{SPP: 4096, MaxBounces: 3, Threads: 1, Load: testScene, OutEXR: filepath.Join(dir, "s.exr")}
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Run(context.Background(), cfg, inR, outW)
		outW.Close()
	}()
	sc := bufio.NewScanner(outR)
	var lines []string
	sentStop := false
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if strings.Contains(sc.Text(), `"event":"pass"`) && !sentStop {
			io.WriteString(inW, "focus 0.9 0.1\nbogus\nstop\n")
			sentStop = true
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	st := readStats(t, strings.Join(lines, "\n"))
	last := st[len(st)-1]
	if last.Event != "stopped" || last.PercentDone >= 100 || last.PercentDone <= 0 {
		t.Fatalf("last line %+v", last)
	}
	if _, err := exr.ReadFile(cfg.OutEXR); err != nil {
		t.Fatalf("no image after stop: %v", err)
	}
}

func TestMainUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := Main([]string{"--res", "big", "x.usda"}, nil, &out, &errb); code != 2 || !strings.Contains(errb.String(), "--res") {
		t.Errorf("bad --res: code %d, stderr %q", code, errb.String())
	}
	errb.Reset()
	if code := Main([]string{"--spp", "4", "--samples", "3:9", "x.usda"}, nil, &out, &errb); code != 2 {
		t.Errorf("bad --samples: code %d, stderr %q", code, errb.String())
	}
	errb.Reset()
	if code := Main([]string{filepath.Join(t.TempDir(), "missing.usda")}, nil, &out, &errb); code != 1 || !strings.Contains(errb.String(), "missing.usda") {
		t.Errorf("missing scene: code %d, stderr %q", code, errb.String())
	}
}

// With an adaptive threshold the percentages stay honest: the last line
// says 100 % with the samples really spent, fewer than every sample, and
// no pass ever reports more than 100 %.
func TestRunAdaptiveProgressHonest(t *testing.T) {
	cfg := Config{SPP: 64, MaxBounces: 2, Threads: 2, Load: testScene, AdaptiveThreshold: 0.2}
	var out bytes.Buffer
	if err := Run(context.Background(), cfg, nil, &out); err != nil {
		t.Fatal(err)
	}
	st := readStats(t, out.String())
	for _, s := range st {
		if s.PercentDone > 100 || s.Samples > s.SamplesTotal {
			t.Errorf("%s line: %.2f%%, %d of %d samples", s.Event, s.PercentDone, s.Samples, s.SamplesTotal)
		}
	}
	last := st[len(st)-1]
	t.Logf("adaptive 0.2: %d of %d samples", last.Samples, 48*32*64)
	if last.Event != "done" || last.PercentDone != 100 || last.Samples != last.SamplesTotal || last.Samples >= 48*32*64 {
		t.Errorf("last line %+v, want done at 100%% with fewer than %d samples", last, 48*32*64)
	}
}

// The pixel filter option reaches the renderer: Blackman-Harris renders
// another image than the box filter; an unknown name is an error before
// the scene is loaded.
func TestRunPixelFilterOption(t *testing.T) {
	dir := t.TempDir()
	render1 := func(filter string) []byte {
		p := filepath.Join(dir, filter+".film")
		cfg := Config{SPP: 4, MaxBounces: 1, Threads: 2, Load: testScene, Filter: filter, OutFilm: p, FinalOnly: true}
		if err := Run(context.Background(), cfg, nil, io.Discard); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if bytes.Equal(render1("box"), render1("blackman-harris")) {
		t.Error("blackman-harris film equals the box one")
	}
	loaded := false
	cfg := Config{SPP: 4, Filter: "gauss", Load: func(ctx context.Context, c *Config) (*Loaded, error) { loaded = true; return testScene(ctx, c) }}
	if err := Run(context.Background(), cfg, nil, io.Discard); err == nil || !strings.Contains(err.Error(), "gauss") || loaded {
		t.Errorf("filter gauss: err %v, loaded %v; want an error naming it before loading", err, loaded)
	}
}

// The EXR carries the AOV layers by default, and only R, G, B with
// NoAOVs; the film's AOVs merge like the beauty (the sample-range test
// above runs with them on).
func TestRunWritesAOVLayers(t *testing.T) {
	dir := t.TempDir()
	for _, off := range []bool{false, true} {
		p := filepath.Join(dir, fmt.Sprintf("aov-%v.exr", off))
		cfg := Config{SPP: 4, MaxBounces: 2, Threads: 2, Load: testScene, OutEXR: p, NoAOVs: off, FinalOnly: true}
		if err := Run(context.Background(), cfg, nil, io.Discard); err != nil {
			t.Fatal(err)
		}
		im, err := exr.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Join(im.Channels, " ")
		want := "A B G R albedo.B albedo.G albedo.R depth.Z diffuse_direct.B diffuse_direct.G diffuse_direct.R diffuse_indirect.B diffuse_indirect.G diffuse_indirect.R emission.B emission.G emission.R normal.X normal.Y normal.Z specular_direct.B specular_direct.G specular_direct.R specular_indirect.B specular_indirect.G specular_indirect.R"
		if off {
			want = "B G R"
		}
		if got != want {
			t.Errorf("NoAOVs=%v: channels %q, want %q", off, got, want)
		}
	}
}

// Denoising adds the layer "denoised" and changes the preview, never the
// raw image in the base layer; it refuses to run without the AOVs.
func TestRunDenoiseIsASeparateLayer(t *testing.T) {
	dir := t.TempDir()
	run := func(name string, den bool) (*exr.Image, []byte) {
		cfg := Config{SPP: 4, MaxBounces: 2, Threads: 2, Load: testScene, Denoise: den, FinalOnly: true,
			OutEXR: filepath.Join(dir, name+".exr"), OutPNG: filepath.Join(dir, name+".png")}
		if err := Run(context.Background(), cfg, nil, io.Discard); err != nil {
			t.Fatal(err)
		}
		im, err := exr.ReadFile(cfg.OutEXR)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(cfg.OutPNG)
		if err != nil {
			t.Fatal(err)
		}
		return im, b
	}
	raw, rawPNG := run("raw", false)
	den, denPNG := run("den", true)
	if !strings.Contains(strings.Join(den.Channels, " "), "denoised.R") || strings.Contains(strings.Join(raw.Channels, " "), "denoised") {
		t.Errorf("channels: with denoise %v, without %v", den.Channels, raw.Channels)
	}
	a, b := raw.RGB(), den.RGB()
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("denoising changed the base layer at value %d: %v vs %v", i, a[i], b[i])
		}
	}
	if bytes.Equal(rawPNG, denPNG) {
		t.Error("the preview is the same with and without denoising")
	}
	cfg := Config{SPP: 4, Load: testScene, Denoise: true, NoAOVs: true}
	if err := Run(context.Background(), cfg, nil, io.Discard); err == nil {
		t.Error("denoise without AOVs accepted")
	}
}

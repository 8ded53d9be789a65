// Package renderbench renders the bench scenes of ../shared/bench-scenes
// with `rgallery render-worker`, one child process per scene (so that peak
// memory is per scene, as for Cycles), and compares speed and pixels with
// the Cycles 3.4 anchors and reference images stored there.
//
// It does not run Cycles; scripts/cycles-bench.sh does that.
package renderbench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/rgallery/rgallery/imageio/exr"
	"github.com/rgallery/rgallery/renderworker"
)

// Anchor is what the bench-scenes README reports for Cycles 3.4 (Embree,
// AVX2) at 640x360, 64 spp, 4 bounces, 2 threads on the project machine.
type Anchor struct {
	Triangles        int
	RenderSeconds    float64 // best render time (sync + BVH + sampling)
	SamplesPerSecond float64
	BVHSeconds       float64 // upper end of the reported range
	PeakRSS          int64
}

// CyclesAnchors are the README's figures (best of three runs).
var CyclesAnchors = map[string]Anchor{
	"cornell": {30, 6.73, 2.19e6, 0.01, 276 << 20},
	"spheres": {95234, 10.05, 1.47e6, 0.03, 311 << 20},
	"mesh":    {251906, 8.26, 1.78e6, 0.05, 374 << 20},
}

// Config is one bench run.
type Config struct {
	SharedDir  string   // the directory holding bench-scenes/
	Scenes     []string // names; empty = cornell, spheres, mesh
	Extra      []string // more scene files (e.g. the 1M-triangle mesh), no anchor
	OutDir     string   // images go here
	Width      int
	Height     int
	SPP        int
	MaxBounces int
	Threads    int
	// AOVs makes the worker accumulate and write its AOV layers too. Off
	// by default: the Cycles anchors (bench-scenes/tools/render.py,
	// scripts/bench/cycles45.py) render the Combined pass only, so the
	// work per sample is only alike without them (they cost ~6% of our
	// CPU time on spheres).
	AOVs       bool
	Executable string // the rgallery binary; "" = this process's
}

// Result is the outcome for one scene.
type Result struct {
	Name             string  `json:"name"`
	Triangles        int     `json:"triangles"`
	LoadSeconds      float64 `json:"loadSeconds"`
	BVHSeconds       float64 `json:"bvhSeconds"`
	RenderSeconds    float64 `json:"renderSeconds"` // BVH + sampling, comparable with Cycles' render_s
	SamplesPerSecond float64 `json:"samplesPerSecond"`
	TimeToFirstPixel float64 `json:"timeToFirstPixel"`
	PeakRSS          int64   `json:"peakMemory"`
	OutputSeconds    float64 `json:"outputSeconds"` // writing the final EXR and PNG (not in RenderSeconds)
	WallSeconds      float64 `json:"wallSeconds"`   // whole worker process
	Image            string  `json:"image"`

	HasAnchor     bool    `json:"hasAnchor"`
	SpeedRatio    float64 `json:"speedRatio,omitempty"`  // our samples/s ÷ Cycles'
	MemoryRatio   float64 `json:"memoryRatio,omitempty"` // our peak RSS ÷ Cycles'
	MeanRatio     float64 `json:"meanRatio,omitempty"`   // our mean luminance ÷ Cycles'
	RMSE          float64 `json:"rmse,omitempty"`        // linear RGB, against cycles.exr
	ReferenceMean float64 `json:"referenceMean,omitempty"`
}

// Run benchmarks each scene in turn.
func Run(ctx context.Context, cfg Config, progress io.Writer) ([]Result, error) {
	if cfg.Executable == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, err
		}
		cfg.Executable = exe
	}
	if len(cfg.Scenes) == 0 && len(cfg.Extra) == 0 {
		cfg.Scenes = []string{"cornell", "spheres", "mesh"}
	}
	if err := os.MkdirAll(cfg.OutDir, 0o755); err != nil {
		return nil, err
	}
	var out []Result
	type job struct{ name, file string }
	var jobs []job
	for _, s := range cfg.Scenes {
		jobs = append(jobs, job{s, filepath.Join(cfg.SharedDir, "bench-scenes", s, s+".usda")})
	}
	for _, f := range cfg.Extra {
		jobs = append(jobs, job{trimExt(filepath.Base(f)), f})
	}
	for _, j := range jobs {
		if progress != nil {
			fmt.Fprintf(progress, "rendering %s ...\n", j.name)
		}
		r, err := runOne(ctx, cfg, j.name, j.file)
		if err != nil {
			return out, fmt.Errorf("bench %s: %w", j.name, err)
		}
		if a, ok := CyclesAnchors[j.name]; ok && cfg.Width == 640 && cfg.Height == 360 && cfg.SPP == 64 {
			r.HasAnchor = true
			r.SpeedRatio = r.SamplesPerSecond / a.SamplesPerSecond
			r.MemoryRatio = float64(r.PeakRSS) / float64(a.PeakRSS)
			ref := filepath.Join(cfg.SharedDir, "bench-scenes", j.name, "cycles.exr")
			if err := compare(&r, ref, filepath.Join(cfg.OutDir, j.name+"-vs-cycles.png")); err != nil {
				return out, err
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// workerArgs is the render-worker command line for one bench scene: the
// anchors' settings, unbiased, the outputs written once at the end.
func workerArgs(cfg Config, exr, file string) []string {
	aovs := "off"
	if cfg.AOVs {
		aovs = "on"
	}
	args := []string{"render-worker", "--res", fmt.Sprintf("%dx%d", cfg.Width, cfg.Height), "--aovs", aovs,
		"--spp", fmt.Sprint(cfg.SPP), "--max-bounces", fmt.Sprint(cfg.MaxBounces), "--threads", fmt.Sprint(cfg.Threads),
		"--exr", exr, "--png", trimExt(exr) + ".png", "--final-only",
		// Unbiased, as the Cycles references (blur_glossy = 0, no clamping).
		"--filter-glossy", "0", file}
	return args
}

func trimExt(s string) string { return s[:len(s)-len(filepath.Ext(s))] }

func runOne(ctx context.Context, cfg Config, name, file string) (Result, error) {
	res := Result{Name: name, Image: filepath.Join(cfg.OutDir, name+".exr")}
	args := workerArgs(cfg, res.Image, file)
	cmd := exec.CommandContext(ctx, cfg.Executable, args...)
	setOwnGroup(cmd)
	cmd.Cancel = func() error { return killGroup(cmd) }
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return res, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return res, err
	}
	var last renderworker.Stats
	var renderStart float64
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		var s renderworker.Stats
		if json.Unmarshal(sc.Bytes(), &s) != nil {
			continue
		}
		switch s.Event {
		case "start":
			res.Triangles = s.Triangles
			res.LoadSeconds = s.LoadTime
			res.BVHSeconds = s.BVHBuildTime
			renderStart = s.TotalClockTime
		case "error":
			_ = cmd.Wait()
			return res, fmt.Errorf("worker: %s", s.Error)
		}
		last = s
	}
	if err := cmd.Wait(); err != nil {
		return res, fmt.Errorf("worker: %w", err)
	}
	res.WallSeconds = time.Since(start).Seconds()
	if last.Event != "done" {
		return res, fmt.Errorf("worker ended with %q", last.Event)
	}
	// Sampling time is the renderer's own clock (Progress.Elapsed, read
	// before the final pass's images are written), as Cycles' render_s of
	// the anchors stops before its images are saved; writing the EXR and
	// PNG is reported apart.
	sampling := last.TotalClockTime - renderStart
	if last.SamplesPerSecond > 0 {
		s := float64(last.Samples) / last.SamplesPerSecond
		res.OutputSeconds = max(0, sampling-s)
		sampling = s
	}
	res.RenderSeconds = res.BVHSeconds + sampling
	res.SamplesPerSecond = float64(last.Samples) / res.RenderSeconds
	res.TimeToFirstPixel = last.TimeToFirstPixel
	res.PeakRSS = last.PeakMemory
	return res, nil
}

// compare fills the brightness ratio and RMSE against the reference and
// writes a side-by-side PNG (ours left, Cycles right).
func compare(r *Result, refPath, pairPNG string) error {
	ours, err := exr.ReadFile(r.Image)
	if err != nil {
		return err
	}
	ref, err := exr.ReadFile(refPath)
	if err != nil {
		return err
	}
	if ours.Width != ref.Width || ours.Height != ref.Height {
		return fmt.Errorf("compare %s: size %dx%d vs reference %dx%d", r.Name, ours.Width, ours.Height, ref.Width, ref.Height)
	}
	a, b := ours.RGB(), ref.RGB()
	var la, lb, se float64
	for i := 0; i < len(a); i += 3 {
		la += lum(a[i:])
		lb += lum(b[i:])
		for k := 0; k < 3; k++ {
			d := float64(a[i+k] - b[i+k])
			se += d * d
		}
	}
	n := float64(len(a) / 3)
	r.ReferenceMean = lb / n
	if lb > 0 {
		r.MeanRatio = la / lb
	}
	r.RMSE = math.Sqrt(se / float64(len(a)))
	w, h := ours.Width, ours.Height
	pair := make([]float32, 3*2*w*h)
	for y := 0; y < h; y++ {
		copy(pair[3*(y*2*w):3*(y*2*w+w)], a[3*y*w:3*(y+1)*w])
		copy(pair[3*(y*2*w+w):3*(y*2*w+2*w)], b[3*y*w:3*(y+1)*w])
	}
	return exr.WriteFileAtomic(pairPNG, func(wr io.Writer) error { return renderworker.EncodePNG(wr, 2*w, h, pair) })
}

func lum(p []float32) float64 {
	return 0.2126*float64(p[0]) + 0.7152*float64(p[1]) + 0.0722*float64(p[2])
}

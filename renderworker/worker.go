// Package renderworker is the loop of `rgallery render-worker`: it loads a
// scene, renders it progressively with package render, writes the image
// after every pass (linear float EXR, sRGB PNG preview, optionally the raw
// film for farm merges) atomically, reports stats as JSON lines and obeys
// `focus X Y` and `stop` commands.
//
// It knows nothing of the gallery or of renderer plugins; the Local and
// Slurm Farm renderers run it as a child process and read its output.
package renderworker

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rgallery/rgallery/imageio/exr"
	"github.com/rgallery/rgallery/render"
)

// Config is one worker run.
type Config struct {
	Scene              string // scene file
	CameraPath         string // "" = the render settings' camera or the first camera
	RenderSettingsPath string // "" = the first RenderSettings prim, if any
	// DefaultLights is usdscene's default light rig mode: "auto" (or ""),
	// "on" or "off".
	DefaultLights string
	// VariantFallbacks are the stage's variant fallbacks (usdscene.Options).
	VariantFallbacks map[string][]string
	// SubdivLevel refines subdivision surfaces (0: control meshes).
	SubdivLevel int

	// Width and Height 0 take the resolution from the render settings
	// (or 640x360 without them).
	Width, Height int
	SPP           int // samples per pixel of the whole render
	MaxBounces    int
	Threads       int // 0 = all CPUs
	SampleStart   int // the range [SampleStart, SampleEnd) this worker renders
	SampleEnd     int // 0 = SPP
	Seed          uint32
	// AdaptiveThreshold > 0 stops pixels whose error estimate is below it
	// (render.Settings.AdaptiveThreshold); 0 renders every sample.
	AdaptiveThreshold float64
	// Filter is the pixel filter, "box" (or "") or "blackman-harris"
	// (Cycles' default, 1.5 px).
	Filter string
	// FilterGlossy is render.Settings.FilterGlossy (Cycles' Filter
	// Glossy; 0 = off, the unbiased estimate). The command's flag
	// defaults to Cycles' (Blender's) 1.0.
	FilterGlossy float64
	// NoAOVs leaves the AOV layers out of the EXR and the film (the
	// worker writes them by default: see WriteEXR).
	NoAOVs bool
	// Denoise adds a denoised copy of the beauty (render.Film.Denoise) as
	// the EXR layer "denoised" and shows it in the PNG preview; the
	// beauty layer stays the raw render. It needs the AOVs.
	Denoise bool

	OutEXR, OutPNG, OutFilm string // outputs; "" skips that output
	// FinalOnly writes the outputs once at the end instead of after every
	// pass (benchmarks, farm tasks nobody watches).
	FinalOnly bool

	// Load turns the scene file into a built render.Scene; the command
	// passes the USD adapter, tests may pass an in-Go scene.
	Load func(ctx context.Context, cfg *Config) (*Loaded, error)
}

// Loaded is a scene ready to render, with what was learnt loading it.
type Loaded struct {
	Scene         *render.Scene
	Width, Height int // resolution from the render settings, 0 if none
	Warnings      []string
	// DefaultLights describes the default light rig the loader added ("" if
	// none); it goes into the start line's defaultLights key.
	DefaultLights string
}

// Stats is one JSON line of the worker's output.
type Stats struct {
	Event            string   `json:"event"` // "start", "pass", "done", "stopped", "error"
	PercentDone      float64  `json:"percentDone"`
	TotalClockTime   float64  `json:"totalClockTime"` // seconds since the worker started
	PeakMemory       int64    `json:"peakMemory"`     // bytes, peak resident set
	TimeToFirstPixel float64  `json:"timeToFirstPixel,omitempty"`
	Samples          int64    `json:"samples"` // pixel samples done
	SamplesTotal     int64    `json:"samplesTotal"`
	SamplesPerSecond float64  `json:"samplesPerSecond,omitempty"`
	RaysPerSecond    float64  `json:"raysPerSecond,omitempty"`
	Pass             int      `json:"pass,omitempty"`
	LoadTime         float64  `json:"loadTime,omitempty"`
	BVHBuildTime     float64  `json:"bvhBuildTime,omitempty"`
	Triangles        int      `json:"triangles,omitempty"`
	Width            int      `json:"width,omitempty"`
	Height           int      `json:"height,omitempty"`
	Image            string   `json:"image,omitempty"`
	Preview          string   `json:"preview,omitempty"`
	Warnings         []string `json:"warnings,omitempty"`
	DefaultLights    string   `json:"defaultLights,omitempty"`
	Error            string   `json:"error,omitempty"`
}

// Run renders cfg. Commands are read from in (may be nil); stats lines go
// to out. It returns nil when the render finished or was stopped by a
// `stop` command or ctx, after writing the last image.
func Run(ctx context.Context, cfg Config, in io.Reader, out io.Writer) error {
	start := time.Now()
	emit := newEmitter(out)
	err := run(ctx, cfg, in, emit, start)
	if err != nil {
		emit.write(Stats{Event: "error", Error: err.Error(), TotalClockTime: time.Since(start).Seconds(), PeakMemory: PeakRSS()})
	}
	return err
}

func run(ctx context.Context, cfg Config, in io.Reader, emit *emitter, start time.Time) error {
	if cfg.Load == nil {
		return errors.New("render-worker: no scene loader")
	}
	if cfg.SPP <= 0 {
		return fmt.Errorf("render-worker: spp %d must be positive", cfg.SPP)
	}
	ctx, stop := context.WithCancel(ctx)
	defer stop()

	filter, err := render.ParseFilter(cfg.Filter)
	if err != nil {
		return fmt.Errorf("render-worker: %w", err)
	}
	if cfg.Denoise && cfg.NoAOVs {
		return errors.New("render-worker: denoising needs the AOVs (albedo, normal, depth): --aovs off and --denoise on conflict")
	}
	ld, err := cfg.Load(ctx, &cfg)
	if err != nil {
		return err
	}
	loadTime := time.Since(start)
	w, h := cfg.Width, cfg.Height
	if w <= 0 || h <= 0 {
		w, h = ld.Width, ld.Height
	}
	if w <= 0 || h <= 0 {
		w, h = 640, 360
	}
	set := render.Settings{
		Width: w, Height: h,
		SamplesPerPixel: cfg.SPP,
		SampleStart:     cfg.SampleStart,
		SampleEnd:       cfg.SampleEnd,
		MaxBounces:      cfg.MaxBounces,
		Threads:         cfg.Threads,
		Seed:            cfg.Seed,

		AdaptiveThreshold: cfg.AdaptiveThreshold,
		FilterGlossy:      cfg.FilterGlossy,
	}
	set.Filter = filter
	set.AOVs = !cfg.NoAOVs
	// Images written after every pass: write them while the next pass
	// renders instead of leaving the render threads idle meanwhile.
	set.OverlapPasses = !cfg.FinalOnly
	r, err := render.NewRenderer(ld.Scene, set)
	if err != nil {
		return err
	}
	emit.write(Stats{
		Event: "start", Width: w, Height: h, Warnings: ld.Warnings, DefaultLights: ld.DefaultLights,
		LoadTime: loadTime.Seconds(), BVHBuildTime: ld.Scene.BuildTime.Seconds(),
		Triangles: ld.Scene.NumTriangles(), TotalClockTime: time.Since(start).Seconds(), PeakMemory: PeakRSS(),
	})

	if in != nil {
		go readCommands(ctx, in, r, stop)
	}
	renderStart := time.Now()
	var last render.Progress
	err = r.Render(ctx, func(p render.Progress, f *render.Film) error {
		last = p
		if !cfg.FinalOnly || p.Final {
			if err := writeOutputs(cfg, f); err != nil {
				return err
			}
		}
		emit.write(progressStats("pass", cfg, p, start, renderStart, loadTime))
		return nil
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	ev := "done"
	if !last.Final {
		ev = "stopped"
		// The film may have gained tiles since the last pass report.
		if werr := writeOutputs(cfg, r.Film()); werr != nil {
			return werr
		}
	}
	s := progressStats(ev, cfg, last, start, renderStart, loadTime)
	s.Samples = r.Film().TotalSamples()
	s.PercentDone = 100 * float64(s.Samples) / float64(max(1, s.SamplesTotal))
	emit.write(s)
	return nil
}

func progressStats(ev string, cfg Config, p render.Progress, start, renderStart time.Time, load time.Duration) Stats {
	el := p.Elapsed.Seconds()
	s := Stats{
		Event:          ev,
		PercentDone:    p.PercentDone(),
		TotalClockTime: time.Since(start).Seconds(),
		PeakMemory:     PeakRSS(),
		Samples:        p.SamplesDone,
		SamplesTotal:   p.SamplesTotal,
		Pass:           p.Pass,
		Image:          cfg.OutEXR,
		Preview:        cfg.OutPNG,
	}
	if p.TimeToFirstPixel > 0 {
		s.TimeToFirstPixel = renderStart.Sub(start).Seconds() + p.TimeToFirstPixel.Seconds()
	}
	if el > 0 {
		s.SamplesPerSecond = float64(p.SamplesDone) / el
		s.RaysPerSecond = float64(p.Rays) / el
	}
	return s
}

// readCommands applies `focus X Y` and `stop` lines until in ends.
func readCommands(ctx context.Context, in io.Reader, r *render.Renderer, stop context.CancelFunc) {
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		if ctx.Err() != nil {
			return
		}
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "stop":
			stop()
			return
		case "focus":
			if len(f) != 3 {
				slog.Warn("render-worker: focus wants two numbers", "line", sc.Text())
				continue
			}
			x, err1 := strconv.ParseFloat(f[1], 64)
			y, err2 := strconv.ParseFloat(f[2], 64)
			if err1 != nil || err2 != nil {
				slog.Warn("render-worker: bad focus", "line", sc.Text())
				continue
			}
			r.Focus(x, y)
		default:
			slog.Warn("render-worker: unknown command", "line", sc.Text())
		}
	}
}

func writeOutputs(cfg Config, f *render.Film) error {
	if cfg.OutEXR == "" && cfg.OutPNG == "" && cfg.OutFilm == "" {
		return nil
	}
	rgb := f.RGB()
	var extra []render.Layer
	if cfg.Denoise && (cfg.OutEXR != "" || cfg.OutPNG != "") {
		den, err := f.Denoise()
		if err != nil {
			return fmt.Errorf("render-worker: %w", err)
		}
		extra = append(extra, render.Layer{Name: "denoised", Channels: []string{"R", "G", "B"}, Pix: den})
		rgb = den // the preview shows the denoised image
	}
	if cfg.OutEXR != "" {
		if err := WriteEXR(cfg.OutEXR, f, map[string]string{"software": "rgallery render-worker"}, extra...); err != nil {
			return err
		}
	}
	if cfg.OutPNG != "" {
		if err := exr.WriteFileAtomic(cfg.OutPNG, func(w io.Writer) error { return EncodePNG(w, f.W, f.H, rgb) }); err != nil {
			return err
		}
	}
	if cfg.OutFilm != "" {
		if err := exr.WriteFileAtomic(cfg.OutFilm, func(w io.Writer) error { _, err := f.WriteTo(w); return err }); err != nil {
			return err
		}
	}
	return nil
}

// WriteEXR writes a film's image atomically: the beauty as R, G, B (and
// the coverage as A) in the base layer and, when the film has AOVs, one
// layer per AOV (albedo.R…, normal.X…, depth.Z, emission.R…,
// diffuse_direct.R…; see package render's aov.go), in one scanline part
// with ZIP compression. Albedo and normal are HALF, the rest FLOAT.
// Extra layers (the denoised image) are added after the film's.
func WriteEXR(path string, f *render.Film, attrs map[string]string, extra ...render.Layer) error {
	if !f.HasAOVs() && len(extra) == 0 {
		return exr.WriteFileRGB(path, f.W, f.H, f.RGB(), attrs)
	}
	ls := append(f.Layers(), extra...)
	out := make([]exr.OutLayer, len(ls))
	for i, l := range ls {
		out[i] = exr.OutLayer{Name: l.Name, Channels: l.Channels, Pix: l.Pix, Type: exr.Float}
		if l.Half {
			out[i].Type = exr.Half
		}
	}
	return exr.WriteFileLayers(path, f.W, f.H, out, exr.LayerOptions{Attributes: attrs})
}

// EncodePNG writes linear RGB as an 8-bit sRGB PNG (clamped, no tone map:
// the Standard view transform of the Cycles references).
func EncodePNG(w io.Writer, width, height int, rgb []float32) error {
	var lut [4097]uint8
	for i := range lut {
		lut[i] = uint8(render.LinearToSRGB(float64(i)/4096)*255 + 0.5)
	}
	img := image.NewNRGBA(image.Rect(0, 0, width, height))
	for i := 0; i < width*height; i++ {
		for c := 0; c < 3; c++ {
			v := rgb[3*i+c]
			var b uint8
			switch {
			case !(v > 0):
				b = 0
			case v >= 1:
				b = 255
			default:
				b = lut[int(v*4096+0.5)]
			}
			img.Pix[4*i+c] = b
		}
		img.Pix[4*i+3] = 255
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	return enc.Encode(w, img)
}

type emitter struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func newEmitter(w io.Writer) *emitter { return &emitter{enc: json.NewEncoder(w)} }

func (e *emitter) write(s Stats) {
	e.mu.Lock()
	defer e.mu.Unlock()
	_ = e.enc.Encode(s)
}

// PeakRSS returns the peak resident set size of this process in bytes
// (VmHWM on Linux), or the Go runtime's obtained memory elsewhere.
func PeakRSS() int64 {
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				f := strings.Fields(v)
				if len(f) >= 1 {
					if kb, err := strconv.ParseInt(f[0], 10, 64); err == nil {
						return kb * 1024
					}
				}
			}
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.Sys)
}

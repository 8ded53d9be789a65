package renderworker

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/rgallery/rgallery/render/usdscene"
	"github.com/rgallery/rgallery/usd"
)

// Main is the whole `rgallery render-worker` command: it parses args (the
// arguments after the subcommand name), renders, and returns the exit code:
// 0 finished or stopped, 1 render failure, 2 bad usage. The Local
// renderer's tests run it in a re-executed test binary, so the command
// line is defined in one place.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("render-worker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		cfg     = Config{Load: LoadUSD}
		res     string
		samples string
		seed    uint
		fallbk  string
		aovs    string
		denoise string
	)
	fs.StringVar(&cfg.CameraPath, "camera", "", "camera prim path (default: the render settings' camera, else the first camera)")
	fs.StringVar(&cfg.RenderSettingsPath, "render-settings", "", "RenderSettings prim path (default: the first one)")
	fs.StringVar(&cfg.DefaultLights, "default-lights", "auto", "default light rig: auto (only when the stage has no light), on or off")
	fs.StringVar(&fallbk, "variant-fallbacks", os.Getenv(usd.VariantFallbacksEnv), "variant fallbacks SET=SEL[,SEL...], sets separated by ';' (default $"+usd.VariantFallbacksEnv+")")
	fs.IntVar(&cfg.SubdivLevel, "subdiv-level", usdscene.DefaultSubdivLevel, "subdivision surface refinement level (0 = control meshes)")
	fs.StringVar(&res, "res", "", "resolution WxH (default: from the render settings, else 640x360)")
	fs.IntVar(&cfg.SPP, "spp", 64, "samples per pixel")
	fs.IntVar(&cfg.MaxBounces, "max-bounces", 4, "maximum scattering events per path")
	fs.IntVar(&cfg.Threads, "threads", 0, "render threads (0 = all CPUs)")
	fs.StringVar(&samples, "samples", "", "sample range a:b of the spp to render (default: all)")
	fs.UintVar(&seed, "seed", 0, "random seed")
	fs.StringVar(&aovs, "aovs", "on", "write the AOV layers (albedo, normal, depth, emission, diffuse/specular direct/indirect) into the EXR and the film: on or off")
	fs.StringVar(&denoise, "denoise", "off", "on adds a denoised copy of the image as the EXR layer \"denoised\" and shows it in the PNG preview (the raw image stays the base layer)")
	fs.StringVar(&cfg.Filter, "filter", "box", "pixel filter: box or blackman-harris (Cycles' default, 1.5 px)")
	fs.Float64Var(&cfg.FilterGlossy, "filter-glossy", DefaultFilterGlossy, "Cycles' Filter Glossy: blur sharp highlights seen through diffuse or rough bounces, which removes caustic fireflies but is biased (0 = off, unbiased; Cycles' default is 1)")
	fs.Float64Var(&cfg.AdaptiveThreshold, "adaptive-threshold", 0, "adaptive sampling: stop pixels whose noise estimate is below this (Cycles' default is 0.01; 0 = off, every pixel gets every sample)")
	fs.StringVar(&cfg.OutEXR, "exr", "", "write the linear float image here (OpenEXR)")
	fs.StringVar(&cfg.OutPNG, "png", "", "write an sRGB preview here (PNG)")
	fs.StringVar(&cfg.OutFilm, "film", "", "write the raw sample sums here (for exact farm merges)")
	fs.BoolVar(&cfg.FinalOnly, "final-only", false, "write the outputs only when done (or stopped), not after every pass")
	fs.Usage = func() {
		fmt.Fprint(stderr, `usage: rgallery render-worker [flags] SCENE.usd

Renders a USD scene progressively with rgallery's path tracer. After every
pass the image is written atomically (--exr, --png, --film). One JSON object
per line goes to stdout (event, percentDone, totalClockTime, peakMemory,
timeToFirstPixel, samples, raysPerSecond, warnings); stdin takes the
commands "focus X Y" (normalized, 0 0 = top left) and "stop". Workers with
the same --seed rendering disjoint --samples ranges merge exactly.

`)
		fs.PrintDefaults()
	}
	// Accept flags after the scene path too.
	var pos []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			if err == flag.ErrHelp {
				return 0
			}
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(pos) != 1 {
		fmt.Fprintf(stderr, "render-worker: want exactly one scene file, got %d\n", len(pos))
		return 2
	}
	cfg.Scene = pos[0]
	var aovsOn bool
	for _, f := range []struct {
		name, v string
		on      *bool
	}{{"denoise", denoise, &cfg.Denoise}, {"aovs", aovs, &aovsOn}} {
		switch f.v {
		case "on", "off":
			*f.on = f.v == "on"
		default:
			fmt.Fprintf(stderr, "render-worker: --%s %q: want on or off\n", f.name, f.v)
			return 2
		}
	}
	cfg.NoAOVs = !aovsOn
	if !(cfg.AdaptiveThreshold >= 0) || cfg.AdaptiveThreshold > 1e6 {
		fmt.Fprintf(stderr, "render-worker: --adaptive-threshold %v: want a number >= 0\n", cfg.AdaptiveThreshold)
		return 2
	}
	if !(cfg.FilterGlossy >= 0) || cfg.FilterGlossy > 1e6 {
		fmt.Fprintf(stderr, "render-worker: --filter-glossy %v: want a number >= 0\n", cfg.FilterGlossy)
		return 2
	}
	cfg.Seed = uint32(seed)
	fb, err := usd.ParseVariantFallbacks(fallbk)
	if err != nil {
		fmt.Fprintf(stderr, "render-worker: --variant-fallbacks: %v\n", err)
		return 2
	}
	if len(fb) > 0 {
		cfg.VariantFallbacks = fb
	}
	if res != "" {
		if _, err := fmt.Sscanf(strings.ToLower(res), "%dx%d", &cfg.Width, &cfg.Height); err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
			fmt.Fprintf(stderr, "render-worker: --res %q: want WxH, e.g. 640x360\n", res)
			return 2
		}
	}
	if samples != "" {
		if _, err := fmt.Sscanf(samples, "%d:%d", &cfg.SampleStart, &cfg.SampleEnd); err != nil || cfg.SampleStart < 0 || cfg.SampleEnd <= cfg.SampleStart || cfg.SampleEnd > cfg.SPP {
			fmt.Fprintf(stderr, "render-worker: --samples %q: want a:b with 0 <= a < b <= spp (%d)\n", samples, cfg.SPP)
			return 2
		}
	}
	// SIGTERM and SIGINT stop like the stop command: the last image is
	// written before exiting.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := Run(ctx, cfg, stdin, stdout); err != nil {
		fmt.Fprintf(stderr, "render-worker: %v\n", err)
		return 1
	}
	return 0
}

// DefaultFilterGlossy is the --filter-glossy default: Cycles' Filter
// Glossy as Blender sets it for a new scene (1.0).
const DefaultFilterGlossy = 1.0

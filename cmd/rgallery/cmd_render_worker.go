package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/rgallery/rgallery/renderworker"
)

var renderWorkerOpts struct {
	camera, settings  string
	res               string
	spp, bounces, thr int
	samples           string
	seed              uint32
	exr, png, film    string
}

var cmdRenderWorker = &cobra.Command{
	Use:   "render-worker [flags] SCENE.usd",
	Short: "Render one USD scene progressively with the built-in path tracer",
	Long: `render-worker renders a USD scene with rgallery's path tracer, pass after
pass. After every pass it writes the image atomically (--exr linear float,
--png sRGB preview, --film raw sums for farm merges). It prints one JSON
object per line on stdout (event, percentDone, totalClockTime, peakMemory,
timeToFirstPixel, samples, raysPerSecond, warnings) and reads commands on
stdin: "focus X Y" (normalized, 0 0 = top left) and "stop".

The Local and Slurm Farm renderers run it; it is also usable by hand.
Samples [a,b) rendered by several workers with the same --seed merge into
exactly the image of one worker rendering them all.`,
	Args: cobra.ExactArgs(1),
	RunE: runRenderWorker,
}

func init() {
	f := cmdRenderWorker.Flags()
	o := &renderWorkerOpts
	f.StringVar(&o.camera, "camera", "", "camera prim path (default: the render settings' camera, else the first camera)")
	f.StringVar(&o.settings, "render-settings", "", "RenderSettings prim path (default: the first one)")
	f.StringVar(&o.res, "res", "", "resolution WxH (default: from the render settings, else 640x360)")
	f.IntVar(&o.spp, "spp", 64, "samples per pixel")
	f.IntVar(&o.bounces, "max-bounces", 4, "maximum scattering events per path")
	f.IntVar(&o.thr, "threads", 0, "render threads (0 = all CPUs)")
	f.StringVar(&o.samples, "samples", "", "sample range a:b to render of the spp (default: all)")
	f.Uint32Var(&o.seed, "seed", 0, "random seed")
	f.StringVar(&o.exr, "exr", "", "write the linear float image here (OpenEXR)")
	f.StringVar(&o.png, "png", "", "write an sRGB preview here (PNG)")
	f.StringVar(&o.film, "film", "", "write the raw sample sums here (for exact farm merges)")
	cmdRoot.AddCommand(cmdRenderWorker)
}

func runRenderWorker(cmd *cobra.Command, args []string) error {
	o := &renderWorkerOpts
	cfg := renderworker.Config{
		Scene:              args[0],
		CameraPath:         o.camera,
		RenderSettingsPath: o.settings,
		SPP:                o.spp,
		MaxBounces:         o.bounces,
		Threads:            o.thr,
		Seed:               o.seed,
		OutEXR:             o.exr,
		OutPNG:             o.png,
		OutFilm:            o.film,
		Load:               renderworker.LoadUSD,
	}
	if o.res != "" {
		if _, err := fmt.Sscanf(strings.ToLower(o.res), "%dx%d", &cfg.Width, &cfg.Height); err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
			return &exitError{code: 2, err: fmt.Errorf("--res %q: want WxH, e.g. 640x360", o.res)}
		}
	}
	if o.samples != "" {
		if _, err := fmt.Sscanf(o.samples, "%d:%d", &cfg.SampleStart, &cfg.SampleEnd); err != nil || cfg.SampleStart < 0 || cfg.SampleEnd <= cfg.SampleStart || cfg.SampleEnd > o.spp {
			return &exitError{code: 2, err: fmt.Errorf("--samples %q: want a:b with 0 <= a < b <= spp (%d)", o.samples, o.spp)}
		}
	}
	// SIGTERM and SIGINT stop the render like the stop command: the last
	// image is written before exiting.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := renderworker.Run(ctx, cfg, os.Stdin, os.Stdout); err != nil {
		return &exitError{code: 1, err: err}
	}
	return nil
}

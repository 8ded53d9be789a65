package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/rgallery/rgallery/renderbench"
)

var benchOpts struct {
	shared, out       string
	scenes, extra     []string
	res               string
	spp, bounces, thr int
	json, aovs        bool
}

var cmdBench = &cobra.Command{
	Use:   "bench",
	Short: "Benchmark the built-in path tracer on the bench scenes against the Cycles anchors",
	Long: `bench renders ../shared/bench-scenes (cornell, spheres, mesh) with
render-worker at the Cycles reference settings (640x360, 64 spp, 4 bounces,
2 threads), one process per scene, and prints samples/s, BVH build time, the
time to write the final EXR and PNG (not in render s: Cycles' anchors stop
before their images are saved), time to first pixel, peak memory, their
ratios to Cycles 3.4, and the mean brightness ratio and RMSE against each
scene's cycles.exr. As the anchors, it renders the beauty only (--aovs
adds the AOV layers). Images and side-by-side PNGs (ours | Cycles) go to
--out.`,
	Args: cobra.NoArgs,
	RunE: runBench,
}

func init() {
	f := cmdBench.Flags()
	o := &benchOpts
	f.StringVar(&o.shared, "shared", "", "directory holding bench-scenes/ (default $RGALLERY_SHARED, else ../shared)")
	f.StringVar(&o.out, "out", filepath.Join(os.TempDir(), "rgallery-bench"), "output directory for images")
	f.StringSliceVar(&o.scenes, "scene", nil, "bench scenes to run (default cornell,spheres,mesh)")
	f.StringSliceVar(&o.extra, "file", nil, "extra scene files to time (no Cycles anchor), e.g. a 1M-triangle mesh")
	f.StringVar(&o.res, "res", "640x360", "resolution")
	f.IntVar(&o.spp, "spp", 64, "samples per pixel")
	f.IntVar(&o.bounces, "max-bounces", 4, "max bounces")
	f.IntVar(&o.thr, "threads", 2, "render threads")
	f.BoolVar(&o.json, "json", false, "print the results as JSON")
	f.BoolVar(&o.aovs, "aovs", false, "also accumulate and write the AOV layers (the Cycles anchors render the beauty only)")
	cmdRoot.AddCommand(cmdBench)
}

func runBench(cmd *cobra.Command, _ []string) error {
	o := &benchOpts
	shared := o.shared
	if shared == "" {
		shared = os.Getenv("RGALLERY_SHARED")
	}
	if shared == "" {
		shared = "../shared"
	}
	if _, err := os.Stat(filepath.Join(shared, "bench-scenes")); err != nil && len(o.extra) == 0 {
		return &exitError{code: 2, err: fmt.Errorf("no bench-scenes in %s (use --shared or RGALLERY_SHARED)", shared)}
	}
	cfg := renderbench.Config{SharedDir: shared, Scenes: o.scenes, Extra: o.extra, OutDir: o.out, SPP: o.spp, MaxBounces: o.bounces, Threads: o.thr, AOVs: o.aovs}
	if _, err := fmt.Sscanf(o.res, "%dx%d", &cfg.Width, &cfg.Height); err != nil {
		return &exitError{code: 2, err: fmt.Errorf("--res %q: want WxH", o.res)}
	}
	res, err := renderbench.Run(cmd.Context(), cfg, os.Stderr)
	if o.json {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if jerr := enc.Encode(res); jerr != nil {
			return jerr
		}
		return err
	}
	fmt.Printf("rgallery path tracer, %s, %d spp, %d bounces, %d threads on %s/%s (%d CPUs)\n",
		o.res, o.spp, o.bounces, o.thr, runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scene\ttris\tload s\tBVH s\trender s\twrite s\tMsamples/s\t×Cycles\t1st pixel s\tpeak MB\t×Cycles mem\tmean ratio\tRMSE\t")
	for _, r := range res {
		speed, mem, mean, rmse := "-", "-", "-", "-"
		if r.HasAnchor {
			speed = fmt.Sprintf("%.2f", r.SpeedRatio)
			mem = fmt.Sprintf("%.2f", r.MemoryRatio)
			mean = fmt.Sprintf("%.3f", r.MeanRatio)
			rmse = fmt.Sprintf("%.4f", r.RMSE)
		}
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.3f\t%.2f\t%.3f\t%.3f\t%s\t%.3f\t%d\t%s\t%s\t%s\t\n",
			r.Name, r.Triangles, r.LoadSeconds, r.BVHSeconds, r.RenderSeconds, r.OutputSeconds, r.SamplesPerSecond/1e6, speed,
			r.TimeToFirstPixel, r.PeakRSS>>20, mem, mean, rmse)
	}
	tw.Flush()
	fmt.Printf("images: %s\n", o.out)
	return err
}

package usdscene

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/rgallery/rgallery/render"
)

// BenchmarkBenchScene renders the bench scenes at 160x90, 16 spp, 4 bounces
// with 2 threads; samples/s is reported as a metric.
func BenchmarkBenchScene(b *testing.B) {
	for _, name := range []string{"cornell", "spheres", "mesh"} {
		b.Run(name, func(b *testing.B) {
			d := sharedDirB(b)
			res, err := Load(context.Background(), filepath.Join(d, "bench-scenes", name, name+".usda"), Options{})
			if err != nil {
				b.Fatal(err)
			}
			if err := res.Scene.Build(); err != nil {
				b.Fatal(err)
			}
			set := render.Settings{Width: 160, Height: 90, SamplesPerPixel: 16, MaxBounces: 4, Threads: 2}
			b.ResetTimer()
			c0 := cpuTime()
			var samples int64
			for i := 0; i < b.N; i++ {
				r, err := render.NewRenderer(res.Scene, set)
				if err != nil {
					b.Fatal(err)
				}
				if err := r.Render(context.Background(), nil); err != nil {
					b.Fatal(err)
				}
				samples += r.Film().TotalSamples()
			}
			b.ReportMetric(float64(samples)/b.Elapsed().Seconds(), "samples/s")
			// Per CPU second: meaningful on a busy shared machine.
			b.ReportMetric(float64(samples)/(cpuTime()-c0).Seconds(), "samples/cpu-s")
		})
	}
}

func sharedDirB(b *testing.B) string {
	d := sharedPath()
	if d == "" {
		b.Skip("no shared bench scenes (set RGALLERY_SHARED)")
	}
	return d
}

// BenchmarkBuildBenchScene times Scene.Build (baking, BLAS and TLAS) of
// each bench scene: the "BVH s" column of `rgallery bench`.
func BenchmarkBuildBenchScene(b *testing.B) {
	for _, name := range []string{"spheres", "mesh"} {
		b.Run(name, func(b *testing.B) {
			d := sharedDirB(b)
			path := filepath.Join(d, "bench-scenes", name, name+".usda")
			var cpu time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				res, err := Load(context.Background(), path, Options{})
				if err != nil {
					b.Fatal(err)
				}
				c0 := cpuTime()
				b.StartTimer()
				if err := res.Scene.Build(); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				cpu += cpuTime() - c0
			}
			b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		})
	}
}

//go:build linux || darwin

package slurm

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/render"
	"github.com/rgallery/rgallery/renderers/local"
)

// BenchmarkFarmVsLocal renders the Cornell bench scene with the Local
// renderer and with the farm at 1, 2 and 4 tasks, polling each at its own
// PollFrequency as the Manager does, and reports submit-to-first-image and
// total time. Run with -benchtime=1x; it needs the cluster.
//
//	go test -run '^$' -bench FarmVsLocal -benchtime=1x ./renderers/slurm/
func BenchmarkFarmVsLocal(b *testing.B) {
	scene := benchScene(b, "cornell")
	vp := bgrender.Viewport{ResX: 160, ResY: 90}
	const spp = 128
	local.Executable = Executable
	b.Run("Local", func(b *testing.B) {
		for range b.N {
			h := &testHost{}
			rr, _ := local.New(h)
			measure(b, rr, h, scene, map[string]any{local.OptSPP: spp}, vp)
		}
	})
	for _, n := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("farm-tasks=%d", n), func(b *testing.B) {
			needClusterB(b)
			for range b.N {
				h := &testHost{}
				rr, _ := New(h)
				measure(b, rr, h, scene, map[string]any{OptTasks: n, OptSPP: spp, OptJobDirRoot: b.TempDir()}, vp)
			}
		})
	}
}

// BenchmarkFarmOverhead renders an almost empty image (8x8 pixels, one
// sample per task) so that the time is Slurm's: submission, scheduling,
// task start and end, polling.
func BenchmarkFarmOverhead(b *testing.B) {
	needClusterB(b)
	scene := benchScene(b, "cornell")
	for _, n := range []int{1, 2, 4, 8} {
		b.Run(fmt.Sprintf("tasks=%d", n), func(b *testing.B) {
			var total time.Duration
			for range b.N {
				h := &testHost{}
				rr, _ := New(h)
				total += measure(b, rr, h, scene, map[string]any{OptTasks: n, OptSPP: n, OptJobDirRoot: b.TempDir()}, bgrender.Viewport{ResX: 8, ResY: 8})
			}
			b.ReportMetric(total.Seconds()/float64(b.N)/float64(n), "s/task")
		})
	}
}

func needClusterB(b *testing.B) {
	if _, err := partitions(context.Background()); err != nil {
		b.Skipf("no Slurm cluster reachable: %v", err)
	}
}

// measure runs one render to the end and reports first-image and total
// seconds.
func measure(b *testing.B, r bgrender.Renderer, h *testHost, scene string, opts map[string]any, vp bgrender.Viewport) time.Duration {
	b.Helper()
	ctx := context.Background()
	t0 := time.Now()
	if err := r.StartBackgroundRender(ctx, scene, bgrender.Options{Plugin: opts, Viewport: vp}); err != nil {
		b.Fatal(err)
	}
	if c, ok := r.(bgrender.Closer); ok {
		defer c.Close()
	}
	var first time.Duration
	for {
		time.Sleep(r.PollFrequency())
		done, err := r.IsRenderFinished(ctx)
		if err != nil {
			b.Fatalf("%v\n%s", err, h.logText())
		}
		h.mu.Lock()
		imgs := h.images
		h.mu.Unlock()
		if first == 0 && imgs > 0 {
			first = time.Since(t0)
		}
		if done {
			break
		}
	}
	total := time.Since(t0)
	b.ReportMetric(first.Seconds(), "first-image-s")
	b.ReportMetric(total.Seconds(), "total-s")
	return total
}

// BenchmarkMergeHD is the gallery-side cost of one poll at 1280x720 with
// four tasks whose films all changed: read, merge, write EXR and PNG.
func BenchmarkMergeHD(b *testing.B) {
	const w, h, tasks = 1280, 720, 4
	dir := b.TempDir()
	for i := 0; i < tasks; i++ {
		f := render.NewFilm(w, h)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				f.Add(x, y, render.Vec3{X: float64(x) / w, Y: float64(y) / h, Z: float64(i) / tasks})
			}
		}
		var buf bytes.Buffer
		if _, err := f.WriteTo(&buf); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filmPath(dir, i), buf.Bytes(), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	out := filepath.Join(dir, "render.exr")
	b.ResetTimer()
	for range b.N {
		fs := newFilms(dir, tasks) // every film counts as changed
		if _, err := fs.refresh(); err != nil {
			b.Fatal(err)
		}
		film, err := fs.merged()
		if err != nil {
			b.Fatal(err)
		}
		if err := writeImage(film, out, nil, false); err != nil {
			b.Fatal(err)
		}
	}
}

//go:build linux || darwin

package command

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rgallery/rgallery/bgrender"
)

// countingHost is the cheapest Host: it counts, so that the benchmark
// measures the renderer and not a fake gallery.
type countingHost struct {
	id            int64
	images, metas atomic.Int64
}

func (h *countingHost) ItemID() int64                 { return h.id }
func (h *countingHost) Source() string                { return "bench.usda" }
func (h *countingHost) UpdateImagePath(string)        { h.images.Add(1) }
func (h *countingHost) UpdateMetadata(map[string]any) { h.metas.Add(1) }
func (h *countingHost) Log() io.Writer                { return io.Discard }

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse + ms.StackInuse
}

// BenchmarkLiveRenders runs the manager's workload for the Command renderer:
// RGALLERY_BENCH_RENDERS (default 200) concurrent renders of the
// progressive-png writer (a 64x48 PNG every 500 ms), each polled every
// 0.1 s, for RGALLERY_BENCH_SECONDS (default 3) seconds per iteration. It
// reports the CPU time this process spends per wall second (cpu-%: percent
// of one core) and its heap+stack per live render, for two ways of driving
// the polls: a goroutine with its own ticker per render, and one poller
// goroutine for all renders. The writers' own CPU is not counted: they are
// the renderers. Run it with -benchtime=1x; set RGALLERY_BENCH_CPUPROFILE
// to a file name to profile the steady state only.
func BenchmarkLiveRenders(b *testing.B) {
	n := envInt("RGALLERY_BENCH_RENDERS", 200)
	// The writers rename a new PNG over the old one twice a second; on a
	// disk file system that is a flush each, which with hundreds of writers
	// loads the machine and skews what is measured here. Their output dirs
	// go to tmpfs when there is one.
	if base := copyBase(); base != "" {
		b.Setenv("TMPDIR", base)
	}
	window := time.Duration(envInt("RGALLERY_BENCH_SECONDS", 3)) * time.Second
	dir := b.TempDir()
	path := filepath.Join(dir, "bench.toml")
	src := strings.ReplaceAll(`
label = "Bench"
argv = ["%WRITER%", "-o", "{image}", "-passes", "1000000", "-interval", "500ms"]
progress = 'progress: (?P<percent>[0-9.]+)%'
poll = "100ms"
stop_grace = "2s"
`, "%WRITER%", writerBin)
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		b.Fatal(err)
	}
	m, err := ReadManifest(path)
	if err != nil {
		b.Fatal(err)
	}
	for _, mode := range []string{"goroutine-per-render", "one-poller"} {
		b.Run(mode, func(b *testing.B) {
			var cpuPct, perRender, startSec, images float64
			for b.Loop() {
				c, mem, st, imgs := runLive(b, m, n, window, mode == "one-poller")
				cpuPct += c
				perRender += mem
				startSec += st
				images += imgs
			}
			k := float64(b.N)
			b.ReportMetric(cpuPct/k, "cpu-%")
			b.ReportMetric(perRender/k, "B/render")
			b.ReportMetric(startSec/k, "start-s")
			b.ReportMetric(images/k, "images/s")
			b.ReportMetric(0, "ns/op") // one op is a fixed wall-clock window
		})
	}
}

func runLive(b *testing.B, m *Manifest, n int, window time.Duration, onePoller bool) (cpuPct, bytesPerRender, startSec, imagesPerSec float64) {
	ctx := context.Background()
	before := heapInUse()
	hosts := make([]*countingHost, n)
	rends := make([]*Renderer, n)
	t0 := time.Now()
	for i := range n {
		hosts[i] = &countingHost{id: int64(i + 1)}
		rends[i] = NewRenderer(m, hosts[i])
		if err := rends[i].StartBackgroundRender(ctx, "bench.usda", bgrender.Options{}); err != nil {
			b.Fatalf("render %d: %v", i, err)
		}
	}
	startSec = time.Since(t0).Seconds()
	defer func() {
		var wg sync.WaitGroup
		for _, r := range rends {
			wg.Go(func() {
				if err := r.StopBackgroundRender(ctx); err != nil {
					b.Error(err)
				}
				r.Close()
			})
		}
		wg.Wait()
	}()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var failed atomic.Int64
	pollOne := func(r *Renderer) bool {
		if done, err := r.IsRenderFinished(ctx); done || err != nil {
			failed.Add(1)
			return false
		}
		return true
	}
	if onePoller {
		// One goroutine wakes every poll interval and polls every render:
		// one wake-up per interval instead of one per render.
		wg.Go(func() {
			t := time.NewTicker(m.PollFrequency())
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					for _, r := range rends {
						pollOne(r)
					}
				}
			}
		})
	} else {
		// One polling goroutine per render, each on its own ticker.
		for _, r := range rends {
			wg.Go(func() {
				t := time.NewTicker(r.PollFrequency())
				defer t.Stop()
				for {
					select {
					case <-stop:
						return
					case <-t.C:
						if !pollOne(r) {
							return
						}
					}
				}
			})
		}
	}
	time.Sleep(time.Second) // let the writers settle
	var img0 int64
	for _, h := range hosts {
		img0 += h.images.Load()
	}
	if path := os.Getenv("RGALLERY_BENCH_CPUPROFILE"); path != "" {
		// Profile only the steady state, not the starts and stops.
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			b.Fatal(err)
		}
	}
	c0, w0 := cpuTime(), time.Now()
	time.Sleep(window)
	c1, w1 := cpuTime(), time.Now()
	pprof.StopCPUProfile()
	var img1 int64
	for _, h := range hosts {
		img1 += h.images.Load()
	}
	live := heapInUse()
	close(stop)
	wg.Wait()
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d renders ended during the benchmark", f)
	}
	wall := w1.Sub(w0).Seconds()
	cpuPct = 100 * (c1 - c0).Seconds() / wall
	bytesPerRender = float64(int64(live)-int64(before)) / float64(n)
	imagesPerSec = float64(img1-img0) / wall
	return
}

func envInt(key string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(key)); err == nil && v > 0 {
		return v
	}
	return def
}

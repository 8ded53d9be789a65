//go:build linux || darwin

package bgrender_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/gallery"
	"github.com/rgallery/rgallery/renderers/command"
)

// cpuTime returns this process's CPU time, total and in the kernel.
func cpuTime() (total, sys time.Duration) {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), time.Duration(ru.Stime.Nano())
}

func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse + ms.StackInuse
}

// BenchmarkManagerLiveRenders is the Manager's own cost with
// RGALLERY_BENCH_RENDERS (default 200) live Command renders of the
// progressive PNG writer (a new 64x48 PNG every 500 ms), each polled every
// 0.1 s, recorded in a real SQLite gallery, over a window of
// RGALLERY_BENCH_SECONDS (default 5). It reports this process's CPU time per
// wall second as a percentage of one core, and its system (kernel) part (the
// writers are the renderers and are not counted), heap+stack per live render, and gallery image updates
// per second. Run it with -benchtime=1x.
func BenchmarkManagerLiveRenders(b *testing.B) {
	n := envInt("RGALLERY_BENCH_RENDERS", 200)
	window := time.Duration(envInt("RGALLERY_BENCH_SECONDS", 5)) * time.Second
	dir := b.TempDir()
	if _, err := os.Stat("/dev/shm"); err == nil {
		// Hundreds of writers renaming files on a disk file system load the
		// machine and skew the measurement; their output goes to tmpfs.
		shm, err := os.MkdirTemp("/dev/shm", "rgallery-bench-")
		if err == nil {
			b.Setenv("TMPDIR", shm)
			b.Cleanup(func() { os.RemoveAll(shm) })
		}
	}
	writer := filepath.Join(dir, "progressive-png")
	if out, err := exec.Command("go", "build", "-o", writer, "../examples/command/progressive-png").CombinedOutput(); err != nil {
		b.Fatalf("build writer: %v\n%s", err, out)
	}
	manifest := filepath.Join(dir, "bench.toml")
	os.WriteFile(manifest, []byte(strings.ReplaceAll(`label = "Bench"
argv = ["%W%", "-o", "{image}", "-passes", "1000000", "-interval", "500ms"]
progress = 'progress: (?P<percent>[0-9.]+)%'
poll = "100ms"
stop_grace = "2s"
`, "%W%", writer)), 0o644)
	plugins, err := command.Loader{}.Load(context.Background(), manifest)
	if err != nil {
		b.Fatal(err)
	}
	scene := filepath.Join(dir, "scene.usda")
	os.WriteFile(scene, []byte("#usda 1.0\n"), 0o644)

	for b.Loop() {
		ctx := context.Background()
		g, err := gallery.Open(ctx, filepath.Join(b.TempDir(), "g"))
		if err != nil {
			b.Fatal(err)
		}
		m := bgrender.NewManager(g, nil)
		if d, err := time.ParseDuration(os.Getenv("RGALLERY_BENCH_IMAGE_INTERVAL")); err == nil {
			m.ImageInterval = d
		}
		if err := m.Add(plugins[0]); err != nil {
			b.Fatal(err)
		}
		events, cancel := m.Subscribe(1 << 16)
		before := heapInUse()
		for i := 0; i < n; i++ {
			if _, err := m.Start(ctx, bgrender.Request{Renderer: "Bench", Scene: scene}); err != nil {
				b.Fatal(err)
			}
		}
		time.Sleep(2 * time.Second) // let every render reach its steady state
		for len(events) > 0 {
			<-events
		}
		perRender := float64(heapInUse()-before) / float64(n)
		if name := os.Getenv("RGALLERY_BENCH_CPUPROFILE"); name != "" {
			f, err := os.Create(name)
			if err != nil {
				b.Fatal(err)
			}
			pprof.StartCPUProfile(f)
		}
		c0, s0 := cpuTime()
		t0 := time.Now()
		images := 0
		deadline := time.After(window)
	count:
		for {
			select {
			case e := <-events:
				if e.Type == bgrender.EventImage {
					images++
				}
			case <-deadline:
				break count
			}
		}
		c1, s1 := cpuTime()
		wall := float64(time.Since(t0))
		cpu := float64(c1-c0) / wall
		b.ReportMetric(100*float64(s1-s0)/wall, "sys-cpu-%")
		pprof.StopCPUProfile()
		if live := len(m.Live()); live != n {
			b.Fatalf("%d of %d renders live during the window", live, n)
		}
		b.ReportMetric(100*cpu, "cpu-%")
		b.ReportMetric(perRender/1024, "KiB/render")
		b.ReportMetric(float64(images)/window.Seconds(), "images/s")
		cancel()
		if err := m.Shutdown(ctx); err != nil {
			b.Fatal(err)
		}
		g.Close()
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

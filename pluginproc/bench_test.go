//go:build linux || darwin

package pluginproc

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/gallery"
)

// percentile returns the p-th percentile (0..100) of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p / 100)
	return sorted[i]
}

func reportLatencies(b *testing.B, lat []time.Duration) {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(percentile(lat, 50).Microseconds()), "median-µs")
	b.ReportMetric(float64(percentile(lat, 99).Microseconds()), "p99-µs")
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)-1].Microseconds()), "max-µs")
	}
}

// startedRender loads label of the bench plugin and starts a render.
func startedRender(b *testing.B, cfg Config, label string, id int64) *remote {
	b.Helper()
	p := loadPython(b, cfg, testdata("bench", "idle.py"))[label]
	r := newRender(b, p, newFakeHost(id))
	if err := r.StartBackgroundRender(context.Background(), "/s.usda", bgrender.Options{}); err != nil {
		b.Fatal(err)
	}
	return r
}

// BenchmarkIsRenderFinishedRoundTrip measures one isRenderFinished call to
// a live Python render: request out on fd 3, answer back on fd 4.
func BenchmarkIsRenderFinishedRoundTrip(b *testing.B) {
	needPython(b)
	for _, label := range []string{"Idle", "Counting"} {
		b.Run(label, func(b *testing.B) {
			r := startedRender(b, testConfig(b), label, 1)
			ctx := context.Background()
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				if _, err := r.IsRenderFinished(ctx); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			reportLatencies(b, lat)
		})
	}
}

// BenchmarkGoPluginRoundTrip is the same against the Go example plugin, to
// separate the protocol's cost from the Python host's.
func BenchmarkGoPluginRoundTrip(b *testing.B) {
	bin := buildExample(b)
	ps, err := (&ExecLoader{Config: testConfig(b)}).Load(context.Background(), bin)
	if err != nil {
		b.Fatal(err)
	}
	r := newRender(b, ps[0], newFakeHost(1))
	ctx := context.Background()
	if err := r.StartBackgroundRender(ctx, "/s.usda", bgrender.Options{Plugin: map[string]any{"passes": 1.0, "outdir": b.TempDir()}}); err != nil {
		b.Fatal(err)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if err := r.MouseClick(ctx, 0.5, 0.5); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	reportLatencies(b, lat)
}

// BenchmarkStartToFirstPoll measures from the factory call to the answer of
// the first isRenderFinished: interpreter start, host unpack check,
// handshake, import of the plugin, create, pollFrequency, start, poll.
func BenchmarkStartToFirstPoll(b *testing.B) {
	needPython(b)
	cfg := testConfig(b)
	p := loadPython(b, cfg, testdata("bench", "idle.py"))["Idle"]
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		rend, _ := p.Factory(newFakeHost(int64(i)))
		r := rend.(*remote)
		if err := r.StartBackgroundRender(ctx, "/s.usda", bgrender.Options{}); err != nil {
			b.Fatal(err)
		}
		if _, err := r.IsRenderFinished(ctx); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
		b.StopTimer()
		_ = r.Close()
		b.StartTimer()
	}
	b.StopTimer()
	reportLatencies(b, lat)
}

// BenchmarkMemoryPerRender reports the resident memory of one live Python
// render (the interpreter, the host and an idle plugin), averaged over ten.
func BenchmarkMemoryPerRender(b *testing.B) {
	needPython(b)
	cfg := testConfig(b)
	const n = 10
	// The renders are made once whatever b.N is: the figure is memory, not
	// time.
	var sum uint64
	for j := 0; j < n; j++ {
		r := startedRender(b, cfg, "Idle", int64(j))
		sum += r.ch.p.SampleMemory()
	}
	b.ReportMetric(float64(sum)/n/(1<<20), "MiB/render")
}

// BenchmarkConcurrentRenders runs 100 live Python renders, each polled
// every second by its own goroutine as the Manager does, and reports how
// late the polls ran and how long they took. The gallery keeps up when
// lateness stays far below the poll interval.
func BenchmarkConcurrentRenders(b *testing.B) {
	needPython(b)
	const n = 100
	const rounds = 5
	cfg := testConfig(b)
	for it := 0; it < b.N; it++ {
		renders := make([]*remote, n)
		t0 := time.Now()
		for i := range renders {
			renders[i] = startedRender(b, cfg, "Counting", int64(i))
		}
		b.ReportMetric(time.Since(t0).Seconds(), "s-to-start-100")
		var mu sync.Mutex
		var calls, late []time.Duration
		var wg sync.WaitGroup
		start := time.Now()
		for i, r := range renders {
			wg.Add(1)
			go func(i int, r *remote) {
				defer wg.Done()
				// Spread the first polls over the interval, as renders
				// started at different times would be.
				offset := time.Duration(i) * time.Second / n
				for k := 0; k < rounds; k++ {
					due := start.Add(offset + time.Duration(k)*time.Second)
					time.Sleep(time.Until(due))
					t := time.Now()
					if _, err := r.IsRenderFinished(context.Background()); err != nil {
						b.Error(err)
						return
					}
					d := time.Since(t)
					mu.Lock()
					calls = append(calls, d)
					late = append(late, t.Sub(due))
					mu.Unlock()
				}
			}(i, r)
		}
		wg.Wait()
		if len(calls) != n*rounds {
			b.Fatalf("%d polls answered, want %d", len(calls), n*rounds)
		}
		sort.Slice(calls, func(i, j int) bool { return calls[i] < calls[j] })
		sort.Slice(late, func(i, j int) bool { return late[i] < late[j] })
		b.ReportMetric(float64(percentile(calls, 50).Microseconds()), "poll-median-µs")
		b.ReportMetric(float64(percentile(calls, 99).Microseconds()), "poll-p99-µs")
		b.ReportMetric(float64(calls[len(calls)-1].Microseconds()), "poll-max-µs")
		b.ReportMetric(float64(percentile(late, 99).Microseconds()), "lateness-p99-µs")
		var rss uint64
		for _, r := range renders {
			rss += r.ch.p.SampleMemory()
		}
		b.ReportMetric(float64(rss)/(1<<20), "MiB-total")
		for _, r := range renders {
			_ = r.Close()
		}
	}
}

// BenchmarkManager100 is the acceptance figure of the issue: 100 live Python
// renders in one gallery, each polled by the Manager at its own 1 s, every
// poll's metadata written to SQLite. Over a 5 s window each render must be
// polled about 5 times; fewer means the gallery fell behind.
func BenchmarkManager100(b *testing.B) {
	needPython(b)
	const n = 100
	const window = 5 * time.Second
	b.Setenv("RGALLERY_CACHE_DIR", sharedCacheDir)
	ctx := context.Background()
	for it := 0; it < b.N; it++ {
		g, err := gallery.Open(ctx, b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		m := bgrender.NewManager(g, nil)
		ps, err := (&PythonLoader{}).Load(ctx, testdata("bench", "idle.py"))
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range ps {
			if err := m.Add(p); err != nil {
				b.Fatal(err)
			}
		}
		scene := filepath.Join(b.TempDir(), "s.usda")
		if err := os.WriteFile(scene, []byte("#usda 1.0\n"), 0o644); err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		ids := make([]int64, n)
		for i := range ids {
			s, err := m.Start(ctx, bgrender.Request{Renderer: "Counting", Scene: scene})
			if err != nil {
				b.Fatal(err)
			}
			ids[i] = s.ID
		}
		b.ReportMetric(time.Since(t0).Seconds(), "s-to-start-100")
		polls := func() []float64 {
			out := make([]float64, n)
			for i, id := range ids {
				s, err := g.Get(ctx, id)
				if err != nil {
					b.Fatal(err)
				}
				out[i], _ = s.Metadata["polls"].(float64)
			}
			return out
		}
		before := polls()
		time.Sleep(window)
		after := polls()
		minDelta, sum := math.Inf(1), 0.0
		for i := range after {
			d := after[i] - before[i]
			sum += d
			minDelta = math.Min(minDelta, d)
		}
		b.ReportMetric(minDelta, "min-polls/5s")
		b.ReportMetric(sum/n, "mean-polls/5s")
		if live := len(m.Live()); live != n {
			b.Errorf("%d renders live, want %d", live, n)
		}
		sctx, cancel := context.WithTimeout(ctx, time.Minute)
		if err := m.Shutdown(sctx); err != nil {
			b.Error(err)
		}
		cancel()
		g.Close()
		if minDelta < 4 {
			b.Errorf("a render was polled only %v times in %v: the gallery fell behind", minDelta, window)
		}
	}
}

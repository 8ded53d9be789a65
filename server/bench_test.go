//go:build linux

package server_test

// Benchmarks of the web server. Figures go to the issue notes:
//
//	go test ./server -run '^$' -bench . -benchtime 20x
//
// BenchmarkFirstPaint10k needs chromium, like the browser tests.

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/gallery"
	"github.com/rgallery/rgallery/server"
)

// benchServer serves a gallery of n finished snapshots. The rows are
// written straight into the database in one transaction (as the gallery's
// own benchmarks do), since creating 100,000 snapshots one by one takes
// minutes; the first withFiles of them get a real image and thumbnail.
func benchServer(b testing.TB, n, withFiles int) (*httptest.Server, *bgrender.Manager) {
	b.Helper()
	ctx := context.Background()
	dir := filepath.Join(b.TempDir(), "gallery")
	g, err := gallery.Open(ctx, dir)
	if err != nil {
		b.Fatal(err)
	}
	g.Close()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "gallery.db")+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)")
	if err != nil {
		b.Fatal(err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	ins, err := tx.Prepare(`INSERT INTO snapshots (id, label, created_ns, updated_ns, finished_ns, renderer, options, source, state, metadata,
		total_clock_time, percent_done, peak_memory, image, image_version, thumb) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`)
	if err != nil {
		b.Fatal(err)
	}
	tag, _ := tx.Prepare(`INSERT INTO tags (snapshot_id, tag) VALUES (?, ?)`)
	now := time.Now().UnixNano()
	for i := 1; i <= n; i++ {
		img, thumb := "", ""
		if i > n-withFiles {
			img, thumb = fmt.Sprintf("images/%d/image.png", i), fmt.Sprintf("thumbs/%d.png", i)
		}
		_, err := ins.Exec(i, fmt.Sprintf("take %d", i), now-int64(n-i)*int64(time.Second), now, now, "Local",
			`{"plugin":{"spp":64},"viewport":{"res_x":640,"res_y":360}}`,
			fmt.Sprintf("/shots/sq%03d/shot%d.usda", i%100, i), "finished", `{"samples":64,"timeToFirstPixel":0.4}`,
			12.5, 100.0, 300<<20, img, 1, thumb)
		if err != nil {
			b.Fatal(err)
		}
		if i%10 == 0 {
			tag.Exec(i, "hero")
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	db.Close()
	for i := n - withFiles + 1; i <= n; i++ {
		writeBenchPNG(b, filepath.Join(dir, "images", strconv.Itoa(i), "image.png"), 640, 360, i)
		writeBenchPNG(b, filepath.Join(dir, "thumbs", strconv.Itoa(i)+".png"), 256, 144, i)
	}

	g, err = gallery.Open(ctx, dir)
	if err != nil {
		b.Fatal(err)
	}
	m := bgrender.NewManager(g, nil)
	m.ImageInterval = time.Second
	api := server.NewAPI(m, bgrender.Discovery{}, nil)
	h, err := api.Handler(server.WebConfig{Roots: []string{b.TempDir()}, Loopback: true})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(h)
	b.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
		sctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		m.Shutdown(sctx)
		g.Close()
	})
	return srv, m
}

func writeBenchPNG(b testing.TB, path string, w, h, seed int) {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8(seed * 37), 255})
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkAPIList100k is GET /api/snapshots over loopback HTTP in a
// gallery of 100,000 snapshots: the first pages the UI asks for, a page deep
// in the gallery, a tag filter and a text filter (which scans).
func BenchmarkAPIList100k(b *testing.B) {
	srv, _ := benchServer(b, 100_000, 0)
	client := srv.Client()
	for _, c := range []struct{ name, query string }{
		{"first-page-40", "limit=40"}, // what the UI asks for first
		{"first-page-100", "limit=100"},
		{"deep-page-100", "limit=100&before=50000"},
		{"tag-100", "limit=100&tag=hero&before=70000"},
		{"text-100", "limit=100&q=sq042"},
	} {
		b.Run(c.name, func(b *testing.B) {
			var n int
			for b.Loop() {
				resp, err := client.Get(srv.URL + "/api/snapshots?" + c.query)
				if err != nil {
					b.Fatal(err)
				}
				data, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || !bytes.HasPrefix(data, []byte("[")) {
					b.Fatalf("%d %s", resp.StatusCode, data[:min(200, len(data))])
				}
				n = len(data)
			}
			b.ReportMetric(float64(n), "bytes/page")
		})
	}
}

// BenchmarkFirstPaint10k loads the gallery page with 10,000 snapshots in
// headless Chromium: fcp-ms is the browser's first contentful paint,
// strip-ms the moment the first page of the strip is in the DOM, and
// ready-ms the moment the selected image and the visible thumbnails are
// painted.
func BenchmarkFirstPaint10k(b *testing.B) {
	exe := findChromium(b)
	srv, _ := benchServer(b, 10_000, 120)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(b.TempDir()), chromedp.WindowSize(1440, 860),
		chromedp.ModifyCmdFunc(func(cmd *exec.Cmd) {
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
		}),
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer acancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	if err := chromedp.Do(ctx); err != nil {
		b.Fatal(err)
	}
	pid := chromedp.FromContext(ctx).Browser.Process().Pid
	defer syscall.Kill(-pid, syscall.SIGKILL)
	var fcp, strip, ready []float64
	i := 0
	for b.Loop() {
		i++
		tctx, tcancel := context.WithTimeout(ctx, 60*time.Second)
		err := chromedp.Do(tctx,
			chromedp.Navigate(fmt.Sprintf("%s/?run=%d", srv.URL, i)),
			chromedp.Poll[chromedp.Void](`document.body.dataset.ready === '1' && document.querySelector('#img-a').complete && document.querySelector('#img-a').dataset.version === '1' &&
				[...document.querySelectorAll('.card .th img')].slice(0, 8).every(i => i.complete && i.naturalWidth > 0)`,
				chromedp.WithPollingInterval(5*time.Millisecond)),
			chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
				v, err := chromedp.Evaluate[[]float64](`[
					(performance.getEntriesByName('first-contentful-paint')[0] || {startTime: -1}).startTime,
					performance.getEntriesByName('rg-strip')[0].startTime,
					performance.now()]`)(ctx, t)
				if err != nil {
					return err
				}
				fcp, strip, ready = append(fcp, v[0]), append(strip, v[1]), append(ready, v[2])
				return nil
			}),
		)
		tcancel()
		if err != nil {
			state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({ready: document.body.dataset.ready, img: document.querySelector('#img-a').dataset.version, complete: document.querySelector('#img-a').complete, thumbs: [...document.querySelectorAll('.card .th img')].slice(0, 8).map(i => [i.complete, i.naturalWidth, i.src])})`))
			b.Fatalf("%v: page state %s", err, state)
		}
	}
	if os.Getenv("RGALLERY_BENCH_DEBUG") != "" {
		t, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(performance.getEntries().map(e => [e.name.replace(location.origin, ''), Math.round(e.startTime), Math.round(e.duration), e.responseStart ? Math.round(e.responseStart) : 0]))`))
		b.Log(t)
	}
	b.ReportMetric(median(fcp), "fcp-ms")
	b.ReportMetric(median(strip), "strip-ms")
	b.ReportMetric(median(ready), "ready-ms")
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), v...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[len(s)/2]
}

// ticker is a Go renderer that reports progress on every poll (every 50 ms,
// the manager's minimum) and a new image every poll (the manager copies it
// at most once per ImageInterval), and never finishes by itself.
type ticker struct {
	bgrender.Base
	h     bgrender.Host
	img   string
	start time.Time
	n     int
}

func (r *ticker) PollFrequency() time.Duration { return bgrender.MinPollInterval }
func (r *ticker) StartBackgroundRender(context.Context, string, bgrender.Options) error {
	r.start = time.Now()
	return nil
}
func (r *ticker) IsRenderFinished(context.Context) (bool, error) {
	r.n++
	r.h.UpdateMetadata(map[string]any{"percentDone": float64(r.n%1000) / 10, "totalClockTime": time.Since(r.start).Seconds(), "pass": r.n})
	r.h.UpdateImagePath(r.img)
	return false, nil
}
func (r *ticker) StopBackgroundRender(context.Context) error { return nil }

// BenchmarkSSEFanout runs 20 live renders and 50 event-stream clients for
// 3 s per iteration. The clients run in a child process, so that the
// server's CPU (this process: manager, renderers, gallery writes, the hub
// and the streams) is measured alone. events/s is what the 50 clients
// received together (produced/s is what the manager emitted, each of
// which every client should receive); server-cpu-% is this process's CPU time over wall
// time (100 = one core).
func BenchmarkSSEFanout(b *testing.B) {
	const renders, clients = 20, 50
	const window = 3 * time.Second
	srv, m := benchServer(b, 1000, 0)
	imgPath := filepath.Join(b.TempDir(), "frame.png")
	writeBenchPNG(b, imgPath, 320, 180, 1)
	if err := m.Register("Ticker", func(h bgrender.Host) (bgrender.Renderer, error) { return &ticker{h: h, img: imgPath}, nil }); err != nil {
		b.Fatal(err)
	}
	scene := filepath.Join(b.TempDir(), "shot.usda")
	os.WriteFile(scene, []byte("#usda 1.0\n"), 0o644)
	ctx := context.Background()
	var ids []int64
	for range renders {
		s, err := m.Start(ctx, bgrender.Request{Renderer: "Ticker", Scene: scene})
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, s.ID)
	}
	defer func() {
		for _, id := range ids {
			m.Stop(ctx, id)
		}
	}()
	// Count what the manager produces, to compare with what arrives.
	events, unsub := m.Subscribe(1 << 16)
	defer unsub()
	var produced atomic.Int64
	go func() {
		for range events {
			produced.Add(1)
		}
	}()
	self, _ := os.Executable()
	var rate, cpu, prod []float64
	for b.Loop() {
		cmd := exec.Command(self, "-test.run", "^TestSSEClientProcess$")
		cmd.Env = append(os.Environ(), fmt.Sprintf("RGALLERY_SSE_CLIENT=%s|%d|%s", srv.URL, clients, window))
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
		var out bytes.Buffer
		cmd.Stdout = &out
		cmd.Stderr = os.Stderr
		var ru0, ru1 syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
		t0 := time.Now()
		p0 := produced.Load()
		if err := cmd.Run(); err != nil {
			b.Fatalf("clients: %v\n%s", err, out.String())
		}
		wall := time.Since(t0)
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
		prod = append(prod, float64(produced.Load()-p0)/wall.Seconds())
		var got, secs float64
		if _, err := fmt.Sscanf(lastLine(out.String()), "events %g in %g s", &got, &secs); err != nil {
			b.Fatalf("clients said %q", out.String())
		}
		if got == 0 {
			b.Fatal("the clients received no events")
		}
		used := time.Duration(ru1.Utime.Nano()+ru1.Stime.Nano()-ru0.Utime.Nano()-ru0.Stime.Nano()) * time.Nanosecond
		rate = append(rate, got/secs)
		cpu = append(cpu, 100*used.Seconds()/wall.Seconds())
	}
	b.ReportMetric(median(rate), "events/s")
	b.ReportMetric(median(rate)/clients, "events/s/client")
	b.ReportMetric(median(prod), "produced/s")
	b.ReportMetric(median(cpu), "server-cpu-%")
}

// lastLine returns the client's report line.
func lastLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "events ") {
			return l
		}
	}
	return s
}

// TestSSEClientProcess is the client side of BenchmarkSSEFanout, run in a
// child process; it does nothing in a normal test run.
func TestSSEClientProcess(t *testing.T) {
	spec := os.Getenv("RGALLERY_SSE_CLIENT")
	if spec == "" {
		t.Skip("only run by BenchmarkSSEFanout")
	}
	parts := strings.Split(spec, "|")
	url := parts[0]
	n, _ := strconv.Atoi(parts[1])
	window, _ := time.ParseDuration(parts[2])
	var total atomic.Int64
	var wg sync.WaitGroup
	ctx, cancel := context.WithTimeout(context.Background(), window+5*time.Second)
	defer cancel()
	start := make(chan struct{})
	var connected sync.WaitGroup
	connected.Add(n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequestWithContext(ctx, "GET", url+"/api/events", nil)
			resp, err := http.DefaultClient.Do(req)
			connected.Done()
			if err != nil {
				return
			}
			defer resp.Body.Close()
			<-start
			deadline := time.Now().Add(window)
			sc := bufio.NewScanner(resp.Body)
			sc.Buffer(make([]byte, 64<<10), 1<<20)
			for sc.Scan() && time.Now().Before(deadline) {
				if strings.HasPrefix(sc.Text(), "data: ") {
					total.Add(1)
				}
			}
		}()
	}
	connected.Wait()
	t0 := time.Now()
	close(start)
	time.Sleep(window)
	got := total.Load()
	secs := time.Since(t0).Seconds()
	cancel()
	wg.Wait()
	fmt.Printf("events %d in %.3f s\n", got, secs)
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

// `rgallery bench live` is the load test of live renders (issue 22): one
// `rgallery serve` on loopback, N Command renders of a bundled progressive
// renderer (`rgallery bench live-renderer`, hidden), M viewers reading the
// event stream the way a browser does (reconnecting with Last-Event-ID).

var benchLiveOpts struct {
	renders, viewers int
	seconds, fps     float64
	poll             float64
	scratch          string
	json             bool
}

var cmdBenchLive = &cobra.Command{
	Use:   "live",
	Short: "Load test: N live renders watched by M event-stream viewers of one `rgallery serve`",
	Long: `live starts "rgallery serve" on loopback in a temporary gallery (or the one
given with --gallery), then M viewers of its event stream, then N live renders
of a bundled progressive Command renderer that writes a PNG --fps times a
second for --seconds. It stops by itself once every render has ended and its
viewers have heard of it, and prints: events/s per viewer, missed final
states (a viewer whose last state of a render is not the gallery's), resyncs
(with and without a disconnect), the update latency from the renderer writing
an image to a viewer hearing of it (p50/p99, through the frame number the
renderer reports as its progress), and the server's CPU, RSS, open files and
OS threads: idle, with the viewers, and with the renders (per viewer and per
render). Figures depend on the machine and its load: /proc/loadavg is
printed with them.`,
	Args: cobra.NoArgs,
	RunE: runBenchLive,
}

var liveRendererOpts struct {
	out, frames   string
	goFile        string
	fps, seconds  float64
	width, height int
}

// cmdBenchLiveRenderer is the progressive renderer of the load test: it
// writes --out (a PNG, replaced by rename) --fps times a second, logs each
// frame's write time to --frames, and prints "frame K/TOTAL" after each.
var cmdBenchLiveRenderer = &cobra.Command{
	Use:    "live-renderer",
	Short:  "Progressive test renderer used by `rgallery bench live`",
	Hidden: true,
	Args:   cobra.ArbitraryArgs, // the scene is given and ignored
	RunE:   runLiveRenderer,
}

func init() {
	f := cmdBenchLive.Flags()
	o := &benchLiveOpts
	f.IntVar(&o.renders, "renders", 100, "live renders")
	f.IntVar(&o.viewers, "viewers", 100, "event-stream viewers")
	f.Float64Var(&o.seconds, "seconds", 60, "how long each render runs")
	f.Float64Var(&o.fps, "fps", 4, "images each render writes per second")
	f.Float64Var(&o.poll, "poll", 0.1, "the renderer manifest's poll (seconds)")
	f.StringVar(&o.scratch, "scratch", "", "where the renderers write their images (default /dev/shm when it exists, else the temp dir): hundreds of renderers replacing files 4 times a second on a disk measure the disk")
	f.BoolVar(&o.json, "json", false, "print the results as JSON")
	cmdBench.AddCommand(cmdBenchLive)

	r := cmdBenchLiveRenderer.Flags()
	ro := &liveRendererOpts
	r.StringVar(&ro.out, "out", "render.png", "image to write")
	r.StringVar(&ro.frames, "frames", "", "file to append \"K UNIXNANO\" to after each frame")
	r.StringVar(&ro.goFile, "go", "", "write a first image (frame 0), then wait for this file to exist before the timed frames")
	r.Float64Var(&ro.fps, "fps", 4, "frames per second")
	r.Float64Var(&ro.seconds, "seconds", 60, "run time")
	r.IntVar(&ro.width, "width", 32, "image width")
	r.IntVar(&ro.height, "height", 24, "image height")
	cmdBench.AddCommand(cmdBenchLiveRenderer)
}

func runLiveRenderer(cmd *cobra.Command, _ []string) error {
	o := &liveRendererOpts
	total := max(1, int(math.Round(o.fps*o.seconds)))
	var frames *os.File
	if o.frames != "" {
		f, err := os.OpenFile(o.frames, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		frames = f
	}
	img := image.NewNRGBA(image.Rect(0, 0, o.width, o.height))
	tmp := o.out + ".tmp.png"
	write := func(k int) error {
		c := color.NRGBA{uint8(k * 7), uint8(k * 13), uint8(k * 29), 255}
		for i := 0; i < len(img.Pix); i += 4 {
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
		}
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			return err
		}
		if err := os.WriteFile(tmp, b.Bytes(), 0o644); err != nil {
			return err
		}
		return os.Rename(tmp, o.out)
	}
	if o.goFile != "" {
		// All renders of a load test run their timed frames together,
		// however long it took to start them all.
		if err := write(0); err != nil {
			return err
		}
		fmt.Printf("frame 0/%d\n", total)
		for {
			if _, err := os.Stat(o.goFile); err == nil {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		// Each at its own phase, as renders started by people are: in
		// step, hundreds of renderers would all wake at the same instant.
		time.Sleep(rand.N(time.Duration(float64(time.Second) / o.fps)))
	}
	start := time.Now()
	for k := 1; k <= total; k++ {
		if err := write(k); err != nil {
			return err
		}
		if frames != nil {
			fmt.Fprintf(frames, "%d %d\n", k, time.Now().UnixNano())
		}
		fmt.Printf("frame %d/%d\n", k, total)
		if k < total {
			time.Sleep(time.Until(start.Add(time.Duration(float64(k) / o.fps * float64(time.Second)))))
		}
	}
	return nil
}

// liveResult is what `bench live` prints.
type liveResult struct {
	Renders, Viewers int
	Seconds, FPS     float64
	LoadStart        string `json:"loadStart"`
	LoadEnd          string `json:"loadEnd"`

	EventsPerViewerPerS float64 `json:"eventsPerViewerPerS"`
	MissedFinal         int     `json:"missedFinal"`   // (viewer, render) pairs
	WrongState          int     `json:"wrongState"`    // viewer's last state ≠ gallery's, any render
	ResyncsLive         int     `json:"resyncsLive"`   // resyncs on a stream that did not just reconnect
	ResyncsReconn       int     `json:"resyncsReconn"` // resyncs right after a reconnect
	Disconnects         int     `json:"disconnects"`
	LatencyP50ms        float64 `json:"latencyP50ms"`
	LatencyP99ms        float64 `json:"latencyP99ms"`
	LatencySamples      int64   `json:"latencySamples"`
	FramesWritten       int     `json:"framesWritten"`
	ImageVersions       int64   `json:"imageVersions"` // summed over renders, from the gallery

	Idle, WithViewers, WithRenders serverUse
	CPUPercent                     float64 `json:"cpuPercent"`        // of one core, while renders ran
	ViewersCPUPercent              float64 `json:"viewersCpuPercent"` // this process (the viewers)
	PerViewer, PerRender           serverUse
	Failed                         int     `json:"failed"`       // renders that did not finish
	StartSeconds                   float64 `json:"startSeconds"` // to start all renders, one request each
	PeakLive                       int     `json:"peakLive"`     // most renders live at once (sampled each second)
}

type serverUse struct {
	RSSMiB  float64 `json:"rssMiB"`
	FDs     float64 `json:"fds"`
	Threads float64 `json:"threads"`
}

func runBenchLive(cmd *cobra.Command, _ []string) error {
	o := &benchLiveOpts
	if runtime.GOOS != "linux" {
		return &exitError{code: 2, err: errors.New("bench live reads /proc: Linux only")}
	}
	if o.renders < 1 || o.viewers < 0 || o.seconds <= 0 || o.fps <= 0 {
		return &exitError{code: 2, err: errors.New("bench live: --renders ≥ 1, --viewers ≥ 0, --seconds and --fps > 0")}
	}
	ctx := cmd.Context()
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "rgallery-bench-live-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	scratchBase := o.scratch
	if scratchBase == "" {
		if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
			scratchBase = "/dev/shm"
		}
	}
	scratch, err := os.MkdirTemp(scratchBase, "rgallery-bench-live-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(scratch)
	gdir := globalOpts.gallery
	if gdir == "" {
		gdir = filepath.Join(work, "gallery")
	}
	scene := filepath.Join(work, "scenes", "bench.usda")
	plugins := filepath.Join(work, "plugins", "backgroundrenderers")
	for _, d := range []string{filepath.Dir(scene), plugins, filepath.Join(scratch, "out")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if err := os.WriteFile(scene, []byte("#usda 1.0\n"), 0o644); err != nil {
		return err
	}
	q := strconv.Quote
	goFile := filepath.Join(scratch, "go")
	manifest := fmt.Sprintf(`label = "Bench Progressive"
description = "rgallery bench live: a PNG %g times a second for %g s"
argv = [%s, "bench", "live-renderer", "--out", "{image}", "--frames", "{outdir}/frames", "--go", %s, "--fps", "%g", "--seconds", "%g"]
outdir = %s
progress = 'frame (?P<done>[0-9]+)/(?P<total>[0-9]+)'
poll = %g
update_interval = 0
[env]
GOMAXPROCS = "1"
GOGC = "400"
`, o.fps, o.seconds, q(exe), q(goFile), o.fps, o.seconds, q(filepath.Join(scratch, "out", "{item}")), o.poll)
	if err := os.WriteFile(filepath.Join(plugins, "bench.toml"), []byte(manifest), 0o644); err != nil {
		return err
	}

	// The server.
	sctx, stopServe := context.WithCancel(context.Background())
	defer stopServe()
	srv := exec.CommandContext(sctx, exe, "--gallery", gdir, "serve", "--addr", "127.0.0.1:0", "--root", filepath.Dir(scene))
	srv.Env = append(os.Environ(), "RGALLERY_PLUGIN_PATH="+filepath.Dir(plugins)+":&")
	srv.Cancel = func() error { return srv.Process.Signal(os.Interrupt) }
	srv.WaitDelay = 30 * time.Second
	stderr, err := srv.StderrPipe()
	if err != nil {
		return err
	}
	if err := srv.Start(); err != nil {
		return fmt.Errorf("start serve: %w", err)
	}
	defer srv.Wait()
	defer stopServe()
	base, err := serveURL(stderr)
	if err != nil {
		return err
	}
	go io.Copy(os.Stderr, stderr)
	pid := srv.Process.Pid
	res := liveResult{Renders: o.renders, Viewers: o.viewers, Seconds: o.seconds, FPS: o.fps, LoadStart: loadAvg()}
	progress := func(f string, a ...any) { fmt.Fprintf(os.Stderr, "bench live: "+f+"\n", a...) }

	time.Sleep(time.Second)
	res.Idle = sampleUse(pid)

	// The viewers.
	total := max(1, int(math.Round(o.fps*o.seconds)))
	b := &liveBench{base: base, total: total, outDir: filepath.Join(scratch, "out"), frames: map[int64]*frameTimes{}}
	// A viewer's receive buffer is bounded like a browser's share of a
	// network path, not left to grow to megabytes on loopback: otherwise
	// a viewer slower than the stream (this process, on a loaded machine)
	// would measure the age of the updates queued in its own buffer.
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dialer.DialContext(ctx, network, addr)
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetReadBuffer(viewerReadBuffer)
		}
		return c, err
	}
	b.client = &http.Client{Transport: &http.Transport{DialContext: dial, MaxIdleConnsPerHost: o.viewers + 16, DisableCompression: true}}
	vctx, stopViewers := context.WithCancel(ctx)
	defer stopViewers()
	viewers := make([]*liveViewer, o.viewers)
	var vwg sync.WaitGroup
	for i := range viewers {
		v := &liveViewer{b: b, last: map[int64]string{}, frame: map[int64]int{}}
		viewers[i] = v
		vwg.Add(1)
		go func() { defer vwg.Done(); v.run(vctx) }()
	}
	for _, v := range viewers {
		for v.connected.Load() == 0 {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	progress("%d viewers connected", o.viewers)
	time.Sleep(2 * time.Second)
	res.WithViewers = sampleUse(pid)

	// The renders.
	// Started by a few requests at a time; each render writes a first
	// image and waits for the go file, so that all run their timed frames
	// together.
	ids := make([]int64, o.renders)
	tStart := time.Now()
	var (
		swg      sync.WaitGroup
		startErr error
		errMu    sync.Mutex
		next     atomic.Int64
	)
	for range min(8, o.renders) {
		swg.Add(1)
		go func() {
			defer swg.Done()
			for i := int(next.Add(1)) - 1; i < o.renders; i = int(next.Add(1)) - 1 {
				var s struct {
					ID int64 `json:"id"`
				}
				body := map[string]any{"renderer": "Bench Progressive", "scene": scene, "label": fmt.Sprint("live ", i)}
				if err := b.do(ctx, "POST", "/api/renders", body, &s); err != nil {
					errMu.Lock()
					startErr = errors.Join(startErr, fmt.Errorf("start render %d: %w", i, err))
					errMu.Unlock()
					return
				}
				ids[i] = s.ID
			}
		}()
	}
	swg.Wait()
	if startErr != nil {
		os.WriteFile(goFile, nil, 0o644) // let the started ones end
		return startErr
	}
	if err := os.WriteFile(goFile, nil, 0o644); err != nil {
		return err
	}
	res.StartSeconds = time.Since(tStart).Seconds()
	progress("%d renders started in %.1f s", len(ids), res.StartSeconds)
	t0, cpu0, self0 := time.Now(), cpuTime(pid), cpuTime(os.Getpid())
	var samples []serverUse
	for {
		time.Sleep(time.Second)
		samples = append(samples, sampleUse(pid))
		var ping struct {
			Live []int64 `json:"live"`
		}
		if err := b.do(ctx, "GET", "/api/ping", nil, &ping); err != nil {
			return err
		}
		res.PeakLive = max(res.PeakLive, len(ping.Live))
		if len(ping.Live) == 0 {
			break
		}
		if time.Since(t0) > time.Duration(o.seconds*float64(time.Second))+5*time.Minute {
			return fmt.Errorf("renders still live %s after they should have ended", time.Since(t0))
		}
	}
	wall, cpu1, self1 := time.Since(t0), cpuTime(pid), cpuTime(os.Getpid())
	res.CPUPercent = 100 * (cpu1 - cpu0).Seconds() / wall.Seconds()
	res.ViewersCPUPercent = 100 * (self1 - self0).Seconds() / wall.Seconds()
	res.WithRenders = peakUse(samples)
	progress("renders ended after %s", wall.Round(time.Millisecond))

	// The truth, then give the viewers time to hear of the last changes.
	truth := map[int64]string{}
	for _, id := range ids {
		var s struct {
			State        string `json:"state"`
			ImageVersion int64  `json:"imageVersion"`
		}
		if err := b.do(ctx, "GET", fmt.Sprintf("/api/snapshots/%d", id), nil, &s); err != nil {
			return err
		}
		truth[id] = s.State
		res.ImageVersions += s.ImageVersion
		if s.State != "finished" {
			res.Failed++
		}
	}
	agree := func() (wrong int) {
		for _, v := range viewers {
			v.mu.Lock()
			for id, st := range truth {
				if v.last[id] != st {
					wrong++
				}
			}
			v.mu.Unlock()
		}
		return wrong
	}
	for end := time.Now().Add(10 * time.Second); agree() > 0 && time.Now().Before(end); {
		time.Sleep(100 * time.Millisecond)
	}
	stopViewers()
	vwg.Wait()
	res.LoadEnd = loadAvg()

	var events int64
	for _, v := range viewers {
		events += v.events
		res.ResyncsLive += v.resyncsLive
		res.ResyncsReconn += v.resyncsReconn
		res.Disconnects += v.disconnects
		for id, st := range truth {
			if v.last[id] != st {
				res.WrongState++
				if st == "finished" || st == "failed" || st == "stopped" || st == "interrupted" {
					res.MissedFinal++
				}
			}
		}
	}
	if o.viewers > 0 {
		res.EventsPerViewerPerS = float64(events) / float64(o.viewers) / wall.Seconds()
	}
	res.LatencyP50ms, res.LatencyP99ms, res.LatencySamples = b.lat.quantile(0.5), b.lat.quantile(0.99), b.lat.n.Load()
	for _, id := range ids {
		res.FramesWritten += len(b.times(id))
	}
	if o.viewers > 0 {
		res.PerViewer = serverUse{
			RSSMiB:  (res.WithViewers.RSSMiB - res.Idle.RSSMiB) / float64(o.viewers),
			FDs:     (res.WithViewers.FDs - res.Idle.FDs) / float64(o.viewers),
			Threads: (res.WithViewers.Threads - res.Idle.Threads) / float64(o.viewers),
		}
	}
	live := float64(max(res.PeakLive, 1))
	res.PerRender = serverUse{
		RSSMiB:  (res.WithRenders.RSSMiB - res.WithViewers.RSSMiB) / live,
		FDs:     (res.WithRenders.FDs - res.WithViewers.FDs) / live,
		Threads: (res.WithRenders.Threads - res.WithViewers.Threads) / live,
	}
	if o.json {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	printLive(res)
	return nil
}

func printLive(r liveResult) {
	fmt.Printf("rgallery bench live: %d renders (%g images/s for %g s), %d viewers, %s/%s, %d CPUs\n",
		r.Renders, r.FPS, r.Seconds, r.Viewers, runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	fmt.Printf("load average at start: %s, at end: %s\n", r.LoadStart, r.LoadEnd)
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "events/s per viewer\t%.1f\n", r.EventsPerViewerPerS)
	fmt.Fprintf(tw, "missed final states\t%d (viewer × render pairs; any wrong last state: %d)\n", r.MissedFinal, r.WrongState)
	fmt.Fprintf(tw, "resyncs\t%d without a disconnect, %d after one (%d disconnects)\n", r.ResyncsLive, r.ResyncsReconn, r.Disconnects)
	fmt.Fprintf(tw, "update latency\tp50 %.0f ms, p99 %.0f ms (%d samples)\n", r.LatencyP50ms, r.LatencyP99ms, r.LatencySamples)
	fmt.Fprintf(tw, "images\t%d written, gallery image versions %d\n", r.FramesWritten, r.ImageVersions)
	fmt.Fprintf(tw, "renders\t%d not finished; all started in %.1f s, at most %d live at once\n", r.Failed, r.StartSeconds, r.PeakLive)
	fmt.Fprintf(tw, "server CPU\t%.1f %% of a core while the renders ran (the viewers, this process: %.1f %%)\n", r.CPUPercent, r.ViewersCPUPercent)
	fmt.Fprintln(tw, "server\tRSS MiB\tfds\tthreads")
	for _, row := range []struct {
		name string
		u    serverUse
		f    string
	}{
		{"idle", r.Idle, "%.1f"}, {"with viewers", r.WithViewers, "%.1f"}, {"with renders (peak)", r.WithRenders, "%.1f"},
		{"per viewer", r.PerViewer, "%.3f"}, {"per live render", r.PerRender, "%.3f"},
	} {
		fmt.Fprintf(tw, "  %s\t"+row.f+"\t"+row.f+"\t"+row.f+"\n", row.name, row.u.RSSMiB, row.u.FDs, row.u.Threads)
	}
	tw.Flush()
}

// serveURL reads serve's "serving DIR on URL" line.
func serveURL(r io.Reader) (string, error) {
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		if i := strings.LastIndex(line, " on http://"); strings.HasPrefix(line, "rgallery: serving ") && i >= 0 {
			return strings.TrimRight(strings.TrimSpace(line[i+4:]), "/"), nil
		}
		if line != "" {
			fmt.Fprint(os.Stderr, line)
		}
		if err != nil {
			return "", fmt.Errorf("serve ended before it served: %w", err)
		}
	}
}

// viewerReadBuffer is the receive buffer of a viewer's connection.
const viewerReadBuffer = 64 << 10

// liveBench is what the viewers share.
type liveBench struct {
	base   string
	client *http.Client
	total  int
	outDir string
	lat    histogram

	mu     sync.Mutex
	frames map[int64]*frameTimes
}

type frameTimes struct {
	mu    sync.Mutex
	times []int64 // unix ns of frame k at [k-1]
}

func (b *liveBench) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		j, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("X-Rgallery", "1")
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(data))
	}
	return json.Unmarshal(data, out)
}

// frameTime returns when render id wrote frame k, reading the renderer's
// frames file as far as it goes when k is not known yet.
func (b *liveBench) frameTime(id int64, k int) (int64, bool) {
	b.mu.Lock()
	ft := b.frames[id]
	if ft == nil {
		ft = &frameTimes{}
		b.frames[id] = ft
	}
	b.mu.Unlock()
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if k > len(ft.times) {
		data, err := os.ReadFile(filepath.Join(b.outDir, strconv.FormatInt(id, 10), "frames"))
		if err != nil {
			return 0, false
		}
		ft.times = ft.times[:0]
		for line := range strings.Lines(string(data)) {
			var n int
			var t int64
			if _, err := fmt.Sscanf(line, "%d %d", &n, &t); err == nil && n == len(ft.times)+1 {
				ft.times = append(ft.times, t)
			}
		}
	}
	if k < 1 || k > len(ft.times) {
		return 0, false
	}
	return ft.times[k-1], true
}

func (b *liveBench) times(id int64) []int64 {
	b.frameTime(id, math.MaxInt)
	b.mu.Lock()
	ft := b.frames[id]
	b.mu.Unlock()
	ft.mu.Lock()
	defer ft.mu.Unlock()
	return ft.times
}

// liveViewer reads the event stream as a browser's EventSource does,
// reconnecting with Last-Event-ID.
type liveViewer struct {
	b         *liveBench
	connected atomic.Int32

	mu                                      sync.Mutex
	last                                    map[int64]string // state heard last
	frame                                   map[int64]int    // newest frame heard of
	events                                  int64
	resyncsLive, resyncsReconn, disconnects int
}

func (v *liveViewer) run(ctx context.Context) {
	lastID := ""
	for ctx.Err() == nil {
		req, _ := http.NewRequestWithContext(ctx, "GET", v.b.base+"/api/events", nil)
		if lastID != "" {
			req.Header.Set("Last-Event-ID", lastID)
		}
		resp, err := v.b.client.Do(req)
		if err != nil {
			if ctx.Err() == nil {
				v.mu.Lock()
				v.disconnects++
				v.mu.Unlock()
				time.Sleep(time.Second) // the page's retry
			}
			continue
		}
		reconnected := v.connected.Add(1) > 1
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		var typ string
		var data []byte
		first := true
		for sc.Scan() {
			line := sc.Bytes()
			switch {
			case bytes.HasPrefix(line, []byte("id: ")):
				lastID = string(line[4:])
			case bytes.HasPrefix(line, []byte("event: ")):
				typ = string(line[7:])
			case bytes.HasPrefix(line, []byte("data: ")):
				data = append(data[:0], line[6:]...)
			case len(line) == 0:
				if typ != "" {
					v.dispatch(typ, data, reconnected && first)
					first = false
				}
				typ, data = "", data[:0]
			}
		}
		resp.Body.Close()
		if ctx.Err() == nil {
			v.mu.Lock()
			v.disconnects++
			v.mu.Unlock()
		}
	}
}

func (v *liveViewer) dispatch(typ string, data []byte, afterReconnect bool) {
	now := time.Now().UnixNano()
	v.mu.Lock()
	defer v.mu.Unlock()
	if typ == "resync" {
		if afterReconnect {
			v.resyncsReconn++
		} else {
			v.resyncsLive++
		}
		return
	}
	v.events++
	id, ok := jsonInt(data, `"id":`)
	if !ok {
		return
	}
	if typ == "deleted" {
		delete(v.last, id)
		return
	}
	if st, ok := jsonString(data, `"state":"`); ok {
		v.last[id] = st
	}
	pct, ok := jsonFloat(data, `"percentDone":`)
	if !ok {
		return
	}
	k := int(math.Round(pct * float64(v.b.total) / 100))
	if k <= v.frame[id] {
		return
	}
	v.frame[id] = k
	v.mu.Unlock()
	if t, ok := v.b.frameTime(id, k); ok {
		v.b.lat.add(time.Duration(now - t))
	}
	v.mu.Lock()
}

// jsonInt, jsonFloat and jsonString read the first value after key: the
// bench reads hundreds of thousands of events a second and needs three
// fields of each, whose first occurrences are the ones it wants.
func jsonInt(b []byte, key string) (int64, bool) {
	f, ok := jsonFloat(b, key)
	return int64(f), ok
}

func jsonFloat(b []byte, key string) (float64, bool) {
	i := bytes.Index(b, []byte(key))
	if i < 0 {
		return 0, false
	}
	b = b[i+len(key):]
	j := bytes.IndexAny(b, ",}")
	if j < 0 {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(b[:j]), 64)
	return f, err == nil
}

func jsonString(b []byte, key string) (string, bool) {
	i := bytes.Index(b, []byte(key))
	if i < 0 {
		return "", false
	}
	b = b[i+len(key):]
	j := bytes.IndexByte(b, '"')
	if j < 0 {
		return "", false
	}
	return string(b[:j]), true
}

// histogram counts latencies in 1 ms buckets up to a minute.
type histogram struct {
	n       atomic.Int64
	buckets [60001]atomic.Int64
}

func (h *histogram) add(d time.Duration) {
	ms := min(max(int(d/time.Millisecond), 0), len(h.buckets)-1)
	h.buckets[ms].Add(1)
	h.n.Add(1)
}

func (h *histogram) quantile(q float64) float64 {
	n := h.n.Load()
	if n == 0 {
		return math.NaN()
	}
	want := int64(math.Ceil(q * float64(n)))
	var seen int64
	for i := range h.buckets {
		seen += h.buckets[i].Load()
		if seen >= want {
			return float64(i)
		}
	}
	return float64(len(h.buckets) - 1)
}

// sampleUse reads a process's RSS, open files and threads from /proc.
func sampleUse(pid int) serverUse {
	var u serverUse
	status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for line := range strings.Lines(string(status)) {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		n, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmRSS:":
			u.RSSMiB = n / 1024
		case "Threads:":
			u.Threads = n
		}
	}
	fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	u.FDs = float64(len(fds))
	return u
}

// peakUse is the largest of each figure over the samples.
func peakUse(s []serverUse) serverUse {
	var p serverUse
	for _, u := range s {
		p.RSSMiB, p.FDs, p.Threads = max(p.RSSMiB, u.RSSMiB), max(p.FDs, u.FDs), max(p.Threads, u.Threads)
	}
	return p
}

// cpuTime is the user+system CPU time a process has used.
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name may hold spaces: fields count from after its ')'.
	s := string(b[bytes.LastIndexByte(b, ')')+2:])
	f := strings.Fields(s)
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ is 100 on Linux
}

func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// Package local is the built-in "Local" background renderer: it renders
// with rgallery's own path tracer in a child process
// (`rgallery render-worker`), so that a crash of the renderer never takes
// the gallery down.
//
// The worker runs in its own process group; clicks become `focus X Y` and
// Stop becomes `stop` on its stdin; its JSON-lines stats become the
// snapshot's metadata and its EXR (with a PNG preview beside it) the
// snapshot's image. Stop, failure and Close kill the whole process group.
// It does not render anything itself: package render does.
package local

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/rgallery/rgallery/bgrender"
)

// Label is the name the renderer registers under.
const Label = "Local"

// Option names and defaults.
const (
	OptSPP        = "spp"
	OptMaxBounces = "maxBounces"
	OptThreads    = "threads"
	// OptDefaultLights is the default light rig mode (auto, on, off), see
	// render/usdscene.
	OptDefaultLights = "defaultLights"
	// OptVariantFallbacks are the stage's variant fallbacks,
	// "SET=SEL[,SEL...]" with ';' between sets (usd.ParseVariantFallbacks).
	OptVariantFallbacks = "variantFallbacks"
	// OptSubdivLevel refines subdivision surfaces (0: control meshes).
	OptSubdivLevel = "subdivLevel"
	// OptAdaptiveThreshold turns on adaptive sampling (0: off).
	OptAdaptiveThreshold = "adaptiveThreshold"
	// OptFilter is the pixel filter: box or blackman-harris.
	OptFilter = "filter"
	// OptAOVs writes the AOV layers into the EXR: on or off.
	OptAOVs = "aovs"
	// OptDenoise adds a denoised layer and preview: on or off.
	OptDenoise = "denoise"
	// OptFilterGlossy is Cycles' Filter Glossy (render.Settings.FilterGlossy):
	// 0 is unbiased, Cycles' and our default 1 trades a little bias for far
	// fewer caustic fireflies.
	OptFilterGlossy     = "filterGlossy"
	DefaultFilterGlossy = 1.0
	DefaultSubdiv       = 2
	DefaultSPP          = 64
	DefaultBounce       = 4
)

func init() {
	bgrender.RegisterBuiltin(Label, New, Schema())
}

// Schema describes the options.
func Schema() []bgrender.OptionSpec {
	f := func(v float64) *float64 { return &v }
	return []bgrender.OptionSpec{
		{Name: OptSPP, Label: "Samples per pixel", Type: "int", Default: DefaultSPP, Min: f(1), Max: f(65536), Help: "more samples, less noise"},
		{Name: OptMaxBounces, Label: "Max bounces", Type: "int", Default: DefaultBounce, Min: f(0), Max: f(64), Help: "scattering events per path"},
		{Name: OptThreads, Label: "Threads", Type: "int", Default: 0, Min: f(0), Max: f(1024), Help: "0 uses every CPU"},
		{Name: OptSubdivLevel, Label: "Subdivision level", Type: "int", Default: DefaultSubdiv, Min: f(0), Max: f(5), Help: "refinements of subdivision surfaces (Catmull-Clark, Loop); 0 renders control meshes"},
		{Name: OptAdaptiveThreshold, Label: "Adaptive threshold", Type: "float", Default: 0.0, Min: f(0), Max: f(1), Help: "stop pixels whose noise estimate is below this (Cycles' default 0.01); 0 renders every sample"},
		{Name: OptFilter, Label: "Pixel filter", Type: "choice", Default: "box", Choices: []string{"box", "blackman-harris"}, Help: "box, or Blackman-Harris 1.5 px as Cycles renders (softer, compares like for like)"},
		{Name: OptVariantFallbacks, Label: "Variant fallbacks", Type: "string", Default: "", Help: "SET=SEL[,SEL...] with ';' between sets: the variant to use where the scene selects none (e.g. standin=render)"},
		{Name: OptAOVs, Label: "AOV layers", Type: "choice", Default: "on", Choices: []string{"on", "off"}, Help: "albedo, normal, depth, emission and diffuse/specular direct/indirect as layers of the EXR (about 1-3% slower, 184 bytes per pixel)"},
		{Name: OptDenoise, Label: "Denoise", Type: "choice", Default: "off", Choices: []string{"off", "on"}, Help: "a denoised copy (guided by albedo, normal, depth) as the EXR layer \"denoised\" and in the preview; the raw image stays the main layer"},
		{Name: OptFilterGlossy, Label: "Filter glossy", Type: "float", Default: DefaultFilterGlossy, Min: f(0), Max: f(10), Help: "Cycles' Filter Glossy: blurs sharp highlights seen after rough bounces, removing most caustic fireflies at a small bias; 0 is unbiased"},
		{Name: OptDefaultLights, Label: "Default lights", Type: "choice", Default: "auto", Choices: []string{"auto", "on", "off"}, Help: "a soft dome plus a key light from the camera's side; auto adds them only when the stage has no light"},
	}
}

// Executable is the program started as the worker; tests replace it.
// Empty means os.Executable().
var Executable = ""

// Renderer is one Local render.
type Renderer struct {
	bgrender.Base
	host bgrender.Host

	// StopGrace is how long Stop waits for the worker to write its last
	// image after `stop` before killing it.
	StopGrace time.Duration

	mu       sync.Mutex
	cmd      *exec.Cmd
	stdin    io.WriteCloser
	dir      string
	exr      string
	stats    map[string]any // latest stats line
	pending  bool           // stats newer than the last report
	event    string         // last event seen
	errLine  string         // error message from the worker
	done     chan struct{}  // closed when the worker has exited
	exitErr  error
	reported bool // the final report happened
	warnings []any
	// defaultLights is the worker's description of the default light rig
	// it added ("" when none), kept in the metadata after the start line.
	defaultLights string
}

// New is the bgrender.Factory.
func New(host bgrender.Host) (bgrender.Renderer, error) {
	return &Renderer{host: host, StopGrace: 10 * time.Second}, nil
}

// OptionSchema implements bgrender.OptionSchemer.
func (r *Renderer) OptionSchema() []bgrender.OptionSpec { return Schema() }

// PollFrequency implements bgrender.Renderer: the worker writes an image
// per pass, so half a second is enough.
func (r *Renderer) PollFrequency() time.Duration { return 500 * time.Millisecond }

// GetConfigOptions fills in defaults for missing options.
func (r *Renderer) GetConfigOptions(_ context.Context, old map[string]any) (map[string]any, error) {
	out := map[string]any{OptSPP: DefaultSPP, OptMaxBounces: DefaultBounce, OptThreads: 0, OptDefaultLights: "auto", OptSubdivLevel: DefaultSubdiv,
		OptAdaptiveThreshold: 0.0, OptFilter: "box", OptAOVs: "on", OptDenoise: "off", OptFilterGlossy: DefaultFilterGlossy}
	for k, v := range old {
		out[k] = v
	}
	return out, nil
}

// StartBackgroundRender starts the worker and returns.
func (r *Renderer) StartBackgroundRender(ctx context.Context, usdPath string, opts bgrender.Options) error {
	spp, err := bgrender.IntOption(opts.Plugin, OptSPP, DefaultSPP, 1, 65536)
	if err != nil {
		return err
	}
	bounces, err := bgrender.IntOption(opts.Plugin, OptMaxBounces, DefaultBounce, 0, 64)
	if err != nil {
		return err
	}
	threads, err := bgrender.IntOption(opts.Plugin, OptThreads, 0, 0, 1024)
	if err != nil {
		return err
	}
	subdivLevel, err := bgrender.IntOption(opts.Plugin, OptSubdivLevel, DefaultSubdiv, 0, 5)
	if err != nil {
		return err
	}
	adaptive, err := bgrender.FloatOption(opts.Plugin, OptAdaptiveThreshold, 0, 0, 1)
	if err != nil {
		return err
	}
	filterGlossy, err := bgrender.FloatOption(opts.Plugin, OptFilterGlossy, DefaultFilterGlossy, 0, 10)
	if err != nil {
		return err
	}
	filter := "box"
	if v, ok := opts.Plugin[OptFilter]; ok && v != nil {
		s, ok := v.(string)
		if !ok || (s != "box" && s != "blackman-harris") {
			return fmt.Errorf("local: option %s=%v: want box or blackman-harris", OptFilter, v)
		}
		filter = s
	}
	aovs := "on"
	if v, ok := opts.Plugin[OptAOVs]; ok && v != nil {
		s, ok := v.(string)
		if !ok || (s != "on" && s != "off") {
			return fmt.Errorf("local: option %s=%v: want on or off", OptAOVs, v)
		}
		aovs = s
	}
	denoise := "off"
	if v, ok := opts.Plugin[OptDenoise]; ok && v != nil {
		s, ok := v.(string)
		if !ok || (s != "on" && s != "off") {
			return fmt.Errorf("local: option %s=%v: want on or off", OptDenoise, v)
		}
		denoise = s
	}
	if denoise == "on" && aovs == "off" {
		return fmt.Errorf("local: option %s=on needs %s=on (the denoiser is guided by them)", OptDenoise, OptAOVs)
	}
	lights := "auto"
	if v, ok := opts.Plugin[OptDefaultLights]; ok && v != nil {
		s, ok := v.(string)
		if !ok || (s != "auto" && s != "on" && s != "off") {
			return fmt.Errorf("local: option %s=%v: want auto, on or off", OptDefaultLights, v)
		}
		lights = s
	}
	exe := Executable
	if exe == "" {
		if exe, err = os.Executable(); err != nil {
			return fmt.Errorf("local: find own executable: %w", err)
		}
	}
	dir, err := os.MkdirTemp("", fmt.Sprintf("rgallery-local-%d-", r.host.ItemID()))
	if err != nil {
		return fmt.Errorf("local: output dir: %w", err)
	}
	r.dir = dir
	r.exr = filepath.Join(dir, "image.exr")
	args := []string{"render-worker",
		"--spp", strconv.Itoa(spp), "--max-bounces", strconv.Itoa(bounces), "--threads", strconv.Itoa(threads),
		"--default-lights", lights, "--subdiv-level", strconv.Itoa(subdivLevel), "--exr", r.exr, "--png", filepath.Join(dir, "image.png")}
	args = append(args, "--filter-glossy", strconv.FormatFloat(filterGlossy, 'g', -1, 64))
	if aovs == "off" {
		args = append(args, "--aovs", "off")
	}
	if denoise == "on" {
		args = append(args, "--denoise", "on")
	}
	if filter != "box" {
		args = append(args, "--filter", filter)
	}
	if adaptive > 0 {
		args = append(args, "--adaptive-threshold", strconv.FormatFloat(adaptive, 'g', -1, 64))
	}
	if v, ok := opts.Plugin[OptVariantFallbacks]; ok && v != nil && v != "" {
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("local: option %s=%v: want a string SET=SEL[,SEL...] with ';' between sets", OptVariantFallbacks, v)
		}
		args = append(args, "--variant-fallbacks", s)
	}
	vp := opts.Viewport
	if vp.ResX > 0 && vp.ResY > 0 {
		args = append(args, "--res", fmt.Sprintf("%dx%d", vp.ResX, vp.ResY))
	}
	if vp.CameraPath != "" {
		args = append(args, "--camera", vp.CameraPath)
	}
	if vp.RenderSettingsPath != "" {
		args = append(args, "--render-settings", vp.RenderSettingsPath)
	}
	args = append(args, usdPath)
	cmd := exec.Command(exe, args...)
	// Its own process group, so that stop and failure can kill every
	// process it may start, and a Ctrl-C in the gallery's terminal does not
	// reach it directly.
	setOwnGroup(cmd)
	cmd.Stderr = r.host.Log()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	fmt.Fprintf(r.host.Log(), "local: %s %v\n", exe, args)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("local: start worker: %w", err)
	}
	r.cmd, r.stdin = cmd, stdin
	r.done = make(chan struct{})
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		r.readStats(stdout)
	}()
	go func() {
		<-readDone
		err := cmd.Wait()
		r.mu.Lock()
		r.exitErr = err
		r.mu.Unlock()
		close(r.done)
	}()
	return nil
}

// Pid returns the worker's process id (0 before start), for tests and logs.
func (r *Renderer) Pid() int {
	if r.cmd == nil || r.cmd.Process == nil {
		return 0
	}
	return r.cmd.Process.Pid
}

// OutputDir is where the worker writes its images.
func (r *Renderer) OutputDir() string { return r.dir }

func (r *Renderer) readStats(rd io.Reader) {
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 64*1024), 4<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			fmt.Fprintf(r.host.Log(), "worker: %s\n", sc.Text())
			continue
		}
		ev, _ := m["event"].(string)
		r.mu.Lock()
		r.event = ev
		switch ev {
		case "start":
			if w, ok := m["warnings"].([]any); ok {
				r.warnings = w
			}
			if d, ok := m["defaultLights"].(string); ok {
				r.defaultLights = d
			}
			r.stats = m
		case "error":
			r.errLine, _ = m["error"].(string)
		default:
			r.stats = m
		}
		r.pending = true
		r.mu.Unlock()
	}
}

// report sends the newest stats and image to the host.
func (r *Renderer) report() {
	r.mu.Lock()
	if !r.pending {
		r.mu.Unlock()
		return
	}
	r.pending = false
	md := map[string]any{}
	for k, v := range r.stats {
		switch k {
		case "event", "image", "preview":
			continue
		}
		md[k] = v
	}
	if pm, ok := md["peakMemory"].(float64); ok {
		md["peakMemory"] = int64(pm)
	}
	md["warnings"] = r.warnings
	if md["warnings"] == nil {
		md["warnings"] = []any{}
	}
	md["renderer"] = "rgallery path tracer"
	if r.defaultLights != "" {
		md["defaultLights"] = r.defaultLights
	}
	hasImage := r.stats["image"] != nil
	r.mu.Unlock()
	r.host.UpdateMetadata(md)
	if hasImage {
		if _, err := os.Stat(r.exr); err == nil {
			r.host.UpdateImagePath(r.exr)
		}
	}
}

// IsRenderFinished reports progress and whether the worker has exited.
func (r *Renderer) IsRenderFinished(ctx context.Context) (bool, error) {
	if r.cmd == nil {
		return false, errors.New("local: render not started")
	}
	select {
	case <-r.done:
	default:
		r.report()
		return false, nil
	}
	r.report()
	r.mu.Lock()
	exitErr, errLine, ev := r.exitErr, r.errLine, r.event
	r.mu.Unlock()
	if errLine != "" {
		return true, fmt.Errorf("local: worker failed: %s", errLine)
	}
	if exitErr != nil {
		return true, fmt.Errorf("local: worker (pid %d) failed: %w", r.Pid(), exitErr)
	}
	if ev != "done" && ev != "stopped" {
		return true, fmt.Errorf("local: worker (pid %d) exited without finishing (last event %q)", r.Pid(), ev)
	}
	if _, err := os.Stat(r.exr); err != nil {
		return true, fmt.Errorf("local: worker finished without writing an image: %w", err)
	}
	return true, nil
}

// MouseClick asks the worker to render around (x, y) first.
func (r *Renderer) MouseClick(_ context.Context, x, y float64) error {
	if r.stdin == nil {
		return nil
	}
	_, err := fmt.Fprintf(r.stdin, "focus %g %g\n", x, y)
	if err != nil {
		return fmt.Errorf("local: send click: %w", err)
	}
	return nil
}

// StopBackgroundRender asks the worker to stop (it writes its last image),
// waits up to StopGrace or ctx, then kills the process group; it returns
// once the worker is gone.
func (r *Renderer) StopBackgroundRender(ctx context.Context) error {
	if r.cmd == nil {
		return nil
	}
	_, _ = io.WriteString(r.stdin, "stop\n")
	grace := time.NewTimer(r.StopGrace)
	defer grace.Stop()
	select {
	case <-r.done:
	case <-grace.C:
	case <-ctx.Done():
	}
	r.killGroup()
	select {
	case <-r.done:
	case <-ctx.Done():
		return fmt.Errorf("local: worker pid %d did not exit: %w", r.Pid(), ctx.Err())
	}
	r.report()
	return nil
}

// killGroup sends SIGKILL to the worker's process group while the worker
// runs (after it has been reaped its pid may belong to someone else).
func (r *Renderer) killGroup() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	select {
	case <-r.done:
		return
	default:
	}
	_ = killGroup(r.cmd)
}

// Close implements bgrender.Closer: no process of the render survives it,
// and the worker's output directory is removed (the Manager has taken the
// final image into the gallery before it calls Close).
func (r *Renderer) Close() error {
	if r.cmd == nil {
		return nil
	}
	r.killGroup()
	select {
	case <-r.done:
	case <-time.After(5 * time.Second):
		return fmt.Errorf("local: worker pid %d still running after SIGKILL", r.Pid())
	}
	if r.stdin != nil {
		r.stdin.Close()
	}
	if r.dir != "" {
		if err := os.RemoveAll(r.dir); err != nil {
			return fmt.Errorf("local: remove %s: %w", r.dir, err)
		}
	}
	return nil
}

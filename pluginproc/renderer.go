package pluginproc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rgallery/rgallery/bgrender"
)

// remote is a bgrender.Renderer that proxies to one plugin process. The
// process is started on the first call that needs it (a Factory must not
// start anything) and serves this one render item only.
type remote struct {
	cfg    Config
	kind   string // loader name, for messages
	file   string
	label  string
	launch func() (path string, args []string, env []string, err error)
	host   bgrender.Host

	mu     sync.Mutex
	ch     *child
	hello  handshakeResult
	poll   time.Duration
	failed error // sticky: once the plugin process is broken, every call fails
	closed bool

	// Memory stats for plugins that do not report peakMemory themselves
	// (the seed's FastRender without psutil): the peak RSS of the plugin's
	// process tree, which includes the render program it started.
	pluginPeak  atomic.Bool // the plugin has sent peakMemory
	treePeak    uint64
	lastSampled time.Time
}

// memorySampleEvery bounds how often the process tree is measured; a
// measurement reads /proc for every process of the tree.
const memorySampleEvery = time.Second

var (
	_ bgrender.Renderer = (*remote)(nil)
	_ bgrender.Closer   = (*remote)(nil)
)

// errorf prefixes a render error with the plugin it comes from.
func (r *remote) errorf(format string, args ...any) error {
	return fmt.Errorf("%s plugin %q (%s): %w", r.kind, r.label, r.file, fmt.Errorf(format, args...))
}

func (r *remote) logf(format string, args ...any) {
	fmt.Fprintf(logOf(r.host), "rgallery: "+format+"\n", args...)
}

// KeyCleanup is the metadata key under which a render says what rgallery
// had to kill to end it, so that the snapshot's Info panel shows it.
const KeyCleanup = "rgallery.cleanup"

// cleanupNote records a forced cleanup in the render's log and metadata.
func (r *remote) cleanupNote(msg string) {
	r.logf("%s", msg)
	r.host.UpdateMetadata(map[string]any{KeyCleanup: msg})
}

// ensure starts the plugin process, handshakes and creates the renderer.
func (r *remote) ensure(ctx context.Context) (*child, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, r.errorf("renderer already closed")
	}
	if r.failed != nil {
		return nil, r.failed
	}
	if r.ch != nil {
		return r.ch, nil
	}
	path, args, env, err := r.launch()
	if err != nil {
		r.failed = r.errorf("%w", err)
		return nil, r.failed
	}
	ch, err := startChild(childSpec{
		Path: path, Args: args, Env: env,
		Log: logOf(r.host), LogLimit: r.cfg.LogLimit,
		Notify: r.notify,
	})
	if err != nil {
		if r.kind == "python" {
			err = fmt.Errorf("%w (set RGALLERY_PYTHON to a Python 3.8+ interpreter)", err)
		}
		r.failed = r.errorf("%w", err)
		return nil, r.failed
	}
	t := r.cfg.Timeouts
	hello, err := handshake(ctx, ch, t.Handshake)
	if err == nil {
		r.hello = hello
		r.logf("plugin process %d started for %q from %s (%s, %s, protocol %d)",
			ch.pid, r.label, r.file, hello.Name, hello.Runtime, hello.Version)
		err = ch.call(ctx, MethodCreate, createParams{Label: r.label, ItemID: r.host.ItemID(), Source: r.host.Source()}, nil, t.Create)
	}
	var secs float64
	if err == nil {
		err = ch.call(ctx, MethodPollFrequency, nil, &secs, t.Call)
	}
	if err != nil {
		if msg := ch.stop(r.cfg.StopGrace); msg != "" {
			r.logf("%s", msg)
		}
		r.failed = r.errorf("%w", err)
		return nil, r.failed
	}
	r.poll = secondsToDuration(secs)
	r.ch = ch
	return ch, nil
}

// handshake agrees on a protocol version.
func handshake(ctx context.Context, ch *child, timeout time.Duration) (handshakeResult, error) {
	var hello handshakeResult
	if err := ch.call(ctx, MethodHandshake, handshakeParams{Versions: supportedVersions}, &hello, timeout); err != nil {
		return hello, err
	}
	for _, v := range supportedVersions {
		if v == hello.Version {
			return hello, nil
		}
	}
	return hello, fmt.Errorf("handshake: plugin chose protocol version %d; rgallery speaks versions %v", hello.Version, supportedVersions)
}

func secondsToDuration(secs float64) time.Duration {
	if math.IsNaN(secs) || secs <= 0 {
		return bgrender.MinPollInterval
	}
	if secs > 24*3600 {
		secs = 24 * 3600
	}
	return time.Duration(secs * float64(time.Second))
}

// notify receives the plugin's notifications, in order with its answers.
func (r *remote) notify(method string, params json.RawMessage) {
	switch method {
	case NotifyUpdateImagePath:
		var p imagePathParams
		if err := json.Unmarshal(params, &p); err != nil || p.Path == "" {
			r.logf("ignored updateImagePath with params %s: want {\"path\": string}", truncate(params, 200))
			return
		}
		path := p.Path
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
		r.host.UpdateImagePath(path)
	case NotifyUpdateMetadata:
		var p metadataParams
		if err := json.Unmarshal(params, &p); err != nil || p.Metadata == nil {
			r.logf("ignored updateMetadata with params %s: want {\"metadata\": object}", truncate(params, 200))
			return
		}
		if _, ok := p.Metadata[bgrender.KeyPeakMemory]; ok {
			r.pluginPeak.Store(true)
		}
		r.host.UpdateMetadata(p.Metadata)
	default:
		r.logf("ignored unknown notification %q from the plugin", method)
	}
}

// do makes one call; a call that leaves the process in an unknown state
// (missed deadline, broken pipe) kills it and fails the renderer for good.
func (r *remote) do(ctx context.Context, method string, params, result any, timeout time.Duration) error {
	ch, err := r.ensure(ctx)
	if err != nil {
		return err
	}
	err = ch.call(ctx, method, params, result, timeout)
	if err == nil {
		return nil
	}
	var re *RPCError
	if errors.As(err, &re) {
		// The plugin raised; its process is fine and says why.
		return r.errorf("%w", err)
	}
	var de *DeadlineError
	if errors.As(err, &de) {
		r.cleanupNote(fmt.Sprintf("%s; %s", err, ch.stop(0)))
		err = fmt.Errorf("%w; rgallery killed plugin process %d", err, ch.pid)
	} else if msg := ch.stop(r.cfg.StopGrace); msg != "" {
		r.logf("cleanup: %s", msg)
	}
	r.mu.Lock()
	r.failed = r.errorf("%w", err)
	err = r.failed
	r.mu.Unlock()
	return err
}

// PollFrequency returns what the plugin's pollFrequency answered when it was
// created; before the process runs it is one second, the seed's default.
func (r *remote) PollFrequency() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.poll == 0 {
		return time.Second
	}
	return r.poll
}

// GetConfigOptions forwards getConfigOptions(old_options).
func (r *remote) GetConfigOptions(ctx context.Context, old map[string]any) (map[string]any, error) {
	if old == nil {
		old = map[string]any{}
	}
	var out map[string]any
	if err := r.do(ctx, MethodGetConfigOptions, configParams{OldOptions: old}, &out, r.cfg.Timeouts.Configure); err != nil {
		return nil, err
	}
	if out == nil {
		out = map[string]any{}
	}
	return out, nil
}

// StartBackgroundRender forwards startBackgroundRender(usd_filepath, options)
// with options in the seed's dict shape.
func (r *remote) StartBackgroundRender(ctx context.Context, usdPath string, opts bgrender.Options) error {
	if opts.Plugin == nil {
		opts.Plugin = map[string]any{}
	}
	return r.do(ctx, MethodStart, startParams{USDFilePath: usdPath, Options: opts}, nil, r.cfg.Timeouts.Start)
}

// IsRenderFinished forwards isRenderFinished(); the plugin's updates arrive
// at the Host before it returns.
func (r *remote) IsRenderFinished(ctx context.Context) (bool, error) {
	var done bool
	if err := r.do(ctx, MethodIsRenderFinished, nil, &done, r.cfg.Timeouts.Call); err != nil {
		return false, err
	}
	r.reportTreeMemory(done)
	return done, nil
}

// reportTreeMemory fills peakMemory with the peak RSS of the plugin's
// process tree, unless the plugin reports its own.
func (r *remote) reportTreeMemory(final bool) {
	if r.pluginPeak.Load() {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ch == nil || (!final && time.Since(r.lastSampled) < memorySampleEvery) {
		return
	}
	r.lastSampled = time.Now()
	r.ch.p.SampleMemory()
	if peak := r.ch.p.PeakRSS(); peak > r.treePeak {
		r.treePeak = peak
		r.host.UpdateMetadata(map[string]any{bgrender.KeyPeakMemory: int64(peak)})
	}
}

// MouseClick forwards mouseClick(x, y).
func (r *remote) MouseClick(ctx context.Context, x, y float64) error {
	return r.do(ctx, MethodMouseClick, clickParams{X: x, Y: y}, nil, r.cfg.Timeouts.Call)
}

// StopBackgroundRender forwards stopBackgroundRender() with the stop
// deadline. If the plugin fails to stop in time, or raises, its process
// group is killed, which stops the render too: the render then counts as
// stopped, and the log says what had to be killed.
func (r *remote) StopBackgroundRender(ctx context.Context) error {
	r.mu.Lock()
	ch, failed := r.ch, r.failed
	r.mu.Unlock()
	if ch == nil || failed != nil {
		// Never started, or already dead and cleaned up.
		return nil
	}
	err := ch.call(ctx, MethodStop, nil, nil, r.cfg.Timeouts.Stop)
	if err == nil {
		return nil
	}
	r.cleanupNote(fmt.Sprintf("stopBackgroundRender failed (%v); %s", err, ch.stop(0)))
	r.mu.Lock()
	r.failed = r.errorf("stopped by killing the plugin process after: %w", err)
	r.mu.Unlock()
	return nil
}

// Close ends the plugin process and every process of its group. Whatever
// it had to kill is written to the render's log.
func (r *remote) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	ch := r.ch
	r.mu.Unlock()
	if ch == nil {
		return nil
	}
	if msg := ch.stop(r.cfg.StopGrace); msg != "" {
		r.logf("cleanup: %s", msg)
	}
	return nil
}

// PID returns the plugin process id, or 0 before it started. Tests and
// `rgallery show` use it.
func (r *remote) PID() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ch == nil {
		return 0
	}
	return r.ch.pid
}

// logOf returns the render log, or a discarding writer for a Host without one.
func logOf(h bgrender.Host) io.Writer {
	if w := h.Log(); w != nil {
		return w
	}
	return io.Discard
}

package pluginproc

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/rgallery/rgallery/bgrender"
)

func init() {
	bgrender.RegisterLoader(&PythonLoader{})
	bgrender.RegisterLoader(&ExecLoader{})
}

// Timeouts are the deadlines of the protocol calls. A missed deadline
// fails the render and kills the plugin process.
type Timeouts struct {
	Handshake time.Duration // process start to handshake answer
	Register  time.Duration // importing the file and listing its renderers
	Create    time.Duration // making the renderer object
	Call      time.Duration // pollFrequency, isRenderFinished, mouseClick
	Configure time.Duration // getConfigOptions, which may show a form
	Start     time.Duration // startBackgroundRender
	Stop      time.Duration // stopBackgroundRender
}

// defaultTimeouts are generous: a plugin on a busy machine importing a
// large module must not be killed for being slow, only for hanging.
var defaultTimeouts = Timeouts{
	Handshake: 15 * time.Second,
	Register:  30 * time.Second,
	Create:    15 * time.Second,
	Call:      30 * time.Second,
	Configure: 10 * time.Minute,
	Start:     2 * time.Minute,
	Stop:      time.Minute,
}

// Config tunes the loaders. The zero value uses the defaults.
type Config struct {
	// Python is the interpreter; "" means $RGALLERY_PYTHON, else python3
	// (python on Windows).
	Python string
	// CacheDir holds the discovery cache and the unpacked Python host; ""
	// means $RGALLERY_CACHE_DIR, else os.UserCacheDir()/rgallery.
	CacheDir string
	// Timeouts; zero fields take the defaults: handshake 15 s, register
	// 30 s, create 15 s, calls 30 s, configure 10 min, start 2 min, stop 1 min.
	Timeouts Timeouts
	// LogLimit is how many bytes of stdout+stderr a plugin process may
	// write before it counts as flooding and is stopped; 0 means 64 MiB.
	LogLimit int64
	// StopGrace is how long a plugin may take to exit after rgallery hangs
	// up before its process group is killed; 0 means 3 s.
	StopGrace time.Duration
}

func (c Config) withDefaults() Config {
	if c.Python == "" {
		c.Python = os.Getenv("RGALLERY_PYTHON")
	}
	if c.Python == "" {
		c.Python = defaultPython
	}
	if c.CacheDir == "" {
		c.CacheDir = DefaultCacheDir()
	}
	d := defaultTimeouts
	t := &c.Timeouts
	for _, f := range []struct {
		v *time.Duration
		d time.Duration
	}{
		{&t.Handshake, d.Handshake}, {&t.Register, d.Register}, {&t.Create, d.Create},
		{&t.Call, d.Call}, {&t.Configure, d.Configure}, {&t.Start, d.Start}, {&t.Stop, d.Stop},
	} {
		if *f.v <= 0 {
			*f.v = f.d
		}
	}
	if c.LogLimit <= 0 {
		c.LogLimit = 64 << 20
	}
	if c.StopGrace <= 0 {
		c.StopGrace = 3 * time.Second
	}
	return c
}

// DefaultCacheDir is $RGALLERY_CACHE_DIR, else os.UserCacheDir()/rgallery,
// else a directory under os.TempDir().
func DefaultCacheDir() string {
	if d := os.Getenv("RGALLERY_CACHE_DIR"); d != "" {
		return d
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "rgallery")
	}
	return filepath.Join(os.TempDir(), "rgallery-cache")
}

// PythonLoader loads seed-style Python plugin files (*.py) and runs each
// render in its own interpreter with the embedded host.
type PythonLoader struct {
	Config Config
}

// Name returns "python".
func (*PythonLoader) Name() string { return "python" }

// Match accepts regular *.py files.
func (*PythonLoader) Match(path string, info fs.FileInfo) bool {
	return info.Mode().IsRegular() && strings.EqualFold(filepath.Ext(path), ".py")
}

// Load lists the renderers the file registers, from the cache when the
// file has not changed.
func (l *PythonLoader) Load(ctx context.Context, path string) ([]bgrender.Plugin, error) {
	cfg := l.Config.withDefaults()
	launch := func() (string, []string, []string, error) {
		hostPy, err := materializePythonHost(cfg.CacheDir)
		if err != nil {
			// A read-only cache directory must not stop Python plugins.
			fallback := filepath.Join(os.TempDir(), fmt.Sprintf("rgallery-%d", os.Getuid()))
			var err2 error
			if hostPy, err2 = materializePythonHost(fallback); err2 != nil {
				return "", nil, nil, err
			}
		}
		env := []string{
			"PYTHONUNBUFFERED=1",        // prints reach the log as they happen
			"PYTHONDONTWRITEBYTECODE=1", // do not litter plugin directories
			"RGALLERY_PLUGIN_PROTOCOL=1",
		}
		return cfg.Python, []string{hostPy, path}, env, nil
	}
	_, sum, err := pythonHostFiles()
	if err != nil {
		return nil, err
	}
	return load(ctx, cfg, l.Name(), path, "python="+cfg.Python+" host="+sum, launch)
}

// ExecLoader loads plugins that are executables speaking the protocol, in
// any language. An executable announces itself by answering the handshake
// and register calls on fds 3 and 4 within the register deadline; one that
// does not is reported as not being a plugin.
type ExecLoader struct {
	Config Config
}

// Name returns "executable".
func (*ExecLoader) Name() string { return "executable" }

// notExecutables are extensions of files that sit on plugin paths with the
// executable bit set by accident (copied from Windows shares, zip files)
// and are never protocol plugins.
var notExecutables = map[string]bool{
	".py": true, ".pyc": true, ".toml": true, ".json": true, ".yaml": true, ".yml": true,
	".txt": true, ".md": true, ".usd": true, ".usda": true, ".usdc": true, ".usdz": true,
	".so": true, ".dylib": true, ".dll": true, ".png": true, ".jpg": true, ".exr": true,
	".cfg": true, ".ini": true,
}

// Match accepts regular files with an execute bit (on Windows: an .exe or
// .com file) that are not of a known data or source kind, and not hidden or
// editor backups.
func (*ExecLoader) Match(path string, info fs.FileInfo) bool {
	base := filepath.Base(path)
	if !info.Mode().IsRegular() || !isExecutable(path, info) {
		return false
	}
	if strings.HasPrefix(base, ".") || strings.HasSuffix(base, "~") {
		return false
	}
	return !notExecutables[strings.ToLower(filepath.Ext(base))]
}

// Load runs the executable briefly to list its renderers, or reads the cache.
func (l *ExecLoader) Load(ctx context.Context, path string) ([]bgrender.Plugin, error) {
	cfg := l.Config.withDefaults()
	launch := func() (string, []string, []string, error) {
		return path, nil, []string{"RGALLERY_PLUGIN_PROTOCOL=1"}, nil
	}
	return load(ctx, cfg, l.Name(), path, "exec", launch)
}

// load is the discovery shared by both loaders.
func load(ctx context.Context, cfg Config, kind, path, runner string,
	launch func() (string, []string, []string, error)) ([]bgrender.Plugin, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	info, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	cache := discoveryCache{path: filepath.Join(cfg.CacheDir, "plugins.json")}
	var labels []string
	if e, ok := cache.lookup(abs, info, kind, runner); ok {
		if e.Error != "" {
			return nil, fmt.Errorf("%s (remembered from an earlier try; touch the file to try again)", e.Error)
		}
		labels = e.Labels
	} else {
		labels, err = discover(ctx, cfg, kind, abs, launch)
		if err != nil {
			if kind == "executable" && ctx.Err() == nil {
				cache.store(abs, info, kind, runner, nil, err.Error())
			}
			return nil, err
		}
		cache.store(abs, info, kind, runner, labels, "")
	}
	plugins := make([]bgrender.Plugin, 0, len(labels))
	for _, label := range labels {
		plugins = append(plugins, bgrender.Plugin{
			Label: label,
			File:  abs,
			Kind:  kind,
			Factory: func(host bgrender.Host) (bgrender.Renderer, error) {
				return &remote{cfg: cfg, kind: kind, file: abs, label: label, launch: launch, host: host}, nil
			},
		})
	}
	return plugins, nil
}

// discover runs a short-lived plugin process: handshake, register, hang up.
func discover(ctx context.Context, cfg Config, kind, path string,
	launch func() (string, []string, []string, error)) ([]string, error) {
	exe, args, env, err := launch()
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	out := &tailBuffer{max: 8 << 10}
	ch, err := startChild(childSpec{Path: exe, Args: args, Env: env, Log: out, LogLimit: cfg.LogLimit})
	if err != nil {
		if kind == "python" {
			return nil, fmt.Errorf("load %s: %w (set RGALLERY_PYTHON to a Python 3.8+ interpreter)", path, err)
		}
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	var res registerResult
	_, err = handshake(ctx, ch, cfg.Timeouts.Handshake)
	if err != nil && kind == "executable" {
		err = fmt.Errorf("%w: not an rgallery plugin? An executable on the plugin path must answer the handshake on fds 3/4 (docs/plugin-protocol.md)", err)
	}
	if err == nil {
		err = ch.call(ctx, MethodRegister, nil, &res, cfg.Timeouts.Register)
	}
	ch.stop(cfg.StopGrace)
	if err != nil {
		if s := strings.TrimSpace(out.String()); s != "" {
			err = fmt.Errorf("%w\nplugin output:\n%s", err, s)
		}
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	var labels []string
	for _, r := range res.Renderers {
		if r.Label == "" {
			return nil, fmt.Errorf("load %s: register answered a renderer without a label", path)
		}
		labels = append(labels, r.Label)
	}
	if len(labels) == 0 {
		return nil, fmt.Errorf("load %s: the plugin registers no renderer", path)
	}
	return labels, nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf.Write(p)
	if over := t.buf.Len() - t.max; over > 0 {
		t.buf.Next(over)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}

package bgrender

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rgallery/rgallery/gallery"
)

// Manager owns the live renders of one gallery: it starts renders through
// their plugins, polls each at its own frequency, records everything in the
// gallery and tells subscribers what changed. It is safe for concurrent use.
type Manager struct {
	g   *gallery.Gallery
	log *slog.Logger

	// ImageInterval is the shortest time between two copies of a render's
	// progressive image into the gallery (with a new thumbnail). The final
	// image is always taken, and LiveImage has every image at once.
	ImageInterval time.Duration
	// LiveImageInterval is the shortest time between two new live images
	// of one render that viewers hear of (the snapshot's ImageVersion
	// bump and its "image" event): the cap per render, 100 ms (10 images
	// a second) by default. A renderer that reports images more often has
	// the newest one shown at this pace; one that reports less often is
	// followed at its own pace, within one interval.
	LiveImageInterval time.Duration
	// ObservePoll, when set, is told how long each isRenderFinished call
	// of a renderer took (the server's metrics).
	ObservePoll func(renderer string, d time.Duration)
	// StopTimeout bounds StopBackgroundRender; after it the renderer's
	// Closer is called to kill what is left.
	StopTimeout time.Duration
	// CallTimeout bounds every other renderer call.
	CallTimeout time.Duration
	// SceneDeps, when set, lists the files a scene depends on, so that the
	// gallery's stored copy of the scene is complete. An error only means
	// the stored copy holds the scene file alone.
	SceneDeps func(scene string) ([]string, error)

	rec   recorder
	clock pollClock

	mu       sync.Mutex
	plugins  map[string]Plugin
	order    []string // labels in registration order
	live     map[int64]*run
	subs     map[chan Event]struct{}
	watchers map[*watcher]struct{}
	closed   bool
	wg       sync.WaitGroup
}

// NewManager returns a manager that records renders in g.
func NewManager(g *gallery.Gallery, log *slog.Logger) *Manager {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	m := &Manager{
		g:                 g,
		log:               log,
		ImageInterval:     30 * time.Second,
		LiveImageInterval: 100 * time.Millisecond,
		StopTimeout:       30 * time.Second,
		CallTimeout:       30 * time.Second,
		plugins:           map[string]Plugin{},
		live:              map[int64]*run{},
		subs:              map[chan Event]struct{}{},
		watchers:          map[*watcher]struct{}{},
	}
	m.rec = recorder{m: m, interval: 500 * time.Millisecond}
	return m
}

// Gallery returns the gallery the manager records into.
func (m *Manager) Gallery() *gallery.Gallery { return m.g }

// Register adds a Go renderer under label, the seed's
// manager.registerBackgroundRenderer(label, cls). A label can be registered
// once; a second registration is an error wrapping ErrDuplicateLabel.
func (m *Manager) Register(label string, f Factory) error {
	return m.Add(Plugin{Label: label, Kind: "builtin", Factory: f})
}

// Add registers a discovered plugin.
func (m *Manager) Add(p Plugin) error {
	if strings.TrimSpace(p.Label) == "" {
		return fmt.Errorf("register renderer from %s: empty label", orBuiltin(p.File))
	}
	if p.Factory == nil {
		return fmt.Errorf("register renderer %q: no factory", p.Label)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, dup := m.plugins[p.Label]; dup {
		return fmt.Errorf("%w %q: from %s, already registered from %s", ErrDuplicateLabel, p.Label, orBuiltin(p.File), orBuiltin(old.File))
	}
	m.plugins[p.Label] = p
	m.order = append(m.order, p.Label)
	return nil
}

func orBuiltin(file string) string {
	if file == "" {
		return "(built in)"
	}
	return file
}

// Plugins returns the registered renderers in registration order (the
// search path's order).
func (m *Manager) Plugins() []Plugin {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Plugin, 0, len(m.order))
	for _, l := range m.order {
		out = append(out, m.plugins[l])
	}
	return out
}

// Plugin returns the renderer registered under label.
func (m *Manager) Plugin(label string) (Plugin, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.plugins[label]
	if !ok {
		known := append([]string(nil), m.order...)
		sort.Strings(known)
		return p, fmt.Errorf("%w %q (known: %s)", ErrUnknownRenderer, label, strings.Join(known, ", "))
	}
	return p, nil
}

// Request asks for one background render.
type Request struct {
	Renderer string // label; "" means DefaultRenderer
	Scene    string // the USD file
	// Configure calls the renderer's GetConfigOptions first, as choosing a
	// renderer from the menu does. Without it the renderer's last options
	// are reused, as the Background button does.
	Configure bool
	// Options are set on top of the plugin options (last, or configured).
	Options  map[string]any
	Viewport Viewport
	Label    string
	Tags     []string
	// User is who asks, recorded as the snapshot's CreatedBy (team
	// galleries; "" otherwise).
	User string
}

// DefaultRenderer is the label used when a request names none.
const DefaultRenderer = "Local"

// Start creates a snapshot and starts its render. It returns once the
// renderer's StartBackgroundRender has returned; the render then goes on in
// the background. A render that cannot start is recorded as failed and its
// snapshot returned with the error.
func (m *Manager) Start(ctx context.Context, req Request) (gallery.Snapshot, error) {
	if req.Renderer == "" {
		req.Renderer = DefaultRenderer
	}
	p, err := m.Plugin(req.Renderer)
	if err != nil {
		return gallery.Snapshot{}, err
	}
	scene, err := filepath.Abs(req.Scene)
	if err != nil {
		return gallery.Snapshot{}, fmt.Errorf("scene %s: %w", req.Scene, err)
	}
	if fi, err := os.Stat(scene); err != nil {
		return gallery.Snapshot{}, fmt.Errorf("scene file %s: %w", req.Scene, errors.Unwrap(err))
	} else if fi.IsDir() {
		return gallery.Snapshot{}, fmt.Errorf("scene file %s is a directory", req.Scene)
	}
	m.mu.Lock()
	closed := m.closed
	m.mu.Unlock()
	if closed {
		return gallery.Snapshot{}, errors.New("the render manager is shutting down")
	}

	plugin, err := m.g.LastOptions(ctx, p.Label)
	if err != nil {
		return gallery.Snapshot{}, err
	}
	plugin = withDefaults(plugin, p.Schema)

	var deps []string
	if m.SceneDeps != nil {
		if deps, err = m.SceneDeps(scene); err != nil {
			m.log.Warn("scene dependencies", "scene", scene, "err", err)
		}
	}
	stored, skipped, err := m.g.StoreScene(scene, deps)
	if err != nil {
		return gallery.Snapshot{}, err
	}
	snap, err := m.g.Create(ctx, gallery.Snapshot{
		Label: req.Label, Renderer: p.Label, Source: scene, StoredScene: stored,
		Camera: req.Viewport.CameraPath, RenderSettings: req.Viewport.RenderSettingsPath,
		ResX: req.Viewport.ResX, ResY: req.Viewport.ResY, Tags: req.Tags, OwnerPID: os.Getpid(),
		CreatedBy: req.User,
	})
	if err != nil {
		return snap, err
	}
	if len(skipped) > 0 {
		_ = m.g.UpdateMetadata(ctx, snap.ID, map[string]any{"storedSceneMissing": skipped})
	}
	logf, err := m.g.OpenLog(snap)
	if err != nil {
		return snap, m.fail(ctx, snap, err)
	}
	h := &host{id: snap.ID, source: scene, log: &syncWriter{w: logf}, logFile: logf}
	rend, err := p.Factory(h)
	if err != nil {
		logf.Close()
		return snap, m.fail(ctx, snap, fmt.Errorf("create %s renderer: %w", p.Label, err))
	}
	if req.Configure {
		cctx, cancel := context.WithTimeout(ctx, m.CallTimeout)
		plugin, err = rend.GetConfigOptions(cctx, plugin)
		cancel()
		if err != nil {
			m.closeRenderer(rend, h)
			return snap, m.fail(ctx, snap, fmt.Errorf("getConfigOptions: %w", err))
		}
	}
	plugin, err = applyOptions(plugin, req.Options, p.Schema)
	if err != nil {
		m.closeRenderer(rend, h)
		return snap, m.fail(ctx, snap, err)
	}
	if err := m.g.SaveLastOptions(ctx, p.Label, plugin); err != nil {
		m.closeRenderer(rend, h)
		return snap, m.fail(ctx, snap, err)
	}
	opts := Options{Plugin: plugin, Viewport: req.Viewport}
	if err := m.g.SetOptions(ctx, snap.ID, opts.asMap()); err != nil {
		m.closeRenderer(rend, h)
		return snap, m.fail(ctx, snap, err)
	}
	fmt.Fprintf(h.log, "%s start %s with %s\n", time.Now().Format(time.RFC3339), p.Label, opts.asJSON())

	sctx, cancel := context.WithTimeout(ctx, m.CallTimeout)
	err = rend.StartBackgroundRender(sctx, scene, opts.Clone())
	cancel()
	if err != nil {
		m.closeRenderer(rend, h)
		return snap, m.fail(ctx, snap, fmt.Errorf("startBackgroundRender: %w", err))
	}
	if err := m.g.SetState(ctx, snap.ID, gallery.Rendering, ""); err != nil {
		m.closeRenderer(rend, h)
		return snap, err
	}
	if d, ok := rend.(Detacher); ok {
		if tok := d.AttachToken(); tok != "" {
			_ = m.g.SetOwner(ctx, snap.ID, os.Getpid(), tok)
		}
	}
	m.launch(snap.ID, p, rend, h)
	snap, _ = m.g.Get(ctx, snap.ID)
	m.emit(Event{Type: EventCreated, ID: snap.ID, State: snap.State})
	return snap, nil
}

// fail records a render that could not start and returns err.
func (m *Manager) fail(ctx context.Context, snap gallery.Snapshot, err error) error {
	_ = m.g.SetState(context.WithoutCancel(ctx), snap.ID, gallery.Failed, err.Error())
	m.emit(Event{Type: EventState, ID: snap.ID, State: gallery.Failed})
	return fmt.Errorf("snapshot %d: %w", snap.ID, err)
}

func (m *Manager) closeRenderer(rend Renderer, h *host) {
	if c, ok := rend.(Closer); ok {
		if err := c.Close(); err != nil {
			fmt.Fprintf(h.log, "close: %v\n", err)
		}
	}
	h.logFile.Close()
}

func withDefaults(opts map[string]any, schema []OptionSpec) map[string]any {
	out := map[string]any{}
	for _, s := range schema {
		if s.Default != nil {
			out[s.Name] = s.Default
		}
	}
	for k, v := range opts {
		out[k] = v
	}
	return out
}

func (o Options) asMap() map[string]any {
	return map[string]any{"plugin": o.Plugin, "viewport": map[string]any{
		"rendersettings_path": o.Viewport.RenderSettingsPath, "camera_path": o.Viewport.CameraPath,
		"res_x": o.Viewport.ResX, "res_y": o.Viewport.ResY,
	}}
}

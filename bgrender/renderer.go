// Package bgrender is the background-renderer plugin contract of rgallery and
// the manager that runs renders through it.
//
// It is the Go form of Houdini's Render Gallery background-renderer plugins
// (the husd.backgroundrenderer.BackgroundRenderer class). The seed's Python
// contract maps to Go one for one:
//
//	seed (Python)                                  bgrender (Go)
//	registerBackgroundRenderers(manager)           Manager.Register(label, factory), or a Loader
//	manager.registerBackgroundRenderer(label, cls) Manager.Register(label, factory)
//	cls() with self._lopnet_path, self._item_id    Factory(host): host.Source(), host.ItemID()
//	pollFrequency() -> float seconds               Renderer.PollFrequency() time.Duration
//	getConfigOptions(old_options) -> dict          Renderer.GetConfigOptions(ctx, old)
//	startBackgroundRender(usd_filepath, options)   Renderer.StartBackgroundRender(ctx, usdPath, Options)
//	options["plugin"], options["viewport"][...]    Options.Plugin, Options.Viewport (same JSON)
//	isRenderFinished() -> bool                     Renderer.IsRenderFinished(ctx)
//	mouseClick(x, y), normalized 0..1              Renderer.MouseClick(ctx, x, y)
//	stopBackgroundRender(), returns when stopped   Renderer.StopBackgroundRender(ctx)
//	self.updateImagePath(path)                     host.UpdateImagePath(path)
//	self.updateMetadata(dict)                      host.UpdateMetadata(map)
//	"totalClockTime", "percentDone", "peakMemory"  typed stats (gallery.Stats); other keys stay metadata
//
// The lifecycle of one render, as the Manager drives it:
//
//  1. The user asks for a render with a renderer label. If they asked to
//     configure, GetConfigOptions is called with the options of the previous
//     render of that label; otherwise the previous options are reused as they
//     are (the seed's Background button).
//  2. A snapshot is created in the gallery in state queued, and the factory
//     makes a Renderer bound to a Host for that snapshot.
//  3. StartBackgroundRender is called; the snapshot becomes rendering.
//  4. Every PollFrequency (clamped to MinPollInterval), IsRenderFinished is
//     called; the renderer reports progress through the Host. Renders with
//     the same interval share one ticker, so hundreds of live renders cost
//     the process ten wake-ups a second, not thousands (see InlinePoller).
//  5. Clicks from the viewer arrive as MouseClick; a stop request calls
//     StopBackgroundRender, which must not return until the render is stopped.
//  6. The render ends finished, failed or stopped; if the renderer implements
//     Closer, Close is called last so that no process of it is left behind.
//
// Renderers are not required to be safe for concurrent use: the Manager calls
// the methods of one Renderer one at a time (not always from the same
// goroutine).
package bgrender

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// Viewport is options["viewport"] of the seed: what the snapshot looks at.
type Viewport struct {
	RenderSettingsPath string `json:"rendersettings_path"`
	CameraPath         string `json:"camera_path"`
	ResX               int    `json:"res_x"`
	ResY               int    `json:"res_y"`
}

// Options is the options argument of startBackgroundRender, with the seed's
// exact JSON shape: {"plugin": {...}, "viewport": {...}}.
type Options struct {
	Plugin   map[string]any `json:"plugin"`
	Viewport Viewport       `json:"viewport"`
}

// Clone returns a deep copy of o, so that a renderer may keep or change its
// options without touching the caller's.
func (o Options) Clone() Options {
	c := Options{Viewport: o.Viewport}
	if o.Plugin != nil {
		b, err := json.Marshal(o.Plugin)
		if err == nil {
			_ = json.Unmarshal(b, &c.Plugin)
		}
	}
	return c
}

// Renderer is one background render, the seed's BackgroundRenderer instance.
// Embed Base to get the seed's default behaviour for the methods a renderer
// does not care about.
type Renderer interface {
	// PollFrequency is the time between two IsRenderFinished calls.
	PollFrequency() time.Duration
	// GetConfigOptions asks the user (or a form) for options, given the
	// options this renderer returned the last time. It is called only when
	// the user chooses to configure.
	GetConfigOptions(ctx context.Context, old map[string]any) (map[string]any, error)
	// StartBackgroundRender starts rendering usdPath and returns promptly.
	StartBackgroundRender(ctx context.Context, usdPath string, opts Options) error
	// IsRenderFinished reports whether the render has finished; it is where
	// a renderer calls Host.UpdateImagePath and Host.UpdateMetadata. An error
	// fails the render.
	IsRenderFinished(ctx context.Context) (bool, error)
	// MouseClick asks the renderer to concentrate on the normalized point
	// (x, y), with (0, 0) the top-left corner and (1, 1) the bottom-right.
	MouseClick(ctx context.Context, x, y float64) error
	// StopBackgroundRender stops the render and returns only once it has
	// stopped, or with an error when ctx expires first.
	StopBackgroundRender(ctx context.Context) error
}

// Host is what the gallery gives one renderer instance: its identity and the
// two helpers of the seed's base class.
type Host interface {
	// ItemID is the snapshot id, unique in the gallery (the seed's _item_id).
	ItemID() int64
	// Source is the scene the render came from (the seed's _lopnet_path).
	Source() string
	// UpdateImagePath tells the gallery to (re-)read the image at path; call
	// it again with the same path whenever the file has changed.
	UpdateImagePath(path string)
	// UpdateMetadata merges md into the snapshot's metadata. The keys
	// totalClockTime, percentDone and peakMemory become the render stats.
	UpdateMetadata(md map[string]any)
	// Log returns a writer for the render's log, kept with the snapshot; it
	// is safe for concurrent use.
	Log() io.Writer
}

// Factory makes a Renderer for one render item. It must not start anything.
type Factory func(host Host) (Renderer, error)

// Base gives the seed's default behaviour: poll every second, no options,
// clicks ignored. Renderers embed it and override what they need.
type Base struct{}

// PollFrequency returns one second, the seed template's default.
func (Base) PollFrequency() time.Duration { return time.Second }

// GetConfigOptions returns the old options unchanged.
func (Base) GetConfigOptions(_ context.Context, old map[string]any) (map[string]any, error) {
	if old == nil {
		return map[string]any{}, nil
	}
	return old, nil
}

// MouseClick ignores the click.
func (Base) MouseClick(context.Context, float64, float64) error { return nil }

// Optional abilities, found by type assertion as in Caddy's modules.

// Closer is implemented by renderers that hold resources (processes, pipes)
// beyond the end of a render. The Manager calls Close once, after the render
// has ended in any state; Close must leave no process of the render running.
type Closer interface {
	Close() error
}

// OptionSchemer is implemented by renderers whose options can be drawn as a
// form without asking the renderer (the Command and Local renderers).
type OptionSchemer interface {
	OptionSchema() []OptionSpec
}

// OptionSpec describes one plugin option for a form.
type OptionSpec struct {
	Name    string   `json:"name"`
	Label   string   `json:"label,omitempty"`
	Type    string   `json:"type"` // "string", "int", "float", "bool", "choice"
	Default any      `json:"default,omitempty"`
	Choices []string `json:"choices,omitempty"`
	Help    string   `json:"help,omitempty"`
	Min     *float64 `json:"min,omitempty"`
	Max     *float64 `json:"max,omitempty"`
}

// InlinePoller is implemented by renderers whose IsRenderFinished usually
// answers at once from state the renderer already holds (the Command
// renderer while its process runs). The manager then polls them from its
// clock's goroutine, one after the other, instead of waking a goroutine per
// render and poll: with hundreds of live renders those wake-ups were most
// of its CPU time.
type InlinePoller interface {
	// PollsInline reports whether the next IsRenderFinished call will
	// return promptly without blocking. If the render ends meanwhile and
	// the call does block, it delays the polls of other renders, so a
	// renderer says true only when that is rare and brief.
	PollsInline() bool
}

// Detacher is implemented by renderers whose render survives the gallery's
// owner process (a farm job). Attach returns a token that lets a new
// Renderer from the same factory take the render over after a restart.
type Detacher interface {
	// AttachToken returns what Reattach needs, e.g. a job id; "" if nothing
	// is running.
	AttachToken() string
	// Reattach resumes polling a render started by another process.
	Reattach(ctx context.Context, token string, opts Options) error
}

// MinPollInterval is the shortest poll interval the Manager honours, so that
// a renderer returning 0 cannot spin a core.
const MinPollInterval = 50 * time.Millisecond

// Well-known metadata keys of the seed.
const (
	KeyTotalClockTime = "totalClockTime"
	KeyPercentDone    = "percentDone"
	KeyPeakMemory     = "peakMemory"
)

// Error kinds a caller can test for with errors.Is.
var (
	ErrUnknownRenderer = fmt.Errorf("unknown renderer")
	ErrDuplicateLabel  = fmt.Errorf("duplicate renderer label")
)

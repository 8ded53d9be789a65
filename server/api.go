// Package server is rgallery's HTTP API: the JSON endpoints under /api/,
// server-sent events of the gallery's changes, and the embedded web UI
// (web/, plain HTML/CSS/JS). The gallery's owner serves the API on its unix
// socket (for other rgallery processes) and, with `rgallery serve`, the API
// and the UI on TCP behind Guard (token, Host check, cross-site request
// protection, body limits). It renders nothing itself: live renders go to a
// bgrender.Manager, everything else to the gallery store.
//
// Endpoints (JSON unless said otherwise):
//
//	GET    /api/ping                       owner pid and live render ids
//	GET    /api/renderers                  renderers, search path, overrides, load errors
//	GET    /api/renderers/{label}/form     options form: fields and values (schema, or getConfigOptions)
//	GET    /api/snapshots?limit&before&q&tag&star&renderer&state   a page, newest first
//	GET    /api/snapshots/{id}             one snapshot
//	PATCH  /api/snapshots/{id}             label, star, colour, notes, addTags, removeTags
//	DELETE /api/snapshots/{id}             delete (not while live)
//	POST   /api/renders                    start a render (scene under the roots on TCP)
//	POST   /api/snapshots/{id}/rerender    render its scene again (Background, or another renderer)
//	POST   /api/snapshots/{id}/stop        stop a live render; returns once stopped
//	POST   /api/snapshots/{id}/click       normalized click to a live render
//	GET    /api/snapshots/{id}/image       browser-viewable image, ETag from the image version
//	GET    /api/snapshots/{id}/thumb       thumbnail, same ETag rule
//	GET    /api/snapshots/{id}/log         end of the render log (text)
//	GET    /api/snapshots/{id}/export?format=png|jpg|exr   image download
//	GET    /api/snapshots/{id}/layers      float viewer: layers, channels, windows, chromaticities (pixels.go)
//	GET    /api/snapshots/{id}/pixels?layer&type           a layer's float data, half or float32 (pixels.go)
//	GET    /api/snapshots/{id}/flip?ref&layer&region       HDR-FLIP against another snapshot (flip.go)
//	GET    /api/files?path=                file picker: roots, or dirs and USD files under them
//	POST   /api/import                     images (multipart upload, or JSON paths under the roots) → finished snapshots
//	GET    /api/events                     server-sent events: created, state, image, metadata,
//	                                       updated, deleted (data: EventData), resync; coalesced
//	                                       per snapshot, resumable with Last-Event-ID (docs/live.md)
package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/gallery"
)

// maxBody bounds request bodies.
const maxBody = 1 << 20

// API serves the gallery's JSON API.
type API struct {
	m    *bgrender.Manager
	g    *gallery.Gallery
	disc bgrender.Discovery
	log  *slog.Logger
	hub  *hub
	// roots, when not nil, are the only directories whose scene files
	// POST /api/renders accepts and the file picker shows (resolved, no
	// symlinks). The owner socket leaves it nil: a local CLI may render
	// any file its user can read.
	roots []string
	// rootNames are the roots as given and as resolved: a path that is not
	// lexically under one of them is refused before the file system is
	// consulted, so that the answer tells nothing about files outside.
	rootNames []string
	// serverID and serverKey make this a team server's API (SetServer).
	serverID, serverKey string
	// metrics serves /metrics (EnableMetrics); nil when off.
	metrics http.Handler
}

// NewAPI returns the API of a manager's gallery; disc is what discovery
// found, shown by /api/renderers.
func NewAPI(m *bgrender.Manager, disc bgrender.Discovery, log *slog.Logger) *API {
	if log == nil {
		log = slog.Default()
	}
	return &API{m: m, g: m.Gallery(), disc: disc, log: log, hub: newHub(m)}
}

// SetRoots confines scene files and the file picker to dirs, as
// `rgallery serve --root` does. Each dir must exist.
func (a *API) SetRoots(dirs []string) error {
	var roots, names []string
	for _, d := range dirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			return fmt.Errorf("root %s: %w", d, err)
		}
		real, err := filepath.EvalSymlinks(abs)
		if err != nil {
			return fmt.Errorf("root %s: %w", d, err)
		}
		fi, err := os.Stat(real)
		if err != nil {
			return fmt.Errorf("root %s: %w", d, err)
		}
		if !fi.IsDir() {
			return fmt.Errorf("root %s: not a directory", d)
		}
		roots = append(roots, real)
		names = append(names, filepath.Clean(abs), real)
	}
	if roots == nil {
		roots = []string{}
	}
	a.roots = roots
	a.rootNames = names
	return nil
}

// RenderRequest is the body of POST /api/renders.
type RenderRequest struct {
	Renderer  string            `json:"renderer"`
	Scene     string            `json:"scene"`
	Configure bool              `json:"configure"`
	Options   map[string]any    `json:"options"`
	Viewport  bgrender.Viewport `json:"viewport"`
	Label     string            `json:"label"`
	Tags      []string          `json:"tags"`
}

// ClickRequest is the body of POST /api/snapshots/{id}/click.
type ClickRequest struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// RendererInfo describes one renderer for /api/renderers.
type RendererInfo struct {
	Label  string                `json:"label"`
	Kind   string                `json:"kind"`
	File   string                `json:"file,omitempty"`
	Schema []bgrender.OptionSpec `json:"options,omitempty"`
	Last   map[string]any        `json:"lastOptions,omitempty"`
}

// Renderers is the body of GET /api/renderers.
type Renderers struct {
	Renderers  []RendererInfo       `json:"renderers"`
	Path       []string             `json:"path"`
	Overridden []bgrender.Override  `json:"overridden"`
	Duplicates []bgrender.Duplicate `json:"duplicates"`
	Errors     []bgrender.LoadError `json:"errors"`
}

// ErrorBody is what every failed request returns.
type ErrorBody struct {
	Error string `json:"error"`
}

// Register adds the API's routes to mux.
func (a *API) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/ping", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"pid": os.Getpid(), "live": a.m.Live()})
	})
	mux.HandleFunc("GET /api/renderers", a.renderers)
	mux.HandleFunc("GET /api/snapshots", a.list)
	mux.HandleFunc("GET /api/snapshots/{id}", a.withID(a.get))
	mux.HandleFunc("POST /api/renders", a.render)
	mux.HandleFunc("POST /api/snapshots/{id}/stop", a.withID(a.stop))
	mux.HandleFunc("POST /api/snapshots/{id}/click", a.withID(a.click))
	mux.HandleFunc("GET /api/events", a.events)

	mux.HandleFunc("GET /api/renderers/{label}/form", a.form)
	mux.HandleFunc("PATCH /api/snapshots/{id}", a.withID(a.edit))
	mux.HandleFunc("DELETE /api/snapshots/{id}", a.withID(a.remove))
	mux.HandleFunc("POST /api/snapshots/{id}/rerender", a.withID(a.rerender))
	mux.HandleFunc("GET /api/snapshots/{id}/image", a.withID(a.image))
	mux.HandleFunc("GET /api/snapshots/{id}/thumb", a.withID(a.thumb))
	mux.HandleFunc("GET /api/snapshots/{id}/log", a.withID(a.logText))
	mux.HandleFunc("GET /api/snapshots/{id}/export", a.withID(a.export))
	mux.HandleFunc("GET /api/files", a.files)
	mux.HandleFunc("POST /api/import", a.importImages)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, err error) {
	code := http.StatusBadRequest
	var nf *gallery.NotFoundError
	if errors.As(err, &nf) {
		code = http.StatusNotFound
	}
	writeJSON(w, code, ErrorBody{Error: err.Error()})
}

func decode(w http.ResponseWriter, r *http.Request, v any) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("request body: %w", err)
	}
	return nil
}

func (a *API) withID(h func(http.ResponseWriter, *http.Request, int64)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil || id <= 0 {
			writeError(w, fmt.Errorf("snapshot id %q: not a positive number", r.PathValue("id")))
			return
		}
		h(w, r, id)
	}
}

func (a *API) renderers(w http.ResponseWriter, r *http.Request) {
	out := Renderers{Path: a.disc.Path, Overridden: a.disc.Overridden, Duplicates: a.disc.Duplicates, Errors: a.disc.Errors}
	for _, p := range a.m.Plugins() {
		last, _ := a.g.LastOptions(r.Context(), p.Label)
		out.Renderers = append(out.Renderers, RendererInfo{Label: p.Label, Kind: p.Kind, File: p.File, Schema: p.Schema, Last: last})
	}
	writeJSON(w, http.StatusOK, out)
}

// ParseQuery reads list filters from URL parameters: limit, before, q, tag,
// star, renderer, state.
func ParseQuery(v url.Values) (gallery.Query, error) {
	var q gallery.Query
	var err error
	if s := v.Get("limit"); s != "" {
		if q.Limit, err = strconv.Atoi(s); err != nil {
			return q, fmt.Errorf("limit %q: %w", s, err)
		}
	}
	if s := v.Get("before"); s != "" {
		if q.BeforeID, err = strconv.ParseInt(s, 10, 64); err != nil {
			return q, fmt.Errorf("before %q: %w", s, err)
		}
	}
	q.Text, q.Tag, q.Renderer = v.Get("q"), v.Get("tag"), v.Get("renderer")
	q.State = gallery.State(v.Get("state"))
	q.User = v.Get("user")
	q.Starred = v.Get("star") == "1" || v.Get("star") == "true"
	return q, nil
}

func (a *API) list(w http.ResponseWriter, r *http.Request) {
	q, err := ParseQuery(r.URL.Query())
	if err != nil {
		writeError(w, err)
		return
	}
	snaps, err := a.g.List(r.Context(), q)
	if err != nil {
		writeError(w, err)
		return
	}
	if snaps == nil {
		snaps = []gallery.Snapshot{}
	}
	// Pages are big and read by programs: no indentation.
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(snaps)
}

func (a *API) get(w http.ResponseWriter, r *http.Request, id int64) {
	s, err := a.g.Get(r.Context(), id)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s)
}

func (a *API) render(w http.ResponseWriter, r *http.Request) {
	var req RenderRequest
	if err := decode(w, r, &req); err != nil {
		writeError(w, err)
		return
	}
	if a.roots != nil {
		scene, err := a.confine(req.Scene)
		if err != nil {
			writeJSON(w, confineStatus(err), ErrorBody{Error: "scene " + err.Error()})
			return
		}
		req.Scene = scene
	}
	a.start(w, r, req)
}

func (a *API) start(w http.ResponseWriter, r *http.Request, req RenderRequest) {
	snap, err := a.m.Start(r.Context(), bgrender.Request{Renderer: req.Renderer, Scene: req.Scene,
		Configure: req.Configure, Options: req.Options, Viewport: req.Viewport, Label: req.Label, Tags: req.Tags,
		User: requestUser(r)})
	if err != nil {
		if snap.ID != 0 {
			writeJSON(w, http.StatusUnprocessableEntity, struct {
				ErrorBody
				Snapshot gallery.Snapshot `json:"snapshot"`
			}{ErrorBody{err.Error()}, snap})
			return
		}
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, snap)
}

func (a *API) stop(w http.ResponseWriter, r *http.Request, id int64) {
	if !a.mayChange(w, r, id) || a.forwardIfRemote(w, r, id, nil) {
		return
	}
	if err := a.m.Stop(r.Context(), id); err != nil {
		writeError(w, err)
		return
	}
	a.get(w, r, id)
}

func (a *API) click(w http.ResponseWriter, r *http.Request, id int64) {
	if !a.mayChange(w, r, id) {
		return
	}
	var c ClickRequest
	if err := decode(w, r, &c); err != nil {
		writeError(w, err)
		return
	}
	if a.forwardIfRemote(w, r, id, c) {
		return
	}
	if err := a.m.Click(r.Context(), id, c.X, c.Y); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

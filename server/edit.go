package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"regexp"
	"sort"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/gallery"
)

// EditRequest is the body of PATCH /api/snapshots/{id}: every field that is
// present is applied, in the order label, star, colour, notes, tags.
type EditRequest struct {
	Label      *string  `json:"label,omitempty"`
	Star       *bool    `json:"star,omitempty"`
	Colour     *string  `json:"colour,omitempty"`
	Notes      *string  `json:"notes,omitempty"`
	AddTags    []string `json:"addTags,omitempty"`
	RemoveTags []string `json:"removeTags,omitempty"`
}

// RerenderRequest is the body of POST /api/snapshots/{id}/rerender: render
// the snapshot's scene again. Without Renderer it is the Background button
// (same renderer, its last options); with Renderer and Options it is the
// renderer menu after its options form.
type RerenderRequest struct {
	Renderer  string         `json:"renderer,omitempty"`
	Options   map[string]any `json:"options,omitempty"`
	Configure bool           `json:"configure,omitempty"`
	Label     string         `json:"label,omitempty"`
	// ResX and ResY, when set, replace the snapshot's resolution.
	ResX int `json:"resX,omitempty"`
	ResY int `json:"resY,omitempty"`
}

// Form is the body of GET /api/renderers/{label}/form: the fields of a
// renderer's options form and the values to fill it with (its last options,
// or what its getConfigOptions returned).
type Form struct {
	Renderer string                `json:"renderer"`
	Kind     string                `json:"kind"`
	Fields   []bgrender.OptionSpec `json:"fields"`
	Values   map[string]any        `json:"values"`
}

var colourRE = regexp.MustCompile(`^(|#[0-9a-fA-F]{6}|[a-z]{1,16})$`)

const maxLabel = 200

func (a *API) edit(w http.ResponseWriter, r *http.Request, id int64) {
	if !a.mayChange(w, r, id) {
		return
	}
	var req EditRequest
	if err := decode(w, r, &req); err != nil {
		writeError(w, err)
		return
	}
	ctx := r.Context()
	err := func() error {
		if req.Label != nil {
			if len(*req.Label) > maxLabel {
				return fmt.Errorf("label: at most %d bytes", maxLabel)
			}
			if err := a.g.SetLabel(ctx, id, *req.Label); err != nil {
				return err
			}
		}
		if req.Star != nil {
			if err := a.g.SetStar(ctx, id, *req.Star); err != nil {
				return err
			}
		}
		if req.Colour != nil {
			if !colourRE.MatchString(*req.Colour) {
				return fmt.Errorf("colour %q: want a name like \"red\", #rrggbb or \"\"", *req.Colour)
			}
			if err := a.g.SetColour(ctx, id, *req.Colour); err != nil {
				return err
			}
		}
		if req.Notes != nil {
			if err := a.g.SetNotes(ctx, id, *req.Notes); err != nil {
				return err
			}
		}
		if len(req.AddTags) > 0 {
			if err := a.g.AddTags(ctx, id, req.AddTags...); err != nil {
				return err
			}
		}
		if len(req.RemoveTags) > 0 {
			if err := a.g.RemoveTags(ctx, id, req.RemoveTags...); err != nil {
				return err
			}
		}
		return nil
	}()
	if err != nil {
		writeError(w, err)
		return
	}
	s, err := a.g.Get(ctx, id)
	if err != nil {
		writeError(w, err)
		return
	}
	a.hub.publish(EventData{Type: "updated", ID: id, Snapshot: &s})
	writeJSON(w, http.StatusOK, s)
}

func (a *API) remove(w http.ResponseWriter, r *http.Request, id int64) {
	if !a.mayChange(w, r, id) {
		return
	}
	if err := a.g.Delete(r.Context(), id); err != nil {
		writeError(w, err)
		return
	}
	a.hub.publish(EventData{Type: "deleted", ID: id})
	writeJSON(w, http.StatusOK, map[string]any{"deleted": id})
}

// rerender renders a snapshot's scene again: the file the user rendered if
// it is still there, else the gallery's stored copy of it.
func (a *API) rerender(w http.ResponseWriter, r *http.Request, id int64) {
	var req RerenderRequest
	if err := decode(w, r, &req); err != nil && !errors.Is(err, io.EOF) {
		writeError(w, err)
		return
	}
	s, err := a.g.Get(r.Context(), id)
	if err != nil {
		writeError(w, err)
		return
	}
	scene := s.Source
	if _, err := os.Stat(scene); err != nil && s.StoredScene != "" {
		scene = a.g.Path(s.StoredScene)
	}
	rr := RenderRequest{Renderer: req.Renderer, Scene: scene, Configure: req.Configure, Options: req.Options,
		Label: req.Label, Viewport: bgrender.Viewport{RenderSettingsPath: s.RenderSettings, CameraPath: s.Camera, ResX: s.ResX, ResY: s.ResY}}
	if rr.Renderer == "" {
		rr.Renderer = s.Renderer
	}
	if req.ResX > 0 && req.ResY > 0 {
		rr.Viewport.ResX, rr.Viewport.ResY = req.ResX, req.ResY
	}
	a.start(w, r, rr)
}

// form describes a renderer's options form. A renderer with an option list
// (Command, Local) is described from it; any other (a Python plugin) is
// asked: a throwaway instance's getConfigOptions is called with the last
// options, and the form shows what it returned, typed by value.
func (a *API) form(w http.ResponseWriter, r *http.Request) {
	p, err := a.m.Plugin(r.PathValue("label"))
	if err != nil {
		writeJSON(w, http.StatusNotFound, ErrorBody{Error: err.Error()})
		return
	}
	last, err := a.g.LastOptions(r.Context(), p.Label)
	if err != nil {
		writeError(w, err)
		return
	}
	f := Form{Renderer: p.Label, Kind: p.Kind, Fields: p.Schema, Values: map[string]any{}}
	for _, s := range p.Schema {
		if s.Default != nil {
			f.Values[s.Name] = s.Default
		}
	}
	for k, v := range last {
		f.Values[k] = v
	}
	if p.Schema == nil {
		ctx, cancel := context.WithTimeout(r.Context(), a.m.CallTimeout)
		defer cancel()
		vals, err := askOptions(ctx, p, last)
		if err != nil {
			writeJSON(w, http.StatusBadGateway, ErrorBody{Error: fmt.Sprintf("%s: getConfigOptions: %v", p.Label, err)})
			return
		}
		f.Values = vals
		f.Fields = fieldsOf(vals)
	}
	if f.Fields == nil {
		f.Fields = []bgrender.OptionSpec{}
	}
	writeJSON(w, http.StatusOK, f)
}

// formHost is the Host of the throwaway renderer that fills a form: it
// renders nothing, so it has no item and keeps nothing.
type formHost struct{}

func (formHost) ItemID() int64                 { return 0 }
func (formHost) Source() string                { return "" }
func (formHost) UpdateImagePath(string)        {}
func (formHost) UpdateMetadata(map[string]any) {}
func (formHost) Log() io.Writer                { return io.Discard }

func askOptions(ctx context.Context, p bgrender.Plugin, last map[string]any) (map[string]any, error) {
	if last == nil {
		last = map[string]any{}
	}
	rend, err := p.Factory(formHost{})
	if err != nil {
		return nil, err
	}
	if c, ok := rend.(bgrender.Closer); ok {
		defer c.Close()
	}
	vals, err := rend.GetConfigOptions(ctx, last)
	if err != nil {
		return nil, err
	}
	if vals == nil {
		vals = map[string]any{}
	}
	return vals, nil
}

// fieldsOf types the options a plugin returned by their values, sorted by
// name so that the form is stable.
func fieldsOf(vals map[string]any) []bgrender.OptionSpec {
	out := []bgrender.OptionSpec{}
	for k, v := range vals {
		t := "json"
		switch x := v.(type) {
		case bool:
			t = "bool"
		case string:
			t = "string"
		case float64:
			t = "float"
			if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
				t = "int"
			}
		case int, int64:
			t = "int"
		}
		out = append(out, bgrender.OptionSpec{Name: k, Type: t, Default: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// snapshot reads a snapshot for the file handlers, answering the error
// itself when there is none.
func (a *API) snapshot(w http.ResponseWriter, r *http.Request, id int64) (gallery.Snapshot, bool) {
	s, err := a.g.Get(r.Context(), id)
	if err != nil {
		writeError(w, err)
		return s, false
	}
	return s, true
}

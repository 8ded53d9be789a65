package server

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/gallery"
)

// POST /api/import makes finished snapshots of existing image files
// (gallery.Import). It takes either
//
//   - multipart/form-data, as the web UI's drag and drop sends it: one or
//     more "file" parts, and optional "label", "tag" (repeatable) and
//     "note" fields; the file parts' names are recorded as their source;
//   - JSON ImportRequest with paths of files on the server's machine. On
//     TCP the paths must resolve under the --root dirs, exactly as the file
//     picker's and POST /api/renders' scene paths (confine); on the owner
//     socket (no roots) any file its user can read.
//
// Each file imports or fails on its own; the answer lists them in order.
// It is 200 when all imported, 400 when any failed.

// maxUpload bounds an import request's body: the gallery's largest image
// (1 GiB) and room for the multipart framing and form fields. Guard lets
// this endpoint's body be that large, and no other's.
const maxUpload = 1<<30 + 1<<20

// maxFormField bounds a text field of the multipart form.
const maxFormField = 64 << 10

// ImportRequest is the JSON body of POST /api/import.
type ImportRequest struct {
	Paths []string `json:"paths"`
	Label string   `json:"label"`
	Tags  []string `json:"tags"`
	Note  string   `json:"note"`
}

// ImportResult is one file's outcome.
type ImportResult struct {
	File     string            `json:"file"`
	Snapshot *gallery.Snapshot `json:"snapshot,omitempty"`
	Error    string            `json:"error,omitempty"`
}

// ImportResponse is the answer of POST /api/import.
type ImportResponse struct {
	Results []ImportResult `json:"results"`
	Error   string         `json:"error,omitempty"` // set when any file failed
}

func (a *API) importImages(w http.ResponseWriter, r *http.Request) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var res []ImportResult
	var err error
	if ct == "multipart/form-data" {
		res, err = a.importUpload(r)
	} else {
		res, err = a.importPaths(w, r)
	}
	if err != nil {
		writeError(w, err)
		return
	}
	out := ImportResponse{Results: res}
	failed := 0
	for _, x := range res {
		if x.Error != "" {
			failed++
		} else {
			// Through the manager, so that every API over it (the owner
			// socket's, the web server's) tells its browsers.
			a.m.Announce(bgrender.Event{Type: bgrender.EventCreated, ID: x.Snapshot.ID})
		}
	}
	code := http.StatusOK
	if failed > 0 {
		code = http.StatusBadRequest
		out.Error = fmt.Sprintf("%d of %d files not imported", failed, len(res))
	}
	writeJSON(w, code, out)
}

func (a *API) importPaths(w http.ResponseWriter, r *http.Request) ([]ImportResult, error) {
	var req ImportRequest
	if err := decode(w, r, &req); err != nil {
		return nil, err
	}
	if len(req.Paths) == 0 {
		return nil, errors.New("import: no paths given")
	}
	if err := validTags(req.Tags); err != nil {
		return nil, err
	}
	var res []ImportResult
	for _, p := range req.Paths {
		x := ImportResult{File: p}
		real := p
		var err error
		if a.roots != nil {
			real, err = a.confine(p)
		} else if !filepath.IsAbs(p) {
			err = fmt.Errorf("path %q: %w: not absolute", p, errBadPath)
		}
		if err == nil {
			var s gallery.Snapshot
			s, err = a.g.ImportFile(r.Context(), real, gallery.ImportOptions{Label: req.Label, Tags: req.Tags, Notes: req.Note, Name: p, User: requestUser(r)})
			x.Snapshot = &s
		}
		if err != nil {
			x.Snapshot, x.Error = nil, err.Error()
		}
		res = append(res, x)
	}
	return res, nil
}

// importUpload reads the multipart form part by part: the text fields
// must come before the files they apply to (the web UI sends them first).
func (a *API) importUpload(r *http.Request) ([]ImportResult, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	o := gallery.ImportOptions{User: requestUser(r)}
	var res []ImportResult
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("import: request body: %w", err)
		}
		field := part.FormName()
		if field != "file" {
			b, err := io.ReadAll(io.LimitReader(part, maxFormField+1))
			part.Close()
			if err != nil {
				return nil, fmt.Errorf("import: field %s: %w", field, err)
			}
			if len(b) > maxFormField {
				return nil, fmt.Errorf("import: field %s is longer than %d bytes", field, maxFormField)
			}
			switch v := string(b); field {
			case "label":
				o.Label = v
			case "note":
				o.Notes = v
			case "tag":
				if err := gallery.ValidTag(v); err != nil {
					return nil, err
				}
				o.Tags = append(o.Tags, v)
			default:
				return nil, fmt.Errorf("import: unknown form field %q", field)
			}
			continue
		}
		name := filepath.Base(strings.ReplaceAll(part.FileName(), `\`, "/"))
		if name == "." || name == "/" || name == "" {
			name = "upload"
		}
		// Guard bounds the body on TCP; the owner socket has no Guard.
		data, err := io.ReadAll(io.LimitReader(part, maxUpload+1))
		part.Close()
		if err != nil {
			return nil, fmt.Errorf("import %s: request body: %w", name, err)
		}
		if len(data) > maxUpload {
			return nil, fmt.Errorf("import %s: larger than %d bytes", name, maxUpload)
		}
		x := ImportResult{File: name}
		fo := o
		fo.Name = name
		if s, err := a.g.Import(r.Context(), data, fo); err != nil {
			x.Error = err.Error()
		} else {
			x.Snapshot = &s
		}
		res = append(res, x)
	}
	if len(res) == 0 {
		return nil, errors.New(`import: no "file" part in the form`)
	}
	return res, nil
}

func validTags(tags []string) error {
	for _, t := range tags {
		if err := gallery.ValidTag(t); err != nil {
			return err
		}
	}
	return nil
}

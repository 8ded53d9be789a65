package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/rgallery/rgallery/gallery"
)

// The file handlers read only two kinds of files: a snapshot's own files,
// named by the gallery's database and checked to resolve (symlinks
// followed) inside the gallery dir, and scene files and directories under
// the --root dirs, checked the same way. No handler takes a file path in
// its URL path.

// Confinement failures wrap one of these.
var (
	errOutside = errors.New("outside the allowed directories")
	errBadPath = errors.New("bad path")
)

// confineStatus is the HTTP status for a confine error.
func confineStatus(err error) int {
	switch {
	case errors.Is(err, errOutside):
		return http.StatusForbidden
	case errors.Is(err, errBadPath):
		return http.StatusBadRequest
	}
	return http.StatusNotFound
}

// within reports whether path (resolved) is dir or below it.
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// confine resolves a user-given path and checks that it lies under one of
// the roots: ".." is cleaned away first and symlinks are followed, so that
// neither a "../" nor a link pointing out of a root gets out.
func (a *API) confine(p string) (string, error) {
	if p == "" {
		return "", fmt.Errorf("%w: no path given", errBadPath)
	}
	if strings.ContainsRune(p, 0) {
		return "", fmt.Errorf("path %q: %w: contains a NUL byte", p, errBadPath)
	}
	if !filepath.IsAbs(p) {
		return "", fmt.Errorf("path %q: %w: not absolute (paths are absolute, under one of the roots)", p, errBadPath)
	}
	clean := filepath.Clean(p)
	if !slices.ContainsFunc(a.rootNames, func(root string) bool { return within(root, clean) }) {
		return "", fmt.Errorf("path %s: %w (roots: %s)", clean, errOutside, strings.Join(a.roots, ", "))
	}
	real, err := filepath.EvalSymlinks(clean)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return "", fmt.Errorf("path %s: %w", clean, err)
	}
	for _, root := range a.roots {
		if within(root, real) {
			return real, nil
		}
	}
	return "", fmt.Errorf("path %s: %w (roots: %s)", clean, errOutside, strings.Join(a.roots, ", "))
}

// galleryFile resolves a path stored in the database and checks that it is
// inside the gallery dir.
func (a *API) galleryFile(p string) (string, error) {
	if p == "" {
		return "", os.ErrNotExist
	}
	real, err := filepath.EvalSymlinks(a.g.Path(p))
	if err != nil {
		return "", err
	}
	dir, err := filepath.EvalSymlinks(a.g.Dir())
	if err != nil {
		return "", err
	}
	if !within(dir, real) {
		return "", fmt.Errorf("%s: %w", p, errOutside)
	}
	return real, nil
}

// serveVersioned serves a snapshot file with an ETag made of the snapshot
// id, the kind of file and its image version, so that a browser revalidates
// cheaply and gets the new bytes as soon as a progressive image changes.
func (a *API) serveVersioned(w http.ResponseWriter, r *http.Request, id int64, kind, path string, version int64, updated time.Time) {
	real, err := a.galleryFile(path)
	if err != nil {
		writeJSON(w, http.StatusNotFound, ErrorBody{Error: fmt.Sprintf("snapshot %d has no %s yet", id, kind)})
		return
	}
	f, err := os.Open(real)
	if err != nil {
		writeJSON(w, http.StatusNotFound, ErrorBody{Error: fmt.Sprintf("snapshot %d: %s: %v", id, kind, err)})
		return
	}
	defer f.Close()
	w.Header().Set("ETag", fmt.Sprintf(`"%d-%s-%d"`, id, kind, version))
	w.Header().Set("Cache-Control", "no-cache")
	// ServeContent answers If-None-Match with 304 and sets the type.
	http.ServeContent(w, r, filepath.Base(real), updated, f)
}

func (a *API) image(w http.ResponseWriter, r *http.Request, id int64) {
	s, ok := a.snapshot(w, r, id)
	if !ok {
		return
	}
	if a.serveLive(w, r, s) {
		return
	}
	p := a.g.PreviewPath(s)
	if p == "" {
		writeJSON(w, http.StatusNotFound, ErrorBody{Error: fmt.Sprintf("snapshot %d has no image a browser can show (state %s)", id, s.State)})
		return
	}
	a.serveVersioned(w, r, id, "image", p, s.ImageVersion, s.Updated)
}

// serveLive serves the newest image of a live render straight from the
// renderer's file (the Manager's LiveImage): the gallery copies progressive
// images only every few seconds, a viewer wants each one. It serves only
// images a browser shows (PNG, JPEG, or the PNG beside an EXR) and reports
// whether it answered.
func (a *API) serveLive(w http.ResponseWriter, r *http.Request, s gallery.Snapshot) bool {
	p, _, ok := a.m.LiveImage(s.ID)
	if !ok {
		return false
	}
	switch strings.ToLower(filepath.Ext(p)) {
	case ".png", ".jpg", ".jpeg":
	default:
		p = strings.TrimSuffix(p, filepath.Ext(p)) + ".png"
	}
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return false
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d-image-%d"`, s.ID, s.ImageVersion))
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, filepath.Base(p), fi.ModTime(), f)
	return true
}

func (a *API) thumb(w http.ResponseWriter, r *http.Request, id int64) {
	s, ok := a.snapshot(w, r, id)
	if !ok {
		return
	}
	// A live render's thumbnail is its newest image, scaled by the browser:
	// the gallery writes thumbnails only with its periodic copies.
	if a.serveLive(w, r, s) {
		return
	}
	a.serveVersioned(w, r, id, "thumb", s.Thumb, s.ImageVersion, s.Updated)
}

// maxLogBytes is how much of a render log the viewer gets: its end.
const maxLogBytes = 256 << 10

func (a *API) logText(w http.ResponseWriter, r *http.Request, id int64) {
	s, ok := a.snapshot(w, r, id)
	if !ok {
		return
	}
	real, err := a.galleryFile(s.LogPath)
	if err != nil {
		writeJSON(w, http.StatusNotFound, ErrorBody{Error: fmt.Sprintf("snapshot %d has no log", id)})
		return
	}
	f, err := os.Open(real)
	if err != nil {
		writeError(w, err)
		return
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > maxLogBytes {
		f.Seek(fi.Size()-maxLogBytes, io.SeekStart)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	io.Copy(w, f)
}

// export sends the snapshot's image as a download, converted to ?format=
// (png, jpg) or as it is stored (the default, e.g. OpenEXR).
func (a *API) export(w http.ResponseWriter, r *http.Request, id int64) {
	s, ok := a.snapshot(w, r, id)
	if !ok {
		return
	}
	if s.Image == "" {
		writeError(w, fmt.Errorf("snapshot %d has no image (state %s)", id, s.State))
		return
	}
	ext := strings.ToLower(filepath.Ext(s.Image))
	switch f := r.URL.Query().Get("format"); f {
	case "":
	case "png", "jpg", "jpeg", "exr":
		ext = "." + f
	default:
		writeError(w, fmt.Errorf("format %q: want png, jpg or exr", f))
		return
	}
	tmp, err := os.MkdirTemp("", "rgallery-export-")
	if err != nil {
		writeError(w, err)
		return
	}
	defer os.RemoveAll(tmp)
	dst := filepath.Join(tmp, "image"+ext)
	if err := a.g.Export(r.Context(), id, dst); err != nil {
		writeError(w, err)
		return
	}
	f, err := os.Open(dst)
	if err != nil {
		writeError(w, err)
		return
	}
	defer f.Close()
	name := fmt.Sprintf("snapshot-%d%s", id, ext)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	http.ServeContent(w, r, name, s.Updated, f)
}

// Entry is one row of the file picker.
type Entry struct {
	Name string `json:"name"`
	Path string `json:"path"`
	Dir  bool   `json:"dir"`
	Size int64  `json:"size,omitempty"`
}

// Listing is the body of GET /api/files: with no path the roots, else the
// directories and USD files in path.
type Listing struct {
	Path    string  `json:"path,omitempty"`
	Parent  string  `json:"parent,omitempty"` // "" at a root: go back to the roots
	Entries []Entry `json:"entries"`
}

// sceneExt are the files the picker offers.
var sceneExt = map[string]bool{".usd": true, ".usda": true, ".usdc": true, ".usdz": true}

const maxListing = 5000

func (a *API) files(w http.ResponseWriter, r *http.Request) {
	if a.roots == nil {
		writeJSON(w, http.StatusForbidden, ErrorBody{Error: "no --root dirs: this server offers no files"})
		return
	}
	p := r.URL.Query().Get("path")
	out := Listing{Entries: []Entry{}}
	if p == "" {
		for _, root := range a.roots {
			out.Entries = append(out.Entries, Entry{Name: root, Path: root, Dir: true})
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	dir, err := a.confine(p)
	if err != nil {
		writeJSON(w, confineStatus(err), ErrorBody{Error: err.Error()})
		return
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		writeError(w, fmt.Errorf("list %s: %w", dir, err))
		return
	}
	out.Path = dir
	isRoot := false
	for _, root := range a.roots {
		isRoot = isRoot || root == dir
	}
	if !isRoot {
		out.Parent = filepath.Dir(dir)
	}
	for _, e := range ents {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		full := filepath.Join(dir, name)
		// Follow links, but offer only what stays inside the roots.
		real, err := a.confine(full)
		if err != nil {
			continue
		}
		fi, err := os.Stat(real)
		if err != nil {
			continue
		}
		if fi.IsDir() {
			out.Entries = append(out.Entries, Entry{Name: name, Path: full, Dir: true})
		} else if sceneExt[strings.ToLower(filepath.Ext(name))] {
			out.Entries = append(out.Entries, Entry{Name: name, Path: full, Size: fi.Size()})
		}
		if len(out.Entries) >= maxListing {
			break
		}
	}
	sort.Slice(out.Entries, func(i, j int) bool {
		ei, ej := out.Entries[i], out.Entries[j]
		if ei.Dir != ej.Dir {
			return ei.Dir
		}
		return strings.ToLower(ei.Name) < strings.ToLower(ej.Name)
	})
	writeJSON(w, http.StatusOK, out)
}

package server

// Float pixels for the review viewer (web/hdr.js): the snapshot's image as
// the file stores it, layer by layer, read through imageio (every EXR part
// and layer, PNG/JPEG/TIFF decoded to linear, Radiance HDR), so that the
// browser shows linear values with its own exposure and display transform
// instead of the 8-bit preview.
//
//	GET /api/snapshots/{id}/layers                   PixelInfo (JSON)
//	GET /api/snapshots/{id}/pixels?layer=NAME&type=half|float
//	GET /api/snapshots/{id}/flip?ref=ID&layer=NAME&region=X0,Y0,X1,Y1   FlipResult (flip.go)
//
// The pixels are the layer's data window, rows from the top, the layer's
// channels interleaved in PixelInfo order, little-endian IEEE half floats
// (type=half, the default: half the bytes, and exact for files stored as
// half) or float32 (type=float: exact for any file). Headers repeat the
// shape: X-Rgallery-Width, -Height, -Channels (comma-separated), -Type,
// -Origin ("x,y" in the display window). Both answers carry an ETag made of
// the snapshot id and its image version, so a browser revalidates cheaply
// and a progressive render's new pass is fetched as soon as it exists.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/rgallery/rgallery/imageio"
)

// PixelInfo is the body of GET /api/snapshots/{id}/layers.
type PixelInfo struct {
	ID      int64  `json:"id"`
	Version int64  `json:"version"`
	Format  string `json:"format"`
	// Width and Height are the display window's size (an EXR's display
	// window of its first part; the pixel size otherwise).
	Width  int `json:"width"`
	Height int `json:"height"`
	// Transfer says how the file's values became linear ("linear", "sRGB").
	Transfer string `json:"transfer"`
	// Chromaticities are the EXR's red, green, blue and white points as
	// x, y pairs (8 numbers), when the file names them.
	Chromaticities []float64    `json:"chromaticities,omitempty"`
	Layers         []PixelLayer `json:"layers"`
	// Beauty is the index in Layers of the layer the preview shows.
	Beauty int `json:"beauty"`
}

// PixelLayer describes one layer: its full name (the value of ?layer=),
// channels, and data window inside the display window.
type PixelLayer struct {
	Name     string            `json:"name"`
	Channels []imageio.Channel `json:"channels"`
	X        int               `json:"x"`
	Y        int               `json:"y"`
	Width    int               `json:"width"`
	Height   int               `json:"height"`
}

// maxPixelFileBytes bounds the image files decoded for the viewer, as the
// gallery bounds the files it copies.
const maxPixelFileBytes = 1 << 30

// pixelCache keeps the last decoded images, so that switching layers,
// or the viewer asking for the description and then the pixels, decodes
// the file once. Entries are keyed by snapshot and image version: a new
// pass of a live render is a new key; older versions of the same
// snapshot are dropped when it arrives.
type pixelCache struct {
	mu      sync.Mutex
	entries []*pixelEntry // most recently used last
}

type pixelEntry struct {
	id, version int64
	path        string
	once        sync.Once
	im          *imageio.Image
	err         error
}

// pixelCacheLen is how many decoded images are kept: A and B of a compare
// and one more (a 4K float RGBA image is about 130 MB).
const pixelCacheLen = 3

func (c *pixelCache) get(id, version int64, path string) (*imageio.Image, error) {
	c.mu.Lock()
	var e *pixelEntry
	keep := c.entries[:0]
	for _, x := range c.entries {
		switch {
		case x.id == id && x.version == version && x.path == path:
			e = x
		case x.id == id:
			// an older pass of the same snapshot: never asked for again
		default:
			keep = append(keep, x)
		}
	}
	c.entries = keep
	if e == nil {
		e = &pixelEntry{id: id, version: version, path: path}
	}
	c.entries = append(c.entries, e)
	if len(c.entries) > pixelCacheLen {
		c.entries = append(c.entries[:0:0], c.entries[len(c.entries)-pixelCacheLen:]...)
	}
	c.mu.Unlock()
	e.once.Do(func() {
		e.im, _, e.err = imageio.Open(path, maxPixelFileBytes)
	})
	if e.err != nil {
		c.mu.Lock()
		for i, x := range c.entries {
			if x == e {
				c.entries = append(c.entries[:i], c.entries[i+1:]...)
				break
			}
		}
		c.mu.Unlock()
	}
	return e.im, e.err
}

// registerPixels adds the viewer's float data routes to mux.
func (a *API) registerPixels(mux *http.ServeMux) {
	c := &pixelCache{}
	mux.HandleFunc("GET /api/snapshots/{id}/layers", a.withID(func(w http.ResponseWriter, r *http.Request, id int64) {
		a.layers(w, r, id, c)
	}))
	mux.HandleFunc("GET /api/snapshots/{id}/pixels", a.withID(func(w http.ResponseWriter, r *http.Request, id int64) {
		a.pixels(w, r, id, c)
	}))
	mux.HandleFunc("GET /api/snapshots/{id}/flip", a.withID(func(w http.ResponseWriter, r *http.Request, id int64) {
		a.flip(w, r, id, c)
	}))
}

// imagePath finds a snapshot's image file: a live render's newest file (as
// the Manager reports it), else the gallery's copy. It answers the request
// itself when there is none and then returns ok false.
func (a *API) imagePath(w http.ResponseWriter, r *http.Request, id int64) (path string, version int64, ok bool) {
	s, found := a.snapshot(w, r, id)
	if !found {
		return "", 0, false
	}
	version = s.ImageVersion
	if p, v, live := a.m.LiveImage(id); live {
		path, version = p, v
	} else if s.Image != "" {
		real, err := a.galleryFile(s.Image)
		switch {
		case errors.Is(err, errOutside):
			writeJSON(w, http.StatusForbidden, ErrorBody{Error: fmt.Sprintf("snapshot %d: image %s: %v", id, s.Image, err)})
			return "", 0, false
		case err != nil:
			writeJSON(w, http.StatusGone, ErrorBody{Error: fmt.Sprintf("snapshot %d: image file %s is gone: %v", id, s.Image, unwrapPath(err))})
			return "", 0, false
		}
		path = real
	}
	if path == "" {
		writeJSON(w, http.StatusNotFound, ErrorBody{Error: fmt.Sprintf("snapshot %d has no image yet (state %s)", id, s.State)})
		return "", 0, false
	}
	return path, version, true
}

// decoded decodes an image file through the cache, answering the request
// itself when that fails.
func decoded(w http.ResponseWriter, c *pixelCache, id, version int64, path string) (*imageio.Image, bool) {
	im, err := c.get(id, version, path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		w.Header().Del("ETag")
		writeJSON(w, http.StatusGone, ErrorBody{Error: fmt.Sprintf("snapshot %d: image file %s is gone", id, path)})
		return nil, false
	case err != nil:
		w.Header().Del("ETag")
		writeJSON(w, http.StatusUnprocessableEntity, ErrorBody{Error: fmt.Sprintf("snapshot %d: read image %s: %v", id, path, err)})
		return nil, false
	}
	return im, true
}

// floatImage finds and decodes a snapshot's image with an ETag of its
// version, answering a request that has it with 304.
func (a *API) floatImage(w http.ResponseWriter, r *http.Request, id int64, c *pixelCache, etagKind string) (im *imageio.Image, version int64, ok bool) {
	path, version, ok := a.imagePath(w, r, id)
	if !ok {
		return nil, 0, false
	}
	etag := fmt.Sprintf(`"%d-%s-%d"`, id, etagKind, version)
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "no-cache")
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return nil, 0, false
	}
	im, ok = decoded(w, c, id, version, path)
	return im, version, ok
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func (a *API) layers(w http.ResponseWriter, r *http.Request, id int64, c *pixelCache) {
	im, version, ok := a.floatImage(w, r, id, c, "layers")
	if !ok {
		return
	}
	info := PixelInfo{ID: id, Version: version, Format: string(im.Format), Width: im.Width, Height: im.Height,
		Transfer: im.Transfer, Chromaticities: chromaticities(im), Layers: []PixelLayer{}}
	beauty := im.Beauty()
	for i := range im.Layers {
		l := &im.Layers[i]
		if l == beauty {
			info.Beauty = i
		}
		var chans []imageio.Channel
		for _, c := range channelOrder(l) {
			chans = append(chans, l.Channels[c])
		}
		info.Layers = append(info.Layers, PixelLayer{Name: l.FullName(), Channels: chans, X: l.X, Y: l.Y, Width: l.Width, Height: l.Height})
	}
	writeJSON(w, http.StatusOK, info)
}

// chromaticities reads the first part's chromaticities attribute (kept by
// imageio as text, "[rx ry gx gy bx by wx wy]"), or nil.
func chromaticities(im *imageio.Image) []float64 {
	for _, a := range im.Attributes {
		if a.Name != "chromaticities" {
			continue
		}
		f := strings.Fields(strings.Trim(a.Value, "[]"))
		if len(f) != 8 {
			return nil
		}
		out := make([]float64, 8)
		for i, s := range f {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil
			}
			out[i] = v
		}
		return out
	}
	return nil
}

func (a *API) pixels(w http.ResponseWriter, r *http.Request, id int64, c *pixelCache) {
	q := r.URL.Query()
	typ := q.Get("type")
	switch typ {
	case "":
		typ = "half"
	case "half", "float":
	default:
		writeError(w, fmt.Errorf("type %q: want half or float", typ))
		return
	}
	name, byName := q.Get("layer"), q.Has("layer")
	im, _, ok := a.floatImage(w, r, id, c, "pixels-"+typ+"-"+url64(name, byName))
	if !ok {
		return
	}
	l := im.Beauty()
	if byName {
		l = nil
		var names []string
		for i := range im.Layers {
			names = append(names, strconv.Quote(im.Layers[i].FullName()))
			if im.Layers[i].FullName() == name {
				l = &im.Layers[i]
				break
			}
		}
		if l == nil {
			w.Header().Del("ETag")
			writeJSON(w, http.StatusNotFound, ErrorBody{Error: fmt.Sprintf("snapshot %d: no layer %q (layers: %s)", id, name, strings.Join(names, ", "))})
			return
		}
	}
	order := channelOrder(l)
	var chans []string
	for _, c := range order {
		chans = append(chans, l.Channels[c].Name)
	}
	size := 4
	if typ == "half" {
		size = 2
	}
	n := len(order)
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Length", strconv.Itoa(len(l.Pix)*size))
	h.Set("X-Rgallery-Width", strconv.Itoa(l.Width))
	h.Set("X-Rgallery-Height", strconv.Itoa(l.Height))
	h.Set("X-Rgallery-Channels", strings.Join(chans, ","))
	h.Set("X-Rgallery-Type", typ)
	h.Set("X-Rgallery-Origin", fmt.Sprintf("%d,%d", l.X, l.Y))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	// Rows are encoded and written a few at a time: a 4K float layer is
	// not copied whole.
	rowVals := l.Width * n
	rows := max(1, (256<<10)/max(1, rowVals*size))
	buf := make([]byte, 0, rows*rowVals*size)
	for y0 := 0; y0 < l.Height; y0 += rows {
		buf = buf[:0]
		for i := y0 * rowVals; i < min(y0+rows, l.Height)*rowVals; i += n {
			for _, c := range order {
				if typ == "half" {
					buf = binary.LittleEndian.AppendUint16(buf, halfBits(l.Pix[i+c]))
				} else {
					buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(l.Pix[i+c]))
				}
			}
		}
		if _, err := w.Write(buf); err != nil {
			return // the viewer went away
		}
	}
}

// channelOrder is the order the viewer gets a layer's channels in: R, G,
// B, A first (EXR files store channels sorted by name: A, B, G, R), then
// the others as stored. It returns indices into l.Channels.
func channelOrder(l *imageio.Layer) []int {
	var out []int
	for _, name := range []string{"R", "G", "B", "A"} {
		for i, c := range l.Channels {
			if c.Name == name {
				out = append(out, i)
			}
		}
	}
	for i, c := range l.Channels {
		switch c.Name {
		case "R", "G", "B", "A":
		default:
			out = append(out, i)
		}
	}
	return out
}

// url64 makes a layer name safe inside an ETag (quotes and non-ASCII
// would break its syntax): hex of the bytes, or "-" for the default layer.
func url64(name string, byName bool) string {
	if !byName {
		return "-"
	}
	return fmt.Sprintf("l%x", name)
}

// halfBits rounds a float32 to the nearest IEEE 754 half (ties to even),
// with overflow to infinity, gradual underflow, and NaN kept a NaN.
func halfBits(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23) & 0xff
	man := b & 0x7fffff
	switch {
	case exp == 0xff:
		if man != 0 {
			return sign | 0x7e00 // NaN
		}
		return sign | 0x7c00
	case exp > 127+15:
		return sign | 0x7c00 // too large: infinity
	case exp >= 127-14:
		// normal half: 10 bits of mantissa, round to nearest even
		e := uint32(exp - 127 + 15)
		v := e<<10 | man>>13
		rest := man & 0x1fff
		if rest > 0x1000 || rest == 0x1000 && v&1 == 1 {
			v++ // may carry into the exponent, up to infinity: correct
		}
		return sign | uint16(v)
	case exp >= 127-25:
		// subnormal half: value = m × 2^-24
		m := man | 0x800000
		shift := uint(126 - exp)
		v := m >> shift
		rest := m & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rest > half || rest == half && v&1 == 1 {
			v++
		}
		return sign | uint16(v)
	}
	return sign
}

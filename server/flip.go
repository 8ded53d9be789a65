package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rgallery/rgallery/imageio"
	"github.com/rgallery/rgallery/imageio/flip"
)

// FlipResult is the body of GET /api/snapshots/{id}/flip: HDR-FLIP of the
// snapshot (test) against ?ref= (reference), one layer of each, over the
// whole display window or ?region=x0,y0,x1,y1 (pixels, end exclusive).
type FlipResult struct {
	flip.Result
	Test      int64  `json:"test"`
	Reference int64  `json:"reference"`
	Layer     string `json:"layer"`
	Region    [4]int `json:"region"`
	Millis    int64  `json:"ms"`
}

// maxFlipPixels bounds the display window FLIP is computed over.
const maxFlipPixels = 1 << 26

func (a *API) flip(w http.ResponseWriter, r *http.Request, id int64, c *pixelCache) {
	q := r.URL.Query()
	refID, err := strconv.ParseInt(q.Get("ref"), 10, 64)
	if err != nil || refID <= 0 {
		writeError(w, fmt.Errorf("ref %q: want the id of the reference snapshot", q.Get("ref")))
		return
	}
	name, byName := q.Get("layer"), q.Has("layer")
	var rgb [2]flip.Image
	for i, sid := range []int64{id, refID} {
		path, version, ok := a.imagePath(w, r, sid)
		if !ok {
			return
		}
		im, ok := decoded(w, c, sid, version, path)
		if !ok {
			return
		}
		l := im.Beauty()
		if byName {
			l = nil
			for k := range im.Layers {
				if im.Layers[k].FullName() == name {
					l = &im.Layers[k]
				}
			}
			if l == nil {
				writeJSON(w, http.StatusNotFound, ErrorBody{Error: fmt.Sprintf("snapshot %d: no layer %q", sid, name)})
				return
			}
		}
		if int64(im.Width)*int64(im.Height) > maxFlipPixels {
			writeError(w, fmt.Errorf("snapshot %d: %dx%d is too large for FLIP (at most %d pixels)", sid, im.Width, im.Height, maxFlipPixels))
			return
		}
		rgb[i], err = displayRGB(im, l)
		if err != nil {
			writeError(w, fmt.Errorf("snapshot %d: %w", sid, err))
			return
		}
	}
	if rgb[0].W != rgb[1].W || rgb[0].H != rgb[1].H {
		writeError(w, fmt.Errorf("snapshot %d is %dx%d, reference %d is %dx%d: FLIP compares images of one size", id, rgb[0].W, rgb[0].H, refID, rgb[1].W, rgb[1].H))
		return
	}
	reg := [4]int{0, 0, rgb[0].W, rgb[0].H}
	if s := q.Get("region"); s != "" {
		f := strings.Split(s, ",")
		ok := len(f) == 4
		for i := 0; ok && i < 4; i++ {
			reg[i], err = strconv.Atoi(f[i])
			ok = err == nil
		}
		if !ok || reg[0] < 0 || reg[1] < 0 || reg[2] > rgb[0].W || reg[3] > rgb[0].H || reg[2] <= reg[0] || reg[3] <= reg[1] {
			writeError(w, fmt.Errorf("region %q: want x0,y0,x1,y1 inside %dx%d with x0 < x1, y0 < y1", s, rgb[0].W, rgb[0].H))
			return
		}
	}
	t0 := time.Now()
	res, err := flip.HDR(r.Context(), rgb[1], rgb[0], 0, reg[0], reg[1], reg[2], reg[3])
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, FlipResult{Result: res, Test: id, Reference: refID, Layer: name, Region: reg, Millis: time.Since(t0).Milliseconds()})
}

// displayRGB places a layer's R, G, B in its image's display window
// (black outside the data window).
func displayRGB(im *imageio.Image, l *imageio.Layer) (flip.Image, error) {
	idx := [3]int{-1, -1, -1}
	for i, ch := range l.Channels {
		for k, n := range []string{"R", "G", "B"} {
			if ch.Name == n {
				idx[k] = i
			}
		}
	}
	if idx[0] < 0 || idx[1] < 0 || idx[2] < 0 {
		return flip.Image{}, fmt.Errorf("layer %q has no R, G and B for FLIP", l.FullName())
	}
	out := flip.Image{W: im.Width, H: im.Height, Pix: make([]float32, 3*im.Width*im.Height)}
	n := len(l.Channels)
	for y := 0; y < l.Height; y++ {
		dy := y + l.Y
		if dy < 0 || dy >= im.Height {
			continue
		}
		for x := 0; x < l.Width; x++ {
			dx := x + l.X
			if dx < 0 || dx >= im.Width {
				continue
			}
			src := l.Pix[(y*l.Width+x)*n:]
			dst := out.Pix[3*(dy*im.Width+dx):]
			dst[0], dst[1], dst[2] = src[idx[0]], src[idx[1]], src[idx[2]]
		}
	}
	return out, nil
}

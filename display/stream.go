package display

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/imageio/exr"
)

// stream is one image a client created: its float framebuffer and what the
// renderer of its snapshot has to write.
type stream struct {
	srv        *Server
	token      string
	name       string
	client     string
	w, h       int
	channels   []string
	index      map[string]int // channel name -> plane; the first of duplicates
	rgb        [3]int         // planes of R, G, B in the image file; -1 none
	stored     []int          // planes the final image file keeps
	notStored  []string       // channel names it cannot keep
	dir        string
	descriptor string // the "scene" of the snapshot: what the stream is
	openPath   string // an OpenImage: the file; the fields below are unused
	selector   string // its channel selector

	mu        sync.Mutex
	pix       []float32 // planar: channel c at c*w*h
	covered   []uint64  // bit per pixel: some tile set it
	nCovered  int
	dirty     bool
	ended     bool
	endReason string
	id        int64
	counts    map[string]int64 // metadata counters (tiles, dropped values)
	countsNew bool
	vg        []VgCommand // vector graphics as tev would draw them now
}

// maxVgCommands bounds the vector graphics kept per image; later
// commands are counted (tevVectorGraphicsDropped), not kept.
const maxVgCommands = 1 << 14

func (s *Server) newStream(client string, p *CreateImage) (*stream, error) {
	s.mu.Lock()
	s.seq++
	token := "stream-" + strconv.Itoa(s.seq)
	s.mu.Unlock()
	st := &stream{
		srv: s, token: token, name: p.Name, client: client,
		w: int(p.Width), h: int(p.Height), channels: slices.Clone(p.Channels),
		index: map[string]int{}, rgb: [3]int{-1, -1, -1},
		dirty: true, counts: map[string]int64{},
	}
	for i, c := range st.channels {
		if _, dup := st.index[c]; !dup {
			st.index[c] = i
		}
	}
	for k, c := range []string{"R", "G", "B"} {
		if i, ok := st.index[c]; ok {
			st.rgb[k] = i
		}
	}
	if st.rgb == [3]int{-1, -1, -1} {
		st.rgb = [3]int{0, 0, 0} // gray from the first channel
	}
	for i, c := range st.channels {
		// OpenEXR channel names are unique, non-empty, at most 255 bytes.
		if st.index[c] == i && c != "" && len(c) <= 255 {
			st.stored = append(st.stored, i)
		} else {
			st.notStored = append(st.notStored, c)
		}
	}
	n := st.w * st.h
	st.pix = make([]float32, n*len(st.channels))
	st.covered = make([]uint64, (n+63)/64)
	st.dir = filepath.Join(s.dir, token)
	if err := os.MkdirAll(st.dir, 0o755); err != nil {
		return nil, err
	}
	desc, _ := json.MarshalIndent(map[string]any{
		"protocol": "tev", "image": p.Name, "client": client, "width": st.w, "height": st.h,
		"channels": st.channels, "created": time.Now().UTC().Format(time.RFC3339),
	}, "", "  ")
	st.descriptor = filepath.Join(st.dir, "stream.json")
	if err := os.WriteFile(st.descriptor, append(desc, '\n'), 0o644); err != nil {
		return nil, err
	}
	return st, nil
}

func (st *stream) count(key string, n int64) {
	st.mu.Lock()
	st.counts[key] += n
	st.countsNew = true
	st.mu.Unlock()
}

// update applies one tile. As in tev (Channel::updateTile), a tile that
// does not fit inside the image is dropped whole, and so are channels the
// image does not have; both are counted.
func (st *stream) update(u *UpdateImage) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.ended {
		return
	}
	st.countsNew = true
	st.counts["tevTiles"]++
	tw, th := int64(u.Width), int64(u.Height)
	x0, y0 := int64(u.X), int64(u.Y)
	n := u.Pixels()
	if x0 < 0 || y0 < 0 || x0+tw > int64(st.w) || y0+th > int64(st.h) {
		st.counts["tevTilesOutsideImage"]++
		st.counts["tevValuesDropped"] += int64(n) * int64(len(u.Channels))
		return
	}
	plane := st.w * st.h
	applied := false
	for c, name := range u.Channels {
		ci, ok := st.index[name]
		if !ok {
			st.counts["tevValuesOfUnknownChannels"] += int64(n)
			st.counts["tevValuesDropped"] += int64(n)
			continue
		}
		applied = true
		dst := st.pix[ci*plane:]
		for y := 0; y < int(th); y++ {
			row := (int(y0)+y)*st.w + int(x0)
			for x := 0; x < int(tw); x++ {
				dst[row+x] = u.At(c, y*int(tw)+x)
			}
		}
	}
	if !applied {
		return
	}
	for y := 0; y < int(th); y++ {
		for x := 0; x < int(tw); x++ {
			p := (int(y0)+y)*st.w + int(x0) + x
			if st.covered[p/64]&(1<<(p%64)) == 0 {
				st.covered[p/64] |= 1 << (p % 64)
				st.nCovered++
			}
		}
	}
	st.dirty = true
}

// vectorGraphics keeps a VectorGraphics packet's commands as tev holds
// them (replacing the image's earlier ones unless the packet appends), to
// be stored with the final image: rgallery does not draw them.
func (st *stream) vectorGraphics(p *VectorGraphics) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.ended {
		return
	}
	if !p.Append {
		st.vg = st.vg[:0]
	}
	take := min(len(p.Commands), maxVgCommands-len(st.vg))
	st.vg = append(st.vg, p.Commands[:take]...)
	st.counts["tevVectorGraphicsNotDrawn"] += int64(len(p.Commands))
	if take < len(p.Commands) {
		st.counts["tevVectorGraphicsDropped"] += int64(len(p.Commands) - take)
	}
	st.countsNew = true
}

// vgJSON is the image's vector graphics as the final image's
// tevVectorGraphics attribute: a JSON list of [type, [floats...]] or, for
// Text and FontFace, [type, [floats...], text]; "" when there are none.
func (st *stream) vgJSON() string {
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.vg) == 0 {
		return ""
	}
	out := make([][]any, len(st.vg))
	for i, c := range st.vg {
		data := make([]any, len(c.Data))
		for k, v := range c.Data {
			data[k] = jsonFloat(v)
		}
		out[i] = []any{c.Type, data}
		if c.Type == VgText || c.Type == VgFontFace {
			out[i] = append(out[i], c.Text)
		}
	}
	b, _ := json.Marshal(out)
	return string(b)
}

// jsonFloat keeps NaN and infinities (which JSON cannot hold) as strings.
func jsonFloat(v float32) any {
	f := float64(v)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.FormatFloat(f, 'g', -1, 32)
	}
	return f
}

// end marks the stream over; its renderer writes the last image at its
// next poll and reports the render finished.
func (st *stream) end(reason string) {
	st.mu.Lock()
	if !st.ended {
		st.ended, st.endReason = true, reason
	}
	st.mu.Unlock()
	st.srv.forget(st)
}

// frame returns the image file's RGB values if they changed since the last
// call, with the metadata to report.
func (st *stream) frame() (rgb []float32, md map[string]any, ended bool, reason string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.dirty {
		rgb = st.rgbLocked()
		st.dirty = false
	}
	if st.countsNew || rgb != nil {
		md = map[string]any{}
		for k, v := range st.counts {
			md[k] = v
		}
		md[bgrender.KeyPercentDone] = 100 * float64(st.nCovered) / float64(st.w*st.h)
		st.countsNew = false
	}
	return rgb, md, st.ended, st.endReason
}

// planes returns a copy of the planes the final image keeps, with their
// names; called once the stream has ended, when nothing changes them.
func (st *stream) planes() (names []string, planes [][]float32) {
	st.mu.Lock()
	defer st.mu.Unlock()
	n := st.w * st.h
	for _, i := range st.stored {
		names = append(names, st.channels[i])
		planes = append(planes, slices.Clone(st.pix[i*n:(i+1)*n]))
	}
	return names, planes
}

// rgbNow returns the image file's RGB values.
func (st *stream) rgbNow() []float32 {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.rgbLocked()
}

func (st *stream) rgbLocked() []float32 {
	plane := st.w * st.h
	rgb := make([]float32, 3*plane)
	for k, ci := range st.rgb {
		if ci < 0 {
			continue // the image has no such channel: 0
		}
		for p, v := range st.pix[ci*plane : (ci+1)*plane] {
			rgb[3*p+k] = v
		}
	}
	return rgb
}

// streamRenderer is the bgrender.Renderer of one stream's snapshot.
type streamRenderer struct {
	bgrender.Base
	srv       *Server
	host      bgrender.Host
	st        *stream
	started   time.Time
	final     bool          // the final image, with every channel, is written
	lastWrite time.Duration // how long the last image write took
}

func (s *Server) newRenderer(h bgrender.Host) (bgrender.Renderer, error) {
	return &streamRenderer{srv: s, host: h}, nil
}

// PollFrequency is the server's PollInterval, or three times the last
// image write when that took longer (a large image streaming in would
// otherwise keep a core busy writing EXRs), at most five seconds.
func (r *streamRenderer) PollFrequency() time.Duration {
	return max(r.srv.PollInterval, min(3*r.lastWrite, 5*time.Second))
}

// StartBackgroundRender takes the stream the server is starting. A tev
// render cannot be started from the gallery (nor re-rendered): its images
// come from a client.
func (r *streamRenderer) StartBackgroundRender(_ context.Context, _ string, opts bgrender.Options) error {
	token, _ := opts.Plugin["stream"].(string)
	r.srv.mu.Lock()
	st := r.srv.pending[token]
	delete(r.srv.pending, token)
	r.srv.mu.Unlock()
	if st == nil {
		return fmt.Errorf("no tev stream %q is waiting: tev renders start when a client creates an image on the display-server port (rgallery display, or serve --display-server)", token)
	}
	r.st, r.started = st, time.Now()
	if st.openPath != "" {
		return r.startOpen()
	}
	ch := slices.Clone(st.channels)
	md := map[string]any{"tevClient": st.client, "tevImage": st.name, "tevChannels": ch}
	if len(st.notStored) > 0 {
		md["tevChannelsNotStored"] = slices.Clone(st.notStored)
	}
	r.host.UpdateMetadata(md)
	fmt.Fprintf(r.host.Log(), "tev image %q from %s: %dx%d, channels %v\n", st.name, st.client, st.w, st.h, ch)
	return nil
}

// IsRenderFinished writes the image when it changed; the render is
// finished once the stream has ended and its last image is written.
func (r *streamRenderer) IsRenderFinished(context.Context) (bool, error) {
	if r.st.openPath != "" {
		return true, nil // the image was set at the start
	}
	rgb, md, ended, reason := r.st.frame()
	switch {
	case ended && !r.final:
		if rgb == nil { // unchanged since the last write, but that one was RGB only
			rgb = r.st.rgbNow()
		}
		if err := r.write(rgb, true); err != nil {
			return false, err
		}
		r.final = true
	case rgb != nil && !r.final:
		if err := r.write(rgb, false); err != nil {
			return false, err
		}
	}
	if md != nil {
		md[bgrender.KeyTotalClockTime] = time.Since(r.started).Seconds()
		r.host.UpdateMetadata(md)
	}
	if ended {
		fmt.Fprintf(r.host.Log(), "tev image %q ended: %s\n", r.st.name, reason)
		r.host.UpdateMetadata(map[string]any{"tevEnd": reason})
	}
	return ended, nil
}

// write writes the image and its PNG preview. Progressive images are RGB,
// ZIP compressed (small and quick to write at every poll); the final one
// keeps every channel the stream had, uncompressed FLOAT (exr.WriteFile).
func (r *streamRenderer) write(rgb []float32, final bool) error {
	st := r.st
	start := time.Now()
	defer func() { r.lastWrite = time.Since(start) }()
	base := filepath.Join(st.dir, "image")
	// The preview first: the gallery reads the EXR, then the PNG beside it.
	if err := exr.WriteFileAtomic(base+".png", func(w io.Writer) error {
		return encodePreview(w, st.w, st.h, rgb)
	}); err != nil {
		return err
	}
	attrs := map[string]string{"software": "rgallery display server (tev protocol)", "tevImage": st.name, "tevClient": st.client}
	var err error
	if final {
		if vg := st.vgJSON(); vg != "" {
			attrs["tevVectorGraphics"] = vg
		}
		err = exr.WriteFileAtomic(base+".exr", func(w io.Writer) error { return exr.WriteFile(w, st.file(attrs)) })
	} else {
		err = exr.WriteFileRGB(base+".exr", st.w, st.h, rgb, attrs)
	}
	if err != nil {
		return err
	}
	r.host.UpdateImagePath(base + ".exr")
	return nil
}

// file is the final image as an OpenEXR file: one part, every stored
// channel as FLOAT.
func (st *stream) file(attrs map[string]string) *exr.File {
	box := exr.Box2i{XMax: st.w - 1, YMax: st.h - 1}
	p := &exr.Part{DataWindow: box, DisplayWindow: box}
	names, planes := st.planes()
	for i, name := range names {
		p.Channels = append(p.Channels, &exr.Channel{Name: name, Type: exr.Float, XSampling: 1, YSampling: 1,
			Width: st.w, Height: st.h, Float: planes[i]})
	}
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		p.Attributes = append(p.Attributes, exr.Attribute{Name: k, Type: "string", Raw: []byte(attrs[k])})
	}
	return &exr.File{Parts: []*exr.Part{p}}
}

// StopBackgroundRender ends the stream (the user stopped it in the
// gallery) and writes its last image.
func (r *streamRenderer) StopBackgroundRender(ctx context.Context) error {
	if r.st.openPath != "" {
		return nil
	}
	r.st.end("stopped in the gallery")
	_, err := r.IsRenderFinished(ctx)
	return err
}

// Close forgets the stream and removes its files; the gallery has copied
// the last image.
func (r *streamRenderer) Close() error {
	if r.st == nil {
		return nil
	}
	st := r.st
	st.end("the render ended")
	// Server.Streams keeps the stream's description, not its pixels.
	st.mu.Lock()
	st.pix, st.covered = nil, nil
	st.mu.Unlock()
	r.srv.mu.Lock()
	delete(r.srv.rendering, st)
	r.srv.mu.Unlock()
	return os.RemoveAll(st.dir)
}

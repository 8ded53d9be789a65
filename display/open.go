package display

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	_ "image/jpeg" // OpenImage of a JPEG
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/imageio"
	"github.com/rgallery/rgallery/imageio/exr"
)

// maxOpenBytes bounds a file OpenImage reads: the gallery's own image limit.
const maxOpenBytes = 1 << 30

// open makes a finished snapshot of an image file on this machine, as
// tev's OpenImage opens it in the viewer. The file is read when its render
// starts; one that is missing or unreadable gives a failed snapshot with
// the reason. tev's channel selector picks the channels of the file (of a
// PNG or JPEG too: the snapshot is then an OpenEXR file of those channels).
func (s *Server) open(c *conn, path, selector string, log *slog.Logger) {
	abs, err := filepath.Abs(path)
	if err != nil {
		c.ignore("openImageBadPath")
		log.Warn("tev OpenImage: bad path", "path", path, "err", err)
		return
	}
	s.mu.Lock()
	s.seq++
	token := "open-" + strconv.Itoa(s.seq)
	s.mu.Unlock()
	st := &stream{srv: s, token: token, name: path, client: c.client, openPath: abs, selector: selector,
		dir: filepath.Join(s.dir, token), counts: map[string]int64{}}
	if err := os.MkdirAll(st.dir, 0o755); err != nil {
		log.Warn("tev OpenImage", "path", path, "err", err)
		return
	}
	desc, _ := json.MarshalIndent(map[string]any{
		"protocol": "tev", "openImage": abs, "channelSelector": selector, "client": c.client,
		"created": time.Now().UTC().Format(time.RFC3339),
	}, "", "  ")
	st.descriptor = filepath.Join(st.dir, "open.json")
	if err := os.WriteFile(st.descriptor, append(desc, '\n'), 0o644); err != nil {
		log.Warn("tev OpenImage", "path", path, "err", err)
		os.RemoveAll(st.dir)
		return
	}
	s.mu.Lock()
	s.pending[token] = st
	s.rendering[st] = true
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(s.base, time.Minute)
	snap, err := s.m.Start(ctx, bgrender.Request{Renderer: Label, Scene: st.descriptor, Label: path,
		Options: map[string]any{"stream": token}})
	cancel()
	s.mu.Lock()
	delete(s.pending, token)
	s.opened[path] = selector
	if err != nil {
		delete(s.rendering, st)
	}
	s.mu.Unlock()
	if err != nil {
		// A file that cannot be read fails its snapshot, which says why.
		log.Warn("tev OpenImage", "path", path, "err", err)
		os.RemoveAll(st.dir)
		if snap.ID == 0 {
			return
		}
	}
	st.mu.Lock()
	st.id, st.ended, st.endReason = snap.ID, true, "opened from a file"
	st.mu.Unlock()
	s.mu.Lock()
	s.remember(st)
	s.mu.Unlock()
	log.Info("tev image opened", "path", path, "snapshot", snap.ID)
}

// startOpen reads the opened file and hands a copy to the gallery, with a
// PNG preview beside an OpenEXR file.
func (r *streamRenderer) startOpen() error {
	st := r.st
	// Only regular files: a FIFO or device would block or never end.
	fi, err := os.Stat(st.openPath)
	if err != nil {
		return fmt.Errorf("tev OpenImage: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("tev OpenImage %s: not a regular file", st.openPath)
	}
	if fi.Size() > maxOpenBytes {
		return fmt.Errorf("tev OpenImage %s: %d bytes, larger than %d", st.openPath, fi.Size(), maxOpenBytes)
	}
	f, err := os.Open(st.openPath)
	if err != nil {
		return fmt.Errorf("tev OpenImage: %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxOpenBytes+1))
	f.Close()
	if err != nil {
		return fmt.Errorf("tev OpenImage %s: %w", st.openPath, err)
	}
	if len(data) > maxOpenBytes {
		return fmt.Errorf("tev OpenImage %s: larger than %d bytes", st.openPath, maxOpenBytes)
	}
	md := map[string]any{"tevClient": st.client, "tevOpenImage": st.openPath}
	var dst string
	if bytes.HasPrefix(data, []byte{0x76, 0x2f, 0x31, 0x01}) {
		if st.selector != "" {
			if data, err = selectChannels(data, st.selector); err != nil {
				return fmt.Errorf("tev OpenImage %s: %w", st.openPath, err)
			}
			md["tevChannelSelector"] = st.selector
		}
		im, err := exr.Decode(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("tev OpenImage %s: %w", st.openPath, err)
		}
		dst = filepath.Join(st.dir, "image.exr")
		if err := exr.WriteFileAtomic(filepath.Join(st.dir, "image.png"), func(w io.Writer) error {
			return encodePreview(w, im.Width, im.Height, previewRGB(im))
		}); err != nil {
			return err
		}
		md["tevChannels"] = im.Channels
	} else {
		_, format, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("tev OpenImage %s: not an image rgallery reads (OpenEXR, PNG, JPEG): %w", st.openPath, err)
		}
		dst = filepath.Join(st.dir, "image."+format)
		if st.selector != "" {
			// tev selects among a PNG's or JPEG's channels too (R, G, B,
			// A, values decoded from sRGB): the snapshot is then an
			// OpenEXR file of the channels kept.
			if data, err = selectStdChannels(data, st.selector, filepath.Join(st.dir, "image.png")); err != nil {
				return fmt.Errorf("tev OpenImage %s: %w", st.openPath, err)
			}
			md["tevChannelSelector"] = st.selector
			dst = filepath.Join(st.dir, "image.exr")
		}
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		return err
	}
	r.host.UpdateMetadata(md)
	r.host.UpdateImagePath(dst)
	fmt.Fprintf(r.host.Log(), "tev OpenImage %s (channel selector %q)\n", st.openPath, st.selector)
	return nil
}

// selectChannels keeps the channels of an OpenEXR file that tev's channel
// selector matches (as tev's ExrImageLoader: the part name, if any, joined
// to the channel name with a dot) and writes them as a new file; parts left
// without channels are dropped. No match is an error, as in tev.
func selectChannels(data []byte, selector string) ([]byte, error) {
	f, err := exr.Parse(data, exr.Options{})
	if err != nil {
		return nil, err
	}
	var parts []*exr.Part
	for _, p := range f.Parts {
		var keep []*exr.Channel
		for _, c := range p.Channels {
			name := c.Name
			if p.Name != "" {
				name = p.Name + "." + c.Name
			}
			if matchesFuzzy(name, selector) {
				keep = append(keep, c)
			}
		}
		if len(keep) > 0 {
			p.Channels = keep
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("no channels match %q", selector)
	}
	f.Parts = parts
	var b bytes.Buffer
	if err := exr.WriteFile(&b, f); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// selectStdChannels decodes a PNG or JPEG (imageio: sRGB decoded to
// linear, alpha straight, as tev's stb loader gives them), keeps the
// channels the selector matches and returns them as an OpenEXR file
// (FLOAT, ZIP), writing its preview to previewPath. No match is an error,
// as in tev.
func selectStdChannels(data []byte, selector, previewPath string) ([]byte, error) {
	im, err := imageio.Decode(data)
	if err != nil {
		return nil, err
	}
	l := im.Beauty()
	n := len(l.Channels)
	out := exr.OutLayer{Type: exr.Float}
	var idx []int
	for i, c := range l.Channels {
		if matchesFuzzy(c.Name, selector) {
			out.Channels = append(out.Channels, c.Name)
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return nil, fmt.Errorf("no channels match %q", selector)
	}
	out.Pix = make([]float32, 0, len(idx)*l.Width*l.Height)
	for p := 0; p < l.Width*l.Height; p++ {
		for _, i := range idx {
			out.Pix = append(out.Pix, l.Pix[p*n+i])
		}
	}
	var b bytes.Buffer
	if err := exr.WriteLayers(&b, l.Width, l.Height, []exr.OutLayer{out}, exr.LayerOptions{}); err != nil {
		return nil, err
	}
	pv, err := exr.Decode(bytes.NewReader(b.Bytes()))
	if err != nil {
		return nil, err
	}
	if err := exr.WriteFileAtomic(previewPath, func(w io.Writer) error {
		return encodePreview(w, pv.Width, pv.Height, previewRGB(pv))
	}); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// matchesFuzzy is tev's channel selector rule (matchesFuzzy in tev's
// src/Common.cpp): a filter starting with ^ or ending with $ is a
// case-insensitive regular expression searched in the name; otherwise it
// is split at commas and spaces into words, any of which must occur in the
// name, case-insensitively only when every byte of the filter is a
// lowercase ASCII letter ("smart case").
func matchesFuzzy(text, filter string) bool {
	if filter == "" {
		return true
	}
	if filter[0] == '^' || filter[len(filter)-1] == '$' {
		re, err := regexp.Compile("(?i)" + filter)
		return err == nil && re.MatchString(text)
	}
	lower := true
	for i := 0; i < len(filter); i++ {
		if filter[i] < 'a' || filter[i] > 'z' {
			lower = false
		}
	}
	if lower {
		text = strings.Map(func(r rune) rune {
			if r >= 'A' && r <= 'Z' {
				return r + 'a' - 'A'
			}
			return r
		}, text)
	}
	words := strings.FieldsFunc(filter, func(r rune) bool { return r == ',' || r == ' ' })
	if len(words) == 0 {
		return true
	}
	for _, w := range words {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}

// previewRGB is what a preview shows of an image: R, G, B, or the first
// channel as gray when it has none of them.
func previewRGB(im *exr.Image) []float32 {
	for _, c := range im.Channels {
		if c == "R" || c == "G" || c == "B" {
			return im.RGB()
		}
	}
	rgb := make([]float32, 3*im.Width*im.Height)
	if n := len(im.Channels); n > 0 {
		for p := range im.Width * im.Height {
			v := im.Pix[p*n]
			rgb[3*p], rgb[3*p+1], rgb[3*p+2] = v, v, v
		}
	}
	return rgb
}

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
	"strconv"
	"time"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/imageio/exr"
)

// maxOpenBytes bounds a file OpenImage reads: the gallery's own image limit.
const maxOpenBytes = 1 << 30

// open makes a finished snapshot of an image file on this machine, as
// tev's OpenImage opens it in the viewer. The file is read when its render
// starts; one that is missing or unreadable gives a failed snapshot with
// the reason. tev's channel selector is recorded, not applied: the
// snapshot keeps every channel.
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
	var dst string
	if bytes.HasPrefix(data, []byte{0x76, 0x2f, 0x31, 0x01}) {
		im, err := exr.Decode(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("tev OpenImage %s: %w", st.openPath, err)
		}
		dst = filepath.Join(st.dir, "image.exr")
		if err := exr.WriteFileAtomic(filepath.Join(st.dir, "image.png"), func(w io.Writer) error {
			return encodePreview(w, im.Width, im.Height, im.RGB())
		}); err != nil {
			return err
		}
		r.host.UpdateMetadata(map[string]any{"tevChannels": im.Channels})
	} else {
		_, format, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("tev OpenImage %s: not an image rgallery reads (OpenEXR, PNG, JPEG): %w", st.openPath, err)
		}
		dst = filepath.Join(st.dir, "image."+format)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		return err
	}
	md := map[string]any{"tevClient": st.client, "tevOpenImage": st.openPath}
	if st.selector != "" {
		md["tevChannelSelectorNotApplied"] = st.selector
	}
	r.host.UpdateMetadata(md)
	r.host.UpdateImagePath(dst)
	fmt.Fprintf(r.host.Log(), "tev OpenImage %s (channel selector %q)\n", st.openPath, st.selector)
	return nil
}

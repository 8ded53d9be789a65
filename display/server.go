package display

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/rgallery/rgallery/bgrender"
)

// Label is the renderer label of display-server streams in the gallery.
const Label = "tev"

// DefaultAddr is tev's own default address: loopback, port 14158.
const DefaultAddr = "127.0.0.1:14158"

// Server is a tev display server whose images become live snapshots.
//
// What happens to each packet:
//
//   - CreateImage starts a render of renderer Label through the Manager
//     (Manager.Start, a snapshot labelled with the image name); a second
//     CreateImage of a live name ends the first stream and starts anew, as
//     tev replaces the image.
//   - UpdateImage tiles go into the stream's float framebuffer. At each
//     poll the renderer writes the progressive image (float EXR, with a PNG
//     preview beside it) and calls Host.UpdateImagePath, as any renderer
//     does. A tile that does not fit the image is dropped whole and a
//     channel the image lacks is dropped, as in tev; both are counted in
//     the snapshot's metadata, never silent.
//   - CloseImage, the client's disconnecting, a malformed or oversized
//     packet (which also closes that connection, with the reason logged),
//     and Close end the stream: the render finishes with the last image.
//   - Stopping the snapshot in the gallery ends the stream too; later
//     updates of that name are ignored, as tev ignores updates of an image
//     the user closed.
//   - OpenImage of an image file on this machine (OpenEXR, PNG, JPEG) makes
//     a finished snapshot of it (a failed one, with the reason, when the
//     file cannot be read). tev's channel selector picks the channels of
//     the file (a PNG's or JPEG's too, kept then as an OpenEXR file). ReloadImage
//     of an image opened so makes a new snapshot of the file as it is now.
//   - Packets naming an image that is not live (and ReloadImage of a name
//     never opened) are counted per connection and logged when it ends.
//   - VectorGraphics are not drawn: each image keeps its commands as tev
//     would hold them (a packet replaces the earlier ones unless it
//     appends; at most 16384, the rest counted as tevVectorGraphicsDropped)
//     and the final image file stores them as a JSON string attribute,
//     tevVectorGraphics; the metadata counts them (tevVectorGraphicsNotDrawn)
//     and the connection's log line says so.
//
// Image names are global, as in tev: any connection may update a live
// image. Progressive images hold R, G and B (or the first channel as gray
// when the image has none of them), ZIP compressed; the final image keeps
// every channel, uncompressed FLOAT, except those OpenEXR cannot name
// (empty, duplicate or over 255 bytes), which the metadata key
// tevChannelsNotStored lists.
type Server struct {
	// MaxPacket bounds one packet (DefaultMaxPacket unless set).
	MaxPacket int
	// MaxImageValues bounds width*height*channels of one image, so that a
	// CreateImage cannot make the server allocate without bound. The
	// default, 2^27 (8192x4096 RGBA), keeps the final uncompressed image
	// under the gallery's 1 GiB image limit.
	MaxImageValues int64
	// PollInterval is how often a live stream writes its image when it
	// changed.
	PollInterval time.Duration

	m      *bgrender.Manager
	log    *slog.Logger
	dir    string
	ownDir bool
	base   context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	lns     map[net.Listener]struct{}
	conns   map[net.Conn]struct{}
	live    map[string]*stream // by image name
	pending map[string]*stream // by token, until its renderer takes it
	opened  map[string]string  // paths OpenImage opened -> channel selector
	// rendering holds the streams whose renderer has not been closed yet:
	// Close waits for their renders.
	rendering map[*stream]bool
	started   []*stream
	seq       int
	closed    bool
	wg        sync.WaitGroup
}

// New returns a server whose streams run through m, and registers the
// renderer Label with m. Stream images are written under dir; with dir ""
// the server makes a temporary one and removes it on Close.
func New(m *bgrender.Manager, dir string, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{
		MaxPacket: DefaultMaxPacket, MaxImageValues: 1 << 27, PollInterval: 250 * time.Millisecond,
		m: m, log: log, dir: dir,
		lns: map[net.Listener]struct{}{}, conns: map[net.Conn]struct{}{},
		live: map[string]*stream{}, pending: map[string]*stream{}, opened: map[string]string{},
		rendering: map[*stream]bool{},
	}
	if s.dir == "" {
		d, err := os.MkdirTemp("", "rgallery-display-")
		if err != nil {
			return nil, fmt.Errorf("display server: %w", err)
		}
		s.dir, s.ownDir = d, true
	} else if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return nil, fmt.Errorf("display server: %w", err)
	}
	if err := m.Register(Label, s.newRenderer); err != nil {
		if s.ownDir {
			os.RemoveAll(s.dir)
		}
		return nil, err
	}
	s.base, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

// ErrServerClosed is returned by Serve after Close.
var ErrServerClosed = errors.New("display server closed")

// Serve accepts tev clients on ln until Close, which closes ln.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.lns[ln] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	s.log.Info("tev display server listening", "addr", ln.Addr().String())
	for {
		c, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			delete(s.lns, ln)
			s.mu.Unlock()
			if closed {
				return ErrServerClosed
			}
			ln.Close()
			return fmt.Errorf("display server: accept: %w", err)
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			continue
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serveConn(c)
	}
}

// Close stops accepting, closes every connection, ends every stream and
// waits (within ctx) until their renders have finished. The caller shuts
// the Manager down afterwards.
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for ln := range s.lns {
		ln.Close()
	}
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait() // every connection has ended its streams
	s.cancel()
	var errs []error
	s.mu.Lock()
	var running []*stream
	for st := range s.rendering {
		running = append(running, st)
	}
	s.mu.Unlock()
	for _, st := range running {
		st.mu.Lock()
		id := st.id
		st.mu.Unlock()
		if id != 0 {
			if _, err := s.m.Wait(ctx, id); err != nil {
				errs = append(errs, fmt.Errorf("stream %q (snapshot %d): %w", st.name, id, err))
			}
		}
	}
	if s.ownDir {
		if err := os.RemoveAll(s.dir); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// StreamInfo describes a stream a client started.
type StreamInfo struct {
	Name       string
	Client     string
	SnapshotID int64 // 0 if the render could not start
	Ended      bool
}

// Streams lists the streams started so far (the last 1000), oldest first.
func (s *Server) Streams() []StreamInfo {
	s.mu.Lock()
	all := append([]*stream(nil), s.started...)
	s.mu.Unlock()
	out := make([]StreamInfo, len(all))
	for i, st := range all {
		st.mu.Lock()
		out[i] = StreamInfo{Name: st.name, Client: st.client, SnapshotID: st.id, Ended: st.ended}
		st.mu.Unlock()
	}
	return out
}

// conn is the state of one client connection.
type conn struct {
	client string
	mine   []*stream
	// ignored counts packets that were decoded but not acted upon, by
	// reason, for one log line when the connection ends.
	ignored map[string]int
}

func (c *conn) ignore(reason string) {
	c.ignored[reason]++
}

func (s *Server) serveConn(nc net.Conn) {
	defer s.wg.Done()
	c := &conn{client: nc.RemoteAddr().String(), ignored: map[string]int{}}
	log := s.log.With("client", c.client)
	log.Info("tev client connected")
	r := NewReader(nc)
	r.MaxPacket = s.MaxPacket
	reason := "the client disconnected"
	for {
		p, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			switch {
			case closed:
				reason = "the display server shut down"
			case IsFormatError(err):
				reason = fmt.Sprintf("malformed packet, connection closed: %v", err)
				log.Warn("tev client sent a malformed packet; connection closed", "err", err)
			default:
				reason = fmt.Sprintf("connection failed: %v", err)
				log.Warn("tev client connection failed", "err", err)
			}
			break
		}
		s.handle(c, p, log)
	}
	nc.Close()
	s.mu.Lock()
	delete(s.conns, nc)
	s.mu.Unlock()
	for _, st := range c.mine {
		st.end(reason)
	}
	if len(c.ignored) > 0 {
		keys := make([]string, 0, len(c.ignored))
		for k := range c.ignored {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		args := []any{}
		for _, k := range keys {
			args = append(args, k, c.ignored[k])
		}
		log.Warn("tev packets not acted upon", args...)
	}
	log.Info("tev client gone", "reason", reason)
}

func (s *Server) handle(c *conn, p Packet, log *slog.Logger) {
	if t := p.Head().Trailing; t > 0 {
		c.ignore("trailingBytes")
		if st := s.lookup(packetName(p)); st != nil {
			st.count("tevTrailingBytes", int64(t))
		}
	}
	switch p := p.(type) {
	case *CreateImage:
		s.create(c, p, log)
	case *UpdateImage:
		st := s.lookup(p.Name)
		if st == nil {
			c.ignore("updateOfUnknownImage")
			return
		}
		st.update(p)
	case *CloseImage:
		st := s.lookup(p.Name)
		if st == nil {
			c.ignore("closeOfUnknownImage")
			return
		}
		st.end("the client closed the image")
	case *VectorGraphics:
		c.ignore("vectorGraphicsNotDrawn")
		if st := s.lookup(p.Name); st != nil {
			st.vectorGraphics(p)
		} else {
			c.ignore("vectorGraphicsOfUnknownImage")
		}
	case *OpenImage:
		s.open(c, p.Path, p.ChannelSelector, log)
	case *ReloadImage:
		// tev names an opened image by its path; reloading one makes a
		// new snapshot of the file as it is now.
		s.mu.Lock()
		sel, ok := s.opened[p.Name]
		s.mu.Unlock()
		if !ok {
			c.ignore("reloadOfImageNotOpenedFromAFile")
			return
		}
		s.open(c, p.Name, sel, log)
	}
}

func packetName(p Packet) string {
	switch p := p.(type) {
	case *UpdateImage:
		return p.Name
	case *CloseImage:
		return p.Name
	case *VectorGraphics:
		return p.Name
	}
	return ""
}

func (s *Server) lookup(name string) *stream {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.live[name]
}

// create starts the stream of a CreateImage through the Manager.
func (s *Server) create(c *conn, p *CreateImage, log *slog.Logger) {
	nc := int64(len(p.Channels))
	values := int64(p.Width) * int64(p.Height) * nc
	switch {
	case p.Width == 0 || p.Height == 0 || nc == 0:
		c.ignore("emptyImage")
		log.Warn("tev image refused: empty", "name", p.Name, "width", p.Width, "height", p.Height, "channels", nc)
		return
	case values > s.MaxImageValues:
		c.ignore("oversizedImage")
		log.Warn("tev image refused: too large", "name", p.Name, "values", values, "limit", s.MaxImageValues)
		return
	}
	if old := s.lookup(p.Name); old != nil {
		old.end("replaced by a new image of the same name")
	}
	st, err := s.newStream(c.client, p)
	if err != nil {
		log.Warn("tev image not started", "name", p.Name, "err", err)
		c.ignore("imageNotStarted")
		return
	}
	s.mu.Lock()
	s.pending[st.token] = st
	s.rendering[st] = true
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(s.base, time.Minute)
	snap, err := s.m.Start(ctx, bgrender.Request{
		Renderer: Label, Scene: st.descriptor, Label: p.Name,
		Options:  map[string]any{"stream": st.token},
		Viewport: bgrender.Viewport{ResX: int(p.Width), ResY: int(p.Height)},
	})
	cancel()
	s.mu.Lock()
	delete(s.pending, st.token)
	if err != nil {
		delete(s.rendering, st)
	}
	s.mu.Unlock()
	if err != nil {
		log.Warn("tev image not started", "name", p.Name, "err", err)
		c.ignore("imageNotStarted")
		st.end("the render could not start")
		os.RemoveAll(st.dir)
		return
	}
	st.mu.Lock()
	st.id = snap.ID
	st.mu.Unlock()
	s.mu.Lock()
	s.live[p.Name] = st
	s.remember(st)
	s.mu.Unlock()
	c.mine = append(c.mine, st)
	log.Info("tev image started", "name", p.Name, "snapshot", snap.ID, "width", p.Width, "height", p.Height, "channels", p.Channels)
}

// maxHistory bounds the streams Streams lists.
const maxHistory = 1000

// remember adds a stream to the history Streams lists, dropping the oldest
// beyond maxHistory. The caller holds s.mu.
func (s *Server) remember(st *stream) {
	if len(s.started) >= maxHistory {
		s.started = slices.Delete(s.started, 0, len(s.started)-maxHistory+1)
	}
	s.started = append(s.started, st)
}

// forget removes a stream from the live names (if it is still the one
// there).
func (s *Server) forget(st *stream) {
	s.mu.Lock()
	if s.live[st.name] == st {
		delete(s.live, st.name)
	}
	s.mu.Unlock()
}

package bgrender

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"sync"
	"time"

	"github.com/rgallery/rgallery/gallery"
)

// host is the Host of one render. Renderers may call it from any goroutine
// (out-of-process plugins deliver notifications asynchronously); the run
// loop flushes what it collected after each renderer call.
type host struct {
	id      int64
	source  string
	log     *syncWriter
	logFile *os.File

	mu         sync.Mutex
	image      string
	imageSeq   int64 // counts UpdateImagePath calls
	imageDirty bool  // an image not yet copied into the gallery
	everImage  bool
	md         map[string]any
}

func (h *host) ItemID() int64  { return h.id }
func (h *host) Source() string { return h.source }
func (h *host) Log() io.Writer { return h.log }
func (h *host) UpdateImagePath(p string) {
	h.mu.Lock()
	h.image, h.imageDirty, h.everImage = p, true, true
	h.imageSeq++
	h.mu.Unlock()
}

func (h *host) UpdateMetadata(md map[string]any) {
	h.mu.Lock()
	if h.md == nil {
		h.md = map[string]any{}
	}
	maps.Copy(h.md, md)
	h.mu.Unlock()
}

// take returns and clears what the renderer reported since the last call.
func (h *host) take() (image string, seq int64, imageDirty bool, md map[string]any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	image, seq, imageDirty, md = h.image, h.imageSeq, h.imageDirty, h.md
	h.md = nil
	return
}

func (h *host) markImageTaken() {
	h.mu.Lock()
	h.imageDirty = false
	h.mu.Unlock()
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

type command struct {
	click     bool
	x, y      float64
	done      chan error
	stop      bool
	detach    bool
	stopCause string
}

// run is one live render and its poll loop.
type run struct {
	id     int64
	plugin Plugin
	rend   Renderer
	host   *host
	cmds   chan command
	done   chan struct{}
	final  gallery.State

	// ticks wakes the loop for a poll; results hands it the answer of a
	// poll made on the clock's goroutine (InlinePoller) that ends the
	// render.
	ticks   chan struct{}
	results chan pollResult
	flushes chan struct{} // an inline poll left an image copy to the loop
	inline  InlinePoller  // nil unless the renderer polls inline

	// callMu serializes the renderer's calls (and flush) between the loop
	// and inline polls. The fields below it are guarded by it.
	callMu    sync.Mutex
	ended     bool // the loop is over: no more renderer calls
	handedOff bool // an inline poll's ending answer waits in results
	every     time.Duration
	lastImage time.Time
	seenSeq   int64

	liveMu      sync.Mutex
	liveImage   string // the renderer's latest image, before the gallery copies it
	liveVersion int64
}

type pollResult struct {
	finished bool
	err      error
}

// launch starts the poll loop of a render whose renderer has started.
func (m *Manager) launch(id int64, p Plugin, rend Renderer, h *host) {
	r := &run{id: id, plugin: p, rend: rend, host: h, cmds: make(chan command), done: make(chan struct{}),
		ticks: make(chan struct{}, 1), results: make(chan pollResult, 1), flushes: make(chan struct{}, 1)}
	r.inline, _ = rend.(InlinePoller)
	m.mu.Lock()
	m.live[id] = r
	m.wg.Add(1)
	m.mu.Unlock()
	go m.loop(r)
}

func (m *Manager) pollInterval(r *run) time.Duration {
	d := r.rend.PollFrequency()
	if d < MinPollInterval {
		d = MinPollInterval
	}
	return d
}

func (m *Manager) isRenderFinished(r *run) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), m.CallTimeout)
	defer cancel()
	if m.ObservePoll == nil {
		return r.rend.IsRenderFinished(ctx)
	}
	t0 := time.Now()
	finished, err := r.rend.IsRenderFinished(ctx)
	m.ObservePoll(r.plugin.Label, time.Since(t0))
	return finished, err
}

// tick is a render's poll, called by the clock. An InlinePoller that can
// answer at once is polled right here; otherwise, or when the answer ends
// the render, the loop's goroutine is woken to do the rest. A tick is
// dropped while the previous one waits, so a slow poll is not followed by
// a burst of catch-up polls.
func (m *Manager) tick(r *run) {
	if r.inline != nil && r.callMu.TryLock() {
		handled := false
		if !r.ended && !r.handedOff && r.inline.PollsInline() {
			// No deadline: the renderer said it answers at once, and a
			// context with a timer per poll was a tenth of the cost.
			t0 := time.Now()
			finished, err := r.rend.IsRenderFinished(context.Background())
			if m.ObservePoll != nil {
				m.ObservePoll(r.plugin.Label, time.Since(t0))
			}
			switch {
			case err != nil || finished:
				r.handedOff = true
				r.results <- pollResult{finished, err}
			case m.imageCopyDue(r):
				// Copying an image into the gallery (with a thumbnail)
				// takes milliseconds, too long for the shared clock.
				select {
				case r.flushes <- struct{}{}:
				default:
				}
			default:
				m.flush(context.Background(), r, false)
			}
			// A new poll interval needs the loop to subscribe again.
			handled = r.handedOff || m.pollInterval(r) == r.every
		}
		r.callMu.Unlock()
		if handled {
			return
		}
	}
	select {
	case r.ticks <- struct{}{}:
	default:
	}
}

// loop runs one render until it ends: polls the clock does not make
// inline, the end of the render, and commands (click, stop, detach).
// Renderer calls hold r.callMu, so they never overlap.
func (m *Manager) loop(r *run) {
	defer m.wg.Done()
	ctx := context.Background()
	state, msg := gallery.Failed, ""
	r.callMu.Lock()
	r.every = m.pollInterval(r)
	r.callMu.Unlock()
	unsubscribe := m.clock.subscribe(r.every, func() { m.tick(r) })
	defer func() { unsubscribe() }()
	detached := false
	// ended handles a poll's answer; it reports whether the render is over.
	ended := func(finished bool, err error) bool {
		if err != nil {
			// Keep the newest image of a failed render, whatever its
			// state: it is often what shows what went wrong.
			_ = m.flush(ctx, r, true)
			state, msg = gallery.Failed, fmt.Sprintf("isRenderFinished: %v", err)
			return true
		}
		if finished {
			state, msg = m.finish(ctx, r)
			return true
		}
		return false
	}
	r.callMu.Lock() // held except while waiting
loop:
	for {
		r.callMu.Unlock()
		select {
		case <-r.ticks:
			r.callMu.Lock()
			if r.handedOff {
				continue // the answer waits in results
			}
			finished, err := m.isRenderFinished(r)
			if ended(finished, err) {
				break loop
			}
			m.flush(ctx, r, false)
			if d := m.pollInterval(r); d != r.every {
				unsubscribe()
				r.every = d
				unsubscribe = m.clock.subscribe(r.every, func() { m.tick(r) })
			}
		case res := <-r.results:
			r.callMu.Lock()
			if ended(res.finished, res.err) {
				break loop
			}
		case <-r.flushes:
			r.callMu.Lock()
			m.flush(ctx, r, false)
		case c := <-r.cmds:
			r.callMu.Lock()
			if c.click {
				cctx, cancel := context.WithTimeout(ctx, m.CallTimeout)
				err := r.rend.MouseClick(cctx, c.x, c.y)
				cancel()
				if err == nil {
					fmt.Fprintf(r.host.log, "%s click %.4f %.4f\n", time.Now().Format(time.RFC3339), c.x, c.y)
				}
				c.done <- err
				continue
			}
			if c.detach {
				detached = true
				m.flush(ctx, r, false)
				c.done <- nil
				break loop
			}
			sctx, cancel := context.WithTimeout(ctx, m.StopTimeout)
			err := r.rend.StopBackgroundRender(sctx)
			cancel()
			m.flush(ctx, r, true)
			state, msg = gallery.Stopped, c.stopCause
			if err != nil {
				msg = fmt.Sprintf("stopBackgroundRender: %v (the render's processes were killed)", err)
			}
			c.done <- nil
			break loop
		}
	}
	r.ended = true
	r.callMu.Unlock()
	m.rec.sync(ctx, r.id)
	if !detached {
		if c, ok := r.rend.(Closer); ok {
			if err := c.Close(); err != nil {
				fmt.Fprintf(r.host.log, "close: %v\n", err)
			}
		}
		if err := m.g.SetState(ctx, r.id, state, msg); err != nil {
			m.log.Error("record render end", "id", r.id, "err", err)
		}
		fmt.Fprintf(r.host.log, "%s %s %s\n", time.Now().Format(time.RFC3339), state, msg)
	}
	r.host.logFile.Close()
	r.final = state
	m.mu.Lock()
	delete(m.live, r.id)
	m.mu.Unlock()
	// Subscribers hear of the end before Wait returns to anyone.
	if !detached {
		m.emit(Event{Type: EventState, ID: r.id, State: state, Error: msg})
	}
	close(r.done)
}

// imageCopyDue reports whether the next flush copies a progressive image
// into the gallery. The caller holds r.callMu.
func (m *Manager) imageCopyDue(r *run) bool {
	r.host.mu.Lock()
	dirty := r.host.imageDirty
	r.host.mu.Unlock()
	return dirty && time.Since(r.lastImage) >= m.ImageInterval
}

// finish records a render whose renderer said it has finished: its final
// image must be there and readable.
func (m *Manager) finish(ctx context.Context, r *run) (gallery.State, string) {
	if err := m.flush(ctx, r, true); err != nil {
		return gallery.Failed, fmt.Sprintf("the render finished but its image could not be kept: %v", err)
	}
	r.host.mu.Lock()
	ever := r.host.everImage
	r.host.mu.Unlock()
	if !ever {
		return gallery.Failed, fmt.Sprintf("renderer %q finished without ever setting an image (updateImagePath was never called)", r.plugin.Label)
	}
	return gallery.Finished, ""
}

// flush writes what the renderer reported since the last poll. Progressive
// images are taken at most every ImageInterval; final takes the image now.
// The error is about the image only; metadata errors are logged.
func (m *Manager) flush(ctx context.Context, r *run, final bool) error {
	image, seq, dirty, md := r.host.take()
	if len(md) > 0 {
		m.rec.add(r.id, md)
	}
	if final {
		m.rec.sync(ctx, r.id)
	}
	if seq != r.seenSeq {
		// Viewers of a live render see every new image at once, from the
		// renderer's file; the gallery's copy follows every ImageInterval.
		r.seenSeq = seq
		r.liveMu.Lock()
		r.liveImage = image
		r.liveVersion++
		r.liveMu.Unlock()
		m.rec.newImage(r.id)
	}
	if !dirty || (!final && time.Since(r.lastImage) < m.ImageInterval) {
		return nil
	}
	err := m.g.SetImage(ctx, r.id, image, true)
	if err != nil {
		var ie *gallery.ImageError
		if errors.As(err, &ie) && !final {
			// A progressive image caught mid-write: keep the old one and
			// try again at the next poll.
			return nil
		}
		r.host.markImageTaken()
		return err
	}
	r.host.markImageTaken()
	r.lastImage = time.Now()
	m.emit(Event{Type: EventImage, ID: r.id})
	return nil
}

func (m *Manager) send(ctx context.Context, id int64, c command) error {
	m.mu.Lock()
	r, ok := m.live[id]
	m.mu.Unlock()
	if !ok {
		s, err := m.g.Get(ctx, id)
		if err != nil {
			return err
		}
		return fmt.Errorf("snapshot %d is not rendering here (state %s)", id, s.State)
	}
	c.done = make(chan error, 1)
	select {
	case r.cmds <- c:
	case <-r.done:
		return fmt.Errorf("snapshot %d ended (%s) before the request reached it", id, r.final)
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-c.done:
		if c.stop || c.detach {
			<-r.done
		}
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Click forwards a normalized click to a live render (the seed's mouseClick).
func (m *Manager) Click(ctx context.Context, id int64, x, y float64) error {
	if x < 0 || x > 1 || y < 0 || y > 1 {
		return fmt.Errorf("click (%g, %g): coordinates must be within 0..1", x, y)
	}
	return m.send(ctx, id, command{click: true, x: x, y: y})
}

// Stop stops a live render and returns once it has stopped and its
// snapshot is recorded as stopped.
func (m *Manager) Stop(ctx context.Context, id int64) error {
	return m.send(ctx, id, command{stop: true})
}

// Wait blocks until the render of snapshot id is no longer live here and
// returns its snapshot.
func (m *Manager) Wait(ctx context.Context, id int64) (gallery.Snapshot, error) {
	m.mu.Lock()
	r, ok := m.live[id]
	m.mu.Unlock()
	if ok {
		select {
		case <-r.done:
		case <-ctx.Done():
			return gallery.Snapshot{}, ctx.Err()
		}
	}
	return m.g.Get(ctx, id)
}

// LiveImage returns the newest image a live render reported and a version
// that changes with each report, for viewers that want every progressive
// update (the gallery's own copy is refreshed only every ImageInterval).
// ok is false when id is not live here or has no image yet.
func (m *Manager) LiveImage(id int64) (path string, version int64, ok bool) {
	m.mu.Lock()
	r, live := m.live[id]
	m.mu.Unlock()
	if !live {
		return "", 0, false
	}
	r.liveMu.Lock()
	defer r.liveMu.Unlock()
	return r.liveImage, r.liveVersion, r.liveImage != ""
}

// Live returns the ids of the renders this manager is running.
func (m *Manager) Live() []int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	ids := make([]int64, 0, len(m.live))
	for id := range m.live {
		ids = append(ids, id)
	}
	return ids
}

// Shutdown ends every live render: renders that can outlive this process
// (Detacher, e.g. farm jobs) are left running for the next owner to
// re-attach; the others are stopped. It returns when all have ended.
func (m *Manager) Shutdown(ctx context.Context) error {
	m.mu.Lock()
	m.closed = true
	runs := make([]*run, 0, len(m.live))
	for _, r := range m.live {
		runs = append(runs, r)
	}
	m.mu.Unlock()
	var wg sync.WaitGroup
	errs := make([]error, len(runs))
	for i, r := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := command{stop: true, stopCause: "stopped: the gallery owner shut down"}
			if d, ok := r.rend.(Detacher); ok && d.AttachToken() != "" {
				c = command{detach: true}
			}
			errs[i] = m.send(ctx, r.id, c)
		}()
	}
	wg.Wait()
	m.wg.Wait()
	return errors.Join(errs...)
}

func (o Options) asJSON() string {
	b, _ := json.Marshal(o)
	return string(b)
}

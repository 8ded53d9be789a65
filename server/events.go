package server

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Pacing of an event stream.
const (
	// writeEvery is the shortest time between two writes to one stream:
	// the cap per viewer. Changes within it are coalesced, so a viewer
	// hears of each snapshot at most 10 times a second, with its latest
	// state; a viewer that reads slower than that gets fewer updates.
	writeEvery = 100 * time.Millisecond
	// keepAlive is the time between two comments on an idle stream, so
	// that proxies keep it open.
	keepAlive = 15 * time.Second
	// writeTimeout drops a stream whose reader has not taken a write for
	// this long; its browser reconnects and resumes (Last-Event-ID).
	writeTimeout = 30 * time.Second
	// writeChunk bounds what a stream holds in memory for one write: a
	// write of many snapshots goes out in pieces of about this size.
	writeChunk = 32 << 10
)

// events streams the gallery's changes as server-sent events (see hub and
// EventData). Each event has an id; a client reconnecting with
// Last-Event-ID gets exactly the snapshots that changed since, in their
// latest state. An event named "resync" tells a client that the changes
// since its last event are no longer known and it should reload what it
// shows.
func (a *API) events(w http.ResponseWriter, r *http.Request) {
	if a.eventsRaw(w, r) {
		return
	}
	fl, ok := w.(http.Flusher)
	if !ok {
		writeError(w, errors.New("streaming not supported"))
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	deadline := func(d time.Duration) {
		if d == 0 {
			_ = rc.SetWriteDeadline(time.Time{})
			return
		}
		_ = rc.SetWriteDeadline(time.Now().Add(d))
	}
	_ = a.hub.serve(r.Context(), w, fl.Flush, deadline, r.Header.Get("Last-Event-ID"))
}

// sendBuffer is the kernel's send buffer of an event stream's connection.
// Left to itself Linux grows it to megabytes, so a viewer that reads
// slowly would be sent seconds of old updates that already sit in the
// buffer before it hears of a new one; with a small buffer the stream's
// writes block sooner, and the hub coalesces instead (fewer, newer
// updates).
const sendBuffer = 64 << 10

// eventsRaw serves the stream on the connection itself (HTTP/1.1 with
// Connection: close), so that its send buffer can be bounded. It reports
// false, having done nothing, where the connection cannot be taken over
// (HTTP/2, or a ResponseWriter that does not allow it).
func (a *API) eventsRaw(w http.ResponseWriter, r *http.Request) bool {
	if r.ProtoMajor != 1 {
		return false
	}
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return false
	}
	defer conn.Close()
	if sb, ok := conn.(interface{ SetWriteBuffer(int) error }); ok {
		_ = sb.SetWriteBuffer(sendBuffer)
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	// The server no longer watches a taken-over connection: a read that
	// ends (the viewer left) ends the stream.
	go func() {
		_, _ = io.Copy(io.Discard, brw.Reader)
		cancel()
	}()
	var head strings.Builder
	head.WriteString("HTTP/1.1 200 OK\r\n")
	h := w.Header().Clone() // what the middleware set (security headers)
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	h.Set("Connection", "close")
	_ = h.Write(&head)
	head.WriteString("\r\n")
	_ = conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	if _, err := brw.WriteString(head.String()); err != nil {
		return true
	}
	deadline := func(d time.Duration) {
		if d == 0 {
			_ = conn.SetWriteDeadline(time.Time{})
			return
		}
		_ = conn.SetWriteDeadline(time.Now().Add(d))
	}
	flush := func() { _ = brw.Flush() }
	_ = a.hub.serve(ctx, brw.Writer, flush, deadline, r.Header.Get("Last-Event-ID"))
	return true
}

// writeBufs holds the buffers of the streams' writes.
var writeBufs = sync.Pool{New: func() any { b := make([]byte, 0, writeChunk+4<<10); return &b }}

// serve writes the event stream of one client to w until ctx ends or a
// write fails. flush sends what was written; deadline, if not nil, bounds
// the next writes (0: no bound).
func (h *hub) serve(ctx context.Context, w io.Writer, flush func(), deadline func(time.Duration), lastID string) error {
	pos, resync := h.open(lastID)
	defer h.close()
	if deadline == nil {
		deadline = func(time.Duration) {}
	}
	b := []byte("retry: 1000\nid: " + h.eventID(pos) + "\n: rgallery events\n\n")
	if resync {
		b = append(b, "event: resync\ndata: {}\n\n"...)
	}
	deadline(writeTimeout)
	if _, err := w.Write(b); err != nil {
		return err
	}
	flush()
	keep := time.NewTicker(keepAlive)
	defer keep.Stop()
	pace := time.NewTimer(0)
	defer pace.Stop()
	var evs []event
	for {
		var (
			next    uint64
			gap     bool
			changed <-chan struct{}
		)
		evs, next, gap, changed = h.since(pos, evs)
		// The buffer is taken for this write only: a thousand idle
		// streams hold none.
		bp := writeBufs.Get().(*[]byte)
		b = (*bp)[:0]
		wrote := false
		switch {
		case gap:
			h.countResync()
			b = append(b, "id: "+h.eventID(next)+"\nevent: resync\ndata: {}\n\n"...)
		default:
			for _, ev := range evs {
				b = h.appendEvent(b, ev)
				if len(b) >= writeChunk {
					wrote = true
					deadline(writeTimeout)
					if _, err := w.Write(b); err != nil {
						return err
					}
					b = b[:0]
				}
			}
		}
		h.sent.Add(int64(len(evs)))
		clear(evs) // drop the references to old snapshots
		if cap(evs) > 1024 {
			evs = nil
		}
		pos = next
		if len(b) > 0 || wrote {
			deadline(writeTimeout)
			_, err := w.Write(b)
			*bp = b[:0]
			writeBufs.Put(bp)
			if err != nil {
				return err
			}
			flush()
			deadline(0)
			pace.Reset(writeEvery)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-pace.C:
			}
		} else {
			*bp = b[:0]
			writeBufs.Put(bp)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		case <-keep.C:
			deadline(writeTimeout)
			if _, err := io.WriteString(w, ": keep-alive\n\n"); err != nil {
				return err
			}
			flush()
			deadline(0)
		}
	}
}

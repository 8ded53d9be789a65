package server

import (
	"container/list"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/gallery"
)

// hub fans the gallery's changes out to the event streams without losing
// state. It keeps, per snapshot, only its latest change: a global sequence
// number, the snapshot as read from the gallery after the change (encoded
// once, shared by every stream) and the sequence number of the latest
// change of each kind. A stream is nothing but a position in that
// sequence: at each write it sends every snapshot whose latest change is
// past its position, oldest first, and moves its position to the newest.
// So a stream that cannot keep up gets fewer, newer states, never an old
// one after a new one, and never misses a final state or a deletion, since
// a snapshot's latest state is what it is sent. A stream costs the hub no
// work per event: the cost of a change is one gallery read, whatever the
// number of viewers.
//
// Positions are the event ids of the stream ("<epoch>-<seq>"), so a
// browser that reconnects with Last-Event-ID resumes with exactly the
// snapshots that changed meanwhile. The hub keeps the latest change of the
// historySize most recently changed snapshots; a position older than the
// oldest change it forgot, or from another run of the server, gets a
// "resync" (reload what you show) instead.
type hub struct {
	m     *bgrender.Manager
	g     *gallery.Gallery
	epoch string
	// keep is how many snapshots' latest changes are kept (historySize).
	keep int
	// idle is how long the hub goes on recording after the last stream
	// left, so that a page that reconnects resumes instead of reloading.
	idle time.Duration

	mu      sync.Mutex
	seq     uint64 // of the latest change
	floor   uint64 // changes up to floor may have been forgotten
	entries map[int64]*entry
	order   list.List // of *entry, by seq, oldest first
	changed chan struct{}
	streams int
	resyncs int64
	watch   func() // stops watching the manager; nil when not watching
	gen     int    // counts the starts of recording
	idleT   *time.Timer

	dirtyMu sync.Mutex
	dirty   map[int64]mark // changes not yet read from the gallery
	wake    chan struct{}

	sent atomic.Int64 // events written to streams (metrics)
}

// historySize is how many snapshots' latest changes the hub keeps for
// resuming streams: a stream that falls behind, or reconnects after, more
// than this many different snapshots changed is told to resync.
const historySize = 4096

// idleRecord is how long the hub keeps recording changes after its last
// stream closed (see hub.idle).
const idleRecord = 5 * time.Minute

// refreshEvery is the shortest time between two rounds of gallery reads:
// changes of one snapshot within it cost one read.
const refreshEvery = 20 * time.Millisecond

// The kinds of change, in the order that names a coalesced event: a
// stream told of several changes of a snapshot at once gets the event of
// the first kind among them (a deletion, then a creation the stream has
// not seen, then a state change, ...).
const (
	kindDeleted = iota
	kindCreated
	kindState
	kindImage
	kindMetadata
	kindUpdated
	nKinds
)

var kindNames = [nKinds]string{"deleted", "created", "state", "image", "metadata", "updated"}

func kindOf(t string) int {
	if i := slices.Index(kindNames[:], t); i >= 0 {
		return i
	}
	return kindUpdated
}

// entry is the latest change of one snapshot.
type entry struct {
	id    int64
	seq   uint64
	kinds [nKinds]uint64 // seq of the latest change of each kind, 0 if none
	// tail is the event data without its type: what follows `{"type":"T",`.
	// It is replaced, never changed, so streams may hold it unlocked.
	tail []byte
	elem *list.Element
}

// mark is what the hub was told of a snapshot before reading it.
type mark struct {
	kinds uint8 // bit per kind
	err   string
}

// EventData is the data of one server-sent event: what changed, and the
// snapshot as it is now (absent for deletions).
type EventData struct {
	Type     string            `json:"type"`
	ID       int64             `json:"id"`
	Error    string            `json:"error,omitempty"`
	Snapshot *gallery.Snapshot `json:"snapshot,omitempty"`
}

func newHub(m *bgrender.Manager) *hub {
	return &hub{
		m: m, g: m.Gallery(),
		epoch:   strconv.FormatInt(time.Now().UnixNano(), 36),
		keep:    historySize,
		idle:    idleRecord,
		entries: map[int64]*entry{},
		changed: make(chan struct{}),
		dirty:   map[int64]mark{},
		wake:    make(chan struct{}, 1),
	}
}

// publish records a change made outside the manager (an edit through the
// API). The snapshot in d, if any, is not used: the hub reads it again, so
// that a read made before another change never overwrites a newer one.
func (h *hub) publish(d EventData) {
	h.note(d.ID, kindOf(d.Type), d.Error)
}

// note marks snapshot id as changed, to be read by the refresh goroutine.
// It never blocks: it runs in the manager's event path.
func (h *hub) note(id int64, kind int, errMsg string) {
	h.dirtyMu.Lock()
	if h.dirty == nil { // not recording
		h.dirtyMu.Unlock()
		return
	}
	mk := h.dirty[id]
	mk.kinds |= 1 << kind
	if kind == kindState {
		mk.err = errMsg
	}
	h.dirty[id] = mk
	h.dirtyMu.Unlock()
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// startLocked starts recording: the manager's events and the refresh
// goroutine. Changes made while not recording are unknown, so positions
// from before are no longer good. h.mu is held.
func (h *hub) startLocked() {
	if h.idleT != nil {
		h.idleT.Stop()
		h.idleT = nil
	}
	if h.watch != nil {
		return
	}
	// Every position handed out so far is now older than the floor.
	h.seq++
	h.floor = h.seq
	h.gen++
	gen := h.gen
	h.dirtyMu.Lock()
	h.dirty = map[int64]mark{}
	h.dirtyMu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	stopWatch := h.m.Watch(func(e bgrender.Event) { h.note(e.ID, kindOf(string(e.Type)), e.Error) })
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.refresh(ctx)
	}()
	if h.g.Shared() {
		// A team gallery: the other servers' changes come as the
		// database's notifications (gallery.Listen).
		listened := make(chan struct{})
		go func() {
			defer close(listened)
			h.g.Listen(ctx, func(c gallery.Change) { h.note(c.ID, kindOf(c.Kind), "") }, h.lost)
		}()
		prev := done
		done = make(chan struct{})
		go func() {
			<-prev
			<-listened
			close(done)
		}()
	}
	// stop runs without h.mu (the refresh goroutine may wait for it); a
	// stream may have started recording again meanwhile.
	h.watch = func() {
		stopWatch()
		cancel()
		<-done
		h.mu.Lock()
		if h.gen == gen {
			h.dirtyMu.Lock()
			h.dirty = nil
			h.dirtyMu.Unlock()
		}
		h.mu.Unlock()
	}
}

// stopIdle stops recording if no stream came back during h.idle.
func (h *hub) stopIdle() {
	h.mu.Lock()
	if h.streams > 0 || h.watch == nil {
		h.mu.Unlock()
		return
	}
	stop := h.watch
	h.watch, h.idleT = nil, nil
	h.mu.Unlock()
	stop()
}

// refresh reads changed snapshots from the gallery and records them, one
// round at most every refreshEvery.
func (h *hub) refresh(ctx context.Context) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.wake:
		}
		h.dirtyMu.Lock()
		batch := h.dirty
		h.dirty = map[int64]mark{}
		h.dirtyMu.Unlock()
		h.apply(ctx, batch)
		t.Reset(refreshEvery)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// apply reads the snapshots of a batch of marks and records them as their
// latest changes.
func (h *hub) apply(ctx context.Context, batch map[int64]mark) {
	if len(batch) == 0 {
		return
	}
	ids := make([]int64, 0, len(batch))
	for id := range batch {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	type read struct {
		id    int64
		kinds uint8
		tail  []byte
	}
	reads := make([]read, 0, len(ids))
	for _, id := range ids {
		mk := batch[id]
		d := EventData{ID: id, Error: mk.err}
		s, err := h.g.Get(ctx, id)
		var nf *gallery.NotFoundError
		switch {
		case errors.As(err, &nf):
			// Gone, whatever the mark said: a deletion.
			mk.kinds = 1 << kindDeleted
		case err != nil:
			if ctx.Err() != nil {
				return
			}
			// The gallery could not be read: keep the mark for the next
			// round rather than tell viewers nothing changed.
			h.dirtyMu.Lock()
			if h.dirty != nil {
				old := h.dirty[id]
				old.kinds |= mk.kinds
				if old.err == "" {
					old.err = mk.err
				}
				h.dirty[id] = old
			}
			h.dirtyMu.Unlock()
			select { // retried next round, even if nothing else changes
			case h.wake <- struct{}{}:
			default:
			}
			continue
		default:
			mk.kinds &^= 1 << kindDeleted
			if mk.kinds == 0 {
				mk.kinds = 1 << kindUpdated
			}
			if d.Error == "" {
				d.Error = s.Error
			}
			d.Snapshot = &s
		}
		b, err := json.Marshal(d)
		if err != nil {
			continue
		}
		// `{"type":"","id":...}` → `"id":...}`
		tail := b[len(`{"type":"",`):]
		reads = append(reads, read{id, mk.kinds, tail})
	}
	h.mu.Lock()
	for _, r := range reads {
		h.seq++
		e := h.entries[r.id]
		if e == nil {
			e = &entry{id: r.id}
			h.entries[r.id] = e
		} else {
			h.order.Remove(e.elem)
		}
		e.seq, e.tail = h.seq, r.tail
		for k := range nKinds {
			if r.kinds&(1<<k) != 0 {
				e.kinds[k] = h.seq
			}
		}
		e.elem = h.order.PushBack(e)
	}
	for h.order.Len() > h.keep {
		old := h.order.Remove(h.order.Front()).(*entry)
		delete(h.entries, old.id)
		h.floor = max(h.floor, old.seq)
	}
	close(h.changed)
	h.changed = make(chan struct{})
	h.mu.Unlock()
}

// event is one event of a stream's write.
type event struct {
	seq  uint64
	kind int
	tail []byte
}

// since returns the events a stream at position pos has not been sent,
// oldest first, and its new position. gap reports that changes after pos
// were forgotten (the stream must resync from next). changed is closed at
// the next change.
func (h *hub) since(pos uint64, buf []event) (evs []event, next uint64, gap bool, changed <-chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if pos < h.floor {
		return buf[:0], h.seq, true, h.changed
	}
	evs = buf[:0]
	for el := h.order.Back(); el != nil; el = el.Prev() {
		e := el.Value.(*entry)
		if e.seq <= pos {
			break
		}
		kind := kindUpdated
		for k := range nKinds {
			if e.kinds[k] > pos {
				kind = k
				break
			}
		}
		evs = append(evs, event{seq: e.seq, kind: kind, tail: e.tail})
	}
	slices.Reverse(evs)
	return evs, max(pos, h.seq), false, h.changed
}

// open registers a stream resuming after lastID (the Last-Event-ID
// header; "" for a new stream) and returns its position and whether it
// must resync first.
func (h *hub) open(lastID string) (pos uint64, resync bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.streams++
	h.startLocked()
	if lastID == "" {
		return h.seq, false
	}
	p, ok := h.parseID(lastID)
	if !ok || p < h.floor || p > h.seq {
		h.resyncs++
		return h.seq, true
	}
	return p, false
}

// close unregisters a stream; the last one leaves the hub recording for
// h.idle.
func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.streams--
	if h.streams == 0 && h.watch != nil && h.idleT == nil {
		h.idleT = time.AfterFunc(h.idle, h.stopIdle)
	}
}

// lost is called when changes may have been missed (the team gallery's
// notification connection was lost): every stream is told to resync.
func (h *hub) lost() {
	h.mu.Lock()
	h.seq++
	h.floor = h.seq
	close(h.changed)
	h.changed = make(chan struct{})
	h.mu.Unlock()
}

// countResync counts a resync sent to a live stream (it fell behind more
// than historySize snapshots).
func (h *hub) countResync() {
	h.mu.Lock()
	h.resyncs++
	h.mu.Unlock()
}

func (h *hub) eventID(seq uint64) string {
	return h.epoch + "-" + strconv.FormatUint(seq, 10)
}

func (h *hub) parseID(id string) (uint64, bool) {
	ep, n, ok := strings.Cut(id, "-")
	if !ok || ep != h.epoch {
		return 0, false
	}
	seq, err := strconv.ParseUint(n, 10, 64)
	return seq, err == nil
}

// appendEvent appends one server-sent event to b.
func (h *hub) appendEvent(b []byte, ev event) []byte {
	name := kindNames[ev.kind]
	b = append(b, "id: "...)
	b = append(b, h.epoch...)
	b = append(b, '-')
	b = strconv.AppendUint(b, ev.seq, 10)
	b = append(b, "\nevent: "...)
	b = append(b, name...)
	b = append(b, "\ndata: {\"type\":\""...)
	b = append(b, name...)
	b = append(b, "\","...)
	b = append(b, ev.tail...)
	return append(b, "\n\n"...)
}

// streamCount returns the number of open event streams.
func (h *hub) streamCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.streams
}

// String describes the hub's state, for test failures and debugging.
func (h *hub) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return fmt.Sprintf("seq %d, floor %d, %d snapshots kept, %d streams, %d resyncs", h.seq, h.floor, len(h.entries), h.streams, h.resyncs)
}

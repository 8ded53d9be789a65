package server

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/gallery"
)

// hub fans the manager's events out to the event streams. It subscribes to
// the manager while at least one stream is open, reads the changed
// snapshot from the gallery once per event and encodes it once, so that 50
// browsers watching 20 renders cost one database read per event, not 50,
// and no browser has to ask for the snapshot after each event.
//
// Edits made through the API (star, tags, delete) are published here too,
// so that every open browser sees them.
type hub struct {
	m *bgrender.Manager
	g *gallery.Gallery

	mu      sync.Mutex
	clients map[chan []byte]*client
	stop    func()
}

type client struct {
	lost bool // an event was dropped because the client was slow
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
	return &hub{m: m, g: m.Gallery(), clients: map[chan []byte]*client{}}
}

// subscribe returns a channel of encoded events ("event: ...\ndata: ...\n\n")
// and a function that ends the subscription.
func (h *hub) subscribe() (<-chan []byte, func()) {
	ch := make(chan []byte, 64)
	h.mu.Lock()
	h.clients[ch] = &client{}
	if h.stop == nil {
		events, cancel := h.m.Subscribe(1024)
		ctx, done := context.WithCancel(context.Background())
		h.stop = func() { cancel(); done() }
		go h.pump(ctx, events)
	}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if _, ok := h.clients[ch]; !ok {
			return
		}
		delete(h.clients, ch)
		close(ch)
		if len(h.clients) == 0 && h.stop != nil {
			h.stop()
			h.stop = nil
		}
	}
}

func (h *hub) pump(ctx context.Context, events <-chan bgrender.Event) {
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-events:
			if !ok {
				return
			}
			d := EventData{Type: string(e.Type), ID: e.ID, Error: e.Error}
			if s, err := h.g.Get(ctx, e.ID); err == nil {
				d.Snapshot = &s
			}
			h.publish(d)
		}
	}
}

// publish sends d to every stream. A stream that cannot take it is marked
// as having lost events; it is told to reload ("resync") as soon as it has
// room again, rather than slowing the others down.
func (h *hub) publish(d EventData) {
	b, err := json.Marshal(d)
	if err != nil {
		return
	}
	msg := []byte("event: " + d.Type + "\ndata: " + string(b) + "\n\n")
	resync := []byte("event: resync\ndata: {}\n\n")
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch, c := range h.clients {
		if c.lost {
			select {
			case ch <- resync:
				c.lost = false
			default:
				continue
			}
		}
		select {
		case ch <- msg:
		default:
			c.lost = true
		}
	}
}

// streams returns the number of open event streams.
func (h *hub) streams() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.clients)
}

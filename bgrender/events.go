package bgrender

import "github.com/rgallery/rgallery/gallery"

// EventType says what changed about a snapshot.
type EventType string

// The events a Manager sends to subscribers.
const (
	EventCreated EventType = "created"  // a snapshot was created and its render started
	EventState   EventType = "state"    // the render's state changed
	EventImage   EventType = "image"    // a new (progressive) image is in the gallery
	EventStats   EventType = "metadata" // stats or metadata were updated
)

// Event tells subscribers that a snapshot changed; read the snapshot from
// the gallery for the details.
type Event struct {
	Type  EventType     `json:"type"`
	ID    int64         `json:"id"`
	State gallery.State `json:"state,omitempty"`
	Error string        `json:"error,omitempty"`
	// Live marks an image event for a new live image (Manager.LiveImage)
	// that the gallery has not copied yet.
	Live bool `json:"live,omitempty"`
}

// Subscribe returns a channel of events and a function that ends the
// subscription. A subscriber that does not keep up loses events rather than
// slowing the renders down; buf sets how many may wait.
func (m *Manager) Subscribe(buf int) (<-chan Event, func()) {
	ch := make(chan Event, buf)
	m.mu.Lock()
	m.subs[ch] = struct{}{}
	m.mu.Unlock()
	return ch, func() {
		m.mu.Lock()
		if _, ok := m.subs[ch]; ok {
			delete(m.subs, ch)
			close(ch)
		}
		m.mu.Unlock()
	}
}

// Watch calls f with every event, in the order they happen, until cancel
// is called. Unlike Subscribe it loses nothing: f runs on the goroutine
// that changed the snapshot, with the manager's lock held, so it must only
// note the event and return (no blocking, no calls into the Manager).
func (m *Manager) Watch(f func(Event)) (cancel func()) {
	w := &watcher{f: f}
	m.mu.Lock()
	m.watchers[w] = struct{}{}
	m.mu.Unlock()
	return func() {
		m.mu.Lock()
		delete(m.watchers, w)
		m.mu.Unlock()
	}
}

type watcher struct{ f func(Event) }

func (m *Manager) emit(e Event) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for w := range m.watchers {
		w.f(e)
	}
	for ch := range m.subs {
		select {
		case ch <- e:
		default:
		}
	}
}

package bgrender

import (
	"context"
	"maps"
	"sync"
	"time"

	"github.com/rgallery/rgallery/gallery"
)

// recorder writes the metadata of all live renders to the gallery in one
// transaction per interval, instead of one per render and poll: with
// hundreds of renders polled ten times a second, commits would otherwise be
// most of the manager's work. Its goroutine runs only while there is
// something to write.
type recorder struct {
	m        *Manager
	interval time.Duration

	mu      sync.Mutex
	pending map[int64]gallery.Progress
	running bool
}

// add merges md into what is waiting to be written for snapshot id.
func (r *recorder) add(id int64, md map[string]any) {
	r.update(id, func(p *gallery.Progress) {
		if p.Metadata == nil {
			p.Metadata = map[string]any{}
		}
		maps.Copy(p.Metadata, md)
	})
}

// newImage records that a live render has a new progressive image.
func (r *recorder) newImage(id int64) {
	r.update(id, func(p *gallery.Progress) { p.NewImages++ })
}

func (r *recorder) update(id int64, f func(*gallery.Progress)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pending == nil {
		r.pending = map[int64]gallery.Progress{}
	}
	p := r.pending[id]
	f(&p)
	r.pending[id] = p
	if !r.running {
		r.running = true
		go r.run()
	}
}

// sync writes what is waiting for snapshot id now, e.g. before its final
// state is recorded.
func (r *recorder) sync(ctx context.Context, id int64) {
	r.mu.Lock()
	p, ok := r.pending[id]
	delete(r.pending, id)
	r.mu.Unlock()
	if ok {
		r.write(ctx, map[int64]gallery.Progress{id: p})
	}
}

func (r *recorder) run() {
	t := time.NewTicker(r.interval)
	defer t.Stop()
	for range t.C {
		r.mu.Lock()
		batch := r.pending
		r.pending = nil
		if len(batch) == 0 {
			r.running = false
			r.mu.Unlock()
			return
		}
		r.mu.Unlock()
		r.write(context.Background(), batch)
	}
}

func (r *recorder) write(ctx context.Context, batch map[int64]gallery.Progress) {
	if err := r.m.g.RecordProgress(ctx, batch); err != nil {
		r.m.log.Error("record progress", "err", err)
	}
	for id, p := range batch {
		if len(p.Metadata) > 0 {
			r.m.emit(Event{Type: EventStats, ID: id})
		}
		if p.NewImages > 0 {
			r.m.emit(Event{Type: EventImage, ID: id, Live: true})
		}
	}
}

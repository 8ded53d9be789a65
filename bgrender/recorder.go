package bgrender

import (
	"context"
	"maps"
	"sync"
	"time"

	"github.com/rgallery/rgallery/gallery"
)

// recorder writes the progress of all live renders to the gallery in one
// transaction per tick, instead of one per render and poll: with hundreds
// of renders polled ten times a second, commits would otherwise be most of
// the manager's work. New live images are written at the next tick
// (Manager.LiveImageInterval, so viewers follow the renderer's pace up to
// that cap); metadata alone waits up to interval, since a percentage or a
// clock is worth less than a transaction. Its goroutine runs only while
// there is something to write.
type recorder struct {
	m        *Manager
	interval time.Duration // longest wait of metadata without an image

	// writeMu orders the writes: a batch is taken from pending and
	// written under it, so that sync, which writes a render's last
	// progress, never has it overwritten by an older batch still in flight.
	writeMu sync.Mutex

	mu      sync.Mutex
	pending map[int64]*pendingProgress
	running bool
}

type pendingProgress struct {
	p     gallery.Progress
	since time.Time // when the first update of this batch came
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
		r.pending = map[int64]*pendingProgress{}
	}
	pp := r.pending[id]
	if pp == nil {
		pp = &pendingProgress{since: time.Now()}
		r.pending[id] = pp
	}
	f(&pp.p)
	if !r.running {
		r.running = true
		go r.run()
	}
}

// sync writes what is waiting for snapshot id now, e.g. before its final
// state is recorded.
func (r *recorder) sync(ctx context.Context, id int64) {
	r.writeMu.Lock()
	defer r.writeMu.Unlock()
	r.mu.Lock()
	pp, ok := r.pending[id]
	delete(r.pending, id)
	r.mu.Unlock()
	if ok {
		r.write(ctx, map[int64]gallery.Progress{id: pp.p})
	}
}

func (r *recorder) tick() time.Duration {
	if d := r.m.LiveImageInterval; d > 0 && d < r.interval {
		return d
	}
	return r.interval
}

func (r *recorder) run() {
	t := time.NewTicker(r.tick())
	defer t.Stop()
	for now := range t.C {
		r.writeMu.Lock()
		r.mu.Lock()
		if len(r.pending) == 0 {
			r.running = false
			r.mu.Unlock()
			r.writeMu.Unlock()
			return
		}
		batch := map[int64]gallery.Progress{}
		for id, pp := range r.pending {
			// A tick's jitter must not hold metadata for a second interval.
			if pp.p.NewImages > 0 || now.Sub(pp.since) >= r.interval-r.tick()/2 {
				batch[id] = pp.p
				delete(r.pending, id)
			}
		}
		r.mu.Unlock()
		if len(batch) > 0 {
			r.write(context.Background(), batch)
		}
		r.writeMu.Unlock()
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

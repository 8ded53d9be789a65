package bgrender

import (
	"context"
	"maps"
	"sync"
	"time"
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
	pending map[int64]map[string]any
	running bool
}

// add merges md into what is waiting to be written for snapshot id.
func (r *recorder) add(id int64, md map[string]any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pending == nil {
		r.pending = map[int64]map[string]any{}
	}
	if cur, ok := r.pending[id]; ok {
		maps.Copy(cur, md)
	} else {
		r.pending[id] = md
	}
	if !r.running {
		r.running = true
		go r.run()
	}
}

// sync writes what is waiting for snapshot id now, e.g. before its final
// state is recorded.
func (r *recorder) sync(ctx context.Context, id int64) {
	r.mu.Lock()
	md, ok := r.pending[id]
	delete(r.pending, id)
	r.mu.Unlock()
	if ok {
		r.write(ctx, map[int64]map[string]any{id: md})
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

func (r *recorder) write(ctx context.Context, batch map[int64]map[string]any) {
	if err := r.m.g.UpdateMetadataBatch(ctx, batch); err != nil {
		r.m.log.Error("record metadata", "err", err)
	}
	for id := range batch {
		r.m.emit(Event{Type: EventStats, ID: id})
	}
}

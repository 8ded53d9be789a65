package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/gallery"
)

// viewer is one event stream read the way a browser reads it.
type viewer struct {
	t      *testing.T
	cancel context.CancelFunc
	done   chan struct{}

	gate chan struct{} // while not nil and open, reading waits
	pr   *io.PipeReader

	mu      sync.Mutex
	state   map[int64]gallery.State // last state heard per snapshot
	deleted map[int64]bool
	order   []int64 // snapshot ids in the order their events came
	types   []string
	lastID  string
	resyncs int
	events  int
}

type gatedReader struct {
	r    io.Reader
	v    *viewer
	once bool
}

func (g *gatedReader) Read(p []byte) (int, error) {
	g.v.mu.Lock()
	gate := g.v.gate
	g.v.mu.Unlock()
	if gate != nil && g.once {
		<-gate
	}
	g.once = true
	return g.r.Read(p)
}

// watch opens a stream on h (resuming after lastID when not empty). With
// stall, the viewer reads the stream's first write and then nothing until
// release is called.
func watch(t *testing.T, h *hub, lastID string, stall bool) *viewer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	v := &viewer{t: t, cancel: cancel, done: make(chan struct{}), state: map[int64]gallery.State{}, deleted: map[int64]bool{}}
	if stall {
		v.gate = make(chan struct{})
	}
	pr, pw := io.Pipe()
	v.pr = pr
	go func() {
		h.serve(ctx, pw, func() {}, nil, lastID)
		pw.Close()
	}()
	go func() {
		defer close(v.done)
		sc := bufio.NewScanner(&gatedReader{r: pr, v: v})
		sc.Buffer(nil, 1<<20)
		var typ, data, id string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "id: "):
				id = line[4:]
			case strings.HasPrefix(line, "event: "):
				typ = line[7:]
			case strings.HasPrefix(line, "data: "):
				data = line[6:]
			case line == "":
				v.dispatch(typ, data, id)
				typ, data = "", ""
			}
		}
		pr.Close()
	}()
	t.Cleanup(func() { v.close() })
	// The stream is open once its first write (with the position) is read.
	v.waitFor("the stream's start", func(v *viewer) bool { return v.lastID != "" })
	return v
}

func (v *viewer) dispatch(typ, data, id string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if id != "" {
		v.lastID = id
	}
	switch typ {
	case "":
		return
	case "resync":
		v.resyncs++
		return
	}
	var d EventData
	if err := json.Unmarshal([]byte(data), &d); err != nil {
		v.t.Errorf("event %s data %q: %v", typ, data, err)
		return
	}
	if d.Type != typ {
		v.t.Errorf("event %s carries type %s", typ, d.Type)
	}
	v.events++
	v.order = append(v.order, d.ID)
	v.types = append(v.types, typ)
	if typ == "deleted" {
		v.deleted[d.ID] = true
		delete(v.state, d.ID)
		return
	}
	if d.Snapshot == nil || d.Snapshot.ID != d.ID {
		v.t.Errorf("%s event of %d without its snapshot", typ, d.ID)
		return
	}
	v.state[d.ID] = d.Snapshot.State
}

func (v *viewer) release() {
	v.mu.Lock()
	if v.gate != nil {
		close(v.gate)
		v.gate = nil
	}
	v.mu.Unlock()
}

// close ends the stream, also when the viewer is stalled (the hub may be
// blocked writing to it).
func (v *viewer) close() {
	v.cancel()
	v.release()
	v.pr.Close()
	<-v.done
}

// waitFor waits until cond holds for what v heard; the limit only keeps a
// broken hub from hanging the test run.
func (v *viewer) waitFor(what string, cond func(v *viewer) bool) {
	v.t.Helper()
	for end := time.Now().Add(20 * time.Second); ; time.Sleep(2 * time.Millisecond) {
		v.mu.Lock()
		ok := cond(v)
		v.mu.Unlock()
		if ok {
			return
		}
		if time.Now().After(end) {
			v.mu.Lock()
			defer v.mu.Unlock()
			v.t.Fatalf("viewer never heard %s: states %v, deleted %v, %d resyncs", what, v.state, v.deleted, v.resyncs)
		}
	}
}

// hubHas waits until cond holds for h (under its lock).
func hubHas(t *testing.T, h *hub, cond func(h *hub) bool) {
	t.Helper()
	for end := time.Now().Add(20 * time.Second); ; time.Sleep(time.Millisecond) {
		h.mu.Lock()
		ok := cond(h)
		h.mu.Unlock()
		if ok {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("the hub never got there: %s", h)
		}
	}
}

type hubFixture struct {
	g   *gallery.Gallery
	h   *hub
	ids []int64
}

func newHubFixture(t *testing.T, n int) *hubFixture {
	t.Helper()
	ctx := context.Background()
	g, err := gallery.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	f := &hubFixture{g: g, h: newHub(bgrender.NewManager(g, nil))}
	for i := range n {
		s, err := g.Create(ctx, gallery.Snapshot{Label: fmt.Sprint("r", i), State: gallery.Rendering})
		if err != nil {
			t.Fatal(err)
		}
		f.ids = append(f.ids, s.ID)
	}
	return f
}

// progress records a metadata change of snapshot id, as the manager does.
func (f *hubFixture) progress(t *testing.T, id int64, pct int) {
	if err := f.g.UpdateMetadata(context.Background(), id, map[string]any{"percentDone": pct}); err != nil {
		t.Fatal(err)
	}
	f.h.publish(EventData{Type: "metadata", ID: id})
}

func (f *hubFixture) setState(t *testing.T, id int64, s gallery.State) {
	if err := f.g.SetState(context.Background(), id, s, ""); err != nil {
		t.Fatal(err)
	}
	f.h.publish(EventData{Type: "state", ID: id})
}

// truth is every snapshot's state in the gallery (absent: deleted).
func (f *hubFixture) truth(t *testing.T) map[int64]gallery.State {
	out := map[int64]gallery.State{}
	for _, id := range f.ids {
		s, err := f.g.Get(context.Background(), id)
		if err == nil {
			out[id] = s.State
		}
	}
	return out
}

func sameStates(a, b map[int64]gallery.State) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestHubStalledViewerEndsWithTrueFinalStates: while one viewer reads
// nothing, many renders change, end (finished, failed, stopped,
// interrupted) and one is deleted; the other viewers hear every final
// state while the stalled one is still blocked, and the stalled one, once
// it reads, ends with every snapshot's true state, without a resync.
func TestHubStalledViewerEndsWithTrueFinalStates(t *testing.T) {
	const renders = 60
	f := newHubFixture(t, renders)
	stalled := watch(t, f.h, "", true)
	var others []*viewer
	for range 3 {
		others = append(others, watch(t, f.h, "", false))
	}
	finals := []gallery.State{gallery.Finished, gallery.Failed, gallery.Stopped, gallery.Interrupted}
	for round := range 5 {
		for _, id := range f.ids {
			f.progress(t, id, 20*round)
		}
		time.Sleep(5 * time.Millisecond) // let some writes happen in between
	}
	for i, id := range f.ids {
		f.setState(t, id, finals[i%len(finals)])
	}
	if err := f.g.Delete(context.Background(), f.ids[7]); err != nil {
		t.Fatal(err)
	}
	f.h.publish(EventData{Type: "deleted", ID: f.ids[7]})
	want := f.truth(t)
	if len(want) != renders-1 {
		t.Fatalf("gallery holds %d snapshots, want %d", len(want), renders-1)
	}
	for _, v := range others {
		v.waitFor("every final state", func(v *viewer) bool { return sameStates(v.state, want) && v.deleted[f.ids[7]] })
	}
	// The others heard everything while the stalled viewer was blocked.
	stalled.mu.Lock()
	blocked, heard := stalled.gate != nil, stalled.events
	stalled.mu.Unlock()
	if !blocked || heard != 0 {
		t.Fatalf("stalled viewer: blocked %v, %d events heard before release", blocked, heard)
	}
	stalled.release()
	stalled.waitFor("every final state", func(v *viewer) bool { return sameStates(v.state, want) })
	// It heard each snapshot's latest state only: no more events than
	// snapshots changed during the stall, and no resync.
	stalled.mu.Lock()
	defer stalled.mu.Unlock()
	// One write may have been taken before the stall blocked it.
	if stalled.resyncs != 0 || stalled.events > 2*renders+1 {
		t.Errorf("stalled viewer: %d events (%d snapshots), %d resyncs", stalled.events, renders, stalled.resyncs)
	}
	if stalled.deleted[f.ids[7]] != true {
		t.Errorf("stalled viewer did not hear of the deletion")
	}
	for _, v := range others {
		v.mu.Lock()
		if v.resyncs != 0 {
			t.Errorf("a reading viewer got %d resyncs", v.resyncs)
		}
		v.mu.Unlock()
	}
}

// TestHubResumeAfterLastEventID: a stream reopened with the id of the last
// event its viewer heard gets exactly the snapshots that changed since,
// in their latest state, and no resync.
func TestHubResumeAfterLastEventID(t *testing.T) {
	f := newHubFixture(t, 5)
	a, b, c, d, e := f.ids[0], f.ids[1], f.ids[2], f.ids[3], f.ids[4]
	v := watch(t, f.h, "", false)
	f.progress(t, a, 10)
	f.progress(t, c, 10)
	v.waitFor("a and c", func(v *viewer) bool { return len(v.state) == 2 })
	v.mu.Lock()
	last := v.lastID
	v.mu.Unlock()
	v.close()

	f.progress(t, b, 50)
	f.setState(t, b, gallery.Finished)
	f.progress(t, d, 30)
	f.setState(t, c, gallery.Stopped)
	if err := f.g.Delete(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	f.h.publish(EventData{Type: "deleted", ID: c})
	// Wait until the hub has read them all, then reconnect.
	hubHas(t, f.h, func(h *hub) bool {
		return h.entries[c] != nil && h.entries[c].kinds[kindDeleted] > 0 && h.entries[d] != nil &&
			h.entries[b] != nil && h.entries[b].kinds[kindState] > 0
	})
	w := watch(t, f.h, last, false)
	w.waitFor("b, c and d", func(v *viewer) bool { return len(v.order) >= 3 })
	f.progress(t, e, 1) // a marker: everything before it is the resume
	w.waitFor("the marker", func(v *viewer) bool { return v.state[e] != "" })
	w.mu.Lock()
	defer w.mu.Unlock()
	heard := map[int64]string{}
	for i, id := range w.order {
		heard[id] = w.types[i]
	}
	got := fmt.Sprint(heard, w.order[len(w.order)-1])
	want := fmt.Sprint(map[int64]string{b: "state", c: "deleted", d: "metadata", e: "metadata"}, e)
	if got != want || len(w.order) != 4 || w.state[b] != gallery.Finished || w.resyncs != 0 {
		t.Fatalf("resumed with %s (states %v, %d resyncs), want %s", got, w.state, w.resyncs, want)
	}
}

// TestHubResyncWhenHistoryIsGone: a stream that resumes from a position
// older than what the hub kept, or from another run of the server, is
// told to resync; so is a live stream that fell behind more snapshots than
// the hub keeps.
func TestHubResyncWhenHistoryIsGone(t *testing.T) {
	f := newHubFixture(t, 10)
	f.h.keep = 4
	v := watch(t, f.h, "", false)
	f.progress(t, f.ids[0], 1)
	v.waitFor("the first change", func(v *viewer) bool { return len(v.state) == 1 })
	v.mu.Lock()
	last := v.lastID
	v.mu.Unlock()
	v.close()

	stalled := watch(t, f.h, "", true)
	for _, id := range f.ids {
		f.progress(t, id, 50)
	}
	hubHas(t, f.h, func(h *hub) bool { return h.seq == 12 }) // 1 at the start of recording, 11 changes
	for _, tc := range []struct{ name, id string }{
		{"forgotten", last},
		{"another run", "zzz-1"},
		{"garbage", "12"},
	} {
		w := watch(t, f.h, tc.id, false)
		w.waitFor("a resync ("+tc.name+")", func(v *viewer) bool { return v.resyncs == 1 })
		w.close()
	}
	stalled.release()
	stalled.waitFor("a resync", func(v *viewer) bool { return v.resyncs == 1 })
	// After the resync it follows again.
	f.progress(t, f.ids[9], 99)
	stalled.waitFor("the next change", func(v *viewer) bool { return v.state[f.ids[9]] != "" })
	// A resumable position is resumed, not resynced.
	stalled.mu.Lock()
	cur := stalled.lastID
	stalled.mu.Unlock()
	w := watch(t, f.h, cur, false)
	f.progress(t, f.ids[8], 98)
	w.waitFor("the change after its position", func(v *viewer) bool { return v.state[f.ids[8]] != "" })
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.resyncs != 0 || len(w.order) != 1 {
		t.Fatalf("resumed stream: %d resyncs, events of %v", w.resyncs, w.order)
	}
}

// TestHubIdleRecording: after the last stream closes the hub goes on
// recording for its idle time, so a viewer that comes back resumes; once
// it has stopped, changes are unknown and a returning viewer resyncs.
func TestHubIdleRecording(t *testing.T) {
	f := newHubFixture(t, 3)
	f.h.idle = time.Hour
	v := watch(t, f.h, "", false)
	v.mu.Lock()
	last := v.lastID
	v.mu.Unlock()
	v.close()
	f.progress(t, f.ids[0], 10) // while no stream is open
	hubHas(t, f.h, func(h *hub) bool { return h.entries[f.ids[0]] != nil })
	w := watch(t, f.h, last, false)
	w.waitFor("the change made while it was away", func(v *viewer) bool { return v.state[f.ids[0]] != "" })
	w.mu.Lock()
	last, resyncs := w.lastID, w.resyncs
	w.mu.Unlock()
	if resyncs != 0 {
		t.Fatalf("%d resyncs within the idle time", resyncs)
	}
	f.h.mu.Lock()
	f.h.idle = time.Millisecond
	f.h.mu.Unlock()
	w.close()
	hubHas(t, f.h, func(h *hub) bool { return h.watch == nil })
	f.progress(t, f.ids[1], 10) // not recorded
	x := watch(t, f.h, last, false)
	x.waitFor("a resync", func(v *viewer) bool { return v.resyncs == 1 })
	// And it records again.
	f.progress(t, f.ids[2], 10)
	x.waitFor("the next change", func(v *viewer) bool { return v.state[f.ids[2]] != "" })
}

package bgrender

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rgallery/rgallery/gallery"
)

// inlineRenderer is a testRenderer that polls inline (InlinePoller) and
// records any renderer call that overlaps another or comes after Close.
type inlineRenderer struct {
	*testRenderer
	inCall   atomic.Int32
	closed   atomic.Bool
	mu       sync.Mutex
	overlaps int
	late     int
}

func (r *inlineRenderer) enter() func() {
	if r.inCall.Add(1) > 1 {
		r.mu.Lock()
		r.overlaps++
		r.mu.Unlock()
	}
	if r.closed.Load() {
		r.mu.Lock()
		r.late++
		r.mu.Unlock()
	}
	return func() { r.inCall.Add(-1) }
}

func (r *inlineRenderer) PollsInline() bool { return true }

func (r *inlineRenderer) IsRenderFinished(ctx context.Context) (bool, error) {
	defer r.enter()()
	return r.testRenderer.IsRenderFinished(ctx)
}

func (r *inlineRenderer) MouseClick(ctx context.Context, x, y float64) error {
	defer r.enter()()
	return r.testRenderer.MouseClick(ctx, x, y)
}

func (r *inlineRenderer) StopBackgroundRender(ctx context.Context) error {
	defer r.enter()()
	return r.testRenderer.StopBackgroundRender(ctx)
}

func (r *inlineRenderer) Close() error {
	defer r.enter()()
	r.closed.Store(true)
	// A slow Close: ticks keep coming while it runs, and must not poll.
	time.Sleep(50 * time.Millisecond)
	return r.testRenderer.Close()
}

func (r *inlineRenderer) counts() (polls, overlaps, late int) {
	r.testRenderer.mu.Lock()
	polls = r.testRenderer.polls
	r.testRenderer.mu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	return polls, r.overlaps, r.late
}

func newInlineFixture(t *testing.T, cfg testConfig) (*fixture, func() *inlineRenderer) {
	f := newFixture(t, cfg)
	var mu sync.Mutex
	var last *inlineRenderer
	err := f.m.Register("Inline", func(h Host) (Renderer, error) {
		r := &inlineRenderer{testRenderer: &testRenderer{testConfig: cfg, h: h, dir: t.TempDir()}}
		mu.Lock()
		last = r
		mu.Unlock()
		return r, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return f, func() *inlineRenderer { mu.Lock(); defer mu.Unlock(); return last }
}

// TestInlinePollFinishes checks that the answer that ends a render, given
// on the clock's goroutine, is recorded once: the renderer is not asked
// again.
func TestInlinePollFinishes(t *testing.T) {
	// With ImageInterval 0 every progressive image is copied by the loop's
	// goroutine; with an hour none is, and inline polls flush themselves.
	for _, interval := range []time.Duration{0, time.Hour} {
		ctx := context.Background()
		f, rend := newInlineFixture(t, testConfig{frames: 5})
		f.m.ImageInterval = interval
		snap, err := f.m.Start(ctx, Request{Renderer: "Inline", Scene: f.scene})
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.m.Wait(ctx, snap.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != gallery.Finished || got.Stats.PercentDone == nil || *got.Stats.PercentDone != 100 || got.Image == "" {
			t.Fatalf("interval %v: state %s, stats %+v, image %q", interval, got.State, got.Stats, got.Image)
		}
		if v := storedPixel(t, f.g, got); v != 250 {
			t.Fatalf("interval %v: stored image has pixel %d, want the last frame's 250", interval, v)
		}
		polls, overlaps, late := rend().counts()
		if polls != 5 || overlaps != 0 || late != 0 {
			t.Fatalf("interval %v: %d polls (want 5: none after the finishing one), %d overlapping calls, %d calls after Close", interval, polls, overlaps, late)
		}
	}
}

func TestInlinePollErrorFails(t *testing.T) {
	ctx := context.Background()
	f, rend := newInlineFixture(t, testConfig{frames: 100, failAt: 3})
	snap, _ := f.m.Start(ctx, Request{Renderer: "Inline", Scene: f.scene})
	got, _ := f.m.Wait(ctx, snap.ID)
	if got.State != gallery.Failed || got.Error != "isRenderFinished: out of memory" {
		t.Fatalf("state %s, error %q", got.State, got.Error)
	}
	if polls, _, _ := rend().counts(); polls != 3 {
		t.Fatalf("%d polls, want 3", polls)
	}
}

// TestInlinePollsNeverOverlapCommands clicks a render many times while the
// clock polls it inline, then stops it: no two renderer calls may overlap,
// and none may come after Close.
func TestInlinePollsNeverOverlapCommands(t *testing.T) {
	ctx := context.Background()
	f, rend := newInlineFixture(t, testConfig{frames: 1 << 30})
	snap, err := f.m.Start(ctx, Request{Renderer: "Inline", Scene: f.scene})
	if err != nil {
		t.Fatal(err)
	}
	// Wait for a few inline polls, so clicks race with them.
	for {
		if p, _, _ := rend().counts(); p >= 3 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	for i := 0; i < 200; i++ {
		if err := f.m.Click(ctx, snap.ID, 0.5, float64(i)/200); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.m.Stop(ctx, snap.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := f.g.Get(ctx, snap.ID)
	r := rend()
	polls, overlaps, late := r.counts()
	if got.State != gallery.Stopped || overlaps != 0 || late != 0 || len(r.clicks) != 200 {
		t.Fatalf("state %s, %d polls, %d overlapping calls, %d calls after Close, %d clicks", got.State, polls, overlaps, late, len(r.clicks))
	}
	if err := f.m.Stop(ctx, snap.ID); err == nil {
		t.Fatal("second stop accepted")
	}
}

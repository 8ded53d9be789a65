package render

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// With OverlapPasses, each callback but the last runs beside the next pass
// and its film holds exactly the samples of its pass,
// callbacks never run at the same time, and the final film equals the
// film of a render without overlap bit for bit.
func TestOverlapPassesCallbackSeesItsPass(t *testing.T) {
	s := cornellLike(t)
	set := Settings{Width: 48, Height: 32, SamplesPerPixel: 16, MaxBounces: 3, Threads: 2, TileSize: 8, AOVs: true}
	want := renderScene(t, s, set)

	set.OverlapPasses = true
	r, err := NewRenderer(s, set)
	if err != nil {
		t.Fatal(err)
	}
	var inside atomic.Int32
	var passes, overlapped int
	err = r.Render(context.Background(), func(p Progress, f *Film) error {
		if inside.Add(1) != 1 {
			t.Error("two callbacks at once")
		}
		defer inside.Add(-1)
		passes++
		if r.ov.reading.Load() {
			overlapped++
		}
		target := min(16, 1<<(p.Pass-1))
		for y := 0; y < f.H; y++ {
			for x := 0; x < f.W; x++ {
				if c := f.Count(x, y); c != target {
					t.Fatalf("pass %d: pixel (%d,%d) has %d samples in the callback's film, want %d", p.Pass, x, y, c, target)
				}
			}
		}
		if got := f.TotalSamples(); got != p.SamplesDone {
			t.Errorf("pass %d: film holds %d samples, progress says %d", p.Pass, got, p.SamplesDone)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if passes != 5 || overlapped != 4 {
		t.Errorf("%d callbacks, %d beside the next pass; want 5 and 4", passes, overlapped)
	}
	if !r.Film().Equal(want) {
		t.Error("film with overlapped callbacks differs from the film without")
	}
}

// A failing overlapped callback stops the render with its error, and no
// callback runs after it.
func TestOverlapPassesCallbackErrorStops(t *testing.T) {
	s := cornellLike(t)
	set := Settings{Width: 48, Height: 32, SamplesPerPixel: 64, MaxBounces: 2, Threads: 2, TileSize: 8, OverlapPasses: true}
	r, err := NewRenderer(s, set)
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("disk full")
	calls := 0
	err = r.Render(context.Background(), func(p Progress, f *Film) error {
		calls++
		if p.Pass == 2 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Render returned %v, want the callback's error", err)
	}
	if calls != 2 {
		t.Errorf("%d callbacks, want 2 (none after the failing one)", calls)
	}
	if r.Film().Count(0, 0) >= 64 {
		t.Error("the render went on to the end after the callback failed")
	}
}

// Tiles finished while an overlapped callback reads the film wait in
// tile buffers: here the callback of pass 2 returns only once every tile
// of pass 3 waits, and the film it reads meanwhile keeps pass 2's counts.
func TestOverlapPassesTilesWaitForCallback(t *testing.T) {
	s := cornellLike(t)
	set := Settings{Width: 48, Height: 32, SamplesPerPixel: 8, MaxBounces: 2, Threads: 2, TileSize: 8, AOVs: true}
	want := renderScene(t, s, set)
	set.OverlapPasses = true
	r, err := NewRenderer(s, set)
	if err != nil {
		t.Fatal(err)
	}
	tiles := len(r.tiles)
	err = r.Render(context.Background(), func(p Progress, f *Film) error {
		if p.Pass != 2 {
			return nil
		}
		deadline := time.Now().Add(time.Minute)
		for {
			r.ov.mu.Lock()
			n := len(r.ov.waiting)
			r.ov.mu.Unlock()
			if n == tiles {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%d of %d tiles of pass 3 waiting after a minute", n, tiles)
			}
			time.Sleep(time.Millisecond)
		}
		if c := f.Count(0, 0); c != 2 {
			t.Errorf("pass 3 reached the film during pass 2's callback: %d samples", c)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Film().Equal(want) {
		t.Error("film with buffered tiles differs from the film without")
	}
	if len(r.ov.pool) != cap(r.ov.pool) {
		t.Errorf("%d of %d tile buffers back in the pool", len(r.ov.pool), cap(r.ov.pool))
	}
}

// Adaptive sampling reads the film between passes; with overlapped
// callbacks it stops the same pixels and the film is the same.
func TestOverlapPassesAdaptiveSameFilm(t *testing.T) {
	s := cornellLike(t)
	set := Settings{Width: 40, Height: 24, SamplesPerPixel: 32, MaxBounces: 2, Threads: 2, TileSize: 8, AdaptiveThreshold: 0.05}
	want := renderScene(t, s, set)
	set.OverlapPasses = true
	r, err := NewRenderer(s, set)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Render(context.Background(), func(Progress, *Film) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if !r.Film().Equal(want) {
		t.Error("adaptive film with overlapped callbacks differs from the film without")
	}
	if r.Film().TotalSamples() == int64(32*40*24) {
		t.Error("adaptive sampling stopped no pixel; the test shows nothing")
	}
}

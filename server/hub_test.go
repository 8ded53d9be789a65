package server

import (
	"context"
	"strings"
	"testing"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/gallery"
)

// TestHubSlowClientGetsResync: a stream that does not keep up loses events
// instead of holding the others back, and is told to reload once it has
// room again.
func TestHubSlowClientGetsResync(t *testing.T) {
	g, err := gallery.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	h := newHub(bgrender.NewManager(g, nil))
	slow, cancelSlow := h.subscribe()
	fast, cancelFast := h.subscribe()
	defer cancelSlow()
	if h.streams() != 2 {
		t.Fatalf("%d streams", h.streams())
	}
	got := 0
	for i := range 200 {
		h.publish(EventData{Type: "updated", ID: int64(i + 1)})
		<-fast // the fast client reads each one
		got++
	}
	if got != 200 {
		t.Fatalf("fast client got %d of 200", got)
	}
	// The slow one has its buffer full and lost the rest.
	n := len(slow)
	for range n {
		<-slow
	}
	if n != cap(slow) {
		t.Fatalf("slow client holds %d events, want its buffer (%d)", n, cap(slow))
	}
	h.publish(EventData{Type: "updated", ID: 999})
	first, second := string(<-slow), string(<-slow)
	if !strings.HasPrefix(first, "event: resync\n") || !strings.Contains(second, `"id":999`) {
		t.Fatalf("after the loss: %q then %q, want a resync then the event", first, second)
	}
	cancelFast()
	if h.streams() != 1 {
		t.Fatalf("%d streams after one left", h.streams())
	}
}

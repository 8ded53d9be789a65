//go:build linux

package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/rgallery/rgallery/gallery"
)

// TestBrowserLiveRendersUpdateInPlace: while a dozen renders run, end
// (finished or stopped) and one is deleted, the page shows every
// snapshot's true final state from the event stream alone: its cards are
// updated in place, and the list is never reloaded (a card marked before
// the renders is the same element after them, and no page was read again).
func TestBrowserLiveRendersUpdateInPlace(t *testing.T) {
	f := newFixture(t, fixtureOpts{loopback: true})
	first := f.render(map[string]any{"passes": 1, "interval": "10ms", "size": "64x48"})
	f.wait(first.ID)
	b := newBrowser(t, 1280, 800)
	b.do(chromedp.Navigate(f.srv.URL + "/"))
	b.waitJS("the page, live", `document.body.dataset.ready === '1' && document.body.dataset.live === '1' && document.querySelector('.card[data-id="1"]') !== null`)
	b.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('.card[data-id="1"]').rgMark = 1; window.pagesBefore = document.body.dataset.pages`))

	var ids []int64
	for i := range 12 {
		passes := 8 + i
		if i < 3 {
			passes = 1000 // stopped below
		}
		s := f.render(map[string]any{"passes": passes, "interval": "30ms", "size": "64x48"})
		ids = append(ids, s.ID)
	}
	for _, id := range ids[:3] {
		if code := f.do("POST", fmt.Sprintf("/api/snapshots/%d/stop", id), nil, nil); code != http.StatusOK {
			t.Fatalf("stop %d: %d", id, code)
		}
	}
	want := map[int64]gallery.State{}
	for _, id := range ids {
		want[id] = f.wait(id).State
	}
	if code := f.do("DELETE", fmt.Sprintf("/api/snapshots/%d", ids[5]), nil, nil); code != http.StatusOK && code != http.StatusNoContent {
		t.Fatalf("delete %d: %d", ids[5], code)
	}
	delete(want, ids[5])
	var cond []string
	for id, st := range want {
		cond = append(cond, fmt.Sprintf(`document.querySelector('.card[data-id="%d"] .badge')?.textContent === %q`, id, st))
	}
	cond = append(cond, fmt.Sprintf(`document.querySelector('.card[data-id="%d"]') === null`, ids[5]))
	b.waitJS("every render's final state, and the deletion", strings.Join(cond, " && "))
	if !eval[bool](b, `document.querySelector('.card[data-id="1"]').rgMark === 1 && document.body.dataset.pages === window.pagesBefore`) {
		t.Errorf("the list was reloaded (pages %q)", eval[string](b, `document.body.dataset.pages`))
	}
	if n := eval[int](b, `document.querySelectorAll('.card').length`); n != len(want)+1 {
		t.Errorf("%d cards, want %d", n, len(want)+1)
	}
}

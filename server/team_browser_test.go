//go:build linux

package server_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/rgallery/rgallery/gallery"
)

// TestBrowserTeamSignInAndUserFilter signs in on the sign-in page in real
// Chromium with a user's token, sees the gallery, and filters the strip by
// user; the Info panel names the maker.
func TestBrowserTeamSignInAndUserFilter(t *testing.T) {
	f := newTeamFixture(t)
	ctx := context.Background()
	for _, who := range []string{"ana", "bo", "ana"} {
		if _, err := f.g.Create(ctx, gallery.Snapshot{Renderer: "Local", State: gallery.Finished, Label: who + "'s take", CreatedBy: who}); err != nil {
			t.Fatal(err)
		}
	}
	b := newBrowser(t, 1280, 800)
	b.do(chromedp.Navigate(f.srv.URL + "/"))
	b.waitJS("the sign-in page", `location.pathname === '/signin' && !!document.querySelector('input[name=token]')`)
	b.do(chromedp.SendKeys(chromedp.CSS(`input[name=token]`), f.bo), chromedp.Submit(chromedp.CSS(`input[name=token]`)),
		chromedp.WaitReady(`#strip-list`))
	b.waitJS("the gallery after signing in", `location.pathname === '/' && document.body.dataset.ready === '1' && document.querySelectorAll('.card').length === 3`)
	b.do(chromedp.SendKeys(chromedp.CSS("#f-user"), "ana"))
	b.waitJS("ana's snapshots only", `[...document.querySelectorAll('.card')].map(c => c.dataset.id).join(',') === '3,1'`)
	b.do(chromedp.Click(chromedp.CSS(`.card[data-id="3"]`)))
	b.waitJS("the maker in the Info panel", `document.body.textContent.includes('Made by') && document.body.textContent.includes('ana')`)
	b.screenshot("team-user-filter.png")
}

//go:build linux

package server_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/rgallery/rgallery/gallery"
)

// dropJS drops one file, given as base64, on the strip as a browser's drag
// and drop delivers it: a drop event whose DataTransfer holds a File.
func dropJS(name, b64 string) string {
	return fmt.Sprintf(`(() => {
		const bytes = Uint8Array.from(atob(%q), c => c.charCodeAt(0));
		const dt = new DataTransfer();
		dt.items.add(new File([bytes], %q));
		const strip = document.querySelector('#strip');
		strip.dispatchEvent(new DragEvent('dragover', {dataTransfer: dt, bubbles: true, cancelable: true}));
		strip.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
		return true;
	})()`, b64, name)
}

// TestBrowserDropImport: an image file dropped on the strip is uploaded and
// appears as a finished, selected snapshot; a bad file is reported by name.
func TestBrowserDropImport(t *testing.T) {
	f := newFixture(t, fixtureOpts{loopback: true})
	img := image.NewNRGBA(image.Rect(0, 0, 32, 16))
	for i := 0; i < 32*16; i++ {
		img.Set(i%32, i/32, color.NRGBA{0, 0, 255, 255})
	}
	var pb bytes.Buffer
	png.Encode(&pb, img)
	b := newBrowser(t, 1200, 700)
	b.do(chromedp.Navigate(f.srv.URL + "/"))
	b.waitJS("the page", `document.body.dataset.ready === '1' && document.body.dataset.live === '1'`)

	eval[bool](b, dropJS("dropped.png", base64.StdEncoding.EncodeToString(pb.Bytes())))
	b.waitJS("the import", `document.body.dataset.import === 'done'`)
	b.waitJS("the imported card, selected", `(() => { const c = document.querySelector('.card[data-id="1"]');
		return c && c.classList.contains('sel') && c.querySelector('.label').textContent === 'dropped.png' && c.querySelector('.badge.finished') !== null; })()`)
	s, err := f.g.Get(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if s.State != gallery.Finished || s.Renderer != gallery.ImportRenderer || s.ResX != 32 {
		t.Fatalf("snapshot %+v", s)
	}

	eval[bool](b, dropJS("notes.txt", base64.StdEncoding.EncodeToString([]byte("not an image"))))
	b.waitJS("the failed import", `document.body.dataset.import === 'failed' && document.querySelector('#toast').textContent.includes('notes.txt')`)
	if n, _ := f.g.Count(t.Context()); n != 1 {
		t.Errorf("%d snapshots after a bad drop", n)
	}
	b.screenshot("20-drop-import.png")
}

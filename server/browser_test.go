//go:build linux

package server_test

// These tests drive the web UI in a real headless Chromium (Debian's
// chromium) with chromedp, against a real gallery, manager and Command
// renderer processes. Screenshots go to $RGALLERY_ARTIFACTS (default a
// temp dir of the test).

import (
	"context"
	"fmt"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/rgallery/rgallery/gallery"
)

const chromiumPath = "/usr/bin/chromium"

const (
	kbDown = kb.ArrowDown
	kbUp   = kb.ArrowUp
)

// browser is one headless Chromium in its own process group.
type browser struct {
	t   *testing.T
	ctx context.Context
	dir string // screenshots
}

func findChromium(t testing.TB) string {
	if p := os.Getenv("RGALLERY_CHROMIUM"); p != "" {
		return p
	}
	if _, err := os.Stat(chromiumPath); err == nil {
		return chromiumPath
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	t.Skip("chromium is not installed (apt-get install chromium, or set RGALLERY_CHROMIUM): browser tests skipped")
	return ""
}

func artifactsDir(t testing.TB) string {
	if d := os.Getenv("RGALLERY_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// newBrowser starts Chromium; at the end of the test it checks that the
// browser's whole process group is gone.
func newBrowser(t *testing.T, w, h int) *browser {
	t.Helper()
	exe := findChromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(w, h),
		chromedp.ModifyCmdFunc(func(cmd *exec.Cmd) {
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
		}),
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		acancel()
		t.Fatalf("start chromium: %v", err)
	}
	pid := chromedp.FromContext(ctx).Browser.Process().Pid
	// Every script error and CSP refusal on the page fails the test.
	var consoleMu sync.Mutex
	var problems []string
	consoleDone := make(chan struct{})
	msgs := chromedp.Console(ctx)
	go func() {
		defer close(consoleDone)
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == chromedp.ConsoleError && (m.Source == "" || m.Source == "security" || strings.Contains(m.Text, "Content Security Policy")) {
				consoleMu.Lock()
				problems = append(problems, fmt.Sprintf("%s (%s:%d)", m, m.URL, m.Line))
				consoleMu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		consoleMu.Lock()
		for _, p := range problems {
			t.Errorf("browser console: %s", p)
		}
		consoleMu.Unlock()
	})
	t.Cleanup(func() {
		cancel()
		<-consoleDone
		acancel()
		// Chromium's helpers are in its process group; none may be left.
		syscall.Kill(-pid, syscall.SIGKILL)
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) && len(groupMembers(pid)) > 0 {
			time.Sleep(20 * time.Millisecond)
		}
		if m := groupMembers(pid); len(m) > 0 {
			t.Errorf("chromium process group %d still has processes %v", pid, m)
		}
	})
	return &browser{t: t, ctx: ctx, dir: artifactsDir(t)}
}

// groupMembers lists the live processes of process group pgid.
func groupMembers(pgid int) []int {
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if g, err := syscall.Getpgid(pid); err == nil && g == pgid && alive(pid) {
			out = append(out, pid)
		}
	}
	return out
}

func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 45*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// eval evaluates a JavaScript expression.
func eval[T any](b *browser, js string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// waitJS waits until a JavaScript expression is truthy.
func (b *browser) waitJS(what, js string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 40*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(40*time.Second))); err != nil {
		name := "failed-" + strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				return r
			}
			return '-'
		}, what) + ".png"
		if png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot()); err == nil {
			os.WriteFile(filepath.Join(b.dir, name), png, 0o644)
		}
		b.t.Fatalf("waiting for %s (%s): %v (screenshot %s)", what, js, err, name)
	}
}

func (b *browser) screenshot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	p := filepath.Join(b.dir, name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot %s", p)
}

// clickAt clicks the page at a point of an element given as fractions of
// its box.
func (b *browser) clickAt(sel string, fx, fy float64, opts ...chromedp.MouseOption) {
	b.t.Helper()
	r := eval[[]float64](b, fmt.Sprintf(`(() => { const r = document.querySelector(%q).getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`, sel))
	b.do(chromedp.MouseClickXY(r[0]+fx*r[2], r[1]+fy*r[3], opts...))
}

func (b *browser) key(k string) {
	b.t.Helper()
	b.do(chromedp.KeyEvent(k))
}

func TestBrowserRenderStarTagCompareReload(t *testing.T) {
	f := newFixture(t, fixtureOpts{loopback: true})
	b := newBrowser(t, 1440, 860)

	// Open the gallery: empty, connected to the event stream.
	b.do(chromedp.Navigate(f.srv.URL + "/"))
	b.waitJS("the page to load", `document.body.dataset.ready === '1' && document.body.dataset.live === '1'`)
	b.waitJS("the renderer menu", `['Exit Three', 'Local', 'No Image', 'Progressive'].every(l => [...document.querySelectorAll('#renderer-menu button')].some(b => b.textContent.startsWith(l)))`)

	// Start a render from the file picker (limited to the root): a long
	// one, so that there is time to watch it, click it and stop it.
	if code := f.do("POST", "/api/renders", map[string]any{"renderer": "Progressive", "scene": f.scene, "options": map[string]any{"passes": 400, "interval": "100ms", "size": "320x180"}}, nil); code != 201 {
		t.Fatalf("seed the last options: %d", code)
	}
	// That first render only set the renderer's last options; stop it
	// and leave it in the gallery.
	f.do("POST", "/api/snapshots/1/stop", nil, nil)
	b.waitJS("snapshot 1 to be stopped in the strip", `document.querySelector('.card[data-id="1"] .badge.stopped') !== null`)

	b.do(chromedp.Click(chromedp.CSS("#btn-open")))
	b.waitJS("the picker to list the root", `[...document.querySelectorAll('.picker li')].some(li => li.textContent.includes('scenes'))`)
	b.do(chromedp.Click(chromedp.JSPath(`[...document.querySelectorAll('.picker li')].find(li => li.textContent.includes('scenes'))`)))
	b.waitJS("the picker to list the scenes", `[...document.querySelectorAll('.picker li')].some(li => li.textContent.includes('shot.usda'))`)
	if eval[bool](b, `[...document.querySelectorAll('.picker li')].some(li => li.textContent.includes('notes.txt'))`) {
		t.Error("the picker offers notes.txt, which is not a USD file")
	}
	b.do(chromedp.Click(chromedp.JSPath(`[...document.querySelectorAll('.picker li')].find(li => li.textContent.includes('shot.usda'))`)))
	b.screenshot("00-file-picker.png")
	b.do(chromedp.SetValue(chromedp.CSS("#pick-renderer"), "Progressive"), chromedp.Click(chromedp.CSS("#pick-render")))

	// The new render is selected; progress and image update live.
	b.waitJS("snapshot 2 to be selected", `document.querySelector('.card.sel')?.dataset.id === '2'`)
	// Watch every swap of the viewer's image: each new picture must be
	// decoded and ready when it is swapped in (no blank frame, no flicker).
	b.do(chromedp.Evaluate[chromedp.Void](`(() => { const i = document.querySelector('#img-a'); window.swaps = [];
		new MutationObserver(() => window.swaps.push(i.complete && i.naturalWidth > 0)).observe(i, {attributes: true, attributeFilter: ['src']}); })()`))
	b.waitJS("the first image", `+document.querySelector('#img-a').dataset.version >= 1`)
	v1 := eval[float64](b, `+document.querySelector('#img-a').dataset.version`)
	p1 := eval[string](b, `document.querySelector('#stats .pct').textContent`)
	b.waitJS("a newer image", fmt.Sprintf(`+document.querySelector('#img-a').dataset.version >= %v`, v1+2))
	b.waitJS("progress to move", fmt.Sprintf(`document.querySelector('#stats .pct').textContent !== %q`, p1))
	if ring := eval[bool](b, `document.querySelector('.card[data-id="2"] .ring') !== null`); !ring {
		t.Error("the live snapshot has no progress ring in the strip")
	}
	// The viewer shows the newest image, not a stale one.
	s := f.get(2)
	if s.State != gallery.Rendering {
		t.Fatalf("snapshot 2 is %s, want rendering", s.State)
	}
	if swaps := eval[[]bool](b, `window.swaps`); len(swaps) < 3 {
		t.Errorf("the viewer swapped its image %d times, want one per progressive image", len(swaps))
	} else {
		for i, ok := range swaps {
			if !ok {
				t.Errorf("swap %d of %d showed an image that was not decoded yet (flicker)", i+1, len(swaps))
			}
		}
	}
	b.screenshot("01-live-render.png")

	// Click on the live image: the renderer gets the normalized point.
	b.clickAt("#img-a", 0.25, 0.75)
	b.waitJS("the click marker", `!document.querySelector('#marker').hidden`)
	var got [2]float64
	deadline := time.Now().Add(10 * time.Second)
	for {
		if c := f.clicks(2); len(c) > 0 {
			got = c[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the renderer never received the click (no \"clicked\" line in the render log)")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if math.Abs(got[0]-0.25) > 0.01 || math.Abs(got[1]-0.75) > 0.01 {
		t.Fatalf("renderer got click %v, want about (0.25, 0.75)", got)
	}
	b.screenshot("02-click-marker.png")

	// Stop it from the right-click menu, as in Houdini.
	pid := f.pid(2)
	b.clickAt("#img-a", 0.5, 0.5, chromedp.ButtonType(input.MouseButtonRight))
	b.waitJS("the context menu", `!document.querySelector('#ctx').hidden`)
	b.do(chromedp.Click(chromedp.JSPath(`[...document.querySelectorAll('#ctx button')].find(b => b.textContent.includes('Stop'))`)))
	b.waitJS("the stopped badge", `document.querySelector('#stats .badge')?.textContent === 'stopped'`)
	if s := f.get(2); s.State != gallery.Stopped {
		t.Fatalf("snapshot 2 is %s after Stop, want stopped", s.State)
	}
	for i := 0; alive(pid) && i < 100; i++ {
		time.Sleep(20 * time.Millisecond)
	}
	if alive(pid) {
		t.Fatalf("render process %d still runs after Stop", pid)
	}

	// Star it with the keyboard and tag it in the Info panel.
	b.do(chromedp.Click(chromedp.CSS("#strip")))
	b.key("s")
	b.waitJS("the star", `document.querySelector('.card[data-id="2"] .star') !== null`)
	b.do(chromedp.SendKeys(chromedp.CSS("input.tag-add"), "hero\r"))
	b.waitJS("the tag chip", `[...document.querySelectorAll('.card[data-id="2"] .chip')].some(c => c.textContent === 'hero')`)
	if s := f.get(2); !s.Star || len(s.Tags) != 1 || s.Tags[0] != "hero" {
		t.Fatalf("after star and tag: star %v tags %v", s.Star, s.Tags)
	}

	// A second render through the renderer menu and its options form.
	b.do(chromedp.Click(chromedp.CSS("#btn-renderers")))
	b.do(chromedp.Click(chromedp.JSPath(`[...document.querySelectorAll('#renderer-menu button')].find(b => b.textContent.startsWith('Progressive'))`)))
	b.waitJS("the options form", `document.querySelector('#opt-passes') !== null`)
	if v := eval[string](b, `document.querySelector('#opt-passes').value`); v != "400" {
		t.Errorf("the form shows passes=%s, want the last options' 400", v)
	}
	b.screenshot("02b-options-form.png")
	b.do(chromedp.SetValue(chromedp.CSS("#opt-passes"), "3"),
		chromedp.SetValue(chromedp.CSS("#opt-interval"), "20ms"),
		chromedp.Click(chromedp.CSS("#form-render")))
	b.waitJS("snapshot 3 selected", `document.querySelector('.card.sel')?.dataset.id === '3'`)
	if s := f.wait(3); s.State != gallery.Finished || s.Options["plugin"].(map[string]any)["passes"] != 3.0 {
		t.Fatalf("snapshot 3: %s, options %v", s.State, s.Options)
	}
	b.waitJS("snapshot 3 finished in the viewer", `document.querySelector('#stats .badge')?.textContent === 'finished' && document.querySelector('#stats .pct').textContent === '100.0 %'`)
	b.waitJS("its last image", fmt.Sprintf(`+document.querySelector('#img-a').dataset.version === %d`, f.get(3).ImageVersion))

	// A/B: space compares the selected snapshot (A, 3) with the one
	// selected before it (B, 2).
	b.do(chromedp.Click(chromedp.CSS("#strip")))
	b.key(" ")
	b.waitJS("the wipe", `!document.querySelector('#wipe-b').hidden && document.querySelector('#img-b').dataset.id === '2' && document.querySelector('#img-b').dataset.version !== ''`)
	if !eval[bool](b, `!document.querySelector('#stats-b').hidden && document.querySelector('#stats-b').textContent.includes('#2')`) {
		t.Error("B's stats are not shown in wipe mode")
	}
	b.screenshot("03-ab-wipe.png")
	b.key("x")
	b.waitJS("A and B swapped", `document.querySelector('.card.sel').dataset.id === '2' && document.querySelector('#img-b').dataset.id === '3'`)
	b.key("x")
	b.waitJS("A and B swapped back", `document.querySelector('.card.sel').dataset.id === '3' && document.querySelector('#img-b').dataset.id === '2'`)
	b.do(chromedp.Click(chromedp.CSS(`#compare-modes button[data-mode="side"]`)))
	b.waitJS("side by side", `!document.querySelector('#stage2').hidden && document.querySelector('#img-b2').dataset.id === '2'`)
	b.screenshot("04-ab-side.png")
	b.do(chromedp.Click(chromedp.CSS(`#compare-modes button[data-mode="diff"]`)))
	// A is pass 3/3 (blue 255), B an earlier pass of 400 (blue < 255): the
	// difference is in the blue channel only, red and green cancel.
	b.waitJS("the difference", `+document.querySelector('#diff').dataset.max > 0`)
	px := eval[[]float64](b, `(() => { const c = document.querySelector('#diff'); const d = c.getContext('2d').getImageData(c.width/2|0, c.height/2|0, 1, 1).data; return [d[0], d[1], d[2]]; })()`)
	bBlue := pngBlue(t, f.g.Path(f.get(2).Image), 160, 90)
	if px[0] != 0 || px[1] != 0 || px[2] != float64(255-bBlue) || bBlue == 255 {
		t.Errorf("difference pixel = %v, want [0 0 %d] (A's blue 255 minus B's %d)", px, 255-bBlue, bBlue)
	}
	b.screenshot("05-ab-diff.png")
	b.key(" ")
	b.waitJS("compare off", `document.querySelector('#wipe-b').hidden && document.querySelector('#stage2').hidden`)

	// A failed render shows its log in the Info panel.
	if code := f.do("POST", "/api/renders", map[string]any{"renderer": "Exit Three", "scene": f.scene, "options": map[string]any{"passes": 1, "interval": "10ms", "size": "64x48"}}, nil); code != 201 {
		t.Fatalf("failing render: %d", code)
	}
	f.wait(4)
	b.waitJS("the failed card", `document.querySelector('.card[data-id="4"] .badge.failed') !== null`)
	b.do(chromedp.Click(chromedp.CSS(`.card[data-id="4"]`)))
	b.waitJS("the log of the failed render", `document.querySelector('#info-log pre')?.textContent.includes('failed')`)
	b.screenshot("06-failed-log.png")

	// Reload: everything is as it was.
	b.do(chromedp.Reload())
	b.waitJS("the page to load again", `document.body.dataset.ready === '1'`)
	b.waitJS("all four snapshots", `document.querySelectorAll('.card').length === 4`)
	checks := map[string]string{
		"snapshot 2 starred":  `document.querySelector('.card[data-id="2"] .star') !== null`,
		"snapshot 2 tagged":   `[...document.querySelectorAll('.card[data-id="2"] .chip')].some(c => c.textContent === 'hero')`,
		"snapshot 2 stopped":  `document.querySelector('.card[data-id="2"] .badge').textContent === 'stopped'`,
		"snapshot 3 finished": `document.querySelector('.card[data-id="3"] .badge').textContent === 'finished'`,
		"snapshot 4 failed":   `document.querySelector('.card[data-id="4"] .badge').textContent === 'failed'`,
		"newest selected":     `document.querySelector('.card.sel')?.dataset.id === '4'`,
	}
	for what, js := range checks {
		if !eval[bool](b, js) {
			t.Errorf("after reload: not %s", what)
		}
	}
	b.do(chromedp.Click(chromedp.CSS(`.card[data-id="3"]`)))
	b.waitJS("snapshot 3's image", fmt.Sprintf(`document.querySelector('#img-a').dataset.id === '3' && +document.querySelector('#img-a').dataset.version === %d`, f.get(3).ImageVersion))
	b.screenshot("07-after-reload.png")

	// Filter by star: only snapshot 2.
	b.do(chromedp.Click(chromedp.CSS("#f-star")))
	b.waitJS("the star filter", `document.querySelectorAll('.card').length === 1 && document.querySelector('.card').dataset.id === '2'`)
	b.do(chromedp.Click(chromedp.CSS("#f-star")))
	b.waitJS("no filter", `document.querySelectorAll('.card').length === 4`)

	// Delete with the keyboard, after a confirmation.
	b.do(chromedp.Click(chromedp.CSS(`.card[data-id="4"]`)), chromedp.Click(chromedp.CSS("#strip")))
	b.key(kb.Delete)
	b.waitJS("the confirmation", `!document.querySelector('#modal').hidden && document.querySelector('#dialog h3').textContent.includes('#4')`)
	b.key("\r")
	b.waitJS("the card to go", `document.querySelector('.card[data-id="4"]') === null`)
	if _, err := f.g.Get(context.Background(), 4); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("snapshot 4 still in the gallery after Delete: %v", err)
	}
}

// TestBrowserLargeGallery opens a gallery of 5,000 snapshots: the strip
// holds one page at first and loads more as it scrolls; the keyboard moves
// the selection; a filter asks the server.
func TestBrowserLargeGallery(t *testing.T) {
	srv, _ := benchServer(t, 5000, 40)
	b := newBrowser(t, 1440, 860)
	b.do(chromedp.Navigate(srv.URL + "/"))
	// The strip reports when it is idle (no page on its way and the
	// sentinel out of view after layout) and the sizes of the pages it
	// loaded: a strip that loads a page it does not need fails here
	// however fast the browser is.
	b.waitJS("the first page", `document.body.dataset.ready === '1' && document.body.dataset.strip === 'idle' && document.querySelector('#img-a').dataset.version === '1'`)
	if pages := eval[string](b, `document.body.dataset.pages`); pages != "40" {
		t.Fatalf("pages loaded after opening: %q, want one first page of 40", pages)
	}
	if n := eval[int](b, `document.querySelectorAll('.card').length`); n != 40 {
		t.Fatalf("%d cards after opening, want a first page of 40", n)
	}
	b.waitJS("the visible thumbnails", `[...document.querySelectorAll('.card .th img')].slice(0, 10).every(i => i.complete && i.naturalWidth === 256)`)
	b.screenshot("08-large-gallery.png")
	// Scrolling to the end of the strip loads the next pages.
	b.waitJS("the next pages", `(document.querySelector('#strip').scrollTop = 1e9, document.querySelectorAll('.card').length >= 240)`)
	if pages := eval[string](b, `document.body.dataset.pages`); !strings.HasPrefix(pages, "40,100,100") {
		t.Errorf("pages loaded while scrolling: %q, want 40 then pages of 100", pages)
	}
	if got := eval[string](b, `document.querySelectorAll('.card')[150].dataset.id`); got != "4850" {
		t.Errorf("card 150 is snapshot %s, want 4850 (newest first, no gaps)", got)
	}
	// Arrow keys move through the strip.
	b.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#strip').scrollTop = 0`), chromedp.Click(chromedp.CSS(`.card[data-id="4998"]`)))
	b.key(kbDown)
	b.key(kbDown)
	b.waitJS("the selection to move down twice", `document.querySelector('.card.sel').dataset.id === '4996'`)
	b.key(kbUp)
	b.waitJS("the selection to move up", `document.querySelector('.card.sel').dataset.id === '4997'`)
	// The text filter is answered by the server, over the whole gallery.
	b.do(chromedp.SendKeys(chromedp.CSS("#f-text"), "take 1234"))
	b.waitJS("the filtered strip", `[...document.querySelectorAll('.card')].map(c => c.dataset.id).join(',') === '1234'`)
}

// TestBrowserLocalRender renders the Cornell box of the bench scenes with
// the built-in Local renderer (the path tracer in a worker process), picked
// from the file picker with its options form.
func TestBrowserLocalRender(t *testing.T) {
	shared := sharedDir()
	src := filepath.Join(shared, "bench-scenes", "cornell", "cornell.usda")
	if _, err := os.Stat(src); shared == "" || err != nil {
		t.Skipf("no Cornell box bench scene (../shared or RGALLERY_SHARED): %v", err)
	}
	f := newFixture(t, fixtureOpts{loopback: true})
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.root, "cornell.usda"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, 1440, 860)
	b.do(chromedp.Navigate(f.srv.URL + "/"))
	b.waitJS("the page", `document.body.dataset.ready === '1' && document.body.dataset.live === '1'`)
	b.do(chromedp.Click(chromedp.CSS("#btn-open")))
	b.waitJS("the roots", `[...document.querySelectorAll('.picker li')].some(li => li.textContent.includes('scenes'))`)
	b.do(chromedp.Click(chromedp.JSPath(`[...document.querySelectorAll('.picker li')].find(li => li.textContent.includes('scenes'))`)))
	b.waitJS("the scenes", `[...document.querySelectorAll('.picker li')].some(li => li.textContent.includes('cornell.usda'))`)
	b.do(chromedp.Click(chromedp.JSPath(`[...document.querySelectorAll('.picker li')].find(li => li.textContent.includes('cornell.usda'))`)),
		chromedp.SetValue(chromedp.CSS("#pick-renderer"), "Local"),
		chromedp.Click(chromedp.JSPath(`[...document.querySelectorAll('#dialog button')].find(b => b.textContent.startsWith('Options'))`)))
	b.waitJS("Local's options form", `document.querySelector('#opt-spp') !== null && document.querySelector('#opt-maxBounces') !== null`)
	if v := eval[string](b, `document.querySelector('#opt-spp').value`); v != "64" {
		t.Errorf("spp field shows %s, want the default 64", v)
	}
	// Small, so that it renders in seconds even on a busy machine.
	b.do(chromedp.SetValue(chromedp.CSS("#opt-spp"), "8"), chromedp.SetValue(chromedp.CSS("#opt-threads"), "2"),
		chromedp.SetValue(chromedp.CSS("#opt--res"), "320x180"),
		chromedp.Click(chromedp.CSS("#form-render")))
	b.waitJS("the render to be selected", `document.querySelector('.card.sel')?.dataset.id === '1'`)
	b.waitJS("the first image", `+document.querySelector('#img-a').dataset.version >= 1`)
	s := f.wait(1)
	if s.State != gallery.Finished || s.Renderer != "Local" || s.Options["plugin"].(map[string]any)["spp"] != 8.0 || s.ResX != 320 || s.ResY != 180 {
		t.Fatalf("Local render: %s %s %v (%s)", s.State, s.Renderer, s.Options, s.Error)
	}
	b.waitJS("the final image and stats", fmt.Sprintf(`+document.querySelector('#img-a').dataset.version === %d && document.querySelector('#stats .badge').textContent === 'finished'`, s.ImageVersion))
	if w := eval[int](b, `document.querySelector('#img-a').naturalWidth`); w != 320 {
		t.Errorf("image width %d, want the form's 320", w)
	}
	if ttfp := eval[string](b, `document.querySelector('#stats .ttfp').textContent`); ttfp == "—" {
		t.Error("no time to first pixel in the stats overlay")
	}
	// The red wall is left, the green wall right (the image is the right
	// way round and in colour).
	rgb := eval[[]float64](b, `(() => { const i = document.querySelector('#img-a'); const c = document.createElement('canvas'); c.width = i.naturalWidth; c.height = i.naturalHeight;
		const x = c.getContext('2d'); x.drawImage(i, 0, 0); const px = (fx, fy) => [...x.getImageData(fx * c.width | 0, fy * c.height | 0, 1, 1).data.slice(0, 3)];
		return [...px(0.28, 0.5), ...px(0.72, 0.5)]; })()`)
	if !(rgb[0] > rgb[1]+20 && rgb[4] > rgb[3]+20) {
		t.Errorf("left wall %v, right wall %v: want red left, green right", rgb[:3], rgb[3:])
	}
	b.screenshot("09-local-cornell.png")
}

// TestBrowserNoImage: a render that never wrote an image says so in the
// viewer, with the reason, instead of showing an empty frame.
func TestBrowserNoImage(t *testing.T) {
	f := newFixture(t, fixtureOpts{loopback: true})
	b := newBrowser(t, 1200, 700)
	b.do(chromedp.Navigate(f.srv.URL + "/"))
	b.waitJS("the page", `document.body.dataset.ready === '1' && document.body.dataset.live === '1'`)
	if code := f.do("POST", "/api/renders", map[string]any{"renderer": "No Image", "scene": f.scene, "options": map[string]any{"passes": 2, "interval": "10ms"}}, nil); code != 201 {
		t.Fatalf("render: %d", code)
	}
	f.wait(1)
	b.waitJS("the failed card", `document.querySelector('.card[data-id="1"] .badge.failed') !== null`)
	b.do(chromedp.Click(chromedp.CSS(`.card[data-id="1"]`)))
	b.waitJS("the no-image notice", `!document.querySelector('#noimage').hidden && document.querySelector('#noimage .big').textContent === 'No image (failed)' && document.querySelector('#noimage .muted').textContent.includes('without writing an image')`)
	if eval[bool](b, `document.querySelector('#btn-export').disabled`) == false {
		t.Error("Export is enabled for a snapshot without an image")
	}
	b.screenshot("10-no-image.png")
}

// TestBrowserSeesCLIEdits: edits written to the gallery by another process
// (the CLI writes the database directly) reach an open page.
func TestBrowserSeesCLIEdits(t *testing.T) {
	f := newFixture(t, fixtureOpts{loopback: true})
	f.wait(f.render(map[string]any{"passes": 1, "interval": "1ms", "size": "64x48"}).ID)
	b := newBrowser(t, 1200, 700)
	b.do(chromedp.Navigate(f.srv.URL + "/?refresh=200"))
	b.waitJS("the page", `document.querySelector('.card[data-id="1"]') !== null`)
	ctx := context.Background()
	if err := f.g.SetStar(ctx, 1, true); err != nil {
		t.Fatal(err)
	}
	if err := f.g.AddTags(ctx, 1, "from-cli"); err != nil {
		t.Fatal(err)
	}
	if err := f.g.SetLabel(ctx, 1, "relabelled"); err != nil {
		t.Fatal(err)
	}
	b.waitJS("the CLI's edits", `(() => { const c = document.querySelector('.card[data-id="1"]');
		return c.querySelector('.star') && c.querySelector('.label').textContent === 'relabelled' && [...c.querySelectorAll('.chip')].some(x => x.textContent === 'from-cli'); })()`)
}

// pngBlue reads the blue value of a pixel of a PNG file.
func pngBlue(t *testing.T, path string, x, y int) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	_, _, b, _ := img.At(x, y).RGBA()
	return int(b >> 8)
}

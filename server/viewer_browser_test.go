//go:build linux

package server_test

// The float viewer (web/hdr.js, web/inspect.js) in a real headless
// Chromium: known EXR values under the mouse, exposure read back from the
// canvas, layers, histogram bins, compare metrics, and a screenshot of
// each mode (in $RGALLERY_ARTIFACTS, to look at).

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/rgallery/rgallery/gallery"
	"github.com/rgallery/rgallery/imageio/exr"
	"github.com/rgallery/rgallery/server"
)

// hover moves the mouse over image pixel (x, y) of the stage.
func (b *browser) hover(x, y int) {
	b.t.Helper()
	p := eval[[]float64](b, fmt.Sprintf(`rgViewer.screenPoint(%d, %d)`, x, y))
	b.do(chromedp.MouseEvent(chromedp.MouseMoved, p[0], p[1]))
}

// inspector returns the inspector's rows as "name value [value value]".
func inspectorRows(b *browser) []string {
	b.t.Helper()
	return eval[[]string](b, `[...document.querySelectorAll('#inspector tr[data-ch]')].map(tr => [...tr.children].map(c => c.textContent).join(' '))`)
}

func (b *browser) waitInspector(x, y int, rows ...string) {
	b.t.Helper()
	b.hover(x, y)
	want := strings.Join(rows, "|")
	js := fmt.Sprintf(`(() => { const el = document.querySelector('#inspector'); return !el.hidden && el.dataset.x === '%d' && el.dataset.y === '%d' &&
		[...el.querySelectorAll('tr[data-ch]')].map(tr => [...tr.children].map(c => c.textContent).join(' ')).join('|') === %q; })()`, x, y, want)
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		b.t.Fatalf("inspector at %d,%d: got %q, want %q", x, y, inspectorRows(b), rows)
	}
}

func TestViewerInspectExposureLayersHistogramCompare(t *testing.T) {
	f := newFixture(t, fixtureOpts{loopback: true})
	k := knownEXR{64, 32}
	importKnown(t, f.g, k, 1, "known")
	importKnown(t, f.g, k, 2, "known x2")
	md := map[string]any{"totalClockTime": 83.5, "peakMemory": 268435456, "timeToFirstPixel": 0.25, "samples": 64, "absent": nil,
		"started": "2026-12-04T10:00:00Z", "nested": map[string]any{"gain": 1.23456789, "steps": []int{1, 2}}, "raysPerSecond": 12345678.0}
	if err := f.g.UpdateMetadata(t.Context(), 1, md); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, 1400, 900)
	b.do(chromedp.Navigate(f.srv.URL + "/"))
	b.waitJS("the page", `document.body.dataset.ready === '1'`)
	eval[bool](b, `sessionStorage.clear(), true`)
	b.clickAt(`.card[data-id="1"]`, 0.5, 0.5)
	b.waitJS("the float viewer", `document.body.dataset.hdr === 'on' && rgViewer.layers().length === 3`)
	if got := strings.Join(eval[[]string](b, `rgViewer.layers()`), ","); got != ",depth,diffuse" {
		t.Errorf("layers %q", got)
	}

	// The Info panel: the seed's stats first, values for people, null
	// absent, nested dicts and lists readable, no JSON.
	b.waitJS("the info panel", `document.querySelector('#info-md') !== null`)
	if got := eval[string](b, `[...document.querySelectorAll('#info-dyn .sect h4')].map(e => e.textContent).join(',')`); !strings.HasPrefix(got, "Render stats,Snapshot") {
		t.Errorf("info sections %q, want the render stats first", got)
	}
	stats := eval[string](b, `document.querySelector('#info-dyn .sect').textContent`)
	for _, want := range []string{"1m 24s", "256.0 MiB", "First pixel0.25 s"} {
		if !strings.Contains(stats, want) {
			t.Errorf("render stats %q lack %q", stats, want)
		}
	}
	info := eval[map[string]string](b, `Object.fromEntries([...document.querySelectorAll('#info-md .info-kv > .v')].map(v => [v.dataset.key, v.textContent]))`)
	for k, want := range map[string]string{"samples": "64", "raysPerSecond": "12.35 M/s", "nested": "gain1.23457steps1, 2", "format": "exr"} {
		if info[k] != want {
			t.Errorf("info %s = %q, want %q", k, info[k], want)
		}
	}
	if _, ok := info["absent"]; ok {
		t.Error("a null metadata value is shown")
	}
	if v := info["started"]; v == "" || strings.Contains(v, "T10:00") {
		t.Errorf("timestamp shown as %q, want local time", v)
	}
	if l := info["layers"]; !strings.Contains(l, "R (float)") || strings.Contains(l, "{") {
		t.Errorf("layers shown as %q", l)
	}
	if txt := eval[string](b, `document.querySelector('#info-md').textContent`); strings.Contains(txt, "[{") || strings.Contains(txt, `":`) {
		t.Errorf("metadata shown as JSON: %q", txt)
	}
	b.screenshot("viewer-12-info.png")

	// Zoom so that image pixels are big: 8 screen px each.
	eval[bool](b, `zoomTo(8), true`)

	// The inspector shows the file's linear values exactly.
	b.waitInspector(3, 2, "R 0.1875", "G 0.125", "B 0.5", "A 1")
	b.waitInspector(5, 3, "R NaN", "G +Inf", "B -2", "A 1")
	b.waitInspector(60, 31, "R 3.75", "G 1.9375", "B 0.5", "A 0.5")
	b.screenshot("viewer-00-normal.png")

	// Exposure +1 (two presses of E, half a stop each) doubles the linear
	// value the transform gets: with the linear transform the canvas shows
	// 0.1875 as 48/255 and then 0.375 as 96/255.
	// The file's Rec.2020 primaries are converted to Rec.709 first: the
	// linear (0.1875, 0.125, 0.5) becomes (0.2015, 0.1141, 0.5434).
	eval[bool](b, `rgViewer.set({transform: 'linear', exposure: 0, offset: 0, gamma: 1}), true`)
	if got := eval[[]int](b, `rgViewer.drawn(3, 2)`); got[0] != 51 || got[1] != 29 || got[2] != 139 {
		t.Errorf("pixel 3,2 (Rec.2020) drawn %v, want 51 29 139 (Rec.709 primaries)", got)
	}
	eval[bool](b, `rgViewer.set({primaries: false}), true`)
	before := eval[[]int](b, `rgViewer.drawn(3, 2)`)
	b.key("E")
	b.key("E")
	b.waitJS("exposure +1", `rgViewer.display.exposure === 1 && document.querySelector('#exposure-v').textContent === '+1.0'`)
	after := eval[[]int](b, `rgViewer.drawn(3, 2)`)
	if before[0] != 48 || after[0] != 96 || before[1] != 32 || after[1] != 64 {
		t.Errorf("pixel 3,2 drawn %v at exposure 0 and %v at +1; want R 48 → 96, G 32 → 64", before, after)
	}
	// sRGB of 0.375 (exposure +1 of 0.1875): 0.6460 → 165.
	eval[bool](b, `rgViewer.set({transform: 'srgb'}), true`)
	if got := eval[[]int](b, `rgViewer.drawn(3, 2)`); got[0] != 165 {
		t.Errorf("sRGB of 0.375 drawn as %d, want 165", got[0])
	}
	// Settings persist for the session and apply after a reload.
	b.do(chromedp.Reload())
	b.waitJS("the page after reload", `document.body.dataset.ready === '1'`)
	b.clickAt(`.card[data-id="1"]`, 0.5, 0.5)
	b.waitJS("the float viewer after reload", `document.body.dataset.hdr === 'on' && rgViewer.display.exposure === 1`)
	eval[bool](b, `rgViewer.set({exposure: 0}), zoomTo(8), true`)

	// Layers: ] goes to the next layer, whose values the inspector shows.
	b.key("]")
	b.waitJS("layer depth", `document.querySelector('#layer-sel').value === 'depth'`)
	b.waitInspector(3, 2, "Z 12")
	// n normalizes: the largest depth, 10 + 31 = 41, maps to 1.
	b.key("n")
	b.waitJS("normalized exposure", `Math.abs(rgViewer.display.exposure + Math.log2(41)) < 0.001`)
	b.screenshot("viewer-01-layer-depth.png")
	eval[bool](b, `rgViewer.set({exposure: 0}), true`)
	b.key("]")
	b.waitJS("layer diffuse", `document.querySelector('#layer-sel').value === 'diffuse'`)
	b.waitInspector(3, 2, "R 0.125", "G 0.25", "B 0.421875")
	b.key("[")
	b.key("[")
	b.waitJS("beauty layer", `document.querySelector('#layer-sel').value === ''`)

	// Histogram: R = x/16 lands in bin 4x for x < 16 (32 rows each, one
	// fewer in bin 20 where pixel 5,3 is NaN), and in the last bin from
	// x = 16 on; A is 1 (last bin) but 0.5 (bin 32) in the right quarter.
	b.key("h")
	b.waitJS("the histogram", `!document.querySelector('#statspanel').hidden`)
	hist := eval[struct {
		Names     []string
		Bins      [][]int
		NonFinite int
	}](b, `rgViewer.histogram()`)
	wantR := make([]int, 64)
	for x := 0; x < 64; x++ {
		bin := min(4*x, 63)
		wantR[bin] += 32
	}
	wantR[20]--
	if fmt.Sprint(hist.Bins[0]) != fmt.Sprint(wantR) {
		t.Errorf("R histogram\n got %v\nwant %v", hist.Bins[0], wantR)
	}
	if hist.Bins[3][63] != 48*32 || hist.Bins[3][32] != 16*32 || hist.NonFinite != 2 {
		t.Errorf("A histogram bins 32, 63: %d, %d; non-finite %d", hist.Bins[3][32], hist.Bins[3][63], hist.NonFinite)
	}
	b.screenshot("viewer-02-histogram.png")

	// Modes and transforms, for the eye.
	for _, m := range []struct{ js, name string }{
		{`{mode: 'falsecolour'}`, "viewer-03-falsecolour.png"},
		{`{mode: 'posneg', exposure: 0}`, "viewer-04-posneg.png"},
		{`{mode: 'normal', transform: 'agx', exposure: 2}`, "viewer-05-agx.png"},
		{`{transform: 'srgb', exposure: 0, channel: 'A'}`, "viewer-06-alpha-channel.png"},
	} {
		eval[bool](b, `rgViewer.set(`+m.js+`), true`)
		b.waitJS("drawn", `(window._d = +document.body.dataset.drawn) > 0`)
		time.Sleep(100 * time.Millisecond)
		b.screenshot(m.name)
	}
	// positive/negative: NaN magenta, +Inf... the pixel 5,3 has NaN in R.
	eval[bool](b, `rgViewer.set({mode: 'posneg', channel: 'rgb'}), true`)
	if got := eval[[]int](b, `rgViewer.drawn(5, 3)`); got[0] != 255 || got[1] != 0 || got[2] != 255 {
		t.Errorf("NaN pixel drawn %v in positive/negative mode, want magenta", got)
	}
	if got := eval[[]int](b, `rgViewer.drawn(3, 2)`); got[0] != 0 || got[1] == 0 {
		t.Errorf("positive pixel drawn %v in positive/negative mode, want green", got)
	}
	eval[bool](b, `rgViewer.set({mode: 'normal'}), true`)

	// Values in the pixels at high zoom.
	eval[bool](b, `zoomTo(72), true`)
	b.screenshot("viewer-07-values-in-pixels.png")
	eval[bool](b, `zoomTo(8), true`)

	// Compare with snapshot 2 (RGB × 2): the metrics are the known ones.
	b.clickAt(`.card[data-id="2"]`, 0.5, 0.5, chromedp.ButtonModifiers(chromedp.ModifierShift))
	b.waitJS("B loaded", `rgViewer.metrics() !== null`)
	eval[bool](b, `zoomTo(8), true`)
	b.waitInspector(3, 2, "R 0.1875 0.375 -0.1875", "G 0.125 0.25 -0.125", "B 0.5 1 -0.5", "A 1 1 0")
	b.screenshot("viewer-08-wipe.png")
	var se, re float64
	var n int
	for y := 0; y < k.h; y++ {
		for x := 0; x < k.w; x++ {
			v := k.base(x, y)
			for c := 0; c < 3; c++ {
				a := float64(v[c])
				if math.IsNaN(a) || math.IsInf(a, 0) {
					continue
				}
				d := a - 2*a
				se += d * d
				re += math.Abs(d) / (math.Abs(2*a) + 0.01)
				n++
			}
		}
	}
	type metrics struct {
		Channels  []string
		Samples   int
		NonFinite int
		RMSE      float64
		PSNR      float64
		MRE       float64
	}
	m := eval[metrics](b, `rgViewer.metrics()`)
	wantRMSE := math.Sqrt(se / float64(n))
	if m.Samples != n || math.Abs(m.RMSE-wantRMSE) > 1e-9*wantRMSE || math.Abs(m.MRE-re/float64(n)) > 1e-9 || m.NonFinite != 2 ||
		math.Abs(m.PSNR-10*math.Log10(1/(se/float64(n)))) > 1e-9 {
		t.Errorf("metrics %+v, want rmse %v mre %v samples %d", m, wantRMSE, re/float64(n), n)
	}
	// A region dragged with shift from pixel 0,0 to pixel 3,1: pixels
	// 0..3 × 0..1 of R, G, B.
	p0 := eval[[]float64](b, `rgViewer.screenPoint(0, 0)`)
	p1 := eval[[]float64](b, `rgViewer.screenPoint(3, 1)`)
	b.do(chromedp.MouseEvent(chromedp.MousePressed, p0[0], p0[1], chromedp.ButtonLeft, chromedp.ButtonModifiers(chromedp.ModifierShift)),
		chromedp.MouseEvent(chromedp.MouseMoved, (p0[0]+p1[0])/2, (p0[1]+p1[1])/2, chromedp.ButtonLeft, chromedp.ButtonModifiers(chromedp.ModifierShift)),
		chromedp.MouseEvent(chromedp.MouseMoved, p1[0], p1[1], chromedp.ButtonLeft, chromedp.ButtonModifiers(chromedp.ModifierShift)),
		chromedp.MouseEvent(chromedp.MouseReleased, p1[0], p1[1], chromedp.ButtonLeft, chromedp.ButtonModifiers(chromedp.ModifierShift)))
	b.waitJS("the dragged region", `document.querySelector('#metrics').textContent.includes('region 0,0–4,2')`)
	m = eval[metrics](b, `rgViewer.metrics()`)
	se = 0
	for y := 0; y < 2; y++ {
		for x := 0; x < 4; x++ {
			v := k.base(x, y)
			for c := 0; c < 3; c++ {
				se += float64(v[c]) * float64(v[c])
			}
		}
	}
	if m.Samples != 24 || math.Abs(m.RMSE-math.Sqrt(se/24)) > 1e-9 {
		t.Errorf("region metrics %+v, want rmse %v over 24 samples", m, math.Sqrt(se/24))
	}
	b.waitJS("the metrics text with FLIP", `document.querySelector('#metrics').textContent.includes('region 0,0–4,2') && /FLIP 0\.\d{4}/.test(document.querySelector('#metrics').textContent)`)
	// FLIP is the server's HDR-FLIP of A against B over the region.
	var want server.FlipResult
	if code := f.do("GET", "/api/snapshots/1/flip?ref=2&layer=&region=0,0,4,2", nil, &want); code != 200 {
		t.Fatalf("flip: %d", code)
	}
	if got := eval[float64](b, `rgViewer.flip().mean`); got != want.Mean || want.Mean <= 0 {
		t.Errorf("viewer FLIP %v, server %v", got, want.Mean)
	}
	b.clickAt(`#compare-modes button[data-mode="diff"]`, 0.5, 0.5)
	b.waitJS("diff", `st.compare === 'diff'`)
	time.Sleep(100 * time.Millisecond)
	b.screenshot("viewer-09-diff.png")
	eval[bool](b, `rgViewer.set({diff: 'rel'}), true`)
	time.Sleep(100 * time.Millisecond)
	b.screenshot("viewer-10-reldiff.png")
	eval[bool](b, `rgViewer.region(null), true`)
	b.clickAt(`#compare-modes button[data-mode="side"]`, 0.5, 0.5)
	b.waitJS("side", `st.compare === 'side' && !document.querySelector('#gl-b').hidden`)
	time.Sleep(100 * time.Millisecond)
	if a, bb := eval[[]int](b, `rgViewer.drawn(3, 2)`), eval[[]int](b, `rgViewer.drawn(3, 2, 'B')`); bb[0] <= a[0] {
		t.Errorf("side by side: B (×2) drawn %v, not brighter than A %v", bb, a)
	}
	b.screenshot("viewer-11-side.png")
	if os.Getenv("RGALLERY_ARTIFACTS") == "" {
		t.Log("set RGALLERY_ARTIFACTS to keep the screenshots")
	}
}

// TestViewerPerformance4K measures, on a 3840×2160 EXR with three layers,
// how long the viewer takes to show it, to switch layers (first time:
// fetch, decode and upload; again: cached) and to change the exposure,
// with the browser's performance clock, up to the frame being drawn. It
// asserts nothing about time (the numbers go to the log) and runs only
// with RGALLERY_VIEWER_PERF=1: the file is 250 MB to decode.
func TestViewerPerformance4K(t *testing.T) {
	if os.Getenv("RGALLERY_VIEWER_PERF") == "" {
		t.Skip("set RGALLERY_VIEWER_PERF=1 to measure the viewer on a 4K image")
	}
	f := newFixture(t, fixtureOpts{loopback: true})
	k := knownEXR{3840, 2160}
	t0 := time.Now()
	importKnown(t, f.g, k, 1, "4k")
	t.Logf("write and import a 3840x2160 EXR with 8 float channels: %v", time.Since(t0))
	b := newBrowser(t, 1600, 1000)
	b.do(chromedp.Navigate(f.srv.URL + "/"))
	b.waitJS("the page", `document.body.dataset.ready === '1'`)
	eval[bool](b, `sessionStorage.clear(), true`)
	start := time.Now()
	b.clickAt(`.card[data-id="1"]`, 0.5, 0.5)
	b.waitJS("the float viewer", `document.body.dataset.hdr === 'on'`)
	t.Logf("select to first float frame (wall, incl. server decode): %v", time.Since(start))
	eval[bool](b, `window.measure = async (change, done) => {
		const t0 = performance.now();
		rgViewer.set(change);
		for (;;) {
			const n0 = hdr.drawn;
			while (hdr.drawn === n0) await new Promise(r => requestAnimationFrame(r));
			if (done === null || hdr.a.layer === done) break;
		}
		hdr.glA.readPixel(1, 1); // wait for the GPU
		return performance.now() - t0;
	}, true`)
	for _, step := range []struct{ what, js, done string }{
		{"exposure +1", `{exposure: 1}`, "null"},
		{"exposure +2", `{exposure: 2}`, "null"},
		{"transform AgX", `{transform: 'agx'}`, "null"},
		{"layer diffuse (first time)", `{layer: 'diffuse'}`, "'diffuse'"},
		{"layer depth (first time)", `{layer: 'depth'}`, "'depth'"},
		{"layer beauty (cached)", `{layer: ''}`, "''"},
		{"layer diffuse (cached)", `{layer: 'diffuse'}`, "'diffuse'"},
		{"channel R", `{channel: 'R'}`, "null"},
		{"exposure 0", `{exposure: 0}`, "null"},
	} {
		ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
		ms, err := chromedp.Run(ctx, chromedp.Evaluate[float64](fmt.Sprintf(`measure(%s, %s)`, step.js, step.done), chromedp.EvalAwaitPromise))
		cancel()
		if err != nil {
			t.Fatalf("%s: %v", step.what, err)
		}
		t.Logf("%-28s %8.1f ms (performance.now, to the drawn frame)", step.what, ms)
	}
	// The draw alone (the shader over the canvas), without the frame wait.
	draw := eval[float64](b, `(() => { const t0 = performance.now(); for (let i = 0; i < 5; i++) { hdrDrawNow(); hdr.glA.readPixel(1, 1); } return (performance.now() - t0) / 5; })()`)
	size := eval[[]int](b, `[hdr.glA.canvas.width, hdr.glA.canvas.height]`)
	t.Logf("one draw of a %dx%d canvas: %.1f ms", size[0], size[1], draw)
	eval[bool](b, `zoomTo(1), true`)
	draw = eval[float64](b, `(() => { const t0 = performance.now(); for (let i = 0; i < 5; i++) { hdrDrawNow(); hdr.glA.readPixel(1, 1); } return (performance.now() - t0) / 5; })()`)
	t.Logf("one draw at 100 %% (nearest texel): %.1f ms", draw)
	draw = eval[float64](b, `(() => { const t0 = performance.now(); for (let i = 0; i < 5; i++) { hdr.glA.readPixel(1, 1); } return (performance.now() - t0) / 5; })()`)
	t.Logf("readPixels alone: %.1f ms", draw)
	for _, tm := range eval[[]struct {
		What string
		Ms   float64
	}](b, `rgViewer.timings()`) {
		t.Logf("%-40s %8.1f ms (fetch + decode in the page)", tm.What, tm.Ms)
	}
	b.screenshot("viewer-20-4k.png")
}

// TestViewerLiveKeepsExposureZoomAndInspectedPixel: while a render
// refines, each new pass replaces the float data in place; the exposure,
// the zoom and the inspected pixel stay as the user set them.
func TestViewerLiveKeepsExposureZoomAndInspectedPixel(t *testing.T) {
	f := newFixture(t, fixtureOpts{loopback: true})
	b := newBrowser(t, 1200, 800)
	b.do(chromedp.Navigate(f.srv.URL + "/"))
	b.waitJS("the page", `document.body.dataset.ready === '1' && document.body.dataset.live === '1'`)
	eval[bool](b, `sessionStorage.clear(), true`)
	s := f.render(map[string]any{"passes": 200, "interval": "150ms", "size": "320x180"})
	b.waitJS("the live render's float data", fmt.Sprintf(`document.body.dataset.hdr === 'on' && hdr.a && hdr.a.id === %d`, s.ID))
	eval[bool](b, `rgViewer.set({exposure: 1.5}), zoomTo(4), true`)
	b.hover(160, 90)
	b.waitJS("the inspector", `document.querySelector('#inspector').dataset.x === '160'`)
	v0 := eval[int](b, `hdr.a.version`)
	view0 := eval[[]float64](b, `[st.view.scale, st.view.tx, st.view.ty]`)
	b.waitJS("two newer passes", fmt.Sprintf(`hdr.a.version >= %d`, v0+2))
	if e := eval[float64](b, `rgViewer.display.exposure`); e != 1.5 {
		t.Errorf("exposure after new passes: %v, want 1.5", e)
	}
	if v := eval[[]float64](b, `[st.view.scale, st.view.tx, st.view.ty]`); fmt.Sprint(v) != fmt.Sprint(view0) {
		t.Errorf("view after new passes: %v, want %v", v, view0)
	}
	if xy := eval[string](b, `(() => { const el = document.querySelector('#inspector'); return el.hidden ? 'hidden' : el.dataset.x + ',' + el.dataset.y; })()`); xy != "160,90" {
		t.Errorf("inspected pixel after new passes: %s, want 160,90", xy)
	}
	b.screenshot("viewer-13-live.png")
	f.do("POST", fmt.Sprintf("/api/snapshots/%d/stop", s.ID), nil, nil)
}

// TestViewerWithoutWebGL2ShowsThe8BitPreview: a browser without WebGL2
// gets the viewer of before (the PNG preview), without errors.
func TestViewerWithoutWebGL2ShowsThe8BitPreview(t *testing.T) {
	f := newFixture(t, fixtureOpts{loopback: true})
	importKnown(t, f.g, knownEXR{64, 32}, 1, "known")
	b := newBrowser(t, 1200, 800)
	if _, err := chromedp.Call(b.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `(() => {
		const orig = HTMLCanvasElement.prototype.getContext;
		HTMLCanvasElement.prototype.getContext = function (type, ...rest) { return type === 'webgl2' ? null : orig.call(this, type, ...rest); };
	})()`}); err != nil {
		t.Fatal(err)
	}
	b.do(chromedp.Navigate(f.srv.URL + "/"))
	b.waitJS("the page", `document.body.dataset.ready === '1'`)
	b.clickAt(`.card[data-id="1"]`, 0.5, 0.5)
	b.waitJS("the preview", `document.body.dataset.hdr === 'unavailable' && document.querySelector('#img-a').naturalWidth === 64`)
	if vis := eval[string](b, `getComputedStyle(document.querySelector('#img-a')).visibility + ' ' + getComputedStyle(document.querySelector('#hdrbar')).display`); vis != "visible none" {
		t.Errorf("preview visibility and float controls display: %q, want the preview visible and no float controls", vis)
	}
	b.screenshot("viewer-14-no-webgl2.png")
}

// TestViewerDataWindowInsideDisplayWindow: an EXR whose data window is a
// part of its display window shows its pixels where they belong; the
// inspector shows no values outside the data window.
func TestViewerDataWindowInsideDisplayWindow(t *testing.T) {
	f := newFixture(t, fixtureOpts{loopback: true})
	// display 0..9 × 0..5, data 3..6 × 2..4; R = 1 + x, G = 10 + y (data
	// window coordinates).
	dw := exr.Box2i{XMin: 3, YMin: 2, XMax: 6, YMax: 4}
	p := &exr.Part{DataWindow: dw, DisplayWindow: exr.Box2i{XMax: 9, YMax: 5}}
	for _, name := range []string{"B", "G", "R"} {
		c := &exr.Channel{Name: name, Type: exr.Float, XSampling: 1, YSampling: 1, Width: 4, Height: 3}
		for y := 0; y < 3; y++ {
			for x := 0; x < 4; x++ {
				v := map[string]float32{"R": 1 + float32(x), "G": 10 + float32(y), "B": 0.5}[name]
				c.Float = append(c.Float, v)
			}
		}
		p.Channels = append(p.Channels, c)
	}
	p.Levels = []*exr.Level{{Width: 4, Height: 3, Channels: p.Channels}}
	var buf bytes.Buffer
	if err := exr.WriteFile(&buf, &exr.File{Parts: []*exr.Part{p}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.g.Import(t.Context(), buf.Bytes(), gallery.ImportOptions{Name: "window.exr"}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, 1200, 800)
	b.do(chromedp.Navigate(f.srv.URL + "/"))
	b.waitJS("the page", `document.body.dataset.ready === '1'`)
	b.clickAt(`.card[data-id="1"]`, 0.5, 0.5)
	b.waitJS("the float viewer", `document.body.dataset.hdr === 'on' && st.iw === 10 && st.ih === 6`)
	eval[bool](b, `zoomTo(40), true`)
	b.waitInspector(3, 2, "R 1", "G 10", "B 0.5")
	b.waitInspector(6, 4, "R 4", "G 12", "B 0.5")
	b.waitInspector(2, 2, "R —", "G —", "B —")
	b.screenshot("viewer-15-data-window.png")
}

// halfEXR writes an uncompressed scanline EXR of HALF channels R, G, B
// (w×h, values from f), by hand: imageio/exr writes FLOAT only.
func halfEXR(w, h int, f func(x, y, c int) uint16) []byte {
	var hd bytes.Buffer
	le := func(v ...any) {
		for _, x := range v {
			binary.Write(&hd, binary.LittleEndian, x)
		}
	}
	attr := func(name, typ string, size int32) {
		hd.WriteString(name + "\x00" + typ + "\x00")
		le(size)
	}
	hd.Write([]byte{0x76, 0x2f, 0x31, 0x01, 2, 0, 0, 0})
	attr("channels", "chlist", 3*(2+16)+1)
	for _, c := range []string{"B", "G", "R"} {
		hd.WriteString(c + "\x00")
		le(int32(1), [4]byte{}, int32(1), int32(1)) // HALF, pLinear 0, sampling 1×1
	}
	hd.WriteByte(0)
	attr("compression", "compression", 1)
	hd.WriteByte(0)
	for _, n := range []string{"dataWindow", "displayWindow"} {
		attr(n, "box2i", 16)
		le(int32(0), int32(0), int32(w-1), int32(h-1))
	}
	attr("lineOrder", "lineOrder", 1)
	hd.WriteByte(0)
	attr("pixelAspectRatio", "float", 4)
	le(float32(1))
	attr("screenWindowCenter", "v2f", 8)
	le(float32(0), float32(0))
	attr("screenWindowWidth", "float", 4)
	le(float32(1))
	hd.WriteByte(0)
	chunk := 8 + 3*2*w
	base := hd.Len() + 8*h
	for y := 0; y < h; y++ {
		le(uint64(base + y*chunk))
	}
	for y := 0; y < h; y++ {
		le(int32(y), int32(3*2*w))
		for _, c := range []int{2, 1, 0} { // B, G, R
			for x := 0; x < w; x++ {
				le(f(x, y, c))
			}
		}
	}
	return hd.Bytes()
}

// TestViewerHalfEXRIsExactAndDrawn: a HALF file travels as half floats
// (RGBA16F texture) and the inspector shows its values exactly.
func TestViewerHalfEXRIsExactAndDrawn(t *testing.T) {
	f := newFixture(t, fixtureOpts{loopback: true})
	// R = 0.1 (half 0x2e66 = 0.0999755859375), G = 65504 (largest half),
	// B = 2^-24 (smallest subnormal); one pixel R = -0.5 (0xb800).
	data := halfEXR(8, 4, func(x, y, c int) uint16 {
		if x == 1 && y == 1 && c == 0 {
			return 0xb800
		}
		return [3]uint16{0x2e66, 0x7bff, 0x0001}[c]
	})
	if _, err := f.g.Import(t.Context(), data, gallery.ImportOptions{Name: "half.exr"}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, 1200, 800)
	b.do(chromedp.Navigate(f.srv.URL + "/"))
	b.waitJS("the page", `document.body.dataset.ready === '1'`)
	eval[bool](b, `sessionStorage.clear(), true`)
	b.clickAt(`.card[data-id="1"]`, 0.5, 0.5)
	b.waitJS("the float viewer", `document.body.dataset.hdr === 'on' && hdr.a.half === true`)
	eval[bool](b, `zoomTo(40), true`)
	b.waitInspector(2, 2, "R 0.0999756", "G 65504", "B 5.96e-8")
	b.waitInspector(1, 1, "R -0.5", "G 65504", "B 5.96e-8")
	// Drawn in linear at exposure -16: 65504 / 65536 → 255; R 0.1 → 0.
	eval[bool](b, `rgViewer.set({transform: 'linear', exposure: -16}), true`)
	if got := eval[[]int](b, `rgViewer.drawn(2, 2)`); got[1] != 255 || got[0] != 0 {
		t.Errorf("half pixel drawn %v at exposure -16, want G 255, R 0", got)
	}
	eval[bool](b, `rgViewer.set({transform: 'srgb', exposure: 0}), true`)
}

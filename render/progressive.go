package render

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Settings are the parameters of one render.
type Settings struct {
	Width, Height int
	// SampleStart and SampleEnd are the sample range [a, b) per pixel;
	// SampleEnd 0 means SamplesPerPixel.
	SampleStart, SampleEnd int
	SamplesPerPixel        int
	MaxBounces             int
	Threads                int // 0 means all CPUs
	Seed                   uint32
	TileSize               int // 0 means 32
	// UniformLights picks the light of next-event estimation uniformly
	// instead of by power (the old strategy, kept for comparisons).
	UniformLights bool
	// AdaptiveThreshold > 0 turns on adaptive sampling: a pixel stops once
	// its error estimate (see adaptive) and its neighbours' are below it;
	// Cycles' default threshold is 0.01. 0 renders every sample, which the
	// farm merge's exactness relies on.
	AdaptiveThreshold float64
	// AdaptiveMinSamples is the sample count before the first check; 0
	// means Cycles' default, max(4, √SamplesPerPixel).
	AdaptiveMinSamples int
	// Filter is the pixel filter (box by default); FilterWidth its width
	// in pixels as Cycles counts it (0 means 1.5).
	Filter      PixelFilter
	FilterWidth float64
	// FilterGlossy > 0 is Cycles' Filter Glossy (Blender's default 1.0;
	// see glossyFilterAlpha): surfaces reached after a bounce that was
	// unlikely to take its direction (a diffuse or rough bounce) have
	// their microfacet lobes blurred, which removes the fireflies of
	// caustics through sharp highlights. Biased: the caustics and the
	// reflections seen through a diffuse bounce come out rougher, and
	// energy moves with them (spheres bench scene: mean −1.3%, Cycles
	// −1.4%; see docs/bench/README.txt 2026-12-06). 0 (the zero value) is
	// off: the unbiased estimate, which the known-answer tests and the
	// bench comparisons with Cycles (its blur_glossy set to 0) use.
	FilterGlossy float64
	// AOVs makes the film accumulate the AOV passes (see aov.go).
	AOVs bool
	// OverlapPasses lets Render's callback of a pass that is not the last
	// run while the next pass renders, so that writing a progressive image
	// does not leave the render threads idle. The callback's film still
	// holds exactly its pass: tiles finished meanwhile wait in tile
	// buffers (OverlapBufferBytes in all) and enter the film when the
	// callback returns; when all buffers wait, the threads wait too. A
	// Focus made inside the callback applies from the pass after the next.
	OverlapPasses bool
}

// OverlapBufferBytes is the memory of the tile buffers of
// Settings.OverlapPasses (at least two tiles a thread).
const OverlapBufferBytes = 8 << 20

// Progress is reported after every pass.
type Progress struct {
	Pass             int
	SamplesDone      int64 // pixel samples so far
	SamplesTotal     int64
	Rays             int64
	Elapsed          time.Duration
	TimeToFirstPixel time.Duration // from Render's start to the first finished pixel sample
	Final            bool          // the last report: every pixel has all its samples
}

// PercentDone returns the progress in percent.
func (p Progress) PercentDone() float64 {
	if p.SamplesTotal == 0 {
		return 100
	}
	return 100 * float64(p.SamplesDone) / float64(p.SamplesTotal)
}

// Renderer renders a built scene progressively into a Film.
type Renderer struct {
	scene *Scene
	set   Settings
	film  *Film

	tiles []tile
	ad    *adaptive // nil without adaptive sampling
	ov    *overlap  // tile buffers of the last Render with OverlapPasses
	focus atomic.Pointer[[2]float64]
	last  [2]float64 // last focus point, for tile ordering
}

type tile struct {
	x0, y0, x1, y1 int
	done           int // samples rendered relative to SampleStart
}

// NewRenderer checks the settings and prepares an empty film.
func NewRenderer(s *Scene, set Settings) (*Renderer, error) {
	if !s.built {
		return nil, errors.New("render: scene not built")
	}
	if set.Width <= 0 || set.Height <= 0 || set.Width*set.Height > 1<<26 {
		return nil, fmt.Errorf("render: resolution %dx%d out of range", set.Width, set.Height)
	}
	if set.SampleEnd == 0 {
		set.SampleEnd = set.SamplesPerPixel
	}
	if set.SampleStart < 0 || set.SampleEnd <= set.SampleStart {
		return nil, fmt.Errorf("render: sample range [%d, %d) is empty", set.SampleStart, set.SampleEnd)
	}
	if set.MaxBounces < 0 {
		return nil, fmt.Errorf("render: max bounces %d < 0", set.MaxBounces)
	}
	if !(set.FilterGlossy >= 0) || math.IsInf(set.FilterGlossy, 1) {
		return nil, fmt.Errorf("render: filter glossy %v: want a finite number >= 0", set.FilterGlossy)
	}
	if set.Threads <= 0 {
		set.Threads = runtime.NumCPU()
	}
	if set.TileSize <= 0 {
		set.TileSize = 32
	}
	if set.Filter != FilterBox && set.Filter != FilterBlackmanHarris {
		return nil, fmt.Errorf("render: unknown pixel filter %d", set.Filter)
	}
	if set.FilterWidth < 0 || set.FilterWidth > 16 || math.IsNaN(set.FilterWidth) {
		return nil, fmt.Errorf("render: pixel filter width %v out of [0, 16]", set.FilterWidth)
	}
	if set.AdaptiveThreshold < 0 || math.IsNaN(set.AdaptiveThreshold) {
		return nil, fmt.Errorf("render: adaptive threshold %v < 0", set.AdaptiveThreshold)
	}
	r := &Renderer{scene: s, set: set, film: NewFilm(set.Width, set.Height), last: [2]float64{0.5, 0.5}}
	if set.AOVs {
		r.film = NewFilmAOV(set.Width, set.Height)
	}
	if set.AdaptiveThreshold > 0 {
		r.ad = newAdaptive(set.AdaptiveThreshold, set.AdaptiveMinSamples, set.SampleEnd-set.SampleStart, set.Width, set.Height)
	}
	ts := set.TileSize
	for y := 0; y < set.Height; y += ts {
		for x := 0; x < set.Width; x += ts {
			r.tiles = append(r.tiles, tile{x0: x, y0: y, x1: min(x+ts, set.Width), y1: min(y+ts, set.Height)})
		}
	}
	return r, nil
}

// Film returns the film; read it only between passes (in the callback) or
// after Render has returned.
func (r *Renderer) Film() *Film { return r.film }

// Focus asks the renderer to concentrate on the normalized image point
// (x, y), (0, 0) top left. It is safe to call from any goroutine.
func (r *Renderer) Focus(x, y float64) {
	p := [2]float64{math.Max(0, math.Min(1, x)), math.Max(0, math.Min(1, y))}
	r.focus.Store(&p)
}

// Render runs passes until every pixel has its samples or ctx is done. After
// each pass it calls onPass (if not nil) with the film complete for that
// pass; an error from onPass stops the render. It returns ctx.Err() when
// stopped early; the film keeps the samples of all finished tiles.
//
// Passes double the samples per pixel (1, 2, 4, …) so that the first image
// comes quickly. After a Focus, passes render only the tiles near the focus
// point until they have all their samples, then the whole image resumes,
// nearest tiles first.
//
// With Settings.OverlapPasses the callback of every pass but the last runs
// while the next pass renders (see there); callbacks still run one at a
// time and in order, and Render returns only after the last one has.
func (r *Renderer) Render(ctx context.Context, onPass func(Progress, *Film) error) (err error) {
	start := time.Now()
	// pending receives the result of the overlapped callback still
	// running, if any; cbFailed makes the workers stop pulling tiles when
	// it failed.
	var pending chan error
	var cbFailed atomic.Bool
	var ov *overlap
	if r.set.OverlapPasses && onPass != nil {
		ov = newOverlap(r)
	}
	r.ov = ov
	wait := func() error {
		if pending == nil {
			return nil
		}
		e := <-pending
		pending = nil
		return e
	}
	defer func() {
		if e := wait(); e != nil {
			err = e // a failed callback is the news, also when stopped
		}
	}()
	total := int64(r.set.SampleEnd-r.set.SampleStart) * int64(r.set.Width*r.set.Height)
	n := r.set.SampleEnd - r.set.SampleStart
	cam := r.scene.Camera.setup(r.set.Width, r.set.Height)
	filter := newFilterSampler(r.set.Filter, r.set.FilterWidth)
	sel := r.scene.lightSel
	if r.set.UniformLights {
		sel = newLightSelector(r.scene.Lights, 0, true)
	}
	tracers := make([]*tracer, r.set.Threads)
	for i := range tracers {
		tracers[i] = newTracer(r.scene, cam, r.set.MaxBounces, r.set.Seed, sel)
		tracers[i].filter = filter
		tracers[i].filterGlossy = r.set.FilterGlossy
		if r.film.HasAOVs() {
			tracers[i].aov = &aovSample{}
		}
	}
	var firstPixel atomic.Int64 // ns since start, 0 = not yet
	var done int64
	pass := 0
	level := 0 // samples every tile has reached
	var focusTiles []int
	focusTarget := 0
	for level < n {
		if f := r.focus.Swap(nil); f != nil {
			r.last = *f
			focusTiles = r.tilesNear(*f)
			focusTarget = max(1, 2*r.minDone(focusTiles))
		}
		var work []int
		target := 0
		if focusTiles != nil {
			target = min(n, focusTarget)
			work = focusTiles
			focusTarget = 2 * target
		} else {
			target = min(n, max(1, 2*level))
			work = r.order()
		}
		var jobs []int
		for _, ti := range work {
			if r.tiles[ti].done < target {
				jobs = append(jobs, ti)
			}
		}
		var next atomic.Int64
		var wg sync.WaitGroup
		var added atomic.Int64
		for w := range tracers {
			wg.Add(1)
			go func(tr *tracer) {
				defer wg.Done()
				for {
					if ctx.Err() != nil || cbFailed.Load() {
						return
					}
					j := int(next.Add(1)) - 1
					if j >= len(jobs) {
						return
					}
					t := &r.tiles[jobs[j]]
					var cnt int64
					if ov != nil && ov.reading.Load() {
						buf, ok := ov.take(ctx)
						if !ok {
							return
						}
						cnt = r.renderTile(tr, t, target, buf, t.x0, t.y0)
						ov.finish(r.film, buf, t)
					} else {
						cnt = r.renderTile(tr, t, target, r.film, 0, 0)
					}
					if firstPixel.Load() == 0 {
						firstPixel.CompareAndSwap(0, int64(time.Since(start))+1)
					}
					added.Add(cnt)
				}
			}(tracers[w])
		}
		wg.Wait()
		if err := wait(); err != nil {
			return err
		}
		done += added.Load()
		pass++
		if r.ad != nil && ctx.Err() == nil {
			r.checkConvergence(jobs, n)
			total = r.ad.planned(r.film, n)
		}
		if focusTiles != nil && (r.minDone(focusTiles) >= n || len(jobs) == 0) {
			focusTiles = nil
		}
		level = r.minDone(nil)
		var rays int64
		for _, tr := range tracers {
			rays += tr.rays
		}
		p := Progress{
			Pass:             pass,
			SamplesDone:      done,
			SamplesTotal:     total,
			Rays:             rays,
			Elapsed:          time.Since(start),
			TimeToFirstPixel: time.Duration(firstPixel.Load()),
			Final:            level >= n,
		}
		if onPass != nil {
			if ov != nil && !p.Final {
				ov.reading.Store(true)
				ch := make(chan error, 1)
				pending = ch
				go func() {
					e := onPass(p, r.film)
					if e != nil {
						cbFailed.Store(true)
					}
					ov.done(r.film)
					ch <- e
				}()
			} else if err := onPass(p, r.film); err != nil {
				return err
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// renderTile renders samples [done, target) of every pixel in the tile
// into film f whose pixel (0, 0) is image pixel (ox, oy). Pixel by pixel,
// each pixel's samples in a row (in sample order): the paths of one pixel
// start alike, and their camera rays and first bounces find the nodes,
// triangles and normals the previous sample left in the cache (5-8%
// more samples a CPU-second than sample by sample over the tile; the
// film is the same, its sums being integers).
func (r *Renderer) renderTile(tr *tracer, t *tile, target int, f *Film, ox, oy int) int64 {
	a := r.set.SampleStart
	var cnt int64
	if ad := r.ad; ad != nil {
		w := r.set.Width
		for y := t.y0; y < t.y1; y++ {
			for x := t.x0; x < t.x1; x++ {
				i := y*w + x
				if ad.converged[i] {
					continue
				}
				for s := t.done; s < target; s++ {
					l := tr.sample(x, y, a+s)
					f.Add(x-ox, y-oy, l)
					if tr.aov != nil {
						f.addAOV((y-oy)*f.W+x-ox, tr.aov)
					}
					if s&1 == 1 {
						ad.addOdd(i, l)
					}
					cnt++
				}
			}
		}
		t.done = max(t.done, target)
		return cnt
	}
	for y := t.y0; y < t.y1; y++ {
		for x := t.x0; x < t.x1; x++ {
			for s := t.done; s < target; s++ {
				f.Add(x-ox, y-oy, tr.sample(x, y, a+s))
				if tr.aov != nil {
					f.addAOV((y-oy)*f.W+x-ox, tr.aov)
				}
			}
		}
	}
	cnt += int64(max(target-t.done, 0) * (t.x1 - t.x0) * (t.y1 - t.y0))
	t.done = max(t.done, target)
	return cnt
}

// checkConvergence updates the error estimates of the tiles just rendered,
// stops their converged pixels, and marks a tile whose pixels all
// converged as done (n samples), so that passes skip it.
func (r *Renderer) checkConvergence(jobs []int, n int) {
	ad := r.ad
	for _, ti := range jobs {
		ad.update(r.film, &r.tiles[ti])
	}
	for _, ti := range jobs {
		t := &r.tiles[ti]
		if t.done >= ad.minSamples && ad.settle(t) {
			t.done = n
		}
	}
}

// minDone is the smallest sample count over the given tiles (all if nil).
func (r *Renderer) minDone(ids []int) int {
	m := math.MaxInt
	if ids == nil {
		for i := range r.tiles {
			m = min(m, r.tiles[i].done)
		}
		return m
	}
	for _, i := range ids {
		m = min(m, r.tiles[i].done)
	}
	return m
}

// order returns all tiles sorted by distance from the last focus point
// (the image centre before any click).
func (r *Renderer) order() []int {
	ids := make([]int, len(r.tiles))
	d := make([]float64, len(r.tiles))
	for i := range r.tiles {
		ids[i] = i
		d[i] = r.tileDist(i, r.last)
	}
	sort.SliceStable(ids, func(a, b int) bool { return d[ids[a]] < d[ids[b]] })
	return ids
}

func (r *Renderer) tileDist(i int, p [2]float64) float64 {
	t := &r.tiles[i]
	cx := (float64(t.x0+t.x1)/2)/float64(r.set.Width) - p[0]
	cy := (float64(t.y0+t.y1)/2)/float64(r.set.Height) - p[1]
	// Measure in pixels so that the region is round on screen.
	cx *= float64(r.set.Width)
	cy *= float64(r.set.Height)
	return math.Hypot(cx, cy)
}

// tilesNear returns the tiles within a radius of about an eighth of the
// image diagonal around p, nearest first; at least one tile.
func (r *Renderer) tilesNear(p [2]float64) []int {
	rad := math.Hypot(float64(r.set.Width), float64(r.set.Height)) / 8
	rad = math.Max(rad, float64(r.set.TileSize))
	var ids []int
	for _, i := range r.order() {
		if r.tileDist(i, p) <= rad || len(ids) == 0 {
			ids = append(ids, i)
		}
	}
	return ids
}

// overlap keeps the tiles that finish while an overlapped callback reads
// the film (Settings.OverlapPasses) out of it until the callback returns.
type overlap struct {
	reading atomic.Bool // a callback reads the film; set only between passes
	pool    chan *Film  // free tile buffers
	mu      sync.Mutex
	waiting []bufferedTile // finished while reading
}

type bufferedTile struct {
	buf *Film
	t   *tile
}

func newOverlap(r *Renderer) *overlap {
	ts := r.set.TileSize
	per := int64(ts*ts) * (3*8 + 4)
	if r.film.aov != nil {
		per += int64(ts*ts) * aovChannels * 8
	}
	n := max(2*r.set.Threads, int(OverlapBufferBytes/per))
	o := &overlap{pool: make(chan *Film, n)}
	for range n {
		b := NewFilm(ts, ts)
		if r.film.aov != nil {
			b = NewFilmAOV(ts, ts)
		}
		o.pool <- b
	}
	return o
}

// take returns a free tile buffer, waiting for one if all wait for the
// callback; false when ctx is done first.
func (o *overlap) take(ctx context.Context) (*Film, bool) {
	select {
	case b := <-o.pool:
		return b, true
	case <-ctx.Done():
		return nil, false
	}
}

// finish books tile t rendered into buf: it waits while the callback
// reads, else enters the film now (tiles are disjoint, so without a lock
// on the film).
func (o *overlap) finish(f *Film, buf *Film, t *tile) {
	o.mu.Lock()
	if o.reading.Load() {
		o.waiting = append(o.waiting, bufferedTile{buf, t})
		o.mu.Unlock()
		return
	}
	o.mu.Unlock()
	f.addRegion(buf, t.x0, t.y0, t.x1-t.x0, t.y1-t.y0)
	o.pool <- buf
}

// done ends the callback's read: the waiting tiles enter the film.
func (o *overlap) done(f *Film) {
	o.mu.Lock()
	o.reading.Store(false)
	w := o.waiting
	o.waiting = nil
	o.mu.Unlock()
	for _, bt := range w {
		f.addRegion(bt.buf, bt.t.x0, bt.t.y0, bt.t.x1-bt.t.x0, bt.t.y1-bt.t.y0)
		o.pool <- bt.buf
	}
}

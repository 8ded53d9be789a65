package render

import "testing"

// A camera sample (path, next-event estimation, AOVs, film accumulation)
// allocates nothing: the hot loop must not feed the garbage collector.
func TestCameraSampleAllocatesNothing(t *testing.T) {
	s := cornellLike(t)
	const w, h = 32, 24
	cam := s.Camera.setup(w, h)
	for _, aov := range []bool{false, true} {
		for _, f := range []PixelFilter{FilterBox, FilterBlackmanHarris} {
			tr := newTracer(s, cam, 4, 1, s.lightSel)
			tr.filter = newFilterSampler(f, 0)
			film := NewFilm(w, h)
			if aov {
				tr.aov = &aovSample{}
				film = NewFilmAOV(w, h)
			}
			i := 0
			allocs := testing.AllocsPerRun(2000, func() {
				x, y := i%w, (i/w)%h
				film.Add(x, y, tr.sample(x, y, i))
				if tr.aov != nil {
					film.addAOV(y*w+x, tr.aov)
				}
				i++
			})
			if allocs != 0 {
				t.Errorf("AOVs %v filter %d: %v allocations per camera sample, want 0", aov, f, allocs)
			}
		}
	}
}

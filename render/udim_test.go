package render

import "testing"

// TestImageTextureUDIMTileLookup: tile 1001 + u + 10·v covers
// [u, u+1) × [v, v+1) of st, looked up at the fractional part; a missing
// tile or st outside the 10 × 10 tiles gives the fallback.
func TestImageTextureUDIMTileLookup(t *testing.T) {
	solid := func(r, g, b float32) *Image { return &Image{W: 1, H: 1, Pix: []float32{r, g, b, 1}} }
	tex := &ImageTexture{
		Tiles:    map[int]*Image{1001: solid(1, 0, 0), 1012: solid(0, 1, 0), 1100: solid(0, 0, 1)},
		Scale:    [4]float64{1, 1, 1, 1},
		Channel:  -1,
		WrapS:    WrapClamp,
		WrapT:    WrapClamp,
		Fallback: [4]float64{0.5, 0.5, 0.5, 1},
	}
	for _, c := range []struct {
		s, t float64
		want [4]float64
	}{
		{0.5, 0.5, [4]float64{1, 0, 0, 1}},
		{1.25, 1.75, [4]float64{0, 1, 0, 1}},
		{9.5, 9.5, [4]float64{0, 0, 1, 1}},
		{2.5, 0.5, tex.Fallback},  // tile 1003 missing
		{10.5, 0.5, tex.Fallback}, // u beyond the tenth column
		{-0.5, 0.5, tex.Fallback},
	} {
		if got := tex.lookup(c.s, c.t); got != c.want {
			t.Errorf("lookup(%v, %v) = %v; want %v", c.s, c.t, got, c.want)
		}
	}
}

package render

import (
	"math"
	"testing"
)

// bhCDF is the Blackman-Harris profile's CDF at x (half support h),
// integrated independently of the sampler's table (fine midpoint rule).
func bhCDF(x, h float64) float64 {
	if x <= -h {
		return 0
	}
	if x >= h {
		return 1
	}
	const n = 200000
	var part, total float64
	for i := 0; i < n; i++ {
		v := -h + (float64(i)+0.5)*2*h/n
		f := blackmanHarris(v, h)
		total += f
		if v < x {
			part += f
		}
	}
	return part / total
}

// The sampler's offsets follow the window: its inverse CDF matches the
// independently integrated CDF, stays inside [−w, w] and is symmetric.
func TestBlackmanHarrisSamplerInvertsCDF(t *testing.T) {
	fs := newFilterSampler(FilterBlackmanHarris, 0)
	if fs.half != 1.5 {
		t.Fatalf("default half support %v, want Cycles' 1.5 px", fs.half)
	}
	for _, x := range []float64{-1.25, -0.75, -0.25, 0, 0.5, 1} {
		u := bhCDF(x, 1.5)
		if got := fs.offset(u); math.Abs(got-x) > 2e-3 {
			t.Errorf("offset(CDF(%v) = %.5f) = %.5f, want %v", x, u, got, x)
		}
	}
	for _, u := range []float64{0, 1e-9, 0.5, 1 - 1e-12} {
		if o := fs.offset(u); o < -1.5 || o > 1.5 {
			t.Errorf("offset(%v) = %v outside the support", u, o)
		}
	}
	if o := fs.offset(0.5); math.Abs(o) > 1e-9 {
		t.Errorf("median offset %v, want 0", o)
	}
	if fb := newFilterSampler(FilterBox, 0); fb != nil {
		t.Error("box filter got a sampler")
	}
	if _, err := ParseFilter("gaussian"); err == nil {
		t.Error("unknown filter name accepted")
	}
}

// edgeScene is an emitter of radiance 1 left of world x = e (z = 0, facing
// the default camera) and black space right of it; 48×32 pixels span 3.6
// world units at that distance, 0.075 per pixel.
func edgeScene(t *testing.T, e float64) *Scene {
	m := Lambert(Vec3{0, 0, 0})
	m.EmissiveColor.Value = Vec3{1, 1, 1}
	s := &Scene{Materials: []*Material{m}}
	s.Meshes = []*Mesh{QuadMesh(Vec3{-100, -100, 0}, Vec3{100 + e, 0, 0}, Vec3{0, 200, 0})}
	s.Instances = []Instance{{Mesh: 0, Transform: Identity}}
	s.Camera = DefaultCamera()
	if err := s.Build(); err != nil {
		t.Fatal(err)
	}
	return s
}

// A flat field stays exactly flat under the Blackman-Harris filter (each
// sample keeps weight 1), and an edge spreads over the filter's width: a
// pixel whose centre is d px inside the emitter gets CDF_BH(d), 1 beyond
// 1.5 px; with the box filter the same edge is a one-pixel step.
func TestBlackmanHarrisFlatFieldAndEdgeWidth(t *testing.T) {
	const px = 0.075 // world units per pixel
	set := Settings{Width: 48, Height: 32, SamplesPerPixel: 64, MaxBounces: 0, Threads: 2, Filter: FilterBlackmanHarris}
	flat := renderScene(t, edgeScene(t, 50), set)
	for y := 0; y < flat.H; y++ {
		for x := 0; x < flat.W; x++ {
			if v := flat.Pixel(x, y).Y; math.Abs(v-1) > 1e-6 {
				t.Fatalf("flat field pixel (%d,%d) = %v, want 1", x, y, v)
			}
		}
	}
	// The edge a quarter pixel right of the image's centre line (the
	// boundary between columns 23 and 24): column c's centre is
	// d = 24.25 − (c + 0.5) px left of the edge.
	s := edgeScene(t, 0.25*px)
	bh := renderScene(t, s, set)
	set.Filter = FilterBox
	box := renderScene(t, s, set)
	for c := 20; c < 28; c++ {
		d := 24.25 - (float64(c) + 0.5)
		var mb, mx float64
		for y := 0; y < bh.H; y++ {
			mb += bh.Pixel(c, y).Y
			mx += box.Pixel(c, y).Y
		}
		mb /= float64(bh.H)
		mx /= float64(bh.H)
		want := bhCDF(d, 1.5)
		wantBox := math.Max(0, math.Min(1, d+0.5))
		t.Logf("column %d (d = %+.2f px): blackman-harris %.4f (want %.4f), box %.4f (want %.4f)", c, d, mb, want, mx, wantBox)
		if math.Abs(mb-want) > 0.01 {
			t.Errorf("column %d, %+.2f px from the edge: %.4f, want CDF_BH = %.4f", c, d, mb, want)
		}
		if math.Abs(mx-wantBox) > 0.01 {
			t.Errorf("box column %d, %+.2f px from the edge: %.4f, want %.4f", c, d, mx, wantBox)
		}
	}
}

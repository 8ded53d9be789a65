package render

import (
	"math"
	"testing"
)

// twoAlbedoWall is a wall facing the camera under a uniform white dome of
// radiance 1, albedo ρl left of x = 0 and ρr right of it: its radiance is
// exactly the albedo, estimated with noise.
func twoAlbedoWall(t *testing.T, rl, rr float64) *Scene {
	s := &Scene{Materials: []*Material{Lambert(Vec3{rl, rl, rl}), Lambert(Vec3{rr, rr, rr})}}
	left := QuadMesh(Vec3{-100, -100, 0}, Vec3{100, 0, 0}, Vec3{0, 200, 0})
	right := QuadMesh(Vec3{0, -100, 0}, Vec3{100, 0, 0}, Vec3{0, 200, 0})
	right.Material = 1
	s.Meshes = []*Mesh{left, right}
	s.Instances = []Instance{{Mesh: 0, Transform: Identity}, {Mesh: 1, Transform: Identity}}
	s.Lights = []Light{&DomeLight{LightBase: LightBase{ToWorld: Identity, Color: Vec3{1, 1, 1}, Intensity: 1}}}
	s.Camera = DefaultCamera()
	if err := s.Build(); err != nil {
		t.Fatal(err)
	}
	return s
}

// colStats returns the mean and the mean squared error against want of
// the luminance of column x of an RGB image.
func colStats(pix []float32, w, h, x int, want float64) (mean, mse float64) {
	for y := 0; y < h; y++ {
		i := 3 * (y*w + x)
		v := 0.2126*float64(pix[i]) + 0.7152*float64(pix[i+1]) + 0.0722*float64(pix[i+2])
		mean += v
		mse += (v - want) * (v - want)
	}
	return mean / float64(h), mse / float64(h)
}

// The denoiser removes most of the noise of a noisy wall whose radiance is
// known (the albedo), keeps its mean, keeps the albedo edge sharp (the
// columns next to it stay at their own albedo: the filter works on the
// radiance divided by the albedo), and leaves the film's beauty alone.
func TestDenoiseKeepsMeanAndEdgesRemovesNoise(t *testing.T) {
	const rl, rr = 0.8, 0.2
	s := twoAlbedoWall(t, rl, rr)
	const w, h = 48, 32
	f := renderScene(t, s, Settings{Width: w, Height: h, SamplesPerPixel: 4, MaxBounces: 2, Threads: 2, AOVs: true})
	before := f.RGB()
	den, err := f.Denoise()
	if err != nil {
		t.Fatal(err)
	}
	var noisyMSE, denMSE, denMean float64
	cols := 0
	for x := 0; x < w; x++ {
		want := rl
		if x >= w/2 {
			want = rr
		}
		_, nm := colStats(before, w, h, x, want)
		dm, dmse := colStats(den, w, h, x, want)
		noisyMSE += nm / want / want
		denMSE += dmse / want / want
		if x == w/2-2 || x == w/2+1 {
			// Two pixels either side of the edge.
			if math.Abs(dm-want) > 0.03*want {
				t.Errorf("column %d next to the albedo edge: %.4f after denoising, want %.2f", x, dm, want)
			}
		}
		if x < w/2-2 {
			denMean += dm
			cols++
		}
	}
	denMean /= float64(cols)
	t.Logf("relative MSE: noisy %.3g, denoised %.3g (%.1fx lower); left region mean %.4f (want %.2f)", noisyMSE/w, denMSE/w, noisyMSE/denMSE, denMean, rl)
	if !(denMSE < noisyMSE/4) {
		t.Errorf("denoised relative MSE %.3g, noisy %.3g: want at least 4x lower", denMSE/w, noisyMSE/w)
	}
	if math.Abs(denMean-rl) > 0.02*rl {
		t.Errorf("denoised mean %.4f, want %.2f within 2%%", denMean, rl)
	}
	after := f.RGB()
	for i := range after {
		if after[i] != before[i] {
			t.Fatal("Denoise changed the film's beauty")
		}
	}
	if _, err := NewFilm(2, 2).Denoise(); err == nil {
		t.Error("a film without AOVs denoised")
	}
}

// Background pixels (no geometry hit: a dome seen directly) are kept
// bit for bit.
func TestDenoiseKeepsBackground(t *testing.T) {
	s := halfPlaneUnderDome(t, 0.5)
	f := renderScene(t, s, Settings{Width: 32, Height: 16, SamplesPerPixel: 4, MaxBounces: 1, Threads: 2, AOVs: true})
	den, err := f.Denoise()
	if err != nil {
		t.Fatal(err)
	}
	rgb := f.RGB()
	for y := 0; y < 16; y++ {
		for x := 18; x < 32; x++ {
			i := 3 * (y*32 + x)
			if den[i] != rgb[i] || den[i] != 1 {
				t.Fatalf("background pixel (%d,%d) = %v after denoising, %v before; want 1 kept", x, y, den[i], rgb[i])
			}
		}
	}
}

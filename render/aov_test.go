package render

import (
	"bytes"
	"math"
	"testing"
)

func layerByName(t *testing.T, ls []Layer, name string) Layer {
	t.Helper()
	for _, l := range ls {
		if l.Name == name {
			return l
		}
	}
	t.Fatalf("no layer %q", name)
	return Layer{}
}

// A Lambertian plane (albedo ρ) under a sun at θ, seen from z = 3 along
// −Z: every pixel's AOVs are known exactly: coverage 1, albedo ρ, normal
// +Z, depth 3, diffuse direct ρE cosθ/π = the beauty, and nothing else
// (the sky is black, so no indirect light; no specular lobe; no emitter in
// view).
func TestAOVsLambertPlaneKnownValues(t *testing.T) {
	rho, E, th := 0.6, 3.0, 60*math.Pi/180
	s := &Scene{Materials: []*Material{Lambert(Vec3{rho, rho, rho})}}
	s.Meshes = []*Mesh{QuadMesh(Vec3{-50, -50, 0}, Vec3{100, 0, 0}, Vec3{0, 100, 0})}
	s.Instances = []Instance{{Mesh: 0, Transform: Identity}}
	xf := Identity
	xf[0] = [4]float64{math.Cos(th), 0, -math.Sin(th), 0}
	xf[2] = [4]float64{math.Sin(th), 0, math.Cos(th), 0}
	s.Lights = []Light{&DistantLight{LightBase: LightBase{ToWorld: xf, Color: Vec3{1, 1, 1}, Intensity: E}}}
	s.Camera = DefaultCamera()
	s.Camera.ToWorld = Translate(Vec3{0, 0, 3})
	if err := s.Build(); err != nil {
		t.Fatal(err)
	}
	f := renderScene(t, s, Settings{Width: 12, Height: 8, SamplesPerPixel: 8, MaxBounces: 4, Threads: 2, AOVs: true})
	ls := f.Layers()
	want := rho * E * math.Cos(th) / math.Pi
	near := func(got float32, want float64) bool {
		return math.Abs(float64(got)-want) <= 1e-5*math.Max(1, math.Abs(want))
	}
	checks := []struct {
		layer string
		ch    int // channels per pixel
		want  []float64
	}{
		{"", 4, []float64{want, want, want, 1}},
		{"albedo", 3, []float64{rho, rho, rho}},
		{"normal", 3, []float64{0, 0, 1}},
		{"depth", 1, []float64{3}},
		{"emission", 3, []float64{0, 0, 0}},
		{"diffuse_direct", 3, []float64{want, want, want}},
		{"diffuse_indirect", 3, []float64{0, 0, 0}},
		{"specular_direct", 3, []float64{0, 0, 0}},
		{"specular_indirect", 3, []float64{0, 0, 0}},
	}
	for _, c := range checks {
		l := layerByName(t, ls, c.layer)
		if len(l.Channels) != c.ch || len(l.Pix) != c.ch*f.W*f.H {
			t.Fatalf("layer %q: channels %v, %d values", c.layer, l.Channels, len(l.Pix))
		}
		for i := 0; i < f.W*f.H; i++ {
			for k, w := range c.want {
				if got := l.Pix[c.ch*i+k]; !near(got, w) {
					t.Fatalf("layer %q pixel %d channel %s = %v, want %v", c.layer, i, l.Channels[k], got, w)
				}
			}
		}
	}
}

// On a scene with diffuse and glossy surfaces, bounces and a visible
// light, emission + diffuse/specular × direct/indirect add up to the beauty
// (up to the fixed-point rounding of each sum), each pass is non-negative,
// and every pass is used somewhere. Pixels that see nothing have coverage
// 0 and the no-hit depth.
func TestAOVLightPassesSumToBeauty(t *testing.T) {
	s := cornellLikeUnbuilt()
	// An emitter on the back wall, in view.
	em := Lambert(Vec3{0.5, 0.5, 0.5})
	em.EmissiveColor.Value = Vec3{2, 1, 0.5}
	s.Materials = append(s.Materials, em)
	q := QuadMesh(Vec3{0.5, 0.2, -0.99}, Vec3{0.3, 0, 0}, Vec3{0, 0.3, 0})
	q.Material = len(s.Materials) - 1
	s.Meshes = append(s.Meshes, q)
	s.Instances = append(s.Instances, Instance{Mesh: len(s.Meshes) - 1, Transform: Identity})
	if err := s.Build(); err != nil {
		t.Fatal(err)
	}
	f := renderScene(t, s, Settings{Width: 40, Height: 30, SamplesPerPixel: 16, MaxBounces: 4, Threads: 2, AOVs: true})
	ls := f.Layers()
	beauty := ls[0]
	names := []string{"emission", "diffuse_direct", "diffuse_indirect", "specular_direct", "specular_indirect"}
	var totals [5]float64
	worst := 0.0
	for i := 0; i < f.W*f.H; i++ {
		for c := 0; c < 3; c++ {
			var sum float64
			for k, n := range names {
				v := float64(layerByName(t, ls, n).Pix[3*i+c])
				if v < 0 {
					t.Fatalf("%s pixel %d = %v < 0", n, i, v)
				}
				sum += v
				totals[k] += v
			}
			b := float64(beauty.Pix[4*i+c])
			worst = math.Max(worst, math.Abs(sum-b)/math.Max(b, 1e-3))
		}
	}
	t.Logf("passes' means %v; worst relative difference of their sum from the beauty %.2g", totals, worst)
	if worst > 1e-5 {
		t.Errorf("light passes differ from the beauty by up to %.3g (relative)", worst)
	}
	for k, n := range names {
		if !(totals[k] > 0) {
			t.Errorf("pass %s is empty on a scene that has it", n)
		}
	}
	// An empty scene: no hit anywhere.
	e := &Scene{Camera: DefaultCamera()}
	if err := e.Build(); err != nil {
		t.Fatal(err)
	}
	el := renderScene(t, e, Settings{Width: 4, Height: 4, SamplesPerPixel: 2, Threads: 1, AOVs: true}).Layers()
	if a, d := el[0].Pix[3], layerByName(t, el, "depth").Pix[0]; a != 0 || d != NoHitDepth {
		t.Errorf("empty scene: coverage %v, depth %v; want 0 and %v", a, d, float32(NoHitDepth))
	}
}

// Films with AOVs of disjoint sample ranges merge into exactly the film of
// one render, through the binary form; a film with AOVs does not merge
// into one without.
func TestAOVSampleSplitMergeExact(t *testing.T) {
	s := cornellLike(t)
	set := Settings{Width: 24, Height: 16, SamplesPerPixel: 12, MaxBounces: 3, Threads: 2, Seed: 5, AOVs: true}
	whole := renderScene(t, s, set)
	merged := NewFilmAOV(24, 16)
	for _, rg := range [][2]int{{8, 12}, {0, 3}, {3, 8}} {
		part := set
		part.SampleStart, part.SampleEnd = rg[0], rg[1]
		var b bytes.Buffer
		if _, err := renderScene(t, s, part).WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		pf, err := ReadFilm(&b)
		if err != nil {
			t.Fatal(err)
		}
		if !pf.HasAOVs() {
			t.Fatal("AOVs lost in the film's binary form")
		}
		if err := merged.Merge(pf); err != nil {
			t.Fatal(err)
		}
	}
	if !merged.Equal(whole) {
		t.Fatal("merged parts with AOVs differ from one render")
	}
	if err := NewFilm(24, 16).Merge(whole); err == nil {
		t.Error("a film with AOVs merged into one without")
	}
	// Without AOVs the film and its bytes are what they were.
	set.AOVs = false
	plain := renderScene(t, s, set)
	var b bytes.Buffer
	plain.WriteTo(&b)
	if !bytes.HasPrefix(b.Bytes(), []byte("RGFILM01")) || plain.HasAOVs() {
		t.Error("a film without AOVs changed its format")
	}
	if whole.Pixel(3, 3) != plain.Pixel(3, 3) {
		t.Errorf("AOVs changed the beauty: %v vs %v", whole.Pixel(3, 3), plain.Pixel(3, 3))
	}
}

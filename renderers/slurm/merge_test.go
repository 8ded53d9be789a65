package slurm

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/rgallery/rgallery/imageio/exr"
	"github.com/rgallery/rgallery/render"
)

// mergeScene is a small lit scene built in Go (no cluster, no USD): a
// glossy sphere on a plane under a sun and a dome.
func mergeScene(t *testing.T) *render.Scene {
	m := render.DefaultMaterial()
	m.Roughness.Value = 0.3
	s := &render.Scene{Materials: []*render.Material{render.Lambert(render.Vec3{X: 0.7, Y: 0.6, Z: 0.5}), m}}
	s.Meshes = []*render.Mesh{render.QuadMesh(render.Vec3{X: -5, Y: -5, Z: -1}, render.Vec3{X: 10}, render.Vec3{Y: 10}), render.SphereMesh(1, 24, 12)}
	s.Meshes[1].Material = 1
	s.Instances = []render.Instance{{Mesh: 0, Transform: render.Identity}, {Mesh: 1, Transform: render.Identity}}
	s.Lights = []render.Light{
		&render.DistantLight{LightBase: render.LightBase{ToWorld: render.Identity, Color: render.Vec3{X: 1, Y: 1, Z: 1}, Intensity: 2}, Angle: 1},
		&render.DomeLight{LightBase: render.LightBase{ToWorld: render.Identity, Color: render.Vec3{X: 0.2, Y: 0.3, Z: 0.4}, Intensity: 1}},
	}
	s.Camera = render.DefaultCamera()
	if err := s.Build(); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestMergedAOVLayersEqualOneRender writes three task films of disjoint
// sample ranges as the farm's tasks do, merges them with the farm's merge
// and writer, and compares every channel of every layer (beauty, coverage,
// albedo, normal, depth, light passes) bit for bit with the EXR of one
// render of all the samples.
func TestMergedAOVLayersEqualOneRender(t *testing.T) {
	s := mergeScene(t)
	set := render.Settings{Width: 32, Height: 24, SamplesPerPixel: 12, MaxBounces: 3, Threads: 2, Seed: 7, AOVs: true}
	renderFilm := func(a, b int) *render.Film {
		st := set
		st.SampleStart, st.SampleEnd = a, b
		r, err := render.NewRenderer(s, st)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Render(t.Context(), nil); err != nil {
			t.Fatal(err)
		}
		return r.Film()
	}
	dir := t.TempDir()
	for i, rg := range [][2]int{{0, 5}, {5, 6}, {6, 12}} {
		var b bytes.Buffer
		if _, err := renderFilm(rg[0], rg[1]).WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filmPath(dir, i), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fs := newFilms(dir, 3)
	if _, err := fs.refresh(); err != nil {
		t.Fatal(err)
	}
	merged, err := fs.merged()
	if err != nil {
		t.Fatal(err)
	}
	mergedEXR, oneEXR := filepath.Join(dir, "merged.exr"), filepath.Join(dir, "one.exr")
	if err := writeImage(merged, mergedEXR, nil, false); err != nil {
		t.Fatal(err)
	}
	if err := writeImage(renderFilm(0, 12), oneEXR, nil, false); err != nil {
		t.Fatal(err)
	}
	a, err := exr.ReadFile(mergedEXR)
	if err != nil {
		t.Fatal(err)
	}
	b, err := exr.ReadFile(oneEXR)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Channels) != 26 || len(b.Channels) != len(a.Channels) {
		t.Fatalf("channels %v and %v, want the 26 of beauty and AOVs", a.Channels, b.Channels)
	}
	diff, lit := 0, map[string]bool{}
	for i, v := range a.Pix {
		if math.Float32bits(v) != math.Float32bits(b.Pix[i]) {
			diff++
		}
		if v != 0 {
			lit[a.Channels[i%len(a.Channels)]] = true
		}
	}
	if diff != 0 {
		t.Errorf("%d of %d values differ between the merged and the one-render EXR", diff, len(a.Pix))
	}
	for _, c := range a.Channels {
		if !lit[c] && c != "emission.R" && c != "emission.G" && c != "emission.B" {
			t.Errorf("channel %s is all zero: the comparison proves nothing for it", c)
		}
	}
}

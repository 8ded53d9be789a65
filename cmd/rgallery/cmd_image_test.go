//go:build linux || darwin

package main

import (
	"encoding/json"
	"math"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rgallery/rgallery/imageio/exr"
)

// image info --json reports windows, channels and statistics of a file
// rgallery wrote; image convert rewrites it uncompressed with the same
// values; a file that is not an EXR exits 2.
func TestImageInfoAndConvert(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.exr")
	rgb := []float32{1, 2, 3, 4, 5, 6, float32(math.Inf(1)), 8, float32(math.NaN())}
	if err := exr.WriteFileRGB(in, 3, 1, rgb, map[string]string{"software": "test"}); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(rgallery, "image", "info", "--json", in).Output()
	if err != nil {
		t.Fatalf("image info: %v", err)
	}
	var info imageInfo
	if err := json.Unmarshal(out, &info); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	p := info.Parts[0]
	if p.Width != 3 || p.Height != 1 || p.Compression != "ZIP" || len(p.Channels) != 3 {
		t.Fatalf("info: %+v", p)
	}
	// channels B, G, R in file order; R = 1, 4, +Inf
	r := p.Channels[2]
	if r.Name != "R" || r.Type != "FLOAT" || r.Min != 1 || r.Max != 4 || r.Avg != 2.5 || r.Inf != 1 || r.NaN != 0 {
		t.Errorf("R stats: %+v", r)
	}
	if b := p.Channels[0]; b.Name != "B" || b.NaN != 1 || b.Min != 3 || b.Max != 6 {
		t.Errorf("B stats: %+v", b)
	}

	conv := filepath.Join(dir, "out.exr")
	if out, err := exec.Command(rgallery, "image", "convert", in, conv).CombinedOutput(); err != nil {
		t.Fatalf("image convert: %v\n%s", err, out)
	}
	f, err := exr.Open(conv)
	if err != nil {
		t.Fatal(err)
	}
	if f.Parts[0].Compression != "NONE" {
		t.Errorf("converted compression %s", f.Parts[0].Compression)
	}
	im, err := f.Parts[0].Image()
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range im.RGB() {
		if math.Float32bits(v) != math.Float32bits(rgb[i]) {
			t.Errorf("converted value %d = %v, want %v", i, v, rgb[i])
		}
	}

	cmd := exec.Command(rgallery, "image", "info", filepath.Join(dir, "missing.exr"))
	if err := cmd.Run(); err == nil {
		t.Error("image info of a missing file succeeded")
	} else if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
		t.Errorf("image info of a missing file: %v, want exit 2", err)
	}
}

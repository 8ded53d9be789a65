package exr

import (
	"bytes"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func testImage(w, h int) []float32 {
	rgb := make([]float32, 3*w*h)
	for i := range rgb {
		rgb[i] = float32(math.Sin(float64(i)*0.37)*4 + 4.5)
	}
	rgb[0] = 0
	rgb[1] = 1e-8
	rgb[2] = 65000.5
	return rgb
}

func TestRoundTrip(t *testing.T) {
	for _, sz := range [][2]int{{1, 1}, {17, 33}, {64, 16}} {
		w, h := sz[0], sz[1]
		rgb := testImage(w, h)
		var b bytes.Buffer
		if err := WriteRGB(&b, w, h, rgb, map[string]string{"software": "rgallery"}); err != nil {
			t.Fatal(err)
		}
		im, err := Decode(&b)
		if err != nil {
			t.Fatal(err)
		}
		if im.Width != w || im.Height != h || strings.Join(im.Channels, "") != "BGR" {
			t.Fatalf("got %dx%d %v", im.Width, im.Height, im.Channels)
		}
		got := im.RGB()
		for i := range rgb {
			if got[i] != rgb[i] {
				t.Fatalf("%dx%d: value %d = %v, want %v", w, h, i, got[i], rgb[i])
			}
		}
	}
}

func TestBadInput(t *testing.T) {
	var b bytes.Buffer
	if err := WriteRGB(&b, 8, 8, testImage(8, 8), nil); err != nil {
		t.Fatal(err)
	}
	good := b.Bytes()
	for n := 0; n < len(good); n += 7 {
		_, _ = Decode(bytes.NewReader(good[:n])) // must not panic
	}
	if _, err := Decode(strings.NewReader("P6 not an exr")); err == nil || !strings.Contains(err.Error(), "magic") {
		t.Fatalf("bad magic: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	var b bytes.Buffer
	_ = WriteRGB(&b, 4, 3, testImage(4, 3), nil)
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, d []byte) {
		_, _ = Decode(bytes.NewReader(d))
	})
}

// The Cycles reference (float BGR, ZIP, written by OpenEXR itself) reads.
func TestReadCyclesReference(t *testing.T) {
	shared := os.Getenv("RGALLERY_SHARED")
	if shared == "" {
		shared = "../../../shared"
	}
	p := filepath.Join(shared, "bench-scenes", "cornell", "cycles.exr")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("no Cycles reference at %s", p)
	}
	im, err := ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if im.Width != 640 || im.Height != 360 {
		t.Fatalf("size %dx%d", im.Width, im.Height)
	}
	var sum float64
	for _, v := range im.RGB() {
		if math.IsNaN(float64(v)) || v < 0 {
			t.Fatalf("bad value %v", v)
		}
		sum += float64(v)
	}
	if mean := sum / float64(len(im.Pix)); mean < 0.01 || mean > 10 {
		t.Fatalf("implausible mean %v", mean)
	}
}

// exrheader (Debian's openexr package) accepts our files.
func TestExrheaderReadsOurFile(t *testing.T) {
	tool, err := exec.LookPath("exrheader")
	if err != nil {
		t.Skip("exrheader not installed (apt-get install openexr)")
	}
	p := filepath.Join(t.TempDir(), "x.exr")
	if err := WriteFileRGB(p, 33, 20, testImage(33, 20), map[string]string{"software": "rgallery"}); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, p).CombinedOutput()
	if err != nil {
		t.Fatalf("exrheader: %v\n%s", err, out)
	}
	for _, want := range []string{"32-bit floating-point", "zip", "(0 0) - (32 19)"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("exrheader output lacks %q:\n%s", want, out)
		}
	}
}

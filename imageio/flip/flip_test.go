package flip

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rgallery/rgallery/internal/oracle"
)

// testPair is a reference with smooth gradients, a bright highlight and
// fine texture, and a test that adds noise, shifts a colour and blurs
// nothing: enough for both pipelines to matter.
func testPair(w, h int, seed uint64, hdr bool) (ref, tst Image) {
	r := rand.New(rand.NewPCG(seed, 7))
	ref = Image{W: w, H: h, Pix: make([]float32, 3*w*h)}
	tst = Image{W: w, H: h, Pix: make([]float32, 3*w*h)}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := 3 * (y*w + x)
			base := [3]float64{float64(x) / float64(w), float64(y) / float64(h), 0.3 + 0.2*math.Sin(float64(x*y)/40)}
			if (x/4+y/4)%2 == 0 && x > w/2 {
				base[2] += 0.3
			}
			if hdr && (x-w/4)*(x-w/4)+(y-h/3)*(y-h/3) < 30 {
				base = [3]float64{12, 9, 6}
			}
			for c := 0; c < 3; c++ {
				v := base[c]
				if !hdr {
					v = math.Min(v, 1)
				}
				ref.Pix[i+c] = float32(v)
				t := v + 0.08*(r.Float64()-0.5)
				if c == 0 && y > h/2 {
					t *= 1.2
				}
				if !hdr {
					t = math.Min(math.Max(t, 0), 1)
				}
				tst.Pix[i+c] = float32(math.Max(t, 0))
			}
		}
	}
	return ref, tst
}

func writeRaw(t *testing.T, path string, im Image, srgb bool) {
	b := make([]byte, 4*len(im.Pix))
	for i, v := range im.Pix {
		if srgb {
			x := float64(v)
			if x <= 0.0031308 {
				x *= 12.92
			} else {
				x = 1.055*math.Pow(x, 1/2.4) - 0.055
			}
			v = float32(x)
		}
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

const flipScript = `
import sys, numpy as np, flip_evaluator as fe
w, h, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
ref = np.fromfile(sys.argv[4], dtype='<f4').reshape(h, w, 3)
tst = np.fromfile(sys.argv[5], dtype='<f4').reshape(h, w, 3)
_, mean, params = fe.evaluate(ref, tst, mode, applyMagma=False)
print(mean, params.get('startExposure', 0), params.get('stopExposure', 0), params.get('numExposures', 0))
`

// TestFLIPMatchesNVIDIAFlipEvaluator compares the mean LDR-FLIP and
// HDR-FLIP of generated image pairs with NVIDIA's flip-evaluator (the
// oracle's Python package). The reference implementation computes in
// float32: the means agree to 1e-5 (they agree to 6 digits today).
func TestFLIPMatchesNVIDIAFlipEvaluator(t *testing.T) {
	py := oracle.Python(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		hdr  bool
		w, h int
	}{{"LDR", false, 96, 64}, {"HDR", true, 96, 64}} {
		ref, tst := testPair(tc.w, tc.h, 1, tc.hdr)
		rp, tp := filepath.Join(dir, tc.name+"-ref.raw"), filepath.Join(dir, tc.name+"-test.raw")
		writeRaw(t, rp, ref, !tc.hdr)
		writeRaw(t, tp, tst, !tc.hdr)
		out, err := exec.Command(py, "-c", flipScript, strconv.Itoa(tc.w), strconv.Itoa(tc.h), tc.name, rp, tp).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: flip_evaluator: %v\n%s", tc.name, err, out)
		}
		f := strings.Fields(string(out))
		want, _ := strconv.ParseFloat(f[0], 64)
		var got float64
		if tc.hdr {
			res, err := HDR(t.Context(), ref, tst, DefaultPPD, 0, 0, tc.w, tc.h)
			if err != nil {
				t.Fatal(err)
			}
			got = res.Mean
			t.Logf("HDR exposures ours %.4f..%.4f (%d), flip_evaluator %s..%s (%s)", res.StartExposure, res.StopExposure, res.Exposures, f[1], f[2], f[3])
		} else {
			for _, v := range LDR(ref, tst, DefaultPPD) {
				got += float64(v)
			}
			got /= float64(tc.w * tc.h)
		}
		t.Logf("%s: mean FLIP ours %.6f, flip_evaluator %.6f", tc.name, got, want)
		if math.Abs(got-want) > 1e-5 {
			t.Errorf("%s: mean FLIP %.6f, flip_evaluator %.6f", tc.name, got, want)
		}
	}
}

// TestFLIPIdenticalImagesIsZero: an image against itself has no error.
func TestFLIPIdenticalImagesIsZero(t *testing.T) {
	ref, _ := testPair(40, 30, 2, true)
	res, err := HDR(t.Context(), ref, ref, 0, 0, 0, 40, 30)
	if err != nil {
		t.Fatal(err)
	}
	if res.Mean != 0 {
		t.Errorf("mean FLIP of an image against itself: %v", res.Mean)
	}
}

// TestFLIPRegionIsTheWholeMapRestricted: the error of a region is the mean
// of the whole image's error map over that region, not of a cropped image,
// and the tiles HDR works in (256 px) do not show in the result.
func TestFLIPRegionIsTheWholeMapRestricted(t *testing.T) {
	const w, h = 300, 270
	ref, tst := testPair(w, h, 3, true)
	whole, err := HDR(t.Context(), ref, tst, 0, 0, 0, w, h)
	if err != nil {
		t.Fatal(err)
	}
	// The map of the whole image in one piece, with the same exposures.
	n := whole.Exposures
	step := (whole.StopExposure - whole.StartExposure) / float64(n-1)
	m := make([]float32, w*h)
	for i := 0; i < n; i++ {
		e := whole.StartExposure + float64(i)*step
		for j, v := range LDR(toneMap(ref, e), toneMap(tst, e), DefaultPPD) {
			m[j] = max(m[j], v)
		}
	}
	mean := func(x0, y0, x1, y1 int) float64 {
		var sum float64
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				sum += float64(m[y*w+x])
			}
		}
		return sum / float64((x1-x0)*(y1-y0))
	}
	if want := mean(0, 0, w, h); math.Abs(whole.Mean-want) > 1e-6 {
		t.Errorf("whole image in tiles: mean %v, want %v (one piece)", whole.Mean, want)
	}
	reg, err := HDR(t.Context(), ref, tst, 0, 50, 30, 90, 50)
	if err != nil {
		t.Fatal(err)
	}
	if want := mean(50, 30, 90, 50); math.Abs(reg.Mean-want) > 1e-6 {
		t.Errorf("region mean %v, want %v (the whole map over the region)", reg.Mean, want)
	}
}

// BenchmarkHDR512 is HDR-FLIP of a 512×512 pair (about one exposure per
// stop of the reference's range).
func BenchmarkHDR512(b *testing.B) {
	ref, tst := testPair(512, 512, 4, true)
	for b.Loop() {
		if _, err := HDR(b.Context(), ref, tst, 0, 0, 0, 512, 512); err != nil {
			b.Fatal(err)
		}
	}
}

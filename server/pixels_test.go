//go:build linux || darwin

package server_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rgallery/rgallery/gallery"
	"github.com/rgallery/rgallery/imageio/exr"
	"github.com/rgallery/rgallery/imageio/flip"
	"github.com/rgallery/rgallery/server"
)

// knownEXR is the test image of the viewer tests: w×h pixels, a base layer
// R, G, B, A with R = x/16, G = y/16, B = 0.5, A = 1 (0.5 in the right
// quarter), a "diffuse" layer with R = 0.125, G = 0.25, B = 0.375 + x/64,
// and a "depth" layer with Z = 10 + y. Pixel (5, 3) of the base layer holds
// R = NaN, G = +Inf, B = -2. Every value is exact in half and float.
type knownEXR struct{ w, h int }

func (k knownEXR) base(x, y int) [4]float32 {
	if x == 5 && y == 3 {
		return [4]float32{float32(math.NaN()), float32(math.Inf(1)), -2, 1}
	}
	a := float32(1)
	if x >= 3*k.w/4 {
		a = 0.5
	}
	return [4]float32{float32(x) / 16, float32(y) / 16, 0.5, a}
}

func (k knownEXR) diffuse(x, y int) [3]float32 {
	return [3]float32{0.125, 0.25, 0.375 + float32(x)/64}
}

func (k knownEXR) depth(x, y int) float32 { return 10 + float32(y) }

// write writes the image as a FLOAT EXR with Rec.2020 chromaticities.
func (k knownEXR) write(t testing.TB, scale float32) []byte {
	t.Helper()
	box := exr.Box2i{XMax: k.w - 1, YMax: k.h - 1}
	p := &exr.Part{DataWindow: box, DisplayWindow: box}
	add := func(name string, f func(x, y int) float32) {
		c := &exr.Channel{Name: name, Type: exr.Float, XSampling: 1, YSampling: 1, Width: k.w, Height: k.h}
		for y := 0; y < k.h; y++ {
			for x := 0; x < k.w; x++ {
				c.Float = append(c.Float, f(x, y))
			}
		}
		p.Channels = append(p.Channels, c)
	}
	for i, n := range []string{"R", "G", "B", "A"} {
		add(n, func(x, y int) float32 {
			v := k.base(x, y)[i]
			if i < 3 {
				v *= scale
			}
			return v
		})
	}
	for i, n := range []string{"diffuse.R", "diffuse.G", "diffuse.B"} {
		add(n, func(x, y int) float32 { return k.diffuse(x, y)[i] })
	}
	add("depth.Z", k.depth)
	var chroma bytes.Buffer
	for _, v := range []float32{0.708, 0.292, 0.170, 0.797, 0.131, 0.046, 0.3127, 0.3290} {
		binary.Write(&chroma, binary.LittleEndian, v)
	}
	p.Attributes = append(p.Attributes, exr.Attribute{Name: "chromaticities", Type: "chromaticities", Raw: chroma.Bytes()})
	p.Levels = []*exr.Level{{Width: k.w, Height: k.h, Channels: p.Channels}}
	var b bytes.Buffer
	if err := exr.WriteFile(&b, &exr.File{Parts: []*exr.Part{p}}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func importKnown(t testing.TB, g *gallery.Gallery, k knownEXR, scale float32, label string) gallery.Snapshot {
	t.Helper()
	s, err := g.Import(context.Background(), k.write(t, scale), gallery.ImportOptions{Name: label + ".exr", Label: label})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func getPixels(t *testing.T, url string) (http.Header, []byte, int) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.Header, b, resp.StatusCode
}

// TestPixelsServeLayersAsStored: the layers endpoint lists every layer with
// its channels and the file's chromaticities; the pixels endpoint serves
// each layer's values exactly (float32, and half for values exact in half),
// NaN and infinity included; a repeated request with the ETag gets 304.
func TestPixelsServeLayersAsStored(t *testing.T) {
	f := newFixture(t, fixtureOpts{loopback: true})
	k := knownEXR{16, 8}
	s := importKnown(t, f.g, k, 1, "known")

	var info server.PixelInfo
	if code := f.do("GET", "/api/snapshots/1/layers", nil, &info); code != 200 {
		t.Fatalf("layers: %d", code)
	}
	var names []string
	for _, l := range info.Layers {
		var ch []string
		for _, c := range l.Channels {
			ch = append(ch, c.Name)
		}
		names = append(names, l.Name+":"+strings.Join(ch, ","))
	}
	if got, want := strings.Join(names, " "), ":R,G,B,A depth:Z diffuse:R,G,B"; got != want {
		t.Errorf("layers %q, want %q", got, want)
	}
	if info.Width != 16 || info.Height != 8 || info.Version != s.ImageVersion || info.Layers[info.Beauty].Name != "" {
		t.Errorf("info %+v", info)
	}
	if len(info.Chromaticities) != 8 || math.Abs(info.Chromaticities[0]-0.708) > 1e-6 || math.Abs(info.Chromaticities[7]-0.329) > 1e-6 {
		t.Errorf("chromaticities %v", info.Chromaticities)
	}

	for _, typ := range []string{"float", "half"} {
		h, body, code := getPixels(t, f.srv.URL+"/api/snapshots/1/pixels?type="+typ)
		if code != 200 || h.Get("X-Rgallery-Channels") != "R,G,B,A" || h.Get("X-Rgallery-Width") != "16" || h.Get("X-Rgallery-Type") != typ {
			t.Fatalf("%s: %d %v", typ, code, h)
		}
		size := 4
		if typ == "half" {
			size = 2
		}
		if len(body) != 16*8*4*size {
			t.Fatalf("%s: %d bytes", typ, len(body))
		}
		at := func(i int) float32 {
			if size == 4 {
				return math.Float32frombits(binary.LittleEndian.Uint32(body[4*i:]))
			}
			return exr.HalfToFloat(binary.LittleEndian.Uint16(body[2*i:]))
		}
		for y := 0; y < 8; y++ {
			for x := 0; x < 16; x++ {
				want := k.base(x, y)
				for c := 0; c < 4; c++ {
					got := at((y*16+x)*4 + c)
					if got != want[c] && !(math.IsNaN(float64(got)) && math.IsNaN(float64(want[c]))) {
						t.Fatalf("%s: pixel %d,%d channel %d = %v, want %v", typ, x, y, c, got, want[c])
					}
				}
			}
		}
		// Revalidation: the same version is not sent again.
		req, _ := http.NewRequest("GET", f.srv.URL+"/api/snapshots/1/pixels?type="+typ, nil)
		req.Header.Set("If-None-Match", h.Get("ETag"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotModified {
			t.Errorf("%s: revalidation with %s: %d, want 304", typ, h.Get("ETag"), resp.StatusCode)
		}
	}

	h, body, code := getPixels(t, f.srv.URL+"/api/snapshots/1/pixels?type=float&layer=depth")
	if code != 200 || h.Get("X-Rgallery-Channels") != "Z" || len(body) != 16*8*4 {
		t.Fatalf("depth: %d %v %d bytes", code, h, len(body))
	}
	if z := math.Float32frombits(binary.LittleEndian.Uint32(body[4*(16*5+2):])); z != k.depth(2, 5) {
		t.Errorf("depth at 2,5 = %v, want %v", z, k.depth(2, 5))
	}
	_, body, code = getPixels(t, f.srv.URL+"/api/snapshots/1/pixels?layer=nope")
	if code != 404 || !strings.Contains(string(body), `no layer \"nope\"`) || !strings.Contains(string(body), `\"diffuse\"`) {
		t.Errorf("unknown layer: %d %s", code, body)
	}
}

// TestPixelsVanishedImageIsGone: an image file deleted behind the
// gallery's back is a 410 naming the file, not a crash or an empty 200.
func TestPixelsVanishedImageIsGone(t *testing.T) {
	f := newFixture(t, fixtureOpts{loopback: true})
	s := importKnown(t, f.g, knownEXR{4, 4}, 1, "gone")
	if err := os.Remove(f.g.Path(s.Image)); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/layers", "/pixels"} {
		_, body, code := getPixels(t, f.srv.URL+"/api/snapshots/1"+p)
		if code != http.StatusGone || !strings.Contains(string(body), filepath.Base(s.Image)) || !strings.Contains(string(body), "gone") {
			t.Errorf("%s: %d %s", p, code, body)
		}
	}
	if _, body, code := getPixels(t, f.srv.URL+"/api/snapshots/99/pixels"); code != 404 {
		t.Errorf("no snapshot: %d %s", code, body)
	}
}

// TestFlipEndpointComparesTestWithReference: /flip is HDR-FLIP of the
// snapshot (test) against ?ref= (reference) on the chosen layer and region,
// the value imageio/flip gives for the same pixels; bad requests say why.
func TestFlipEndpointComparesTestWithReference(t *testing.T) {
	f := newFixture(t, fixtureOpts{loopback: true})
	k := knownEXR{40, 24}
	importKnown(t, f.g, k, 1, "a")
	importKnown(t, f.g, k, 2, "b")
	img := func(scale float32) flip.Image {
		im := flip.Image{W: k.w, H: k.h}
		for y := 0; y < k.h; y++ {
			for x := 0; x < k.w; x++ {
				v := k.base(x, y)
				im.Pix = append(im.Pix, v[0]*scale, v[1]*scale, v[2]*scale)
			}
		}
		return im
	}
	for _, tc := range []struct {
		query         string
		region        [4]int
		test, ref     float32
		testID, refID int64
	}{
		{"/api/snapshots/1/flip?ref=2", [4]int{0, 0, 40, 24}, 1, 2, 1, 2},
		{"/api/snapshots/2/flip?ref=1&region=4,2,20,12", [4]int{4, 2, 20, 12}, 2, 1, 2, 1},
	} {
		var got server.FlipResult
		if code := f.do("GET", tc.query, nil, &got); code != 200 {
			t.Fatalf("%s: %d", tc.query, code)
		}
		r := tc.region
		want, err := flip.HDR(t.Context(), img(tc.ref), img(tc.test), 0, r[0], r[1], r[2], r[3])
		if err != nil {
			t.Fatal(err)
		}
		if got.Mean != want.Mean || got.Test != tc.testID || got.Reference != tc.refID || got.Region != tc.region || got.Mean <= 0 {
			t.Errorf("%s: %+v, want mean %v", tc.query, got, want.Mean)
		}
	}
	for q, want := range map[string]string{
		"/api/snapshots/1/flip":                       "ref",
		"/api/snapshots/1/flip?ref=2&region=0,0,99,9": "region",
		"/api/snapshots/1/flip?ref=2&layer=depth":     "no R, G and B",
		"/api/snapshots/1/flip?ref=2&layer=nope":      "no layer",
	} {
		_, body, code := getPixels(t, f.srv.URL+q)
		if code < 400 || !strings.Contains(string(body), want) {
			t.Errorf("%s: %d %s, want an error about %s", q, code, body, want)
		}
	}
}

//go:build linux || darwin

package command

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"
)

// FuzzParseManifest: any input gives a manifest or an error, never a panic,
// and every error names the file.
func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(progressiveManifest))
	f.Add([]byte("label = \"x\"\nargv = [\"r\", [\"--c\", \"{camera}\"], \"{{{usd}}}\"]\nprogress = '(?P<done>\\d+)/(?P<total>\\d+)'\n"))
	f.Add([]byte("label = \"x\"\nargv = [\"r\"]\n[[option]]\nname = \"n\"\ntype = \"float\"\nmin = 0\nmax = 1\ndefault = 0.5\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest("fuzz.toml", data)
		if err != nil {
			if !bytes.HasPrefix([]byte(err.Error()), []byte("fuzz.toml")) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if m.Label == "" || len(m.argv) == 0 {
			t.Fatalf("accepted a manifest without label or argv: %+v", m)
		}
		_ = m.Schema()
	})
}

// FuzzCheckPNG: the completeness check never panics, and agrees with the
// standard decoder on every prefix of a valid file: only the whole file is
// complete.
func FuzzCheckPNG(f *testing.F) {
	img := image.NewNRGBA(image.Rect(0, 0, 5, 3))
	img.Set(1, 1, color.NRGBA{R: 200, A: 255})
	var b bytes.Buffer
	png.Encode(&b, img)
	whole := b.Bytes()
	f.Add(whole, len(whole))
	f.Add(whole, len(whole)-1)
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x00IEND\xaeB`\x82"), 20)
	f.Fuzz(func(t *testing.T, data []byte, cut int) {
		_ = checkPNG(data)
		_ = checkJPEG(data)
		if cut < 0 || cut > len(whole) {
			return
		}
		err := checkPNG(whole[:cut])
		if (err == nil) != (cut == len(whole)) {
			t.Fatalf("checkPNG of %d of %d bytes: %v", cut, len(whole), err)
		}
	})
}

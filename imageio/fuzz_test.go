package imageio

import "testing"

// FuzzDecodeHDR: any bytes after a Radiance header give an image or an
// error, never a panic, and an image's layer holds exactly its pixels.
func FuzzDecodeHDR(f *testing.F) {
	f.Add([]byte(hdrHead + "-Y 1 +X 2\n\x80\x40\x00\x81\x01\x01\x01\x01"))
	rle := []byte(hdrHead + "-Y 1 +X 8\n")
	rle = append(rle, 2, 2, 0, 8, 136, 1, 136, 2, 136, 3, 136, 130)
	f.Add(rle)
	f.Add([]byte(hdrHead + "+Y 2 -X 9\n\x02\x02\x00\x09\x05\x01\x02\x03\x04\x05"))
	f.Fuzz(func(t *testing.T, d []byte) {
		im, err := Decode(d)
		if err != nil {
			return
		}
		l := im.Layers[0]
		if len(l.Pix) != l.Width*l.Height*len(l.Channels) {
			t.Fatalf("%d values for %dx%d×%d", len(l.Pix), l.Width, l.Height, len(l.Channels))
		}
		im.Preview()
	})
}

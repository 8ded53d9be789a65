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

// FuzzDecodeTGA: any bytes give an image of the header's size or an
// error, never a panic.
func FuzzDecodeTGA(f *testing.F) {
	f.Add([]byte{0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 24, 0, 0, 0, 255})
	f.Add([]byte{0, 0, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2, 0, 8, 0x20, 0x82, 10, 0x00, 200})
	f.Add([]byte{0, 1, 9, 0, 0, 2, 0, 24, 0, 0, 0, 0, 2, 0, 1, 0, 8, 0, 1, 2, 3, 4, 5, 6, 0x81, 1})
	f.Fuzz(func(t *testing.T, d []byte) {
		img, err := DecodeTGA(d)
		if err != nil {
			return
		}
		if b := img.Bounds(); b.Dx() != int(d[12])|int(d[13])<<8 || b.Dy() != int(d[14])|int(d[15])<<8 {
			t.Fatalf("bounds %v for header size %dx%d", b, int(d[12])|int(d[13])<<8, int(d[14])|int(d[15])<<8)
		}
	})
}

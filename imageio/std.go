package imageio

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"sync"

	"golang.org/x/image/tiff"
)

// decodeStd decodes PNG, JPEG and TIFF through the Go decoders into one
// base layer: R, G, B (or Y for grey images), plus A when the image model
// has alpha. Samples are sRGB-decoded to linear; alpha is kept straight.
func decodeStd(data []byte, f Format) (*Image, error) {
	var (
		img image.Image
		err error
	)
	switch f {
	case PNG:
		img, err = png.Decode(bytes.NewReader(data))
	case JPEG:
		img, err = jpeg.Decode(bytes.NewReader(data))
	case TIFF:
		img, err = tiff.Decode(bytes.NewReader(data))
	}
	if err != nil {
		return nil, err
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w == 0 || h == 0 {
		return nil, fmt.Errorf("image is empty (%dx%d)", w, h)
	}
	depth, grey, alpha := describeModel(img)
	var names []string
	if grey {
		names = []string{"Y"}
	} else {
		names = []string{"R", "G", "B"}
	}
	if alpha {
		names = append(names, "A")
	}
	chans := make([]Channel, len(names))
	for i, n := range names {
		chans[i] = Channel{Name: n, Type: depth}
	}
	// One table lookup per sample: the sRGB curve on every 16-bit code.
	lut := srgbLUT16()
	n := len(names)
	pix := make([]float32, w*h*n)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := nrgba64At(img, b.Min.X+x, b.Min.Y+y)
			p := pix[(y*w+x)*n:]
			if grey {
				p[0] = lut[c.R]
			} else {
				p[0], p[1], p[2] = lut[c.R], lut[c.G], lut[c.B]
			}
			if alpha {
				p[n-1] = float32(c.A) / 0xffff
			}
		}
	}
	return &Image{
		Format:   f,
		Width:    w,
		Height:   h,
		Transfer: "sRGB",
		Layers:   []Layer{{Name: "", Channels: chans, Width: w, Height: h, Pix: pix}},
		Attributes: []Attribute{
			{Name: "colorModel", Value: modelName(img)},
		},
	}, nil
}

// describeModel tells the sample depth and whether the image is grey and
// has alpha, from its concrete type (what the decoder chose for the file).
func describeModel(img image.Image) (depth string, grey, alpha bool) {
	switch m := img.(type) {
	case *image.Gray:
		return "uint8", true, false
	case *image.Gray16:
		return "uint16", true, false
	case *image.RGBA, *image.NRGBA:
		return "uint8", false, true
	case *image.RGBA64, *image.NRGBA64:
		return "uint16", false, true
	case *image.YCbCr, *image.CMYK:
		return "uint8", false, false
	case *image.Paletted:
		for _, c := range m.Palette {
			if _, _, _, a := c.RGBA(); a != 0xffff {
				return "uint8", false, true
			}
		}
		return "uint8", false, false
	}
	return "uint16", false, true
}

func modelName(img image.Image) string {
	switch img.(type) {
	case *image.Gray, *image.Gray16:
		return "grey"
	case *image.RGBA, *image.RGBA64:
		return "RGBA (associated alpha)"
	case *image.NRGBA, *image.NRGBA64:
		return "RGBA"
	case *image.YCbCr:
		return "YCbCr"
	case *image.CMYK:
		return "CMYK"
	case *image.Paletted:
		return "paletted"
	}
	return fmt.Sprintf("%T", img)
}

// srgbLUT16 maps every 16-bit sRGB code to linear.
var srgbLUT16 = sync.OnceValue(func() []float32 {
	t := make([]float32, 1<<16)
	for i := range t {
		t[i] = float32(DecodeSRGB(float64(i) / 0xffff))
	}
	return t
})

// nrgba64At returns a pixel with straight alpha. Images that store straight
// alpha are read directly: going through color.Color's premultiplied RGBA
// would lose precision for translucent pixels.
func nrgba64At(img image.Image, x, y int) color.NRGBA64 {
	switch m := img.(type) {
	case *image.NRGBA:
		c := m.NRGBAAt(x, y)
		return color.NRGBA64{uint16(c.R) * 0x101, uint16(c.G) * 0x101, uint16(c.B) * 0x101, uint16(c.A) * 0x101}
	case *image.NRGBA64:
		return m.NRGBA64At(x, y)
	case *image.Gray:
		v := uint16(m.GrayAt(x, y).Y) * 0x101
		return color.NRGBA64{v, v, v, 0xffff}
	case *image.Gray16:
		v := m.Gray16At(x, y).Y
		return color.NRGBA64{v, v, v, 0xffff}
	}
	return color.NRGBA64Model.Convert(img.At(x, y)).(color.NRGBA64)
}

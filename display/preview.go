package display

import (
	"image"
	"image/png"
	"io"
	"math"
)

// encodePreview writes linear RGB as an 8-bit sRGB PNG, clamped, the way
// the render worker writes its previews (renderworker.EncodePNG); it is
// repeated here so that the display server does not depend on the tracer.
func encodePreview(w io.Writer, width, height int, rgb []float32) error {
	var lut [4097]uint8
	for i := range lut {
		c := float64(i) / 4096
		if c > 0.0031308 {
			c = 1.055*math.Pow(c, 1/2.4) - 0.055
		} else {
			c *= 12.92
		}
		lut[i] = uint8(c*255 + 0.5)
	}
	img := image.NewNRGBA(image.Rect(0, 0, width, height))
	for i := 0; i < width*height; i++ {
		for c := 0; c < 3; c++ {
			v := rgb[3*i+c]
			switch {
			case !(v > 0): // negative, zero and NaN
				img.Pix[4*i+c] = 0
			case v >= 1:
				img.Pix[4*i+c] = 255
			default:
				img.Pix[4*i+c] = lut[int(v*4096+0.5)]
			}
		}
		img.Pix[4*i+3] = 255
	}
	return (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(w, img)
}

// Package imageio reads the image files other renderers and tools write —
// OpenEXR, PNG, JPEG, TIFF and Radiance HDR — into one form: a linear float
// image made of named layers, plus the file's attributes. It is what
// `rgallery import` and the import endpoint decode with; it writes nothing
// but an 8-bit sRGB preview.
//
// The format is found from the file's first bytes (Sniff), never from its
// name. Each format is a thin adapter:
//
//   - OpenEXR through imageio/exr: every part, every layer of each part
//     (exr.Part.Layers), full-resolution level; sampled channels widened by
//     repetition; values as stored (scene-linear), attributes kept as text.
//     A luminance/chroma layer (Y, RY, BY) becomes R, G, B as OpenEXR's
//     RgbaInputFile makes it (chroma filtered back to full resolution,
//     luminance weights from the file's chromaticities: exr.Part.YCAToRGB),
//     noted in an rgallery:luminanceChroma attribute.
//   - PNG (8 and 16 bit), JPEG and TIFF (golang.org/x/image/tiff, integer
//     samples) through the standard decoders. Their samples are taken as sRGB
//     encoded (IEC 61966-2-1 transfer curve) and decoded to linear; gAMA,
//     iCCP and TIFF colour profiles are not read. Alpha stays straight
//     (unassociated), as these formats store it.
//   - Radiance HDR (hdr.go): RGBE pixels, flat or run-length encoded
//     scanlines, linear.
//
// It does not place an EXR's data window inside its display window for the
// layers (each layer records its origin), and it does not convert between
// colour spaces: an EXR's chromaticities are kept as an attribute only.
package imageio

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"os"
	"strings"
)

// Format names an image file format.
type Format string

// The formats Sniff recognises.
const (
	EXR  Format = "exr"
	PNG  Format = "png"
	JPEG Format = "jpeg"
	TIFF Format = "tiff"
	HDR  Format = "hdr"
)

// Ext is the file extension the gallery stores a format under.
func (f Format) Ext() string {
	if f == JPEG {
		return ".jpg"
	}
	return "." + string(f)
}

// ExtFormat returns the format a file extension (".tif", ".JPEG", ".pic")
// usually names, or "".
func ExtFormat(ext string) Format {
	switch strings.ToLower(ext) {
	case ".exr":
		return EXR
	case ".png":
		return PNG
	case ".jpg", ".jpeg":
		return JPEG
	case ".tif", ".tiff":
		return TIFF
	case ".hdr", ".pic", ".rgbe":
		return HDR
	}
	return ""
}

// Sniff returns the format of a file from its first bytes (16 are enough),
// or "" when none matches.
func Sniff(head []byte) Format {
	switch {
	case bytes.HasPrefix(head, []byte{0x76, 0x2f, 0x31, 0x01}):
		return EXR
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return PNG
	case bytes.HasPrefix(head, []byte{0xff, 0xd8, 0xff}):
		return JPEG
	case bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")):
		return TIFF
	case bytes.HasPrefix(head, []byte("#?RADIANCE")), bytes.HasPrefix(head, []byte("#?RGBE")):
		return HDR
	}
	return ""
}

// Channel describes one channel of a layer as the file stores it.
type Channel struct {
	Name string `json:"name"`
	// Type is the stored sample type: "half", "float", "uint" (EXR),
	// "uint8", "uint16" (PNG, JPEG, TIFF), "rgbe" (HDR).
	Type string `json:"type"`
	// Sampling is the EXR x/y sampling when it is not 1×1.
	XSampling int `json:"xSampling,omitempty"`
	YSampling int `json:"ySampling,omitempty"`
}

// Layer is a group of channels with their pixels, full resolution.
type Layer struct {
	// Part is the EXR part's name ("" for other formats and unnamed parts).
	Part string `json:"part,omitempty"`
	// Name is the layer name within the part: "" for the base layer (R, G,
	// B, A), "diffuse" for diffuse.R etc.
	Name     string    `json:"name"`
	Channels []Channel `json:"channels"`
	// X, Y is the layer's top-left pixel in display coordinates (an EXR's
	// data window origin relative to its display window); 0, 0 otherwise.
	X      int `json:"x,omitempty"`
	Y      int `json:"y,omitempty"`
	Width  int `json:"width"`
	Height int `json:"height"`
	// Pix holds len(Channels) linear values per pixel, rows from the top.
	Pix []float32 `json:"-"`
}

// FullName is the layer's name with its part: "part.layer", "part",
// "layer" or "". A part named after its layer (as Nuke, Blender and
// exr.WriteLayers name the parts of a multi-part file, whose channels keep
// their layer prefix) is not said twice: part "albedo" with layer "albedo"
// is "albedo", not "albedo.albedo".
func (l *Layer) FullName() string {
	switch {
	case l.Part == "":
		return l.Name
	case l.Name == "":
		return l.Part
	case l.Name == l.Part || strings.HasPrefix(l.Name, l.Part+"."):
		return l.Name
	}
	return l.Part + "." + l.Name
}

// Attribute is one header attribute or header line of the file, as text.
type Attribute struct {
	Part  string `json:"part,omitempty"`
	Name  string `json:"name"`
	Type  string `json:"type,omitempty"`
	Value string `json:"value"`
}

// Image is a decoded file.
type Image struct {
	Format Format
	// Width and Height are the image's size: an EXR's display window
	// (first part), the pixel size otherwise.
	Width, Height int
	Layers        []Layer
	Attributes    []Attribute
	// Transfer says how stored values became linear: "linear" (EXR, HDR,
	// taken as stored) or "sRGB" (decoded with the sRGB curve).
	Transfer string
	// Compression is the EXR compression of the first part, or "".
	Compression string
}

// Open reads and decodes the file at path, refusing files over limit bytes
// (limit <= 0: no limit).
func Open(path string, limit int64) (*Image, []byte, error) {
	data, err := readBounded(path, limit)
	if err != nil {
		return nil, nil, err
	}
	im, err := Decode(data)
	if err != nil {
		return nil, nil, err
	}
	return im, data, nil
}

// ErrUnknownFormat is returned for data whose first bytes match no format.
var ErrUnknownFormat = errors.New("not an image this gallery reads (OpenEXR, PNG, JPEG, TIFF, Radiance HDR)")

// Decode decodes a whole file held in data.
func Decode(data []byte) (*Image, error) {
	var (
		im  *Image
		err error
	)
	f := Sniff(data)
	switch f {
	case EXR:
		im, err = decodeEXR(data)
	case PNG, JPEG, TIFF:
		im, err = decodeStd(data, f)
	case HDR:
		im, err = decodeHDR(data)
	default:
		return nil, ErrUnknownFormat
	}
	if err != nil {
		if strings.HasPrefix(err.Error(), string(f)+":") {
			return nil, err // the decoder named its format already
		}
		return nil, fmt.Errorf("%s: %w", f, err)
	}
	if len(im.Layers) == 0 {
		return nil, fmt.Errorf("%s: no channels", f)
	}
	return im, nil
}

// Beauty returns the layer a preview shows: the base layer with R, G and B
// of the first part that has one; else a layer named like a beauty pass
// (Combined, rgba, beauty) with R, G, B; else the first layer with R, G, B;
// else the first layer (shown grey from its first channel).
func (im *Image) Beauty() *Layer {
	hasRGB := func(l *Layer) bool {
		return l.channel("R") >= 0 && l.channel("G") >= 0 && l.channel("B") >= 0
	}
	for i := range im.Layers {
		if l := &im.Layers[i]; l.Name == "" && hasRGB(l) {
			return l
		}
	}
	for i := range im.Layers {
		l := &im.Layers[i]
		switch lastName(l.Name) {
		case "Combined", "combined", "rgba", "RGBA", "beauty", "Beauty", "C":
			if hasRGB(l) {
				return l
			}
		}
	}
	for i := range im.Layers {
		if hasRGB(&im.Layers[i]) {
			return &im.Layers[i]
		}
	}
	return &im.Layers[0]
}

func lastName(n string) string {
	for i := len(n) - 1; i >= 0; i-- {
		if n[i] == '.' {
			return n[i+1:]
		}
	}
	return n
}

// channel returns the index of the named channel, or -1.
func (l *Layer) channel(name string) int {
	for i, c := range l.Channels {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// Preview returns the beauty layer as 8-bit sRGB with straight alpha, the
// size of the image (an EXR layer's pixels placed at its origin, the rest
// transparent). Luminance/chroma layers (Y, RY, BY) become RGB. Values are clamped to [0, 1] and encoded with the sRGB curve;
// EXR colour, which is premultiplied by alpha, is divided by it. A layer
// without R, G, B shows Y, else its first channel, as grey. A display
// window of more than maxPreviewPixels is replaced by the data window.
func (im *Image) Preview() *image.NRGBA {
	l := im.Beauty()
	// A display window is only a header field: one far larger than the
	// pixels must not cost its size in memory. Then the data window alone
	// is shown.
	w, h, ox, oy := im.Width, im.Height, 0, 0
	if int64(w)*int64(h) > maxPreviewPixels && int64(w)*int64(h) > int64(l.Width)*int64(l.Height) {
		w, h, ox, oy = l.Width, l.Height, l.X, l.Y
	}
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	r, g, b, a := l.channel("R"), l.channel("G"), l.channel("B"), l.channel("A")
	yc, ry, by := l.channel("Y"), l.channel("RY"), l.channel("BY")
	yca := (r < 0 || g < 0 || b < 0) && yc >= 0 && ry >= 0 && by >= 0
	if !yca && (r < 0 || g < 0 || b < 0) {
		y := l.channel("Y")
		if y < 0 {
			y = 0
		}
		r, g, b = y, y, y
	}
	premul := im.Format == EXR
	n := len(l.Channels)
	for y := 0; y < l.Height; y++ {
		dy := y + l.Y - oy
		if dy < 0 || dy >= h {
			continue
		}
		for x := 0; x < l.Width; x++ {
			dx := x + l.X - ox
			if dx < 0 || dx >= w {
				continue
			}
			px := l.Pix[(y*l.Width+x)*n : (y*l.Width+x+1)*n]
			alpha := float32(1)
			if a >= 0 {
				alpha = clamp01(px[a])
			}
			scale := float32(1)
			if premul && a >= 0 && alpha > 0 {
				scale = 1 / alpha
			}
			o := out.PixOffset(dx, dy)
			if yca {
				rr, gg, bb := ycaToRGB(px[yc], px[ry], px[by])
				out.Pix[o+0] = EncodeSRGB8(rr * scale)
				out.Pix[o+1] = EncodeSRGB8(gg * scale)
				out.Pix[o+2] = EncodeSRGB8(bb * scale)
			} else {
				out.Pix[o+0] = EncodeSRGB8(px[r] * scale)
				out.Pix[o+1] = EncodeSRGB8(px[g] * scale)
				out.Pix[o+2] = EncodeSRGB8(px[b] * scale)
			}
			out.Pix[o+3] = uint8(alpha*255 + 0.5)
		}
	}
	return out
}

// ycaToRGB turns OpenEXR luminance/chroma (Y, RY = (R-Y)/Y, BY = (B-Y)/Y)
// into RGB as ImfRgbaYca.cpp's YCAtoRGB does, with the Rec. ITU-R BT.709
// luminance weights (OpenEXR's default chromaticities). Only previews of
// layers decodeEXR could not convert (exr.Part.YCAToRGB refused their
// sampling) take this path: the chroma samples are repeated, not filtered.
func ycaToRGB(y, ry, by float32) (r, g, b float32) {
	const wr, wg, wb = 0.2126, 0.7152, 0.0722
	if ry == 0 && by == 0 {
		return y, y, y
	}
	r = (ry + 1) * y
	b = (by + 1) * y
	g = (y - r*wr - b*wb) / wg
	return r, g, b
}

// maxPreviewPixels bounds a preview sized by a display window (1 GiB of
// 8-bit RGBA).
const maxPreviewPixels = 1 << 28

func clamp01(v float32) float32 {
	if !(v > 0) { // NaN too
		return 0
	}
	if v > 1 {
		return 1
	}
	return v
}

// DecodeSRGB turns an sRGB-encoded value in [0, 1] into linear light, with
// the piecewise curve of IEC 61966-2-1.
func DecodeSRGB(v float64) float64 {
	if v <= 0.04045 {
		return v / 12.92
	}
	return math.Pow((v+0.055)/1.055, 2.4)
}

// EncodeSRGB8 turns a linear value into an 8-bit sRGB code, clamping to
// [0, 1] (NaN gives 0).
func EncodeSRGB8(v float32) uint8 {
	c := float64(clamp01(v))
	if c <= 0.0031308 {
		c *= 12.92
	} else {
		c = 1.055*math.Pow(c, 1/2.4) - 0.055
	}
	return uint8(c*255 + 0.5)
}

func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	if limit > 0 && fi.Size() > limit {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, limit)
	}
	r := io.Reader(f)
	if limit > 0 {
		r = io.LimitReader(f, limit+1)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if limit > 0 && int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, limit)
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("%s: file is empty", path)
	}
	return data, nil
}

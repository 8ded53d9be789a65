// Package exr reads and writes OpenEXR images, as the OpenEXR file layout
// ("OpenEXR File Layout", openexr.com) and the OpenEXRCore sources
// describe them.
//
// Reading: single- and multi-part files; scanline and tiled parts
// (ONE_LEVEL, MIPMAP and RIPMAP, every level); UINT, HALF and FLOAT
// channels; x/y sampled channels; any data and display windows; any line
// order; deep scanline and tiled parts (samples as written, and Flatten
// for display); compressions NONE, RLE, ZIPS, ZIP, PIZ, PXR24, B44, B44A,
// DWAA, DWAB and ZSTD (see codecs in chunks.go). HTJ2K and LJ2K give an
// UnsupportedError naming the compression and the part (see
// unsupportedCompression for why). Malformed files give a *FormatError;
// sizes are checked against the file's length and Options.MaxSamples
// before anything is allocated.
//
// Luminance/chroma layers (Y, RY, BY) are read as stored;
// Part.YCAToRGB converts them to R, G, B exactly as OpenEXR's
// RgbaInputFile does (ImfRgbaYca.cpp, ImfRgbaFile.cpp; see yca.go).
//
// One file per concern: header.go and attr.go (headers and attributes),
// levels.go (tile levels), chunks.go (offset tables, chunks, the codec
// table), deep.go (deep parts), codec.go (the contract between chunks and
// codecs), one file per
// codec (rle.go, zip.go, piz.go, ...), part.go (parts, levels, layers, the
// full API), image.go (the simple float Image API), write.go (writing).
//
// Writing: WriteRGB writes rgallery's own float RGB ZIP files; WriteFile
// writes any File uncompressed (what `rgallery image convert` uses);
// WriteLayers writes the named layers (AOVs) of one image, single-part or
// one part per layer (layers.go). docs/exr.md has the codec table, decode
// speeds and what is not done.
package exr

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
)

// Image is a linear float image. Channels holds the channel names in file
// order (alphabetical); Pix holds len(Channels) values per pixel, row 0 at
// the top.
type Image struct {
	Width, Height int
	Channels      []string
	Pix           []float32
}

// RGB returns the image as three floats per pixel; missing channels are 0.
func (im *Image) RGB() []float32 {
	idx := [3]int{-1, -1, -1}
	for i, c := range im.Channels {
		switch c {
		case "R":
			idx[0] = i
		case "G":
			idx[1] = i
		case "B":
			idx[2] = i
		}
	}
	nc := len(im.Channels)
	out := make([]float32, 3*im.Width*im.Height)
	for p := 0; p < im.Width*im.Height; p++ {
		for k := 0; k < 3; k++ {
			if idx[k] >= 0 {
				out[3*p+k] = im.Pix[nc*p+idx[k]]
			}
		}
	}
	return out
}

// FormatError reports a malformed file, with the byte offset.
type FormatError struct {
	Offset int64
	Msg    string
}

func (e *FormatError) Error() string { return fmt.Sprintf("exr: offset %d: %s", e.Offset, e.Msg) }

// UnsupportedError reports a valid file that this package cannot read.
type UnsupportedError string

func (e UnsupportedError) Error() string { return "exr: unsupported: " + string(e) }

// Decode reads the first part of an EXR file, full-resolution level, as a
// float Image covering the data window. Sampled channels are widened to
// full resolution by repeating each sample.
func Decode(r io.Reader) (*Image, error) {
	data, err := io.ReadAll(io.LimitReader(r, math.MaxInt32))
	if err != nil {
		return nil, err
	}
	return decodeBytes(data)
}

// ReadFile reads the first part of an EXR file as a float Image.
func ReadFile(path string) (*Image, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	im, err := decodeBytes(data)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return im, nil
}

func decodeBytes(d []byte) (*Image, error) {
	f, err := Parse(d, Options{})
	if err != nil {
		return nil, err
	}
	return f.Parts[0].Image()
}

// Image returns the part's full-resolution level as a float Image (a deep
// part flattened first).
func (p *Part) Image() (*Image, error) {
	if strings.HasPrefix(p.Type, "deep") {
		flat, err := p.Flatten()
		if err != nil {
			return nil, err
		}
		p = flat
	}
	if len(p.Channels) == 0 || (p.Channels[0].Half == nil && p.Channels[0].Float == nil && p.Channels[0].Uint == nil) {
		return nil, errors.New("exr: part has no pixels (read with HeaderOnly?)")
	}
	w, h := p.Levels[0].Width, p.Levels[0].Height
	nc := len(p.Channels)
	im := &Image{Width: w, Height: h, Pix: make([]float32, w*h*nc)}
	dw := p.DataWindow
	for ci, c := range p.Channels {
		im.Channels = append(im.Channels, c.Name)
		fx, fy := dw.XMin+floorMod(-dw.XMin, c.XSampling), dw.YMin+floorMod(-dw.YMin, c.YSampling)
		for y := 0; y < h; y++ {
			sy := min(max(0, floorDiv(dw.YMin+y-fy, c.YSampling)), c.Height-1)
			for x := 0; x < w; x++ {
				sx := min(max(0, floorDiv(dw.XMin+x-fx, c.XSampling)), c.Width-1)
				im.Pix[(y*w+x)*nc+ci] = c.At(sy*c.Width + sx)
			}
		}
	}
	return im, nil
}

func floorDiv(a, b int) int { return (a - floorMod(a, b)) / b }

package imageio

import (
	"fmt"
	"image"
	"image/color"
)

// Truevision TGA (.tga), as the TGA File Format Specification 2.0
// (Truevision, 1991) lays it out and as OpenImageIO's tgainput.cpp reads
// it; real assets (glTF conversions, game art packed into usdz) use it for
// textures.
//
//   - an 18-byte header: ID length, colour map type (0 or 1), image type
//     (1 colour-mapped, 2 true-colour, 3 grey; +8 for run-length
//     encoding), the colour map's first index, length and entry size in
//     bits, the x/y origin, width, height (little-endian uint16), pixel
//     depth in bits, and the image descriptor (bits 0-3 alpha bits, bit 4
//     right-to-left, bit 5 top-to-bottom);
//   - the image ID, then the colour map, then the pixels: B, G, R(, A)
//     bytes for 24/32 bits, 5-5-5(-1) little-endian words for 15/16 bits,
//     one byte for grey (plus one for alpha at 16 bits) or a colour-map
//     index;
//   - RLE packets: a count byte c, c&0x80 set for one pixel repeated
//     (c&0x7f)+1 times, clear for (c&0x7f)+1 literal pixels. A packet may
//     run across scanlines (the specification says it should not; writers
//     do it and readers accept it).
//
// Rows are stored from the bottom unless bit 5 says otherwise. The footer
// of version 2 files ("TRUEVISION-XFILE") and its extension area are not
// needed to read the pixels. Alpha is straight (not premultiplied).

// maxTGAPixels bounds the pixels of a TGA image.
const maxTGAPixels = 1 << 28

// DecodeTGA decodes a TGA file; TGA has no magic number, so callers pick
// it by file extension.
func DecodeTGA(d []byte) (image.Image, error) {
	tgaErr := func(format string, a ...any) error { return fmt.Errorf("tga: "+format, a...) }
	if len(d) < 18 {
		return nil, tgaErr("file of %d bytes is shorter than the 18-byte header", len(d))
	}
	idLen, cmapType, imgType := int(d[0]), d[1], d[2]
	cmapFirst := int(d[3]) | int(d[4])<<8
	cmapLen := int(d[5]) | int(d[6])<<8
	cmapBits := int(d[7])
	w := int(d[12]) | int(d[13])<<8
	h := int(d[14]) | int(d[15])<<8
	depth := int(d[16])
	desc := d[17]
	rle := imgType&8 != 0
	kind := imgType &^ 8
	if kind != 1 && kind != 2 && kind != 3 {
		return nil, tgaErr("image type %d is not colour-mapped, true-colour or grey", imgType)
	}
	if w == 0 || h == 0 || w*h > maxTGAPixels {
		return nil, tgaErr("bad size %dx%d", w, h)
	}
	pos := 18 + idLen
	var cmap []color.NRGBA
	if cmapType == 1 {
		eb := (cmapBits + 7) / 8
		if (cmapBits != 15 && cmapBits != 16 && cmapBits != 24 && cmapBits != 32) || pos+cmapLen*eb > len(d) {
			return nil, tgaErr("bad colour map (%d entries of %d bits)", cmapLen, cmapBits)
		}
		cmap = make([]color.NRGBA, cmapLen)
		for i := range cmap {
			cmap[i] = tgaColor(d[pos+i*eb:pos+(i+1)*eb], cmapBits)
		}
		pos += cmapLen * eb
	} else if cmapType != 0 {
		return nil, tgaErr("colour map type %d", cmapType)
	}
	var pb int
	switch {
	case kind == 1 && (depth == 8 || depth == 16):
		if cmap == nil {
			return nil, tgaErr("colour-mapped image without a colour map")
		}
	case kind == 2 && (depth == 15 || depth == 16 || depth == 24 || depth == 32):
	case kind == 3 && (depth == 8 || depth == 16):
	default:
		return nil, tgaErr("image type %d with %d bits per pixel", imgType, depth)
	}
	pb = (depth + 7) / 8
	alphaBits := int(desc & 15)
	pixel := func(p []byte) color.NRGBA {
		switch kind {
		case 1:
			i := int(p[0])
			if pb == 2 {
				i |= int(p[1]) << 8
			}
			i -= cmapFirst
			if i < 0 || i >= len(cmap) {
				return color.NRGBA{A: 255}
			}
			return cmap[i]
		case 3:
			a := uint8(255)
			if pb == 2 {
				a = p[1]
			}
			return color.NRGBA{p[0], p[0], p[0], a}
		}
		c := tgaColor(p, depth)
		if depth == 32 && alphaBits == 0 {
			c.A = 255 // 32 bits with no alpha bits declared: the fourth byte is padding
		}
		return c
	}
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	n := w * h
	put := func(i int, c color.NRGBA) {
		x, y := i%w, i/w
		if desc&0x10 != 0 {
			x = w - 1 - x
		}
		if desc&0x20 == 0 {
			y = h - 1 - y
		}
		img.SetNRGBA(x, y, c)
	}
	if !rle {
		if pos+n*pb > len(d) {
			return nil, tgaErr("pixel data truncated (%d bytes, need %d)", len(d)-pos, n*pb)
		}
		for i := 0; i < n; i++ {
			put(i, pixel(d[pos+i*pb:]))
		}
		return img, nil
	}
	for i := 0; i < n; {
		if pos >= len(d) {
			return nil, tgaErr("run-length data truncated at pixel %d of %d", i, n)
		}
		c := int(d[pos])
		pos++
		count := c&0x7f + 1
		if i+count > n {
			return nil, tgaErr("run-length packet of %d pixels at pixel %d overruns the image", count, i)
		}
		if c&0x80 != 0 {
			if pos+pb > len(d) {
				return nil, tgaErr("run-length data truncated at pixel %d of %d", i, n)
			}
			px := pixel(d[pos:])
			pos += pb
			for k := 0; k < count; k++ {
				put(i+k, px)
			}
		} else {
			if pos+count*pb > len(d) {
				return nil, tgaErr("run-length data truncated at pixel %d of %d", i, n)
			}
			for k := 0; k < count; k++ {
				put(i+k, pixel(d[pos+k*pb:]))
			}
			pos += count * pb
		}
		i += count
	}
	return img, nil
}

// tgaColor reads one true-colour pixel of bits 15, 16, 24 or 32.
func tgaColor(p []byte, bits int) color.NRGBA {
	switch bits {
	case 15, 16:
		v := int(p[0]) | int(p[1])<<8
		ex := func(x int) uint8 { return uint8(x<<3 | x>>2) }
		// The 16th bit is an attribute bit that writers leave 0 without
		// declaring alpha: opaque, as OpenImageIO reads it.
		return color.NRGBA{ex(v >> 10 & 31), ex(v >> 5 & 31), ex(v & 31), 255}
	case 24:
		return color.NRGBA{p[2], p[1], p[0], 255}
	}
	return color.NRGBA{p[2], p[1], p[0], p[3]}
}

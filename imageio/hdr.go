package imageio

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Radiance HDR ("RGBE", .hdr/.pic), as Greg Ward's Radiance writes it
// (src/common/header.c, resolu.c and color.c: freadcolrs, oldreadcolrs;
// "Real Pixels", Graphics Gems II):
//
//   - a text header: a first line "#?RADIANCE" (or "#?RGBE"), then
//     VARIABLE=value lines (FORMAT=32-bit_rle_rgbe, EXPOSURE=...), ended by
//     an empty line;
//   - a resolution line, "-Y H +X W" for rows from the top, "+Y H +X W" for
//     rows from the bottom;
//   - H scanlines of W pixels of 4 bytes: mantissas R, G, B and a shared
//     exponent E; the value is m * 2^(E-136), and 0 when E is 0 (the
//     conversion of Bruce Walter's rgbe.c, which OpenImageIO and stb_image
//     use; Radiance's own colr_color adds half a step to m).
//
// A scanline of 8 to 32767 pixels may be run-length encoded ("new" RLE):
// the bytes 2, 2, W>>8, W&255, then each of the four components in turn as
// runs: a count byte c > 128 is followed by one byte repeated c-128 times,
// a count c in 1..128 by c literal bytes. Other scanlines are flat pixels,
// where the "old" RLE marks a pixel 1,1,1,n as "repeat the previous pixel
// n << shift times" (shift grows by 8 for consecutive repeat pixels).
//
// XYZE files (FORMAT=32-bit_rle_xyze) and rotated images (resolution lines
// that start with X) are refused. EXPOSURE is kept as an attribute and not
// applied, as OpenImageIO does.

// maxHDRPixels bounds the pixels of an HDR image (3 floats each).
const maxHDRPixels = 1 << 26

func decodeHDR(d []byte) (*Image, error) {
	hdrErr := func(format string, a ...any) error { return fmt.Errorf("radiance: "+format, a...) }
	pos := 0
	line := func() (string, bool) {
		i := bytes.IndexByte(d[pos:], '\n')
		if i < 0 || i > 1<<16 {
			return "", false
		}
		s := string(d[pos : pos+i])
		pos += i + 1
		return s, true
	}
	first, ok := line()
	if !ok || !strings.HasPrefix(first, "#?") {
		return nil, hdrErr("no #? header line")
	}
	var attrs []Attribute
	format := ""
	for {
		l, ok := line()
		if !ok {
			return nil, hdrErr("header not ended by an empty line")
		}
		if l == "" {
			break
		}
		if strings.HasPrefix(l, "#") {
			continue // comment
		}
		k, v, found := strings.Cut(l, "=")
		if !found {
			attrs = append(attrs, Attribute{Name: "header", Value: l})
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if k == "FORMAT" {
			format = v
		}
		attrs = append(attrs, Attribute{Name: k, Value: v})
	}
	switch format {
	case "", "32-bit_rle_rgbe":
	default:
		return nil, hdrErr("unsupported pixel format %q (only 32-bit_rle_rgbe)", format)
	}
	res, ok := line()
	if !ok {
		return nil, hdrErr("no resolution line")
	}
	f := strings.Fields(res)
	if len(f) != 4 || (f[0] != "-Y" && f[0] != "+Y") || f[2] != "+X" && f[2] != "-X" {
		return nil, hdrErr("unsupported resolution line %q (only -Y H +X W and its flips)", res)
	}
	h, err1 := strconv.Atoi(f[1])
	w, err2 := strconv.Atoi(f[3])
	if err1 != nil || err2 != nil || w <= 0 || h <= 0 {
		return nil, hdrErr("bad resolution line %q", res)
	}
	if int64(w)*int64(h) > maxHDRPixels {
		return nil, hdrErr("%dx%d pixels is more than the %d allowed", w, h, maxHDRPixels)
	}
	// Every scanline takes at least 4 bytes whatever its encoding: refuse
	// heights the file cannot hold before allocating.
	if minBytes := int64(h) * 4; int64(len(d)-pos) < minBytes {
		return nil, hdrErr("%dx%d pixels cannot fit in %d bytes of pixel data", w, h, len(d)-pos)
	}
	rgbe := make([]byte, 4*w)
	pix := make([]float32, 3*w*h)
	for y := 0; y < h; y++ {
		n, err := readScanline(d[pos:], rgbe)
		if err != nil {
			return nil, hdrErr("scanline %d (offset %d): %v", y, pos, err)
		}
		pos += n
		row := y
		if f[0] == "+Y" {
			row = h - 1 - y
		}
		for x := 0; x < w; x++ {
			xx := x
			if f[2] == "-X" {
				xx = w - 1 - x
			}
			r, g, b := rgbeToFloat(rgbe[4*x:])
			o := 3 * (row*w + xx)
			pix[o], pix[o+1], pix[o+2] = r, g, b
		}
	}
	chans := []Channel{{Name: "R", Type: "rgbe"}, {Name: "G", Type: "rgbe"}, {Name: "B", Type: "rgbe"}}
	return &Image{
		Format:     HDR,
		Width:      w,
		Height:     h,
		Transfer:   "linear",
		Layers:     []Layer{{Channels: chans, Width: w, Height: h, Pix: pix}},
		Attributes: attrs,
	}, nil
}

func rgbeToFloat(p []byte) (r, g, b float32) {
	if p[3] == 0 {
		return 0, 0, 0
	}
	f := float32(math.Ldexp(1, int(p[3])-136))
	return float32(p[0]) * f, float32(p[1]) * f, float32(p[2]) * f
}

var errShort = errors.New("file ends inside the scanline")

// readScanline decodes one scanline of len(out)/4 pixels into out and
// returns the bytes it used.
func readScanline(d []byte, out []byte) (int, error) {
	w := len(out) / 4
	if w < 8 || w > 0x7fff || len(d) < 4 || d[0] != 2 || d[1] != 2 || d[2]&0x80 != 0 {
		return readFlat(d, out)
	}
	if n := int(d[2])<<8 | int(d[3]); n != w {
		return 0, fmt.Errorf("run-length scanline of %d pixels in an image %d wide", n, w)
	}
	pos := 4
	for c := 0; c < 4; c++ {
		for x := 0; x < w; {
			if pos >= len(d) {
				return 0, errShort
			}
			n := int(d[pos])
			pos++
			if n > 128 {
				n -= 128
				if x+n > w {
					return 0, fmt.Errorf("run of %d overflows the scanline at x=%d", n, x)
				}
				if pos >= len(d) {
					return 0, errShort
				}
				v := d[pos]
				pos++
				for ; n > 0; n-- {
					out[4*x+c] = v
					x++
				}
				continue
			}
			if n == 0 || x+n > w {
				return 0, fmt.Errorf("literal count %d at x=%d of %d", n, x, w)
			}
			if pos+n > len(d) {
				return 0, errShort
			}
			for i := 0; i < n; i++ {
				out[4*x+c] = d[pos+i]
				x++
			}
			pos += n
		}
	}
	return pos, nil
}

// readFlat reads flat pixels with the old RLE's repeat pixels.
func readFlat(d []byte, out []byte) (int, error) {
	w := len(out) / 4
	pos, shift := 0, uint(0)
	for x := 0; x < w; {
		if pos+4 > len(d) {
			return 0, errShort
		}
		p := d[pos : pos+4]
		pos += 4
		if p[0] == 1 && p[1] == 1 && p[2] == 1 {
			if x == 0 {
				return 0, errors.New("repeat pixel with nothing to repeat")
			}
			if shift > 16 {
				return 0, errors.New("too many consecutive repeat pixels")
			}
			n := int(p[3]) << shift
			if x+n > w {
				return 0, fmt.Errorf("repeat of %d overflows the scanline at x=%d", n, x)
			}
			for ; n > 0; n-- {
				copy(out[4*x:4*x+4], out[4*x-4:4*x])
				x++
			}
			shift += 8
			continue
		}
		copy(out[4*x:4*x+4], p)
		x++
		shift = 0
	}
	return pos, nil
}

package exr

import (
	"encoding/binary"
	"fmt"
)

// PXR24 decompression, ported from OpenEXRCore internal_pxr24.c
// (undo_pxr24_impl); the format is Pixar's, contributed to OpenEXR.
//
// The chunk is one zlib stream. Inside, line by line and channel by channel
// (the uncompressed layout's order), each line is stored as byte planes of
// the differences between successive samples, most significant plane
// first: 4 planes for UINT, 2 for HALF, and 3 for FLOAT, whose samples were
// rounded to 24 bits (the low mantissa byte is zero after decoding). The
// differences are summed back modulo 2^32.

// decompressPXR24 is the PXR24 decompressor.
func decompressPXR24(dst, src []byte, l chunkLayout) error {
	if len(src) == len(dst) {
		copy(dst, src) // stored uncompressed (OpenEXRCore decompress_data)
		return nil
	}
	// The planes are never larger than the uncompressed data.
	raw := make([]byte, len(dst))
	n, err := zlibInflate(raw, src)
	if err != nil {
		return fmt.Errorf("pxr24: %w", err)
	}
	raw = raw[:n]

	in, out := 0, 0
	for y := l.y0; y < l.y0+l.height; y++ {
		for _, c := range l.channels {
			if !c.hasLine(y) {
				continue
			}
			w := l.samplesX(c)
			nb := w * c.typ.size()
			if out+nb > len(dst) {
				return fmt.Errorf("pxr24: lines overflow the chunk's %d bytes", len(dst))
			}
			planes := c.typ.size()
			if c.typ == pixFloat {
				planes = 3
			}
			if in+planes*w > len(raw) {
				return fmt.Errorf("pxr24: zlib stream of %d bytes ends inside line %d", len(raw), y)
			}
			var pixel uint32
			for x := 0; x < w; x++ {
				switch c.typ {
				case pixUint:
					pixel += uint32(raw[in+x])<<24 | uint32(raw[in+w+x])<<16 |
						uint32(raw[in+2*w+x])<<8 | uint32(raw[in+3*w+x])
					binary.LittleEndian.PutUint32(dst[out+4*x:], pixel)
				case pixHalf:
					pixel += uint32(raw[in+x])<<8 | uint32(raw[in+w+x])
					binary.LittleEndian.PutUint16(dst[out+2*x:], uint16(pixel))
				case pixFloat:
					pixel += uint32(raw[in+x])<<24 | uint32(raw[in+w+x])<<16 |
						uint32(raw[in+2*w+x])<<8
					binary.LittleEndian.PutUint32(dst[out+4*x:], pixel)
				default:
					return fmt.Errorf("pxr24: channel type %v", c.typ)
				}
			}
			in += planes * w
			out += nb
		}
	}
	if out != len(dst) {
		return fmt.Errorf("pxr24: lines fill %d of the chunk's %d bytes", out, len(dst))
	}
	return nil
}

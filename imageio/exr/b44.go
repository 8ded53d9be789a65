package exr

import (
	"encoding/binary"
	"fmt"
	"math"
	"sync"
)

// B44 and B44A decompression, ported from OpenEXRCore internal_b44.c
// (uncompress_b44_impl, unpack14, unpack3) and internal_b44_table_init.c
// (the pLinear log table); ImfB44Compressor.cpp describes the same format.
//
// The chunk holds the channels one after another, each over its whole
// rectangle in the chunk. HALF channels are cut into 4x4 blocks (partial
// blocks at the right and bottom edges are padded by the encoder and
// cropped here); each block is 14 bytes (a 16-bit base value, a 6-bit
// shift and fifteen 6-bit differences) or, in B44A when all 16 values are
// equal, 3 bytes (the value and a shift byte of at least 13<<2, which no
// 14-byte block has). UINT and FLOAT channels are stored raw. B44 and B44A
// decode the same way. Values of pLinear channels were stored as
// exp(x/8) and go back through 8*log(x).

// decompressB44 is the B44 and B44A decompressor.
func decompressB44(dst, src []byte, l chunkLayout) error {
	if len(src) == len(dst) {
		copy(dst, src) // stored uncompressed (OpenEXRCore decompress_data)
		return nil
	}
	// Decode each channel's plane, then interleave the planes by line.
	type plane struct{ off, nx, ny, bpl int }
	planes := make([]plane, len(l.channels))
	scratch := make([]byte, len(dst))
	off, in := 0, 0
	var s [16]uint16
	for i, c := range l.channels {
		nx, ny := l.samplesX(c), l.linesY(c)
		size := c.typ.size()
		nb := nx * ny * size
		planes[i] = plane{off, nx, ny, nx * size}
		if nb == 0 {
			continue
		}
		if off+nb > len(scratch) {
			return fmt.Errorf("b44: channels need more than the chunk's %d bytes", len(dst))
		}
		if c.typ != pixHalf {
			if in+nb > len(src) {
				return fmt.Errorf("b44: raw channel %d past the chunk end", i)
			}
			copy(scratch[off:], src[in:in+nb])
			in += nb
			off += nb
			continue
		}
		for y := 0; y < ny; y += 4 {
			for x := 0; x < nx; x += 4 {
				if in+3 > len(src) {
					return fmt.Errorf("b44: block (%d,%d) of channel %d past the chunk end", x, y, i)
				}
				if src[in+2] >= 13<<2 {
					b44Unpack3(src[in:in+3], &s)
					in += 3
				} else {
					if in+14 > len(src) {
						return fmt.Errorf("b44: block (%d,%d) of channel %d past the chunk end", x, y, i)
					}
					b44Unpack14(src[in:in+14], &s)
					in += 14
				}
				if c.pLinear {
					log := b44LogTable()
					for k := range s {
						s[k] = log[s[k]]
					}
				}
				for dy := 0; dy < 4 && y+dy < ny; dy++ {
					for dx := 0; dx < 4 && x+dx < nx; dx++ {
						binary.LittleEndian.PutUint16(scratch[off+2*((y+dy)*nx+x+dx):], s[4*dy+dx])
					}
				}
			}
		}
		off += nb
	}

	out := 0
	for y := l.y0; y < l.y0+l.height; y++ {
		for i, c := range l.channels {
			p := planes[i]
			if p.nx == 0 || p.ny == 0 || !c.hasLine(y) {
				continue
			}
			// OpenEXR's index: the chunk-relative line over ySampling.
			row := (y - l.y0) / c.ySampling
			if row >= p.ny {
				return fmt.Errorf("b44: line %d of channel %d past its %d lines", row, i, p.ny)
			}
			if out+p.bpl > len(dst) {
				return fmt.Errorf("b44: lines overflow the chunk's %d bytes", len(dst))
			}
			copy(dst[out:], scratch[p.off+row*p.bpl:p.off+(row+1)*p.bpl])
			out += p.bpl
		}
	}
	if out != len(dst) {
		return fmt.Errorf("b44: lines fill %d of the chunk's %d bytes", out, len(dst))
	}
	return nil
}

// b44Unpack14 decodes a 14-byte block (unpack14): s[0] is stored, the
// first column steps down from it and every other value steps right from
// its left neighbour, each step a 6-bit difference scaled by 1<<shift
// minus a bias, all in the ordered form that b44Ordered undoes.
func b44Unpack14(b []byte, s *[16]uint16) {
	_ = b[13]
	s[0] = uint16(b[0])<<8 | uint16(b[1])
	shift := uint(b[2] >> 2)
	bias := uint32(0x20) << shift
	d := func(v uint32) uint32 { return (v & 0x3f) << shift }
	step := func(prev uint16, v uint32) uint16 { return uint16(uint32(prev) + d(v) - bias) }

	s[4] = step(s[0], uint32(b[2])<<4|uint32(b[3])>>4)
	s[8] = step(s[4], uint32(b[3])<<2|uint32(b[4])>>6)
	s[12] = step(s[8], uint32(b[4]))

	s[1] = step(s[0], uint32(b[5])>>2)
	s[5] = step(s[4], uint32(b[5])<<4|uint32(b[6])>>4)
	s[9] = step(s[8], uint32(b[6])<<2|uint32(b[7])>>6)
	s[13] = step(s[12], uint32(b[7]))

	s[2] = step(s[1], uint32(b[8])>>2)
	s[6] = step(s[5], uint32(b[8])<<4|uint32(b[9])>>4)
	s[10] = step(s[9], uint32(b[9])<<2|uint32(b[10])>>6)
	s[14] = step(s[13], uint32(b[10]))

	s[3] = step(s[2], uint32(b[11])>>2)
	s[7] = step(s[6], uint32(b[11])<<4|uint32(b[12])>>4)
	s[11] = step(s[10], uint32(b[12])<<2|uint32(b[13])>>6)
	s[15] = step(s[14], uint32(b[13]))

	for i := range s {
		s[i] = b44Ordered(s[i])
	}
}

// b44Unpack3 decodes a flat 3-byte block (unpack3): one value for all 16.
func b44Unpack3(b []byte, s *[16]uint16) {
	v := b44Ordered(uint16(b[0])<<8 | uint16(b[1]))
	for i := range s {
		s[i] = v
	}
}

// b44Ordered turns the encoder's ordered form (larger integer, larger
// float) back into a half's sign-magnitude bits.
func b44Ordered(t uint16) uint16 {
	if t&0x8000 != 0 {
		return t & 0x7fff
	}
	return ^t
}

// b44LogTable is OpenEXR's table for pLinear channels (b44_convertToLinear):
// 8*log(x) as a half, 0 for infinities, NaNs and negative values other than
// -0.
var b44LogTable = sync.OnceValue(func() *[1 << 16]uint16 {
	t := new([1 << 16]uint16)
	for i := range t {
		x := uint16(i)
		if x&0x7c00 == 0x7c00 || x > 0x8000 {
			continue
		}
		f := float32(math.Log(float64(halfToFloat(x))))
		t[i] = halfFromFloat32(8 * f)
	}
	return t
})

// halfFromFloat32 converts a float32 to half bits, rounding to nearest
// even as Imath's float_to_half does (B44's log table, DWA's inverse DCT
// output); overflow gives infinity, NaN stays NaN.
func halfFromFloat32(f float32) uint16 {
	bits := math.Float32bits(f)
	abs := bits & 0x7fffffff
	if abs-0x38800000 < 0x477ff000-0x38800000 {
		// A normal half, the common case: rebias the exponent by 112 and
		// round the 13 dropped bits to nearest even (adding 0xfff plus the
		// kept lowest bit carries exactly when rounding goes up).
		r := abs - 0x38000000
		return uint16(bits>>16)&0x8000 | uint16((r+0xfff+(r>>13)&1)>>13)
	}
	return halfFromFloat32Special(bits)
}

// halfFromFloat32Special converts what is not a normal half: NaN,
// infinities and overflow, zeros and subnormals.
func halfFromFloat32Special(bits uint32) uint16 {
	sign := uint16(bits>>16) & 0x8000
	abs := bits & 0x7fffffff
	switch {
	case abs > 0x7f800000: // NaN: keep it a quiet NaN
		return sign | 0x7e00 | uint16(abs>>13)
	case abs >= 0x477ff000: // rounds to infinity (>= 65520)
		return sign | 0x7c00
	case abs < 0x33000001: // below half of the smallest subnormal: zero
		return sign
	case abs < 0x38800000: // subnormal half
		e := abs >> 23
		m := abs&0x7fffff | 0x800000
		shift := 126 - e // 113 - e + 13
		r := m >> shift
		rem := m & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rem > half || (rem == half && r&1 != 0) {
			r++
		}
		return sign | uint16(r)
	}
	r := abs - 0x38000000 // rebias the exponent by 112
	m := r >> 13
	rem := r & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && m&1 != 0) {
		m++
	}
	return sign | uint16(m)
}

package exr

import (
	"encoding/binary"
	"fmt"
)

// PIZ decompression, ported from OpenEXRCore internal_piz.c
// (internal_exr_undo_piz) and ImfWav.cpp (wav2Decode).
//
// A PIZ chunk holds all its 16-bit words (a FLOAT or UINT sample is two
// words) channel by channel, each channel's lines together, after three
// transforms that decoding undoes in reverse order:
//
//  1. A value map: the words that occur are renumbered 0..maxValue in
//     ascending order. The chunk starts with uint16 minNonZero, maxNonZero
//     and the bytes minNonZero..maxNonZero of a 65536-bit bitmap of the
//     words used (bit 0, the value 0, always counts as used).
//  2. A 2D Haar-like wavelet per channel and per word of the sample, over
//     the channel's whole rectangle in the chunk: with 14-bit arithmetic
//     when maxValue < 1<<14, else modulo 16 bits.
//  3. Huffman coding (huf.go) of all words, after a uint32 byte count.

const pizBitmapSize = 1 << 16 >> 3

// decompressPIZ is the PIZ decompressor.
func decompressPIZ(dst, src []byte, l chunkLayout) error {
	if len(src) == len(dst) {
		copy(dst, src) // stored uncompressed (OpenEXRCore decompress_data)
		return nil
	}
	if len(dst)%2 != 0 {
		return fmt.Errorf("piz: uncompressed size %d is odd", len(dst))
	}
	if len(src) < 4 {
		return fmt.Errorf("piz: chunk of %d bytes", len(src))
	}
	minNZ := int(binary.LittleEndian.Uint16(src[0:]))
	maxNZ := int(binary.LittleEndian.Uint16(src[2:]))
	pos := 4
	if maxNZ >= pizBitmapSize {
		return fmt.Errorf("piz: bitmap end %d out of range", maxNZ)
	}
	var bitmap [pizBitmapSize]byte
	if minNZ <= maxNZ {
		n := maxNZ - minNZ + 1
		if pos+n > len(src) {
			return fmt.Errorf("piz: bitmap of %d bytes past the chunk end", n)
		}
		copy(bitmap[minNZ:], src[pos:pos+n])
		pos += n
	}
	lut := pizReverseLUT(&bitmap, minNZ, maxNZ)
	maxValue := uint16(len(lut) - 1)

	if pos+4 > len(src) {
		return fmt.Errorf("piz: chunk ends before the huffman length")
	}
	hufLen := int64(binary.LittleEndian.Uint32(src[pos:]))
	pos += 4
	if int64(pos)+hufLen > int64(len(src)) {
		return fmt.Errorf("piz: huffman block of %d bytes past the chunk end", hufLen)
	}
	words := make([]uint16, len(dst)/2)
	if err := hufDecompress(src[pos:pos+int(hufLen)], words); err != nil {
		return fmt.Errorf("piz: %w", err)
	}

	// Undo the wavelet per channel, then the value map.
	type plane struct{ off, nx, ny, wc int }
	planes := make([]plane, len(l.channels))
	off := 0
	for i, c := range l.channels {
		nx, ny, wc := l.samplesX(c), l.linesY(c), c.typ.size()/2
		planes[i] = plane{off, nx, ny, wc}
		n := nx * ny * wc
		if off+n > len(words) {
			return fmt.Errorf("piz: channels need more than the chunk's %d bytes", len(dst))
		}
		for j := 0; j < wc; j++ {
			wav2Decode(words[off+j:off+n], nx, wc, ny, wc*nx, maxValue)
		}
		off += n
	}
	if off != len(words) {
		return fmt.Errorf("piz: channels fill %d of the chunk's %d bytes", 2*off, len(dst))
	}
	for i, w := range words {
		if int(w) < len(lut) {
			words[i] = lut[w]
		} else {
			words[i] = 0 // OpenEXR's table is zero past maxValue
		}
	}

	// Interleave the channel planes line by line into dst.
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
				return fmt.Errorf("piz: line %d of channel %d past its %d lines", row, i, p.ny)
			}
			n := p.nx * p.wc
			src := words[p.off+row*n : p.off+(row+1)*n]
			if out+2*n > len(dst) {
				return fmt.Errorf("piz: lines overflow the chunk's %d bytes", len(dst))
			}
			for _, w := range src {
				binary.LittleEndian.PutUint16(dst[out:], w)
				out += 2
			}
		}
	}
	if out != len(dst) {
		return fmt.Errorf("piz: lines fill %d of the chunk's %d bytes", out, len(dst))
	}
	return nil
}

// pizReverseLUT maps the renumbered values back to the words the bitmap
// marks as used (reverseLutFromBitmap); its last index is maxValue. Only
// the bitmap bytes minNZ..maxNZ can be non-zero, besides the value 0.
func pizReverseLUT(bitmap *[pizBitmapSize]byte, minNZ, maxNZ int) []uint16 {
	lut := make([]uint16, 1, 1+8*max(0, maxNZ-minNZ+1))
	for i := minNZ; i <= maxNZ; i++ {
		for b := 0; b < 8; b++ {
			if v := i<<3 | b; v != 0 && bitmap[i]&(1<<b) != 0 {
				lut = append(lut, uint16(v))
			}
		}
	}
	return lut
}

package exr

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/klauspost/compress/zstd"
)

// ZSTD (OpenEXR 3.5, OpenEXRCore internal_zstd.c). A chunk is either
// stored raw (no magic, exactly the uncompressed size) or a 24-byte header
// (magic "zstd-exr", u32 format 1 or 2, u32 flags, u64 payload size)
// followed by one zstd frame. The frame inflates to one or two segments,
// each a u64 length then that many bytes split into byte planes (Blosc
// "shuffle", element size 2 for the HALF segment, 4 for the FLOAT/UINT
// one). Unshuffled, the data is "sorted": every HALF channel row of the
// chunk (lines outer, channels inner), then every 4-byte channel row in
// the same order; format 2 with flag 1 also delta-codes each row (sample
// k holds the difference to sample k-1, modulo 2^16 or 2^32). Undoing the
// sort gives the usual uncompressed layout.

const (
	zstdMagic      = 8248453963162350458 // "zstd-exr" little-endian
	zstdHeaderSize = 24
	zstdFlagDelta  = 1
)

// zstdDecoder is shared (DecodeAll is safe for concurrent use); its
// limits bound what a damaged frame can make it allocate.
var zstdDecoder, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1),
	zstd.WithDecoderMaxMemory(1<<30), zstd.WithDecoderMaxWindow(1<<27))

// zstdRow is one channel's samples on one line of a chunk: where they
// start in the uncompressed layout, how many, and their size.
type zstdRow struct{ at, n, size int }

func decompressZSTD(dst, src []byte, l chunkLayout) error {
	var rows []zstdRow
	p := 0
	for y := l.y0; y < l.y0+l.height; y++ {
		for _, c := range l.channels {
			if !c.hasLine(y) {
				continue
			}
			r := zstdRow{at: p, n: l.samplesX(c), size: c.typ.size()}
			p += r.n * r.size
			rows = append(rows, r)
		}
	}
	return zstdUnpack(dst, src, rows)
}

// zstdUnpack undoes ZSTD for a chunk whose uncompressed layout is rows,
// in order (flat chunks, deep sample tables and deep data alike).
func zstdUnpack(dst, src []byte, rows []zstdRow) error {
	if len(src) < zstdHeaderSize || binary.LittleEndian.Uint64(src) != zstdMagic {
		return errors.New("zstd: chunk neither raw nor a zstd-exr frame")
	}
	format := binary.LittleEndian.Uint32(src[8:])
	flags := binary.LittleEndian.Uint32(src[12:])
	size := binary.LittleEndian.Uint64(src[16:])
	switch {
	case format == 1 && flags == 0:
	case format == 2 && flags&^zstdFlagDelta == 0:
	default:
		return fmt.Errorf("zstd: format %d with flags %#x", format, flags)
	}
	if size != uint64(len(src)-zstdHeaderSize) {
		return fmt.Errorf("zstd: payload size %d, chunk holds %d", size, len(src)-zstdHeaderSize)
	}
	// The inner stream is the chunk plus at most two 8-byte lengths; a
	// frame claiming more is refused before it is inflated.
	limit := len(dst) + 16
	var fh zstd.Header
	if err := fh.Decode(src[zstdHeaderSize:]); err != nil {
		return fmt.Errorf("zstd: frame header: %w", err)
	}
	if fh.HasFCS && fh.FrameContentSize > uint64(limit) {
		return fmt.Errorf("zstd: frame of %d bytes for a chunk of %d", fh.FrameContentSize, len(dst))
	}
	inner, err := zstdDecoder.DecodeAll(src[zstdHeaderSize:], make([]byte, 0, limit))
	if err != nil {
		return fmt.Errorf("zstd: %w", err)
	}
	if len(inner) > limit {
		return errors.New("zstd: frame larger than the chunk")
	}

	// The sorted order: HALF rows first, then 4-byte rows.
	var half, wide []zstdRow
	for _, r := range rows {
		if r.size == 2 {
			half = append(half, r)
		} else {
			wide = append(wide, r)
		}
	}
	split := 0
	for _, r := range half {
		split += r.n * 2
	}
	sorted := make([]byte, len(dst))
	// segments: (split, 2) and (rest, 4), or one segment of everything
	type seg struct{ n, el int }
	var segs []seg
	switch rest := len(dst) - split; {
	case split > 0 && rest > 0:
		segs = []seg{{split, 2}, {rest, 4}}
	case split == 0:
		segs = []seg{{len(dst), 4}}
	default:
		segs = []seg{{len(dst), 2}}
	}
	q, t := inner, 0
	for _, s := range segs {
		if len(q) < 8 {
			return errors.New("zstd: truncated segment length")
		}
		n := binary.LittleEndian.Uint64(q)
		q = q[8:]
		if n != uint64(s.n) || n > uint64(len(q)) {
			return fmt.Errorf("zstd: segment of %d bytes, want %d", n, s.n)
		}
		unshuffle(sorted[t:t+s.n], q[:s.n], s.el)
		q = q[s.n:]
		t += s.n
	}
	if len(q) != 0 || t != len(dst) {
		return errors.New("zstd: inner stream size disagrees with the chunk")
	}
	delta := format == 2 && flags&zstdFlagDelta != 0
	off := 0
	for _, group := range [][]zstdRow{half, wide} {
		for _, r := range group {
			b := sorted[off : off+r.n*r.size]
			if delta {
				undelta(b, r.size)
			}
			copy(dst[r.at:], b)
			off += len(b)
		}
	}
	return nil
}

// unshuffle gathers byte planes back into elements of el bytes; a tail
// that is not a whole element (never written by OpenEXR) is copied as is.
func unshuffle(dst, src []byte, el int) {
	n := len(src) / el
	for i := 0; i < n; i++ {
		for b := 0; b < el; b++ {
			dst[i*el+b] = src[b*n+i]
		}
	}
	copy(dst[n*el:], src[n*el:])
}

// undelta turns differences back into samples, little-endian words of
// size 2 or 4, wrapping.
func undelta(b []byte, size int) {
	if size == 2 {
		for k := 2; k+2 <= len(b); k += 2 {
			binary.LittleEndian.PutUint16(b[k:], binary.LittleEndian.Uint16(b[k:])+binary.LittleEndian.Uint16(b[k-2:]))
		}
		return
	}
	for k := 4; k+4 <= len(b); k += 4 {
		binary.LittleEndian.PutUint32(b[k:], binary.LittleEndian.Uint32(b[k:])+binary.LittleEndian.Uint32(b[k-4:]))
	}
}

package exr

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"strings"
)

// Deep parts ("OpenEXR File Layout", Deep Data; OpenEXRCore chunk.c,
// unpack.c). A deep chunk holds, after its coordinates, three 64-bit
// sizes (packed sample-count table, packed data, unpacked data), the
// sample-count table and the data, each compressed with the part's codec.
// The table holds, per line of the chunk, one int32 per pixel: the running
// total of samples on that line. The data holds, per line, per channel,
// every sample of every pixel of the line in pixel order.
//
// A deep Level's Counts holds each pixel's number of samples (row-major
// over the level), and each channel holds all samples of all pixels in
// pixel order: pixel i's samples start at Offsets()[i]. Flatten turns a
// deep part into a flat one for display.

// Offsets returns, for a deep level, where each pixel's samples start in
// the channels' sample arrays; the last entry is the total.
func (l *Level) Offsets() []int {
	off := make([]int, len(l.Counts)+1)
	for i, c := range l.Counts {
		off[i+1] = off[i] + int(c)
	}
	return off
}

// deepChunk is one chunk's place and its packed table and data.
type deepChunk struct {
	x0, y0, w, h   int // pixel rectangle, level coordinates from the data window origin
	table, data    []byte
	unpackedSize   int
	levelW, levelH int
}

// readDeepChunkHeader locates chunk k of a deep part.
func readDeepChunkHeader(d []byte, h *header, partIndex int, multi bool, k int, off uint64, lv *level) (deepChunk, error) {
	fail := func(format string, args ...any) error {
		return &FormatError{int64(off), fmt.Sprintf("part %d deep chunk %d: ", partIndex, k) + fmt.Sprintf(format, args...)}
	}
	var c deepChunk
	if off < 8 || off > uint64(len(d)) {
		return c, fail("offset %d outside the file", off)
	}
	pos := int(off)
	need := 4 + 24
	if h.tiles != nil {
		need = 16 + 24
	}
	if multi {
		need += 4
	}
	if pos+need > len(d) {
		return c, fail("chunk header past end of file")
	}
	if multi {
		if n := int(le32(d[pos:])); n != partIndex {
			return c, fail("belongs to part %d", n)
		}
		pos += 4
	}
	dw := h.dataWindow
	c.levelW, c.levelH = lv.w, lv.h
	if h.tiles == nil {
		lpc := h.comp.linesPerChunk()
		y := int(le32(d[pos:]))
		pos += 4
		if want := dw.YMin + k*lpc; y != want {
			return c, fail("starts at line %d, want %d", y, want)
		}
		c.x0, c.y0, c.w, c.h = 0, y-dw.YMin, dw.Width(), min(lpc, dw.YMax-y+1)
	} else {
		dx, dy := int(le32(d[pos:])), int(le32(d[pos+4:]))
		lx, ly := int(le32(d[pos+8:])), int(le32(d[pos+12:]))
		pos += 16
		if dx != k%lv.tilesX || dy != k/lv.tilesX || lx != lv.lx || ly != lv.ly {
			return c, fail("is tile (%d,%d) of level (%d,%d), want (%d,%d) of (%d,%d)", dx, dy, lx, ly, k%lv.tilesX, k/lv.tilesX, lv.lx, lv.ly)
		}
		t := h.tiles
		c.x0, c.y0 = dx*t.XSize, dy*t.YSize
		c.w, c.h = min(t.XSize, lv.w-c.x0), min(t.YSize, lv.h-c.y0)
	}
	var sz [3]int64
	for i := range sz {
		sz[i] = int64(binary.LittleEndian.Uint64(d[pos:]))
		pos += 8
		if sz[i] < 0 || sz[i] > math.MaxInt32 {
			return c, fail("size %d out of range", sz[i])
		}
	}
	if sz[0]+sz[1] > int64(len(d)-pos) {
		return c, fail("sample table of %d and data of %d bytes past end of file", sz[0], sz[1])
	}
	c.table = d[pos : pos+int(sz[0])]
	c.data = d[pos+int(sz[0]) : pos+int(sz[0]+sz[1])]
	c.unpackedSize = int(sz[2])
	return c, nil
}

// deepUnpack undoes the part's codec on a deep buffer whose uncompressed
// layout is rows (only ZSTD needs the layout).
func deepUnpack(comp compression, src []byte, n int, rows []zstdRow) ([]byte, error) {
	if len(src) == n {
		return src, nil
	}
	dst := make([]byte, n)
	switch comp {
	case compRLE:
		return dst, decompressRLE(dst, src, chunkLayout{})
	case compZIPS, compZIP:
		return dst, decompressZIP(dst, src, chunkLayout{})
	case compZSTD:
		if len(src) < zstdHeaderSize || binary.LittleEndian.Uint64(src) != zstdMagic {
			return nil, fmt.Errorf("zstd: chunk neither raw nor a zstd-exr frame")
		}
		return dst, zstdUnpack(dst, src, rows)
	case compNone:
		return nil, fmt.Errorf("%d bytes, want %d", len(src), n)
	}
	return nil, UnsupportedError(fmt.Sprintf("%s compression of deep data", comp))
}

// readDeepPart reads a deep part: first every chunk's sample counts, then,
// with the total known and checked against the limits, the samples.
func readDeepPart(d []byte, p *Part, h *header, index int, multi bool, table []uint64, maxSamples int64) error {
	k := 0
	for li, lv := range h.levels() {
		L := p.Levels[li]
		n := 1
		if h.tiles != nil {
			n = lv.tilesX * lv.tilesY
		} else {
			n = len(table)
		}
		chunks := make([]deepChunk, n)
		L.Counts = make([]uint32, lv.w*lv.h)
		for j := 0; j < n; j++ {
			c, err := readDeepChunkHeader(d, h, index, multi, j, table[k+j], &lv)
			if err != nil {
				return err
			}
			rows := make([]zstdRow, c.h)
			for r := range rows {
				rows[r] = zstdRow{at: 4 * r * c.w, n: c.w, size: 4}
			}
			tbl := c.table
			if h.comp == compNone && len(tbl) != 4*c.w*c.h {
				// Older writers store a whole tile's table for a clipped
				// edge tile; OpenEXR reads the first w*h entries and
				// takes missing ones as 0 (decoding.c).
				t := make([]byte, 4*c.w*c.h)
				copy(t, tbl)
				tbl = t
			}
			raw, err := deepUnpack(h.comp, tbl, 4*c.w*c.h, rows)
			if err != nil {
				return &FormatError{int64(table[k+j]), fmt.Sprintf("part %d deep chunk %d sample table: %v", index, j, err)}
			}
			for y := 0; y < c.h; y++ {
				prev := uint32(0)
				for x := 0; x < c.w; x++ {
					cum := binary.LittleEndian.Uint32(raw[4*(y*c.w+x):])
					if cum < prev || cum > math.MaxInt32 {
						return &FormatError{int64(table[k+j]), fmt.Sprintf("part %d deep chunk %d: sample counts not increasing", index, j)}
					}
					L.Counts[(c.y0+y)*lv.w+c.x0+x] = cum - prev
					prev = cum
				}
			}
			chunks[j] = c
		}
		off := L.Offsets()
		total := int64(off[len(off)-1])
		if total*int64(len(L.Channels)) > maxSamples || total > ratioLimit*int64(len(d)) {
			return &FormatError{0, fmt.Sprintf("part %d: %d deep samples, over the limit", index, total)}
		}
		for _, ch := range L.Channels {
			switch ch.Type {
			case pixHalf:
				ch.Half = make([]uint16, total)
			case pixFloat:
				ch.Float = make([]float32, total)
			default:
				ch.Uint = make([]uint32, total)
			}
		}
		for j, c := range chunks {
			var rows []zstdRow
			size := 0
			for y := 0; y < c.h; y++ {
				first := (c.y0+y)*lv.w + c.x0
				ns := off[first+c.w] - off[first]
				for _, ch := range L.Channels {
					rows = append(rows, zstdRow{at: size, n: ns, size: ch.Type.size()})
					size += ns * ch.Type.size()
				}
			}
			if size != c.unpackedSize {
				return &FormatError{int64(table[k+j]), fmt.Sprintf("part %d deep chunk %d: unpacked size %d, the sample counts make %d", index, j, c.unpackedSize, size)}
			}
			raw, err := deepUnpack(h.comp, c.data, size, rows)
			if err != nil {
				return &FormatError{int64(table[k+j]), fmt.Sprintf("part %d deep chunk %d data: %v", index, j, err)}
			}
			ri := 0
			for y := 0; y < c.h; y++ {
				first := (c.y0+y)*lv.w + c.x0
				at := off[first]
				for _, ch := range L.Channels {
					r := rows[ri]
					ri++
					b := raw[r.at : r.at+r.n*r.size]
					switch ch.Type {
					case pixHalf:
						for i := 0; i < r.n; i++ {
							ch.Half[at+i] = binary.LittleEndian.Uint16(b[2*i:])
						}
					case pixFloat:
						for i := 0; i < r.n; i++ {
							ch.Float[at+i] = lef32(b[4*i:])
						}
					default:
						for i := 0; i < r.n; i++ {
							ch.Uint[at+i] = binary.LittleEndian.Uint32(b[4*i:])
						}
					}
				}
			}
		}
		k += n
	}
	return nil
}

// Flatten composites a deep part into a flat one for display, as
// OpenEXR's DeepCompositing does: each pixel's samples sorted front to
// back by Z (then ZBack), each channel composited "over" with the alpha of
// its layer (A, or layer.A; the part's A when its layer has none):
// out += (1 - outAlpha) * sample. Z and ZBack take the front-most sample's
// value; a channel without any alpha is summed. Pixels without samples are
// 0 (transparent). The result has FLOAT channels and the base level only.
// On v2/LowResLeftView/Balls.exr, R, G, B and A agree with `oiiotool
// --flatten` (to its HALF rounding); Z does not: oiiotool writes 1e30 for
// empty pixels and picks another sample's depth.
func (p *Part) Flatten() (*Part, error) {
	if !strings.HasPrefix(p.Type, "deep") {
		return p, nil
	}
	L := p.Levels[0]
	if L.Counts == nil {
		return nil, fmt.Errorf("exr: deep part %q has no samples (read with HeaderOnly?)", p.Name)
	}
	off := L.Offsets()
	n := len(L.Counts)
	byName := map[string]int{}
	for i, c := range L.Channels {
		byName[c.Name] = i
	}
	alphaOf := func(name string) int {
		layer := ""
		if i := strings.LastIndexByte(name, '.'); i >= 0 {
			layer = name[:i+1]
		}
		if i, ok := byName[layer+"A"]; ok {
			return i
		}
		if i, ok := byName["A"]; ok {
			return i
		}
		return -1
	}
	z, hasZ := byName["Z"]
	zb, hasZB := byName["ZBack"]
	out := &Part{Name: p.Name, Type: "scanlineimage", Attributes: p.Attributes,
		DataWindow: p.DataWindow, DisplayWindow: p.DisplayWindow, Compression: p.Compression, LineOrder: p.LineOrder}
	flat := make([][]float32, len(L.Channels))
	for i, c := range L.Channels {
		flat[i] = make([]float32, n)
		out.Channels = append(out.Channels, &Channel{Name: c.Name, Type: pixFloat, XSampling: 1, YSampling: 1, Width: L.Width, Height: L.Height, Float: flat[i]})
	}
	alpha := make([]int, len(L.Channels))
	for i, c := range L.Channels {
		alpha[i] = alphaOf(c.Name)
	}
	var order []int
	acc := make([]float64, len(L.Channels))
	for px := 0; px < n; px++ {
		s0, s1 := off[px], off[px+1]
		if s0 == s1 {
			continue
		}
		order = order[:0]
		for s := s0; s < s1; s++ {
			order = append(order, s)
		}
		if hasZ {
			zc := L.Channels[z]
			sort.SliceStable(order, func(a, b int) bool {
				za, zb2 := zc.At(order[a]), zc.At(order[b])
				if za != zb2 || !hasZB {
					return za < zb2
				}
				return L.Channels[zb].At(order[a]) < L.Channels[zb].At(order[b])
			})
		}
		for i := range acc {
			acc[i] = 0
		}
		for _, s := range order {
			// alphas first see the accumulated alpha before this sample
			prev := append([]float64(nil), acc...)
			for i, c := range L.Channels {
				if (hasZ && i == z) || (hasZB && i == zb) {
					continue
				}
				v := float64(c.At(s))
				if a := alpha[i]; a >= 0 {
					acc[i] += (1 - prev[a]) * v
				} else {
					acc[i] += v
				}
			}
		}
		for i := range L.Channels {
			flat[i][px] = float32(acc[i])
		}
		if hasZ {
			flat[z][px] = L.Channels[z].At(order[0])
		}
		if hasZB {
			flat[zb][px] = L.Channels[zb].At(order[0])
		}
	}
	out.Levels = []*Level{{Width: L.Width, Height: L.Height, Channels: out.Channels}}
	return out, nil
}

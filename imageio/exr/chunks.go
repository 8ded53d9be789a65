package exr

import (
	"encoding/binary"
	"fmt"
)

// Offset tables and chunks ("OpenEXR File Layout", Offset Tables and
// Chunks): after the headers, one table per part of 64-bit file offsets,
// one per chunk; a chunk is [part number, multi-part files only], then the
// scanline y (scanline parts) or tile dx, dy, lx, ly (tiled parts), the
// packed size and the packed data. Chunks are looked up through the table
// in index order, whatever line order they were written in, and their own
// coordinates must agree with the index.

// codecs maps a compression to its decompressor. NONE needs none.
var codecs = map[compression]decompressor{
	compRLE:   decompressRLE,
	compZIPS:  decompressZIP,
	compZIP:   decompressZIP,
	compPIZ:   decompressPIZ,
	compPXR24: decompressPXR24,
	compB44:   decompressB44,
	compB44A:  decompressB44,
	compZSTD:  decompressZSTD,
}

var compressionNames = [...]string{"NONE", "RLE", "ZIPS", "ZIP", "PIZ", "PXR24", "B44", "B44A", "DWAA", "DWAB", "HTJ2K256", "HTJ2K32", "LJ2K", "ZSTD"}

func (c compression) String() string {
	if int(c) < len(compressionNames) {
		return compressionNames[c]
	}
	return fmt.Sprintf("compression(%d)", uint8(c))
}

// readOffsets reads the offset tables of all parts starting at pos.
func readOffsets(d []byte, hdrs []*header, pos int) ([][]uint64, error) {
	tables := make([][]uint64, len(hdrs))
	for i, h := range hdrs {
		n := h.countChunks()
		if h.chunkCount >= 0 && h.chunkCount != n {
			return nil, &FormatError{int64(pos), fmt.Sprintf("part %d: chunkCount %d, but its windows and tiles make %d chunks", i, h.chunkCount, n)}
		}
		if n > (len(d)-pos)/8 {
			return nil, &FormatError{int64(pos), fmt.Sprintf("part %d: offset table of %d chunks past end of file", i, n)}
		}
		t := make([]uint64, n)
		for k := range t {
			t[k] = binary.LittleEndian.Uint64(d[pos+8*k:])
		}
		pos += 8 * n
		tables[i] = t
	}
	return tables, nil
}

// planeOf holds where one channel's samples go in one level.
type plane struct {
	ch           *Channel
	x0, y0       int // data-window coordinates of sample (0, 0)
	xs, ys       int
	bytesPerSamp int
}

// readChunk decodes chunk k of a part's level into its channel planes.
// off is the chunk's file offset, multi tells whether a part number leads.
func readChunk(d []byte, h *header, partIndex int, multi bool, k int, off uint64, lv *level, planes []plane) error {
	fail := func(format string, args ...any) error {
		return &FormatError{int64(off), fmt.Sprintf("part %d chunk %d: ", partIndex, k) + fmt.Sprintf(format, args...)}
	}
	if off < 8 || off > uint64(len(d)) {
		return fail("offset %d outside the file", off)
	}
	pos := int(off)
	need := 8
	if h.tiles != nil {
		need = 20
	}
	if multi {
		need += 4
	}
	if pos+need > len(d) {
		return fail("chunk header past end of file")
	}
	if multi {
		if n := int(le32(d[pos:])); n != partIndex {
			return fail("belongs to part %d", n)
		}
		pos += 4
	}
	var l chunkLayout
	for _, c := range h.channels {
		l.channels = append(l.channels, chunkChannel{typ: c.Type, xSampling: c.XSampling, ySampling: c.YSampling, pLinear: c.PLinear, name: c.Name})
	}
	dw := h.dataWindow
	if h.tiles == nil {
		lpc := h.comp.linesPerChunk()
		y := int(le32(d[pos:]))
		pos += 4
		want := dw.YMin + k*lpc
		if y != want {
			return fail("starts at line %d, want %d", y, want)
		}
		l.x0, l.y0, l.width, l.height = dw.XMin, y, dw.Width(), min(lpc, dw.YMax-y+1)
	} else {
		dx, dy := int(le32(d[pos:])), int(le32(d[pos+4:]))
		lx, ly := int(le32(d[pos+8:])), int(le32(d[pos+12:]))
		pos += 16
		wantX, wantY := k%lv.tilesX, k/lv.tilesX
		if dx != wantX || dy != wantY || lx != lv.lx || ly != lv.ly {
			return fail("is tile (%d,%d) of level (%d,%d), want (%d,%d) of (%d,%d)", dx, dy, lx, ly, wantX, wantY, lv.lx, lv.ly)
		}
		t := h.tiles
		l.x0, l.y0 = dw.XMin+dx*t.XSize, dw.YMin+dy*t.YSize
		l.width, l.height = min(t.XSize, lv.w-dx*t.XSize), min(t.YSize, lv.h-dy*t.YSize)
	}
	size := int64(le32(d[pos:]))
	pos += 4
	if size < 0 || size > int64(len(d)-pos) {
		return fail("packed size %d past end of file", size)
	}
	src := d[pos : pos+int(size)]
	n := l.uncompressedSize()
	raw := src
	if len(src) != n {
		if h.comp == compNone {
			return fail("%d bytes, want %d", len(src), n)
		}
		dec, ok := codecs[h.comp]
		if !ok {
			return UnsupportedError(fmt.Sprintf("%s compression", h.comp))
		}
		raw = make([]byte, n)
		if err := dec(raw, src, l); err != nil {
			return fail("%v", err)
		}
	}
	scatter(raw, l, planes)
	return nil
}

// scatter copies a chunk's uncompressed data (layout as in codec.go) into
// the planes.
func scatter(raw []byte, l chunkLayout, planes []plane) {
	p := 0
	for y := l.y0; y < l.y0+l.height; y++ {
		for i, c := range l.channels {
			if !c.hasLine(y) {
				continue
			}
			pl := &planes[i]
			n := l.samplesX(c)
			row := (y - pl.y0) / pl.ys
			// first sample at or right of l.x0
			fx := l.x0 + floorMod(-l.x0, c.xSampling)
			col := (fx - pl.x0) / pl.xs
			at := row*pl.ch.Width + col
			switch c.typ {
			case pixHalf:
				dst := pl.ch.Half[at : at+n]
				for j := range dst {
					dst[j] = binary.LittleEndian.Uint16(raw[p+2*j:])
				}
			case pixFloat:
				dst := pl.ch.Float[at : at+n]
				for j := range dst {
					dst[j] = lef32(raw[p+4*j:])
				}
			default:
				dst := pl.ch.Uint[at : at+n]
				for j := range dst {
					dst[j] = binary.LittleEndian.Uint32(raw[p+4*j:])
				}
			}
			p += n * c.typ.size()
		}
	}
}

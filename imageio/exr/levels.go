package exr

// Tile levels (OpenEXR ImfTiledMisc.cpp): a MIPMAP part has levels
// 0..n-1 halving both sides, a RIPMAP part every (lx, ly) pair; level
// sizes round down or up as the tiledesc says, and never fall below 1.

// level is one resolution level of a part, in offset-table order.
type level struct {
	lx, ly         int
	w, h           int // pixels
	tilesX, tilesY int // tiles (1 x number of chunks for scanline parts)
}

func roundLog2(n int, up bool) int {
	l := 0
	for 1<<(l+1) <= n {
		l++
	}
	if up && 1<<l < n {
		l++
	}
	return l
}

func levelSize(size, l int, up bool) int {
	s := size >> l
	if up && s<<l < size {
		s++
	}
	return max(s, 1)
}

// levels lists a tiled part's levels in the order of its offset table
// (RIPMAP: ly outer, lx inner). Scanline parts have one level.
func (h *header) levels() []level {
	w, ht := h.dataWindow.Width(), h.dataWindow.Height()
	if h.tiles == nil {
		return []level{{w: w, h: ht}}
	}
	t := h.tiles
	mk := func(lx, ly int) level {
		lw, lh := levelSize(w, lx, t.RoundUp), levelSize(ht, ly, t.RoundUp)
		return level{lx: lx, ly: ly, w: lw, h: lh, tilesX: (lw + t.XSize - 1) / t.XSize, tilesY: (lh + t.YSize - 1) / t.YSize}
	}
	switch t.Mode {
	case MipMap:
		n := roundLog2(max(w, ht), t.RoundUp) + 1
		out := make([]level, n)
		for l := range out {
			out[l] = mk(l, l)
		}
		return out
	case RipMap:
		nx, ny := roundLog2(w, t.RoundUp)+1, roundLog2(ht, t.RoundUp)+1
		out := make([]level, 0, nx*ny)
		for ly := 0; ly < ny; ly++ {
			for lx := 0; lx < nx; lx++ {
				out = append(out, mk(lx, ly))
			}
		}
		return out
	}
	return []level{mk(0, 0)}
}

// linesPerChunk is the number of scanlines in one chunk of a scanline part
// (OpenEXRCore compression.c exr_compression_lines_per_chunk).
func (c compression) linesPerChunk() int {
	switch c {
	case compZIP, compPXR24:
		return 16
	case compPIZ, compB44, compB44A, compDWAA, compHTJ2K32:
		return 32
	case compDWAB, compHTJ2K256, compLJ2K:
		return 256
	}
	return 1 // NONE, RLE, ZIPS, ZSTD
}

// chunkCount is the number of chunks (entries of the offset table).
func (h *header) countChunks() int {
	if h.tiles == nil {
		lpc := h.comp.linesPerChunk()
		return (h.dataWindow.Height() + lpc - 1) / lpc
	}
	n := 0
	for _, l := range h.levels() {
		n += l.tilesX * l.tilesY
	}
	return n
}

package exr

import "fmt"

// This file is the contract between the chunk reader and the codecs: a
// codec turns one chunk's compressed bytes into OpenEXR's uncompressed
// layout for that chunk (OpenEXRCore internal_structs.h, "unpacked" buffer),
// which the chunk reader then scatters into channel planes.

// pixelType is a channel's sample type, with OpenEXR's values.
type pixelType uint8

const (
	pixUint  pixelType = 0
	pixHalf  pixelType = 1
	pixFloat pixelType = 2
)

// size is the bytes per sample.
func (p pixelType) size() int {
	if p == pixHalf {
		return 2
	}
	return 4
}

func (p pixelType) String() string {
	switch p {
	case pixUint:
		return "UINT"
	case pixHalf:
		return "HALF"
	case pixFloat:
		return "FLOAT"
	}
	return fmt.Sprintf("pixelType(%d)", uint8(p))
}

// compression is a part's codec, with OpenEXR's values (ImfCompression.h).
type compression uint8

const (
	compNone     compression = 0
	compRLE      compression = 1
	compZIPS     compression = 2
	compZIP      compression = 3
	compPIZ      compression = 4
	compPXR24    compression = 5
	compB44      compression = 6
	compB44A     compression = 7
	compDWAA     compression = 8
	compDWAB     compression = 9
	compHTJ2K256 compression = 10
	compHTJ2K32  compression = 11
	compLJ2K     compression = 12
	compZSTD     compression = 13
)

// chunkChannel is what a codec needs to know about one channel.
type chunkChannel struct {
	typ                  pixelType
	xSampling, ySampling int
	pLinear              bool
	name                 string // DWA picks a channel's scheme by its name's suffix
}

// chunkLayout describes one chunk: its channels in file order and its pixel
// rectangle in data-window coordinates (x0, y0 may be negative).
type chunkLayout struct {
	channels              []chunkChannel
	x0, y0, width, height int
}

// decompressor fills dst, exactly the chunk's uncompressed size, from src.
// The uncompressed layout is: for each line y of the chunk (y0 ..
// y0+height-1), for each channel in file order whose ySampling divides y,
// that channel's samples on that line (x in x0 .. x0+width-1 with
// xSampling dividing x), little-endian. A decompressor returns an error for
// malformed input and never panics, whatever src holds.
type decompressor func(dst, src []byte, l chunkLayout) error

// floorMod is the modulo OpenEXR uses for sampling (ImfMisc.cpp modp):
// never negative, so negative data-window origins sample correctly.
func floorMod(a, b int) int {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

// numSamples counts the sample positions of sampling s in [a, b]
// (OpenEXR ImfMisc.cpp numSamples).
func numSamples(s, a, b int) int {
	a1 := a - floorMod(a, s) // floor(a/s)*s
	if a1 < a {
		a1 += s
	}
	b1 := b - floorMod(b, s)
	if b1 < a1 {
		return 0
	}
	return (b1-a1)/s + 1
}

// samplesX is the number of samples channel c has on each of its lines in
// the chunk.
func (l chunkLayout) samplesX(c chunkChannel) int {
	return numSamples(c.xSampling, l.x0, l.x0+l.width-1)
}

// linesY is the number of lines channel c has in the chunk.
func (l chunkLayout) linesY(c chunkChannel) int {
	return numSamples(c.ySampling, l.y0, l.y0+l.height-1)
}

// hasLine reports whether channel c has samples on line y.
func (c chunkChannel) hasLine(y int) bool { return floorMod(y, c.ySampling) == 0 }

// uncompressedSize is the size in bytes of the chunk's uncompressed data.
func (l chunkLayout) uncompressedSize() int {
	n := 0
	for _, c := range l.channels {
		n += l.samplesX(c) * l.linesY(c) * c.typ.size()
	}
	return n
}

package crate

import (
	"encoding/binary"
	"fmt"

	"github.com/pierrec/lz4/v4"
)

// Writing side of the integer coding (OpenUSD integerCoding.cpp,
// Usd_IntegerCompression) and of TfFastCompression (tf/fastCompression.cpp).

// encodeInts codes integers as OpenUSD's _EncodeIntegers does: the deltas
// between consecutive values (the first from 0), the most common delta
// (the largest one on a tie) as a full-width integer, a 2-bit code per
// delta (0 common, 1/2/3 for an 8/16/32-bit delta, 16/32/64 for wide
// integers), then the non-common deltas at those widths.
func encodeInts(vals []int64, wide bool) []byte {
	n := len(vals)
	if n == 0 {
		return nil
	}
	w := 4
	if wide {
		w = 8
	}
	delta := func(i int) int64 {
		var prev int64
		if i > 0 {
			prev = vals[i-1]
		}
		if wide {
			return vals[i] - prev // wraps as the C++ int64 subtraction does
		}
		return int64(int32(vals[i]) - int32(prev))
	}
	counts := make(map[int64]int, 16)
	var common int64
	best := 0
	for i := range vals {
		d := delta(i)
		c := counts[d] + 1
		counts[d] = c
		if c > best || c == best && d > common {
			common, best = d, c
		}
	}
	codesLen := (n*2 + 7) / 8
	codes := make([]byte, codesLen)
	var out []byte // the non-common deltas
	for i := range vals {
		d := delta(i)
		var code byte
		switch {
		case d == common:
			code = 0
		case wide && d >= -1<<15 && d < 1<<15, !wide && d >= -128 && d < 128:
			code = 1
			if wide {
				out = binary.LittleEndian.AppendUint16(out, uint16(d))
			} else {
				out = append(out, byte(int8(d)))
			}
		case wide && d >= -1<<31 && d < 1<<31, !wide && d >= -1<<15 && d < 1<<15:
			code = 2
			if wide {
				out = binary.LittleEndian.AppendUint32(out, uint32(d))
			} else {
				out = binary.LittleEndian.AppendUint16(out, uint16(d))
			}
		default:
			code = 3
			if wide {
				out = binary.LittleEndian.AppendUint64(out, uint64(d))
			} else {
				out = binary.LittleEndian.AppendUint32(out, uint32(d))
			}
		}
		codes[i/4] |= code << (2 * (i % 4))
	}
	head := make([]byte, w, w+codesLen+len(out))
	if wide {
		binary.LittleEndian.PutUint64(head, uint64(common))
	} else {
		binary.LittleEndian.PutUint32(head, uint32(int32(common)))
	}
	return append(append(head, codes...), out...)
}

// fastCompress frames data as TfFastCompression::CompressToBuffer does for
// inputs up to LZ4's maximum input size: a zero chunk-count byte and one
// LZ4 block.
func fastCompress(data []byte) ([]byte, error) {
	const maxInput = 0x7E000000 // LZ4_MAX_INPUT_SIZE
	if len(data) > maxInput {
		return nil, fmt.Errorf("block of %d bytes exceeds the %d bytes one LZ4 block holds", len(data), maxInput)
	}
	dst := make([]byte, 1+lz4.CompressBlockBound(len(data)))
	var c lz4.Compressor
	n, err := c.CompressBlock(data, dst[1:])
	if err != nil {
		return nil, fmt.Errorf("LZ4 compression: %w", err)
	}
	if n == 0 {
		// Empty or incompressible input: a block of literals only.
		return append([]byte{0}, literalBlock(data)...), nil
	}
	return dst[:1+n], nil
}

// literalBlock is an LZ4 block that holds data as one run of literals.
func literalBlock(data []byte) []byte {
	n := len(data)
	out := make([]byte, 0, n+n/255+2)
	if n < 15 {
		out = append(out, byte(n<<4))
	} else {
		out = append(out, 0xF0)
		rest := n - 15
		for rest >= 255 {
			out = append(out, 255)
			rest -= 255
		}
		out = append(out, byte(rest))
	}
	return append(out, data...)
}

// compressInts is Usd_IntegerCompression::CompressToBuffer (or the 64-bit
// variant): integer coding, then TfFastCompression.
func compressInts(vals []int64, wide bool) ([]byte, error) {
	return fastCompress(encodeInts(vals, wide))
}

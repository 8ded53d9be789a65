package exr

import (
	"encoding/binary"
	"fmt"
)

// PIZ's Huffman stage, ported from OpenEXRCore internal_huf.c
// (internal_huf_decompress, hufUnpackEncTable, hufCanonicalCodeTable,
// hufBuildDecTable, hufDecode).
//
// A Huffman block is a 20-byte header (little-endian uint32 im, iM,
// tableLength, nBits, reserved), the code-length table for symbols im..iM
// packed as 6-bit lengths MSB first (lengths 59..62 mean a run of 2..5
// unused symbols, 63 is followed by 8 bits giving a run of 6..261), then
// nBits bits of codes MSB first. The codes are canonical: they follow from
// the lengths alone. Symbol iM is the run-length code: it is followed by 8
// bits repeating the previous output value that many times.

const (
	hufEncSize        = 1<<16 + 1 // symbols 0..65535 plus the run-length code
	hufDecBits        = 14        // codes up to this length decode with one table look-up
	hufMaxCodeLen     = 58
	hufShortZeroRun   = 59
	hufLongZeroRun    = 63
	hufShortestLongRn = 2 + hufLongZeroRun - hufShortZeroRun
)

// hufDecoder decodes one block's codes. Codes up to hufDecBits bits long
// resolve through table; longer ones are searched length by length in the
// canonical order (first[l] is the lowest code of length l, syms holds the
// symbols of each length in ascending order from offs[l]).
type hufDecoder struct {
	table [1 << hufDecBits]hufEntry
	first [hufMaxCodeLen + 1]uint64
	count [hufMaxCodeLen + 1]uint32
	offs  [hufMaxCodeLen + 1]uint32
	syms  []uint32
	maxL  int
}

// hufEntry is a table slot: a short code's length and symbol, or long set
// when longer codes share this 14-bit prefix.
type hufEntry struct {
	sym  uint32
	len  uint8
	long bool
}

// hufDecompress decodes a PIZ Huffman block into out, which it must fill
// exactly.
func hufDecompress(src []byte, out []uint16) error {
	if len(src) < 20 {
		if len(out) != 0 {
			return fmt.Errorf("huffman block of %d bytes, want at least 20", len(src))
		}
		return nil
	}
	im := binary.LittleEndian.Uint32(src[0:])
	iM := binary.LittleEndian.Uint32(src[4:])
	nBits := uint64(binary.LittleEndian.Uint32(src[12:]))
	if im >= hufEncSize || iM >= hufEncSize {
		return fmt.Errorf("huffman symbol range %d..%d out of bounds", im, iM)
	}
	if im > iM {
		return fmt.Errorf("huffman symbol range %d..%d is empty", im, iM)
	}
	rest := src[20:]
	if (nBits+7)/8 > uint64(len(rest)) {
		return fmt.Errorf("huffman block claims %d bits in %d bytes", nBits, len(rest))
	}
	lengths, used, err := hufUnpackLengths(rest, int(im), int(iM))
	if err != nil {
		return err
	}
	rest = rest[used:]
	if nBits > 8*uint64(len(rest)) {
		return fmt.Errorf("huffman block claims %d bits, %d bytes left after the code table", nBits, len(rest))
	}
	d := new(hufDecoder)
	if err := d.build(lengths, im); err != nil {
		return err
	}
	return d.decode(rest[:(nBits+7)/8], nBits, iM, out)
}

// hufUnpackLengths reads the packed code lengths of symbols im..iM
// (hufUnpackEncTable) and returns them with the bytes consumed. Bits are
// pulled a byte at a time only when needed, so the codes start at the byte
// after the last one read, as in OpenEXR.
func hufUnpackLengths(src []byte, im, iM int) ([]uint8, int, error) {
	lengths := make([]uint8, iM-im+1)
	var c uint64
	var lc uint
	p := 0
	get := func(n uint) (uint64, bool) {
		for lc < n {
			if p >= len(src) {
				return 0, false
			}
			c = c<<8 | uint64(src[p])
			p++
			lc += 8
		}
		lc -= n
		return (c >> lc) & (1<<n - 1), true
	}
	for i := 0; i < len(lengths); i++ {
		l, ok := get(6)
		if !ok {
			return nil, 0, fmt.Errorf("huffman code table truncated at symbol %d", im+i)
		}
		switch {
		case l == hufLongZeroRun:
			r, ok := get(8)
			if !ok {
				return nil, 0, fmt.Errorf("huffman code table truncated at symbol %d", im+i)
			}
			run := int(r) + hufShortestLongRn
			if i+run > len(lengths) {
				return nil, 0, fmt.Errorf("huffman zero run of %d past symbol %d", run, iM)
			}
			i += run - 1 // lengths are already zero
		case l >= hufShortZeroRun:
			run := int(l) - hufShortZeroRun + 2
			if i+run > len(lengths) {
				return nil, 0, fmt.Errorf("huffman zero run of %d past symbol %d", run, iM)
			}
			i += run - 1
		default:
			lengths[i] = uint8(l)
		}
	}
	return lengths, p, nil
}

// build assigns canonical codes (hufCanonicalCodeTable: longer codes take
// the numerically lower values, and within a length codes ascend with the
// symbol) and fills the look-up table, refusing tables whose codes overflow
// their length or overlap (hufBuildDecTable's checks).
func (d *hufDecoder) build(lengths []uint8, im uint32) error {
	var n [hufMaxCodeLen + 1]uint64
	for _, l := range lengths {
		if l > 0 {
			n[l]++
		}
	}
	var c uint64
	for l := hufMaxCodeLen; l > 0; l-- {
		nc := (c + n[l]) >> 1
		d.first[l] = c
		d.count[l] = uint32(n[l])
		c = nc
	}
	var off uint32
	for l := 1; l <= hufMaxCodeLen; l++ {
		d.offs[l] = off
		off += d.count[l]
		if d.count[l] > 0 {
			d.maxL = l
		}
	}
	d.syms = make([]uint32, off)
	var next [hufMaxCodeLen + 1]uint64
	copy(next[:], d.first[:])
	fill := d.offs
	for i, l := range lengths {
		if l == 0 {
			continue
		}
		sym := im + uint32(i)
		code := next[l]
		next[l]++
		if code>>l != 0 {
			return fmt.Errorf("huffman code for symbol %d does not fit %d bits", sym, l)
		}
		d.syms[fill[l]] = sym
		fill[l]++
		if l > hufDecBits {
			e := &d.table[code>>(l-hufDecBits)]
			if e.len != 0 {
				return fmt.Errorf("huffman long code for symbol %d overlaps a short code", sym)
			}
			e.long = true
			continue
		}
		start := code << (hufDecBits - l)
		for j := start; j < start+1<<(hufDecBits-l); j++ {
			e := &d.table[j]
			if e.len != 0 || e.long {
				return fmt.Errorf("huffman code for symbol %d overlaps another", sym)
			}
			e.len = l
			e.sym = sym
		}
	}
	return nil
}

// decode reads nBits bits of codes from src into out (hufDecode). The
// run-length symbol rlc repeats the previous value.
func (d *hufDecoder) decode(src []byte, nBits uint64, rlc uint32, out []uint16) error {
	var acc uint64 // unread bits are the low accN bits
	var accN uint
	p := 0
	left := nBits // bits of the stream not yet consumed
	// fill tops the accumulator up to at least 57 bits, reading zeros past
	// the end of src (left guards against using them).
	fill := func() {
		if p+8 <= len(src) {
			k := (63 - accN) / 8
			if k > 0 {
				acc = acc<<(8*k) | binary.BigEndian.Uint64(src[p:])>>(64-8*k)
				accN += 8 * k
				p += int(k)
			}
			return
		}
		for accN <= 56 {
			var b byte
			if p < len(src) {
				b = src[p]
				p++
			}
			acc = acc<<8 | uint64(b)
			accN += 8
		}
	}
	no := 0
	for left > 0 {
		// A short code and a run count need at most 14+8 bits.
		if accN < hufDecBits+8 {
			fill()
		}
		e := d.table[(acc>>(accN-hufDecBits))&(1<<hufDecBits-1)]
		var sym uint32
		switch {
		case e.len != 0:
			if uint64(e.len) > left {
				return fmt.Errorf("huffman code runs past the end of the stream")
			}
			accN -= uint(e.len)
			left -= uint64(e.len)
			sym = e.sym
		default:
			// Search the long codes one length at a time. The accumulator
			// holds at least 57 bits, enough for any code but the 58-bit
			// ones, which take one more refill.
			var code uint64
			found := false
			for l := 1; l <= d.maxL; l++ {
				if uint64(l) > left {
					break
				}
				if accN == 0 {
					fill()
				}
				accN--
				code = code<<1 | (acc>>accN)&1
				if d.count[l] > 0 && code >= d.first[l] && code-d.first[l] < uint64(d.count[l]) {
					sym = d.syms[d.offs[l]+uint32(code-d.first[l])]
					left -= uint64(l)
					found = true
					break
				}
			}
			if !found {
				return fmt.Errorf("invalid huffman code at output value %d", no)
			}
		}
		if sym == rlc {
			if left < 8 {
				return fmt.Errorf("huffman run length runs past the end of the stream")
			}
			if accN < 8 {
				fill()
			}
			accN -= 8
			left -= 8
			run := int((acc >> accN) & 0xff)
			if no == 0 {
				return fmt.Errorf("huffman run with no previous value")
			}
			if no+run > len(out) {
				return fmt.Errorf("huffman run past the %d expected values", len(out))
			}
			v := out[no-1]
			for k := 0; k < run; k++ {
				out[no+k] = v
			}
			no += run
			continue
		}
		if no >= len(out) {
			return fmt.Errorf("huffman stream holds more than the %d expected values", len(out))
		}
		out[no] = uint16(sym)
		no++
	}
	if no != len(out) {
		return fmt.Errorf("huffman stream decoded %d values, want %d", no, len(out))
	}
	return nil
}

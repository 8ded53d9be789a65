package exr

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// DWAA and DWAB decompression, ported from OpenEXRCore internal_dwa.c,
// internal_dwa_compressor.h (DwaCompressor_uncompress),
// internal_dwa_decoder.h (LossyDctDecoder), internal_dwa_classifier.h,
// internal_dwa_simd.h (the scalar inverse DCT, CSC and zig-zag order) and
// internal_dwa_table_init.c (the to-linear table). DWAA (32 lines per
// chunk) and DWAB (256) decode the same way.
//
// A chunk starts with eleven little-endian uint64 counters (version, the
// sizes of the four sections, element counts, the AC coding), then, from
// version 2, the channel rules: which channel-name suffix and type is
// coded how. Channels are then coded by scheme:
//
//   - LOSSY_DCT (R, G, B, Y, BY, RY by default): 8x8 blocks of a perceptual
//     (gamma 2.2 / log) encoding, DCT coefficients quantized to halves;
//     the DC values of all blocks are zlib compressed with the ZIP
//     predictor, the AC values run-length coded and then Huffman (PIZ's
//     coder) or zlib compressed. An R, G, B triple sharing a layer prefix
//     and sampling is stored as Y'CbCr (Rec. 709).
//   - RLE (A by default): bytes split into planes, OpenEXR's byte RLE,
//     zlib.
//   - UNKNOWN (everything else): the samples, zlib compressed.
//
// The decoder has no quantization table: the inverse DCT is all there is,
// done here in float32 in the order of OpenEXR's AVX code; the to-linear
// table uses Go's math.Pow where OpenEXR uses powf, so a value may round
// to a neighbouring half in rare cases (tests allow one unit).

const (
	dwaVersion = iota
	dwaUnknownUncompressedSize
	dwaUnknownCompressedSize
	dwaACCompressedSize
	dwaDCCompressedSize
	dwaRLECompressedSize
	dwaRLEUncompressedSize
	dwaRLERawSize
	dwaACUncompressedCount
	dwaDCUncompressedCount
	dwaACCompression
	dwaNumSizes
)

// Compression schemes of a channel, and AC codings.
const (
	dwaUnknown  = 0
	dwaLossyDCT = 1
	dwaRLE      = 2

	dwaStaticHuffman = 0
	dwaDeflate       = 1
)

// dwaRule classifies channels by name suffix and type
// (internal_dwa_classifier.h Classifier).
type dwaRule struct {
	suffix          string
	scheme          int
	typ             pixelType
	cscIdx          int
	caseInsensitive bool
}

func (r dwaRule) match(suffix string, typ pixelType) bool {
	if r.typ != typ {
		return false
	}
	if r.caseInsensitive {
		return strings.EqualFold(suffix, r.suffix)
	}
	return suffix == r.suffix
}

// dwaLegacyRules apply to version 0 and 1 chunks, which carry no rules.
var dwaLegacyRules = func() []dwaRule {
	var rs []dwaRule
	add := func(scheme, csc int, types []pixelType, names ...string) {
		for _, n := range names {
			for _, t := range types {
				rs = append(rs, dwaRule{n, scheme, t, csc, true})
			}
		}
	}
	hf := []pixelType{pixHalf, pixFloat}
	add(dwaLossyDCT, 0, hf, "r", "red")
	add(dwaLossyDCT, 1, hf, "g", "grn", "green")
	add(dwaLossyDCT, 2, hf, "b", "blu", "blue")
	add(dwaLossyDCT, -1, hf, "y", "by", "ry")
	add(dwaRLE, -1, []pixelType{pixUint, pixHalf, pixFloat}, "a")
	return rs
}()

// dwaReadRules reads version 2 rules: a uint16 byte count (itself
// included), then per rule the suffix, NUL, a byte (cscIdx+1)<<4 |
// scheme<<2 | caseInsensitive, and the pixel type.
func dwaReadRules(src []byte) ([]dwaRule, int, error) {
	if len(src) <= 2 {
		return nil, 0, errors.New("dwa: chunk ends before the channel rules")
	}
	size := int(binary.LittleEndian.Uint16(src))
	if size < 2 || size > len(src) {
		return nil, 0, fmt.Errorf("dwa: channel rules of %d bytes", size)
	}
	p := src[2:size]
	var rules []dwaRule
	for len(p) > 0 {
		if len(p) <= 3 {
			return nil, 0, errors.New("dwa: truncated channel rule")
		}
		n := bytes.IndexByte(p, 0)
		if n < 0 || n > 128 || n+3 > len(p) {
			return nil, 0, errors.New("dwa: bad channel rule suffix")
		}
		r := dwaRule{suffix: string(p[:n])}
		v, t := p[n+1], p[n+2]
		p = p[n+3:]
		r.cscIdx = int(v>>4) - 1
		if r.cscIdx < -1 || r.cscIdx >= 3 {
			return nil, 0, fmt.Errorf("dwa: channel rule colour index %d", r.cscIdx)
		}
		r.scheme = int(v>>2) & 3
		if r.scheme > dwaRLE {
			return nil, 0, fmt.Errorf("dwa: channel rule scheme %d", r.scheme)
		}
		r.caseInsensitive = v&1 != 0
		if t > uint8(pixFloat) {
			return nil, 0, fmt.Errorf("dwa: channel rule pixel type %d", t)
		}
		r.typ = pixelType(t)
		rules = append(rules, r)
	}
	return rules, size, nil
}

// dwaChan is one channel's decoding state.
type dwaChan struct {
	c      chunkChannel
	scheme int
	w, h   int
	size   int   // bytes per sample
	rows   []int // offsets of its lines in dst
	plane  []byte
}

func init() {
	codecs[compDWAA] = decompressDWA
	codecs[compDWAB] = decompressDWA
}

// decompressDWA is DwaCompressor_uncompress.
func decompressDWA(dst, src []byte, l chunkLayout) error {
	if len(src) == len(dst) {
		copy(dst, src) // stored uncompressed (OpenEXRCore decompress_data)
		return nil
	}
	const headerSize = dwaNumSizes * 8
	if len(src) < headerSize {
		return fmt.Errorf("dwa: chunk of %d bytes", len(src))
	}
	var n [dwaNumSizes]uint64
	for i := range n {
		n[i] = binary.LittleEndian.Uint64(src[8*i:])
		if i != dwaVersion && i != dwaACCompression && n[i] > 1<<62 {
			return fmt.Errorf("dwa: counter %d is %d", i, n[i])
		}
	}
	total := uint64(len(dst))
	if n[dwaVersion] > 2 {
		return fmt.Errorf("dwa: version %d", n[dwaVersion])
	}
	if n[dwaUnknownUncompressedSize]+n[dwaRLERawSize] > total {
		return errors.New("dwa: section sizes exceed the chunk")
	}
	data := src[headerSize:]
	rules := dwaLegacyRules
	if n[dwaVersion] >= 2 {
		rs, size, err := dwaReadRules(data)
		if err != nil {
			return err
		}
		rules, data = rs, data[size:]
	}
	sizes := []uint64{n[dwaUnknownCompressedSize], n[dwaACCompressedSize], n[dwaDCCompressedSize], n[dwaRLECompressedSize]}
	var sections [4][]byte
	for i, s := range sizes {
		if s > uint64(len(data)) {
			return errors.New("dwa: sections run past the chunk end")
		}
		sections[i], data = data[:s], data[s:]
	}
	unknownZ, acZ, dcZ, rleZ := sections[0], sections[1], sections[2], sections[3]

	// Classify the channels and find the R, G, B sets
	// (DwaCompressor_classifyChannels).
	chans := make([]dwaChan, len(l.channels))
	type prefixSet struct {
		prefix string
		idx    [3]int
	}
	var prefixes []*prefixSet
	for i, c := range l.channels {
		name := c.name
		suffix, prefix := name, ""
		if k := strings.LastIndexByte(name, '.'); k >= 0 {
			suffix, prefix = name[k+1:], name[:k+1]
		}
		var ps *prefixSet
		for _, p := range prefixes {
			if p.prefix == prefix {
				ps = p
				break
			}
		}
		if ps == nil {
			ps = &prefixSet{prefix: prefix, idx: [3]int{-1, -1, -1}}
			prefixes = append(prefixes, ps)
		}
		ch := &chans[i]
		ch.c = c
		ch.scheme = dwaUnknown
		ch.w, ch.h, ch.size = l.samplesX(c), l.linesY(c), c.typ.size()
		for _, r := range rules {
			if r.match(suffix, c.typ) {
				ch.scheme = r.scheme
				if r.cscIdx >= 0 {
					ps.idx[r.cscIdx] = i
				}
			}
		}
	}
	var cscSets [][3]int
	for _, p := range prefixes {
		r, g, b := p.idx[0], p.idx[1], p.idx[2]
		if r < 0 || g < 0 || b < 0 {
			continue
		}
		cr, cg, cb := l.channels[r], l.channels[g], l.channels[b]
		if cr.xSampling != cg.xSampling || cr.xSampling != cb.xSampling ||
			cr.ySampling != cg.ySampling || cr.ySampling != cb.ySampling {
			continue
		}
		cscSets = append(cscSets, p.idx)
	}

	// Lines of each channel in dst.
	out := 0
	for y := l.y0; y < l.y0+l.height; y++ {
		for i := range chans {
			ch := &chans[i]
			if !ch.c.hasLine(y) {
				continue
			}
			ch.rows = append(ch.rows, out)
			out += ch.w * ch.size
		}
	}
	if out != len(dst) {
		return fmt.Errorf("dwa: channels fill %d of the chunk's %d bytes", out, len(dst))
	}

	// Planar buffers of the UNKNOWN and RLE channels, in channel order
	// (DwaCompressor_setupChannelData, validate_size).
	var need [3]uint64
	numDCT := 0
	for i := range chans {
		ch := &chans[i]
		need[ch.scheme] += uint64(ch.w * ch.h * ch.size)
		if ch.scheme == dwaLossyDCT {
			numDCT++
		}
	}
	check := func(what string, scheme int, comp, unc, extra uint64) error {
		if need[scheme] > 0 {
			if unc < need[scheme] || comp == 0 {
				return fmt.Errorf("dwa: %s section holds %d bytes, its channels need %d", what, unc, need[scheme])
			}
		} else if unc > 0 || comp > 0 || extra > 0 {
			return fmt.Errorf("dwa: %s section without %s channels", what, what)
		}
		return nil
	}
	if err := check("UNKNOWN", dwaUnknown, n[dwaUnknownCompressedSize], n[dwaUnknownUncompressedSize], 0); err != nil {
		return err
	}
	if err := check("RLE", dwaRLE, n[dwaRLECompressedSize], n[dwaRLERawSize], n[dwaRLEUncompressedSize]); err != nil {
		return err
	}

	var unknown, rle []byte
	if len(unknownZ) > 0 {
		var err error
		if unknown, err = dwaInflate(unknownZ, int(n[dwaUnknownUncompressedSize]), false); err != nil {
			return fmt.Errorf("dwa: UNKNOWN section: %w", err)
		}
	}
	if n[dwaRLERawSize] > 0 {
		if n[dwaRLEUncompressedSize] > 2*uint64(len(dst)) {
			return errors.New("dwa: RLE section larger than twice the chunk")
		}
		packed, err := dwaInflate(rleZ, int(n[dwaRLEUncompressedSize]), true)
		if err != nil {
			return fmt.Errorf("dwa: RLE section: %w", err)
		}
		rle = make([]byte, n[dwaRLERawSize])
		if err := dwaUnRLE(rle, packed); err != nil {
			return err
		}
	}
	uOff, rOff := 0, 0
	for i := range chans {
		ch := &chans[i]
		sz := ch.w * ch.h * ch.size
		switch ch.scheme {
		case dwaUnknown:
			if uOff+sz > len(unknown) {
				return errors.New("dwa: UNKNOWN section shorter than its channels")
			}
			ch.plane = unknown[uOff : uOff+sz]
			uOff += sz
		case dwaRLE:
			if rOff+sz > len(rle) {
				return errors.New("dwa: RLE section shorter than its channels")
			}
			ch.plane = rle[rOff : rOff+sz]
			rOff += sz
		}
	}

	// AC and DC coefficients.
	nbx := (l.width + 7) / 8
	nby := (l.height + 7) / 8
	maxAC := uint64(nbx*nby*63) * uint64(numDCT)
	maxDC := uint64(nbx*nby) * uint64(numDCT)
	var ac, dc []uint16
	if len(acZ) > 0 {
		cnt := n[dwaACUncompressedCount]
		if cnt > maxAC {
			return fmt.Errorf("dwa: %d AC values, at most %d fit", cnt, maxAC)
		}
		ac = make([]uint16, cnt)
		switch n[dwaACCompression] {
		case dwaStaticHuffman:
			if err := hufDecompress(acZ, ac); err != nil {
				return fmt.Errorf("dwa: AC: %w", err)
			}
		case dwaDeflate:
			raw, err := dwaInflate(acZ, int(2*cnt), true)
			if err != nil {
				return fmt.Errorf("dwa: AC: %w", err)
			}
			for i := range ac {
				ac[i] = binary.LittleEndian.Uint16(raw[2*i:])
			}
		default:
			return fmt.Errorf("dwa: AC compression %d", n[dwaACCompression])
		}
	}
	if len(dcZ) > 0 {
		cnt := n[dwaDCUncompressedCount]
		if cnt > maxDC {
			return fmt.Errorf("dwa: %d DC values, at most %d fit", cnt, maxDC)
		}
		t, err := dwaInflate(dcZ, int(2*cnt), true)
		if err != nil {
			return fmt.Errorf("dwa: DC: %w", err)
		}
		raw := make([]byte, len(t))
		unpredictReorder(raw, t)
		dc = make([]uint16, cnt)
		for i := range dc {
			dc[i] = binary.LittleEndian.Uint16(raw[2*i:])
		}
	} else if n[dwaDCUncompressedCount] != 0 {
		return errors.New("dwa: DC values without a DC section")
	}

	done := make([]bool, len(chans))
	toLinear := dwaToLinearTable()
	d := dwaDCT{ac: ac, dc: dc}
	for _, set := range cscSets {
		var cs [3]*dwaChan
		for k, i := range set {
			cs[k] = &chans[i]
			if cs[k].scheme != dwaLossyDCT {
				return errors.New("dwa: colour set with a channel that is not LOSSY_DCT")
			}
			done[i] = true
		}
		if err := d.decode(dst, cs[:], toLinear); err != nil {
			return err
		}
	}
	for i := range chans {
		ch := &chans[i]
		if done[i] || ch.w == 0 || ch.h == 0 {
			continue
		}
		switch ch.scheme {
		case dwaLossyDCT:
			lut := toLinear
			if ch.c.pLinear {
				lut = nil
			}
			if err := d.decode(dst, []*dwaChan{ch}, lut); err != nil {
				return err
			}
		case dwaRLE:
			// Byte planes: all first bytes, then all second bytes...
			np := ch.w * ch.h
			k := 0
			for _, r := range ch.rows {
				for x := 0; x < ch.w; x++ {
					for b := 0; b < ch.size; b++ {
						dst[r+x*ch.size+b] = ch.plane[b*np+k]
					}
					k++
				}
			}
		case dwaUnknown:
			bpl := ch.w * ch.size
			for j, r := range ch.rows {
				copy(dst[r:r+bpl], ch.plane[j*bpl:(j+1)*bpl])
			}
		}
	}
	return nil
}

// dwaInflate zlib-decompresses src, which must give exactly n bytes, or
// at most n when exact is false.
func dwaInflate(src []byte, n int, exact bool) ([]byte, error) {
	out := make([]byte, n)
	k, err := zlibInflate(out, src)
	switch {
	case err != nil:
		return nil, err
	case exact && k != n:
		return nil, fmt.Errorf("zlib stream of %d bytes, want %d", k, n)
	}
	return out[:k], nil
}

// dwaUnRLE is OpenEXR's byte RLE (internal_rle_decompress) without the
// ZIP predictor: a signed count c; c < 0: -c literal bytes, else the next
// byte c+1 times. It must fill dst exactly.
func dwaUnRLE(dst, src []byte) error {
	n := 0
	for i := 0; i < len(src); {
		c := int(int8(src[i]))
		i++
		if c < 0 {
			c = -c
			if i+c > len(src) || n+c > len(dst) {
				return errors.New("dwa: RLE literal run out of bounds")
			}
			copy(dst[n:], src[i:i+c])
			i += c
		} else {
			c++
			if i >= len(src) || n+c > len(dst) {
				return errors.New("dwa: RLE run out of bounds")
			}
			for k := 0; k < c; k++ {
				dst[n+k] = src[i]
			}
			i++
		}
		n += c
	}
	if n != len(dst) {
		return fmt.Errorf("dwa: RLE data of %d bytes, want %d", n, len(dst))
	}
	return nil
}

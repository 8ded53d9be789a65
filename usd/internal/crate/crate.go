// Package crate reads USD crate files (.usdc), versions 0.4.0 to 0.14.0;
// older ones are refused as obsolete, as usd-core 26.11 refuses them.
//
// The reader follows OpenUSD's crate layout: an 88-byte bootstrap (magic
// "PXR-USDC", version, table-of-contents offset), a table of contents of
// named sections (TOKENS, STRINGS, FIELDS, FIELDSETS, PATHS, SPECS), LZ4
// compressed structural sections from 0.4.0 (TfFastCompression chunk
// framing around LZ4 blocks), the integer coding of index arrays
// (a common delta and 2-bit codes selecting 0/8/16/32-bit deltas, 64-bit
// variants for int64), and value representations: inlined values,
// out-of-line values, arrays with integer and float compression (0.5.0,
// 0.6.0), dictionaries, list ops, time samples.
//
// Rules followed from OpenUSD's pxr/usd/sdf/crateFile.cpp (and
// integerCoding.cpp), checked value by value against OpenUSD 26.11 by
// internal/oracle's TestOracleCrate:
//   - Values of at most 4 bytes are always inlined bitwise in the rep
//     (_IsAlwaysInlined: bool, uchar, int, uint, half, float, and GfVec2h);
//     other vectors and matrices are inlined as int8 components (diagonal
//     for matrices) when their components are such integers (_EncodeInline).
//   - Compressed integer arrays are decoded from the front of a worst-case
//     working space: their count is bounded only by the smallest encoding
//     (common delta and 2-bit codes), never by the worst case.
//   - 0.12.0 splines are decoded from Ts's binary spline data (spline.go)
//     and evaluated by EvalSpline (spline_eval.go); 0.13.0 (spline tangent
//     algorithms) changes nothing else. A regressive Bezier segment's
//     tangent widths are shortened when the spline is read, as
//     TsSpline::AdjustRegressiveTangents does in the default Keep Ratio
//     mode, and again when it is evaluated (rule spline-read-deregress,
//     TestSplineReadDeregress).
//   - 0.14.0 array edits (VtArrayEdit): a rep with the array-edit bit and
//     the element type; payload 0 is the identity edit, otherwise the
//     offset of two reps (the values array, the int64 instruction array
//     of Vt_ArrayEditOps) and a dense flag byte (UnpackArrayEdit,
//     PackArrayEdit). They decode to sdf.ArrayEdit; malformed
//     instruction streams are errors, not skipped.
//
// Arrays and time samples are decoded lazily, when a field is first read.
// Every count and offset is checked against the file size before
// allocating; errors name the file, the section or value, and the offset.
// A value that fails to decode never fails the layer nor vanishes: its
// field reports a *ValueError (file, prim, property, field, offset) and
// the error is added to the layer's DecodeErrors, which usd.Stage.Errors
// includes.
//
// Write (write.go) writes crate files as OpenUSD's CrateFile packs them.
package crate

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"github.com/pierrec/lz4/v4"
	"github.com/rgallery/rgallery/usd/sdf"
)

// Error is a crate decoding error.
type Error struct {
	File    string
	Section string
	Offset  int64
	Msg     string
}

// inner is the message of an error met while decoding a nested value,
// without the file name an *Error repeats.
func inner(err error) string {
	if e, ok := err.(*Error); ok {
		return fmt.Sprintf("at offset %d: %s", e.Offset, e.Msg)
	}
	return err.Error()
}

func (e *Error) Error() string {
	if e.Section != "" {
		return fmt.Sprintf("%s: crate %s section at offset %d: %s", e.File, e.Section, e.Offset, e.Msg)
	}
	return fmt.Sprintf("%s: crate at offset %d: %s", e.File, e.Offset, e.Msg)
}

type version struct{ major, minor, patch uint8 }

func (v version) less(a, b, c uint8) bool {
	if v.major != a {
		return v.major < a
	}
	if v.minor != b {
		return v.minor < b
	}
	return v.patch < c
}

func (v version) String() string { return fmt.Sprintf("%d.%d.%d", v.major, v.minor, v.patch) }

type section struct {
	name       string
	start, end int64
}

type spec struct {
	path     uint32
	fieldSet uint32
	typ      uint32
}

type field struct {
	token uint32
	rep   uint64
}

// file holds a decoded crate's tables.
type file struct {
	name     string
	data     []byte
	ver      version
	sections []section
	tokens   []string
	strings  []uint32
	fields   []field
	fsets    []uint32
	paths    []string
	specs    []spec
	headers  int // path headers read (old path trees), to catch loops
	// log receives values refused without failing them (ill-formed path
	// expressions, read as the empty expression as usd-core does); it is
	// the layer's DecodeErrors.
	log *sdf.ErrorLog
}

// pathExpression checks the text of a path expression value as
// SdfPathExpression's constructor does (pathExpression.cpp): an
// ill-formed one posts an error and becomes the empty expression.
func (f *file) pathExpression(s string) sdf.PathExpression {
	if err := sdf.CheckPathExpression(s); err != nil {
		f.log.Add(fmt.Errorf("%s: %w; the value is read as the empty path expression", f.name, err))
		return ""
	}
	return sdf.PathExpression(s)
}

// reader is a cursor over the file's bytes with bounds-checked reads.
type reader struct {
	f       *file
	pos     int64
	section string
	err     *Error
}

func (f *file) at(pos int64, sec string) *reader { return &reader{f: f, pos: pos, section: sec} }

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = &Error{File: r.f.name, Section: r.section, Offset: r.pos, Msg: fmt.Sprintf(format, args...)}
	}
}

func (r *reader) bytes(n int64) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || r.pos < 0 || r.pos+n > int64(len(r.f.data)) || r.pos+n < r.pos {
		r.fail("read of %d bytes past the end of the file (%d bytes)", n, len(r.f.data))
		return nil
	}
	b := r.f.data[r.pos : r.pos+n]
	r.pos += n
	return b
}

func (r *reader) u8() uint8 {
	b := r.bytes(1)
	if b == nil {
		return 0
	}
	return b[0]
}

func (r *reader) u32() uint32 {
	b := r.bytes(4)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

func (r *reader) u64() uint64 {
	b := r.bytes(8)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint64(b)
}

func (r *reader) i64() int64   { return int64(r.u64()) }
func (r *reader) f64() float64 { return math.Float64frombits(r.u64()) }

// count reads a uint64 element count and checks that elemSize*count bytes
// could still be in the file.
func (r *reader) count(elemSize int64) int {
	n := r.u64()
	return r.checkCount(n, elemSize)
}

func (r *reader) checkCount(n uint64, elemSize int64) int {
	if r.err != nil {
		return 0
	}
	remain := uint64(int64(len(r.f.data)) - r.pos)
	if elemSize > 0 && n > remain/uint64(elemSize) {
		r.fail("count %d of %d-byte elements exceeds the %d bytes left in the file", n, elemSize, remain)
		return 0
	}
	if n > 1<<31 {
		r.fail("count %d too large", n)
		return 0
	}
	return int(n)
}

// Read parses a crate file held in data. Arrays are decoded later, when
// their fields are read.
func Read(name string, data []byte) (*sdf.Layer, error) {
	f := &file{name: name, data: data}
	if err := f.readStructure(); err != nil {
		return nil, err
	}
	return f.layer()
}

func (f *file) readStructure() error {
	if len(f.data) < 88 {
		return &Error{File: f.name, Msg: fmt.Sprintf("file too small for a crate bootstrap (%d bytes)", len(f.data))}
	}
	if string(f.data[:8]) != "PXR-USDC" {
		return &Error{File: f.name, Msg: "bad magic: not a crate file"}
	}
	f.ver = version{f.data[8], f.data[9], f.data[10]}
	// usd-core 26.11 (CrateFile::_CheckFileVersion) reads 0.4.0 up to its
	// own 0.14.0 and refuses older files as obsolete; so do we.
	if f.ver.less(0, 4, 0) {
		return &Error{File: f.name, Offset: 8, Msg: fmt.Sprintf("obsolete crate version %s: the oldest version OpenUSD reads is 0.4.0 (re-export the file with an older USD)", f.ver)}
	}
	if f.ver.major != 0 || !f.ver.less(0, 14, 1) {
		return &Error{File: f.name, Offset: 8, Msg: fmt.Sprintf("unsupported crate version %s (this reader knows 0.4.0 to 0.14.0)", f.ver)}
	}
	toc := int64(binary.LittleEndian.Uint64(f.data[16:24]))
	if toc <= 0 || toc >= int64(len(f.data)) {
		return &Error{File: f.name, Offset: 16, Msg: fmt.Sprintf("table of contents offset %d is outside the file (%d bytes), possibly truncated", toc, len(f.data))}
	}
	r := f.at(toc, "TOC")
	n := r.count(32)
	for i := 0; i < n && r.err == nil; i++ {
		nb := r.bytes(16)
		start, size := r.i64(), r.i64()
		if r.err != nil {
			break
		}
		nm := string(nb)
		if j := strings.IndexByte(nm, 0); j >= 0 {
			nm = nm[:j] // 0.0.1 files have junk after the NUL
		}
		if start < 0 || size < 0 || start+size > int64(len(f.data)) || start+size < start {
			return &Error{File: f.name, Section: nm, Offset: start, Msg: fmt.Sprintf("section of %d bytes runs past the end of the file (%d bytes)", size, len(f.data))}
		}
		f.sections = append(f.sections, section{nm, start, start + size})
	}
	if r.err != nil {
		return r.err
	}
	for _, step := range []func() error{f.readTokens, f.readStrings, f.readFields, f.readFieldSets, f.readPaths, f.readSpecs} {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

func (f *file) section(name string) *section {
	for i := range f.sections {
		if f.sections[i].name == name {
			return &f.sections[i]
		}
	}
	return nil
}

// decompress undoes TfFastCompression: a chunk count byte, then either one
// LZ4 block (count 0) or count chunks each prefixed by its int32 size.
func (r *reader) decompress(src []byte, outSize int) []byte {
	if r.err != nil {
		return nil
	}
	if len(src) == 0 {
		r.fail("empty compressed block")
		return nil
	}
	if outSize < 0 || int64(outSize) > maxDecompressed(len(src))+int64(len(src)) {
		r.fail("compressed block of %d bytes cannot hold %d bytes", len(src), outSize)
		return nil
	}
	out := make([]byte, outSize)
	nChunks := int(src[0])
	src = src[1:]
	if nChunks == 0 {
		n, err := lz4.UncompressBlock(src, out)
		if err != nil {
			r.fail("LZ4: %v", err)
			return nil
		}
		return out[:n]
	}
	total := 0
	for i := 0; i < nChunks; i++ {
		if len(src) < 4 {
			r.fail("truncated compressed chunk header")
			return nil
		}
		sz := int(int32(binary.LittleEndian.Uint32(src)))
		src = src[4:]
		if sz < 0 || sz > len(src) {
			r.fail("compressed chunk of %d bytes exceeds the data", sz)
			return nil
		}
		n, err := lz4.UncompressBlock(src[:sz], out[total:])
		if err != nil {
			r.fail("LZ4 chunk %d: %v", i, err)
			return nil
		}
		total += n
		src = src[sz:]
	}
	return out[:total]
}

// compressedInts reads a uint64 compressed size and the integer-coded,
// LZ4-compressed data of n 32-bit (or 64-bit) integers.
//
// OpenUSD (integerCoding.cpp, Usd_IntegerCompression::DecompressFromBuffer)
// decompresses into a working space of the worst-case encoded size (every
// delta a full-width integer) and then decodes n integers from the front
// of it: the actual encoded data is usually far smaller (one common delta
// and 2-bit codes only, for an array of one repeated value). So the only
// bound the compressed size puts on n is through the smallest encoding —
// the common delta and the codes — never through the worst case, which
// would refuse exactly the arrays that compress best (a triangle mesh's
// faceVertexCounts).
func (r *reader) compressedInts(n int, wide bool) []int64 {
	size := r.u64()
	if r.err != nil {
		return nil
	}
	if size > uint64(int64(len(r.f.data))-r.pos) {
		r.fail("compressed integers of %d bytes run past the end of the file", size)
		return nil
	}
	start := r.pos
	src := r.bytes(int64(size))
	w := 4
	if wide {
		w = 8
	}
	worst := w + (n*2+7)/8 + n*w
	least := w + (n*2+7)/8
	most := maxDecompressed(len(src))
	if int64(least) > most {
		r.pos = start
		r.fail("%d integers cannot come from %d compressed bytes (they need at least %d bytes decompressed)", n, len(src), least)
		return nil
	}
	out := worst
	if int64(out) > most {
		out = int(most)
	}
	enc := r.decompress(src, out)
	if r.err != nil {
		return nil
	}
	return r.decodeInts(enc, n, wide)
}

// maxDecompressed is the most bytes LZ4 (in TfFastCompression's chunks)
// can produce from n compressed bytes: a block expands at most ~255 times.
func maxDecompressed(n int) int64 { return int64(n)*255 + 1024 }

func (r *reader) decodeInts(enc []byte, n int, wide bool) []int64 {
	w := 4
	if wide {
		w = 8
	}
	if n == 0 {
		// OpenUSD codes no integers as no bytes at all (a layer with no
		// fields writes an empty FIELDS list), not as a common value.
		return []int64{}
	}
	codesLen := (n*2 + 7) / 8
	if len(enc) < w+codesLen {
		r.fail("integer coding: %d bytes cannot hold %d codes", len(enc), n)
		return nil
	}
	var common int64
	if wide {
		common = int64(binary.LittleEndian.Uint64(enc))
	} else {
		common = int64(int32(binary.LittleEndian.Uint32(enc)))
	}
	codes := enc[w : w+codesLen]
	vals := enc[w+codesLen:]
	out := make([]int64, n)
	var prev int64
	vi := 0
	for i := 0; i < n; i++ {
		code := (codes[i/4] >> (2 * (i % 4))) & 3
		var d int64
		switch code {
		case 0:
			d = common
		case 1: // small: int8 (int16 for 64-bit)
			if wide {
				if vi+2 > len(vals) {
					r.fail("integer coding: truncated")
					return nil
				}
				d = int64(int16(binary.LittleEndian.Uint16(vals[vi:])))
				vi += 2
			} else {
				if vi+1 > len(vals) {
					r.fail("integer coding: truncated")
					return nil
				}
				d = int64(int8(vals[vi]))
				vi++
			}
		case 2: // medium: int16 (int32)
			if wide {
				if vi+4 > len(vals) {
					r.fail("integer coding: truncated")
					return nil
				}
				d = int64(int32(binary.LittleEndian.Uint32(vals[vi:])))
				vi += 4
			} else {
				if vi+2 > len(vals) {
					r.fail("integer coding: truncated")
					return nil
				}
				d = int64(int16(binary.LittleEndian.Uint16(vals[vi:])))
				vi += 2
			}
		case 3: // large: int32 (int64)
			if wide {
				if vi+8 > len(vals) {
					r.fail("integer coding: truncated")
					return nil
				}
				d = int64(binary.LittleEndian.Uint64(vals[vi:]))
				vi += 8
			} else {
				if vi+4 > len(vals) {
					r.fail("integer coding: truncated")
					return nil
				}
				d = int64(int32(binary.LittleEndian.Uint32(vals[vi:])))
				vi += 4
			}
		}
		prev += d
		if !wide {
			prev = int64(int32(prev))
		}
		out[i] = prev
	}
	return out
}

// countCompressed bounds n for compressed integer data: LZ4 cannot expand
// more than ~255 times, and each integer needs at least 2 bits.
func (r *reader) countCompressed() int {
	n := r.u64()
	if r.err != nil {
		return 0
	}
	if n > uint64(len(r.f.data))*1024+64 || n > 1<<31 {
		r.fail("count %d too large for a %d-byte file", n, len(r.f.data))
		return 0
	}
	return int(n)
}

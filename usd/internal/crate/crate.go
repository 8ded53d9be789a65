// Package crate reads USD crate files (.usdc), versions 0.0.1 to 0.12.
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
// Arrays and time samples are decoded lazily, when a field is first read.
// Every count and offset is checked against the file size before
// allocating; errors name the file, the section or value, and the offset.
//
// It does not write crate files.
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
	if f.ver.major != 0 || f.ver.minor > 12 {
		return &Error{File: f.name, Offset: 8, Msg: fmt.Sprintf("unsupported crate version %s (this reader knows 0.0.1 to 0.12.x)", f.ver)}
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
	if outSize < 0 || int64(outSize) > int64(len(src))*256+1024 {
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
func (r *reader) compressedInts(n int, wide bool) []int64 {
	size := r.u64()
	if r.err != nil {
		return nil
	}
	if size > uint64(int64(len(r.f.data))-r.pos) {
		r.fail("compressed integers of %d bytes run past the end of the file", size)
		return nil
	}
	src := r.bytes(int64(size))
	w := 4
	if wide {
		w = 8
	}
	encSize := w + (n*2+7)/8 + n*w
	// LZ4 expands at most ~255 times: refuse counts the data cannot hold
	// before allocating for them.
	if int64(encSize) > int64(len(src))*255+64 {
		r.fail("%d integers cannot come from %d compressed bytes", n, len(src))
		return nil
	}
	enc := r.decompress(src, encSize)
	if r.err != nil {
		return nil
	}
	return r.decodeInts(enc, n, wide)
}

func (r *reader) decodeInts(enc []byte, n int, wide bool) []int64 {
	w := 4
	if wide {
		w = 8
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

func (f *file) readTokens() error {
	s := f.section("TOKENS")
	if s == nil {
		return nil
	}
	r := f.at(s.start, "TOKENS")
	n := r.countCompressed()
	var chars []byte
	if f.ver.less(0, 4, 0) {
		sz := r.count(1)
		chars = r.bytes(int64(sz))
	} else {
		usize := r.u64()
		csize := r.u64()
		if r.err == nil && (csize > uint64(s.end-r.pos) || usize > csize*256+1024) {
			r.fail("token data sizes %d/%d do not fit the section", usize, csize)
		}
		src := r.bytes(int64(csize))
		chars = r.decompress(src, int(usize))
	}
	if r.err != nil {
		return r.err
	}
	if n > len(chars)+1 {
		r.fail("%d tokens cannot fit in %d bytes", n, len(chars))
		return r.err
	}
	f.tokens = make([]string, 0, n)
	for len(f.tokens) < n && len(chars) > 0 {
		i := 0
		for i < len(chars) && chars[i] != 0 {
			i++
		}
		f.tokens = append(f.tokens, string(chars[:i]))
		if i < len(chars) {
			i++
		}
		chars = chars[i:]
	}
	if len(f.tokens) != n {
		r.fail("file claims %d tokens, found %d", n, len(f.tokens))
		return r.err
	}
	return nil
}

func (f *file) readStrings() error {
	s := f.section("STRINGS")
	if s == nil {
		return nil
	}
	r := f.at(s.start, "STRINGS")
	n := r.count(4)
	f.strings = make([]uint32, n)
	for i := range f.strings {
		f.strings[i] = r.u32()
		if r.err == nil && int(f.strings[i]) >= len(f.tokens) {
			r.fail("string %d names token %d of %d", i, f.strings[i], len(f.tokens))
		}
	}
	if r.err != nil {
		return r.err
	}
	return nil
}

func (f *file) readFields() error {
	s := f.section("FIELDS")
	if s == nil {
		return nil
	}
	r := f.at(s.start, "FIELDS")
	if f.ver.less(0, 4, 0) {
		n := r.count(16)
		f.fields = make([]field, n)
		for i := range f.fields {
			r.u32()
			f.fields[i] = field{token: r.u32(), rep: r.u64()}
		}
	} else {
		n := r.countCompressed()
		toks := r.compressedInts(n, false)
		csize := r.u64()
		if r.err == nil && csize > uint64(s.end-r.pos) {
			r.fail("value reps of %d bytes run past the section", csize)
		}
		src := r.bytes(int64(csize))
		reps := r.decompress(src, n*8)
		if r.err == nil && len(reps) < n*8 {
			r.fail("value reps: got %d bytes for %d fields", len(reps), n)
		}
		if r.err != nil {
			return r.err
		}
		f.fields = make([]field, n)
		for i := range f.fields {
			f.fields[i] = field{token: uint32(toks[i]), rep: binary.LittleEndian.Uint64(reps[i*8:])}
		}
	}
	if r.err != nil {
		return r.err
	}
	for i, fl := range f.fields {
		if int(fl.token) >= len(f.tokens) {
			return &Error{File: f.name, Section: "FIELDS", Offset: s.start, Msg: fmt.Sprintf("field %d names token %d of %d", i, fl.token, len(f.tokens))}
		}
	}
	return nil
}

func (f *file) readFieldSets() error {
	s := f.section("FIELDSETS")
	if s == nil {
		return nil
	}
	r := f.at(s.start, "FIELDSETS")
	if f.ver.less(0, 4, 0) {
		n := r.count(4)
		f.fsets = make([]uint32, n)
		for i := range f.fsets {
			f.fsets[i] = r.u32()
		}
	} else {
		n := r.countCompressed()
		v := r.compressedInts(n, false)
		f.fsets = make([]uint32, len(v))
		for i, x := range v {
			f.fsets[i] = uint32(x)
		}
	}
	return errOrNil(r)
}

func errOrNil(r *reader) error {
	if r.err != nil {
		return r.err
	}
	return nil
}

func (f *file) readSpecs() error {
	s := f.section("SPECS")
	if s == nil {
		return nil
	}
	r := f.at(s.start, "SPECS")
	switch {
	case f.ver == version{0, 0, 1}:
		n := r.count(16)
		f.specs = make([]spec, n)
		for i := range f.specs {
			r.u32()
			f.specs[i] = spec{path: r.u32(), fieldSet: r.u32(), typ: r.u32()}
		}
	case f.ver.less(0, 4, 0):
		n := r.count(12)
		f.specs = make([]spec, n)
		for i := range f.specs {
			f.specs[i] = spec{path: r.u32(), fieldSet: r.u32(), typ: r.u32()}
		}
	default:
		n := r.countCompressed()
		p := r.compressedInts(n, false)
		fs := r.compressedInts(n, false)
		t := r.compressedInts(n, false)
		if r.err != nil {
			return r.err
		}
		f.specs = make([]spec, n)
		for i := range f.specs {
			f.specs[i] = spec{path: uint32(p[i]), fieldSet: uint32(fs[i]), typ: uint32(t[i])}
		}
	}
	return errOrNil(r)
}

func (f *file) readPaths() error {
	s := f.section("PATHS")
	if s == nil {
		return nil
	}
	r := f.at(s.start, "PATHS")
	n := r.countCompressed()
	if r.err != nil {
		return r.err
	}
	f.paths = make([]string, n)
	if f.ver.less(0, 4, 0) {
		hsize := int64(12)
		if f.ver == (version{0, 0, 1}) {
			hsize = 16
		}
		f.readPathTree(r, hsize, "", 0)
		return errOrNil(r)
	}
	m := r.countCompressed()
	idx := r.compressedInts(m, false)
	elems := r.compressedInts(m, false)
	jumps := r.compressedInts(m, false)
	if r.err != nil {
		return r.err
	}
	// Iterative walk: a stack of (index, parent) to avoid deep recursion.
	type item struct {
		i      int
		parent string
	}
	stack := []item{{0, ""}}
	visited := 0
	for len(stack) > 0 && m > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		i, parent := it.i, it.parent
		for {
			if i < 0 || i >= m {
				r.fail("path tree index %d out of range", i)
				return r.err
			}
			visited++
			if visited > m {
				r.fail("path tree has a loop")
				return r.err
			}
			pi := idx[i]
			if pi < 0 || int(pi) >= n {
				r.fail("path index %d of %d", pi, n)
				return r.err
			}
			var p string
			if parent == "" {
				p = "/"
			} else {
				ti := elems[i]
				prop := ti < 0
				if prop {
					ti = -ti
				}
				if int(ti) >= len(f.tokens) {
					r.fail("path element token %d of %d", ti, len(f.tokens))
					return r.err
				}
				p = appendElem(parent, f.tokens[ti], prop)
			}
			f.paths[pi] = p
			j := jumps[i]
			hasChild := j > 0 || j == -1
			hasSibling := j >= 0
			if hasChild {
				if hasSibling {
					stack = append(stack, item{i + int(j), parent})
				}
				parent = p
				i++
				continue
			}
			if hasSibling {
				i++
				continue
			}
			break
		}
	}
	return nil
}

func (f *file) readPathTree(r *reader, hsize int64, parent string, depth int) {
	if depth > 10000 {
		r.fail("path tree too deep")
		return
	}
	for r.err == nil {
		if hsize == 16 {
			r.u32()
		}
		pi := r.u32()
		ti := r.u32()
		bits := r.u8()
		r.bytes(3) // padding
		if r.err != nil {
			return
		}
		if int(pi) >= len(f.paths) {
			r.fail("path index %d of %d", pi, len(f.paths))
			return
		}
		var p string
		if parent == "" {
			p = "/"
		} else {
			if int(ti) >= len(f.tokens) {
				r.fail("path element token %d of %d", ti, len(f.tokens))
				return
			}
			p = appendElem(parent, f.tokens[ti], bits&4 != 0)
		}
		f.paths[pi] = p
		hasChild, hasSibling := bits&1 != 0, bits&2 != 0
		if hasChild {
			if hasSibling {
				off := r.i64()
				sib := f.at(off, r.section)
				f.readPathTree(sib, hsize, parent, depth+1)
				if sib.err != nil {
					r.err = sib.err
					return
				}
			}
			parent = p
			continue
		}
		if !hasSibling {
			return
		}
	}
}

// appendElem appends a path element token: a prim name, a variant
// selection "{set=sel}", a property name, or a target "[path]".
func appendElem(parent, tok string, prop bool) string {
	if prop {
		return parent + "." + tok
	}
	if strings.HasPrefix(tok, "{") || strings.HasPrefix(tok, "[") {
		return parent + tok
	}
	return sdf.AppendChild(parent, tok)
}

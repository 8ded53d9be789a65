package crate

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/rgallery/rgallery/usd/sdf"
)

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
	if f.ver.less(0, 4, 0) {
		hsize := int64(12)
		if f.ver == (version{0, 0, 1}) {
			hsize = 16
		}
		// Every path has a header in the section.
		if int64(n) > (s.end-s.start)/hsize+1 {
			r.fail("%d paths cannot fit in a %d-byte section", n, s.end-s.start)
			return r.err
		}
		f.paths = make([]string, n)
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
	// Every path is one entry of the encoded tree.
	if n > m+1 {
		r.fail("%d paths but only %d encoded entries", n, m)
		return r.err
	}
	f.paths = make([]string, n)
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
				if err := validElem(f.tokens[ti], prop); err != nil {
					r.fail("path under <%s>: %v", parent, err)
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
		// Every path has one header: more headers mean a loop.
		if f.headers++; f.headers > len(f.paths)+1 {
			r.fail("path tree has more entries than paths (a loop)")
			return
		}
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
			if err := validElem(f.tokens[ti], bits&4 != 0); err != nil {
				r.fail("path under <%s>: %v", parent, err)
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

// validElem refuses a path element token that is not one (SdfPath's
// AppendElementToken makes no path of it): an empty one, a name holding
// path punctuation (/ . [ ] { }), a variant selection that is not one
// "{set=sel}", a target that is not bracketed. Such a token would make a
// path that means another one (a prim "/x" under "/" reads as "//x").
func validElem(tok string, prop bool) error {
	switch {
	case tok == "":
		return fmt.Errorf("empty path element")
	case !prop && tok[0] == '[':
		if tok[len(tok)-1] != ']' {
			return fmt.Errorf("target path element %q is not bracketed", tok)
		}
		return nil
	case !prop && tok[0] == '{':
		if len(tok) < 3 || tok[len(tok)-1] != '}' || strings.ContainsAny(tok[1:len(tok)-1], "/[]{}") || !strings.Contains(tok, "=") {
			return fmt.Errorf("variant selection path element %q is not {set=selection}", tok)
		}
		return nil
	case strings.ContainsAny(tok, "/.[]{}"):
		return fmt.Errorf("path element %q holds path punctuation", tok)
	case prop && !sdf.IsValidNamespacedIdentifier(tok):
		// SdfPath::AppendProperty gives the empty path for an invalid
		// property name, and CrateFile::_ReadSpecs drops its spec
		// ("Corrupt asset ... spec at index N has empty path"), which
		// usd-core 26.11 reports as an error opening the stage.
		return fmt.Errorf("invalid property name %q (the layer is corrupt: OpenUSD drops its spec with an error)", tok)
	case !prop && !sdf.IsValidIdentifier(tok):
		// Likewise SdfPath::AppendChild for a prim name.
		return fmt.Errorf("invalid prim name %q (the layer is corrupt: OpenUSD drops its spec with an error)", tok)
	}
	return nil
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

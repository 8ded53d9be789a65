package crate

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/rgallery/rgallery/usd/sdf"
)

// The crate writer follows OpenUSD's CrateFile packing (crateFile.cpp:
// StartPacking, _AddSpec, _PackValue, _Write):
//   - an 88-byte bootstrap ("PXR-USDC", version, TOC offset), then the
//     values' out-of-line data, then the structural sections TOKENS,
//     STRINGS, FIELDS, FIELDSETS, PATHS, SPECS (compressed as from 0.4.0),
//     then the table of contents;
//   - token 0 is ";-)", so that no path element token has index 0
//     (OpenUSD issue 811: prim property elements are negated indexes);
//   - the file is written at crate version 0.8.0 (list-edited payloads
//     and payload layer offsets) and raised, as OpenUSD's
//     RequestWriteVersionUpgrade does, to 0.9.0 for timecode values,
//     0.10.0 for path expressions and 0.11.0 for layer relocates. The
//     layout of everything else is the same from 0.8.0 on.
//
// Values are packed as _ValueHandler::Pack does: values of at most 4 bytes
// and strings, tokens, asset paths and paths inlined in the rep; doubles
// exactly representable as floats, 64-bit integers in 32-bit range,
// vectors of int8-exact components, diagonal matrices of int8-exact
// entries and empty dictionaries inlined too (crateValueInliners.h); arrays
// of (u)int/(u)int64 of 16 elements or more as compressed integers;
// half/float/double arrays of 16 or more as compressed integers when all
// are int32-exact, else as a lookup table and compressed indexes when few
// values repeat, else plain.

// WriteVersion is the lowest crate version the writer writes.
const WriteVersion = "0.8.0"

// minCompressedArraySize: OpenUSD does not compress smaller arrays.
const minCompressedArraySize = 16

type fieldKey struct {
	token uint32
	rep   uint64
}

type cwriter struct {
	buf   []byte
	minor uint8 // crate version 0.<minor>.0 needed so far

	tokens  []string
	tokIdx  map[string]uint32
	strs    []uint32
	strIdx  map[string]uint32
	paths   []string
	pathIdx map[string]uint32

	fields   []field
	fieldIdx map[fieldKey]uint32
	fsets    []uint32
	fsetIdx  map[string]uint32
	specs    []spec
}

// Write encodes a layer as a crate file. The version is 0.8.0, or the
// lowest later version that holds the values written (see WriteVersion);
// an error names the spec and field of a value the crate format (or this
// writer) cannot hold.
func Write(l *sdf.Layer) ([]byte, error) {
	w := &cwriter{
		buf:      make([]byte, 88, 4096),
		minor:    8,
		tokIdx:   map[string]uint32{},
		strIdx:   map[string]uint32{},
		pathIdx:  map[string]uint32{},
		fieldIdx: map[fieldKey]uint32{},
		fsetIdx:  map[string]uint32{},
	}
	w.token(";-)")
	paths := l.SortedPaths() // "/" first
	for _, p := range paths {
		if err := w.addSpec(p, l.Specs[p]); err != nil {
			return nil, err
		}
	}
	type sec struct {
		name       string
		start, end int64
	}
	var toc []sec
	for _, s := range []struct {
		name string
		fn   func() error
	}{
		{"TOKENS", w.writeTokens},
		{"STRINGS", w.writeStrings},
		{"FIELDS", w.writeFields},
		{"FIELDSETS", w.writeFieldSets},
		{"PATHS", w.writePaths},
		{"SPECS", w.writeSpecs},
	} {
		start := int64(len(w.buf))
		if err := s.fn(); err != nil {
			return nil, fmt.Errorf("crate %s section: %w", s.name, err)
		}
		toc = append(toc, sec{s.name, start, int64(len(w.buf))})
	}
	tocOff := len(w.buf)
	w.u64(uint64(len(toc)))
	for _, s := range toc {
		var name [16]byte
		copy(name[:], s.name)
		w.buf = append(w.buf, name[:]...)
		w.u64(uint64(s.start))
		w.u64(uint64(s.end - s.start))
	}
	copy(w.buf, "PXR-USDC")
	w.buf[8], w.buf[9], w.buf[10] = 0, w.minor, 0
	binary.LittleEndian.PutUint64(w.buf[16:], uint64(tocOff))
	return w.buf, nil
}

// Low-level output.

func (w *cwriter) u8(v uint8)   { w.buf = append(w.buf, v) }
func (w *cwriter) u32(v uint32) { w.buf = binary.LittleEndian.AppendUint32(w.buf, v) }
func (w *cwriter) u64(v uint64) { w.buf = binary.LittleEndian.AppendUint64(w.buf, v) }
func (w *cwriter) f64(v float64) {
	w.u64(math.Float64bits(v))
}
func (w *cwriter) tell() uint64 { return uint64(len(w.buf)) }

// align pads with zeros to a multiple of n, as _BufferedOutput::Align.
func (w *cwriter) align(n int) uint64 {
	for len(w.buf)%n != 0 {
		w.buf = append(w.buf, 0)
	}
	return w.tell()
}

// recursive reserves a forward offset, runs fn (which may write nested
// data) and patches the offset to where writing continues
// (_Writer::_RecursiveWrite).
func (w *cwriter) recursive(fn func() error) error {
	at := len(w.buf)
	w.u64(0)
	if err := fn(); err != nil {
		return err
	}
	binary.LittleEndian.PutUint64(w.buf[at:], uint64(len(w.buf)-at))
	return nil
}

func (w *cwriter) need(minor uint8) {
	if w.minor < minor {
		w.minor = minor
	}
}

// Tables.

func (w *cwriter) token(s string) uint32 {
	if i, ok := w.tokIdx[s]; ok {
		return i
	}
	i := uint32(len(w.tokens))
	w.tokens = append(w.tokens, s)
	w.tokIdx[s] = i
	return i
}

func (w *cwriter) str(s string) uint32 {
	if i, ok := w.strIdx[s]; ok {
		return i
	}
	i := uint32(len(w.strs))
	w.strs = append(w.strs, w.token(s))
	w.strIdx[s] = i
	return i
}

// path adds a path, its ancestors and (for a target path) its target, as
// CrateFile::_AddPath does, and returns its index. The empty path is a
// path of its own (an unset reference prim path) with no tree entry.
func (w *cwriter) path(p string) (uint32, error) {
	if i, ok := w.pathIdx[p]; ok {
		return i, nil
	}
	if p != "" && p != "/" {
		parent, elem, _, err := splitPath(p)
		if err != nil {
			return 0, err
		}
		if strings.HasPrefix(elem, "[") {
			if _, err := w.path(elem[1 : len(elem)-1]); err != nil {
				return 0, err
			}
		}
		if _, err := w.path(parent); err != nil {
			return 0, err
		}
		w.token(elem)
	} else {
		w.token("")
	}
	if i, ok := w.pathIdx[p]; ok { // added while adding its target
		return i, nil
	}
	i := uint32(len(w.paths))
	w.paths = append(w.paths, p)
	w.pathIdx[p] = i
	return i, nil
}

// splitPath splits a non-root path into its parent and last element: a
// prim name, a variant selection "{set=sel}", a property name (prop true)
// or a target "[path]".
func splitPath(p string) (parent, elem string, prop bool, err error) {
	bad := func() (string, string, bool, error) {
		return "", "", false, fmt.Errorf("malformed path <%s>", p)
	}
	if len(p) < 2 || p[0] != '/' {
		return bad()
	}
	switch p[len(p)-1] {
	case ']':
		depth := 0
		for i := len(p) - 1; i >= 0; i-- {
			switch p[i] {
			case ']':
				depth++
			case '[':
				depth--
				if depth == 0 {
					if i == 0 {
						return bad()
					}
					return p[:i], p[i:], false, nil
				}
			}
		}
		return bad()
	case '}':
		i := strings.LastIndexByte(p, '{')
		if i <= 0 {
			return bad()
		}
		return p[:i], p[i:], false, nil
	}
	if i := strings.LastIndexByte(p, '.'); i > strings.LastIndexAny(p, "/}]") {
		if i == 0 || i == len(p)-1 {
			return bad()
		}
		return p[:i], p[i+1:], true, nil
	}
	i := strings.LastIndexAny(p, "/}")
	if i == len(p)-1 {
		return bad()
	}
	if p[i] == '}' {
		return p[:i+1], p[i+1:], false, nil
	}
	if i == 0 {
		return "/", p[1:], false, nil
	}
	return p[:i], p[i+1:], false, nil
}

func (w *cwriter) addSpec(path string, s *sdf.Spec) error {
	pi, err := w.path(path)
	if err != nil {
		return fmt.Errorf("crate spec: %w", err)
	}
	fieldIdx := make([]uint32, 0, len(s.Fields))
	for _, f := range s.Fields {
		v, _, err := s.GetErr(f.Name)
		if err != nil {
			return fmt.Errorf("crate spec <%s>, field %s: %w", path, f.Name, err)
		}
		rep, err := w.pack(f.Name, v, 0)
		if err != nil {
			return fmt.Errorf("crate spec <%s>, field %s: %w", path, f.Name, err)
		}
		k := fieldKey{w.token(f.Name), rep}
		fi, ok := w.fieldIdx[k]
		if !ok {
			fi = uint32(len(w.fields))
			w.fields = append(w.fields, field{token: k.token, rep: rep})
			w.fieldIdx[k] = fi
		}
		fieldIdx = append(fieldIdx, fi)
	}
	key := fmt.Sprint(fieldIdx)
	fs, ok := w.fsetIdx[key]
	if !ok {
		fs = uint32(len(w.fsets))
		w.fsets = append(w.fsets, fieldIdx...)
		w.fsets = append(w.fsets, math.MaxUint32)
		w.fsetIdx[key] = fs
	}
	typ := s.Type
	if path == "/" {
		typ = sdf.SpecPseudoRoot
	}
	w.specs = append(w.specs, spec{path: pi, fieldSet: fs, typ: uint32(typ)})
	return nil
}

// Structural sections.

func (w *cwriter) writeTokens() error {
	var data []byte
	for _, t := range w.tokens {
		if strings.IndexByte(t, 0) >= 0 {
			return fmt.Errorf("token %q holds a NUL byte, which the crate format cannot store", t)
		}
		data = append(data, t...)
		data = append(data, 0)
	}
	comp, err := fastCompress(data)
	if err != nil {
		return err
	}
	w.u64(uint64(len(w.tokens)))
	w.u64(uint64(len(data)))
	w.u64(uint64(len(comp)))
	w.buf = append(w.buf, comp...)
	return nil
}

func (w *cwriter) writeStrings() error {
	w.u64(uint64(len(w.strs)))
	for _, s := range w.strs {
		w.u32(s)
	}
	return nil
}

func (w *cwriter) ints(vals []int64) error {
	comp, err := compressInts(vals, false)
	if err != nil {
		return err
	}
	w.u64(uint64(len(comp)))
	w.buf = append(w.buf, comp...)
	return nil
}

func (w *cwriter) writeFields() error {
	w.u64(uint64(len(w.fields)))
	toks := make([]int64, len(w.fields))
	reps := make([]byte, 0, 8*len(w.fields))
	for i, f := range w.fields {
		toks[i] = int64(f.token)
		reps = binary.LittleEndian.AppendUint64(reps, f.rep)
	}
	if err := w.ints(toks); err != nil {
		return err
	}
	comp, err := fastCompress(reps)
	if err != nil {
		return err
	}
	w.u64(uint64(len(comp)))
	w.buf = append(w.buf, comp...)
	return nil
}

func (w *cwriter) writeFieldSets() error {
	w.u64(uint64(len(w.fsets)))
	v := make([]int64, len(w.fsets))
	for i, x := range w.fsets {
		v[i] = int64(int32(x))
	}
	return w.ints(v)
}

func (w *cwriter) writeSpecs() error {
	w.u64(uint64(len(w.specs)))
	p := make([]int64, len(w.specs))
	fs := make([]int64, len(w.specs))
	t := make([]int64, len(w.specs))
	for i, s := range w.specs {
		p[i], fs[i], t[i] = int64(s.path), int64(s.fieldSet), int64(s.typ)
	}
	for _, v := range [][]int64{p, fs, t} {
		if err := w.ints(v); err != nil {
			return err
		}
	}
	return nil
}

// writePaths writes the compressed path tree
// (_WriteCompressedPathData): per tree entry in depth-first order the
// path's index, its element token (negated for a prim property name) and
// a jump: -2 leaf, -1 only a child (the next entry), 0 only a sibling
// (the next entry), n>0 a child next and the sibling n entries on.
func (w *cwriter) writePaths() error {
	kids := map[string][]string{}
	for _, p := range w.paths {
		if p == "" || p == "/" {
			continue
		}
		parent, _, _, err := splitPath(p)
		if err != nil {
			return err
		}
		kids[parent] = append(kids[parent], p)
	}
	for _, k := range kids {
		sort.Strings(k)
	}
	var idx, elems, jumps []int64
	// Iterative depth-first walk: the stack holds sibling lists still to go.
	var walk func(list []string) error
	depth := 0
	walk = func(list []string) error {
		if depth++; depth > 100000 {
			return fmt.Errorf("path tree too deep")
		}
		defer func() { depth-- }()
		for i, p := range list {
			me := len(idx)
			idx = append(idx, int64(w.pathIdx[p]))
			var el int64
			if p != "/" {
				_, elem, prop, _ := splitPath(p)
				t := int64(w.tokIdx[elem])
				if prop {
					t = -t
				}
				el = t
			}
			elems = append(elems, el)
			jumps = append(jumps, 0)
			ch := kids[p]
			hasSib := i+1 < len(list)
			if len(ch) > 0 {
				if err := walk(ch); err != nil {
					return err
				}
			}
			switch {
			case len(ch) > 0 && hasSib:
				jumps[me] = int64(len(idx) - me)
			case hasSib:
				jumps[me] = 0
			case len(ch) > 0:
				jumps[me] = -1
			default:
				jumps[me] = -2
			}
		}
		return nil
	}
	if _, ok := w.pathIdx["/"]; ok {
		if err := walk([]string{"/"}); err != nil {
			return err
		}
	}
	w.u64(uint64(len(w.paths)))
	w.u64(uint64(len(idx)))
	for _, v := range [][]int64{idx, elems, jumps} {
		if err := w.ints(v); err != nil {
			return err
		}
	}
	return nil
}

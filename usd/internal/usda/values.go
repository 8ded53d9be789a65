package usda

import (
	"bytes"
	"math"
	"strconv"
	"strings"

	"github.com/rgallery/rgallery/usd/sdf"
)

// maxDepth bounds nesting for untyped values, so hostile input cannot blow
// the stack.
const maxDepth = 64

// boolean parses a bool as Sdf's text format does: any number (true when
// not zero), or an identifier or quoted string that is, in any case,
// true/yes/1 or false/no/0 (usd-core 26.11 reads True, TRUE, yes, 2, 0.5,
// "false" and "0"; refuses on, off, t and "bogus").
func (s *scanner) boolean() (bool, error) {
	s.skipSpace()
	start := s.pos
	if s.pos < len(s.src) {
		switch c := s.src[s.pos]; {
		case c == '-' || c == '+' || c == '.' || c >= '0' && c <= '9':
			f, err := s.float(64)
			return f != 0, err
		case c == '"' || c == '\'':
			str, err := s.str()
			if err != nil {
				return false, err
			}
			if v, ok := boolWord(str); ok {
				return v, nil
			}
			return false, s.errAt(start, "expected a bool, found %q", str)
		}
	}
	if v, ok := boolWord(s.ident(false)); ok {
		return v, nil
	}
	return false, s.errAt(start, "expected a bool (true, false, yes, no, or a number)")
}

func boolWord(w string) (value, ok bool) {
	switch strings.ToLower(w) {
	case "true", "yes", "1":
		return true, true
	case "false", "no", "0":
		return false, true
	}
	return false, false
}

func (s *scanner) floats(dst []float64, bits int) error {
	if err := s.expect('('); err != nil {
		return err
	}
	for i := range dst {
		if i > 0 {
			if err := s.expect(','); err != nil {
				return err
			}
		}
		f, err := s.float(bits)
		if err != nil {
			return err
		}
		dst[i] = f
	}
	s.accept(',')
	return s.expect(')')
}

func (s *scanner) ints(dst []int64) error {
	if err := s.expect('('); err != nil {
		return err
	}
	for i := range dst {
		if i > 0 {
			if err := s.expect(','); err != nil {
				return err
			}
		}
		v, err := s.intIn(math.MinInt32, math.MaxInt32)
		if err != nil {
			return err
		}
		dst[i] = v
	}
	s.accept(',')
	return s.expect(')')
}

// shapedArray parses a nested list of lists, [[1, 2], [3, 4]]: Sdf's
// shaped value, read as the flat array of its elements when every list
// of one level has the same length (parserValueContext: "Non-square
// shaped value" otherwise; usd-core 26.11 reads float[] [[1, 2], [3, 4]]
// as [1, 2, 3, 4]).
func (s *scanner) shapedArray(vt valueType, depth int) (any, error) {
	var shape []int
	var elems []any
	leaf := -1 // the nesting level that holds the elements
	var level func(l int) error
	level = func(l int) error {
		if l > maxDepth {
			return s.errf("shaped value nested too deeply")
		}
		if err := s.expect('['); err != nil {
			return err
		}
		if s.peek() == ']' {
			return s.errf("empty list in a shaped value") // ListOf is never empty
		}
		n := 0
		for !s.accept(']') {
			if s.peek() == '[' {
				if leaf >= 0 && l+1 > leaf {
					return s.errf("shaped value mixes lists and elements")
				}
				if err := level(l + 1); err != nil {
					return err
				}
			} else {
				if leaf >= 0 && leaf != l {
					return s.errf("shaped value mixes lists and elements")
				}
				leaf = l
				v, err := s.scalar(vt, depth)
				if err != nil {
					return err
				}
				elems = append(elems, v)
			}
			n++
			if !s.accept(',') {
				if err := s.expect(']'); err != nil {
					return err
				}
				break
			}
		}
		for len(shape) <= l {
			shape = append(shape, -1)
		}
		if shape[l] >= 0 && shape[l] != n {
			return s.errf("non-square shaped value")
		}
		shape[l] = n
		return nil
	}
	if err := level(0); err != nil {
		return nil, err
	}
	return typedSlice(vt, elems), nil
}

// intRange is the range of an integer value kind.
func intRange(k kind) (int64, uint64) {
	switch k {
	case kUChar:
		return 0, math.MaxUint8
	case kInt:
		return math.MinInt32, math.MaxInt32
	case kUInt:
		return 0, math.MaxUint32
	case kInt64:
		return math.MinInt64, math.MaxInt64
	}
	return 0, math.MaxUint64
}

// intIn parses an integer value in [lo, hi] as OpenUSD's parser converts
// a number to an integral type (parserHelpers.h _GetImpl, GfNumericCast):
// an integer literal must be in range; a finite decimal is truncated
// toward zero, then must be in range (usd-core 26.11: int 1.5 is 1, uchar
// 255.5 is 255; uchar 300, uint -1, int 3e9 and int64 1e19 are refused).
// A uint64 comes back as its bit pattern.
func (s *scanner) intIn(lo int64, hi uint64) (int64, error) {
	s.skipSpace()
	start := s.pos
	b := s.numberBytes()
	if b == nil {
		return 0, s.errf("expected an integer, found %s", s.describe())
	}
	bad := func() (int64, error) {
		return 0, s.errAt(start, "%s is not an integer in [%d, %d]", b, lo, hi)
	}
	if !bytes.ContainsAny(b, ".eEin") && string(b) != "-0" {
		neg := b[0] == '-'
		digits := b
		if b[0] == '-' || b[0] == '+' {
			digits = b[1:]
		}
		var mag uint64
		for _, c := range digits {
			if mag > (math.MaxUint64-uint64(c-'0'))/10 {
				return bad()
			}
			mag = mag*10 + uint64(c-'0')
		}
		if neg {
			var maxNeg uint64 // |lo|
			if lo < 0 {
				maxNeg = uint64(-(lo + 1)) + 1
			}
			if mag > maxNeg {
				return bad()
			}
			return -int64(mag), nil
		}
		if mag > hi {
			return bad()
		}
		return int64(mag), nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil && !math.IsInf(f, 0) {
		return bad()
	}
	t := math.Trunc(f)
	limit := float64(hi) + 1 // exact below 2^53; MaxInt64 and MaxUint64 round up to 2^63, 2^64
	if hi >= 1<<53 {
		limit = float64(hi)
	}
	if math.IsNaN(t) || t < float64(lo) || t >= limit {
		return bad()
	}
	if t < 0 {
		return int64(t), nil
	}
	return int64(uint64(t)), nil
}

func (s *scanner) matrix(n int) ([4][4]float64, error) {
	var m [4][4]float64
	if err := s.expect('('); err != nil {
		return m, err
	}
	var row [4]float64
	for r := 0; r < n; r++ {
		if r > 0 {
			if err := s.expect(','); err != nil {
				return m, err
			}
		}
		if err := s.floats(row[:n], 64); err != nil {
			return m, err
		}
		copy(m[r][:n], row[:n])
	}
	s.accept(',')
	return m, s.expect(')')
}

// scalar parses one element of type vt.
func (s *scanner) scalar(vt valueType, depth int) (any, error) {
	var buf [4]float64
	switch vt.k {
	case kBool:
		return s.boolean()
	case kUChar, kInt, kUInt, kInt64, kUInt64:
		if vt.n > 1 {
			var iv [4]int64
			if err := s.ints(iv[:vt.n]); err != nil {
				return nil, err
			}
			switch vt.n {
			case 2:
				return sdf.Vec2i{int32(iv[0]), int32(iv[1])}, nil
			case 3:
				return sdf.Vec3i{int32(iv[0]), int32(iv[1]), int32(iv[2])}, nil
			default:
				return sdf.Vec4i{int32(iv[0]), int32(iv[1]), int32(iv[2]), int32(iv[3])}, nil
			}
		}
		lo, hi := intRange(vt.k)
		v, err := s.intIn(lo, hi)
		if err != nil {
			return nil, err
		}
		switch vt.k {
		case kUChar:
			return uint8(v), nil
		case kInt:
			return int32(v), nil
		case kUInt:
			return uint32(v), nil
		case kInt64:
			return v, nil
		}
		return uint64(v), nil
	case kHalf, kFloat, kDouble:
		// Halves are read as doubles and rounded once, as OpenUSD's
		// parser does (a float32 step first could round twice).
		bits := 64
		if vt.k == kFloat {
			bits = 32
		}
		if vt.n == 1 {
			var f float64
			var err error
			if c := s.peek(); c == '"' || c == '\'' {
				// The strings "inf", "-inf" and "nan" are numbers too
				// (parserHelpers.h _GetImpl for floating point types).
				start := s.pos
				str, serr := s.str()
				var ok bool
				if f, ok = infNaN(str); serr != nil || !ok {
					return nil, s.errAt(start, "expected a number, found %q", str)
				}
			} else if f, err = s.float(bits); err != nil {
				return nil, err
			}
			switch vt.k {
			case kHalf:
				return halfOf(f), nil
			case kFloat:
				return float32(f), nil
			}
			return f, nil
		}
		if err := s.floats(buf[:vt.n], bits); err != nil {
			return nil, err
		}
		return makeVec(vt, buf), nil
	case kTimeCode:
		f, err := s.float(64)
		return sdf.TimeCode(f), err
	case kString:
		return s.str()
	case kToken:
		if s.peek() == '<' { // old files write connections as token = </path>
			v, err := s.path()
			return sdf.Token(v), err
		}
		v, err := s.str()
		return sdf.Token(v), err
	case kAsset:
		if c := s.peek(); c == '"' || c == '\'' {
			v, err := s.str()
			return sdf.AssetPath{Authored: v}, err
		}
		v, err := s.asset()
		return sdf.AssetPath{Authored: v}, err
	case kPathExpr:
		s.skipSpace()
		start := s.pos
		v, err := s.str()
		if err != nil {
			return nil, err
		}
		// SdfPathExpression's constructor (pathExpression.cpp) parses the
		// text; an ill-formed one posts a runtime error and leaves the
		// empty expression, and the layer still opens (usd-core 26.11).
		if perr := sdf.CheckPathExpression(v); perr != nil {
			s.valueErrs = append(s.valueErrs, s.errAt(start, "%v; the value is read as the empty path expression", perr))
			v = ""
		}
		return sdf.PathExpression(v), nil
	case kMatrix2d:
		m, err := s.matrix(2)
		return sdf.Matrix2d{{m[0][0], m[0][1]}, {m[1][0], m[1][1]}}, err
	case kMatrix3d:
		m, err := s.matrix(3)
		return sdf.Matrix3d{{m[0][0], m[0][1], m[0][2]}, {m[1][0], m[1][1], m[1][2]}, {m[2][0], m[2][1], m[2][2]}}, err
	case kMatrix4d:
		m, err := s.matrix(4)
		return sdf.Matrix4d(m), err
	case kQuatf, kQuatd, kQuath:
		bits := 64
		if vt.k != kQuatd {
			bits = 32
		}
		if err := s.floats(buf[:4], bits); err != nil {
			return nil, err
		}
		switch vt.k {
		case kQuatf:
			return sdf.Quatf{Real: float32(buf[0]), Imag: sdf.Vec3f{float32(buf[1]), float32(buf[2]), float32(buf[3])}}, nil
		case kQuath:
			return sdf.Quath{Real: halfOf(buf[0]), Imag: sdf.Vec3h{halfOf(buf[1]), halfOf(buf[2]), halfOf(buf[3])}}, nil
		}
		return sdf.Quatd{Real: buf[0], Imag: sdf.Vec3d{buf[1], buf[2], buf[3]}}, nil
	case kDictionary:
		return s.dictionary(depth + 1)
	case kOpaque:
		return nil, s.errf("opaque values cannot be authored")
	}
	return nil, s.errf("unsupported value type")
}

func makeVec(vt valueType, b [4]float64) any {
	switch vt.k {
	case kHalf:
		switch vt.n {
		case 2:
			return sdf.Vec2h{halfOf(b[0]), halfOf(b[1])}
		case 3:
			return sdf.Vec3h{halfOf(b[0]), halfOf(b[1]), halfOf(b[2])}
		}
		return sdf.Vec4h{halfOf(b[0]), halfOf(b[1]), halfOf(b[2]), halfOf(b[3])}
	case kFloat:
		switch vt.n {
		case 2:
			return sdf.Vec2f{float32(b[0]), float32(b[1])}
		case 3:
			return sdf.Vec3f{float32(b[0]), float32(b[1]), float32(b[2])}
		}
		return sdf.Vec4f{float32(b[0]), float32(b[1]), float32(b[2]), float32(b[3])}
	}
	switch vt.n {
	case 2:
		return sdf.Vec2d{b[0], b[1]}
	case 3:
		return sdf.Vec3d{b[0], b[1], b[2]}
	}
	return sdf.Vec4d{b[0], b[1], b[2], b[3]}
}

// countElems estimates the number of elements of the numeric array that
// starts at the '[' at pos: the tuples in it, or else the commas plus one.
// It uses bytes.Count (vectorized) so that the typed slice can be
// allocated once; a wrong estimate only costs capacity.
func (s *scanner) countElems() int {
	src := s.src[s.pos:]
	end := bytes.IndexByte(src, ']')
	if end < 0 {
		return 0
	}
	region := src[:end]
	// The large numeric arrays take fastArray; here a count of
	// separators (which malformed input can make anything) sizes at most
	// a modest first allocation, and append grows it from there.
	const maxPrealloc = 1 << 16
	if n := bytes.Count(region, []byte{'('}); n > 0 {
		return min(n, maxPrealloc)
	}
	return min(bytes.Count(region, []byte{','})+1, maxPrealloc)
}

// arrayOf parses [e, e, ...] with a typed element parser.
func arrayOf[T any](s *scanner, elem func() (T, error)) ([]T, error) {
	if s.peek() == '[' {
		if n := s.countElems(); n > 0 {
			return arrayInto(s, make([]T, 0, n), elem)
		}
	}
	return arrayInto(s, nil, elem)
}

func arrayInto[T any](s *scanner, out []T, elem func() (T, error)) ([]T, error) {
	if err := s.expect('['); err != nil {
		return nil, err
	}
	if s.accept(']') {
		return []T{}, nil
	}
	for {
		v, err := elem()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		if s.accept(',') {
			if s.accept(']') {
				return out, nil
			}
			continue
		}
		if err := s.expect(']'); err != nil {
			return nil, err
		}
		return out, nil
	}
}

// value parses a value of type vt (an array when array is set). None
// gives a ValueBlock.
func (s *scanner) value(vt valueType, array bool, depth int) (any, error) {
	if s.peek() == 'N' && string(s.peekIdent()) == "None" {
		s.ident(false)
		return sdf.ValueBlock{}, nil
	}
	if s.peek() == 'A' && string(s.peekIdent()) == "AnimationBlock" {
		s.ident(false)
		return sdf.AnimationBlock{}, nil
	}
	if !array {
		return s.scalar(vt, depth)
	}
	if s.peek() == 'e' && string(s.peekIdent()) == "edit" {
		return s.arrayEdit(vt, depth) // arrayedit.go
	}
	if v, ok := s.fastArray(vt); ok {
		return v, nil
	}
	return s.generalArray(vt, depth)
}

// generalArray parses any array element by element. fastArray handles the
// common numeric arrays and leaves everything else (and every error) here.
func (s *scanner) generalArray(vt valueType, depth int) (any, error) {
	if s.peek() == '[' {
		i := s.pos + 1
		for i < len(s.src) && isBlank(s.src[i]) {
			i++
		}
		if i < len(s.src) && s.src[i] == '[' {
			return s.shapedArray(vt, depth)
		}
	}
	var b [4]float64
	switch vt.k {
	case kFloat:
		switch vt.n {
		case 1:
			return arrayOf(s, func() (float32, error) { f, err := s.float(32); return float32(f), err })
		case 2:
			return arrayOf(s, func() (sdf.Vec2f, error) {
				err := s.floats(b[:2], 32)
				return sdf.Vec2f{float32(b[0]), float32(b[1])}, err
			})
		case 3:
			return arrayOf(s, func() (sdf.Vec3f, error) {
				err := s.floats(b[:3], 32)
				return sdf.Vec3f{float32(b[0]), float32(b[1]), float32(b[2])}, err
			})
		case 4:
			return arrayOf(s, func() (sdf.Vec4f, error) {
				err := s.floats(b[:4], 32)
				return sdf.Vec4f{float32(b[0]), float32(b[1]), float32(b[2]), float32(b[3])}, err
			})
		}
	case kDouble:
		switch vt.n {
		case 1:
			return arrayOf(s, func() (float64, error) { return s.float(64) })
		case 2:
			return arrayOf(s, func() (sdf.Vec2d, error) { err := s.floats(b[:2], 64); return sdf.Vec2d{b[0], b[1]}, err })
		case 3:
			return arrayOf(s, func() (sdf.Vec3d, error) { err := s.floats(b[:3], 64); return sdf.Vec3d{b[0], b[1], b[2]}, err })
		case 4:
			return arrayOf(s, func() (sdf.Vec4d, error) {
				err := s.floats(b[:4], 64)
				return sdf.Vec4d{b[0], b[1], b[2], b[3]}, err
			})
		}
	case kInt:
		if vt.n == 1 {
			return arrayOf(s, func() (int32, error) { v, err := s.intIn(math.MinInt32, math.MaxInt32); return int32(v), err })
		}
	case kHalf:
		if vt.n == 1 {
			return arrayOf(s, func() (sdf.Half, error) { f, err := s.float(64); return halfOf(f), err })
		}
	}
	// The rest: generic per-element parse, then typed slice.
	var elems []any
	_, err := arrayOf(s, func() (struct{}, error) {
		v, err := s.scalar(vt, depth)
		elems = append(elems, v)
		return struct{}{}, err
	})
	if err != nil {
		return nil, err
	}
	return typedSlice(vt, elems), nil
}

func typedSlice(vt valueType, elems []any) any {
	switch vt.k {
	case kBool:
		return conv[bool](elems)
	case kUChar:
		return conv[uint8](elems)
	case kInt:
		switch vt.n {
		case 2:
			return conv[sdf.Vec2i](elems)
		case 3:
			return conv[sdf.Vec3i](elems)
		case 4:
			return conv[sdf.Vec4i](elems)
		}
		return conv[int32](elems)
	case kUInt:
		return conv[uint32](elems)
	case kInt64:
		return conv[int64](elems)
	case kUInt64:
		return conv[uint64](elems)
	case kHalf:
		switch vt.n {
		case 2:
			return conv[sdf.Vec2h](elems)
		case 3:
			return conv[sdf.Vec3h](elems)
		case 4:
			return conv[sdf.Vec4h](elems)
		}
		return conv[sdf.Half](elems)
	case kFloat:
		switch vt.n {
		case 2:
			return conv[sdf.Vec2f](elems)
		case 3:
			return conv[sdf.Vec3f](elems)
		case 4:
			return conv[sdf.Vec4f](elems)
		}
		return conv[float32](elems)
	case kDouble:
		switch vt.n {
		case 2:
			return conv[sdf.Vec2d](elems)
		case 3:
			return conv[sdf.Vec3d](elems)
		case 4:
			return conv[sdf.Vec4d](elems)
		}
		return conv[float64](elems)
	case kTimeCode:
		return conv[sdf.TimeCode](elems)
	case kString:
		return conv[string](elems)
	case kToken:
		return conv[sdf.Token](elems)
	case kAsset:
		return conv[sdf.AssetPath](elems)
	case kPathExpr:
		return conv[sdf.PathExpression](elems)
	case kMatrix2d:
		return conv[sdf.Matrix2d](elems)
	case kMatrix3d:
		return conv[sdf.Matrix3d](elems)
	case kMatrix4d:
		return conv[sdf.Matrix4d](elems)
	case kQuatf:
		return conv[sdf.Quatf](elems)
	case kQuatd:
		return conv[sdf.Quatd](elems)
	case kQuath:
		return conv[sdf.Quath](elems)
	}
	return elems
}

func conv[T any](elems []any) []T {
	out := make([]T, len(elems))
	for i, e := range elems {
		out[i], _ = e.(T)
	}
	return out
}

// dictionary parses { type key = value ... }.
func (s *scanner) dictionary(depth int) (map[string]any, error) {
	if depth > maxDepth {
		return nil, s.errf("dictionary nested too deeply")
	}
	if err := s.expect('{'); err != nil {
		return nil, err
	}
	d := map[string]any{}
	if s.accept('}') {
		return d, nil
	}
	for {
		start := s.pos
		tn := s.ident(true)
		if tn == "" {
			return nil, s.errf("expected a value type in dictionary, found %s", s.describe())
		}
		if save := s.pos; s.peek() == '[' {
			s.pos++
			if err := s.expect(']'); err != nil {
				return nil, err
			}
			tn += "[]"
		} else {
			s.pos = save // the blanks before the key are the TokenSeparator
		}
		// DictionaryType TokenSeparator DictionaryKey ("int []a" is refused).
		if err := s.tokenSeparator("the type " + tn); err != nil {
			return nil, err
		}
		vt, array, ok := lookupType(tn)
		if !ok {
			return nil, s.errAt(start, "unknown value type %q in dictionary", tn)
		}
		var key string
		if c := s.peek(); c == '"' || c == '\'' {
			k, err := s.str()
			if err != nil {
				return nil, err
			}
			key = k
		} else {
			// DictionaryKey: a string or a BaseIdentifier, not namespaced
			// (usd-core 26.11 refuses "{int a:b = 1}"; "a:b" is quoted).
			key = s.ident(false)
			if key == "" {
				return nil, s.errf("expected a dictionary key, found %s", s.describe())
			}
		}
		if err := s.expect('='); err != nil {
			return nil, err
		}
		if w := string(s.peekIdent()); w == "None" || w == "AnimationBlock" {
			// A dictionary entry's value is a TypedValue: no value block
			// (usd-core 26.11 refuses "{int a = None}").
			return nil, s.errf("dictionary entry %q cannot be %s", key, w)
		}
		v, err := s.value(vt, array, depth)
		if err != nil {
			return nil, err
		}
		d[key] = v
		// Entries are separated by one ';' or by newlines, and a ';' may
		// end the last one (textFileFormat's dictionary grammar: usd-core
		// 26.11 refuses "{ int a = 1  int b = 2 }", "{ int a = 1, int b =
		// 2 }", "{ ; int a = 1 }" and ";;").
		end := s.pos
		s.skipSpace()
		sep := bytes.ContainsAny(s.src[end:s.pos], "\n\r")
		if s.accept(';') {
			sep = true
		}
		if s.accept('}') {
			return d, nil
		}
		if !sep {
			return nil, s.errf("expected a newline, ';' or '}' after dictionary entry %q, found %s", key, s.describe())
		}
	}
}

// anyValue parses an untyped value (unknown metadata): numbers, strings,
// assets, paths, identifiers, tuples, lists and dictionaries.
func (s *scanner) anyValue(depth int) (any, error) {
	if depth > maxDepth {
		return nil, s.errf("value nested too deeply")
	}
	switch c := s.peek(); {
	case c == '"' || c == '\'':
		return s.str()
	case c == '@':
		a, err := s.asset()
		return sdf.AssetPath{Authored: a}, err
	case c == '<':
		if depth > 0 {
			// ListValueItem and TupleValueItem have no path reference
			// (usd-core 26.11 refuses "targetPaths = [</A>]" as attribute
			// metadata).
			return nil, s.errf("a path cannot be an item of a list or tuple value")
		}
		return s.path()
	case c == '{':
		return s.dictionary(depth + 1)
	case c == '[' || c == '(':
		closer := byte(']')
		if c == '(' {
			closer = ')'
		}
		s.pos++
		out := []any{}
		for {
			if s.accept(closer) {
				return out, nil
			}
			v, err := s.anyValue(depth + 1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
			if !s.accept(',') {
				if err := s.expect(closer); err != nil {
					return nil, err
				}
				return out, nil
			}
		}
	case c == '-' || c == '+' || c == '.' || c >= '0' && c <= '9':
		start := s.pos
		b := s.numberBytes()
		if b == nil {
			return nil, s.errf("expected a value, found %s", s.describe())
		}
		isFloat := false
		for _, x := range b {
			if x == '.' || x == 'e' || x == 'E' || x == 'i' || x == 'n' {
				isFloat = true
			}
		}
		s.pos = start
		if isFloat {
			return s.float(64)
		}
		return s.integer()
	case isIdentStart(c):
		id := s.ident(true)
		switch id {
		case "true":
			return true, nil
		case "false":
			return false, nil
		case "None":
			return sdf.ValueBlock{}, nil
		case "inf", "nan":
			s.pos -= 3
			return s.float(64)
		}
		return sdf.Token(id), nil
	}
	return nil, s.errf("expected a value, found %s", s.describe())
}

// halfOf rounds a number to the nearest half-precision value (ties to
// even), as GfHalf's conversion from double does; beyond the largest half
// it overflows to infinity.
func halfOf(f float64) sdf.Half {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return sdf.Half(f)
	}
	a := math.Abs(f)
	if a >= 65520 {
		return sdf.Half(math.Copysign(math.Inf(1), f))
	}
	_, exp := math.Frexp(a) // a = frac * 2^exp, frac in [0.5, 1)
	e := exp - 1
	if e < -14 {
		e = -14 // subnormal halves share the smallest normal's quantum
	}
	ulp := math.Ldexp(1, e-10)
	return sdf.Half(math.Copysign(math.RoundToEven(a/ulp)*ulp, f))
}

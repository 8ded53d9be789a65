package usda

import (
	"bytes"
	"runtime"
	"strconv"
	"sync"
	"unsafe"

	"github.com/rgallery/rgallery/usd/sdf"
)

// The fast path for large numeric arrays (points, normals, indices, uvs).
//
// It accepts a strict subset of what the general array parser accepts:
// numbers in plain decimal or exponent notation, tuples of the declared
// size, blanks and newlines between tokens, a trailing comma. Anything else
// (comments, inf/nan, integers written as 1.0, a malformed token, a wrong
// tuple size) makes it give up, and the general parser parses the array
// again from its '[' — so values, accepted inputs and error messages (file,
// line, column) stay exactly the general parser's.
//
// Values are exact: decimal strings that fit Clinger's fast path (digits
// that make an integer below 2^53, 2^24 for float, and a small power of
// ten: one correctly rounded float operation on two exact operands) are
// computed inline; every other
// number goes to strconv.ParseFloat. Both give the correctly rounded value,
// bit-identical to strconv.ParseFloat(token, bits).
//
// Arrays longer than parallelMinBytes of text are split at element starts
// and the pieces counted, then parsed, by GOMAXPROCS goroutines straight
// into the one result slice; each piece's element count is known
// beforehand from bytes.Count of '(' (tuples) or ',' (scalars), so a piece
// whose count does not match makes the whole array fall back.

// parallelMinBytes is the array text size above which the array is parsed
// by several goroutines. Below it the goroutine start and the count pass
// cost more than they save.
const parallelMinBytes = 256 << 10

// flatKind is the scalar type a fast array stores.
type flatKind uint8

const (
	flatF32  flatKind = iota // float, float2..4 (parsed as 32-bit)
	flatF64                  // double, double2..4
	flatHalf                 // half (parsed as double, rounded once)
	flatI32                  // int
)

// flatOut is the result slice seen as a flat run of scalars.
type flatOut struct {
	f32  []float32
	f64  []float64
	half []sdf.Half
	i32  []int32
}

// fastArrayKind reports whether arrays of vt have a fast path.
func fastArrayKind(vt valueType) (flatKind, bool) {
	switch vt.k {
	case kFloat:
		return flatF32, vt.n >= 1 && vt.n <= 4
	case kDouble:
		return flatF64, vt.n >= 1 && vt.n <= 4
	case kHalf:
		return flatHalf, vt.n == 1
	case kInt:
		return flatI32, vt.n == 1
	}
	return 0, false
}

// fastArray parses the numeric array at the '[' ahead. ok is false when it
// gave up; then nothing is consumed.
func (s *scanner) fastArray(vt valueType) (v any, ok bool) {
	fk, ok := fastArrayKind(vt)
	if !ok {
		return nil, false
	}
	if s.peek() != '[' {
		return nil, false
	}
	open := s.pos
	end := bytes.IndexByte(s.src[open:], ']')
	if end < 0 {
		return nil, false
	}
	lo, hi := open+1, open+end
	tuple := vt.n
	region := s.src[lo:hi]
	// Chunks start at elements; each counts its separators: '(' of
	// tuples, or the commas after scalars (every scalar but the last of
	// the array has one, so a chunk's commas are its scalars).
	bounds := splitPoints(s.src, lo, hi, tuple, s.workers)
	sep := []byte{','}
	if tuple > 1 {
		sep = []byte{'('}
	}
	first := make([]int, len(bounds))
	eachChunk(len(bounds)-1, func(k int) {
		first[k+1] = bytes.Count(s.src[bounds[k]:bounds[k+1]], sep)
	})
	for k := 1; k < len(first); k++ {
		first[k] += first[k-1]
	}
	count := first[len(first)-1]
	if tuple == 1 {
		count = scalarCount(region, count)
		first[len(first)-1] = count
	}
	// Valid text spends at least 2n+1 bytes a tuple and 2 a scalar (with
	// its comma): a count beyond that is malformed input, and must not
	// size an allocation.
	if count > len(region)/(2*tuple)+1 {
		return nil, false
	}
	v, out := makeFlat(fk, vt.n, count)
	if count == 0 {
		if !allBlank(region) {
			return nil, false
		}
		s.pos = hi + 1
		return v, true
	}
	last := len(bounds) - 2
	okAll := make([]bool, last+1)
	eachChunk(last+1, func(k int) {
		okAll[k] = first[k+1] >= first[k] &&
			parseChunk(s.src, bounds[k], bounds[k+1], tuple, fk, out, first[k], first[k+1], k == last)
	})
	for _, ok := range okAll {
		if !ok {
			return nil, false
		}
	}
	s.pos = hi + 1
	return v, true
}

// scalarCount is the number of scalar elements in region given its
// commas: commas plus one, minus a trailing comma; 0 when only blanks.
func scalarCount(region []byte, commas int) int {
	last := len(region) - 1
	for last >= 0 && isBlank(region[last]) {
		last--
	}
	if last < 0 {
		return 0
	}
	if region[last] == ',' {
		return commas
	}
	return commas + 1
}

func isBlank(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

func allBlank(b []byte) bool {
	for _, c := range b {
		if !isBlank(c) {
			return false
		}
	}
	return true
}

// splitPoints cuts src[lo:hi] into chunks for workers goroutines
// (GOMAXPROCS when 0) at element starts near equal splits of the text: a
// '(' for tuples, the byte after a comma for scalars. Text shorter than
// parallelMinBytes is one chunk. It returns the chunk bounds, lo first
// and hi last.
func splitPoints(src []byte, lo, hi, n, workers int) []int {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if hi-lo < parallelMinBytes || workers < 2 {
		return []int{lo, hi}
	}
	workers = min(workers, (hi-lo)/(parallelMinBytes/2), 16)
	bounds := make([]int, 0, workers+1)
	bounds = append(bounds, lo)
	for w := 1; w < workers; w++ {
		at := lo + (hi-lo)*w/workers
		if at <= bounds[len(bounds)-1] {
			continue
		}
		var i int
		if n > 1 {
			i = bytes.IndexByte(src[at:hi], '(')
		} else {
			i = bytes.IndexByte(src[at:hi], ',')
			if i >= 0 {
				i++ // the element starts after the comma
			}
		}
		if i < 0 {
			break
		}
		bounds = append(bounds, at+i)
	}
	return append(bounds, hi)
}

// eachChunk runs f(0..n-1), on goroutines when there are several.
func eachChunk(n int, f func(k int)) {
	if n == 1 {
		f(0)
		return
	}
	var wg sync.WaitGroup
	for k := range n {
		wg.Go(func() { f(k) })
	}
	wg.Wait()
}

// makeFlat allocates the typed result of count elements of tuple size n
// and returns it with a flat view of its scalars. The sdf vector types are
// arrays of their scalar, so the flat view is the same memory.
func makeFlat(fk flatKind, n, count int) (any, flatOut) {
	var o flatOut
	switch fk {
	case flatF32:
		switch n {
		case 1:
			v := make([]float32, count)
			o.f32 = v
			return v, o
		case 2:
			v := make([]sdf.Vec2f, count)
			o.f32 = unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(v))), 2*count)
			return v, o
		case 3:
			v := make([]sdf.Vec3f, count)
			o.f32 = unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(v))), 3*count)
			return v, o
		default:
			v := make([]sdf.Vec4f, count)
			o.f32 = unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(v))), 4*count)
			return v, o
		}
	case flatF64:
		switch n {
		case 1:
			v := make([]float64, count)
			o.f64 = v
			return v, o
		case 2:
			v := make([]sdf.Vec2d, count)
			o.f64 = unsafe.Slice((*float64)(unsafe.Pointer(unsafe.SliceData(v))), 2*count)
			return v, o
		case 3:
			v := make([]sdf.Vec3d, count)
			o.f64 = unsafe.Slice((*float64)(unsafe.Pointer(unsafe.SliceData(v))), 3*count)
			return v, o
		default:
			v := make([]sdf.Vec4d, count)
			o.f64 = unsafe.Slice((*float64)(unsafe.Pointer(unsafe.SliceData(v))), 4*count)
			return v, o
		}
	case flatHalf:
		v := make([]sdf.Half, count)
		o.half = v
		return v, o
	}
	v := make([]int32, count)
	o.i32 = v
	return v, o
}

// parseChunk parses the elements from..to-1 out of src[lo:hi]. A chunk
// that is not the last must end after a comma (and blanks), since the
// next one starts at an element.
func parseChunk(src []byte, p, hi, n int, fk flatKind, out flatOut, from, to int, last bool) bool {
	bits := 64
	if fk == flatF32 {
		bits = 32
	}
	idx := from * n
	end := to * n
	for p < hi && isBlank(src[p]) {
		p++
	}
	for e := from; e < to; e++ {
		if n > 1 {
			if p >= hi || src[p] != '(' {
				return false
			}
			p++
		}
		for j := 0; j < n; j++ {
			for p < hi && isBlank(src[p]) {
				p++
			}
			if j > 0 {
				if p >= hi || src[p] != ',' {
					return false
				}
				p++
				for p < hi && isBlank(src[p]) {
					p++
				}
			}
			var ok bool
			if fk == flatI32 {
				var v int64
				v, p, ok = scanInt(src, p, hi)
				if !ok || v != int64(int32(v)) {
					// Out of int's range: the general parser refuses it.
					return false
				}
				out.i32[idx] = int32(v)
			} else {
				var f float64
				f, p, ok = scanFloat(src, p, hi, bits)
				if !ok {
					return false
				}
				switch fk {
				case flatF32:
					out.f32[idx] = float32(f)
				case flatF64:
					out.f64[idx] = f
				default:
					out.half[idx] = halfOf(f)
				}
			}
			idx++
		}
		for p < hi && isBlank(src[p]) {
			p++
		}
		if n > 1 {
			if p < hi && src[p] == ',' { // (1, 2, 3,) is allowed
				p++
				for p < hi && isBlank(src[p]) {
					p++
				}
			}
			if p >= hi || src[p] != ')' {
				return false
			}
			p++
			for p < hi && isBlank(src[p]) {
				p++
			}
		}
		if p < hi && src[p] == ',' {
			p++
			for p < hi && isBlank(src[p]) {
				p++
			}
			continue
		}
		// No comma: only the last element of the last chunk.
		if !last || e != to-1 {
			return false
		}
	}
	return p == hi && idx == end
}

// isDelim reports whether c may follow a number in an array.
func isDelim(c byte) bool {
	return c == ',' || c == ')' || c == ']' || isBlank(c)
}

// scanInt scans [+-]digits (at most 18 digits) followed by a delimiter.
func scanInt(src []byte, p, hi int) (int64, int, bool) {
	neg := false
	if p < hi && src[p] == '-' {
		neg = true
		p++
	}
	start := p
	var v int64
	for p < hi {
		c := src[p]
		if c < '0' || c > '9' {
			break
		}
		v = v*10 + int64(c-'0')
		p++
	}
	if p == start || p-start > 18 || (p < hi && !isDelim(src[p])) {
		return 0, p, false
	}
	if neg {
		v = -v
	}
	return v, p, true
}

// scanFloat scans a decimal number [+-]digits[.digits][(e|E)[+-]digits]
// (at least one mantissa digit) followed by a delimiter, and returns its
// value as strconv.ParseFloat(token, bits) does (an out-of-range number is
// ±Inf or 0, as the general parser accepts it).
func scanFloat(src []byte, p, hi, bits int) (float64, int, bool) {
	start := p
	neg := false
	if p < hi && src[p] == '-' { // a '+' sign is no Number: the general parser refuses it
		neg = true
		p++
	}
	// Up to 19 digits cannot overflow mant; clinger then wants it below
	// 2^53 (2^24) anyway, and longer numbers go to strconv.
	var mant uint64
	from := p
	for p < hi && src[p]-'0' < 10 {
		mant = mant*10 + uint64(src[p]-'0')
		p++
	}
	digits, exp := p-from, 0
	if p < hi && src[p] == '.' {
		p++
		from = p
		for p < hi && src[p]-'0' < 10 {
			mant = mant*10 + uint64(src[p]-'0')
			p++
		}
		digits += p - from
		exp = from - p
	}
	if digits == 0 {
		return 0, p, false
	}
	if p < hi && (src[p] == 'e' || src[p] == 'E') {
		q := p + 1
		eneg := false
		if q < hi && (src[q] == '-' || src[q] == '+') {
			eneg = src[q] == '-'
			q++
		}
		e, ed := 0, 0
		for q < hi && src[q] >= '0' && src[q] <= '9' {
			if e < 100000 {
				e = e*10 + int(src[q]-'0')
			}
			ed++
			q++
		}
		if ed == 0 {
			return 0, p, false // "1e" is not a number here
		}
		if eneg {
			e = -e
		}
		exp += e
		p = q
	}
	if p < hi && !isDelim(src[p]) {
		return 0, p, false
	}
	if digits <= 19 {
		if f, ok := clinger(mant, exp, bits); ok {
			if neg {
				f = -f
			}
			return f, p, true
		}
	}
	tok := src[start:p]
	f, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(tok), len(tok)), bits)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return 0, p, false
		}
	}
	return f, p, true
}

// clinger computes mant*10^exp with one correctly rounded operation when
// both operands are exact in the target precision (Clinger 1990, "How to
// read floating point numbers accurately"): mant below 2^53 (2^24 for
// float) and 10^|exp| at most 10^22 (10^10 for float).
func clinger(mant uint64, exp, bits int) (float64, bool) {
	if mant == 0 {
		return 0, true
	}
	if bits == 32 {
		if mant >= 1<<24 || exp < -10 || exp > 10 {
			return 0, false
		}
		m := float32(mant)
		if exp < 0 {
			return float64(m / float32(pow10f64[-exp])), true
		}
		return float64(m * float32(pow10f64[exp])), true
	}
	if mant >= 1<<53 || exp < -22 || exp > 22 {
		return 0, false
	}
	m := float64(mant)
	if exp < 0 {
		return m / pow10f64[-exp], true
	}
	return m * pow10f64[exp], true
}

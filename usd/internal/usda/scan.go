// Package usda reads and writes the USD text format (.usda) into and from
// the sdf layer model.
//
// The parser is a hand-written recursive-descent parser over the whole file
// in memory. Numeric arrays are parsed straight into typed slices without
// per-element allocation, which is what makes large meshes fast.
//
// It does not compose layers or resolve asset paths; splines are kept as
// knot data only.
package usda

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"unsafe"
)

// SyntaxError is a usda parse error with its position.
type SyntaxError struct {
	File   string
	Line   int
	Column int
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
}

type scanner struct {
	src  []byte
	pos  int
	file string
	// workers is how many goroutines parse one large numeric array
	// (0: GOMAXPROCS); tests set it to exercise the split.
	workers int
	// valueErrs are values refused without failing the layer, as usd-core
	// does: an ill-formed path expression is posted as an error and read
	// as the empty expression. Parse hands them to the layer's
	// DecodeErrors so that Stage.Errors reports them.
	valueErrs []error
}

func (s *scanner) errAt(off int, format string, args ...any) *SyntaxError {
	if off > len(s.src) {
		off = len(s.src)
	}
	line := 1 + bytes.Count(s.src[:off], []byte{'\n'})
	col := off - bytes.LastIndexByte(s.src[:off], '\n')
	return &SyntaxError{File: s.file, Line: line, Column: col, Offset: off, Msg: fmt.Sprintf(format, args...)}
}

func (s *scanner) errf(format string, args ...any) *SyntaxError {
	return s.errAt(s.pos, format, args...)
}

// skipSpace skips blanks, newlines and comments.
func (s *scanner) skipSpace() {
	for s.pos < len(s.src) {
		c := s.src[s.pos]
		switch c {
		case ' ', '\t', '\n', '\r':
			s.pos++
		case '#':
			s.skipLine()
		case '/':
			if s.pos+1 < len(s.src) && s.src[s.pos+1] == '/' {
				s.skipLine()
			} else if s.pos+1 < len(s.src) && s.src[s.pos+1] == '*' {
				end := bytes.Index(s.src[s.pos+2:], []byte("*/"))
				if end < 0 {
					s.pos = len(s.src)
				} else {
					s.pos += end + 4
				}
			} else {
				return
			}
		default:
			return
		}
	}
}

// newlineAhead reports whether the blanks and comments before the next
// token hold a line break, without consuming them.
func (s *scanner) newlineAhead() bool {
	pos := s.pos
	s.skipSpace()
	nl := bytes.ContainsAny(s.src[pos:s.pos], "\n\r")
	s.pos = pos
	return nl
}

// sameLine fails when the next token is on a later line: Sdf's text
// grammar separates the tokens of a statement by InlinePadding only,
// spaces, tabs and C-style comments, which may span lines (usd-core 26.11
// refuses a newline or a line comment after '=', reads "= /* c\n */ 1").
func (s *scanner) sameLine(after string) error {
	i := s.skipInlinePadding(s.pos)
	if i < len(s.src) && (s.src[i] == '\n' || s.src[i] == '\r' || s.src[i] == '#' || s.src[i] == '/' && i+1 < len(s.src) && s.src[i+1] == '/') {
		return s.errAt(i, "unexpected line break after %s", after)
	}
	return nil
}

// metadataAhead reports whether a property's metadata list '(' follows on
// the same line: the property rules of Sdf's text grammar
// (AttributeSpec, RelationshipSpec) put InlinePadding only before it, so a
// '(' on the next line is not the property's metadata (usd-core 26.11
// refuses "float a = 1" then "(doc = "")" on the next line). On success
// s.pos is at the '('.
func (s *scanner) metadataAhead() bool {
	i := s.skipInlinePadding(s.pos)
	if i < len(s.src) && s.src[i] == '(' {
		s.pos = i
		return true
	}
	return false
}

// skipInlinePadding returns the index of the first byte at or after i
// that is not InlinePadding: spaces, tabs and closed C-style comments.
func (s *scanner) skipInlinePadding(i int) int {
	for i < len(s.src) {
		switch {
		case s.src[i] == ' ' || s.src[i] == '\t':
			i++
			continue
		case i+1 < len(s.src) && s.src[i] == '/' && s.src[i+1] == '*':
			if end := bytes.Index(s.src[i+2:], []byte("*/")); end >= 0 {
				i += end + 4
				continue
			}
		}
		return i
	}
	return i
}

// newlineBefore reports whether a line break separates the next token
// from the previous one: the blanks right before s.pos (after skipSpace)
// hold one, or end a comment line.
func (s *scanner) newlineBefore() bool {
	for i := s.pos - 1; i >= 0; i-- {
		switch s.src[i] {
		case '\n', '\r':
			return true
		case ' ', '\t':
			continue
		}
		return false
	}
	return false
}

// tokenSeparator checks the TokenSeparator of Sdf's text grammar at s.pos,
// right after a keyword or name: C-style comments, then at least one space
// or tab (usd-core 26.11 refuses def"A", def/*c*/"A" and a line break after
// def; it reads def /*c*/"A").
func (s *scanner) tokenSeparator(after string) error {
	i := s.pos
	for i+1 < len(s.src) && s.src[i] == '/' && s.src[i+1] == '*' {
		end := bytes.Index(s.src[i+2:], []byte("*/"))
		if end < 0 {
			break
		}
		i += end + 4
	}
	if i >= len(s.src) || s.src[i] != ' ' && s.src[i] != '\t' {
		return s.errAt(i, "expected a space or tab after %s, found %s", after, strconv.Quote(string(s.src[i:min(i+20, len(s.src))])))
	}
	// Then inline padding only: no line break or line comment before the
	// next token.
	i = s.skipInlinePadding(i)
	if i >= len(s.src) || s.src[i] == '\n' || s.src[i] == '\r' || s.src[i] == '#' || s.src[i] == '/' {
		return s.errAt(i, "unexpected line break or end after %s", after)
	}
	return nil
}

func (s *scanner) skipLine() {
	i := bytes.IndexByte(s.src[s.pos:], '\n')
	if i < 0 {
		s.pos = len(s.src)
	} else {
		s.pos += i + 1
	}
}

func (s *scanner) eof() bool { return s.pos >= len(s.src) }

// peek returns the next non-space byte without consuming it (0 at EOF).
func (s *scanner) peek() byte {
	s.skipSpace()
	if s.pos >= len(s.src) {
		return 0
	}
	return s.src[s.pos]
}

// accept consumes c if it is next.
func (s *scanner) accept(c byte) bool {
	if s.peek() == c {
		s.pos++
		return true
	}
	return false
}

func (s *scanner) expect(c byte) error {
	if !s.accept(c) {
		return s.errf("expected '%c', found %s", c, s.describe())
	}
	return nil
}

func (s *scanner) describe() string {
	s.skipSpace()
	if s.eof() {
		return "end of file"
	}
	end := s.pos
	for end < len(s.src) && end-s.pos < 20 && s.src[end] != '\n' {
		end++
	}
	if end == s.pos {
		end++
	}
	return strconv.Quote(string(s.src[s.pos:end]))
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isIdentChar(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9'
}

// ident scans an identifier; namespaced names (a:b:c) are accepted when
// ns is true. It returns a slice of the source.
func (s *scanner) identBytes(ns bool) []byte {
	s.skipSpace()
	start := s.pos
	if s.pos >= len(s.src) || !isIdentStart(s.src[s.pos]) {
		return nil
	}
	for s.pos < len(s.src) {
		c := s.src[s.pos]
		if isIdentChar(c) {
			s.pos++
			continue
		}
		if ns && c == ':' && s.pos+1 < len(s.src) && isIdentStart(s.src[s.pos+1]) {
			s.pos++
			continue
		}
		break
	}
	return s.src[start:s.pos]
}

func (s *scanner) ident(ns bool) string { return string(s.identBytes(ns)) }

// peekIdent returns the identifier ahead without consuming it.
func (s *scanner) peekIdent() []byte {
	save := s.pos
	b := s.identBytes(true)
	s.pos = save
	return b
}

// keyword consumes the identifier kw if it is next and is a whole word.
func (s *scanner) keyword(kw string) bool {
	save := s.pos
	b := s.identBytes(false)
	if string(b) == kw && (s.pos >= len(s.src) || s.src[s.pos] != ':') {
		return true
	}
	s.pos = save
	return false
}

// str scans a quoted string (single, double, or triple quoted).
func (s *scanner) str() (string, error) {
	s.skipSpace()
	if s.pos >= len(s.src) || (s.src[s.pos] != '"' && s.src[s.pos] != '\'') {
		return "", s.errf("expected a string, found %s", s.describe())
	}
	q := s.src[s.pos]
	start := s.pos
	triple := s.pos+2 < len(s.src) && s.src[s.pos+1] == q && s.src[s.pos+2] == q
	if triple {
		s.pos += 3
	} else {
		s.pos++
	}
	var buf []byte
	simple := true
	bodyStart := s.pos
	for {
		if s.pos >= len(s.src) {
			return "", s.errAt(start, "unterminated string")
		}
		c := s.src[s.pos]
		if c == '\\' {
			if simple {
				buf = append(buf, s.src[bodyStart:s.pos]...)
				simple = false
			}
			s.pos++
			if s.pos >= len(s.src) {
				return "", s.errAt(start, "unterminated string")
			}
			e := s.src[s.pos]
			if (e == '\n' || e == '\r') && !triple {
				// A single-line string holds no line break, escaped or not.
				return "", s.errAt(s.pos, "newline in a single-quoted string (use a triple-quoted string)")
			}
			s.pos++
			switch e {
			case 'n':
				buf = append(buf, '\n')
			case 't':
				buf = append(buf, '\t')
			case 'r':
				buf = append(buf, '\r')
			case '\\', '"', '\'':
				buf = append(buf, e)
			case 'a':
				buf = append(buf, 7)
			case 'b':
				buf = append(buf, 8)
			case 'f':
				buf = append(buf, 12)
			case 'v':
				buf = append(buf, 11)
			case '0', '1', '2', '3', '4', '5', '6', '7':
				v := int(e - '0')
				for k := 0; k < 2 && s.pos < len(s.src) && s.src[s.pos] >= '0' && s.src[s.pos] <= '7'; k++ {
					v = v*8 + int(s.src[s.pos]-'0')
					s.pos++
				}
				buf = append(buf, byte(v))
			case 'x':
				v := 0
				for k := 0; k < 2 && s.pos < len(s.src) && isHex(s.src[s.pos]); k++ {
					v = v*16 + hexVal(s.src[s.pos])
					s.pos++
				}
				buf = append(buf, byte(v))
			default:
				buf = append(buf, '\\', e)
			}
			continue
		}
		if c == q {
			if !triple {
				break
			}
			if s.pos+2 < len(s.src) && s.src[s.pos+1] == q && s.src[s.pos+2] == q {
				break
			}
		}
		if c == '\n' && !triple {
			return "", s.errAt(s.pos, "newline in a single-quoted string (use a triple-quoted string)")
		}
		if !simple {
			buf = append(buf, c)
		}
		s.pos++
	}
	var out string
	if simple {
		out = string(s.src[bodyStart:s.pos])
	} else {
		out = string(buf)
	}
	if triple {
		s.pos += 3
	} else {
		s.pos++
	}
	return out, nil
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return int(c-'A') + 10
}

// asset scans @path@ or @@@path@@@.
func (s *scanner) asset() (string, error) {
	s.skipSpace()
	start := s.pos
	if s.pos >= len(s.src) || s.src[s.pos] != '@' {
		return "", s.errf("expected an asset path (@...@), found %s", s.describe())
	}
	if bytes.HasPrefix(s.src[s.pos:], []byte("@@@")) {
		s.pos += 3
		var buf []byte
		for {
			if s.pos >= len(s.src) {
				return "", s.errAt(start, "unterminated asset path")
			}
			if bytes.HasPrefix(s.src[s.pos:], []byte(`\@@@`)) {
				buf = append(buf, "@@@"...)
				s.pos += 4
				continue
			}
			if bytes.HasPrefix(s.src[s.pos:], []byte("@@@")) {
				// 3 to 5 @ close it, the last three closing: @@@a@@@@ is
				// "a@"; a sixth is left over (AssetRef: usd-core 26.11
				// refuses @@@a@@@@@@).
				n := 3
				for n < 5 && s.pos+n < len(s.src) && s.src[s.pos+n] == '@' {
					n++
				}
				buf = append(buf, s.src[s.pos:s.pos+n-3]...)
				s.pos += n
				return string(buf), nil
			}
			if c := s.src[s.pos]; c == '\n' || c == '\r' {
				return "", s.errAt(start, "newline in asset path")
			}
			buf = append(buf, s.src[s.pos])
			s.pos++
		}
	}
	s.pos++
	i := bytes.IndexByte(s.src[s.pos:], '@')
	if i < 0 {
		return "", s.errAt(start, "unterminated asset path")
	}
	v := s.src[s.pos : s.pos+i]
	if bytes.IndexByte(v, '\n') >= 0 {
		return "", s.errAt(start, "newline in asset path")
	}
	s.pos += i + 1
	return string(v), nil
}

// path scans <path>.
func (s *scanner) path() (string, error) {
	s.skipSpace()
	start := s.pos
	if s.pos >= len(s.src) || s.src[s.pos] != '<' {
		return "", s.errf("expected a path (<...>), found %s", s.describe())
	}
	i := bytes.IndexByte(s.src[s.pos+1:], '>')
	if i < 0 {
		return "", s.errAt(start, "unterminated path")
	}
	v := s.src[s.pos+1 : s.pos+1+i]
	if bytes.IndexByte(v, '\n') >= 0 {
		return "", s.errAt(start, "newline in path")
	}
	if err := checkPathSyntax(string(v)); err != nil {
		return "", s.errAt(start, "%v", err)
	}
	s.pos += i + 2
	return string(v), nil
}

// numberBytes scans a number token and returns its bytes.
func (s *scanner) numberBytes() []byte {
	s.skipSpace()
	start := s.pos
	src := s.src
	p := s.pos
	if p < len(src) && src[p] == '-' { // Number: an optional '-', never '+'
		p++
	}
	if p+3 <= len(src) && (string(src[p:p+3]) == "inf" || string(src[p:p+3]) == "nan") {
		s.pos = p + 3
		return src[start:s.pos]
	}
	digits := 0
	for p < len(src) && src[p] >= '0' && src[p] <= '9' {
		p++
		digits++
	}
	if p < len(src) && src[p] == '.' {
		p++
		for p < len(src) && src[p] >= '0' && src[p] <= '9' {
			p++
			digits++
		}
	}
	if digits == 0 {
		return nil
	}
	if p < len(src) && (src[p] == 'e' || src[p] == 'E') {
		q := p + 1
		if q < len(src) && (src[q] == '-' || src[q] == '+') {
			q++
		}
		if q < len(src) && src[q] >= '0' && src[q] <= '9' {
			for q < len(src) && src[q] >= '0' && src[q] <= '9' {
				q++
			}
			p = q
		}
	}
	s.pos = p
	return src[start:p]
}

var pow10f64 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// fastFloat parses simple decimals exactly (Clinger's fast path) and
// reports false when strconv must do it.
func fastFloat(b []byte, bits int) (float64, bool) {
	i := 0
	neg := false
	if i < len(b) && (b[i] == '-' || b[i] == '+') {
		neg = b[i] == '-'
		i++
	}
	var mant uint64
	nd := 0
	exp := 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		if nd >= 15 {
			return 0, false
		}
		mant = mant*10 + uint64(b[i]-'0')
		if mant != 0 {
			nd++
		}
	}
	if i < len(b) && b[i] == '.' {
		i++
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			if nd >= 15 {
				return 0, false
			}
			mant = mant*10 + uint64(b[i]-'0')
			if mant != 0 {
				nd++
			}
			exp--
		}
	}
	if i != len(b) {
		return 0, false // exponent, inf, nan: leave to strconv
	}
	if bits == 32 {
		if mant >= 1<<24 || exp < -10 {
			return 0, false
		}
		f := float32(mant) / float32(pow10f64[-exp])
		if neg {
			f = -f
		}
		return float64(f), true
	}
	if exp < -22 {
		return 0, false
	}
	f := float64(mant) / pow10f64[-exp]
	if neg {
		f = -f
	}
	return f, true
}

func (s *scanner) float(bits int) (float64, error) {
	s.skipSpace()
	if f, ok := s.quickFloat(bits); ok {
		return f, nil
	}
	start := s.pos
	b := s.numberBytes()
	if b == nil {
		return 0, s.errf("expected a number, found %s", s.describe())
	}
	if f, ok := fastFloat(b, bits); ok {
		return f, nil
	}
	f, err := strconv.ParseFloat(unsafe.String(&b[0], len(b)), bits)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, nil
		}
		return 0, s.errAt(start, "bad number %q", b)
	}
	return f, nil
}

// quickFloat parses a plain decimal (no exponent) in one pass when the
// result is exact by Clinger's fast path; otherwise it consumes nothing.
func (s *scanner) quickFloat(bits int) (float64, bool) {
	src := s.src
	p := s.pos
	neg := false
	if p < len(src) && src[p] == '-' {
		neg = true
		p++
	}
	var mant uint64
	nd, exp, digits := 0, 0, 0
	for p < len(src) {
		c := src[p]
		if c < '0' || c > '9' {
			break
		}
		mant = mant*10 + uint64(c-'0')
		if mant != 0 {
			nd++
		}
		digits++
		p++
	}
	if p < len(src) && src[p] == '.' {
		p++
		for p < len(src) {
			c := src[p]
			if c < '0' || c > '9' {
				break
			}
			mant = mant*10 + uint64(c-'0')
			if mant != 0 {
				nd++
			}
			digits++
			exp--
			p++
		}
	}
	if digits == 0 || nd > 15 {
		return 0, false
	}
	if p < len(src) {
		if c := src[p]; c == 'e' || c == 'E' || isIdentChar(c) {
			return 0, false
		}
	}
	var f float64
	if bits == 32 {
		if mant >= 1<<24 || exp < -10 {
			return 0, false
		}
		f = float64(float32(mant) / float32(pow10f64[-exp]))
	} else {
		if exp < -22 {
			return 0, false
		}
		f = float64(mant) / pow10f64[-exp]
	}
	if neg {
		f = -f
	}
	s.pos = p
	return f, true
}

func (s *scanner) integer() (int64, error) {
	start := s.pos
	b := s.numberBytes()
	if b == nil {
		return 0, s.errf("expected an integer, found %s", s.describe())
	}
	neg := false
	i := 0
	if b[0] == '-' || b[0] == '+' {
		neg = b[0] == '-'
		i++
	}
	var v uint64
	for ; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' {
			// USD accepts 1.0 for an int only by conversion; be strict
			// but tolerant of a float that is integral.
			f, err := strconv.ParseFloat(string(b), 64)
			if err != nil || f != float64(int64(f)) {
				return 0, s.errAt(start, "expected an integer, found %q", b)
			}
			return int64(f), nil
		}
		if v > (math.MaxUint64-uint64(c-'0'))/10 {
			return 0, s.errAt(start, "integer %q out of range", b)
		}
		v = v*10 + uint64(c-'0')
	}
	// Negative values reach -2^63; positive ones up to 2^64-1 (uint64
	// values, which the caller narrows), as Sdf's number parsing does.
	if neg {
		if v > 1<<63 {
			return 0, s.errAt(start, "integer %q out of range", b)
		}
		return int64(-v), nil
	}
	return int64(v), nil
}

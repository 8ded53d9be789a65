package sdf

import (
	"fmt"
	"unicode/utf8"
)

// CheckPathExpression reports whether s is a well-formed SdfPathExpression
// text. It follows OpenUSD's PEGTL grammars (pxr/usd/sdf/pathExpression.cpp
// ParsePathExpression, pathPatternParser.h, predicateExpressionParser.h):
//
//	Top       = blank* PathExpr blank* EOF
//	PathExpr  = Factor {Op Factor}           (Op: '+', '&', '-' padded by blanks, or blanks)
//	Factor    = [blank* '~' blank*] Atom
//	Atom      = ExprRef | PathPattern | '(' blank* PathExpr blank* ')'
//	ExprRef   = '%_' (not followed by [A-Za-z0-9_:]) | '%' RefPath
//	Pattern   = '/' [Elems] | DotDots [Sep [Elems]] | Elems | '.' ['//' [Elems]]
//	Elems     = PrimElem {Sep PrimElem} ('.' PropElem | ['//'])
//	PrimElem  = Wildcard ['{' Pred '}'] | '{' Pred '}'
//
// A "must" in the grammar (after '(' or '{', after a '.' that starts a
// property element, inside numbers and quoted strings) ends the parse with
// an error instead of trying another alternative. The empty text is the
// empty expression (SdfPathExpression's constructor does not parse it).
// usd-core posts the error and keeps the empty expression instead of the
// value; callers report the error so that the value is not lost silently.
func CheckPathExpression(s string) (err error) {
	if s == "" {
		return nil
	}
	p := &peScan{s: s}
	defer func() {
		if r := recover(); r != nil {
			pe, ok := r.(peError)
			if !ok {
				panic(r)
			}
			err = p.errorAt(pe.pos, pe.want)
		}
	}()
	p.blanks()
	if !p.pathExpr() {
		return p.errorAt(p.far, "a path pattern, expression reference or '('")
	}
	p.blanks()
	if p.i != len(s) {
		return p.errorAt(p.i, "end of path expression")
	}
	return nil
}

type peError struct {
	pos  int
	want string
}

type peScan struct {
	s   string
	i   int
	far int // furthest position reached, for error messages
}

func (p *peScan) errorAt(pos int, want string) error {
	if pos >= len(p.s) {
		return fmt.Errorf("ill-formed path expression <%s> at end: expected %s", p.s, want)
	}
	return fmt.Errorf("ill-formed path expression <%s> at character %d (%q): expected %s", p.s, pos+1, p.s[pos], want)
}

// must raises a global parse error (PEGTL's must/if_must): no other
// alternative is tried.
func (p *peScan) must(ok bool, want string) {
	if !ok {
		panic(peError{p.i, want})
	}
}

func (p *peScan) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *peScan) one(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		p.far = max(p.far, p.i)
		return true
	}
	return false
}

func (p *peScan) lit(l string) bool {
	if len(p.s)-p.i >= len(l) && p.s[p.i:p.i+len(l)] == l {
		p.i += len(l)
		p.far = max(p.far, p.i)
		return true
	}
	return false
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

// identOther is PEGTL's identifier_other: [A-Za-z0-9_].
func identOther(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func identFirst(c byte) bool { return identOther(c) && !(c >= '0' && c <= '9') }

func (p *peScan) blanks() bool {
	start := p.i
	for p.i < len(p.s) && isBlank(p.s[p.i]) {
		p.i++
	}
	return p.i > start
}

// padded matches blank* rule blank*, consuming nothing when rule fails.
func (p *peScan) padded(rule func() bool) bool {
	save := p.i
	p.blanks()
	if !rule() {
		p.i = save
		return false
	}
	p.blanks()
	return true
}

// lookaheadList matches rule {sep rule}, where a sep is consumed only when
// a rule follows it (LookaheadList): list's backtracking already gives
// that.
func (p *peScan) lookaheadList(rule, sep func() bool) bool { return p.list(rule, sep) }

func (p *peScan) identifier() bool {
	if p.i >= len(p.s) || !identFirst(p.s[p.i]) {
		return false
	}
	for p.i < len(p.s) && identOther(p.s[p.i]) {
		p.i++
	}
	p.far = max(p.far, p.i)
	return true
}

func (p *peScan) pathExpr() bool {
	return p.lookaheadList(p.pathFactor, p.pathOperator)
}

func (p *peScan) pathOperator() bool {
	for _, c := range []byte{'+', '&', '-'} {
		if p.padded(func() bool { return p.one(c) }) {
			return true
		}
	}
	return p.blanks()
}

func (p *peScan) pathFactor() bool {
	save := p.i
	p.padded(func() bool { return p.one('~') })
	if !p.pathAtom() {
		p.i = save
		return false
	}
	return true
}

func (p *peScan) pathAtom() bool {
	if p.exprReference() || p.pathPattern() {
		return true
	}
	if p.one('(') {
		p.blanks()
		p.must(p.pathExpr(), "a path expression after '('")
		p.blanks()
		p.must(p.one(')'), "')'")
		return true
	}
	return false
}

func (p *peScan) exprReference() bool {
	save := p.i
	if p.lit("%_") {
		if c := p.peek(); !identOther(c) && c != ':' {
			return true
		}
		p.i = save
	}
	if p.one('%') && p.exprRefPath() {
		return true
	}
	p.i = save
	return false
}

// exprRefPath is '/' RefPathAndName | [DotDots] ('/' RefPathAndName | ':' identifier).
func (p *peScan) exprRefPath() bool {
	save := p.i
	if p.one('/') && p.refPathAndName() {
		return true
	}
	p.i = save
	p.dotDots()
	if p.one('/') {
		if p.refPathAndName() {
			return true
		}
	} else if p.refName() {
		return true
	}
	p.i = save
	return false
}

func (p *peScan) refName() bool {
	save := p.i
	if p.one(':') && p.identifier() {
		return true
	}
	p.i = save
	return false
}

func (p *peScan) refPathAndName() bool {
	save := p.i
	if !p.list(p.identifier, func() bool { return p.one('/') }) || !p.refName() {
		p.i = save
		return false
	}
	return true
}

// list is PEGTL's list<rule, sep>: rule {sep rule}.
func (p *peScan) list(rule, sep func() bool) bool {
	if !rule() {
		return false
	}
	for {
		save := p.i
		if !sep() || !rule() {
			p.i = save
			return true
		}
	}
}

func (p *peScan) dotDots() bool {
	return p.list(func() bool { return p.lit("..") }, func() bool { return p.one('/') })
}

func (p *peScan) patSep() bool { return p.lit("//") || p.one('/') }

func (p *peScan) pathPattern() bool {
	if p.peek() == '/' {
		p.patSep()
		p.patternElems()
		return true
	}
	save := p.i
	if p.dotDots() {
		if p.patSep() {
			p.patternElems()
		}
		return true
	}
	p.i = save
	if p.patternElems() {
		return true
	}
	if p.one('.') {
		if p.lit("//") {
			p.patternElems()
		}
		return true
	}
	return false
}

func (p *peScan) patternElems() bool {
	save := p.i
	if !p.lookaheadList(func() bool { return p.patternElem(false) }, p.patSep) {
		p.i = save
		return false
	}
	if p.one('.') {
		p.must(p.patternElem(true), "a property pattern after '.'")
	} else {
		p.lit("//")
	}
	return true
}

// patternElem is a prim (or property) wildcard with an optional braced
// predicate, or a braced predicate alone.
func (p *peScan) patternElem(prop bool) bool {
	if p.wildcard(prop) {
		p.bracedPred()
		return true
	}
	return p.bracedPred()
}

// wildcard is a glob element: name characters, '?', '*' (and ':' in a
// property element) and bracket classes "[...]" of [A-Za-z0-9_!?*-]. The
// PEGTL grammar of v24.08 let a '[' run to anything; usd-core 26.11 checks
// the classes: a '[' must be followed by at least one class character
// and closed by ']' ("expected ']' to close bracket class"), which this
// follows (checked against usd-core 26.11, see the rule test).
func (p *peScan) wildcard(prop bool) bool {
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case identOther(c) || c == '?' || c == '*' || prop && c == ':':
			p.i++
		case c == '[':
			p.i++
			n := 0
			for p.i < len(p.s) && isClassChar(p.s[p.i]) {
				p.i++
				n++
			}
			p.must(n > 0, "a character class after '['")
			p.must(p.one(']'), "']' to close bracket class")
		default:
			p.far = max(p.far, p.i)
			return p.i > start
		}
	}
	p.far = max(p.far, p.i)
	return p.i > start
}

func isClassChar(c byte) bool {
	return identOther(c) || c == '!' || c == '-' || c == '?' || c == '*'
}

func (p *peScan) bracedPred() bool {
	if !p.one('{') {
		return false
	}
	p.blanks()
	p.must(p.predExpr(), "a predicate expression after '{'")
	p.blanks()
	p.must(p.one('}'), "'}'")
	return true
}

// Predicate expressions (predicateExpressionParser.h).

func (p *peScan) keyword(kw string) bool {
	save := p.i
	if p.lit(kw) && !identOther(p.peek()) {
		return true
	}
	p.i = save
	return false
}

func isReserved(w string) bool {
	switch w {
	case "not", "and", "or", "inf", "true", "false":
		return true
	}
	return false
}

// funcName is an identifier that is not a reserved word.
func (p *peScan) funcName() bool {
	save := p.i
	if !p.identifier() || isReserved(p.s[save:p.i]) {
		p.i = save
		return false
	}
	return true
}

func (p *peScan) predExpr() bool {
	return p.lookaheadList(p.predFactor, p.predOperator)
}

func (p *peScan) predOperator() bool {
	if p.padded(func() bool { return p.keyword("and") }) || p.padded(func() bool { return p.keyword("or") }) {
		return true
	}
	return p.blanks()
}

func (p *peScan) predFactor() bool {
	save := p.i
	p.padded(func() bool {
		return p.list(func() bool { return p.keyword("not") }, p.blanks)
	})
	if !p.predAtom() {
		p.i = save
		return false
	}
	return true
}

func (p *peScan) predAtom() bool {
	save := p.i
	if p.funcName() {
		if p.one(':') { // PredColonCall: if_must<seq<name, ':'>, args>
			p.list(p.predArgVal, func() bool { return p.one(',') })
			return true
		}
		afterName := p.i
		p.blanks()
		if p.one('(') { // PredParenCall
			p.blanks()
			p.predParenArgs()
			p.blanks()
			p.must(p.one(')'), "')' closing the predicate arguments")
			return true
		}
		p.i = afterName // PredBareCall
		return true
	}
	p.i = save
	if p.one('(') {
		p.blanks()
		p.must(p.predExpr(), "a predicate expression after '('")
		p.blanks()
		p.must(p.one(')'), "')'")
		return true
	}
	return false
}

func (p *peScan) comma() bool { return p.padded(func() bool { return p.one(',') }) }

func (p *peScan) predParenArgs() {
	pos := func() bool {
		save := p.i
		if p.kwArgPrefix() {
			p.i = save
			return false
		}
		return p.predArgVal()
	}
	if p.list(pos, p.comma) {
		save := p.i
		if !p.comma() || !p.list(p.kwArg, p.comma) {
			p.i = save
		}
		return
	}
	p.list(p.kwArg, p.comma)
}

func (p *peScan) kwArgPrefix() bool {
	save := p.i
	if p.funcName() && p.padded(func() bool { return p.one('=') }) {
		return true
	}
	p.i = save
	return false
}

func (p *peScan) kwArg() bool {
	if !p.kwArgPrefix() {
		return false
	}
	p.must(p.predArgVal(), "an argument value")
	return true
}

// predArgVal is a float, int, bool or string; the unquoted string may be
// empty, so a value always matches.
func (p *peScan) predArgVal() bool {
	return p.predFloat() || p.predInt() || p.keyword("true") || p.keyword("false") || p.predString()
}

func (p *peScan) digits() bool {
	start := p.i
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	p.far = max(p.far, p.i)
	return p.i > start
}

func (p *peScan) exponent() bool {
	if c := p.peek(); c != 'e' && c != 'E' {
		return false
	}
	p.i++
	if c := p.peek(); c == '-' || c == '+' {
		p.i++
	}
	p.must(p.digits(), "exponent digits")
	return true
}

func (p *peScan) predFloat() bool {
	save := p.i
	p.one('-')
	if p.keyword("inf") {
		return true
	}
	if p.digits() {
		if p.one('.') {
			p.must(p.digits(), "digits after '.'")
			p.exponent()
			return true
		}
		if p.exponent() {
			return true
		}
	}
	p.i = save
	return false
}

func (p *peScan) predInt() bool {
	save := p.i
	p.one('-')
	if p.digits() {
		return true
	}
	p.i = save
	return false
}

func (p *peScan) predString() bool {
	if q := p.peek(); q == '"' || q == '\'' {
		p.i++
		for {
			p.must(p.i < len(p.s), "a closing quote")
			c := p.s[p.i]
			if c == q {
				p.i++
				return true
			}
			if c == '\\' {
				p.i++
				e := p.peek()
				p.must(e == q || e == '\\' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't', "an escape sequence")
				p.i++
				continue
			}
			r, n := utf8.DecodeRuneInString(p.s[p.i:])
			p.must(r >= 0x20 && r != utf8.RuneError, "a printable character in the string")
			p.i += n
		}
	}
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case identOther(c):
		case c == '~', c == '!', c == '@', c == '#', c == '$', c == '%', c == '^', c == '&', c == '*',
			c == '-', c == '+', c == '=', c == '|', c == '\\', c == '.', c == '?', c == '/':
		default:
			return true
		}
		p.i++
	}
	return true
}

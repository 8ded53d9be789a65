package usda

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// checkPathSyntax checks the text of a <path> against Sdf_PathParser's
// grammar (pxr/usd/sdf/pathParser.h), which the text format's path rule
// uses:
//
//	Path      = '/' [PrimElts [PropElts]] | DotDots ['/' PathElts] | PathElts
//	DotDots   = '..' {'/' '..'}
//	PathElts  = PrimElts [PropElts] | PropElts
//	PrimElts  = PrimName {('/' | VariantSelections) PrimName} [VariantSelections]
//	PropElts  = '.' PropertyName [TargetPathSeq | MapperPathSeq | '.expression']
//
// So ".." only leads a relative path ("a/../b", "/a/.." and "../a/../b" are
// refused), "." is no prim element ("./a", "/a/." are refused), and the
// lone reflexive path "." is refused too: usd-core 26.11 reads "<.>" as a
// property path without a name ("parse error matching PropertyName").
// The empty path <> is left to the callers (an internal reference to the
// default prim; refused as a target).
func checkPathSyntax(s string) error {
	if s == "" {
		return nil
	}
	ps := pathScan{s: s}
	if !ps.path() {
		return ps.failure()
	}
	if ps.i != len(s) {
		return fmt.Errorf("path <%s> is not valid at %q", s, s[ps.i:])
	}
	return nil
}

type pathScan struct {
	s   string
	i   int
	err string // what was expected where the scan stopped
}

func (p *pathScan) failure() error {
	rest := p.s[min(p.i, len(p.s)):]
	if p.err == "" {
		p.err = "a path element"
	}
	return fmt.Errorf("path <%s> is not valid: expected %s at %q", p.s, p.err, rest)
}

func (p *pathScan) at(lit string) bool { return strings.HasPrefix(p.s[p.i:], lit) }

func (p *pathScan) path() bool {
	switch {
	case p.at("/"):
		p.i++
		if p.i == len(p.s) || p.s[p.i] == ']' {
			return true // the absolute root
		}
		if !p.primElts() {
			return p.err == "" // "/" alone, followed by something else
		}
		return p.optPropElts()
	case p.at(".."):
		p.i += 2
		for p.at("/..") {
			p.i += 3
		}
		if p.at("/") {
			p.i++
			return p.pathElts()
		}
		return true
	}
	return p.pathElts()
}

func (p *pathScan) pathElts() bool {
	if p.primElts() {
		return p.optPropElts()
	}
	if p.err != "" {
		return false
	}
	return p.propElts()
}

// primElts reads prim names separated by '/' or variant selections. It
// returns false without an error when no prim name starts at p.i.
func (p *pathScan) primElts() bool {
	if p.ident() == 0 {
		return false
	}
	for {
		save := p.i
		if p.at("/") {
			p.i++
			if p.ident() > 0 {
				continue
			}
			p.i = save
			break
		}
		if p.at("{") || p.atBlankThen('{') {
			if !p.variantSelections() {
				return false
			}
			if p.ident() > 0 {
				continue
			}
		}
		break
	}
	if p.at("/") {
		p.i++
		p.err = "a prim name"
		return false
	}
	return true
}

func (p *pathScan) atBlankThen(c byte) bool {
	j := p.i
	for j < len(p.s) && (p.s[j] == ' ' || p.s[j] == '\t') {
		j++
	}
	return j < len(p.s) && p.s[j] == c
}

func (p *pathScan) blanks() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

// variantSelections reads one or more {set=selection}.
func (p *pathScan) variantSelections() bool {
	for n := 0; ; n++ {
		save := p.i
		p.blanks()
		if !p.at("{") {
			p.i = save
			return n > 0
		}
		p.i++
		p.blanks()
		if p.identLike(false, "-") == 0 {
			p.err = "a variant set name"
			return false
		}
		p.blanks()
		if !p.at("=") {
			p.err = "'='"
			return false
		}
		p.i++
		p.blanks()
		if p.at(".") {
			p.i++
		}
		p.identLike(true, "|-")
		p.blanks()
		if !p.at("}") {
			p.err = "'}'"
			return false
		}
		p.i++
		p.blanks()
	}
}

func (p *pathScan) optPropElts() bool {
	if !p.at(".") {
		return true
	}
	return p.propElts()
}

// propElts reads '.' PropertyName and what may follow it: a target path in
// brackets (with a relational attribute), a mapper path, or .expression.
func (p *pathScan) propElts() bool {
	if !p.at(".") {
		p.err = "a prim name or '.'"
		return false
	}
	p.i++
	if !p.propertyName() {
		return false
	}
	switch {
	case p.at("["):
		if !p.bracketPath() {
			return false
		}
		if p.at(".") {
			p.i++
			if !p.propertyName() {
				return false
			}
			return p.afterRelAttr()
		}
		return true
	case p.at("."):
		p.i++
		return p.afterRelAttr1()
	}
	return true
}

// afterRelAttr reads what may follow a relational attribute's name.
func (p *pathScan) afterRelAttr() bool {
	switch {
	case p.at("["):
		return p.bracketPath()
	case p.at("."):
		p.i++
		return p.afterRelAttr1()
	}
	return true
}

// afterRelAttr1 reads "mapper[path][.arg]" or "expression" after a '.'
// that follows a property name.
func (p *pathScan) afterRelAttr1() bool {
	if p.keyword("mapper") {
		if !p.at("[") {
			p.err = "'['"
			return false
		}
		if !p.bracketPath() {
			return false
		}
		if p.at(".") {
			p.i++
			if p.identLike(false, "") == 0 {
				p.err = "a mapper argument name"
				return false
			}
		}
		return true
	}
	if p.keyword("expression") {
		return true
	}
	p.err = "'mapper' or 'expression'"
	return false
}

func (p *pathScan) keyword(w string) bool {
	if !p.at(w) {
		return false
	}
	j := p.i + len(w)
	if j < len(p.s) {
		if r, _ := utf8.DecodeRuneInString(p.s[j:]); identContinue(r) {
			return false
		}
	}
	p.i = j
	return true
}

func (p *pathScan) bracketPath() bool {
	p.i++ // '['
	if !p.path() {
		return false
	}
	if !p.at("]") {
		p.err = "']'"
		return false
	}
	p.i++
	return true
}

// propertyName reads identifiers separated by single ':'.
func (p *pathScan) propertyName() bool {
	for {
		if p.ident() == 0 {
			p.err = "a property name"
			return false
		}
		if !p.at(":") {
			return true
		}
		p.i++
	}
}

// ident reads an identifier ('_' or XID_Start, then XID_Continue) and
// returns its length in bytes.
func (p *pathScan) ident() int { return p.identLike(false, "") }

// identLike reads an identifier; with anyStart the first character may be
// any continuing one (variant names); extra lists ASCII characters allowed
// after the start (variant set names allow '-', variant names '|' and '-').
func (p *pathScan) identLike(anyStart bool, extra string) int {
	start := p.i
	for p.i < len(p.s) {
		r, n := utf8.DecodeRuneInString(p.s[p.i:])
		ok := identContinue(r) || r < utf8.RuneSelf && strings.ContainsRune(extra, r)
		if p.i == start && !anyStart {
			ok = identStart(r)
		}
		if !ok {
			break
		}
		p.i += n
	}
	return p.i - start
}

// identStart and identContinue stand in for XID_Start and XID_Continue as
// validIdent does.
func identStart(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.Is(unicode.Nl, r) || unicode.Is(unicode.Other_ID_Start, r)
}

func identContinue(r rune) bool {
	return identStart(r) || unicode.In(r, unicode.Mn, unicode.Mc, unicode.Nd, unicode.Pc, unicode.Other_ID_Continue)
}

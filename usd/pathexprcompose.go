package usd

import (
	"strings"

	"github.com/rgallery/rgallery/usd/sdf"
)

// Path expression composition. A path expression value that refers to
// "%_" (the weaker expression) is composed over the next weaker opinion's
// value: UsdStage's value composer (_ConsumeAndMergeAuthoredPathExpressions,
// stage.cpp) calls SdfPathExpression::ComposeOver, which puts the weaker
// expression in place of each %_. The result is printed as
// SdfPathExpression::GetText does: operands joined by their operators,
// with parentheses only where precedence needs them. Operators, highest
// precedence first (SdfPathExpression::Op): complement '~', implied union
// (a space), union '+', intersection '&', difference '-'; all binary ones
// group to the left, so a right operand of equal precedence is
// parenthesized. The complement of a complement is its operand.

type pexNode struct {
	op          byte // 0 for a leaf; '~', ' ', '+', '&', '-'
	text        string
	left, right *pexNode
}

func pexPrec(op byte) int {
	switch op {
	case 0:
		return 6
	case '~':
		return 5
	case ' ':
		return 4
	case '+':
		return 3
	case '&':
		return 2
	case '-':
		return 1
	}
	return 0
}

// pathExprIncomplete reports whether expression e refers to the weaker
// expression (SdfPathExpression::IsComplete is false).
func pathExprIncomplete(e sdf.PathExpression) bool {
	n, ok := parsePathExpr(string(e))
	return ok && n.hasWeakerRef()
}

func (n *pexNode) hasWeakerRef() bool {
	if n == nil {
		return false
	}
	if n.op == 0 {
		return n.text == "%_"
	}
	return n.left.hasWeakerRef() || n.right.hasWeakerRef()
}

// composePathExprOver returns stronger with each %_ replaced by weaker. An
// expression that does not parse is kept as it is.
func composePathExprOver(stronger, weaker sdf.PathExpression) sdf.PathExpression {
	s, ok := parsePathExpr(string(stronger))
	if !ok || !s.hasWeakerRef() {
		return stronger
	}
	w, ok := parsePathExpr(string(weaker))
	if !ok {
		return stronger
	}
	return sdf.PathExpression(s.substitute(w).String())
}

func (n *pexNode) substitute(w *pexNode) *pexNode {
	switch {
	case n == nil:
		return nil
	case n.op == 0 && n.text == "%_":
		if w == nil {
			return nil // the empty weaker expression: nothing in its place
		}
		return w
	case n.op == 0:
		return n
	}
	l, r := n.left.substitute(w), n.right.substitute(w)
	switch {
	case n.op == '~' && l == nil:
		return nil
	case n.op == '~' && l.op == '~':
		return l.left
	case n.op == '~':
		return &pexNode{op: '~', left: l}
	case l == nil:
		return r
	case r == nil:
		return l
	}
	return &pexNode{op: n.op, left: l, right: r}
}

func (n *pexNode) String() string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	n.write(&b)
	return b.String()
}

func (n *pexNode) write(b *strings.Builder) {
	switch n.op {
	case 0:
		b.WriteString(n.text)
		return
	case '~':
		b.WriteByte('~')
		pexWrapped(b, n.left, n.left.op != 0 && n.left.op != '~')
		return
	}
	p := pexPrec(n.op)
	pexWrapped(b, n.left, pexPrec(n.left.op) < p)
	if n.op == ' ' {
		b.WriteByte(' ')
	} else {
		b.WriteByte(' ')
		b.WriteByte(n.op)
		b.WriteByte(' ')
	}
	pexWrapped(b, n.right, pexPrec(n.right.op) <= p)
}

func pexWrapped(b *strings.Builder, n *pexNode, paren bool) {
	if paren {
		b.WriteByte('(')
	}
	n.write(b)
	if paren {
		b.WriteByte(')')
	}
}

// parsePathExpr parses the text form: patterns and %references, the
// operators above and parentheses. The empty expression is a nil node.
func parsePathExpr(s string) (*pexNode, bool) {
	toks, ok := pexTokens(s)
	if !ok {
		return nil, false
	}
	if len(toks) == 0 {
		return nil, true
	}
	p := pexParser{toks: toks}
	n, ok := p.expr(1)
	return n, ok && p.i == len(p.toks)
}

// pexTokens splits s into operators, parentheses and operands; a space
// token stands for an implied union between two operands.
func pexTokens(s string) ([]string, bool) {
	var toks []string
	sawSpace := false
	for i := 0; i < len(s); {
		c := s[i]
		switch c {
		case ' ', '\t', '\n', '\r':
			sawSpace = true
			i++
			continue
		case '~', '&', '-', '+', '(', ')':
			toks = append(toks, s[i:i+1])
			i++
			sawSpace = false
			continue
		}
		// An operand runs to whitespace, an operator or a parenthesis
		// outside braces and brackets.
		j, depth := i, 0
		for ; j < len(s); j++ {
			switch s[j] {
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			}
			if depth == 0 && strings.IndexByte(" \t\n\r~&-+()", s[j]) >= 0 {
				break
			}
		}
		if depth != 0 {
			return nil, false
		}
		if sawSpace && len(toks) > 0 {
			if last := toks[len(toks)-1]; last == ")" || last[0] != '~' && last[0] != '&' && last[0] != '-' && last[0] != '+' && last[0] != '(' {
				toks = append(toks, " ")
			}
		}
		toks = append(toks, s[i:j])
		sawSpace = false
		i = j
	}
	// An implied union also joins ')' or an operand to a following '(' or '~'.
	var out []string
	for k, t := range toks {
		if k > 0 && (t == "(" || t == "~") {
			prev := out[len(out)-1]
			if prev == ")" || !strings.Contains("~&-+( ", prev) {
				out = append(out, " ")
			}
		}
		out = append(out, t)
	}
	return out, true
}

type pexParser struct {
	toks []string
	i    int
}

func (p *pexParser) expr(minPrec int) (*pexNode, bool) {
	left, ok := p.unary()
	if !ok {
		return nil, false
	}
	for p.i < len(p.toks) {
		t := p.toks[p.i]
		if len(t) != 1 || strings.IndexByte(" +&-", t[0]) < 0 {
			break
		}
		prec := pexPrec(t[0])
		if prec < minPrec {
			break
		}
		p.i++
		right, ok := p.expr(prec + 1)
		if !ok {
			return nil, false
		}
		left = &pexNode{op: t[0], left: left, right: right}
	}
	return left, true
}

func (p *pexParser) unary() (*pexNode, bool) {
	if p.i >= len(p.toks) {
		return nil, false
	}
	t := p.toks[p.i]
	p.i++
	switch t {
	case "~":
		n, ok := p.unary()
		if !ok {
			return nil, false
		}
		return &pexNode{op: '~', left: n}, true
	case "(":
		n, ok := p.expr(1)
		if !ok || p.i >= len(p.toks) || p.toks[p.i] != ")" {
			return nil, false
		}
		p.i++
		return n, true
	case ")", " ", "+", "&", "-":
		return nil, false
	}
	return &pexNode{text: t}, true
}

// pathExprValueIncomplete reports whether v is a path expression (or an
// array of them) that refers to the weaker expression.
func pathExprValueIncomplete(v any) bool {
	switch x := v.(type) {
	case sdf.PathExpression:
		return pathExprIncomplete(x)
	case []sdf.PathExpression:
		for _, e := range x {
			if pathExprIncomplete(e) {
				return true
			}
		}
	}
	return false
}

// composePathExprValue composes stronger over weaker: expressions one over
// the other, arrays element by element when they have the same length
// (otherwise the stronger array stays, as the value composer does).
func composePathExprValue(stronger, weaker any) any {
	switch s := stronger.(type) {
	case sdf.PathExpression:
		if w, ok := weaker.(sdf.PathExpression); ok {
			return composePathExprOver(s, w)
		}
	case []sdf.PathExpression:
		w, ok := weaker.([]sdf.PathExpression)
		if !ok || len(w) != len(s) {
			return s
		}
		out := make([]sdf.PathExpression, len(s))
		for i := range s {
			out[i] = composePathExprOver(s[i], w[i])
		}
		return out
	}
	return stronger
}

// emptyLike returns the empty expression, or an array of them as long as
// v, to compose an incomplete value over.
func emptyLike(v any) any {
	if x, ok := v.([]sdf.PathExpression); ok {
		return make([]sdf.PathExpression, len(x))
	}
	return sdf.PathExpression("")
}

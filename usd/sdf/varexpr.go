package sdf

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Variable expressions (SdfVariableExpression): "`...`" strings in asset
// paths, sublayer paths and variant selections, evaluated against a layer
// stack's expressionVariables. This is a port of OpenUSD's grammar
// (variableExpressionParser.cpp) and evaluation
// (variableExpressionImpl.cpp):
//
//	Expression = '`' (Scalar | List) '`'
//	Scalar     = '${' Identifier '}' | '"' ... '"' | "'" ... "'" | Integer
//	           | True | true | False | false | None | none
//	           | Identifier '(' [Arg {',' Arg}] ')'     (spaces padding)
//	List       = '[' [Scalar {',' Scalar}] ']'
//
// Values are strings, bools, int64s, lists of one of those, or None (nil).
// Functions: if (2 or 3 arguments), eq, neq, lt, leq, gt, geq, and, or,
// not, contains, at, len, defined. A string literal substitutes ${VAR}
// (a variable without a value stays as written); a variable whose value is
// itself an expression is evaluated in turn (a cycle is an error).

// VarExprEmptyList is the value of "[]" (SdfVariableExpression::EmptyList).
type VarExprEmptyList struct{}

// EvalVariableExpression evaluates expression s (with its backquotes)
// with variables vars.
func EvalVariableExpression(s string, vars map[string]any) (any, error) {
	n, err := parseVarExpr(s)
	if err != nil {
		return nil, err
	}
	ctx := &varExprCtx{vars: vars}
	v, errs := n.eval(ctx)
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return v, nil
}

// ---- parsing

type veNode interface {
	eval(ctx *varExprCtx) (any, []string)
}

type veParser struct {
	s string
	i int
}

func parseVarExpr(s string) (veNode, error) {
	p := &veParser{s: s}
	if !p.lit("`") {
		return nil, fmt.Errorf("variable expression %s: expected '`'", s)
	}
	n, err := p.body()
	if err != nil {
		return nil, fmt.Errorf("variable expression %s: %v", s, err)
	}
	if !p.lit("`") || p.i != len(p.s) {
		return nil, fmt.Errorf("variable expression %s: expected '`' at %q", s, p.s[min(p.i, len(p.s)):])
	}
	return n, nil
}

func (p *veParser) lit(l string) bool {
	if strings.HasPrefix(p.s[p.i:], l) {
		p.i += len(l)
		return true
	}
	return false
}

func (p *veParser) spaces() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *veParser) ident() string {
	j := p.i
	for j < len(p.s) {
		c := p.s[j]
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || j > p.i && c >= '0' && c <= '9' {
			j++
			continue
		}
		break
	}
	id := p.s[p.i:j]
	p.i = j
	return id
}

func (p *veParser) body() (veNode, error) {
	if p.lit("[") {
		var elems []veNode
		p.spaces()
		if p.lit("]") {
			return veList(nil), nil
		}
		for {
			p.spaces()
			n, err := p.scalar()
			if err != nil {
				return nil, err
			}
			elems = append(elems, n)
			p.spaces()
			if p.lit("]") {
				return veList(elems), nil
			}
			if !p.lit(",") {
				return nil, fmt.Errorf("expected ',' or ']' at %q", p.s[p.i:])
			}
		}
	}
	return p.scalar()
}

func (p *veParser) keyword(words ...string) bool {
	for _, w := range words {
		if strings.HasPrefix(p.s[p.i:], w) {
			j := p.i + len(w)
			if j < len(p.s) && (p.s[j] == '_' || p.s[j] >= 'a' && p.s[j] <= 'z' || p.s[j] >= 'A' && p.s[j] <= 'Z' || p.s[j] >= '0' && p.s[j] <= '9') {
				continue
			}
			p.i = j
			return true
		}
	}
	return false
}

func (p *veParser) scalar() (veNode, error) {
	if p.i >= len(p.s) {
		return nil, fmt.Errorf("expected a value at the end")
	}
	switch c := p.s[p.i]; {
	case strings.HasPrefix(p.s[p.i:], "${"):
		p.i += 2
		name := p.ident()
		if name == "" || !p.lit("}") {
			return nil, fmt.Errorf("bad variable reference at %q", p.s[p.i:])
		}
		return veVar(name), nil
	case c == '"' || c == '\'':
		return p.quoted(c)
	case c == '-' || c >= '0' && c <= '9':
		j := p.i
		if c == '-' {
			j++
		}
		k := j
		for k < len(p.s) && p.s[k] >= '0' && p.s[k] <= '9' {
			k++
		}
		if k == j {
			return nil, fmt.Errorf("expected a value at %q", p.s[p.i:])
		}
		v, err := strconv.ParseInt(p.s[p.i:k], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("integer %s out of range", p.s[p.i:k])
		}
		p.i = k
		return veConst{v}, nil
	}
	switch {
	case p.keyword("True", "true"):
		return veConst{true}, nil
	case p.keyword("False", "false"):
		return veConst{false}, nil
	case p.keyword("None", "none"):
		return veConst{nil}, nil
	}
	start := p.i
	name := p.ident()
	if name == "" {
		return nil, fmt.Errorf("expected a value at %q", p.s[p.i:])
	}
	p.spaces()
	if !p.lit("(") {
		p.i = start
		return nil, fmt.Errorf("expected a value at %q", p.s[p.i:])
	}
	p.spaces()
	var args []veNode
	if !p.lit(")") {
		for {
			p.spaces()
			n, err := p.body()
			if err != nil {
				return nil, err
			}
			args = append(args, n)
			p.spaces()
			if p.lit(")") {
				break
			}
			if !p.lit(",") {
				return nil, fmt.Errorf("expected ',' or ')' in %s() at %q", name, p.s[p.i:])
			}
		}
	}
	p.spaces()
	return newVeFunc(name, args)
}

// quoted reads a string literal: \ escapes '`', '$', '\' and the quote;
// other text keeps its backslash escapes for TfEscapeString (\n, \t, ...).
func (p *veParser) quoted(q byte) (veNode, error) {
	p.i++
	var parts []vePart
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			parts = append(parts, vePart{text: unescapeTf(lit.String())})
			lit.Reset()
		}
	}
	for {
		if p.i >= len(p.s) {
			return nil, fmt.Errorf("unterminated string")
		}
		c := p.s[p.i]
		switch {
		case c == q:
			p.i++
			flush()
			return veString(parts), nil
		case c == '\\' && p.i+1 < len(p.s) && strings.IndexByte("`$\\"+string(q), p.s[p.i+1]) >= 0:
			lit.WriteString(p.s[p.i : p.i+2])
			p.i += 2
		case strings.HasPrefix(p.s[p.i:], "${"):
			p.i += 2
			name := p.ident()
			if name == "" || !p.lit("}") {
				return nil, fmt.Errorf("bad variable reference in a string at %q", p.s[p.i:])
			}
			flush()
			parts = append(parts, vePart{text: name, isVar: true})
		default:
			lit.WriteByte(c)
			p.i++
		}
	}
}

// unescapeTf is TfEscapeString: C escapes (\n \t \\ \" \' \` \$ \xHH,
// octal), an unknown escape keeps the character after the backslash.
func unescapeTf(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch c := s[i]; c {
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'v':
			b.WriteByte('\v')
		case 'x':
			j := i + 1
			for j < len(s) && j < i+3 && strings.IndexByte("0123456789abcdefABCDEF", s[j]) >= 0 {
				j++
			}
			if v, err := strconv.ParseUint(s[i+1:j], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i = j - 1
			} else {
				b.WriteByte('x')
			}
		case '0', '1', '2', '3', '4', '5', '6', '7':
			j := i
			for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
				j++
			}
			v, _ := strconv.ParseUint(s[i:j], 8, 16)
			b.WriteByte(byte(v))
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// ---- evaluation

type varExprCtx struct {
	vars  map[string]any
	stack []string
}

// variable returns a variable's value (evaluated when it is itself an
// expression) and whether it has one.
func (c *varExprCtx) variable(name string) (any, []string, bool) {
	for _, s := range c.stack {
		if s == name {
			quoted := make([]string, len(c.stack))
			for i, x := range c.stack {
				quoted[i] = "'" + x + "'"
			}
			return nil, []string{fmt.Sprintf("Encountered circular variable substitutions: [%s, '%s']", strings.Join(quoted, ", "), name)}, true
		}
	}
	raw, ok := c.vars[name]
	if !ok {
		return nil, nil, false
	}
	v, ok := veCoerce(raw)
	if !ok {
		return nil, []string{fmt.Sprintf("Variable '%s' has unsupported type %T", name, raw)}, true
	}
	if s, isStr := v.(string); isStr && len(s) >= 2 && s[0] == '`' && s[len(s)-1] == '`' {
		n, err := parseVarExpr(s)
		if err != nil {
			return nil, []string{fmt.Sprintf("%v (in variable '%s')", err, name)}, true
		}
		c.stack = append(c.stack, name)
		defer func() { c.stack = c.stack[:len(c.stack)-1] }()
		r, errs := n.eval(c)
		return r, errs, true
	}
	return v, nil, true
}

// veCoerce maps a dictionary value to an expression value: strings,
// tokens, bools, integers (to int64) and lists of those.
func veCoerce(v any) (any, bool) {
	switch x := v.(type) {
	case string, bool, int64:
		return x, true
	case Token:
		return string(x), true
	case int32:
		return int64(x), true
	case int:
		return int64(x), true
	case []string, []bool, []int64:
		return x, true
	case []int32:
		out := make([]int64, len(x))
		for i, e := range x {
			out[i] = int64(e)
		}
		return out, true
	case []Token:
		out := make([]string, len(x))
		for i, e := range x {
			out[i] = string(e)
		}
		return out, true
	case nil:
		return nil, true
	}
	return nil, false
}

func veTypeName(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case bool:
		return "bool"
	case int64:
		return "int"
	case []string, []bool, []int64, VarExprEmptyList:
		return "list"
	case nil:
		return "None"
	}
	return fmt.Sprintf("%T", v)
}

type vePart struct {
	text  string
	isVar bool
}

type veString []vePart

func (n veString) eval(ctx *varExprCtx) (any, []string) {
	var b strings.Builder
	for _, part := range n {
		if !part.isVar {
			b.WriteString(part.text)
			continue
		}
		v, errs, has := ctx.variable(part.text)
		switch {
		case !has:
			// No value: the substitution stays in place for clients.
			b.WriteString("${" + part.text + "}")
		case len(errs) > 0:
			return nil, errs
		case v == nil:
			// An expression that gave no value: the empty string.
		default:
			s, ok := v.(string)
			if !ok {
				return nil, []string{fmt.Sprintf("String value required for substituting variable '%s', got %s.", part.text, veTypeName(v))}
			}
			b.WriteString(s)
		}
	}
	return b.String(), nil
}

type veVar string

func (n veVar) eval(ctx *varExprCtx) (any, []string) {
	v, errs, has := ctx.variable(string(n))
	if !has {
		return nil, []string{fmt.Sprintf("No value for variable '%s'", string(n))}
	}
	return v, errs
}

type veConst struct{ v any }

func (n veConst) eval(*varExprCtx) (any, []string) { return n.v, nil }

type veList []veNode

func (n veList) eval(ctx *varExprCtx) (any, []string) {
	var list any
	var errs []string
	for i, e := range n {
		v, es := e.eval(ctx)
		if len(es) > 0 {
			errs = append(errs, es...)
			continue
		}
		ok := false
		switch x := v.(type) {
		case string:
			if l, isL := list.([]string); isL || list == nil {
				list, ok = append(l, x), true
			}
		case bool:
			if l, isL := list.([]bool); isL || list == nil {
				list, ok = append(l, x), true
			}
		case int64:
			if l, isL := list.([]int64); isL || list == nil {
				list, ok = append(l, x), true
			}
		}
		if !ok {
			errs = append(errs, fmt.Sprintf("Unexpected value of type %s in list at element %d", veTypeName(v), i))
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if list == nil {
		return VarExprEmptyList{}, nil
	}
	return list, nil
}

type veFunc struct {
	name string
	args []veNode
}

func newVeFunc(name string, args []veNode) (veNode, error) {
	want := map[string][2]int{ // minimum and maximum argument counts (-1: any)
		"if": {2, 3}, "eq": {2, 2}, "neq": {2, 2}, "lt": {2, 2}, "leq": {2, 2}, "gt": {2, 2}, "geq": {2, 2},
		"and": {2, -1}, "or": {2, -1}, "not": {1, 1}, "contains": {2, 2}, "at": {2, 2}, "len": {1, 1}, "defined": {1, -1},
	}
	w, ok := want[name]
	if !ok {
		return nil, fmt.Errorf("unknown function '%s'", name)
	}
	if len(args) < w[0] || w[1] >= 0 && len(args) > w[1] {
		return nil, fmt.Errorf("function '%s' does not take %d arguments", name, len(args))
	}
	return veFunc{name, args}, nil
}

// listContains is contains over a list: the value searched for must have
// the list's element type.
func listContains[T comparable](n veFunc, list []T, f any) (any, []string) {
	v, ok := f.(T)
	if !ok {
		return n.errorf("Invalid search value")
	}
	return slices.Contains(list, v), nil
}

func (n veFunc) errorf(format string, a ...any) (any, []string) {
	return nil, []string{n.name + ": " + fmt.Sprintf(format, a...)}
}

func (n veFunc) eval(ctx *varExprCtx) (any, []string) {
	switch n.name {
	case "if":
		c, errs := n.args[0].eval(ctx)
		if len(errs) > 0 {
			return nil, errs
		}
		cond, ok := c.(bool)
		if !ok {
			return n.errorf("Condition must be a boolean value")
		}
		a, aerrs := n.args[1].eval(ctx)
		var b any
		var berrs []string
		if len(n.args) == 3 {
			b, berrs = n.args[2].eval(ctx)
			if a != nil && b != nil && veTypeName(a) != veTypeName(b) {
				return n.errorf("if-value and else-value must evaluate to the same type or None.")
			}
		}
		if cond {
			return a, aerrs
		}
		return b, berrs
	case "eq", "neq", "lt", "leq", "gt", "geq":
		x, xe := n.args[0].eval(ctx)
		y, ye := n.args[1].eval(ctx)
		if errs := append(xe, ye...); len(errs) > 0 {
			return nil, errs
		}
		if veTypeName(x) != veTypeName(y) {
			return n.errorf("Cannot compare values of type %s and %s", veTypeName(x), veTypeName(y))
		}
		var order int
		switch xv := x.(type) {
		case nil:
			switch n.name {
			case "eq":
				return true, nil
			case "neq":
				return false, nil
			}
			return n.errorf("Comparison operation not supported for None")
		case string:
			order = cmp.Compare(xv, y.(string))
		case int64:
			order = cmp.Compare(xv, y.(int64))
		case bool: // false < true
			order = cmp.Compare(b2i(xv), b2i(y.(bool)))
		default:
			return n.errorf("Unsupported type for comparison")
		}
		switch n.name {
		case "eq":
			return order == 0, nil
		case "neq":
			return order != 0, nil
		case "lt":
			return order < 0, nil
		case "leq":
			return order <= 0, nil
		case "gt":
			return order > 0, nil
		}
		return order >= 0, nil
	case "and", "or":
		var result any
		var errs []string
		for i, a := range n.args {
			v, es := a.eval(ctx)
			if len(es) > 0 {
				errs = append(errs, es...)
				continue
			}
			b, ok := v.(bool)
			if !ok {
				errs = append(errs, fmt.Sprintf("%s: Invalid type %s for argument %d", n.name, veTypeName(v), i))
				continue
			}
			if result == nil {
				result = b
			} else if n.name == "and" {
				result = result.(bool) && b
			} else {
				result = result.(bool) || b
			}
		}
		if len(errs) > 0 {
			return nil, errs
		}
		return result, nil
	case "not":
		v, errs := n.args[0].eval(ctx)
		if len(errs) > 0 {
			return nil, errs
		}
		b, ok := v.(bool)
		if !ok {
			return n.errorf("Invalid type %s for argument", veTypeName(v))
		}
		return !b, nil
	case "contains":
		in, ie := n.args[0].eval(ctx)
		f, fe := n.args[1].eval(ctx)
		if errs := append(ie, fe...); len(errs) > 0 {
			return nil, errs
		}
		switch x := in.(type) {
		case VarExprEmptyList:
			return false, nil
		case string:
			s, ok := f.(string)
			if !ok {
				return n.errorf("Invalid search value")
			}
			return strings.Contains(x, s), nil
		case []string:
			return listContains(n, x, f)
		case []int64:
			return listContains(n, x, f)
		case []bool:
			return listContains(n, x, f)
		}
		return n.errorf("Value to search must be a list or string")
	case "at":
		src, se := n.args[0].eval(ctx)
		idx, ie := n.args[1].eval(ctx)
		if errs := append(se, ie...); len(errs) > 0 {
			return nil, errs
		}
		k, ok := idx.(int64)
		if !ok {
			return n.errorf("Index must be an integer")
		}
		norm := func(size int) (int, bool) {
			j := k
			if j < 0 {
				j += int64(size)
			}
			return int(j), j >= 0 && j < int64(size)
		}
		switch x := src.(type) {
		case string:
			if j, ok := norm(len(x)); ok {
				return x[j : j+1], nil
			}
		case []string:
			if j, ok := norm(len(x)); ok {
				return x[j], nil
			}
		case []int64:
			if j, ok := norm(len(x)); ok {
				return x[j], nil
			}
		case []bool:
			if j, ok := norm(len(x)); ok {
				return x[j], nil
			}
		case VarExprEmptyList:
		default:
			return n.errorf("Only supported for lists or strings")
		}
		return n.errorf("Index out of range")
	case "len":
		v, errs := n.args[0].eval(ctx)
		if len(errs) > 0 {
			return nil, errs
		}
		switch x := v.(type) {
		case string:
			return int64(len(x)), nil
		case []string:
			return int64(len(x)), nil
		case []int64:
			return int64(len(x)), nil
		case []bool:
			return int64(len(x)), nil
		case VarExprEmptyList:
			return int64(0), nil
		}
		return n.errorf("Unsupported type")
	case "defined":
		var result any
		var errs []string
		for i, a := range n.args {
			v, es := a.eval(ctx)
			if len(es) > 0 {
				errs = append(errs, es...)
				continue
			}
			name, ok := v.(string)
			if !ok {
				errs = append(errs, fmt.Sprintf("defined: Invalid type %s for argument %d", veTypeName(v), i))
				continue
			}
			_, has := ctx.vars[name]
			prev, _ := result.(bool)
			if result == nil {
				prev = true
			}
			result = prev && has
		}
		if len(errs) > 0 {
			return nil, errs
		}
		return result, nil
	}
	return n.errorf("unknown function")
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

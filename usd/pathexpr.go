package usd

import (
	"strings"

	"github.com/rgallery/rgallery/usd/sdf"
)

// Path expressions (SdfPathExpression) read from an attribute are in the
// namespace of the layer that authored them. OpenUSD gives them in the
// stage's namespace (UsdStage::_MakeResolvedPathExpressions,
// _MapPathExpressionToPrim): each path pattern's non-speculative prefix
// (the literal path before its first wildcard, "//" or predicate) is made
// absolute against the owning prim's path in that layer and mapped to the
// stage through the node's map to the root; a pattern that starts with
// "//" is kept unchanged ("search everything"); a pattern whose prefix does
// not map becomes the empty set ("~//", SdfPathExpression::Nothing). The
// operators between patterns are kept as written.

// mapPathExpression rewrites the patterns of expression expr, authored on
// the prim at anchor (a path in the authoring layer), with toRoot.
func mapPathExpression(expr sdf.PathExpression, anchor string, toRoot func(string) (string, bool)) sdf.PathExpression {
	s := string(expr)
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if isPathExprOperator(c) {
			b.WriteByte(c)
			i++
			continue
		}
		// A pattern runs to the next operator outside braces.
		j, depth := i, 0
		for ; j < len(s); j++ {
			switch s[j] {
			case '{':
				depth++
			case '}':
				depth--
			}
			if depth == 0 && isPathExprOperator(s[j]) {
				break
			}
		}
		b.WriteString(mapPathPattern(s[i:j], anchor, toRoot))
		i = j
	}
	return sdf.PathExpression(b.String())
}

// isPathExprOperator reports the characters that separate path patterns
// in the text form: whitespace (implied union), + - & | ~ and parentheses.
func isPathExprOperator(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '+', '-', '&', '|', '~', '(', ')':
		return true
	}
	return false
}

func mapPathPattern(p, anchor string, toRoot func(string) (string, bool)) string {
	if strings.HasPrefix(p, "//") || strings.HasPrefix(p, "%") || p == "" {
		return p
	}
	// The prefix ends before the first speculative element.
	end := len(p)
	for k := 0; k < len(p); k++ {
		if p[k] == '*' || p[k] == '{' || p[k] == '[' || p[k] == '?' || k > 0 && p[k] == '/' && p[k-1] == '/' {
			end = k
			break
		}
	}
	prefix, rest := p[:end], p[end:]
	// A wildcard inside the last element keeps that element in rest.
	if end < len(p) {
		if cut := strings.LastIndexByte(prefix, '/'); cut >= 0 && !strings.HasSuffix(prefix, "/") {
			prefix, rest = prefix[:cut], p[cut:]
		} else if strings.HasSuffix(prefix, "/") && prefix != "/" {
			prefix, rest = strings.TrimSuffix(prefix, "/"), p[len(prefix)-1:]
		} else if cut < 0 {
			// A relative first element with a wildcard: anchored at the prim.
			prefix, rest = ".", "/"+p
		}
	}
	if prefix == "" {
		prefix = "."
	}
	abs := sdf.MakeAbsolute(prefix, anchor)
	mapped, ok := toRoot(abs)
	if !ok {
		return "~//"
	}
	if rest != "" && strings.HasPrefix(rest, "/") && mapped == "/" {
		return rest
	}
	return mapped + rest
}

package pcp

import (
	"fmt"
	"strings"

	"github.com/rgallery/rgallery/usd/sdf"
)

// IsExpression reports whether s is a variable expression: `...`.
func IsExpression(s string) bool { return len(s) >= 2 && s[0] == '`' && s[len(s)-1] == '`' }

// EvalExpression evaluates the subset of OpenUSD variable expressions
// that asset paths and variant selections use: a quoted string literal with
// ${VAR} substitutions. Other expression forms (functions like if/and)
// are reported as unsupported.
func EvalExpression(s string, vars map[string]any) (string, error) {
	body := strings.TrimSpace(s[1 : len(s)-1])
	if len(body) < 2 || (body[0] != '"' && body[0] != '\'') || body[len(body)-1] != body[0] {
		if strings.HasPrefix(body, "${") && strings.HasSuffix(body, "}") {
			name := body[2 : len(body)-1]
			v, ok := vars[name]
			if !ok {
				return "", fmt.Errorf("no value for variable '%s'", name)
			}
			return fmt.Sprint(v), nil
		}
		return "", fmt.Errorf("unsupported expression %s", s)
	}
	lit := body[1 : len(body)-1]
	var b strings.Builder
	for i := 0; i < len(lit); i++ {
		c := lit[i]
		if c == '\\' && i+1 < len(lit) {
			b.WriteByte(lit[i+1])
			i++
			continue
		}
		if c == '$' && i+1 < len(lit) && lit[i+1] == '{' {
			end := strings.IndexByte(lit[i:], '}')
			if end < 0 {
				return "", fmt.Errorf("bad expression %s: missing '}'", s)
			}
			name := lit[i+2 : i+end]
			v, ok := vars[name]
			if !ok {
				// An undefined variable inside a string stays as written
				// (SdfVariableExpression: "'sel_${X}'" without X is
				// "sel_${X}", usd-core 26.11).
				b.WriteString(lit[i : i+end+1])
				i += end
				continue
			}
			switch t := v.(type) {
			case string:
				b.WriteString(t)
			case sdf.Token:
				b.WriteString(string(t))
			default:
				b.WriteString(fmt.Sprint(t))
			}
			i += end
			continue
		}
		b.WriteByte(c)
	}
	return b.String(), nil
}

// layerVars returns the expressionVariables dictionary of a layer.
func layerVars(l *sdf.Layer) map[string]any {
	v, _ := l.Meta("expressionVariables")
	m, _ := v.(map[string]any)
	return m
}

// mergeVars returns weak overridden by strong.
func mergeVars(strong, weak map[string]any) map[string]any {
	if len(strong) == 0 {
		return weak
	}
	out := map[string]any{}
	for k, v := range weak {
		out[k] = v
	}
	for k, v := range strong {
		out[k] = v
	}
	return out
}

// nodeVars composes the expression variables that apply at n: those of
// its layer stack's root, overridden by the layer stacks that refer to it.
func nodeVars(n *Node) map[string]any {
	var vars map[string]any
	var last *LayerStack
	var chain []*LayerStack
	for c := n; c != nil; c = c.Parent {
		if c.LayerStack != last {
			chain = append(chain, c.LayerStack)
			last = c.LayerStack
		}
	}
	for _, ls := range chain { // weakest (n's) first
		vars = mergeVars(ls.vars, vars)
	}
	return vars
}

// ExpressionVariables returns the expression variables that apply at n:
// its layer stack's, overridden by those of the layer stacks that refer
// to it (PcpLayerStack::GetExpressionVariables). A nil node gives nil.
func (n *Node) ExpressionVariables() map[string]any {
	if n == nil {
		return nil
	}
	return nodeVars(n)
}

// ExpressionVariables returns the expression variables of the stack's
// root (and session) layer.
func (ls *LayerStack) ExpressionVariables() map[string]any { return ls.vars }

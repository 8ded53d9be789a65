package pcp

import (
	"fmt"

	"github.com/rgallery/rgallery/usd/sdf"
)

// IsExpression reports whether s is a variable expression: `...`.
func IsExpression(s string) bool { return len(s) >= 2 && s[0] == '`' && s[len(s)-1] == '`' }

// EvalExpression evaluates variable expression s for an asset path or a
// variant selection: the value must be a string, None gives "" (as
// Pcp_EvaluateVariableExpression does with EvaluateTyped<std::string>).
// The grammar and functions are sdf.EvalVariableExpression's.
func EvalExpression(s string, vars map[string]any) (string, error) {
	v, err := sdf.EvalVariableExpression(s, vars)
	if err != nil {
		return "", err
	}
	switch x := v.(type) {
	case string:
		return x, nil
	case nil:
		return "", nil
	}
	return "", fmt.Errorf("expression %s evaluated to a value of type %T, but a string is expected", s, v)
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
func nodeVars(n *Node) map[string]any { return frameNodeVars(n, nil) }

// frameNodeVars is nodeVars for a node of a subgraph built in frame fr
// (a sub-root arc's target's ancestors): the walk goes on from the node
// each frame hangs under, since the layer stack the subgraph is built in
// is the one the outer graph refers to, whose variables the referring
// layer stacks override (PcpLayerStackIdentifier's
// expressionVariablesOverrideSource; mxpv/openusd fixture
// expr_vars_compose_subroot: an ancestral reference of a sub-root target
// sees the root layer stack's TARGET, not its own layer's).
func frameNodeVars(n *Node, fr *frame) map[string]any {
	var vars map[string]any
	var last *LayerStack
	var chain []*LayerStack
	for {
		for c := n; c != nil; c = c.Parent {
			if c.LayerStack != last {
				chain = append(chain, c.LayerStack)
				last = c.LayerStack
			}
		}
		if fr == nil {
			break
		}
		n, fr = fr.parent, fr.prev
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

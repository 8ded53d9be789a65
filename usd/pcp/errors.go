package pcp

import "fmt"

// Error is a composition error with the kind and site Pcp gives it: Kind is
// the name of OpenUSD's PcpErrorType without its prefix ("ArcCycle",
// "InvalidAssetPath", "UnresolvedPrimPath", "InvalidSublayerPath",
// "SublayerCycle", "VariableExpressionError"), Site the stage path of the
// prim whose index found it ("" for errors of a layer stack).
type Error struct {
	Kind string
	Site string
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }

func (e *Error) Unwrap() error { return e.Err }

func newError(kind, site, format string, args ...any) *Error {
	return &Error{Kind: kind, Site: site, Err: fmt.Errorf(format, args...)}
}

// ArcDepth is the namespace depth (number of path elements) of the prim
// whose arc brought the node in: less than the prim's own depth for
// ancestral nodes (Pcp's IsDueToAncestor), equal for direct arcs and the
// nodes they bring.
func (n *Node) ArcDepth() int { return n.depth }

// IsDueToAncestor reports whether the node was brought into the prim's
// index by an arc of a namespace ancestor (PcpNodeRef::IsDueToAncestor:
// Pcp marks every node it copies from the parent's index,
// _ConvertNodeForChild), not by an arc authored on the prim itself. A
// copied node keeps the map function of its arc, whose target is then
// a namespace ancestor of its parent's site.
func (n *Node) IsDueToAncestor() bool {
	return n.Parent != nil && n.mapDst != n.Parent.Path
}

// TopArc returns the node's ancestor just below the root (the node itself
// if its parent is the root), nil for the root.
func (n *Node) TopArc() *Node {
	if n.Parent == nil {
		return nil
	}
	for n.Parent.Parent != nil {
		n = n.Parent
	}
	return n
}

// RelocationSourceErrors returns the OpinionAtRelocationSource errors of
// the index: a prim relocated here must not keep specs at its source
// path (the source's own opinions are ignored, "salted earth"), and Pcp
// reports one error per layer that has one, at the prim whose index adds
// the relocation arc (_EvalNodeRelocations, PcpComposeSitePrimSites).
// Relocation nodes copied from an ancestor's index were reported there.
func (idx *PrimIndex) RelocationSourceErrors() []error {
	if idx == nil || idx.Root == nil {
		return nil
	}
	var out []error
	walk(idx.Root, func(n *Node) {
		if n.Arc != ArcRelocate || n.IsDueToAncestor() {
			return
		}
		for _, l := range n.LayerStack.Layers {
			if l.Specs[n.Path] != nil {
				out = append(out, newError("OpinionAtRelocationSource", idx.Path,
					"%s: opinion at relocation source @%s@<%s> is ignored", idx.Path, l.Identifier, n.Path))
			}
		}
	})
	return out
}

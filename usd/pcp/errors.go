package pcp

import (
	"fmt"
	"math"

	"github.com/rgallery/rgallery/usd/sdf"
)

// Error is a composition error with the kind and site Pcp gives it: Kind is
// the name of OpenUSD's PcpErrorType without its prefix ("ArcCycle",
// "InvalidAssetPath", "UnresolvedPrimPath", "InvalidSublayerPath",
// "SublayerCycle", "VariableExpressionError"), Site the stage path of the
// prim whose index found it ("/" for errors of a layer stack, "" for
// variable expression errors, as Pcp's root sites are).
type Error struct {
	Kind string
	Site string
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }

func (e *Error) Unwrap() error { return e.Err }

func newError(kind, site, format string, args ...any) *Error {
	if kind == "VariableExpressionError" {
		// Pcp_EvaluateVariableExpression reports the layer and the
		// field, not the prim index it was evaluated for: its errors
		// have no root site (sublayers, variant selections, arcs alike).
		site = ""
	}
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
// The error's site is the root of the graph the relocation arc was added
// to (node.GetRootNode()): the prim, or the target of the sub-root arc
// whose subgraph holds it.
func (idx *PrimIndex) RelocationSourceErrors() []error {
	if idx == nil || idx.Root == nil {
		return nil
	}
	var out []error
	walk(idx.Root, func(n *Node) {
		if n.Arc != ArcRelocate || n.IsDueToAncestor() {
			return
		}
		site := frameRootPath(idx, n.Parent)
		for _, l := range n.LayerStack.Layers {
			if l.Specs[n.Path] != nil {
				out = append(out, newError("OpinionAtRelocationSource", site,
					"%s: opinion at relocation source @%s@<%s> is ignored", site, l.Identifier, n.Path))
			}
		}
	})
	return out
}

// frameRootPath returns the path of the root of the (sub)graph that n
// belongs to while Pcp builds it: the nearest node at or above n that is
// the target of an arc to a sub-root site, which Pcp indexes in a frame
// of its own with the ancestral opinions (_AddArc with
// includeAncestralOpinions), else the prim's path.
func frameRootPath(idx *PrimIndex, n *Node) string {
	for a := n; a != nil && a.Parent != nil; a = a.Parent {
		switch a.Arc {
		case ArcReference, ArcPayload, ArcInherit, ArcSpecialize, ArcRelocate:
		default:
			continue
		}
		if a.IsDueToAncestor() || a.implied {
			continue
		}
		if p := sdf.StripVariants(a.Path); sdf.ParentPath(p) != "/" {
			return a.Path
		}
	}
	return idx.Path
}

// validOffset reports whether a layer offset authored on a sublayer,
// reference or payload is usable: finite, with a finite inverse, and (in
// usd-core 26.11) a positive scale; OpenUSD reports any other as
// InvalidSublayerOffset or InvalidReferenceOffset and uses no offset
// (SdfLayerOffset::IsValid and GetInverse().IsValid(), checked in
// PcpLayerStack's _BuildLayerStack and _EvalRefOrPayloadArcs). The
// sublayer offsets of sdf.Layer.SubLayers do not tell an authored scale
// of 0 from none.
func validOffset(o sdf.LayerOffset) bool {
	inf := func(f float64) bool { return math.IsInf(f, 0) || math.IsNaN(f) }
	if inf(o.Offset) || inf(o.Scale) || o.Scale < 0 {
		return false
	}
	inv := o.Inverse()
	return !inf(inv.Offset) && !inf(inv.Scale)
}

// refOffset checks the layer offset of a reference or payload authored on
// node n, as _EvalRefOrPayloadArcs does before anything else about the
// arc: an invalid one is an InvalidReferenceOffset error at the root of
// the graph being built, and the arc goes on with no offset.
func (b *builder) refOffset(n *Node, arc ArcType, asset, primPath string, off sdf.LayerOffset) sdf.LayerOffset {
	// The readers give an arc with no authored scale the scale 1, so a 0
	// here was authored (its inverse is not finite).
	if off.Scale != 0 && validOffset(off) {
		return off
	}
	b.errf("InvalidReferenceOffset", "%s: invalid %s offset (offset %g, scale %g) for @%s@<%s> introduced by <%s>: using no offset",
		b.idx.Path, arc, off.Offset, off.Scale, asset, primPath, n.Path)
	return sdf.IdentityOffset
}

// errAtNode records an error found while evaluating the arcs of node n,
// sited as Pcp sites it (node.GetRootNode().GetSite(), in
// _EvalRefOrPayloadArcs and the like): at the root of the graph n
// belongs to while Pcp builds it, which is the target of a sub-root arc
// when n lies in that arc's subgraph (frameRootPath), else the prim (or,
// inside a frame, the site the frame's index is built for).
func (b *builder) errAtNode(n *Node, kind, format string, args ...any) {
	t := b.top()
	site := frameRootPath(b.idx, n)
	t.idx.Errors = append(t.idx.Errors, newError(kind, site, format, args...))
}

// elideIfProhibited applies the salted-earth policy to a subgraph built
// in a frame, once its namespace ancestors' opinions are in and before
// any arc of its own is evaluated (_ElidePrimIndexIfProhibited,
// _ComposeIsProhibitedPrimChild, run by Pcp_BuildPrimIndex at each level
// of the frame): when a node of the graph that can contribute sits at the
// source of a relocation of its layer stack, the site is a prohibited
// child. That is an ArcToProhibitedChild error at the root site of the
// index being built (the stage's prim, whatever layer stack the node is
// in: Pcp finds it too at a relocation target whose source's subgraph
// reaches a prohibited site), and the subgraph is elided: its root inert,
// its other nodes culled. The root of the requested site's level counts
// only when the arc's node contributes (a relocation node does not).
//
// Without a frame (a prim of the stage) the policy applies the same way
// but reports nothing (Pcp records the error only with a previous frame).
// Such a prim is composed only where Pcp's child names keep a prohibited
// name: below an instance, whose names come from its instanceable nodes
// (_ComposePrimChildNamesForInstance), while a node made inert by
// Pcp_DisableNonInstanceableNodesVisitor is skipped but one below an
// instanceable node is not.
func (b *builder) elideIfProhibited() bool {
	fr := b.frame
	rootCounts := fr == nil || b.idx.Path != fr.requested || !(fr.node.inert || fr.arc == ArcRelocate)
	var hit *Node
	var visit func(n *Node)
	visit = func(n *Node) {
		if hit != nil {
			return
		}
		if n.culled {
			return
		}
		counts := n.Contributes()
		if n.Parent == nil {
			counts = rootCounts && !n.inert
		}
		if counts && len(n.LayerStack.Relocates) > 0 && n.LayerStack.isRelocationSource(n.Path) {
			hit = n
			return
		}
		for _, c := range n.Children {
			visit(c)
		}
	}
	visit(b.idx.Root)
	if hit == nil {
		return false
	}
	if fr != nil {
		t := b.top()
		t.idx.Errors = append(t.idx.Errors, newError("ArcToProhibitedChild", t.idx.Path,
			"%s: %s arc to @%s@<%s> reaches @%s@<%s>, the source of a relocation: ignored",
			t.idx.Path, fr.arc, fr.node.LayerStack.Root().Identifier, fr.requested, hit.LayerStack.Root().Identifier, hit.Path))
	}
	// Culled nodes stay in Pcp's graph until it is finalized, and the
	// UnresolvedPrimPath checks see them (checkUnresolved).
	b.idx.Root.inert = true
	b.idx.Root.culledKids = b.idx.Root.Children
	b.idx.Root.Children = nil
	b.idx.prohibited = true
	return true
}

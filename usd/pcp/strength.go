package pcp

import (
	"sort"
	"strings"

	"github.com/rgallery/rgallery/usd/sdf"
)

// enclosingSpecialize returns the nearest specialize node at or above n.
func enclosingSpecialize(n *Node) *Node {
	for ; n != nil; n = n.Parent {
		if n.Arc == ArcSpecialize {
			return n
		}
	}
	return nil
}

// withVariantSelections puts the variant selections of nodePath back into
// a class path authored inside a variant: </Model/_class> written in
// </Model{v=a}Child> means </Model{v=a}_class>.
func withVariantSelections(target, nodePath string) string {
	if !strings.ContainsRune(nodePath, '{') {
		return target
	}
	// Try the longest variant prefix first.
	for i := len(nodePath) - 1; i >= 0; i-- {
		if nodePath[i] != '}' {
			continue
		}
		prefix := nodePath[:i+1]
		stripped := sdf.StripVariants(prefix[:strings.LastIndexByte(prefix, '{')])
		if sdf.HasPrefix(target, stripped) && target != stripped {
			if p, ok := sdf.ReplacePrefix(target, stripped, prefix); ok {
				return p
			}
		}
	}
	return target
}

// strengthOrder lists the contributing nodes strongest first: the graph in
// pre-order without specialized hierarchies, then each specialized
// hierarchy, ordered by nesting level, then by the strength of the arc it
// came from, then by how far it was implied (further is stronger).
func (b *builder) strengthOrder() []*Node {
	var main []*Node
	var trees []*Node
	pos := map[*Node]int{}
	i := 0
	var rec func(n *Node)
	rec = func(n *Node) {
		pos[n] = i
		i++
		if n.Arc == ArcSpecialize {
			trees = append(trees, n)
		} else {
			main = append(main, n)
		}
		for _, c := range n.Children {
			rec(c)
		}
	}
	rec(b.idx.Root)
	if len(trees) == 0 {
		return main
	}
	b.sortSpecializes(trees, pos)
	// Main nodes exclude everything inside a specialized hierarchy.
	inTree := func(n *Node) bool { return enclosingSpecialize(n) != nil }
	var out []*Node
	for _, n := range main {
		if !inTree(n) {
			out = append(out, n)
		}
	}
	// A specialized hierarchy moved to the root merges into a child of the
	// root at the same site, and so does each of its nodes into the
	// matching child of the node it merged into: those contribute once,
	// where the root's child is (_PropagateNodeToParent, _FindMatchingChild).
	rootKids := map[string]*Node{}
	key := func(n *Node) string { return n.LayerStack.id + "\x00" + n.Path }
	// A specializes arc authored on the prim itself is at the root
	// already: a hierarchy propagated later to the same site merges into
	// it, and contributes with its map and offset, where it is
	// (specializes tasks run after every other arc, Task::Type).
	for _, c := range b.idx.Root.Children {
		if c.Contributes() {
			rootKids[key(c)] = c
		}
	}
	merged := map[*Node]bool{}
	var merge func(n, into *Node)
	merge = func(n, into *Node) {
		merged[n] = true
		for _, c := range n.Children {
			if c.Arc == ArcSpecialize {
				continue
			}
			for _, m := range into.Children {
				if m.Contributes() && key(m) == key(c) {
					merge(c, m)
					break
				}
			}
		}
	}
	for _, t := range trees {
		if m := rootKids[key(t)]; m != nil && m != t && t.Contributes() {
			merge(t, m)
		}
		var sub func(n *Node)
		sub = func(n *Node) {
			// Only a hierarchy's root merges; below it, a site may
			// contribute twice, as in Pcp.
			if !merged[n] {
				out = append(out, n)
			}
			for _, c := range n.Children {
				if c.Arc != ArcSpecialize {
					sub(c)
				}
			}
		}
		sub(t)
		if t.Contributes() && rootKids[key(t)] == nil {
			rootKids[key(t)] = t
		}
	}
	return out
}

// sortSpecializes orders the specialized hierarchies as Pcp orders the
// specializes nodes it moves to the root (_PropagateSpecializesTreeToRoot
// makes a copy at the root whose origin is the moved node; one already
// at the root stays): PcpCompareSiblingNodeStrength for specializes
// siblings (strengthOrdering.cpp). Origin roots that are not nested
// compare by namespace depth (deeper first); the same origin puts the
// implied node before the propagated one; different origin roots compare
// by the graph's strength order; the same origin root by the namespace
// depth of the instance of the origin's class hierarchy (shallower
// first), the length of the origin chain (longer first), an implied node
// of the root's layer stack before a propagated one, and the strength of
// the origins; then the authored order.
func (b *builder) sortSpecializes(trees []*Node, pos map[*Node]int) {
	root := b.idx.Root
	rootDepth := pathDepth(root.Path)
	// The copy of t at the root: its origin, namespace depth and site.
	origin := func(t *Node) *Node {
		if t.Parent == root {
			return t.Origin
		}
		return t
	}
	// A copy made in an ancestor prim's index came with the graph cloned
	// from it, at that ancestor's namespace depth (copyDepth).
	nsDepth := func(t *Node) int {
		if t.Parent == root {
			return t.depth
		}
		if t.copyDepth > 0 {
			return t.copyDepth
		}
		return rootDepth
	}
	originRoot := func(t *Node) (*Node, int) {
		n, cnt := origin(t), 1
		if n == root {
			return t, 0
		}
		for n.Parent != nil && n.Origin != nil && n.Origin != n.Parent {
			n = n.Origin
			cnt++
		}
		return n, cnt
	}
	isAncestor := func(a, d *Node) bool {
		for n := d; n != nil; n = n.Parent {
			if n == a {
				return true
			}
		}
		return false
	}
	hierarchyDepth := func(n *Node) int {
		if n.Parent == nil || !isClassArc(n.Arc) {
			return n.depth
		}
		inst, _ := findStartingNodeOfClassHierarchy(n)
		for inst.Parent != nil && inst.Arc == ArcRelocate {
			inst = inst.Parent
		}
		if inst.Parent == nil {
			return 0
		}
		return inst.depth
	}
	same := func(x, y *Node) bool { return x.LayerStack == y.LayerStack && x.Path == y.Path }
	stronger := func(a, c *Node) bool {
		aR, aN := originRoot(a)
		cR, cN := originRoot(c)
		if !isAncestor(aR, cR) && !isAncestor(cR, aR) {
			if da, dc := nsDepth(a), nsDepth(c); da != dc {
				return da > dc
			}
		}
		aO, cO := origin(a), origin(c)
		aAuth, cAuth := aO == root, cO == root
		if aO == cO {
			if !aAuth && !cAuth {
				if ai, ci := !same(a, aO), !same(c, cO); ai != ci {
					return ai
				}
			}
			return a.siblingNum < c.siblingNum
		}
		if aR != cR {
			return pos[aR] < pos[cR]
		}
		da, dc := 0, 0
		if !aAuth {
			da = hierarchyDepth(aO)
		}
		if !cAuth {
			dc = hierarchyDepth(cO)
		}
		if da != dc {
			return da < dc
		}
		if aN != cN {
			return aN > cN
		}
		if a.LayerStack == root.LayerStack && c.LayerStack == root.LayerStack && !aAuth && !cAuth {
			if ai, ci := !same(a, aO), !same(c, cO); ai != ci {
				return ai
			}
		}
		if pos[aO] != pos[cO] {
			return pos[aO] < pos[cO]
		}
		return a.siblingNum < c.siblingNum
	}
	// Pcp inserts each copy among the root's children as it makes it
	// (PcpPrimIndex_Graph::_InsertChildInStrengthOrder): before the first
	// child if stronger than it, after the last if not stronger than it,
	// else before the first child it is stronger than. The comparison is
	// not a strict weak order, so the result depends on the order the
	// copies are made in: the order their specializes were added (seq).
	// A culled copy is not in Pcp's graph (Finalize removed it from the
	// ancestor's index the graph was cloned from, or culling will): it
	// takes no place among the others, and goes last.
	var byAdd, culled []*Node
	for _, t := range trees {
		if t.culled {
			culled = append(culled, t)
		} else {
			byAdd = append(byAdd, t)
		}
	}
	sort.SliceStable(byAdd, func(x, y int) bool { return byAdd[x].seq < byAdd[y].seq })
	out := make([]*Node, 0, len(trees))
	defer func() { copy(trees, append(out, culled...)) }()
	for _, t := range byAdd {
		switch {
		case len(out) == 0 || !stronger(t, out[len(out)-1]):
			out = append(out, t)
		case stronger(t, out[0]):
			out = append([]*Node{t}, out...)
		default:
			for i := range out {
				if stronger(t, out[i]) {
					out = append(out[:i], append([]*Node{t}, out[i:]...)...)
					break
				}
			}
		}
	}
}

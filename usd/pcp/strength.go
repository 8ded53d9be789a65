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
	level := func(n *Node) int {
		l := 0
		for ; n != nil; n = n.Parent {
			if n.Arc == ArcSpecialize {
				l++
			}
		}
		return l
	}
	originRoot := func(n *Node) (*Node, int) {
		chain := 0
		for n.implied && n.Origin != nil {
			n = n.Origin
			chain++
		}
		return n, chain
	}
	sort.SliceStable(trees, func(x, y int) bool {
		a, c := trees[x], trees[y]
		if la, lc := level(a), level(c); la != lc {
			return la < lc
		}
		oa, ca := originRoot(a)
		oc, cc := originRoot(c)
		if oa != oc {
			return pos[oa] < pos[oc]
		}
		if ca != cc {
			return ca > cc
		}
		return pos[a] < pos[c]
	})
	// Main nodes exclude everything inside a specialized hierarchy.
	inTree := func(n *Node) bool { return enclosingSpecialize(n) != nil }
	var out []*Node
	for _, n := range main {
		if !inTree(n) {
			out = append(out, n)
		}
	}
	seen := map[string]bool{}
	// A specialized hierarchy moved to the root merges into a child of the
	// root at the same site, and so does each of its nodes into the
	// matching child of the node it merged into: those contribute once,
	// where the root's child is (_PropagateNodeToParent, _FindMatchingChild).
	rootKids := map[string]*Node{}
	key := func(n *Node) string { return n.LayerStack.id + "\x00" + n.Path }
	for _, c := range b.idx.Root.Children {
		if c.Arc != ArcSpecialize && c.Contributes() {
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
		if t.Parent != b.idx.Root {
			if m := rootKids[key(t)]; m != nil && t.Contributes() {
				merge(t, m)
			}
		}
		var sub func(n *Node)
		sub = func(n *Node) {
			// A placeholder (a class implied to its own site) contributes
			// nothing and hides no later node of the same site.
			k := key(n)
			switch {
			case merged[n]:
			case !n.Contributes():
				out = append(out, n)
			case !seen[k]:
				seen[k] = true
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

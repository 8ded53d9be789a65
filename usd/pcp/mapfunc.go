package pcp

import (
	"sort"
	"strings"

	"github.com/rgallery/rgallery/usd/sdf"
)

// mapFunc maps paths from the namespace of a node (source) to that of
// its parent (target): OpenUSD's PcpMapFunction (mapFunction.cpp),
// without the time offset. It is a set of source -> target path pairs;
// a path maps through the pair whose source is its longest prefix, and
// only when the result maps back the same way (the bijection check of
// _Map). root is the root identity (/ -> /), kept apart as OpenUSD does.
// A pair with an empty target blocks the mapping of its source subtree.
type mapFunc struct {
	pairs [][2]string // sorted by source element count, then source path
	root  bool
}

// elemCount is SdfPath::GetPathElementCount for prim and variant paths.
func elemCount(p string) int {
	if p == "/" || p == "" {
		return 0
	}
	return strings.Count(p, "/") + strings.Count(p, "{")
}

// Map functions hold and map paths without variant selections (variant
// selections are storage locations, not namespace).
func hasPrefixPath(p, prefix string) bool { return sdf.HasPrefix(p, prefix) }

func replacePrefixPath(p, old, repl string) string {
	r, ok := sdf.ReplacePrefix(p, old, repl)
	if !ok {
		return ""
	}
	return r
}

func newMapFunc(pairs map[string]string) mapFunc {
	var f mapFunc
	for s, t := range pairs {
		f.pairs = append(f.pairs, [2]string{s, t})
	}
	f.canonicalize()
	return f
}

func identityMap() mapFunc { return mapFunc{root: true} }

func (f *mapFunc) sortPairs() {
	sort.Slice(f.pairs, func(i, j int) bool {
		a, b := f.pairs[i][0], f.pairs[j][0]
		if ca, cb := elemCount(a), elemCount(b); ca != cb {
			return ca < cb
		}
		return a < b
	})
}

// canonicalize sorts the pairs and removes the redundant ones (_Canonicalize,
// _IsRedundant), taking a root identity pair out into root.
func (f *mapFunc) canonicalize() {
	f.sortPairs()
	for i := 0; i < len(f.pairs); {
		if f.isRedundant(i) {
			f.pairs = append(f.pairs[:i], f.pairs[i+1:]...)
			continue
		}
		i++
	}
	if len(f.pairs) > 0 && f.pairs[0][0] == "/" && f.pairs[0][1] == "/" {
		f.pairs = f.pairs[1:]
		f.root = true
	}
}

// bestSource returns the index of the pair whose source is the longest
// prefix of path with at least min elements, or -1.
func (f *mapFunc) bestSource(path string, min int) int {
	best, bestN := -1, -1
	for i, p := range f.pairs {
		n := elemCount(p[0])
		if n >= min && n > bestN && hasPrefixPath(path, p[0]) {
			best, bestN = i, n
		}
	}
	return best
}

func (f *mapFunc) bestTarget(path string, min int) int {
	best, bestN := -1, min-1
	for i, p := range f.pairs {
		if p[1] == "" {
			continue
		}
		n := elemCount(p[1])
		if n >= bestN && n >= min && hasPrefixPath(path, p[1]) {
			best, bestN = i, n
		}
	}
	return best
}

func (f *mapFunc) hasBetterTarget(target string, best int, invert bool) bool {
	min := 0
	if best >= 0 {
		if invert {
			min = elemCount(f.pairs[best][0])
		} else {
			min = elemCount(f.pairs[best][1])
		}
	}
	var m int
	if invert {
		m = f.bestSource(target, min)
	} else {
		m = f.bestTarget(target, min)
	}
	return m >= 0 && m != best
}

func (f *mapFunc) isRedundant(i int) bool {
	src, tgt := f.pairs[i][0], f.pairs[i][1]
	others := mapFunc{pairs: append(append([][2]string{}, f.pairs[:i]...), f.pairs[i+1:]...)}
	if src == "/" {
		return false
	}
	parent := sdf.ParentPath(src)
	if parent == "" {
		parent = "/"
	}
	b := others.bestSource(parent, 0)
	if tgt == "" {
		if b < 0 || others.pairs[b][1] == "" {
			return true
		}
		t := replacePrefixPath(src, others.pairs[b][0], others.pairs[b][1])
		return others.hasBetterTarget(t, b, false)
	}
	if b < 0 || others.pairs[b][1] == "" {
		return false
	}
	if replacePrefixPath(src, others.pairs[b][0], others.pairs[b][1]) != tgt {
		return false
	}
	tp := sdf.ParentPath(tgt)
	if tp == "" {
		tp = "/"
	}
	return !others.hasBetterTarget(tp, b, false)
}

func (f mapFunc) apply(path string, invert bool) string {
	var best int
	if invert {
		best = f.bestTarget(path, 0)
	} else {
		best = f.bestSource(path, 0)
	}
	var res string
	switch {
	case best < 0:
		if f.root {
			res = path
		}
	case invert:
		res = replacePrefixPath(path, f.pairs[best][1], f.pairs[best][0])
	default:
		if f.pairs[best][1] != "" {
			res = replacePrefixPath(path, f.pairs[best][0], f.pairs[best][1])
		}
	}
	if res == "" {
		return ""
	}
	if f.hasBetterTarget(res, best, invert) {
		return ""
	}
	return res
}

// MapSourceToTarget and MapTargetToSource of PcpMapFunction; "" when the
// path does not map.
func (f mapFunc) toTarget(path string) string { return f.apply(path, false) }
func (f mapFunc) toSource(path string) string { return f.apply(path, true) }

// compose returns f after inner (PcpMapFunction::Compose).
func (f mapFunc) compose(inner mapFunc) mapFunc {
	if f.isIdentity() {
		return inner
	}
	if inner.isIdentity() {
		return f
	}
	var out mapFunc
	seen := map[string]bool{}
	if f.root && inner.root {
		out.pairs = append(out.pairs, [2]string{"/", "/"})
		seen["/"] = true
	}
	for _, p := range inner.pairs {
		t := ""
		if p[1] != "" {
			t = f.toTarget(p[1])
		}
		out.pairs = append(out.pairs, [2]string{p[0], t})
		seen[p[0]] = true
	}
	for _, p := range f.pairs {
		s := inner.toSource(p[0])
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out.pairs = append(out.pairs, [2]string{s, p[1]})
	}
	out.canonicalize()
	return out
}

// inverse swaps sources and targets (PcpMapFunction::GetInverse).
func (f mapFunc) inverse() mapFunc {
	out := mapFunc{root: f.root}
	for _, p := range f.pairs {
		out.pairs = append(out.pairs, [2]string{p[1], p[0]})
	}
	out.sortPairs()
	return out
}

func (f mapFunc) withRoot() mapFunc {
	if f.root {
		return f
	}
	out := mapFunc{pairs: append([][2]string{}, f.pairs...), root: true}
	out.pairs = append(out.pairs, [2]string{"/", "/"})
	out.canonicalize()
	return out
}

func (f mapFunc) isIdentity() bool { return f.root && len(f.pairs) == 0 }

func (f mapFunc) equal(g mapFunc) bool {
	if f.root != g.root || len(f.pairs) != len(g.pairs) {
		return false
	}
	for i := range f.pairs {
		if f.pairs[i] != g.pairs[i] {
			return false
		}
	}
	return true
}

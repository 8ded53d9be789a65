package pcp

import (
	"fmt"
	"sort"
	"strings"

	"github.com/rgallery/rgallery/usd/sdf"
)

// ArcType is the kind of arc that brought a node in, in strength order
// (PcpArcType: variant before relocate).
type ArcType int

const (
	ArcRoot ArcType = iota
	ArcInherit
	ArcVariant
	ArcRelocate
	ArcReference
	ArcPayload
	ArcSpecialize
)

func (a ArcType) String() string {
	return [...]string{"root", "inherit", "variant", "relocate", "reference", "payload", "specialize"}[a]
}

// Node is one site (layer stack and path) contributing opinions to a prim.
type Node struct {
	Arc        ArcType
	LayerStack *LayerStack
	Path       string
	// Offset maps the node's time (its root layer's) to the stage's time.
	Offset sdf.LayerOffset

	Parent   *Node
	Origin   *Node // the node whose arc caused this one (== Parent unless implied)
	Children []*Node

	depth      int // namespace depth of the prim that introduced the arc
	siblingNum int
	mapSrc     string // this node's namespace prefix ...
	mapDst     string // ... and where it lands in the parent's namespace
	inert      bool   // kept for structure but contributes nothing
	culled     bool   // elided from the index (Pcp culls it; not even inert)
	// restricted is the path element count of the node's site when it
	// was made inert for instancing or culled, 0 if never: it gives no
	// variant selections at or below that depth
	// (PcpNodeRef::GetSpecContributionRestrictedDepth).
	restricted int
	// arcsDone has a bit for each kind of arc task already run on the
	// node (arcTaskRelocations and the others).
	arcsDone arcTasks
	// culledKids are the children the node had when its subgraph was
	// elided as a prohibited child (elideIfProhibited): Pcp culls them
	// but keeps them in the graph until it is finalized, and the
	// UnresolvedPrimPath checks of the prim's index see them
	// (checkUnresolved). They are not copied to child prims' indexes.
	culledKids []*Node
	// fromParent: the node was copied from the parent prim's cached index
	// (its ancestral opinions), not added while building this one.
	fromParent bool
	varsDone   bool            // every variant set of the node has its arc (or none)
	varDone    map[string]bool // variant sets of the node already decided
	// ancVars are the node's pending ancestral variant sets: sets authored
	// at namespace ancestors of its site, queued when a subgraph built
	// without variants is attached (Task::EvalNodeAncestralVariantAuthored).
	ancVars []ancVar
	implied bool
	fn      *mapFunc // map to the parent when not derived from mapSrc/mapDst (implied classes)
	// tfn is an implied class's map to its parent with relocations
	// (mapToParentFn); internal marks a reference or payload without an
	// asset path.
	tfn      *mapFunc
	internal bool
	seq      int // order of addition to the graph (the task order of implied classes)
	// copyPending marks a specialize added inside a subgraph built for a
	// sub-root arc: Pcp adds it there as a placeholder and makes its copy
	// at the root only once the subgraph is attached (no implied
	// specializes in a frame), so until then it is no duplicate site.
	copyPending bool
	// copyDepth is, for a specialize, the namespace depth of its copy at
	// the root: the path depth of the prim whose index made the copy
	// (_PropagateNodeToParent gives a tree's root the parent's path
	// element count). A copy made in an ancestor prim's index keeps that
	// ancestor's depth in the graph cloned for its children.
	copyDepth int
}

// fnToParent is the node's map function to its parent, without variant
// selections (PcpNodeRef::GetMapToParent): a class arc maps the class to
// the instance, an internal reference or payload its target to the
// referencing prim, each with the root identity; an external one only
// its target; a variant arc is the identity. A relocation node maps its
// source to the relocation's target with the root identity (Pcp keeps
// that pair in the arcs below the node instead; the composition is the
// same).
func (n *Node) fnToParent() mapFunc {
	if n.fn != nil {
		return *n.fn
	}
	if n.Parent == nil || n.Arc == ArcVariant {
		return identityMap()
	}
	f := newMapFunc(map[string]string{sdf.StripVariants(n.mapSrc): sdf.StripVariants(n.mapDst)})
	if n.Arc == ArcRelocate || isClassArc(n.Arc) || n.LayerStack == n.Parent.LayerStack {
		f = f.withRoot()
	}
	return f
}

// depthBelowIntroduction is how many namespace levels the node's parent
// lies below the prim whose arc introduced the node
// (PcpNodeRef::GetDepthBelowIntroduction).
func (n *Node) depthBelowIntroduction() int {
	if n.Parent == nil {
		return 0
	}
	return pathDepth(n.Parent.Path) - n.depth
}

// pathAtIntroduction is the node's path at the namespace depth where it
// was introduced (PcpNodeRef::GetPathAtIntroduction).
func (n *Node) pathAtIntroduction() string {
	p := n.Path
	for d := n.depthBelowIntroduction(); d > 0; d-- {
		for strings.HasSuffix(p, "}") {
			p = sdf.ParentPath(p)
		}
		p = sdf.ParentPath(p)
	}
	return p
}

// Culled reports whether the node was elided from the index (a UsdStage's
// Pcp culls such nodes: they are not in PcpPrimIndex::GetNodeRange), as
// opposed to an inert node, which stays in the index without opinions.
func (n *Node) Culled() bool { return n.culled }

// Contributes reports whether the node's own specs are opinions of the
// prim: not for inert nodes, nor for the source of a relocation (whose
// site is prohibited; its arcs still contribute through its children).
func (n *Node) Contributes() bool { return !n.inert && n.Arc != ArcRelocate }

// HasSpecs reports whether the node contributes and any layer of its
// stack has a spec at its path.
func (n *Node) HasSpecs() bool { return n.Contributes() && n.LayerStack.HasSpec(n.Path) }

// mapToParentFn is the node's map function to its parent as Pcp keeps it
// (PcpNodeRef::GetMapToParent), which translates the paths its opinions
// target (relationship targets, attribute connections): the arc's pair,
// composed with the relocations of the parent's layer stack at and below
// the path the arc was authored at (_CreateMapExpressionForArc), with the
// root identity for class arcs and internal references and payloads
// (_AddClassBasedArcs, _EvalRefOrPayloadArcs). Variant and relocation
// nodes map by the identity (_EvalNodeRelocations: the relocation is in
// the map of each arc whose target it moves); an implied class has the
// implied function of its class arc's (tfn, _GetImpliedClass). It differs
// from fnToParent, which leaves relocations to the relocation node and
// serves building the graph.
func (n *Node) mapToParentFn() mapFunc {
	switch {
	case n.Parent == nil || n.Arc == ArcVariant || n.Arc == ArcRelocate:
		return identityMap()
	case n.tfn != nil:
		return *n.tfn
	}
	dst := sdf.StripVariants(n.mapDst)
	f := newMapFunc(map[string]string{sdf.StripVariants(n.mapSrc): dst})
	if r, ok := n.Parent.LayerStack.relocatesFnAt(dst); ok {
		f = r.compose(f)
	}
	if isClassArc(n.Arc) || n.internal {
		f = f.withRoot()
	}
	return f
}

// mapToParentMap is mapToParentFn as usd-core 26.11 keeps it for path
// translation: the relocations of an external reference's or payload's
// arc stay a deferred composition (PcpMapFunction::DeferredComposition,
// which usd-core's GetMapToParent shows as "2 mapping sets"), so a path
// is mapped by the arc's pair, then by the relocations, each with its own
// bijection check; AddRootIdentity collapses the sets, so class arcs and
// internal arcs map by their single composed function.
func (n *Node) mapToParentMap() PathMap {
	if n.Parent == nil || n.Arc == ArcVariant || n.Arc == ArcRelocate || n.tfn != nil || isClassArc(n.Arc) || n.internal {
		return PathMap{f: n.mapToParentFn()}
	}
	dst := sdf.StripVariants(n.mapDst)
	f := newMapFunc(map[string]string{sdf.StripVariants(n.mapSrc): dst})
	if r, ok := n.Parent.LayerStack.relocatesFnAt(dst); ok && !r.isIdentity() {
		return PathMap{sets: []mapFunc{f, r}}
	}
	return PathMap{f: f}
}

// MapToRoot maps a path in the node's namespace to the stage namespace
// (PcpTranslatePathFromNodeToRoot): variant selections are stripped and
// the path is mapped by the node's map function to the root
// (PcpNodeRef::GetMapToRoot). A path outside every arc's namespace, or
// whose translation would not map back (a pre-relocation path, a path
// hidden by a more specific pair), does not map: Pcp reports
// InvalidExternalTargetPath or drops it.
func (n *Node) MapToRoot(path string) (string, bool) {
	return n.MapToRootFn().Map(path)
}

// MapToRootFn returns the node's map function to the root
// (PcpNodeRef::GetMapToRoot): the parent's map to the root composed with
// the node's map to its parent, from the root down (composition drops
// pairs that do not map back, so the order of composing counts).
func (n *Node) MapToRootFn() PathMap {
	var chain []*Node
	for cur := n; cur != nil && cur.Parent != nil; cur = cur.Parent {
		chain = append(chain, cur)
	}
	m := PathMap{f: identityMap()}
	for i := len(chain) - 1; i >= 0; i-- {
		m = m.compose(chain[i].mapToParentMap())
	}
	return m
}

// PathMap maps paths from a node's namespace to the root's: one map
// function, or a deferred composition of several (sets, innermost first)
// through which a path is mapped in turn, failing if any fails to map it.
type PathMap struct {
	f    mapFunc
	sets []mapFunc
}

// compose returns m after inner (PcpMapFunction::Compose): two single
// functions compose into one; with a deferred composition on either side
// the sets are chained (identities left out).
func (m PathMap) compose(inner PathMap) PathMap {
	switch {
	case m.sets == nil && m.f.isIdentity():
		return inner
	case inner.sets == nil && inner.f.isIdentity():
		return m
	case m.sets == nil && inner.sets == nil:
		return PathMap{f: m.f.compose(inner.f)}
	}
	return PathMap{sets: append(append([]mapFunc{}, inner.list()...), m.list()...)}
}

func (m PathMap) list() []mapFunc {
	if m.sets != nil {
		return m.sets
	}
	return []mapFunc{m.f}
}

// toTarget maps a path through the function or each set in turn.
func (m PathMap) toTarget(p string) string {
	for _, f := range m.list() {
		if p = f.toTarget(p); p == "" {
			return ""
		}
	}
	return p
}

// Map translates one path (Pcp_TranslatePath): its variant selections
// stripped, its prim part mapped by the function; a path holding target
// paths ([...]) maps only if each of them does.
func (m PathMap) Map(path string) (string, bool) {
	p := sdf.StripVariants(path)
	if m.sets == nil && m.f.isIdentity() {
		return p, true
	}
	r := m.toTarget(p)
	if r == "" {
		return "", false
	}
	// Target paths inside the path (a relational attribute's
	// /A.rel[/B].attr), innermost bracket pairs only.
	for i := 0; i < len(r); i++ {
		if r[i] != '[' {
			continue
		}
		j := strings.IndexByte(r[i:], ']')
		if j < 0 {
			break
		}
		t := m.toTarget(r[i+1 : i+j])
		if t == "" {
			return "", false
		}
		r = r[:i+1] + t + r[i+j:]
		i += len(t) + 1
	}
	return r, true
}

// PrimIndex is the composed list of sites for one prim path.
type PrimIndex struct {
	Path string
	Root *Node
	// Nodes lists the contributing nodes, strongest first.
	Nodes []*Node
	// HasPayload is set when the prim has a payload arc (loaded or not).
	HasPayload bool
	// VariantSelections are the selections used, by variant set name.
	VariantSelections map[string]string
	Errors            []error

	nodes int // nodes added while building it (for maxIndexNodes)
	// prohibited: a subgraph built in a frame whose site is a prohibited
	// child (elideIfProhibited); it contributes nothing.
	prohibited bool
}

// Cache builds and keeps prim indexes of one stage.
type Cache struct {
	loader     LayerLoader
	seq        int // nodes made so far (Node.seq)
	root       *LayerStack
	stacks     map[string]*LayerStack
	indexes    map[string]*PrimIndex
	NoPayloads bool
	Fallbacks  map[string][]string
	// Instancing makes the nodes of an instance's namespace children that
	// are not instanceable inert, as Pcp does in USD mode (a UsdStage);
	// a PcpCache that is not in USD mode does not.
	Instancing  bool
	LayerErrors []error
}

// NewCache makes the composition cache of a stage whose root layer (and
// optional session layer) are given.
func NewCache(loader LayerLoader, root, session *sdf.Layer) *Cache {
	c := &Cache{loader: loader, stacks: map[string]*LayerStack{}, indexes: map[string]*PrimIndex{}}
	ls, errs := buildLayerStack(loader, root, session)
	c.root = ls
	c.stacks[ls.id] = ls
	c.LayerErrors = errs
	return c
}

// StageRootLayerStack gives the root layer stack the identity it has
// under a UsdStage, which always has a session layer (an anonymous one
// when none is given): then an arc to the stage's own root layer
// (@root.usda@</C>) is an external arc into a layer stack of its own, as
// with UsdStage::Open and PcpLayerStackIdentifier. Without it the cache
// behaves as a PcpCache made for the root layer alone. Call it before
// asking for any prim index.
func (c *Cache) StageRootLayerStack() {
	if strings.Contains(c.root.id, "+") {
		return // a session layer was given: the identity is distinct already
	}
	delete(c.stacks, c.root.id)
	c.root.id = "stage+" + c.root.id
	c.stacks[c.root.id] = c.root
}

// RootLayerStack returns the stage's root layer stack.
func (c *Cache) RootLayerStack() *LayerStack { return c.root }

// LayerStacks returns every layer stack used so far, sorted by id.
func (c *Cache) LayerStacks() []*LayerStack {
	out := make([]*LayerStack, 0, len(c.stacks))
	for _, ls := range c.stacks {
		out = append(out, ls)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

func (c *Cache) layerStack(l *sdf.Layer) *LayerStack {
	if ls := c.stacks[l.Identifier]; ls != nil {
		return ls
	}
	ls, errs := buildLayerStack(c.loader, l, nil)
	c.stacks[ls.id] = ls
	c.LayerErrors = append(c.LayerErrors, errs...)
	return ls
}

// PrimIndex returns the index of the prim at path (a prim path without
// variant selections), building it and its ancestors' as needed.
func (c *Cache) PrimIndex(path string) *PrimIndex { return c.siteIndex(c.root, path, nil) }

// Bounds that turn runaway composition into an error instead of unbounded
// growth (OpenUSD has PcpErrorIndexCapacityExceeded for the node count).
// Cycle detection (see cycleAt) ends every recursion of well-formed and
// cyclic input alike; these only guard against what it misses.
const (
	// maxFrameDepth bounds the nesting of sub-root arcs built as
	// subgraphs for one prim (Pcp's stack frames).
	maxFrameDepth = 64
	// maxIndexNodes bounds the nodes of one prim index graph, counting
	// those of the subgraphs built for it.
	maxIndexNodes = 1 << 11
	// maxArcTargetDepth bounds the namespace depth of an arc's target
	// site. An arc under a specialize is checked for cycles against the
	// specialize's copy at the root only (cycleAt), as in Pcp, so an arc
	// back into the namespace of the specialize's real ancestors can
	// repeat one level deeper at each child, without end (usd-core 26.11
	// does not finish such a stage either: oracle gen-219).
	maxArcTargetDepth = 64
)

// frame links a subgraph being built for a sub-root arc to the graph it
// will join: OpenUSD's PcpPrimIndex_StackFrame. Cycle checks and errors
// cross frames, so a cycle that runs through the site of an arc's target's
// namespace ancestor is found (_CheckForCycle).
type frame struct {
	parent    *Node   // the node of the outer graph the subgraph hangs under
	requested string  // path of the site the subgraph is built for
	arc       ArcType // arc from parent to the subgraph's root
	prev      *frame
	outer     *builder
	node      *Node // the node the subgraph is built for (its root, once attached)
	depth     int
	// skipDup: arcs added in the subgraph skip sites already in the
	// graphs it will join (a class's ancestral opinions,
	// PcpPrimIndex_StackFrame::skipDuplicateNodes).
	skipDup bool
	// rootInert: the requested site's own specs and arcs do not count
	// (Pcp_BuildPrimIndex with rootNodeShouldContributeSpecs false, as
	// _AddArc asks for a relocation: its source is salted earth).
	rootInert bool
}

// siteIndex returns the index of path composed in layer stack ls as if
// ls were the root. With no frame it is a prim of the stage, cached; in a
// frame it is (an ancestor of) the target of a sub-root arc and is built
// afresh each time, since what counts as a cycle depends on the outer
// graph (Pcp_BuildPrimIndex with a previous frame bypasses the cache).
func (c *Cache) siteIndex(ls *LayerStack, path string, fr *frame) *PrimIndex {
	key := ls.id + "\x00" + path
	if fr == nil {
		if idx := c.indexes[key]; idx != nil {
			return idx
		}
	}
	idx := &PrimIndex{Path: path}
	if fr == nil {
		c.indexes[key] = idx // guards against re-entry
	}
	parent := sdf.ParentPath(path)
	name := sdf.NameOf(path)
	// A variant selection site is not built from its parent: its
	// ancestral opinions come with the variant arc itself (Pcp_BuildPrimIndex).
	if parent == "/" || parent == "" || strings.HasSuffix(path, "}") {
		idx.Root = &Node{Arc: ArcRoot, LayerStack: ls, Path: path, Offset: sdf.IdentityOffset}
	} else {
		pidx := c.siteIndex(ls, parent, fr)
		if pidx.Root == nil {
			idx.Root = &Node{Arc: ArcRoot, LayerStack: ls, Path: path, Offset: sdf.IdentityOffset}
		} else {
			idx.Root = cloneChild(pidx.Root, nil, name, fr != nil)
			// The parent's nodes were checked for UnresolvedPrimPath
			// where they were added (AddTasksForRootNode queues no such
			// task for them).
			walk(idx.Root, func(m *Node) { m.fromParent = fr == nil })
			// In a frame, the parent is the ancestor of a sub-root arc's
			// target, built without variants (see walkInstanceable).
			if c.Instancing && primIndexIsInstanceable(pidx, fr == nil) {
				disableNonInstanceableNodes(pidx.Root, idx.Root, pathElementCount(parent), fr == nil)
			}
		}
	}
	if fr != nil && fr.rootInert && path == fr.requested {
		idx.Root.inert = true
	}
	// A frame decides no variants, neither at the site it is built for
	// nor at its namespace ancestors: Pcp evaluates them once the
	// subgraph is attached, in the context of the whole index (_AddArc and
	// _BuildInitialPrimIndexFromAncestor pass evaluateVariantsAndDynamicPayloads
	// false; AddTasksForNode queues them; see evalAncestralVariants).
	b := &builder{cache: c, idx: idx, depth: pathDepth(path), frame: fr, startSeq: c.seq}
	if !strings.HasSuffix(path, "}") && b.elideIfProhibited() {
		idx.Nodes = b.strengthOrder()
		return idx
	}
	b.expand()
	if fr == nil {
		b.checkUnresolved()
		c.cullSubtreesWithNoOpinions(idx.Root)
	}
	idx.Nodes = b.strengthOrder()
	return idx
}

// cullSubtreesWithNoOpinions marks culled the nodes of a stage prim's
// finished index that Pcp culls (PcpComputePrimIndex with inputs.cull,
// as a UsdStage asks: _CullSubtreesWithNoOpinions, _NodeCanBeCulled):
// a node below the one that introduced its arc (depth below introduction
// above 0) whose subtree is all culled and which has no specs it may
// contribute, unless it is an inherit in the stage's layer stack whose
// origin was introduced below a root prim (Pcp keeps those for
// CsdPrim::GetBases). The root and the nodes of arcs authored at this
// level stay, specs or not. Finalize removes them from Pcp's graph, so a
// child index cloned from this one does not have them: they give no
// child names and their layer stack's relocations prohibit no child
// (_ComposePrimChildNames, _ComposeIsProhibitedPrimChild skip them).
//
// Pcp culls a propagated specializes subtree and then the matching
// nodes of its origin subtree; this package keeps one specializes
// subtree in place, culled by the same rule. Symmetry, which keeps a
// node too, is not composed here.
func (c *Cache) cullSubtreesWithNoOpinions(root *Node) {
	var rec func(n *Node) bool
	rec = func(n *Node) bool {
		all := true
		for _, ch := range n.Children {
			if !rec(ch) {
				all = false
			}
		}
		switch {
		case n.culled:
			return true
		case n.Parent == nil || n.depthBelowIntroduction() == 0 || !all || n.HasSpecs():
			return false
		case n.Arc == ArcInherit && n.LayerStack == c.root:
			o := n
			if n.Origin != nil && n.Origin != n.Parent {
				o = originRoot(n)
			}
			if strings.Count(sdf.StripVariants(o.pathAtIntroduction()), "/") != 1 {
				return false
			}
		}
		n.culled = true
		return true
	}
	rec(root)
}

// originRoot is the node whose arc first caused n to be added
// (PcpNodeRef::GetOriginRootNode): the origin chain followed up to a node
// whose origin is its parent.
func originRoot(n *Node) *Node {
	for n.Origin != nil && n.Origin != n.Parent {
		n = n.Origin
	}
	return n
}

// checkUnresolved reports the reference and payload nodes added while
// building this prim's index, those of the subgraphs that sub-root arcs
// merged included, whose target has no prim spec anywhere in the subtree
// they bring in: Pcp's UnresolvedPrimPath error, at the prim
// (_EvalUnresolvedPrimPathError, queued by AddTasksForNode for every
// node of a new subtree, only outside recursive frames, and run last).
// A node introduced at this prim counts each node's has-specs bit, which
// an inert node keeps (an arc whose subgraph was elided as a prohibited
// child still resolved); one introduced at an ancestor (the sub-root
// target's ancestral arcs) counts the specs at each node's path at
// introduction, where the pseudo-root "/" of an arc to a layer without
// defaultPrim always has one (_PrimSpecExistsUnderNodeAtIntroduction,
// PcpComposeSiteHasPrimSpecs).
func (b *builder) checkUnresolved() {
	// Culled subgraphs count, checked and checking, like the rest.
	var walkAll func(n *Node, culled bool, f func(*Node, bool))
	walkAll = func(n *Node, culled bool, f func(*Node, bool)) {
		f(n, culled)
		for _, c := range n.Children {
			walkAll(c, culled, f)
		}
		for _, c := range n.culledKids {
			walkAll(c, true, f)
		}
	}
	walkAll(b.idx.Root, false, func(n *Node, _ bool) {
		if (n.Arc != ArcReference && n.Arc != ArcPayload) || n.implied || n.fromParent {
			return
		}
		found := false
		if n.depthBelowIntroduction() == 0 {
			// Pcp's has-specs bit is the site's, whatever the node may
			// contribute (inert, culled or a relocation source).
			walkAll(n, false, func(m *Node, _ bool) {
				found = found || m.LayerStack.HasSpec(m.Path)
			})
		} else {
			walkAll(n, false, func(m *Node, _ bool) {
				p := m.pathAtIntroduction()
				found = found || p == "/" || m.LayerStack.HasSpec(p)
			})
		}
		if !found {
			b.errf("UnresolvedPrimPath", "%s: %s to @%s@<%s>: no prim there", b.idx.Path, n.Arc, n.LayerStack.Root().Identifier, n.pathAtIntroduction())
		}
	})
}

// cycleAt reports whether adding n under parent forms a cycle, following
// OpenUSD's _CheckForCycle (primIndex.cpp): an arc is a cycle when its
// target site is in the same layer stack as a node on the path from
// parent to the root, and either path is a namespace prefix of the other
// (/A/B adding an arc to /A, or /A to /A/B). The walk crosses stack
// frames: above a subgraph's root it continues at the node the subgraph
// will hang under, with the target path moved from the subgraph's root
// path to the path it was requested for (an arc to /A found while
// building /D for /D/B is an arc to /A/B once that subgraph is placed).
// Variant arcs are never cycles; nor are implied class arcs under a
// relocation (placeholders that contribute no opinions).
func (b *builder) cycleAt(parent, n *Node) bool {
	if n.Arc == ArcVariant {
		return false
	}
	if isClassArc(n.Arc) && parent != n.Origin {
		it := frameIter{node: parent, fr: b.frame}
		for it.node != nil && isClassArc(it.arc()) {
			it.next()
		}
		if it.node != nil && it.arc() == ArcRelocate {
			return false
		}
	}
	path := n.Path
	node, fr := parent, b.frame
	for node != nil {
		for a := node; a != nil; {
			if a.LayerStack == n.LayerStack && (sdf.HasPrefix(a.Path, path) || sdf.HasPrefix(path, a.Path)) {
				return true
			}
			// A specialize below the root stands for its copy at the
			// root, whose arcs Pcp evaluates there (the node where it is
			// authored is a placeholder that evaluates none): the walk
			// goes from it straight to the root. Only the outermost
			// specialize of a chain jumps: Pcp's copies are siblings at
			// the root, each skipping the sites already there, which our
			// nested copies cannot do, and jumping from each of them lets
			// an arc back into an ancestor's namespace repeat one level
			// deeper at each child prim (oracle gen-219).
			if a.Arc == ArcSpecialize && !a.inert && a.Parent != nil && a.Parent.Parent != nil && enclosingSpecialize(a.Parent) == nil {
				a = rootOf(a)
			} else {
				a = a.Parent
			}
		}
		if fr == nil {
			break
		}
		// Once the subgraph's root (cur) becomes the requested site,
		// every site in it moves the same way: the target becomes the
		// requested path with cur replaced by the target
		// (requestedPath.ReplacePrefix(currentPath, childPath) in
		// _CheckForCycle), /A for /D requested as /D/B being /A/B.
		cur := rootOf(node).Path
		if p, ok := sdf.ReplacePrefix(fr.requested, cur, path); ok {
			path = p
		}
		// The subgraph of a specialize's namespace ancestors hangs under
		// its copy at the root (see above).
		sp := fr.node
		node, fr = fr.parent, fr.prev
		if sp != nil && sp.Arc == ArcSpecialize && !sp.inert && node != nil && node.Parent != nil && enclosingSpecialize(node) == nil {
			node = rootOf(node)
		}
	}
	return false
}

func isClassArc(a ArcType) bool { return a == ArcInherit || a == ArcSpecialize }

func rootOf(n *Node) *Node {
	for n.Parent != nil {
		n = n.Parent
	}
	return n
}

// frameIter walks up from a node to the root of its graph and on into
// the graphs of outer frames (PcpPrimIndex_StackFrameIterator).
type frameIter struct {
	node *Node
	fr   *frame
}

func (it *frameIter) arc() ArcType {
	switch {
	case it.node.Parent != nil:
		return it.node.Arc
	case it.fr != nil:
		return it.fr.arc
	}
	return ArcRoot
}

func (it *frameIter) next() {
	switch {
	case it.node.Parent != nil:
		it.node = it.node.Parent
	case it.fr != nil:
		it.node, it.fr = it.fr.parent, it.fr.prev
	default:
		it.node = nil
	}
}

func pathDepth(p string) int { return strings.Count(sdf.StripVariants(p), "/") }

// cloneChild copies the graph of a parent prim's index, moving every
// node to the child named name: the ancestral opinions of the child.
// keepCulled keeps the culled subgraphs (culledKids): a graph built in a
// frame is not finalized before Pcp moves it to the child, one taken from
// the cache is (PcpPrimIndex_Graph::Finalize drops culled nodes).
func cloneChild(n *Node, parent *Node, name string, keepCulled bool) *Node {
	c := *n
	c.Path = sdf.AppendChild(n.Path, name)
	c.Parent = parent
	c.Children = nil
	c.culledKids = nil
	c.arcsDone = 0
	c.varsDone = false
	c.varDone = nil
	c.ancVars = nil
	out := &c
	// Origins are re-linked after cloning; keep the old pointer for now.
	for _, ch := range n.Children {
		out.Children = append(out.Children, cloneChild(ch, out, name, keepCulled))
	}
	if keepCulled {
		for _, ch := range n.culledKids {
			out.culledKids = append(out.culledKids, cloneChild(ch, out, name, keepCulled))
		}
	}
	if parent == nil {
		relinkOrigins(n, out)
	}
	return out
}

// relinkOrigins points the Origin of cloned nodes at the clones.
func relinkOrigins(old, cl *Node) {
	m := map[*Node]*Node{}
	var pair func(a, b *Node)
	pair = func(a, b *Node) {
		m[a] = b
		for i := range a.Children {
			pair(a.Children[i], b.Children[i])
		}
		for i := range b.culledKids {
			pair(a.culledKids[i], b.culledKids[i])
		}
	}
	pair(old, cl)
	for _, b := range m {
		if b.Origin != nil {
			if nb, ok := m[b.Origin]; ok {
				b.Origin = nb
			}
		}
	}
}

func walk(n *Node, f func(*Node)) {
	f(n)
	for _, c := range n.Children {
		walk(c, f)
	}
}

type builder struct {
	cache *Cache
	idx   *PrimIndex
	depth int
	frame *frame // nil for a prim of the stage
	full  bool   // the capacity bound was hit: add no more nodes
	// impliedTasks are the nodes whose class-based children are still to
	// be implied to their parent (Task::EvalImpliedClasses).
	impliedTasks map[*Node]bool
	// startSeq is the cache's node count when the builder started: nodes
	// with a lower seq came with the graph cloned from the parent prim.
	startSeq int
}

// top returns the builder of the prim index that a subgraph is built for.
func (b *builder) top() *builder {
	for b.frame != nil {
		b = b.frame.outer
	}
	return b
}

// errf records a composition error of kind (see Error) on the index of
// the stage's prim: errors found while building a subgraph belong to the
// prim that needed it, as Pcp merges a subgraph's errors into the
// originating index.
func (b *builder) errf(kind, format string, args ...any) {
	t := b.top()
	t.idx.Errors = append(t.idx.Errors, newError(kind, t.idx.Path, format, args...))
}

// expand adds arcs until none is left, in the order of OpenUSD's task
// list (Pcp_PrimIndexer, Task::PriorityOrder): every node's arcs first;
// then one variant set at a time, strongest node first and, on a node, in
// variantSets order, taking only authored selections; a set with none
// waits, and only when no set has an authored selection is the strongest
// waiting set given its fallback. Each variant added starts the round
// again, so arcs and selections authored inside it count, and waiting sets
// are evaluated anew (RetryVariantTasks): a selection made inside a
// stronger variant drives a set listed before it.
func (b *builder) expand() {
	for {
		// Each kind of arc in the task priority order of usd-core 26.11:
		// relocations, references, payloads, inherits, then specializes
		// for every node there is, then implied classes (Task::Type; its
		// PCP_PRIM_INDEX debug output shows "Evaluating implied classes"
		// after every specializes task, and no implied specializes task).
		// So an inherit that a reference or an inherit brings is in the
		// graph before a specialize of the prim is evaluated, and the
		// specialize to the same site is skipped as a duplicate
		// (_AddClassBasedArc).
		if b.runArcTask(arcTaskRelocations) || b.runArcTask(arcTaskReferences) ||
			b.runArcTask(arcTaskPayloads) || b.runArcTask(arcTaskInherits) ||
			b.runArcTask(arcTaskSpecializes) {
			continue
		}
		if b.frame == nil && b.makePendingCopies() {
			continue
		}
		if n := b.popImpliedTask(); n != nil {
			b.evalImpliedClasses(n)
			continue
		}
		// A subgraph built for a sub-root arc evaluates no variants: once
		// attached, the whole index evaluates them, ancestral sets first
		// (Pcp_BuildPrimIndex with evaluateVariantsAndDynamicPayloads
		// false; Task::EvalNodeAncestralVariant* before EvalNodeVariant*).
		if b.frame == nil && (b.evalAncestralVariants(false) || b.evalAncestralVariants(true) ||
			b.evalVariants(false) || b.evalVariants(true)) {
			continue
		}
		break
	}
}

// makePendingCopies makes the root copies of the specializes that
// attached subgraphs brought (Task::EvalImpliedSpecializes, which comes
// after every specializes task): a copy whose site is in the graph
// already is skipped (skipDuplicateNodes), and the node stays as the
// placeholder Pcp added in the subgraph, without the arcs it brought
// there (a placeholder evaluates none). It reports whether there was any.
func (b *builder) makePendingCopies() bool {
	var pending []*Node
	walk(b.idx.Root, func(n *Node) {
		if n.copyPending {
			pending = append(pending, n)
		}
	})
	for _, n := range pending {
		n.copyPending = false
		if n.inert || n.culled {
			continue
		}
		dup := false
		var rec func(m *Node)
		rec = func(m *Node) {
			if dup || m == n || m.copyPending {
				return
			}
			dup = !m.inert && m.LayerStack == n.LayerStack && m.Path == n.Path
			for _, c := range m.Children {
				rec(c)
			}
		}
		rec(b.idx.Root)
		if dup {
			n.inert = true
			for _, c := range n.Children {
				elide(c)
			}
		}
	}
	return len(pending) > 0
}

// arcTasks is a set of the arc tasks of a node (Task::EvalNodeRelocations,
// EvalNodeReferences, EvalNodePayloads, EvalNodeInherits,
// EvalNodeSpecializes).
type arcTasks uint8

const (
	arcTaskRelocations arcTasks = 1 << iota
	arcTaskReferences
	arcTaskPayloads
	arcTaskInherits
	arcTaskSpecializes

	allArcTasks = arcTaskRelocations | arcTaskReferences | arcTaskPayloads | arcTaskInherits | arcTaskSpecializes
)

// runArcTask runs task t on the strongest node that has it pending and
// reports whether there was one. A node that cannot contribute specs has
// no arcs of its own (_EvalNodeReferences and the others return at
// once): an inert node, and a relocation node, whose site is salted
// earth, arcs included; what the source brings comes from its
// ancestors' arcs (the subgraph addAncestral attaches).
//
// Tasks of one kind run in the order of the nodes' indexes in the graph
// (Task::PriorityOrder, "arbitrary order" by node index): the graph
// cloned from the parent prim comes first, in the parent's strength
// order (its finalized graph), then the nodes added since, in the order
// they were added.
func (b *builder) runArcTask(t arcTasks) bool {
	var found *Node
	b.each(func(n *Node) bool {
		if n.arcsDone&t != 0 || !n.Contributes() {
			return true
		}
		if n.seq <= b.startSeq {
			found = n
			return false
		}
		if found == nil || n.seq < found.seq {
			found = n
		}
		return true
	})
	if found == nil {
		return false
	}
	found.arcsDone |= t
	b.evalArcs(found, t)
	return true
}

// each visits nodes in strength order until f returns false.
func (b *builder) each(f func(*Node) bool) {
	var rec func(n *Node) bool
	rec = func(n *Node) bool {
		if !f(n) {
			return false
		}
		for _, c := range n.Children {
			if !rec(c) {
				return false
			}
		}
		return true
	}
	rec(b.idx.Root)
}

// arcOpts are the options of _AddArc (_ArcOptions).
type arcOpts struct {
	// ancestral: build the target's namespace ancestors' graph and
	// attach it below the node (includeAncestralOpinions).
	ancestral bool
	// noSpecs: the node is a placeholder that contributes nothing
	// (!directNodeShouldContributeSpecs).
	noSpecs bool
	// skipDup: do not add the node if its site is in the graph (or the
	// graphs of outer frames) already (skipDuplicateNodes).
	skipDup bool
	// ancSkipDup: the subgraph of the target's namespace ancestors skips
	// duplicate sites even though the node itself does not (a specialize
	// standing for its root copy, which Pcp adds with skipDuplicateNodes).
	ancSkipDup bool
}

// addChild inserts a new node under parent in strength order, unless it
// would form a cycle (an ArcCycle error) or the index is over capacity.
// A node targeting a prim below its layer stack's root brings that
// prim's ancestral opinions (except variants and implied nodes).
func (b *builder) addChild(parent *Node, n *Node) bool {
	p := sdf.ParentPath(sdf.StripVariants(n.Path))
	anc := !n.implied && p != "/" && p != "" && n.Arc != ArcVariant
	return b.addArc(parent, n, arcOpts{ancestral: anc})
}

// addArc adds node n under parent (_AddArc): cycle and capacity checks,
// duplicate sites skipped when asked, the ancestral subgraph attached,
// and the implied-class task queued (AddTasksForNode).
func (b *builder) addArc(parent *Node, n *Node, o arcOpts) bool {
	n.Parent = parent
	if n.Origin == nil {
		n.Origin = parent
	}
	if b.full {
		return false
	}
	if b.cycleAt(parent, n) {
		b.errf("ArcCycle", "composition cycle at %s: %s arc from @%s@<%s> to @%s@<%s>", b.top().idx.Path, n.Arc,
			shortName(parent.LayerStack.Root().Identifier), parent.Path,
			shortName(n.LayerStack.Root().Identifier), n.Path)
		return false
	}
	if b.frame != nil && b.frame.skipDup {
		o.skipDup = true
	}
	// An authored class arc does not see a specialize still waiting for
	// its root copy (copyPending); other arcs, an implied class's
	// ancestral opinions among them, do: Pcp implies such a specialize's
	// class only once the copy is made, and its ancestral opinions then
	// skip the copy's site (museum TrickySpecializesAndRelocates).
	ignorePending := isClassArc(n.Arc) && !n.implied
	if o.skipDup && b.siteInGraphs(parent, n.LayerStack, n.Path, ignorePending) {
		return false
	}
	if pathElementCount(n.Path) > maxArcTargetDepth {
		b.errf("IndexCapacityExceeded", "%s: %s arc from @%s@<%s> to @%s@<%s> targets a site more than %d namespace levels deep; it is ignored",
			b.top().idx.Path, n.Arc, shortName(parent.LayerStack.Root().Identifier), parent.Path,
			shortName(n.LayerStack.Root().Identifier), n.Path, maxArcTargetDepth)
		return false
	}
	if t := b.top(); t.idx.nodes >= maxIndexNodes {
		b.full = true
		t.full = true
		b.errf("IndexCapacityExceeded", "%s: more than %d composition nodes; arcs from @%s@<%s> on are ignored", t.idx.Path, maxIndexNodes,
			shortName(parent.LayerStack.Root().Identifier), parent.Path)
		return false
	}
	b.top().idx.nodes++
	b.cache.seq++
	n.seq = b.cache.seq
	if o.noSpecs {
		// Pcp adds the node inert (_AddArc with
		// directNodeShouldContributeSpecs false), which records its
		// restriction depth, its site's path element count
		// (PcpNodeRef::SetInert): it gives no variant selection authored
		// at its site or below (_NodeCanContributeAncestralOpinions; rule
		// inert-class-gives-no-selection).
		n.inert = true
		if n.restricted == 0 {
			n.restricted = pathElementCount(n.Path)
		}
	}
	parent.Children = append(parent.Children, n)
	b.sortChildren(parent)
	if o.ancestral {
		b.addAncestral(n, o.skipDup || o.ancSkipDup)
		if b.frame == nil {
			// The subgraph skipped variants: queue the variant sets at
			// the namespace ancestors of each of its nodes' sites
			// (AddTasksForNode with evaluateAncestralVariantsAndDynamicPayloads).
			walk(n, queueAncestralVariants)
		}
	}
	// Any new edge may need implied classes (AddTasksForNode): a class
	// node propagates the whole class hierarchy it belongs to; another
	// node propagates the classes of a subgraph it brought.
	if isClassArc(n.Arc) {
		if s := findStartingNodeForImpliedClasses(n); s != nil {
			b.queueImplied(s)
		}
	} else if hasClassBasedChild(n) {
		b.queueImplied(n)
	}
	return true
}

// siteInGraphs reports whether a contributing node of the graph being
// built, or of the graphs of outer frames, is at the site; the path moves
// as the subgraph's root path moves to the path requested of it
// (_AddArc, skipDuplicateNodes; PcpPrimIndex_Graph::GetNodeUsingSite).
//
// ignorePending leaves out the specializes still waiting for their root
// copy and what their subgraphs brought (copyPending).
func (b *builder) siteInGraphs(parent *Node, ls *LayerStack, path string, ignorePending bool) bool {
	node, fr := parent, b.frame
	for node != nil {
		root := rootOf(node)
		found := false
		var rec func(m *Node)
		rec = func(m *Node) {
			// A specialize whose copy is still to be made, and what its
			// subgraph brought, is not in Pcp's graph yet.
			if found || (ignorePending && m.copyPending) {
				return
			}
			found = !m.inert && m.LayerStack == ls && m.Path == path
			for _, c := range m.Children {
				rec(c)
			}
		}
		rec(root)
		if found {
			return true
		}
		if fr == nil {
			break
		}
		// Once attached, the subgraph's root site is the requested one:
		// an arc to /C added while building /A for /A/B is an arc to /C/B.
		if p, ok := sdf.ReplacePrefix(sdf.StripVariants(fr.requested), sdf.StripVariants(root.Path), path); ok {
			path = p
		}
		node, fr = fr.parent, fr.prev
	}
	return false
}

// addAncestral gives a node that targets a prim below the root of its
// layer stack the opinions its target inherits from its ancestors' arcs
// (a reference to </A/B> sees what </A>'s own references say about B).
func (b *builder) addAncestral(n *Node, skipDup bool) {
	parent := sdf.ParentPath(n.Path)
	if parent == "/" || parent == "" {
		return
	}
	fr := &frame{parent: n.Parent, requested: n.Path, arc: n.Arc, prev: b.frame, outer: b, node: n, depth: 1, skipDup: skipDup,
		rootInert: n.Arc == ArcRelocate}
	if b.frame != nil {
		fr.depth = b.frame.depth + 1
	}
	if fr.depth > maxFrameDepth {
		b.errf("IndexCapacityExceeded", "%s: %s arc to @%s@<%s> nests more than %d sub-root arcs; its ancestral opinions are ignored",
			b.top().idx.Path, n.Arc, shortName(n.LayerStack.Root().Identifier), n.Path, maxFrameDepth)
		return
	}
	// Pcp builds the whole index of the target site in the frame (its
	// ancestors' arcs and its own), then merges it as the new node
	// (_AddArc with includeAncestralOpinions, Pcp_BuildPrimIndex): the
	// site's own arcs are evaluated there, before any weaker arc of the
	// outer graph, and not again once attached (skipTasksForExpressedArcs).
	sidx := b.cache.siteIndex(n.LayerStack, n.Path, fr)
	if sidx.Root == nil {
		return
	}
	anc := sidx.Root
	n.arcsDone = allArcTasks
	if sidx.prohibited {
		// The merged subgraph's root is inert and its children culled
		// (_ElidePrimIndexIfProhibited): the arc brings nothing. Made
		// inert there, the root recorded its restriction depth, the
		// requested site's path element count (PcpNodeRef::SetInert): a
		// variant selection authored at the site or below it is none of
		// the index's (_NodeCanContributeAncestralOpinions in
		// _ComposeVariantSelectionAcrossNodes; rule
		// prohibited-arc-gives-no-selection).
		n.inert = true
		if n.restricted == 0 {
			n.restricted = pathElementCount(n.Path)
		}
		n.culledKids = anc.culledKids
		for _, c := range n.culledKids {
			c.Parent = n
		}
		return
	}
	// Below an instance the site's graph was restricted like any
	// instance child's (siteIndex, in the frame), its root too, which is
	// n once attached: an arc to a prim below an instance brings the
	// instance's arcs' opinions there, not its local ones.
	if anc.inert && !n.inert && n.Arc != ArcRelocate {
		n.inert, n.restricted = true, anc.restricted
	}
	// The subgraph's root becomes n (Pcp merges it as the new node), so
	// arcs whose origin was that root now have n as origin.
	gone := map[*Node]bool{anc: true}
	var attach func(cs []*Node)
	attach = func(cs []*Node) {
		for _, c := range cs {
			if c.LayerStack == n.LayerStack && c.Path == n.Path {
				gone[c] = true
				attach(c.Children) // the target itself (reached through a variant)
				continue
			}
			c.Parent = n
			shiftOffsets(c, n.Offset)
			n.Children = append(n.Children, c)
		}
	}
	attach(anc.Children)
	// A subgraph whose namespace ancestor was a prohibited child (elided
	// in the frame, _ElidePrimIndexIfProhibited) keeps that ancestor's
	// culled nodes, moved to the site: Pcp's graph is not finalized
	// before it is merged, so they resolve the arc for the
	// UnresolvedPrimPath check (_PrimSpecExistsUnderNodeAtIntroduction;
	// a reference to a child of a relocation source is no
	// UnresolvedPrimPath when the source's arcs have that child).
	for _, c := range anc.culledKids {
		c.Parent = n
		shiftOffsets(c, n.Offset)
		n.culledKids = append(n.culledKids, c)
	}
	for _, c := range n.Children {
		walk(c, func(m *Node) {
			if gone[m.Origin] {
				m.Origin = n
			}
		})
	}
	if len(anc.Children) > 0 {
		b.sortChildren(n)
	}
}

func shiftOffsets(n *Node, by sdf.LayerOffset) {
	n.Offset = by.Compose(n.Offset)
	for _, c := range n.Children {
		shiftOffsets(c, by)
	}
}

func (b *builder) sortChildren(p *Node) {
	// The pre-order positions of the graph are only needed to tell apart
	// siblings of the same arc type and depth with different origins;
	// numbering the graph for every insertion made big graphs quadratic.
	var order map[*Node]int
	position := func(n *Node) (int, bool) {
		if order == nil {
			order = map[*Node]int{}
			i := 0
			walk(b.idx.Root, func(n *Node) { order[n] = i; i++ })
		}
		k, ok := order[n]
		return k, ok
	}
	sort.SliceStable(p.Children, func(i, j int) bool {
		x, y := p.Children[i], p.Children[j]
		if x.Arc != y.Arc {
			return x.Arc < y.Arc
		}
		if x.depth != y.depth {
			return x.depth > y.depth
		}
		if x.Origin != y.Origin {
			ox, okx := position(x.Origin)
			oy, oky := position(y.Origin)
			if okx && oky && ox != oy {
				return ox < oy
			}
		}
		return x.siblingNum < y.siblingNum
	})
}

// evalArcs adds the arcs of kind t authored at n.
func (b *builder) evalArcs(n *Node, t arcTasks) {
	ls := n.LayerStack
	// Relocation: a prim moved to this path keeps the opinions of its
	// source location's arcs.
	if t == arcTaskRelocations && n.Arc != ArcRelocate && !strings.ContainsRune(n.Path, '{') {
		for _, r := range ls.Relocates {
			if r.Target == n.Path && r.Source != "" {
				// The opinions of the target's ancestral arcs (other than
				// variants) give way to the source's (_EvalNodeRelocations).
				for _, c := range n.Children {
					if c.Arc != ArcVariant {
						elide(c)
					}
				}
				// Pcp adds the relocation node inert (_AddArc with
				// directNodeShouldContributeSpecs false), which records its
				// restriction depth: the source's path element count
				// (PcpNodeRef::SetInert, _RecordRestrictionDepth). A variant
				// set authored at the source itself, or below it, is never
				// an ancestral variant of the node's descendants' sites, even
				// once the node is cloned into a child's index and reached
				// through an arc that merges its subgraph (rule
				// relocate-restricted-depth, museum ErrorOpinionAtRelocationSource).
				child := &Node{Arc: ArcRelocate, LayerStack: ls, Path: r.Source, Offset: n.Offset,
					depth: pathDepth(n.Path), mapSrc: r.Source, mapDst: n.Path, restricted: pathElementCount(r.Source)}
				if b.addChild(n, child) {
					elideRelocatedSubtrees(child)
					b.addImpliedRelocations(child)
				}
			}
		}
	}
	switch t {
	case arcTaskReferences:
		for i, it := range composeListOp(ls, n.Path, "references", refKey) {
			b.addRefArc(n, ArcReference, it.item.AssetPath, it.item.PrimPath, it.item.Offset, it.layer, i)
		}
	case arcTaskPayloads:
		pls := composeListOp(ls, n.Path, "payload", payloadKey)
		if len(pls) > 0 {
			b.idx.HasPayload = true
		}
		if !b.cache.NoPayloads {
			for i, it := range pls {
				b.addRefArc(n, ArcPayload, it.item.AssetPath, it.item.PrimPath, it.item.Offset, it.layer, i)
			}
		}
	case arcTaskInherits:
		for i, it := range composeListOp(ls, n.Path, "inheritPaths", strKey) {
			b.addClassArc(n, ArcInherit, it.item, i)
		}
	case arcTaskSpecializes:
		for i, it := range composeListOp(ls, n.Path, "specializes", strKey) {
			b.addClassArc(n, ArcSpecialize, it.item, i)
		}
	}
}

// addImpliedRelocations adds, for relocation node r, an inert relocation
// node to each weaker-to-stronger layer stack up the graph, at the
// relocation source mapped across each arc (_EvalImpliedRelocations): it
// contributes no opinions, but a variant selection authored at that site
// is one of the index's ("spooky" variant selections,
// TrickySpookyVariantSelection). It is added once per grandparent site.
// Its map is the identity, and it is marked implied and mapped to no
// parent path of its own (so it is not taken for a relocation authored
// here: no OpinionAtRelocationSource is reported for it).
func (b *builder) addImpliedRelocations(r *Node) {
	for r != nil && r.Parent != nil && r.Parent.Parent != nil {
		p, gp := r.Parent, r.Parent.Parent
		src := p.fnToParent().toTarget(sdf.StripVariants(r.Path))
		if src == "" {
			return
		}
		for _, c := range gp.Children {
			if c.Arc == ArcRelocate && c.Path == src {
				return
			}
		}
		id := identityMap()
		ir := &Node{Arc: ArcRelocate, LayerStack: gp.LayerStack, Path: src, Offset: gp.Offset,
			depth: pathDepth(gp.Path), mapSrc: src, Origin: r, implied: true, fn: &id}
		if !b.addArc(gp, ir, arcOpts{noSpecs: true}) {
			return
		}
		r = ir
	}
}

// elide makes a subtree contribute nothing (_ElideSubtree).
func elide(n *Node) {
	// _ElideSubtree with the cull input a UsdStage gives: the nodes are
	// culled, not only inert, so they are not in the finished index, and
	// restricted at depth 1, so they give no variant selections.
	walk(n, func(m *Node) { m.inert, m.culled, m.restricted = true, true, 1 })
}

// pathElementCount counts a path's prim names and variant selections
// (SdfPath::GetPathElementCount): /A{v=x}B has 3.
func pathElementCount(p string) int {
	return strings.Count(sdf.StripVariants(p), "/") + strings.Count(p, "{")
}

// primIndexIsInstanceable reports whether the prim of idx is an instance:
// some node brought in by a direct arc (or below one) has specs, and the
// strongest opinion of the nodes that contribute says instanceable
// (Pcp_PrimIndexIsInstanceable, Pcp_FindInstanceableDataVisitor).
//
// Without variants (a sub-root arc's frame), specializes and what they
// bring do not count either: inferred from usd-core 26.11, where a prim
// that is an instance through its specialize of an instanceable class
// does not restrict an arc to its child (such a subgraph is built with
// evaluateImpliedSpecializes false; oracle gen-9289).
// IsInstanceable reports whether the prim of the index is an instance
// (PcpPrimIndex::IsInstanceable; see primIndexIsInstanceable).
func (idx *PrimIndex) IsInstanceable() bool { return primIndexIsInstanceable(idx, true) }

func primIndexIsInstanceable(idx *PrimIndex, variants bool) bool {
	data := false
	walkInstanceable(idx.Root, variants, func(n *Node, instanceable bool) bool {
		if !variants && underSpecialize(n) {
			return false
		}
		data = data || instanceable
		return !data
	})
	if !data {
		return false
	}
	for _, n := range idx.Nodes {
		if !n.Contributes() || (!variants && (underVariant(n) || underSpecialize(n))) {
			continue
		}
		for _, l := range n.LayerStack.Layers {
			if spec := l.Specs[n.Path]; spec != nil {
				if v, ok := spec.Get("instanceable"); ok {
					b, _ := v.(bool)
					return b
				}
			}
		}
	}
	return false
}

// walkInstanceable visits the graph strong to weak with whether each node
// is instanceable: not the root; a node with specs that is not due to an
// ancestor or lies below one that is not (Pcp_ChildNodeIsInstanceable).
// Culled subtrees are skipped; f returning false prunes the node's
// children (Pcp_TraverseInstanceableStrongToWeak).
//
// Without variants, variant nodes and their subtrees are skipped: the
// graph of a sub-root arc's target's ancestor is built without them
// (Pcp_BuildPrimIndex with evaluateVariantsAndDynamicPayloads false, as
// _AddArc asks) and gets them only once merged, so a prim that is an
// instance only through a variant does not restrict such an arc.
func walkInstanceable(root *Node, variants bool, f func(n *Node, instanceable bool) bool) {
	var rec func(n *Node, direct bool)
	rec = func(n *Node, direct bool) {
		if n.culled || (!variants && n.Arc == ArcVariant) {
			return
		}
		direct = direct || !n.IsDueToAncestor()
		if !f(n, direct && n.HasSpecs()) {
			return
		}
		for _, c := range n.Children {
			rec(c, direct)
		}
	}
	if !f(root, false) {
		return
	}
	for _, c := range root.Children {
		rec(c, false)
	}
}

// disableNonInstanceableNodes makes inert the nodes of a child's graph,
// cloned from an instance's graph (parent), that are not instanceable
// there: the instance's local and ancestral opinions about its namespace
// children are ignored (_BuildInitialPrimIndexFromAncestor,
// Pcp_DisableNonInstanceableNodesVisitor). Pcp marks the parent's graph
// before moving it to the child, so instanceability is the parent's and
// the restriction depth is the parent path's.
//
// Without variants (a frame's graph, see walkInstanceable) a variant node
// below a node made inert is culled: Pcp adds variants later, only below
// a node that can contribute.
func disableNonInstanceableNodes(parent, clone *Node, depth int, variants bool) {
	twin := map[*Node]*Node{}
	var pair func(a, b *Node)
	pair = func(a, b *Node) {
		twin[a] = b
		for i := range a.Children {
			pair(a.Children[i], b.Children[i])
		}
	}
	pair(parent, clone)
	walkInstanceable(parent, variants, func(n *Node, instanceable bool) bool {
		if instanceable {
			return false
		}
		if c := twin[n]; !c.inert {
			c.inert = true
			c.restricted = depth
		}
		return true
	})
	if !variants {
		// Pcp never adds these (variants are evaluated once merged, and
		// not for a node that cannot contribute): culled, they name no
		// variant sets either (UsdVariantSets::GetNames).
		walk(clone, func(n *Node) {
			if n.Arc == ArcVariant && n.Parent.inert {
				walk(n, func(m *Node) {
					m.inert, m.culled = true, true
					if m.restricted == 0 {
						m.restricted = depth
					}
				})
			}
		})
	}
}

// underVariant reports whether n is, or lies below, a variant node.
func underVariant(n *Node) bool {
	for ; n != nil; n = n.Parent {
		if n.Arc == ArcVariant {
			return true
		}
	}
	return false
}

// underSpecialize reports whether n is, or lies below, a specializes node.
func underSpecialize(n *Node) bool {
	for ; n != nil; n = n.Parent {
		if n.Arc == ArcSpecialize {
			return true
		}
	}
	return false
}

// givesSelectionAt reports whether a selection authored at path (in n's
// namespace) counts: not at or below the depth where n was restricted
// (_NodeCanContributeAncestralOpinions).
func (n *Node) givesSelectionAt(path string) bool {
	return n.restricted == 0 || n.restricted > pathElementCount(path)
}

// elideRelocatedSubtrees elides the nodes under a relocation source node
// whose site is itself the source of a relocation in their layer stack:
// their opinions belong to another prim (_ElideRelocatedSubtrees).
func elideRelocatedSubtrees(n *Node) {
	for _, c := range n.Children {
		if c.Arc == ArcRelocate {
			continue
		}
		if c.Contributes() && c.LayerStack.isRelocationSource(c.Path) {
			elide(c)
			continue
		}
		elideRelocatedSubtrees(c)
	}
}

// addClassArc adds an inherit or specialize authored on n
// (_AddClassBasedArcs): its map function maps the class to the instance
// and every other path to itself.
func (b *builder) addClassArc(n *Node, arc ArcType, target string, num int) {
	if target == "" {
		return
	}
	// An inherit or specialize must name a prim path without variant
	// selections (_AddClassBasedArcs): else InvalidPrimPath, no arc.
	if !isPrimPathNoVariants(target) {
		b.errAtNode(n, "InvalidPrimPath", "%s: invalid %s path <%s> introduced by <%s>: must be a prim path with no variant selections",
			b.idx.Path, arc, target, n.Path)
		return
	}
	f := newMapFunc(map[string]string{sdf.StripVariants(target): sdf.StripVariants(n.Path)}).withRoot()
	b.addClassBasedArc(arc, n, n, f, nil, num, nil, "")
}

// addClassBasedArc adds one class arc under parent, or returns the
// child already there for its site (_AddClassBasedArc). The class path
// is the parent's path mapped back across the arc, variant selections
// kept (_DetermineInheritPath); no path, no arc. A class that maps to
// the parent's own site, or to the site it is implied from (ignoreLS,
// ignorePath), is added as a placeholder that contributes nothing but
// keeps the class propagating up the graph; a contributing one skips
// sites already in the graph and, below the root, brings its ancestral
// opinions.
//
// tfn is an implied class's map function with relocations (mapToParentFn);
// nil for an authored class, whose map is derived from its arc.
func (b *builder) addClassBasedArc(arc ArcType, parent, origin *Node, f mapFunc, tfn *mapFunc, num int, ignoreLS *LayerStack, ignorePath string) *Node {
	path := determineInheritPath(parent.Path, f)
	if path == "" {
		return nil
	}
	if c := findMatchingChild(parent, parent.LayerStack, path); c != nil {
		return c
	}
	contributes := path != parent.Path && !(parent.LayerStack == ignoreLS && path == ignorePath)
	p := sdf.ParentPath(sdf.StripVariants(path))
	// A class arc that contributes skips a site already in the graph
	// (skipDuplicateNodes); specializes are evaluated after inherits
	// (Task::Type), so a specialize is the one skipped.
	// In usd-core 26.11 an authored specialize below the root is added
	// where it is authored as a placeholder, with a contributing copy at
	// the root that skips duplicate sites (its PCP_PRIM_INDEX debug
	// output: "directNodeShouldContributeSpecs: false", then the arc
	// from the root with "skipDuplicateNodes: true"). Here the node
	// stays where it is authored and stands for the copy (strengthOrder
	// moves it after everything else), so when the copy would be skipped
	// the node is kept as the placeholder alone: it brings no opinions but
	// still implies its class up the graph.
	o := arcOpts{noSpecs: !contributes, skipDup: contributes, ancestral: contributes && p != "/" && p != ""}
	pending := false
	if arc == ArcSpecialize && contributes && (b.frame != nil || parent != b.idx.Root) {
		switch {
		case b.frame != nil:
			// An implied one still skips a site in the graph, and so do
			// its ancestral opinions (the implied class is made where
			// the copy is, below: museum TrickySpecializesAndRelocates).
			pending = true
			if parent == origin {
				o.skipDup = false
			}
		default:
			// Authored or implied, the specialize is a placeholder where
			// it is added (skipDuplicateNodes false: placeholders are
			// inert, so a second one at a site is no duplicate and keeps
			// implying its class up the graph, oracle gen-9139), and its
			// copy at the root is skipped when its site is in the graph.
			// The copy is added with skipDuplicateNodes, so the frame
			// that brings its ancestral opinions, and the target's own
			// arcs evaluated there, skip sites in the graph (gen-49: a
			// payload of the specialized prim to a site a stronger
			// reference brings is not added).
			o.skipDup, o.ancSkipDup = false, true
			if b.siteInGraphs(parent, parent.LayerStack, path, true) {
				o.noSpecs, o.ancestral = true, false
			}
		}
	}
	fn := f
	child := &Node{Arc: arc, LayerStack: parent.LayerStack, Path: path, Offset: parent.Offset,
		depth: pathDepth(parent.Path), siblingNum: num, mapSrc: path, mapDst: parent.Path,
		Origin: origin, implied: parent != origin, fn: &fn, tfn: tfn}
	if !b.addArc(parent, child, o) {
		return nil
	}
	child.copyPending = pending
	child.copyDepth = b.top().depth
	return child
}

// isPrimPathNoVariants reports whether p names a prim, absolute or
// relative, with no variant selection (SdfPath::IsPrimPath and not
// ContainsPrimVariantSelection): not the pseudo-root, a property, a
// target or a variant selection path.
func isPrimPathNoVariants(p string) bool {
	if p == "" || p == "/" || p == "." || strings.ContainsAny(p, "{}[]") {
		return false
	}
	for _, e := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
		if e == "" || (e != ".." && strings.Contains(e, ".")) {
			return false
		}
	}
	return true
}

// determineInheritPath maps a node's path back across a class arc's map
// function, keeping the variant selections of the node's path
// (_DetermineInheritPath).
func determineInheritPath(parentPath string, f mapFunc) string {
	if !strings.ContainsRune(parentPath, '{') {
		return f.toSource(parentPath)
	}
	p := f.toSource(sdf.StripVariants(parentPath))
	if p == "" {
		return ""
	}
	return withVariantSelections(p, parentPath)
}

// findMatchingChild returns the child of parent at the site, if any
// (_FindMatchingChild).
func findMatchingChild(parent *Node, ls *LayerStack, path string) *Node {
	for _, c := range parent.Children {
		if c.LayerStack == ls && c.Path == path {
			return c
		}
	}
	return nil
}

// hasClassBasedChild reports whether n has a class arc child, culled ones
// (an arc to a prohibited child's subgraph) included: their classes are
// still implied (evalImpliedClassTree).
func hasClassBasedChild(n *Node) bool {
	for _, c := range append(n.Children[:len(n.Children):len(n.Children)], n.culledKids...) {
		if isClassArc(c.Arc) {
			return true
		}
	}
	return false
}

// findStartingNodeOfClassHierarchy walks up from class node n across the
// class arcs introduced at n's depth and returns the instance that
// inherits the hierarchy and the hierarchy's first class
// (Pcp_FindStartingNodeOfClassHierarchy, utils.cpp).
func findStartingNodeOfClassHierarchy(n *Node) (instance, class *Node) {
	depth := n.depthBelowIntroduction()
	instance = n
	for instance.Parent != nil && isClassArc(instance.Arc) && instance.depthBelowIntroduction() == depth {
		class = instance
		instance = instance.Parent
	}
	return instance, class
}

// findStartingNodeForImpliedClasses returns where implied class
// processing starts for class node n, so that the whole chain of classes
// n belongs to, ancestral class hierarchies included, is propagated as a
// unit (_FindStartingNodeForImpliedClasses; TrickyNestedClasses): the
// instance of n's class hierarchy, and while that instance is itself a
// class reached through an ancestral class arc whose class is not a
// namespace child of that ancestral class, the start of the ancestral
// hierarchy.
func findStartingNodeForImpliedClasses(n *Node) *Node {
	start := n
	for start != nil && start.Parent != nil && isClassArc(start.Arc) {
		inst, class := findStartingNodeOfClassHierarchy(start)
		start = inst
		if inst.Parent != nil && isClassArc(inst.Arc) && class != nil {
			if sdf.HasPrefix(sdf.StripVariants(class.Path), sdf.StripVariants(inst.pathAtIntroduction())) {
				break
			}
		}
	}
	return start
}

// queueImplied adds an EvalImpliedClasses task for n (once).
func (b *builder) queueImplied(n *Node) {
	if b.impliedTasks == nil {
		b.impliedTasks = map[*Node]bool{}
	}
	b.impliedTasks[n] = true
}

// popImpliedTask returns the queued node that comes first in a
// post-order walk of the graph in strength order: descendants before
// their ancestors, siblings strongest first. usd-core 26.11 evaluates
// implied classes in that order (its PCP_PRIM_INDEX debug output: the
// implied classes of a reference's subgraph, then of the reference, then
// of a weaker sibling reference added before that subgraph), so the
// classes implied up from a stronger subtree are in the graph before a
// weaker sibling's implied class to the same site is skipped as a
// duplicate (oracle gen-5334); the descendants-first part is what
// Task::PriorityOrder guarantees.
func (b *builder) popImpliedTask() *Node {
	if len(b.impliedTasks) == 0 {
		return nil
	}
	var best *Node
	var rec func(n *Node) bool
	rec = func(n *Node) bool {
		for _, c := range n.Children {
			if rec(c) {
				return true
			}
		}
		if b.impliedTasks[n] {
			best = n
			return true
		}
		return false
	}
	rec(b.idx.Root)
	if best == nil {
		// Queued nodes no longer in the graph: any order.
		for n := range b.impliedTasks {
			if best == nil || n.seq > best.seq {
				best = n
			}
		}
	}
	delete(b.impliedTasks, best)
	return best
}

// evalImpliedClasses implies the class-based children of n to n's parent
// (_EvalImpliedClasses): the map of n to its parent, with the root
// identity added so that root classes cross it, transfers each class
// hierarchy below n to the parent's namespace. A class authored across a
// reference thus applies in the referencing layer stack too (a global
// class override), and a class of a relocation source's subgraph
// follows the relocation ("spooky" inherits).
func (b *builder) evalImpliedClasses(n *Node) {
	if n.Parent == nil || !hasClassBasedChild(n) {
		return
	}
	b.evalImpliedClassTree(n.Parent, n, n.fnToParent().withRoot(), n.mapToParentFn().withRoot(), true)
}

// impliedClassFn is the map function of the class arc f transferred by
// transfer (_GetImpliedClass; PcpMapExpression::ImpliedClass in usd-core
// 26.11, which is not transfer o f o transfer^-1 as in earlier releases):
// both paths of each pair of f are mapped through transfer (a pair whose
// class does not map is dropped, one whose instance does not map becomes
// a block), and so is the pair f implies at each source of transfer that
// lies under one of f's instances; the root identity is added. This rule
// was inferred from usd-core 26.11 and agrees with its
// PcpMapExpression.ImpliedClass on 5000 random map functions; a class
// whose own site is the transfer's target thus implies nothing (gen-80 of
// the oracle), while an ancestral class keeps its sub-root pair
// (SubrootReferenceAndClasses).
func impliedClassFn(transfer, f mapFunc) mapFunc {
	if transfer.isIdentity() {
		return f
	}
	pairs := map[string]string{"/": "/"}
	for _, p := range f.pairs {
		src := transfer.toTarget(p[0])
		if src == "" {
			continue
		}
		tgt := ""
		if p[1] != "" {
			tgt = transfer.toTarget(p[1])
		}
		pairs[src] = tgt
	}
	for _, p := range transfer.pairs {
		under := false
		for _, q := range f.pairs {
			under = under || (q[1] != "" && sdf.HasPrefix(p[0], q[1]))
		}
		if !under {
			continue
		}
		a := f.toSource(p[0])
		if a == "" {
			continue
		}
		src := transfer.toTarget(a)
		if _, seen := pairs[src]; src == "" || seen {
			continue
		}
		pairs[src] = p[1]
	}
	return newMapFunc(pairs)
}

// evalImpliedClassTree adds below dest the implied classes of the class
// arcs below src, recursing into nested classes (_EvalImpliedClassTree).
// At the start of a tree, the class arc that continues dest's own class
// chain is skipped (it is not a namespace child of src's class).
//
// A relocation node: Pcp builds the relocation source's subgraph with the
// source as its root, so the classes of that subgraph are implied onto
// it there, and move on from the relocation node once it is attached
// ("spooky" inherits: TrickySpookyInherits, where /Rig/LRig's inherit of
// /Rig/SymRig in rig.usda reaches the relocated /Model_1/Anim/LAnim as
// model.usda's and root.usda's SymRig); classes implied to a relocation
// node later pass on to its parent (the XXX:RelocatesSourceNodes branch).
// This package builds the relocation's subtree in the outer graph, so it
// adds a class below the relocation node unless its site there is at or
// below a relocation source (salted earth: Pcp has no node there,
// TrickyInheritsAndRelocates), which passes on to the parent.
//
// transferT is the transfer function with relocations (mapToParentFn),
// which implies the classes' map functions for path translation.
func (b *builder) evalImpliedClassTree(dest, src *Node, transfer, transferT mapFunc, start bool) {
	// The culled subgraph of an arc to a prohibited child counts too:
	// Pcp keeps culled nodes in the graph until it is finalized, and
	// _EvalImpliedClassTree walks every child (rule
	// implied-class-from-prohibited-subgraph).
	for _, sc := range append(append([]*Node(nil), src.Children...), src.culledKids...) {
		if !isClassArc(sc.Arc) {
			continue
		}
		if start && isClassArc(src.Arc) && src.depthBelowIntroduction() == sc.depthBelowIntroduction() {
			continue
		}
		b.impliedClass(dest, src, sc, transfer, transferT, start)
	}
}

// underRelocationSource reports whether path is at or below the source of
// one of the layer stack's relocations (a prohibited site).
func underRelocationSource(ls *LayerStack, path string) bool {
	for _, r := range ls.Relocates {
		if r.Source != "" && sdf.HasPrefix(path, r.Source) {
			return true
		}
	}
	return false
}

// impliedClass implies class node sc (a child of src) to dest.
func (b *builder) impliedClass(dest, src, sc *Node, transfer, transferT mapFunc, start bool) {
	scFn := sc.fnToParent()
	destFn := impliedClassFn(transfer, scFn)
	scT := sc.mapToParentFn()
	destT := impliedClassFn(transferT, scT)
	if dest.Arc == ArcRelocate && dest.Parent != nil {
		if p := determineInheritPath(dest.Path, destFn); p == "" || underRelocationSource(dest.LayerStack, sdf.StripVariants(p)) {
			b.impliedClass(dest.Parent, src, sc, dest.fnToParent().withRoot().compose(transfer), dest.mapToParentFn().withRoot().compose(transferT), start)
			b.queueImplied(dest)
			return
		}
	}
	// An implied class whose map function is the root identity alone
	// (the class arc's pairs all drop across the transfer: a class at or
	// under the transfer's target) has no site: usd-core 26.11's
	// _AddClassBasedArc reports "No appropriate site for inheriting
	// opinions" (PCP_PRIM_INDEX debug output of gen-50, gen-54, gen-174)
	// where mapping the parent's path back across the identity would
	// give a placeholder at the parent's own site, and a cycle.
	if destFn.isIdentity() {
		return
	}
	var dc *Node
	for _, c := range dest.Children {
		if c.Origin == sc && c.fnToParent().equal(destFn) {
			dc = c
			break
		}
	}
	if dc == nil {
		dc = b.addClassBasedArc(sc.Arc, dest, sc, destFn, &destT, sc.siblingNum, sc.LayerStack, sc.Path)
	}
	if dc != nil && hasClassBasedChild(sc) {
		childTransfer := destFn.inverse().compose(transfer.compose(scFn))
		childT := destT.inverse().compose(transferT.compose(scT))
		b.evalImpliedClassTree(dc, sc, childTransfer, childT, false)
	}
	if dest.Arc == ArcRelocate && dc != nil {
		b.queueImplied(dest)
	}
}

func (b *builder) addRefArc(n *Node, arc ArcType, asset, primPath string, off sdf.LayerOffset, layerIdx, num int) {
	if IsExpression(asset) {
		// PcpComposeSiteReferences/Payloads: an expression is evaluated
		// with the node's layer stack's variables; one that fails (an
		// error) or evaluates to an empty path adds no arc.
		e, err := EvalExpression(asset, frameNodeVars(n, b.frame))
		if err != nil {
			b.errAtNode(n, "VariableExpressionError", "%s: %s asset path %s: %w", b.idx.Path, arc, asset, err)
			return
		}
		if e == "" {
			return
		}
		asset = e
	}
	// A prim path that is not an absolute prim path without variant
	// selections fails the arc (usda refuses such paths; a crate layer can
	// hold them): InvalidPrimPath, and no node, after the offset is
	// checked too (_EvalRefOrPayloadArcs).
	invalid := primPath != "" && (!strings.HasPrefix(primPath, "/") || !isPrimPathNoVariants(primPath))
	if invalid {
		b.errAtNode(n, "InvalidPrimPath", "%s: invalid %s path <%s> introduced by <%s>: must be an absolute prim path with no variant selections",
			b.idx.Path, arc, primPath, n.Path)
	}
	off = b.refOffset(n, arc, asset, primPath, off) // errors.go
	if invalid {
		return
	}
	ls := n.LayerStack
	authoring := ls.Layers[layerIdx]
	var target *LayerStack
	if asset == "" {
		target = ls
		if primPath != "" {
			primPath = withVariantSelections(sdf.StripVariants(primPath), n.Path)
		}
	} else {
		l, err := b.cache.loader.Load(asset, authoring)
		if err != nil {
			b.errAtNode(n, "InvalidAssetPath", "%s: %s @%s@ from %s: %w", b.idx.Path, arc, asset, authoring.Identifier, err)
			return
		}
		target = b.cache.layerStack(l)
	}
	placeholder := false
	if primPath == "" {
		dp := target.Root().DefaultPrim()
		if dp == "" {
			b.errAtNode(n, "UnresolvedPrimPath", "%s: %s @%s@ has no target prim and %s has no defaultPrim", b.idx.Path, arc, asset, target.Root().Identifier)
			// Pcp still adds an inert arc to the target's pseudo-root, a
			// placeholder (_EvalRefOrPayloadArcs): its site "/" always has
			// a spec, which resolves an arc whose subtree it lies in for
			// the UnresolvedPrimPath check at introduction (checkUnresolved),
			// and its path is a prefix of any other in its layer stack for
			// the cycle check.
			primPath, placeholder = "/", true
		} else {
			primPath = "/" + dp
		}
	}
	if asset != "" {
		primPath = sdf.StripVariants(primPath)
	}
	if off.Scale == 0 {
		off.Scale = 1
	}
	// Offset: the arc's own, then the authoring layer's place in its stack,
	// then the node's; and timeCodesPerSecond of the target's root layer.
	o := off
	if at, tt := TimeCodesPerSecond(authoring), TimeCodesPerSecond(target.Root()); at != tt && asset != "" {
		o.Scale *= at / tt
	}
	total := n.Offset.Compose(ls.Offsets[layerIdx].Compose(o))
	if asset == "" {
		// An internal arc stays in the node's layer stack, whose own
		// sublayer offsets (and timeCodesPerSecond scaling) apply to the
		// target's specs already: only the arc's offset is added.
		total = n.Offset.Compose(o)
	}
	child := &Node{Arc: arc, LayerStack: target, Path: primPath, Offset: total,
		depth: pathDepth(n.Path), siblingNum: num, mapSrc: primPath, mapDst: n.Path, internal: asset == ""}
	if placeholder {
		b.addArc(n, child, arcOpts{noSpecs: true})
		return
	}
	b.addChild(n, child)
}

// evalVariants adds the variant arc of the first variant set, in
// strength order, that has an authored selection (fallback false:
// _EvalNodeAuthoredVariant) or, when none has, that has a fallback naming
// one of its variants (fallback true: _EvalNodeFallbackVariant). It
// reports whether it added one.
func (b *builder) evalVariants(fallback bool) bool {
	added := false
	// The selection of a set does not depend on the node asking until an
	// arc is added (which ends the call), so each set is looked up once.
	type choice struct {
		sel string
		ok  bool
	}
	memo := map[string]choice{}
	b.each(func(n *Node) bool {
		if !n.Contributes() || n.varsDone {
			return true
		}
		sets := composeListOp(n.LayerStack, n.Path, "variantSetNames", strKey)
		pending := false
		for i, s := range sets {
			if n.varDone[s.item] {
				continue
			}
			var sel string
			var ok bool
			if fallback {
				sel = b.fallbackSelection(n, s.item)
				ok = sel != ""
			} else {
				c, seen := memo[s.item]
				if !seen {
					c.sel, c.ok = b.variantSelection(s.item)
					memo[s.item] = c
				}
				sel, ok = c.sel, c.ok
			}
			// No selection, or an authored empty one, with a fallback among
			// the set's variants defers the set to the fallback pass
			// (_ShouldUseVariantFallback: an empty vsel uses the fallback).
			if !ok || (sel == "" && !fallback && b.fallbackSelection(n, s.item) != "") {
				pending = true
				continue
			}
			if n.varDone == nil {
				n.varDone = map[string]bool{}
			}
			n.varDone[s.item] = true
			if sel == "" {
				continue // an authored empty selection selects no variant
			}
			if b.idx.VariantSelections == nil {
				b.idx.VariantSelections = map[string]string{}
			}
			if _, seen := b.idx.VariantSelections[s.item]; !seen {
				b.idx.VariantSelections[s.item] = sel
			}
			vp := sdf.AppendVariant(n.Path, s.item, sel)
			child := &Node{Arc: ArcVariant, LayerStack: n.LayerStack, Path: vp, Offset: n.Offset,
				depth: pathDepth(n.Path), siblingNum: i, mapSrc: vp, mapDst: n.Path}
			if b.addChild(n, child) {
				added = true
				return false
			}
		}
		if !pending {
			n.varsDone = true
		}
		return true
	})
	return added
}

// variantSelection finds the authored selection for set: one already
// made for the prim's set of that name in this index
// (_FindPriorVariantSelection), else the strongest authored one ("" if it
// selects no variant, _ComposeVariantSelectionAcrossNodes).
func (b *builder) variantSelection(set string) (string, bool) {
	sel := ""
	found := false
	b.each(func(n *Node) bool {
		if n.Arc == ArcVariant && strings.HasSuffix(n.Path, "}") {
			if vs, v := lastVariantSelection(n.Path); vs == set {
				sel, found = v, true
				return false
			}
		}
		return true
	})
	if found {
		return sel, true
	}
	b.each(func(n *Node) bool {
		if !n.givesSelectionAt(n.Path) {
			return true
		}
		sel, found = authoredSelection(n, n.Path, set, func(expr string, err error) {
			b.errf("VariableExpressionError", "%s: variant selection %s for %q: %v", b.idx.Path, expr, set, err)
		})
		return !found
	})
	return sel, found
}

// authoredSelection returns the selection for set authored at path in n's
// layer stack, strongest layer first, a variable expression evaluated in
// n's context; an expression that fails is given to onErr (if not nil)
// and the next layer is asked.
func authoredSelection(n *Node, path, set string, onErr func(expr string, err error)) (string, bool) {
	for _, l := range n.LayerStack.Layers {
		spec := l.Specs[path]
		if spec == nil {
			continue
		}
		v, ok := spec.Get("variantSelection")
		if !ok {
			continue
		}
		m, _ := v.(map[string]string)
		s, ok := m[set]
		if !ok {
			continue
		}
		if IsExpression(s) {
			r, err := EvalExpression(s, nodeVars(n))
			if err != nil {
				if onErr != nil {
					onErr(s, err)
				}
				continue
			}
			s = r
		}
		return s, true
	}
	return "", false
}

// ancVar is an ancestral variant set of a node: a set authored at path,
// a namespace ancestor of the node's site, num its place in the sets
// authored there.
type ancVar struct {
	path string
	set  string
	num  int
}

// queueAncestralVariants queues the variant sets authored at the
// namespace ancestors of n's site, up to the nearest variant selection
// (_ScanAncestralArcs, _EvalNodeAncestralVariantSets), skipping the
// depths at which n was restricted (_NodeCanContributeAncestralOpinions).
// For one node, shallower sites go first, then authored order
// (Task::PriorityOrder's (vsetPath, vsetNum)).
func queueAncestralVariants(n *Node) {
	// An implied relocation is a placeholder; a variant arc below it
	// reaches the relocation's source again, a prohibited site whose
	// subgraph Pcp culls (_ElidePrimIndexIfProhibited), which this package
	// does not port for subgraphs: it queues none there
	// (TrickyMultipleRelocations5).
	if n.implied && n.Arc == ArcRelocate {
		return
	}
	var chain []string
	for p := sdf.ParentPath(n.Path); p != "/" && p != ""; p = sdf.ParentPath(p) {
		chain = append(chain, p)
		if strings.HasSuffix(p, "}") {
			break
		}
	}
	for i := len(chain) - 1; i >= 0; i-- {
		p := chain[i]
		if !n.givesSelectionAt(p) {
			continue
		}
		for k, s := range composeListOp(n.LayerStack, p, "variantSetNames", strKey) {
			n.ancVars = append(n.ancVars, ancVar{path: p, set: s.item, num: k})
		}
	}
}

// evalAncestralVariants decides the first pending ancestral variant set,
// in strength order of the nodes, that has an authored selection
// (fallback false: _EvalNodeAuthoredVariant with isAncestral) or, when
// none has, a fallback among its variants (_EvalNodeFallbackVariant), and
// adds its arc: the node's site with the selection inserted after the
// set's prim, its ancestral opinions built from that variant
// (_AddAncestralVariantArc). It reports whether it added one.
func (b *builder) evalAncestralVariants(fallback bool) bool {
	added := false
	b.each(func(n *Node) bool {
		for i := 0; i < len(n.ancVars); i++ {
			t := n.ancVars[i]
			fb := b.fallbackAt(n.LayerStack, t.path, t.set)
			var sel string
			if fallback {
				sel = fb
			} else {
				s, found := b.composeVariantSelection(n, sdf.StripVariants(t.path), t.set)
				if !found || s == "" {
					continue // waits for a fallback or a retry
				}
				sel = s
			}
			if sel == "" {
				continue
			}
			n.ancVars = append(n.ancVars[:i:i], n.ancVars[i+1:]...)
			rest := strings.TrimPrefix(n.Path[len(t.path):], "/")
			vp := sdf.AppendVariant(t.path, t.set, sel) + rest
			child := &Node{Arc: ArcVariant, LayerStack: n.LayerStack, Path: vp, Offset: n.Offset,
				depth: pathDepth(t.path), siblingNum: t.num, mapSrc: vp, mapDst: n.Path}
			// Inside a subtree of a class arc introduced at this depth,
			// duplicate sites are skipped as the class arc skipped them.
			skip := false
			for m := n; m.Parent != nil; m = m.Parent {
				skip = skip || (isClassArc(m.Arc) && m.depthBelowIntroduction() == 0 && !m.inert)
			}
			if b.addArc(n, child, arcOpts{ancestral: true, skipDup: skip}) {
				added = true
				return false
			}
			i--
		}
		return true
	})
	return added
}

// fallbackAt is fallbackSelection for the set authored at path in ls.
func (b *builder) fallbackAt(ls *LayerStack, path, set string) string {
	for _, fb := range b.cache.Fallbacks[set] {
		if ls.HasSpec(sdf.AppendVariant(path, set, fb)) {
			return fb
		}
	}
	return ""
}

// composeVariantSelection finds the selection for the variant set of the
// prim at pathInNode (no variant selections) in node n's namespace: the
// path is mapped up to the root or the closest node it maps to
// (Pcp_TranslatePathFromNodeToRootOrClosestNode); from there, in strength
// order with the path mapped into each node, a variant node that already
// selects the set for that prim (_FindPriorVariantSelection), else the
// first selection authored at the path in a node that may give one
// (_ComposeVariantSelectionAcrossNodes) wins (_ComposeVariantSelection).
func (b *builder) composeVariantSelection(n *Node, pathInNode, set string) (string, bool) {
	start, p := n, pathInNode
	for start.Parent != nil {
		q := start.fnToParent().toTarget(p)
		if q == "" {
			break
		}
		start, p = start.Parent, q
	}
	// visit walks start's subtree strong to weak with the path mapped into
	// each node; f returning false stops the walk.
	visit := func(f func(m *Node, p string) bool) {
		stop := false
		var rec func(m *Node, p string)
		rec = func(m *Node, p string) {
			if stop {
				return
			}
			if !f(m, p) {
				stop = true
				return
			}
			for _, c := range m.Children {
				if cp := c.fnToParent().toSource(p); cp != "" {
					rec(c, cp)
				}
			}
		}
		rec(start, p)
	}
	sel, found := "", false
	visit(func(m *Node, p string) bool {
		if m.Arc != ArcVariant {
			return true
		}
		intro := m.pathAtIntroduction()
		if vs, v := lastVariantSelection(intro); vs == set && sdf.StripVariants(intro) == p {
			sel, found = v, true
			return false
		}
		return true
	})
	if found {
		return sel, true
	}
	visit(func(m *Node, p string) bool {
		if !m.givesSelectionAt(p) {
			return true
		}
		site := p
		if m.Arc == ArcVariant {
			intro := m.pathAtIntroduction()
			if q, ok := sdf.ReplacePrefix(p, sdf.StripVariants(intro), intro); ok {
				site = q
			}
		} else if strings.ContainsRune(m.Path, '{') {
			site = withVariantSelections(p, m.Path)
		}
		sel, found = authoredSelection(m, site, set, func(expr string, err error) {
			b.errf("VariableExpressionError", "%s: variant selection %s for %q: %v", b.idx.Path, expr, set, err)
		})
		return !found
	})
	return sel, found
}

// lastVariantSelection returns the set and selection of the variant
// selection a path ends with.
func lastVariantSelection(p string) (string, string) { return LastVariantSelection(p) }

// LastVariantSelection returns the set and selection of the variant
// selection that ends path p ("", "" if none). A selection may hold braces
// of its own: an expression's undefined variable stays in it as written
// (usd-core 26.11 selects "sel_${ROOT_VAR_SEL}" for
// "`'sel_${ROOT_VAR_SEL}'`", Pcp museum ExpressionsInVariantSelections),
// so the '{' that opens it is the one matching the final '}'.
func LastVariantSelection(p string) (string, string) {
	if !strings.HasSuffix(p, "}") {
		return "", ""
	}
	depth := 0
	for i := len(p) - 2; i >= 0; i-- {
		switch p[i] {
		case '}':
			depth++
		case '{':
			if depth == 0 {
				set, sel, _ := strings.Cut(p[i+1:len(p)-1], "=")
				return set, sel
			}
			depth--
		}
	}
	return "", ""
}

// fallbackSelection returns the first of the cache's fallbacks for set
// that names one of the set's variants at node n's site, or ""
// (_ChooseBestFallbackAmongOptions over PcpComposeSiteVariantSetOptions).
func (b *builder) fallbackSelection(n *Node, set string) string {
	for _, fb := range b.cache.Fallbacks[set] {
		if n.LayerStack.HasSpec(sdf.AppendVariant(n.Path, set, fb)) {
			return fb
		}
	}
	return ""
}

// Dump writes the node graph of an index, one node per line, indented by
// depth: for debugging and the CLI.
func (idx *PrimIndex) Dump() string {
	var b strings.Builder
	var rec func(n *Node, d int)
	rec = func(n *Node, d int) {
		fmt.Fprintf(&b, "%s%s %s %s off=%g/%g depth=%d implied=%v inert=%v specs=%v\n", strings.Repeat("  ", d), n.Arc,
			shortName(n.LayerStack.Root().Identifier), n.Path, n.Offset.Offset, n.Offset.Scale, n.depth, n.implied, n.inert, n.LayerStack.HasSpec(n.Path))
		for _, c := range n.Children {
			rec(c, d+1)
		}
	}
	rec(idx.Root, 0)
	return b.String()
}

// String lists the map's pairs, source -> target, one a line
// (PcpMapFunction::GetString).
// A deferred composition lists its sets, innermost first, after a
// "set N" line each.
func (m PathMap) String() string {
	var b strings.Builder
	for i, f := range m.list() {
		if m.sets != nil {
			fmt.Fprintf(&b, "set %d\n", i)
		}
		if f.root {
			b.WriteString("/ -> /\n")
		}
		for _, p := range f.pairs {
			fmt.Fprintf(&b, "%s -> %s\n", p[0], p[1])
		}
	}
	return b.String()
}

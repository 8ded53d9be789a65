package pcp

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/rgallery/rgallery/usd/sdf"
)

// LayerLoader finds and reads layers for the composition engine.
type LayerLoader interface {
	// Load reads the layer that assetPath names, anchored at the layer
	// anchor (nil for the root layer, whose assetPath is already resolved).
	Load(assetPath string, anchor *sdf.Layer) (*sdf.Layer, error)
}

// LayerStack is a root layer with its sublayers, strongest first.
type LayerStack struct {
	Layers  []*sdf.Layer
	Offsets []sdf.LayerOffset // maps each layer's time to the root layer's
	root    *sdf.Layer        // the root layer: Layers[0] unless a session layer is in front
	id      string
	vars    map[string]any // expression variables of the root (and session) layer
	// The valid relocates of the stack's layers' metadata, source to
	// target (collectRelocates).
	Relocates []sdf.Relocate
}

// relocatesFnAt is the map function of the relocations that move
// namespace at or below path (PcpLayerStack::GetExpressionForRelocatesAtPath,
// _FilterRelocationsForPath): each relocation whose source origin lies at
// or below path maps that origin to its target, then each authored
// relocation whose source lies there and whose target is not mapped yet;
// relocations to an empty target (deletions) are left out; the root maps
// to itself. ok is false when the stack has no relocations (Pcp then uses
// the arc's own map alone).
func (ls *LayerStack) relocatesFnAt(path string) (f mapFunc, ok bool) {
	if len(ls.Relocates) == 0 {
		return mapFunc{}, false
	}
	pairs := map[string]string{"/": "/"}
	seen := map[string]bool{}
	origins := ls.relocateOrigins()
	for i, r := range ls.Relocates {
		if r.Target != "" && sdf.HasPrefix(origins[i], path) && !seen[r.Target] {
			pairs[origins[i]] = r.Target
			seen[r.Target] = true
		}
	}
	for _, r := range ls.Relocates {
		if r.Target != "" && sdf.HasPrefix(r.Source, path) && !seen[r.Target] {
			pairs[r.Source] = r.Target
			seen[r.Target] = true
		}
	}
	return newMapFunc(pairs), true
}

// relocateOrigins gives, for each relocation of the stack, the path of the
// prim its source names before the stack's other relocations move it: the
// source with its nearest ancestor (or itself) that is another
// relocation's target replaced by that relocation's origin
// (Pcp_ComputeRelocationsForLayerStack's computedSourceOrigin, which keys
// the combined relocates map: with </A/B> -> </A/C> and </A/C/D> -> </A/E>,
// the origin of </A/E> is </A/B/D>).
func (ls *LayerStack) relocateOrigins() []string {
	byTarget := map[string]int{}
	for i, r := range ls.Relocates {
		if r.Target != "" {
			byTarget[r.Target] = i
		}
	}
	origins := make([]string, len(ls.Relocates))
	var origin func(i, depth int) string
	origin = func(i, depth int) string {
		if origins[i] != "" {
			return origins[i]
		}
		src := ls.Relocates[i].Source
		origins[i] = src // guards against cycles, as Pcp does
		if depth > len(ls.Relocates) {
			return src
		}
		for a := src; a != "/" && a != ""; a = sdf.ParentPath(a) {
			if j, ok := byTarget[a]; ok && j != i {
				if p, ok := sdf.ReplacePrefix(src, a, origin(j, depth+1)); ok {
					origins[i] = p
				}
				break
			}
		}
		return origins[i]
	}
	for i := range ls.Relocates {
		origin(i, 0)
	}
	return origins
}

// isRelocationSource reports whether path is the source of a relocation
// authored in the stack.
func (ls *LayerStack) isRelocationSource(path string) bool {
	for _, r := range ls.Relocates {
		if r.Source == path {
			return true
		}
	}
	return false
}

// collectRelocates gathers and validates the relocations of the stack,
// as Pcp_ComputeRelocationsForLayerStack does for a UsdStage (USD mode):
// only layer metadata relocates count (prim-level relocates of older
// files are ignored there), strongest layer first, and a source already
// relocated by a stronger layer keeps that relocation. A relocate that is
// invalid on its own (Pcp_IsValidRelocatesEntry: prim paths without
// variant selections, a source that is not a root prim, a target that is
// neither the source nor its ancestor or descendant) is an
// InvalidAuthoredRelocation; several sources with one target are one
// InvalidSameTargetRelocations (no site); a relocate whose target is
// another's source, or lies below one, or whose source lies below
// another's source, is an InvalidConflictingRelocation
// (_ValidateAndRemoveConflictingRelocates). Invalid relocates are dropped.
func (ls *LayerStack) collectRelocates() []error {
	var errs []error
	bySource := map[string]int{}
	var rs []sdf.Relocate
	for _, l := range ls.Layers {
		var v any
		for _, k := range []string{"layerRelocates", "relocates"} {
			if x, ok := l.Meta(k); ok {
				v = x
				break
			}
		}
		authored, _ := v.([]sdf.Relocate)
		for _, r := range authored {
			if msg := invalidRelocate(r); msg != "" {
				errs = append(errs, newError("InvalidAuthoredRelocation", "/", "%s: relocate <%s> -> <%s>: %s", l.Identifier, r.Source, r.Target, msg))
				continue
			}
			if _, ok := bySource[r.Source]; !ok {
				bySource[r.Source] = len(rs)
				rs = append(rs, r)
			}
		}
	}
	bad := map[int]bool{}
	byTarget := map[string][]int{}
	for i, r := range rs {
		if r.Target != "" {
			byTarget[r.Target] = append(byTarget[r.Target], i)
		}
	}
	for target, is := range byTarget {
		if len(is) > 1 {
			var srcs []string
			for _, i := range is {
				bad[i] = true
				srcs = append(srcs, "<"+rs[i].Source+">")
			}
			sort.Strings(srcs)
			errs = append(errs, newError("InvalidSameTargetRelocations", "", "relocates %s all target <%s>", strings.Join(srcs, ", "), target))
		}
	}
	conflict := func(i, j int, why string) {
		bad[i] = true
		errs = append(errs, newError("InvalidConflictingRelocation", "/", "relocate <%s> -> <%s>: %s <%s> -> <%s>",
			rs[i].Source, rs[i].Target, why, rs[j].Source, rs[j].Target))
	}
	for i, r := range rs {
		if r.Target != "" {
			if j, ok := bySource[r.Target]; ok {
				conflict(i, j, "its target is the source of")
				conflict(j, i, "its source is the target of")
			}
			for p := sdf.ParentPath(r.Target); p != "/" && p != ""; p = sdf.ParentPath(p) {
				if j, ok := bySource[p]; ok {
					conflict(i, j, "its target lies below the source of")
				}
			}
		}
		for p := sdf.ParentPath(r.Source); sdf.ParentPath(p) != "/" && p != "/" && p != ""; p = sdf.ParentPath(p) {
			if j, ok := bySource[p]; ok {
				conflict(i, j, "its source lies below the source of")
			}
		}
	}
	for i, r := range rs {
		if !bad[i] {
			ls.Relocates = append(ls.Relocates, r)
		}
	}
	return errs
}

// invalidRelocate says why a relocate is invalid on its own ("" if it is
// not): Pcp_IsValidRelocatesEntry, and _IsValidRelocatesEntryForComposing
// (a root prim cannot be a source).
func invalidRelocate(r sdf.Relocate) string {
	valid := func(p string) string {
		switch {
		case !strings.HasPrefix(p, "/"):
			return "relocates must use absolute paths"
		case strings.ContainsRune(p, '{'):
			return "relocates cannot have any variant selections"
		case p == "/" || strings.ContainsAny(p[strings.LastIndexByte(p, '/')+1:], ".["):
			return "only prims can be relocated"
		}
		return ""
	}
	if r.Source == "" {
		return "relocates source paths cannot be empty"
	}
	if m := valid(r.Source); m != "" {
		return m
	}
	if r.Target != "" {
		if m := valid(r.Target); m != "" {
			return m
		}
		switch {
		case r.Source == r.Target:
			return "the target of a relocate cannot be the same as its source"
		case sdf.HasPrefix(r.Target, r.Source):
			return "the target of a relocate cannot be a descendant of its source"
		case sdf.HasPrefix(r.Source, r.Target):
			return "the target of a relocate cannot be an ancestor of its source"
		}
	}
	if sdf.ParentPath(r.Source) == "/" {
		return "root prims cannot be the source of a relocate"
	}
	return ""
}

// ChildNames composes the child names of a prim as
// PcpPrimIndex::ComputePrimChildNames does: the nodes weakest first
// (_ComposePrimChildNames, a reverse walk of the strength order), each
// node that can contribute specs (not inert, not a relocation node) first
// applying the relocates of its layer stack to the names so far
// (_ComposePrimChildNamesAtNode), then composing its layers' primChildren
// and primOrder over them (PcpComposeSiteChildNames). Names relocated
// away are prohibited and dropped at the end, wherever they came from.
func ChildNames(idx *PrimIndex) []string {
	var names []string
	set := map[string]bool{}
	prohibited := map[string]bool{}
	// An instance's children are those of the nodes it shares with other
	// instances (_ComposePrimChildNamesForInstance,
	// Pcp_TraverseInstanceableWeakToStrong): not its local opinions nor
	// those of its ancestors' arcs.
	var shared map[*Node]bool
	if primIndexIsInstanceable(idx, true) {
		shared = map[*Node]bool{}
		walkInstanceable(idx.Root, true, func(n *Node, instanceable bool) bool {
			if instanceable {
				shared[n] = true
			}
			return true
		})
	}
	for i := len(idx.Nodes) - 1; i >= 0; i-- {
		n := idx.Nodes[i]
		if n.culled || !n.Contributes() || (shared != nil && !shared[n]) {
			continue
		}
		names = applyChildRelocates(n, names, set, prohibited)
		for j := len(n.LayerStack.Layers) - 1; j >= 0; j-- {
			spec := n.LayerStack.Layers[j].Specs[n.Path]
			if spec == nil {
				continue
			}
			for _, t := range spec.Tokens("primChildren") {
				if !set[string(t)] {
					set[string(t)] = true
					names = append(names, string(t))
				}
			}
			if order := spec.Tokens("primOrder"); len(order) > 0 {
				o := make([]string, len(order))
				for k, t := range order {
					o[k] = string(t)
				}
				names = sdf.ReorderBy(names, o, strKey)
			}
		}
	}
	out := names[:0]
	for _, n := range names {
		if !prohibited[n] {
			out = append(out, n)
		}
	}
	return out
}

// applyChildRelocates applies the relocates authored in node n's layer
// stack to the child names composed so far (the relocation part of
// _ComposePrimChildNamesAtNode): a child relocated to a sibling name is
// renamed in place (dropped if the new name is already there), one
// relocated elsewhere (or to nothing) is removed; either way its source
// name is prohibited. Names relocated here from another parent are
// appended in lexicographic order unless already present. A relocate
// whose source child is not among the names renames nothing, so a
// relocation whose source has no spec brings no child. The node's path is
// compared as it is: at a variant node (/A{v=x}) no relocate applies, as
// no relocate path has a variant selection.
func applyChildRelocates(n *Node, names []string, set, prohibited map[string]bool) []string {
	if len(n.LayerStack.Relocates) == 0 {
		return names
	}
	replace := map[string]string{}
	remove := map[string]bool{}
	var add []string
	for _, r := range n.LayerStack.Relocates {
		if sdf.ParentPath(r.Source) != n.Path {
			continue
		}
		src := sdf.NameOf(r.Source)
		if r.Target != "" && sdf.ParentPath(r.Target) == n.Path {
			replace[src] = sdf.NameOf(r.Target)
		} else {
			remove[src] = true
		}
		prohibited[src] = true
	}
	for _, r := range n.LayerStack.Relocates {
		if r.Target == "" || sdf.ParentPath(r.Target) != n.Path || sdf.ParentPath(r.Source) == n.Path {
			continue
		}
		if name := sdf.NameOf(r.Target); !set[name] {
			add = append(add, name)
		}
	}
	if len(replace) > 0 || len(remove) > 0 {
		kept := make([]string, 0, len(names))
		for _, name := range names {
			if to, ok := replace[name]; ok {
				delete(set, name)
				// A child spec of a weaker node may already have the new
				// name: the relocation's child wins, silently.
				if !set[to] {
					set[to] = true
					kept = append(kept, to)
				}
			} else if remove[name] {
				delete(set, name)
			} else {
				kept = append(kept, name)
			}
		}
		names = kept
	}
	sort.Strings(add)
	for _, name := range add {
		if !set[name] {
			set[name] = true
			names = append(names, name)
		}
	}
	return names
}

// Root returns the root layer of the stack.
// Root is the stack's root layer, not the session layer in front of it:
// PcpLayerStackIdentifier keeps the two apart, and the defaultPrim of an
// internal reference, the stage's root layer and timeCodesPerSecond are
// the root layer's.
func (ls *LayerStack) Root() *sdf.Layer {
	if ls.root != nil {
		return ls.root
	}
	return ls.Layers[0]
}

// ID identifies the stack (its root layer, and the session layer if any).
func (ls *LayerStack) ID() string { return ls.id }

// TimeCodesPerSecond of a layer: its metadata, else framesPerSecond, else
// 24. An authored value is used as it is, zero and negative values
// included, as SdfLayer::GetTimeCodesPerSecond and the layer offsets of
// PcpLayerStack do (usd-core 26.11: timeCodesPerSecond = -1 over a
// sublayer of 24 gives it the scale -1/24, and 0 the scale 0).
func TimeCodesPerSecond(l *sdf.Layer) float64 {
	for _, k := range []string{"timeCodesPerSecond", "framesPerSecond"} {
		if v, ok := l.Meta(k); ok {
			if f, ok := toFloat(v); ok {
				return f
			}
		}
	}
	return 24
}

func toFloat(v any) (float64, bool) {
	switch t := v.(type) {
	case float64:
		return t, true
	case float32:
		return float64(t), true
	case int64:
		return float64(t), true
	case int32:
		return float64(t), true
	}
	return 0, false
}

// buildLayerStack reads root's sublayers recursively. session, when not
// nil, is put in front (strongest).
func buildLayerStack(loader LayerLoader, root, session *sdf.Layer) (*LayerStack, []error) {
	ls := &LayerStack{root: root, id: root.Identifier, vars: layerVars(root)}
	var errs []error
	owner := ""
	if session != nil {
		ls.vars = mergeVars(layerVars(session), ls.vars)
		ls.id = session.Identifier + "+" + root.Identifier
		// The session layer tree is not reordered by owner.
		addSublayers(loader, ls, session, sdf.IdentityOffset, TimeCodesPerSecond(root), "", map[string]bool{}, &errs)
		for _, l := range ls.Layers {
			if v, ok := l.Meta("sessionOwner"); ok {
				owner = metaString(v)
				break
			}
		}
	}
	addSublayers(loader, ls, root, sdf.IdentityOffset, TimeCodesPerSecond(root), owner, map[string]bool{}, &errs)
	errs = append(errs, ls.collectRelocates()...)
	return ls, errs
}

func metaString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case sdf.Token:
		return string(t)
	}
	return ""
}

func metaBool(v any) bool {
	b, _ := v.(bool)
	return b
}

// sublayer is a loaded sublayer with the offset that maps it to its parent.
type sublayer struct {
	layer  *sdf.Layer
	offset sdf.LayerOffset
}

func addSublayers(loader LayerLoader, ls *LayerStack, l *sdf.Layer, off sdf.LayerOffset, rootTcps float64, owner string, seen map[string]bool, errs *[]error) {
	if seen[l.Identifier] {
		*errs = append(*errs, newError("SublayerCycle", "/", "%s: sublayer cycle", l.Identifier))
		return
	}
	seen[l.Identifier] = true
	defer delete(seen, l.Identifier)
	ls.Layers = append(ls.Layers, l)
	ls.Offsets = append(ls.Offsets, off)
	var subs []sublayer
	for _, sub := range l.SubLayers() {
		if IsExpression(sub.AssetPath) {
			p, err := EvalExpression(sub.AssetPath, ls.vars)
			if err != nil {
				*errs = append(*errs, newError("VariableExpressionError", "", "%s: sublayer %s: %w", l.Identifier, sub.AssetPath, err))
				continue
			}
			if p == "" {
				continue
			}
			sub.AssetPath = p
		}
		sl, err := loader.Load(sub.AssetPath, l)
		if err != nil {
			*errs = append(*errs, newError("InvalidSublayerPath", "/", "%s: sublayer @%s@: %w", l.Identifier, sub.AssetPath, err))
			continue
		}
		so := sub.Offset
		if so.Scale == 0 {
			so.Scale = 1
		}
		if !validOffset(so) {
			// Reported, and the sublayer used with no offset
			// (PcpLayerStack::_BuildLayerStack).
			*errs = append(*errs, newError("InvalidSublayerOffset", "/", "%s: sublayer @%s@: invalid offset (offset %g, scale %g): using no offset",
				l.Identifier, sub.AssetPath, so.Offset, so.Scale))
			so = sdf.IdentityOffset
		}
		// A sublayer with another timeCodesPerSecond is scaled to its parent's.
		if pt, t := TimeCodesPerSecond(l), TimeCodesPerSecond(sl); pt != t {
			so.Scale *= pt / t
		}
		subs = append(subs, sublayer{sl, so})
	}
	if hasOwned, _ := l.Meta("hasOwnedSubLayers"); owner != "" && metaBool(hasOwned) {
		subs = ownedFirst(l, subs, owner, errs)
	}
	for _, sub := range subs {
		addSublayers(loader, ls, sub.layer, off.Compose(sub.offset), rootTcps, owner, seen, errs)
	}
}

// ownedFirst moves the sublayers whose owner metadata is the session
// layer's sessionOwner in front of their siblings, keeping the order
// otherwise, when the layer says its sublayers can be owned
// (hasOwnedSubLayers); more than one owned sublayer is an
// InvalidSublayerOwnership error (layerStack.cpp, _ApplyOwnedSublayerOrder).
func ownedFirst(l *sdf.Layer, subs []sublayer, owner string, errs *[]error) []sublayer {
	var owned, rest []sublayer
	var names []string
	for _, s := range subs {
		if v, ok := s.layer.Meta("owner"); ok && metaString(v) == owner {
			owned = append(owned, s)
			names = append(names, "@"+s.layer.Identifier+"@")
		} else {
			rest = append(rest, s)
		}
	}
	if len(owned) > 1 {
		*errs = append(*errs, newError("InvalidSublayerOwnership", "/", "the sublayers of @%s@ %s have the same owner %q",
			l.Identifier, strings.Join(names, ", "), owner))
	}
	return append(owned, rest...)
}

// HasSpec reports whether any layer of the stack has a spec at path.
func (ls *LayerStack) HasSpec(path string) bool {
	for _, l := range ls.Layers {
		if l.Specs[path] != nil {
			return true
		}
	}
	return false
}

// sourced is a list-op item with the index of the layer that authored it.
type sourced[T any] struct {
	item  T
	layer int
}

// composeListOp applies the list ops of field over the stack, weakest
// first, and returns the items with their authoring layer.
//
// Items are told apart by key, which for references and payloads includes
// the asset path anchored to the authoring layer: the same relative path
// written in layers of different directories names different assets and
// both arcs stay (PcpComposeSiteReferences anchors each item with
// SdfComputeAssetPathRelativeToLayer before applying the list ops).
func composeListOp[T any](ls *LayerStack, path, field string, key func(T) string) []sourced[T] {
	var out []sourced[T]
	k := func(s sourced[T]) string {
		kk := key(s.item)
		var asset string
		switch it := any(s.item).(type) {
		case sdf.Reference:
			asset = it.AssetPath
		case sdf.Payload:
			asset = it.AssetPath
		}
		if asset != "" && !filepath.IsAbs(asset) && !strings.Contains(asset, ":") {
			kk = filepath.Dir(ls.Layers[s.layer].Identifier) + "\x00" + kk
		}
		return kk
	}
	for i := len(ls.Layers) - 1; i >= 0; i-- {
		spec := ls.Layers[i].Specs[path]
		if spec == nil || !spec.Has(field) {
			continue
		}
		v, _ := spec.Get(field)
		lo, ok := v.(sdf.ListOp[T])
		if !ok {
			continue
		}
		wrap := func(xs []T) []sourced[T] {
			if xs == nil {
				return nil
			}
			r := make([]sourced[T], len(xs))
			for j, x := range xs {
				r[j] = sourced[T]{x, i}
			}
			return r
		}
		w := sdf.ListOp[sourced[T]]{
			Explicit: lo.Explicit, Items: wrap(lo.Items), Added: wrap(lo.Added),
			Prepended: wrap(lo.Prepended), Appended: wrap(lo.Appended),
			Deleted: wrap(lo.Deleted), Ordered: wrap(lo.Ordered),
		}
		if w.Explicit && w.Items == nil {
			w.Items = []sourced[T]{}
		}
		out = w.Apply(out, k)
	}
	return out
}

func refKey(r sdf.Reference) string {
	return fmt.Sprintf("%s|%s|%g|%g", r.AssetPath, r.PrimPath, r.Offset.Offset, r.Offset.Scale)
}

func payloadKey(r sdf.Payload) string {
	return fmt.Sprintf("%s|%s|%g|%g", r.AssetPath, r.PrimPath, r.Offset.Offset, r.Offset.Scale)
}

func strKey(s string) string { return s }

// ComposeNames composes an ordered name list field ("primChildren" or
// "properties") with its reorder field over the layers of nodes, weakest
// opinion first, as Pcp does for child and property names.
func ComposeNames(nodes []*Node, field, orderField string) []string {
	var names []string
	seen := map[string]bool{}
	for i := len(nodes) - 1; i >= 0; i-- {
		n := nodes[i]
		if !n.Contributes() {
			continue
		}
		for j := len(n.LayerStack.Layers) - 1; j >= 0; j-- {
			spec := n.LayerStack.Layers[j].Specs[n.Path]
			if spec == nil {
				continue
			}
			for _, t := range spec.Tokens(field) {
				if !seen[string(t)] {
					seen[string(t)] = true
					names = append(names, string(t))
				}
			}
			if order := spec.Tokens(orderField); len(order) > 0 {
				o := make([]string, len(order))
				for k, t := range order {
					o[k] = string(t)
				}
				names = sdf.ReorderBy(names, o, strKey)
			}
		}
	}
	return names
}

func shortName(id string) string {
	if i := strings.LastIndexByte(id, '/'); i >= 0 {
		return id[i+1:]
	}
	return id
}

// InstanceKey identifies what an instanceable index shares with other
// instances (PcpInstanceKey): its instancing arcs, strong to weak (the
// instanceable nodes Pcp_TraverseInstanceableStrongToWeak visits, each
// pruning its subtree unless the index has a payload: arc type, site and
// time offset to the root), then the variant selections authored on
// every node that contributes, the strongest per set
// (PcpComposeSiteVariantSelections). Instances with equal keys share a
// prototype (Usd_InstanceKey adds value clips, the population mask and
// load rules, which a stage opened here leaves alike).
func InstanceKey(idx *PrimIndex) string {
	var b strings.Builder
	walkInstanceable(idx.Root, true, func(n *Node, instanceable bool) bool {
		if !instanceable {
			return true
		}
		fmt.Fprintf(&b, "%s|%s|%s|%v|%v;", n.Arc, n.LayerStack.id, n.Path, n.Offset.Offset, n.Offset.Scale)
		return idx.HasPayload
	})
	sel := map[string]string{}
	for _, n := range idx.Nodes {
		if n.culled || !n.Contributes() {
			continue
		}
		for _, l := range n.LayerStack.Layers {
			spec := l.Specs[n.Path]
			if spec == nil {
				continue
			}
			if v, ok := spec.Get("variantSelection"); ok {
				if m, ok := v.(map[string]string); ok {
					for k, x := range m {
						if _, seen := sel[k]; !seen {
							sel[k] = x
						}
					}
				}
			}
		}
	}
	sets := make([]string, 0, len(sel))
	for k := range sel {
		sets = append(sets, k)
	}
	sort.Strings(sets)
	b.WriteString("|variants")
	for _, k := range sets {
		fmt.Fprintf(&b, "|%s=%s", k, sel[k])
	}
	return b.String()
}

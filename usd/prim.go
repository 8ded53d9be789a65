package usd

import (
	"sort"
	"strings"
	"sync"

	"github.com/rgallery/rgallery/usd/pcp"
	"github.com/rgallery/rgallery/usd/sdf"
)

// Prim is a composed prim of a stage.
type Prim struct {
	stage    *Stage
	path     string
	name     string
	parent   *Prim
	children []*Prim
	index    *pcp.PrimIndex
	// instDepth is, for a prim below an instance (OpenUSD's instance
	// proxy), the namespace depth of that instance: the prim's index keeps
	// only the nodes of the instance's own arcs (its prototype), not local
	// or ancestral opinions, which instancing ignores. 0 elsewhere.
	instDepth int
	// protoMap maps target paths composed in a prototype's source to
	// this instance proxy's namespace (instancing.go).
	protoMap [][2]string

	propOnce  sync.Once
	propNames []string

	// Opinions of each property, strongest first, gathered once from the
	// "properties" lists of the prim's specs: attribute lookups are then
	// a map access instead of a scan of every node and layer.
	propOpsOnce sync.Once
	propOps     map[string][]opinion

	clipsOnce sync.Once
	clips     []*clipSet // clips.go: own clip sets, then the nearest ancestor's

	// pcpErrs are the composition errors of the prim's index; the stage
	// reports them only if UsdStage would have computed that index
	// (Stage.primIndexErrors).
	pcpErrs []error
}

func (p *Prim) propertyOpinions() map[string][]opinion {
	p.propOpsOnce.Do(func() {
		p.propOps = map[string][]opinion{}
		if p.index == nil {
			return
		}
		for _, n := range p.index.Nodes {
			if !n.Contributes() {
				continue
			}
			for i, l := range n.LayerStack.Layers {
				spec := l.Specs[n.Path]
				if spec == nil {
					continue
				}
				for _, name := range spec.Tokens("properties") {
					ps := l.Specs[n.Path+"."+string(name)]
					if ps == nil {
						continue
					}
					p.propOps[string(name)] = append(p.propOps[string(name)], opinion{node: n, layer: l, li: i, spec: ps})
				}
			}
		}
	})
	return p.propOps
}

// Path returns the prim's path.
func (p *Prim) Path() string { return p.path }

// Name returns the last element of the path.
func (p *Prim) Name() string { return p.name }

// Stage returns the stage the prim belongs to.
func (p *Prim) Stage() *Stage { return p.stage }

// Parent returns the parent prim (nil for the pseudo-root).
func (p *Prim) Parent() *Prim { return p.parent }

// Children returns all composed child prims, in order (including inactive
// and class prims; Traverse skips those).
func (p *Prim) Children() []*Prim { return p.children }

// Index returns the prim's composition index (nil for the pseudo-root).
func (p *Prim) Index() *pcp.PrimIndex { return p.index }

// opinion is one spec of a prim or property in strength order.
type opinion struct {
	node  *pcp.Node
	layer *sdf.Layer
	li    int // index of layer in node's layer stack
	spec  *sdf.Spec
}

// anchor is the path of the prim that holds the opinion, in its layer's
// namespace (variant selections stripped): where relative paths in its
// values are anchored.
func (o opinion) anchor() string {
	if o.node == nil {
		return "/"
	}
	return sdf.StripVariants(o.node.Path)
}

// mapToRoot maps a path of the opinion's layer namespace to the stage's.
func (o opinion) mapToRoot(path string) (string, bool) {
	if o.node == nil {
		return path, true
	}
	return o.node.MapToRoot(path)
}

// opinions yields the specs at the prim's path plus suffix, strongest first.
func (p *Prim) opinions(suffix string, f func(o opinion) bool) {
	if p.index == nil {
		if p.path == "/" && suffix == "" {
			for i, l := range p.stage.cache.RootLayerStack().Layers {
				if !f(opinion{layer: l, li: i, spec: l.Root()}) {
					return
				}
			}
		}
		return
	}
	if len(suffix) > 1 && suffix[0] == '.' {
		for _, o := range p.propertyOpinions()[suffix[1:]] {
			if !f(o) {
				return
			}
		}
		return
	}
	for _, n := range p.index.Nodes {
		if !n.Contributes() {
			continue
		}
		path := n.Path + suffix
		for i, l := range n.LayerStack.Layers {
			if s := l.Specs[path]; s != nil {
				if !f(opinion{node: n, layer: l, li: i, spec: s}) {
					return
				}
			}
		}
	}
}

// field returns the strongest opinion of a field on the prim.
func (p *Prim) field(name string) (any, opinion, bool) {
	var val any
	var op opinion
	found := false
	p.opinions("", func(o opinion) bool {
		if v, ok := o.spec.Get(name); ok {
			val, op, found = v, o, true
			return false
		}
		return true
	})
	return val, op, found
}

// Metadata returns a composed metadata value: the strongest opinion, with
// dictionaries (customData, assetInfo, ...) merged key by key and list ops
// (apiSchemas) applied.
func (p *Prim) Metadata(key string) (any, bool) {
	switch key {
	case "apiSchemas":
		s := p.APISchemas()
		return s, len(s) > 0
	case "doc":
		key = "documentation"
	}
	var dicts []map[string]any
	var val any
	found := false
	p.opinions("", func(o opinion) bool {
		v, ok := o.spec.Get(key)
		if !ok {
			return true
		}
		if d, isDict := v.(map[string]any); isDict {
			dicts = append(dicts, d)
			found = true
			return true
		}
		if len(dicts) > 0 {
			return false
		}
		val, found = v, true
		return false
	})
	if len(dicts) > 0 {
		return mergeDicts(dicts), true
	}
	return val, found
}

// mergeDicts merges dictionaries given strongest first.
func mergeDicts(ds []map[string]any) map[string]any {
	out := map[string]any{}
	for i := len(ds) - 1; i >= 0; i-- {
		for k, v := range ds[i] {
			if sub, ok := v.(map[string]any); ok {
				if old, ok := out[k].(map[string]any); ok {
					out[k] = mergeDicts([]map[string]any{sub, old})
					continue
				}
			}
			out[k] = v
		}
	}
	return out
}

// TypeName returns the composed type name ("" for typeless prims): the
// strongest opinion that is neither empty nor "__AnyType__"
// (SdfTokens->AnyTypeToken), as UsdStage's _ComposeTypeName takes it.
func (p *Prim) TypeName() string {
	name := ""
	p.opinions("", func(o opinion) bool {
		v, ok := o.spec.Get("typeName")
		if !ok {
			return true
		}
		var t string
		switch x := v.(type) {
		case Token:
			t = string(x)
		case string:
			t = x
		}
		if t == "" || t == "__AnyType__" {
			return true
		}
		name = t
		return false
	})
	return name
}

// Specifier returns "def", "over" or "class", composed as
// UsdStage::_GetPrimSpecifierImpl does: not in plain strength order. The
// strongest defining specifier wins over any "over", and a "class" from a
// node that is (or lies below) a direct inherit arc is weaker than any
// "def": inheriting a class does not make the prim a class. A class
// reached otherwise (a referenced class, an ancestral inherit) wins at
// once.
func (p *Prim) Specifier() string {
	spec := sdf.SpecifierOver
	p.opinions("", func(o opinion) bool {
		v, ok := o.spec.Get("specifier")
		if !ok {
			return true
		}
		s, _ := v.(sdf.Specifier)
		switch s {
		case sdf.SpecifierDef:
			spec = s
			return false
		case sdf.SpecifierClass:
			spec = s
			return underDirectInherit(o.node)
		}
		return true
	})
	return spec.String()
}

// underDirectInherit reports whether n or a node above it is an inherit
// arc authored on the prim itself, not on an ancestor.
func underDirectInherit(n *pcp.Node) bool {
	for ; n != nil; n = n.Parent {
		if n.Arc == pcp.ArcInherit && !n.IsDueToAncestor() {
			return true
		}
	}
	return false
}

// IsDefined reports whether some opinion defines the prim (def or class),
// and its ancestors are defined too.
func (p *Prim) IsDefined() bool {
	for q := p; q != nil && q.path != "/"; q = q.parent {
		if q.Specifier() == "over" {
			return false
		}
	}
	return true
}

// IsAbstract reports whether the prim or an ancestor is a class.
func (p *Prim) IsAbstract() bool {
	for q := p; q != nil && q.path != "/"; q = q.parent {
		if q.Specifier() == "class" {
			return true
		}
	}
	return false
}

// Kind returns the kind metadata ("component", "assembly", ...).
func (p *Prim) Kind() string {
	v, _, _ := p.field("kind")
	switch t := v.(type) {
	case Token:
		return string(t)
	case string:
		return t
	}
	return ""
}

// IsActive reports the prim's active metadata (default true) and that of
// its ancestors.
func (p *Prim) IsActive() bool {
	for q := p; q != nil && q.path != "/"; q = q.parent {
		if v, _, ok := q.field("active"); ok {
			if b, ok := v.(bool); ok && !b {
				return false
			}
		}
	}
	return true
}

// IsInstanceable reports the instanceable metadata.
func (p *Prim) IsInstanceable() bool {
	v, _, _ := p.field("instanceable")
	b, _ := v.(bool)
	return b
}

// IsInstance reports whether the prim is an instance in OpenUSD's sense:
// active, and its index instanceable (Usd_PrimData's instance flag,
// Pcp_PrimIndexIsInstanceable): some node with specs is brought by an arc
// of the prim itself or lies below one (an implied class counts: it is
// added for the prim, not copied from its parent), and the strongest
// instanceable opinion of the contributing nodes is true.
func (p *Prim) IsInstance() bool {
	return p.index != nil && p.IsActive() && p.index.IsInstanceable()
}

// instanceKey identifies what an instance shares: instances with equal
// keys share a prototype (pcp.InstanceKey, OpenUSD's PcpInstanceKey).
func (p *Prim) instanceKey() string { return pcp.InstanceKey(p.index) }

// Prototype returns, for an instance, the prim that stands for the shared
// prototype: its source instance (see sourceInstances), the instance
// with the same composition arcs that UsdStage indexes first. Its subtree is the
// prototype's content. Nil for non-instances.
func (p *Prim) Prototype() *Prim {
	if !p.IsInstance() {
		return nil
	}
	return p.stage.prototypeOf(p)
}

func (s *Stage) prototypeOf(p *Prim) *Prim {
	s.protoOnce.Do(func() { s.protos = s.sourceInstances(nil) })
	if q := s.protos[p.instanceKey()]; q != nil {
		return q
	}
	return p
}

// sourceInstances picks the source instance of each prototype, keyed by
// instance key, as UsdStage does while it composes: Pcp computes the
// indexes of every active prim's children (inactive prims and all, classes
// and overs included), except below an instance, whose children are
// computed only when it is the first instance registered with its key
// (_NameChildrenPred, Usd_InstanceCache::RegisterInstancePrimIndex).
// PcpCache's parallel indexer registers them as its tasks run, each
// prim's children spawned in order once its index is done
// (_ParallelIndexer::_ComputeIndex); a worker runs the task it spawned
// last first, so on one thread (PXR_WORK_THREAD_LIMIT=1, and most often
// on more) the order is depth first with siblings last to first: that
// is the order taken here. visit, if not nil, is called on every prim
// whose index UsdStage computes, in that order.
func (s *Stage) sourceInstances(visit func(*Prim)) map[string]*Prim {
	protos := map[string]*Prim{}
	var rec func(p *Prim)
	rec = func(p *Prim) {
		for i := len(p.children) - 1; i >= 0; i-- {
			c := p.children[i]
			if visit != nil {
				visit(c)
			}
			if !c.IsActive() {
				continue
			}
			if c.IsInstance() {
				k := c.instanceKey()
				if protos[k] != nil {
					continue
				}
				protos[k] = c
			}
			rec(c)
		}
	}
	rec(s.root)
	return protos
}

// primIndexErrors returns the composition errors of the prim indexes that
// UsdStage computes (sourceInstances): UsdStage::GetCompositionErrors
// collects those of the indexes in its PcpCache, and the children of an
// instance that is not its prototype's source are never indexed.
// They are listed in namespace order. Called once, by Open, before
// anything asks for a prototype.
func (s *Stage) primIndexErrors() []error {
	indexed := map[*Prim]bool{}
	// The same walk picks the prototypes' sources (Prototype,
	// assignPrototypeSources): one walk at open, not two.
	s.protoOnce.Do(func() { s.protos = s.sourceInstances(func(p *Prim) { indexed[p] = true }) })
	var out []error
	for p := range s.TraverseAll() {
		if indexed[p] {
			out = append(out, p.pcpErrs...)
		}
	}
	return out
}

// Instances groups the stage's instances by prototype (see Prim.Prototype).
func (s *Stage) Instances() map[*Prim][]*Prim {
	out := map[*Prim][]*Prim{}
	for q := range s.Traverse() {
		if q.IsInstance() {
			proto := q.Prototype()
			out[proto] = append(out[proto], q)
		}
	}
	return out
}

// Visibility returns the computed visibility at t: "invisible" if the prim
// or an ancestor is invisible, else "inherited" (visible).
func (p *Prim) Visibility(t TimeCode) string {
	for q := p; q != nil && q.path != "/"; q = q.parent {
		if a := q.Attribute("visibility"); a != nil && a.IsAuthored() {
			if v, _ := a.Token(t); v == "invisible" {
				return "invisible"
			}
		}
	}
	return "inherited"
}

// Purpose returns the computed purpose: the prim's authored purpose, else
// the nearest ancestor's, else "default". Renderers draw "default" and
// "render" and skip "proxy" and "guide".
func (p *Prim) Purpose() string {
	for q := p; q != nil && q.path != "/"; q = q.parent {
		if a := q.Attribute("purpose"); a != nil && a.IsAuthored() {
			if v, ok := a.Token(Default); ok && v != "" {
				return v
			}
		}
	}
	return "default"
}

// InPointInstancerPrototypes reports whether the prim lies under a
// prototype of a PointInstancer (a target of an ancestor instancer's
// prototypes relationship): such prims are drawn only through the instancer.
func (p *Prim) InPointInstancerPrototypes() bool {
	for q := p.parent; q != nil && q.path != "/"; q = q.parent {
		if q.TypeName() != "PointInstancer" {
			continue
		}
		r := q.Relationship("prototypes")
		if r == nil {
			continue
		}
		for _, t := range r.Targets() {
			if p.path == t || strings.HasPrefix(p.path, t+"/") {
				return true
			}
		}
	}
	return false
}

// APISchemas returns the composed apiSchemas list.
func (p *Prim) APISchemas() []string {
	type item = sdf.Token
	var out []item
	// weakest first
	var ops []sdf.TokenListOp
	p.opinions("", func(o opinion) bool {
		if v, ok := o.spec.Get("apiSchemas"); ok {
			if lo, ok := v.(sdf.TokenListOp); ok {
				ops = append(ops, lo)
			}
		}
		return true
	})
	for i := len(ops) - 1; i >= 0; i-- {
		out = ops[i].Apply(out, func(t item) string { return string(t) })
	}
	res := make([]string, len(out))
	for i, t := range out {
		res[i] = string(t)
	}
	return res
}

// HasAPI reports whether the prim has an applied API schema; "CollectionAPI"
// matches any instance "CollectionAPI:name".
func (p *Prim) HasAPI(name string) bool {
	for _, s := range p.APISchemas() {
		if s == name || strings.HasPrefix(s, name+":") {
			return true
		}
	}
	return false
}

// VariantSelections returns the variant selections used by composition:
// for each variant set, the selection of the strongest variant node of
// the prim's index that selects a variant of this prim (a node at
// /Prim{set=sel}), inert nodes included (UsdVariantSet::GetVariantSelection).
func (p *Prim) VariantSelections() map[string]string {
	// The whole index (UsdPrim::GetPrimIndex): for an instance proxy, the
	// one of the corresponding prim below its prototype's source, which
	// assignPrototypeSources gave it.
	idx := p.index
	if idx == nil {
		return nil
	}
	var out map[string]string
	for _, n := range idx.Nodes {
		if n.Arc != pcp.ArcVariant || n.Culled() || !strings.HasSuffix(n.Path, "}") {
			continue
		}
		set, sel := pcp.LastVariantSelection(n.Path)
		if _, seen := out[set]; seen {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[set] = sel
	}
	return out
}

// PropertyNames returns the composed property names as OpenUSD orders
// them: in dictionary order (TfDictionaryLessThan), then the names of the
// strongest reorder properties statement first, in its order.
// It is safe for concurrent use, like the rest of the read API.
func (p *Prim) PropertyNames() []string {
	p.propOnce.Do(func() {
		if p.index == nil {
			return
		}
		names := pcp.ComposeNames(p.index.Nodes, "properties", "")
		sort.Slice(names, func(i, j int) bool { return dictionaryLess(names[i], names[j]) })
		var order []sdf.Token
		p.opinions("", func(o opinion) bool {
			if t := o.spec.Tokens("propertyOrder"); len(t) > 0 {
				order = t
				return false
			}
			return true
		})
		if len(order) > 0 {
			o := make([]string, len(order))
			for i, t := range order {
				o[i] = string(t)
			}
			names = orderFirst(names, o)
		}
		p.propNames = names
	})
	return p.propNames
}

func (p *Prim) hasProperty(name string) (sdf.SpecType, bool) {
	t := sdf.SpecUnknown
	found := false
	p.opinions("."+name, func(o opinion) bool {
		t, found = o.spec.Type, true
		return false
	})
	return t, found
}

// Attribute returns the attribute name; nil if it has neither an opinion
// nor a schema fallback.
func (p *Prim) Attribute(name string) *Attribute {
	t, ok := p.hasProperty(name)
	if ok && t == sdf.SpecAttribute {
		return &Attribute{prim: p, name: name}
	}
	if ok {
		return nil
	}
	if fb, ok := schemaFallback(p, name); ok {
		return &Attribute{prim: p, name: name, fallback: &fb}
	}
	return nil
}

// Attributes returns the authored attributes in property order.
func (p *Prim) Attributes() []*Attribute {
	var out []*Attribute
	for _, n := range p.PropertyNames() {
		if t, _ := p.hasProperty(n); t == sdf.SpecAttribute {
			out = append(out, &Attribute{prim: p, name: n})
		}
	}
	return out
}

// Relationship returns the relationship name, or nil.
func (p *Prim) Relationship(name string) *Relationship {
	if t, ok := p.hasProperty(name); ok && t == sdf.SpecRelationship {
		return &Relationship{prim: p, name: name}
	}
	return nil
}

// Relationships returns the authored relationships in property order.
func (p *Prim) Relationships() []*Relationship {
	var out []*Relationship
	for _, n := range p.PropertyNames() {
		if t, _ := p.hasProperty(n); t == sdf.SpecRelationship {
			out = append(out, &Relationship{prim: p, name: n})
		}
	}
	return out
}

// Relationship is a composed relationship.
type Relationship struct {
	prim *Prim
	name string
}

// Name returns the relationship name.
func (r *Relationship) Name() string { return r.name }

// Prim returns the owning prim.
func (r *Relationship) Prim() *Prim { return r.prim }

// Targets returns the composed target paths, in the stage's namespace.
// It is safe on a nil *Relationship (no targets).
func (r *Relationship) Targets() []string {
	if r == nil {
		return nil
	}
	return r.prim.composePaths("."+r.name, "targetPaths")
}

// Metadata returns the strongest opinion of a relationship metadata field.
func (r *Relationship) Metadata(key string) (any, bool) {
	if r == nil {
		return nil, false
	}
	var val any
	found := false
	r.prim.opinions("."+r.name, func(o opinion) bool {
		if v, ok := o.spec.Get(key); ok {
			val, found = v, true
			return false
		}
		return true
	})
	return val, found
}

// composePaths applies path list ops weakest first, mapping each path from
// its node's namespace to the stage's (PcpBuildTargetIndex, which UsdStage
// calls without a cache for validation: a path that does not map to the
// root is dropped, deleted ones included, and no permission, relocation
// or instance check is made).
func (p *Prim) composePaths(suffix, field string) []string {
	type op struct {
		lo   sdf.PathListOp
		node *pcp.Node
	}
	var ops []op
	p.opinions(suffix, func(o opinion) bool {
		if v, ok := o.spec.Get(field); ok {
			if lo, ok := v.(sdf.PathListOp); ok {
				ops = append(ops, op{lo, o.node})
			}
		}
		return true
	})
	var out []string
	for i := len(ops) - 1; i >= 0; i-- {
		n := ops[i].node
		var toRoot pcp.PathMap
		if n != nil {
			toRoot = n.MapToRootFn()
		}
		m := func(xs []string) []string {
			if xs == nil || n == nil {
				return xs
			}
			r := make([]string, 0, len(xs))
			for _, x := range xs {
				if y, ok := toRoot.Map(x); ok {
					r = append(r, y)
				}
			}
			return r
		}
		lo := ops[i].lo
		mapped := sdf.PathListOp{Explicit: lo.Explicit, Items: m(lo.Items), Added: m(lo.Added),
			Prepended: m(lo.Prepended), Appended: m(lo.Appended), Deleted: m(lo.Deleted), Ordered: m(lo.Ordered)}
		if mapped.Explicit && mapped.Items == nil {
			mapped.Items = []string{}
		}
		out = mapped.Apply(out, func(s string) string { return s })
	}
	if len(p.protoMap) > 0 {
		for i, x := range out {
			out[i] = p.mapProtoToInstance(x)
		}
	}
	return out
}

// VariantSets returns the composed variant sets of the prim with the
// names of their variants, as authored across all its opinions.
func (p *Prim) VariantSets() map[string][]string {
	if p.index == nil {
		return nil
	}
	out := map[string][]string{}
	seen := map[string]bool{}
	for _, n := range p.index.Nodes {
		if !n.Contributes() {
			continue
		}
		for _, l := range n.LayerStack.Layers {
			spec := l.Specs[n.Path]
			if spec == nil {
				continue
			}
			for _, set := range spec.Tokens("variantSetChildren") {
				setSpec := l.Specs[n.Path+"{"+string(set)+"=}"]
				if _, ok := out[string(set)]; !ok {
					out[string(set)] = nil
				}
				for _, v := range setSpec.Tokens("variantChildren") {
					k := string(set) + "=" + string(v)
					if !seen[k] {
						seen[k] = true
						out[string(set)] = append(out[string(set)], string(v))
					}
				}
			}
		}
	}
	return out
}

// orderFirst puts the names listed in order first, in that order, and the
// others after them in their order, as UsdPrim::GetPropertyNames applies
// propertyOrder (unlike the reorder of child names, which moves runs).
func orderFirst(names, order []string) []string {
	have := map[string]bool{}
	for _, n := range names {
		have[n] = true
	}
	out := make([]string, 0, len(names))
	placed := map[string]bool{}
	for _, n := range order {
		if have[n] && !placed[n] {
			placed[n] = true
			out = append(out, n)
		}
	}
	for _, n := range names {
		if !placed[n] {
			out = append(out, n)
		}
	}
	return out
}

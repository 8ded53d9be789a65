package usd

import "github.com/rgallery/rgallery/usd/sdf"

// A SpecSite is one spec that contributes to a composed prim: the layer that
// holds it and the spec's path in that layer (with variant selections, e.g.
// "/Model{shading=red}").
type SpecSite struct {
	Layer *sdf.Layer
	Path  string
}

// PrimStack returns the prim specs that contribute opinions to the prim,
// strongest first, as UsdPrim::GetPrimStack lists them: every layer of every
// contributing node of the prim index, in strength order.
func (p *Prim) PrimStack() []SpecSite {
	if p == nil || p.index == nil {
		return nil
	}
	var out []SpecSite
	p.opinions("", func(o opinion) bool {
		path := p.path
		if o.node != nil {
			path = o.node.Path
		}
		out = append(out, SpecSite{Layer: o.layer, Path: path})
		return true
	})
	return out
}

// ActiveMetadata returns the prim's own composed active metadata (true when
// unauthored), without looking at its ancestors, as UsdPrim::IsActive does.
func (p *Prim) ActiveMetadata() bool {
	if v, _, ok := p.field("active"); ok {
		if b, ok := v.(bool); ok {
			return b
		}
	}
	return true
}

// LayerIdentifier names a layer of the stage the way OpenUSD's
// SdfLayer::GetIdentifier does: the path it was read from, except that the
// root layer of a usdz package opened as a whole is the package's own path
// (not "pkg.usdz[root.usdc]").
func (s *Stage) LayerIdentifier(l *sdf.Layer) string {
	s.loader.mu.Lock()
	defer s.loader.mu.Unlock()
	id := l.Identifier
	for key, ly := range s.loader.layers {
		if ly == l && len(key) < len(id) {
			id = key
		}
	}
	return id
}

// VariantSetNames returns the names of the prim's variant sets as
// UsdVariantSets::GetNames lists them: each node's variantSetNames list op
// composed over that node's layer stack (weakest layer first), the nodes'
// lists joined in strength order without repeats.
func (p *Prim) VariantSetNames() []string {
	if p == nil {
		return nil
	}
	idx := p.index // the whole index, as VariantSelections reads it
	if idx == nil {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	// Every node of the index counts, inert ones too (a relocation
	// source, the local opinions below an instance): UsdVariantSets::GetNames
	// composes PcpComposeSiteVariantSets at each node's site.
	for _, n := range idx.Nodes {
		if n.Culled() {
			continue
		}
		var names []string
		for i := len(n.LayerStack.Layers) - 1; i >= 0; i-- {
			spec := n.LayerStack.Layers[i].Specs[n.Path]
			if spec == nil {
				continue
			}
			if v, ok := spec.Get("variantSetNames"); ok {
				if lo, ok := v.(sdf.StringListOp); ok {
					names = lo.Apply(names, func(s string) string { return s })
				}
			}
		}
		for _, s := range names {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}

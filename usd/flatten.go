package usd

import (
	"io"
	"sort"

	"github.com/rgallery/rgallery/usd/internal/usda"
	"github.com/rgallery/rgallery/usd/sdf"
)

// primMetaKeys are the prim metadata fields Flatten carries over.
var primMetaKeys = []string{"kind", "active", "instanceable", "hidden", "documentation", "comment",
	"customData", "assetInfo", "displayName", "displayGroup"}

var propMetaKeys = []string{"interpolation", "elementSize", "colorSpace", "customData", "documentation",
	"displayName", "displayGroup", "hidden", "connectability", "renderType", "sdrMetadata", "bindMaterialAs"}

// Flatten returns the composed stage as one layer without composition
// arcs: every prim (including classes and inactive prims) with its
// composed metadata, and every property with its strongest default and
// time samples (retimed to the stage's timeline) and composed targets and
// connections.
func (s *Stage) Flatten() *sdf.Layer {
	l := sdf.NewLayer(s.rootPath + " (flattened)")
	l.Format = "usda"
	l.Version = "1.0"
	root := l.Root()
	for _, f := range s.RootLayer().Root().Fields {
		switch f.Name {
		case "subLayers", "subLayerOffsets", "primChildren",
			// Relocations are composed into the flattened namespace
			// already (UsdStage::Flatten writes none).
			"layerRelocates":
			continue
		}
		root.Set(f.Name, f.Value)
	}
	var kids []sdf.Token
	for _, c := range s.root.children {
		kids = append(kids, sdf.Token(c.name))
		s.flattenPrim(l, c)
	}
	if len(kids) > 0 {
		root.Set("primChildren", kids)
	}
	return l
}

func (s *Stage) flattenPrim(l *sdf.Layer, p *Prim) {
	spec := &sdf.Spec{Type: sdf.SpecPrim}
	switch p.Specifier() {
	case "def":
		spec.Set("specifier", sdf.SpecifierDef)
	case "class":
		spec.Set("specifier", sdf.SpecifierClass)
	default:
		spec.Set("specifier", sdf.SpecifierOver)
	}
	if tn := p.TypeName(); tn != "" {
		spec.Set("typeName", Token(tn))
	}
	for _, k := range primMetaKeys {
		if v, ok := p.Metadata(k); ok {
			spec.Set(k, v)
		}
	}
	if api := p.APISchemas(); len(api) > 0 {
		toks := make([]sdf.Token, len(api))
		for i, a := range api {
			toks[i] = sdf.Token(a)
		}
		spec.Set("apiSchemas", sdf.TokenListOp{Explicit: true, Items: toks})
	}
	l.Specs[p.path] = spec
	var props []sdf.Token
	for _, name := range p.PropertyNames() {
		ps := s.flattenProperty(p, name)
		if ps == nil {
			continue
		}
		l.Specs[sdf.AppendProperty(p.path, name)] = ps
		props = append(props, sdf.Token(name))
	}
	if len(props) > 0 {
		spec.Set("properties", props)
		// Keep a composed reorder: without it the names would sort.
		if !sort.SliceIsSorted(props, func(i, j int) bool { return props[i] < props[j] }) {
			spec.Set("propertyOrder", append([]sdf.Token(nil), props...))
		}
	}
	var kids []sdf.Token
	for _, c := range p.children {
		kids = append(kids, sdf.Token(c.name))
		s.flattenPrim(l, c)
	}
	if len(kids) > 0 {
		spec.Set("primChildren", kids)
	}
}

func (s *Stage) flattenProperty(p *Prim, name string) *sdf.Spec {
	t, ok := p.hasProperty(name)
	if !ok {
		return nil
	}
	ps := &sdf.Spec{Type: t}
	var meta func(string) (any, bool)
	if t == sdf.SpecRelationship {
		r := &Relationship{prim: p, name: name}
		meta = r.Metadata
		if ts := r.Targets(); len(ts) > 0 || hasField(p, name, "targetPaths") {
			ps.Set("targetPaths", sdf.PathListOp{Explicit: true, Items: nonNil(ts)})
		}
	} else {
		a := &Attribute{prim: p, name: name}
		meta = a.Metadata
		ps.Set("typeName", Token(a.TypeName()))
		// Strongest default and strongest samples; samples weaker than a
		// default are hidden by it (value resolution stops at the
		// default), so they are not carried over.
		var gotDefault, gotSamples bool
		a.opinions(func(o opinion) bool {
			if !gotSamples && !gotDefault {
				if v, ok := o.spec.Get("timeSamples"); ok {
					if ts, ok := v.(*sdf.TimeSamples); ok {
						off := layerToStage(o)
						out := &sdf.TimeSamples{Times: make([]float64, len(ts.Times)), Values: make([]any, len(ts.Values))}
						for i, tm := range ts.Times {
							out.Times[i] = off.Apply(tm)
							// What the stage reads at the sample's stage time, as
							// UsdStage::Flatten writes it: behind a layer offset
							// that is interpolated at the inverse-mapped time,
							// not always the authored value bit for bit.
							if v, ok := a.Get(TimeCode(out.Times[i])); ok {
								out.Values[i] = v
							} else {
								out.Values[i] = sdf.ValueBlock{}
							}
						}
						ps.Set("timeSamples", out)
						gotSamples = true
					}
				}
			}
			if !gotDefault {
				if v, ok := o.spec.Get("default"); ok {
					ps.Set("default", retime(v, o))
					gotDefault = true
				}
			}
			return !gotDefault
		})
		if !gotSamples {
			// Value clips: their samples, resolved, become time samples.
			if times := a.TimeSamples(); len(times) > 0 {
				out := &sdf.TimeSamples{Times: make([]float64, len(times)), Values: make([]any, len(times))}
				for i, tm := range times {
					out.Times[i] = float64(tm)
					if v, ok := a.Get(tm); ok {
						out.Values[i] = v
					} else {
						out.Values[i] = sdf.ValueBlock{}
					}
				}
				ps.Set("timeSamples", out)
			}
		}
		a.flattenArrayEdits(ps) // arrayedit.go
		if cs := a.Connections(); len(cs) > 0 || hasField(p, name, "connectionPaths") {
			ps.Set("connectionPaths", sdf.PathListOp{Explicit: true, Items: nonNil(cs)})
		}
	}
	if v, ok := meta("custom"); ok {
		ps.Set("custom", v)
	}
	if v, ok := meta("variability"); ok {
		ps.Set("variability", v)
	}
	for _, k := range propMetaKeys {
		if v, ok := meta(k); ok {
			ps.Set(k, v)
		}
	}
	return ps
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

func hasField(p *Prim, prop, field string) bool {
	found := false
	p.opinions("."+prop, func(o opinion) bool {
		if o.spec.Has(field) {
			found = true
			return false
		}
		return true
	})
	return found
}

// WriteUsda writes a layer as usda text.
func WriteUsda(w io.Writer, l *sdf.Layer) error { return usda.Write(w, l) }

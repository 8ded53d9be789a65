package usd

import "strings"

// ComputeBoundMaterial returns the all-purpose material bound to prim, or
// nil; see ComputeBoundMaterialFor.
func ComputeBoundMaterial(prim *Prim) *Prim {
	m, _ := ComputeBoundMaterialFor(prim, "")
	return m
}

// ComputeBoundMaterialFor returns the material bound to prim for purpose
// ("" or "allPurpose" for all-purpose, or "full", "preview"), following
// UsdShadeMaterialBindingAPI::ComputeBoundMaterial
// (pxr/usd/usdShade/materialBindingAPI.cpp), checked against OpenUSD
// 26.11 by internal/oracle (TestOracleScene):
//
//   - A specific purpose is resolved first with that purpose's bindings
//     alone over the prim and all its ancestors; only when none applies
//     are the all-purpose bindings resolved the same way. An ancestor's
//     all-purpose binding therefore never beats a purpose-specific one,
//     whatever its strength.
//   - Each level has at most one direct binding: the purpose-specific
//     material:binding:PURPOSE when authored with one target, else the
//     all-purpose material:binding; it counts only in the pass of its own
//     purpose.
//   - Walking from the prim up, a level's direct binding wins when nothing
//     won below or when it is marked bindMaterialAs =
//     "strongerThanDescendants"; then the level's first collection binding
//     (material:binding:collection[:PURPOSE]:NAME, property order) whose
//     collection includes the prim wins when nothing won below, when the
//     current winner is on the same level (a collection binding beats the
//     direct binding beside it), or when it is stronger.
//   - A direct binding needs exactly one target, a collection binding two
//     (the collection and the material); others are ignored. A winning
//     binding whose target is not a Material prim binds nothing: the
//     material is nil but the relationship is returned.
//
// It also returns the binding relationship that won. Collections are
// evaluated from includes, excludes, includeRoot and the expandPrims rule
// (membership expressions are not).
func ComputeBoundMaterialFor(prim *Prim, purpose string) (*Prim, *Relationship) {
	if purpose == "allPurpose" {
		purpose = ""
	}
	passes := []string{""}
	if purpose != "" {
		passes = []string{purpose, ""}
	}
	for _, pass := range passes {
		var winner *Relationship
		var winPath string
		var winLevel *Prim
		for q := prim; q != nil && q.path != "/"; q = q.parent {
			if r, path, rp := directBinding(q, purpose); r != nil && rp == pass {
				if winner == nil || strongerThanDescendants(r) {
					winner, winPath, winLevel = r, path, q
				}
			}
			for _, cb := range collectionBindings(q, pass) {
				if !collectionIncludes(prim.stage, cb.coll, prim.path, 0) {
					continue
				}
				if winner == nil || winLevel == q || strongerThanDescendants(cb.rel) {
					winner, winPath, winLevel = cb.rel, cb.mat, q
					break
				}
			}
		}
		if winner != nil {
			m := prim.stage.PrimAtPath(winPath)
			if m != nil && m.TypeName() != "Material" {
				m = nil
			}
			return m, winner
		}
	}
	return nil, nil
}

func strongerThanDescendants(r *Relationship) bool {
	v, _ := r.Metadata("bindMaterialAs")
	switch s := v.(type) {
	case Token:
		return s == "strongerThanDescendants"
	case string:
		return s == "strongerThanDescendants"
	}
	return false
}

// directBinding returns q's direct binding for the requested purpose and
// the purpose it is of ("" all-purpose): the purpose-specific one when it
// has one target, else the all-purpose one.
func directBinding(q *Prim, purpose string) (*Relationship, string, string) {
	if purpose != "" {
		if r := q.Relationship("material:binding:" + purpose); r != nil {
			if ts := r.Targets(); len(ts) == 1 {
				return r, ts[0], purpose
			}
		}
	}
	if r := q.Relationship("material:binding"); r != nil {
		if ts := r.Targets(); len(ts) == 1 {
			return r, ts[0], ""
		}
	}
	return nil, "", ""
}

type collBinding struct {
	rel       *Relationship
	coll, mat string
}

// collectionBindings returns q's collection bindings of one purpose ("" for
// all-purpose ones), in property order.
func collectionBindings(q *Prim, purpose string) []collBinding {
	prefix := "material:binding:collection:"
	if purpose != "" {
		prefix += purpose + ":"
	}
	var out []collBinding
	for _, n := range q.PropertyNames() {
		if !strings.HasPrefix(n, prefix) || len(n) == len(prefix) {
			continue
		}
		if purpose == "" && strings.Contains(n[len(prefix):], ":") {
			continue // a purpose-specific collection binding
		}
		r := q.Relationship(n)
		if r == nil {
			continue
		}
		ts := r.Targets()
		if len(ts) != 2 {
			continue
		}
		coll, mat := ts[0], ts[1]
		if strings.Contains(mat, ".collection:") {
			coll, mat = mat, coll
		}
		out = append(out, collBinding{r, coll, mat})
	}
	return out
}

// collectionIncludes reports whether the collection at collPath
// ("/Prim.collection:name") includes the prim at path.
func collectionIncludes(s *Stage, collPath, path string, depth int) bool {
	i := strings.LastIndex(collPath, ".collection:")
	if i < 0 || depth > 16 {
		return false
	}
	owner := s.PrimAtPath(collPath[:i])
	if owner == nil {
		return false
	}
	base := "collection:" + collPath[i+len(".collection:"):]
	rule := "expandPrims"
	if v, ok := owner.Attribute(base + ":expansionRule").Token(Default); ok && v != "" {
		rule = v
	}
	if inc, _ := owner.Attribute(base + ":includeRoot").Bool(Default); inc && rule != "explicitOnly" {
		// The pseudo-root included: everything below, unless excluded.
		if !excluded(owner, base, path, rule) {
			return true
		}
	}
	bestLen, bestInclude := -1, false
	for _, t := range owner.Relationship(base + ":includes").Targets() {
		if strings.Contains(t, ".collection:") {
			if collectionIncludes(s, t, path, depth+1) && !excluded(owner, base, path, rule) {
				return true
			}
			continue
		}
		if matches(t, path, rule) && len(t) > bestLen {
			bestLen, bestInclude = len(t), true
		}
	}
	for _, t := range owner.Relationship(base + ":excludes").Targets() {
		if matches(t, path, rule) && len(t) >= bestLen {
			bestLen, bestInclude = len(t), false
		}
	}
	return bestLen >= 0 && bestInclude
}

func excluded(owner *Prim, base, path, rule string) bool {
	for _, t := range owner.Relationship(base + ":excludes").Targets() {
		if matches(t, path, rule) {
			return true
		}
	}
	return false
}

func matches(target, path, rule string) bool {
	if rule == "explicitOnly" {
		return target == path
	}
	return path == target || strings.HasPrefix(path, target+"/")
}

// ShaderInput returns the value of a shader input ("diffuseColor" or
// "inputs:diffuseColor") and, when the input is connected, the source
// shader prim and its output name. A connection chain through material or
// node-graph interface inputs is followed to the shader that produces it;
// a value authored on an interface input is returned as the value.
// Unauthored UsdPreviewSurface and UsdUVTexture inputs give their
// specification defaults.
func (p *Prim) ShaderInput(name string) (value any, source *Prim, outputName string) {
	return p.ShaderInputAt(name, Default)
}

// ShaderInputAt is ShaderInput with values read at time t. It follows
// UsdShadeUtils::GetValueProducingAttributes (pxr/usd/usdShade/utils.cpp,
// shaderOutputsOnly = false) and takes the first attribute it gives:
//
//   - A connection counts only when its target attribute exists and is
//     named inputs:* or outputs:* (UsdShadeConnectableAPI::
//     GetConnectedSources); several connections are tried in order.
//   - A connection to an output of a Shader produces the value (source and
//     output are returned); one to an output or input of a Material or
//     NodeGraph (a container) is followed further; one to an input of a
//     Shader is invalid.
//   - An attribute whose connections produce nothing produces its own
//     value when it has an authored one (a default or time samples; an
//     interface input, or the input itself); its value at t may then be
//     nil (time samples read at the default time).
//   - An attribute met twice on the way is a cycle and produces nothing.
//
// An input for which nothing produces a value gives the shader's
// specification fallback (ShaderFallback); one whose producer has no
// value at t gives nil.
func (p *Prim) ShaderInputAt(name string, t TimeCode) (value any, source *Prim, outputName string) {
	if !strings.HasPrefix(name, "inputs:") {
		name = "inputs:" + name
	}
	if v, src, out, ok := valueProducer(p, name, t, nil); ok {
		return v, src, out
	}
	if v, ok := ShaderFallback(p.ShaderID(), strings.TrimPrefix(name, "inputs:")); ok {
		return v, nil, ""
	}
	return nil, nil, ""
}

// valueProducer is one step of ShaderInputAt's walk from attribute name
// of p; seen holds the attributes with connections already on the path.
func valueProducer(p *Prim, name string, t TimeCode, seen []string) (any, *Prim, string, bool) {
	a := p.Attribute(name)
	if a == nil {
		return nil, nil, "", false
	}
	self := p.path + "." + name
	for _, s := range seen {
		if s == self {
			return nil, nil, "", false
		}
	}
	type source struct {
		prim *Prim
		prop string
	}
	var sources []source
	for _, c := range a.Connections() {
		i := strings.LastIndexByte(c, '.')
		if i < 0 {
			continue
		}
		sp, prop := p.stage.PrimAtPath(c[:i]), c[i+1:]
		if sp == nil || sp.Attribute(prop) == nil {
			continue
		}
		if !strings.HasPrefix(prop, "inputs:") && !strings.HasPrefix(prop, "outputs:") {
			continue
		}
		sources = append(sources, source{sp, prop})
	}
	if len(sources) > 0 {
		seen = append(seen[:len(seen):len(seen)], self)
	}
	for _, s := range sources {
		container := s.prim.TypeName() == "Material" || s.prim.TypeName() == "NodeGraph"
		if strings.HasPrefix(s.prop, "outputs:") && !container {
			return nil, s.prim, strings.TrimPrefix(s.prop, "outputs:"), true
		}
		if !container {
			continue // an input of a shader: not a valid source
		}
		if v, src, out, ok := valueProducer(s.prim, s.prop, t, seen); ok {
			return v, src, out, true
		}
	}
	// HasAuthoredValue: a default or time samples, whether or not they
	// give a value at t (time samples alone give none at the default time).
	v, ok := a.Get(t)
	if !ok {
		if _, def := a.Get(Default); !def && len(a.TimeSamples()) == 0 {
			return nil, nil, "", false
		}
	}
	return v, nil, "", true
}

// ShaderID returns info:id of a shader ("UsdPreviewSurface", ...).
func (p *Prim) ShaderID() string {
	if a := p.Attribute("info:id"); a != nil {
		s, _ := a.Token(Default)
		return s
	}
	return ""
}

// MaterialSurface returns the shader connected to the material's surface
// output for renderContext ("" for the universal outputs:surface).
func (p *Prim) MaterialSurface(renderContext string) (*Prim, string) {
	names := []string{"outputs:surface"}
	if renderContext != "" {
		names = []string{"outputs:" + renderContext + ":surface", "outputs:surface"}
	}
	for _, n := range names {
		a := p.Attribute(n)
		if a == nil {
			continue
		}
		cur := a
		for hop := 0; hop < 32; hop++ {
			cs := cur.Connections()
			if len(cs) == 0 {
				break
			}
			i := strings.LastIndexByte(cs[0], '.')
			src := p.stage.PrimAtPath(cs[0][:i])
			if src == nil {
				break
			}
			prop := cs[0][i+1:]
			if src.TypeName() == "Shader" {
				return src, strings.TrimPrefix(prop, "outputs:")
			}
			next := src.Attribute(prop)
			if next == nil {
				break
			}
			cur = next
		}
	}
	return nil, ""
}

var previewSurfaceDefaults = map[string]any{
	"diffuseColor": Vec3f{0.18, 0.18, 0.18}, "emissiveColor": Vec3f{0, 0, 0}, "useSpecularWorkflow": int32(0),
	"specularColor": Vec3f{0, 0, 0}, "metallic": float32(0), "roughness": float32(0.5), "clearcoat": float32(0),
	"clearcoatRoughness": float32(0.01), "opacity": float32(1), "opacityMode": Token("transparent"), "opacityThreshold": float32(0),
	"ior": float32(1.5), "normal": Vec3f{0, 0, 1}, "displacement": float32(0), "occlusion": float32(1),
}

var uvTextureDefaults = map[string]any{
	"wrapS": Token("useMetadata"), "wrapT": Token("useMetadata"), "fallback": Vec4f{0, 0, 0, 1},
	"scale": Vec4f{1, 1, 1, 1}, "bias": Vec4f{0, 0, 0, 0}, "sourceColorSpace": Token("auto"), "st": Vec2f{0, 0},
}

// ShaderFallback returns the specification's fallback value of input
// (without "inputs:") of the shader with info:id id: the inputs of
// UsdPreviewSurface, UsdUVTexture, UsdTransform2d and the
// UsdPrimvarReader_* nodes
// (openusd.org/release/spec_usdpreviewsurface.html).
func ShaderFallback(id, input string) (any, bool) {
	var m map[string]any
	switch id {
	case "UsdPreviewSurface":
		m = previewSurfaceDefaults
	case "UsdUVTexture":
		m = uvTextureDefaults
	case "UsdTransform2d":
		m = map[string]any{"in": Vec2f{0, 0}, "rotation": float32(0), "scale": Vec2f{1, 1}, "translation": Vec2f{0, 0}}
	case "UsdPrimvarReader_float":
		m = map[string]any{"varname": "", "fallback": float32(0)}
	case "UsdPrimvarReader_float2":
		m = map[string]any{"varname": "", "fallback": Vec2f{0, 0}}
	case "UsdPrimvarReader_float3", "UsdPrimvarReader_normal", "UsdPrimvarReader_point", "UsdPrimvarReader_vector":
		m = map[string]any{"varname": "", "fallback": Vec3f{0, 0, 0}}
	case "UsdPrimvarReader_float4":
		m = map[string]any{"varname": "", "fallback": Vec4f{0, 0, 0, 0}}
	case "UsdPrimvarReader_int":
		m = map[string]any{"varname": "", "fallback": int32(0)}
	case "UsdPrimvarReader_string":
		m = map[string]any{"varname": "", "fallback": ""}
	default:
		return nil, false
	}
	v, ok := m[input]
	return v, ok
}

package usd

import "strings"

// ComputeBoundMaterial returns the all-purpose material bound to prim, or
// nil; see ComputeBoundMaterialFor.
func ComputeBoundMaterial(prim *Prim) *Prim {
	m, _ := ComputeBoundMaterialFor(prim, "")
	return m
}

// ComputeBoundMaterialFor returns the material bound to prim for purpose
// ("" for all-purpose, or "full", "preview"), following UsdShade's
// rules for direct bindings: the nearest ancestor binding wins unless an
// ancestor's binding is marked bindMaterialAs = "strongerThanDescendants".
// Collection-based bindings are not evaluated. It also returns the
// binding relationship that won.
func ComputeBoundMaterialFor(prim *Prim, purpose string) (*Prim, *Relationship) {
	rels := []string{"material:binding"}
	if purpose != "" {
		rels = []string{"material:binding:" + purpose, "material:binding"}
	}
	var winner *Relationship
	var winMat *Prim
	for q := prim; q != nil && q.path != "/"; q = q.parent {
		for _, rn := range rels {
			r := q.Relationship(rn)
			if r == nil {
				continue
			}
			ts := r.Targets()
			if len(ts) == 0 {
				continue
			}
			strength, _ := r.Metadata("bindMaterialAs")
			stronger := false
			if s, ok := strength.(Token); ok && s == "strongerThanDescendants" {
				stronger = true
			}
			if s, ok := strength.(string); ok && s == "strongerThanDescendants" {
				stronger = true
			}
			if winner == nil || stronger {
				winner = r
				winMat = prim.stage.PrimAtPath(ts[0])
			}
			break
		}
	}
	return winMat, winner
}

// ShaderInput returns the value of a shader input ("diffuseColor" or
// "inputs:diffuseColor") and, when the input is connected, the source
// shader prim and its output name. A connection chain through material or
// node-graph interface inputs is followed to the shader that produces it;
// a value authored on an interface input is returned as the value.
// Unauthored UsdPreviewSurface and UsdUVTexture inputs give their
// specification defaults.
func (p *Prim) ShaderInput(name string) (value any, source *Prim, outputName string) {
	if !strings.HasPrefix(name, "inputs:") {
		name = "inputs:" + name
	}
	cur := p
	attrName := name
	for hop := 0; hop < 32; hop++ {
		a := cur.Attribute(attrName)
		if a == nil {
			break
		}
		if cs := a.Connections(); len(cs) > 0 {
			c := cs[0]
			i := strings.LastIndexByte(c, '.')
			if i < 0 {
				break
			}
			src := p.stage.PrimAtPath(c[:i])
			prop := c[i+1:]
			if src == nil {
				break
			}
			if strings.HasPrefix(prop, "outputs:") && src.TypeName() == "Shader" {
				return nil, src, strings.TrimPrefix(prop, "outputs:")
			}
			// An interface input (material / node graph) or an output of a
			// node graph: keep following.
			cur, attrName = src, prop
			continue
		}
		if v, ok := a.Get(Default); ok {
			return v, nil, ""
		}
		break
	}
	if v, ok := shaderDefault(p.ShaderID(), strings.TrimPrefix(name, "inputs:")); ok {
		return v, nil, ""
	}
	return nil, nil, ""
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

func shaderDefault(id, input string) (any, bool) {
	var m map[string]any
	switch id {
	case "UsdPreviewSurface":
		m = previewSurfaceDefaults
	case "UsdUVTexture":
		m = uvTextureDefaults
	case "UsdTransform2d":
		m = map[string]any{"rotation": float32(0), "scale": Vec2f{1, 1}, "translation": Vec2f{0, 0}}
	default:
		return nil, false
	}
	v, ok := m[input]
	return v, ok
}

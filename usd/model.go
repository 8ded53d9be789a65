package usd

// Model hierarchy and UsdGeomModelAPI draw modes: IsModel and IsGroup as
// UsdPrim computes them (pxr/usd/usd/prim.h: a model is a prim whose kind
// is a model kind and whose parent is a group, up to the root), the
// inherited model:drawMode (UsdGeomModelAPI::ComputeModelDrawMode,
// pxr/usd/usdGeom/modelAPI.cpp) and whether imaging applies it
// (UsdImagingDelegate::_IsDrawModeApplied, pxr/usdImaging/usdImaging/
// delegate.cpp: model:applyDrawMode when authored, else true for
// component models).

// modelKinds are the kinds of the model hierarchy (Kind registry:
// model → group → assembly, model → component); subcomponent is not a
// model kind.
var modelKinds = map[string]bool{"model": true, "group": true, "assembly": true, "component": true}

func isGroupKind(k string) bool { return k == "group" || k == "assembly" }

// IsModel reports whether the prim is part of the model hierarchy: its
// kind is a model kind and every ancestor up to the root is a group.
func (p *Prim) IsModel() bool {
	if p == nil || p.path == "/" || !modelKinds[p.Kind()] {
		return false
	}
	for q := p.parent; q != nil && q.path != "/"; q = q.parent {
		if !isGroupKind(q.Kind()) {
			return false
		}
	}
	return true
}

// IsGroup reports whether the prim is a model of a group kind (group,
// assembly).
func (p *Prim) IsGroup() bool { return p.IsModel() && isGroupKind(p.Kind()) }

// authoredDrawMode is model:drawMode on a model (never on the root).
func authoredDrawMode(p *Prim) (string, bool) {
	if !p.IsModel() {
		return "", false
	}
	a := p.Attribute("model:drawMode")
	if a == nil || !a.IsAuthored() {
		return "", false
	}
	v, ok := a.Token(Default)
	return v, ok && v != ""
}

// ComputeModelDrawMode is UsdGeomModelAPI::ComputeModelDrawMode: the
// prim's own model:drawMode unless "inherited", else the nearest
// ancestor model's, else "default". Only models' opinions count.
func ComputeModelDrawMode(p *Prim) string {
	for q := p; q != nil && q.path != "/"; q = q.parent {
		if v, ok := authoredDrawMode(q); ok && v != "inherited" {
			return v
		}
	}
	return "default"
}

// DrawModeApplied reports whether imaging replaces the prim's subtree by
// its draw mode (UsdImagingDelegate::_IsDrawModeApplied): the prim is a
// model, its computed draw mode is not "default", and model:applyDrawMode
// is true when authored, else the prim is a component.
func DrawModeApplied(p *Prim) bool {
	if !p.IsModel() || ComputeModelDrawMode(p) == "default" {
		return false
	}
	if a := p.Attribute("model:applyDrawMode"); a != nil && a.IsAuthored() {
		v, _ := a.Bool(Default)
		return v
	}
	return p.Kind() == "component"
}

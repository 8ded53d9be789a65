package usdscene

import (
	"github.com/rgallery/rgallery/render"
	"github.com/rgallery/rgallery/usd"
)

// skinned is a mesh's UsdSkel deformation: the binding and the transform
// from skeleton space to the mesh's own space (skinned points are in
// skeleton space and placed by the Skeleton's transform, as UsdSkelImaging
// does; the renderer places the mesh by its own, so they are carried over).
type skinned struct {
	b       *usd.SkelBinding
	toLocal render.Matrix
}

// skinPoints deforms the mesh points by p's UsdSkel binding (blend shapes,
// then linear or dual-quaternion skinning) into the mesh's local space. It
// returns nil when p is not skinned, or when skinning fails (warned,
// naming the prim: it then renders in its bind pose).
func (c *conv) skinPoints(p *usd.Prim, pts []render.Vec3) *skinned {
	b, ok := usd.FindSkelBinding(p)
	if !ok {
		if a := p.Attribute("primvars:skel:jointIndices"); a != nil && a.IsAuthored() && c.facts == nil {
			c.warnf("UsdSkel: %s has joint influences but is not skinned (no SkelRoot above it, no SkelBindingAPI applied where the influences are authored, or jointIndices/jointWeights whose elementSize or interpolation differ or are not constant/vertex)", p.Path())
		}
		return nil
	}
	if c.facts != nil {
		return nil // facts record the stage's (unskinned) geometry
	}
	if b.Skeleton == nil {
		c.warnf("UsdSkel: %s has joint influences or blend shapes but no skel:skeleton; rendered in its bind pose", p.Path())
		return nil
	}
	if p.TypeName() != "Mesh" {
		c.warnf("UsdSkel skinning of %s prims is not applied (e.g. %s)", p.TypeName(), p.Path())
		return nil
	}
	if isInstanceProxy(p) {
		c.warnf("UsdSkel: %s is inside a native instance; every instance shows the first one's pose", p.Path())
	}
	if b.HasBlendShapes() && b.Animation == nil {
		c.warnf("UsdSkel: %s has blend shapes but its skeleton no animation; no blend shape applied", p.Path())
	}
	work := make([]usd.Vec3d, len(pts))
	for i, q := range pts {
		work[i] = usd.Vec3d{q.X, q.Y, q.Z}
	}
	if err := b.SkinPoints(work, c.time); err != nil {
		c.warnf("UsdSkel: %v; %s rendered in its bind pose", err, p.Path())
		return nil
	}
	inv, ok := c.world(p).Inverse()
	if !ok {
		c.warnf("UsdSkel: %s has a singular transform; rendered in its bind pose", p.Path())
		return nil
	}
	toLocal := c.world(b.Skeleton).Mul(inv)
	for i, q := range work {
		pts[i] = toLocal.Point(render.Vec3{X: q[0], Y: q[1], Z: q[2]})
	}
	return &skinned{b: b, toLocal: toLocal}
}

// skinNormals deforms per-corner normals (point of each corner given) like
// the points, into the mesh's local space.
func (c *conv) skinNormals(p *usd.Prim, s *skinned, ns []render.Vec3, point []int32, numPoints int) bool {
	work := make([]usd.Vec3d, len(ns))
	for i, n := range ns {
		work[i] = usd.Vec3d{n.X, n.Y, n.Z}
	}
	if err := s.b.SkinNormals(work, func(i int) int { return int(point[i]) }, numPoints, c.time); err != nil {
		c.warnf("UsdSkel: normals of %s not skinned: %v", p.Path(), err)
		return false
	}
	inv, ok := s.toLocal.Inverse()
	if !ok {
		return false
	}
	for i, n := range work {
		ns[i] = inv.Normal(render.Vec3{X: n[0], Y: n[1], Z: n[2]}).Norm()
	}
	return true
}

package usd

// UsdSkel: which skeleton, animation and influences deform a prim, and the
// deformation itself (blend shapes, then linear blend or dual-quaternion
// skinning). The rules are OpenUSD's pxr/usd/usdSkel:
//   - binding resolution: UsdSkel_CacheImpl::Populate (cacheImpl.cpp): from
//     the nearest SkelRoot ancestor down, through Imageable prims only, on
//     prims with the SkelBindingAPI applied (OpenUSD 26.11 ignores binding
//     properties elsewhere; older versions read them with a warning),
//     skel:skeleton, primvars:skel:jointIndices/jointWeights,
//     primvars:skel:geomBindTransform and skel:joints are inherited (the
//     nearest authored opinion wins), and so is
//     primvars:skel:skinningMethod; skel:blendShapes and
//     skel:blendShapeTargets are read on the skinnable (Boundable, not
//     Skeleton) prim only; skinnable prims do not nest. The animation is
//     the Skeleton's inherited skel:animationSource
//     (UsdSkelBindingAPI::GetInheritedAnimationSource).
//   - joint topology: UsdSkelTopology (topology.cpp): a joint's parent is
//     its nearest ancestor path in the joints list; parents come first.
//   - joint transforms: UsdSkelSkeletonQuery (skeletonQuery.cpp): local
//     transforms from the SkelAnimation (scale·rotate·translate of its
//     scales/rotations/translations, all three required and sized like its
//     joints), mapped by joint name onto the Skeleton's joints, the
//     restTransforms filling joints the animation does not cover; without
//     an animation, the restTransforms. Skel-space transforms concatenate
//     local·parent; skinning transforms are inverse(bindTransform)·skel.
//   - influences: UsdSkelSkinningQuery (skinningQuery.cpp): indices and
//     weights with equal elementSize and interpolation (constant or vertex),
//     constant influences expanded to every point, a skel:joints order
//     remapped from the skeleton's by name (joints it lacks get identity),
//     weights used as authored (no normalization).
//   - skinning: _SkinPointsLBS / _SkinPointsDQS (utils.cpp): each point is
//     first moved by the geomBindTransform; LBS sums w·(p·M_j); DQS blends
//     unit dual quaternions of the joints' rotation and translation (signs
//     aligned with the most weighted joint's), normalizes, and applies any
//     scale by LBS first. Out-of-range joint indices fail the whole prim.
//   - blend shapes: UsdSkelBlendShapeQuery: the animation's
//     blendShapeWeights (in its blendShapes order, mapped by name to the
//     prim's skel:blendShapes) scale each BlendShape's offsets (at its
//     pointIndices, if any) added to the rest points before skinning;
//     inbetweens (inbetweens:NAME with a weight) make the shape piecewise
//     linear in the weight between 0 (no offset), the inbetweens and 1.
// Skinned points are in skeleton space: the renderer places them with the
// Skeleton's local-to-world transform, not the gprim's.

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// SkelBinding is the resolved UsdSkel binding of a skinnable prim.
type SkelBinding struct {
	Prim      *Prim
	Root      *Prim // the SkelRoot
	Skeleton  *Prim // nil when no skel:skeleton is bound
	Animation *Prim // the Skeleton's inherited animation source; nil: rest pose

	jointIndices, jointWeights, geomBind, joints *Attribute
	skinningMethod, blendShapes                  *Attribute
	blendShapeTargets                            []string
}

// skinnableTypes are the Boundable schema types (UsdSkelIsSkinnablePrim:
// Boundable and not a Skeleton).
var skinnableTypes = map[string]bool{
	"Mesh": true, "Points": true, "BasisCurves": true, "NurbsCurves": true, "HermiteCurves": true,
	"NurbsPatch": true, "TetMesh": true, "Sphere": true, "Cube": true, "Cylinder": true, "Cone": true,
	"Capsule": true, "Plane": true, "Cylinder_1": true, "Capsule_1": true, "PointInstancer": true,
}

// FindSkelBinding resolves p's binding as UsdSkelCache does; ok is false
// when p is not skinnable, has no SkelRoot ancestor, lies below another
// skinnable prim or a non-Imageable prim, or has neither joint influences
// nor blend shapes.
func FindSkelBinding(p *Prim) (*SkelBinding, bool) {
	if p == nil || !skinnableTypes[p.TypeName()] {
		return nil, false
	}
	// The path from the SkelRoot down to p.
	var chain []*Prim
	var root *Prim
	for q := p; q != nil && q.path != "/"; q = q.parent {
		chain = append(chain, q)
		if q.TypeName() == "SkelRoot" {
			root = q
			break
		}
	}
	if root == nil {
		return nil, false
	}
	b := &SkelBinding{Prim: p, Root: root}
	authored := func(q *Prim, name string) *Attribute {
		if a := q.Attribute(name); a != nil && a.IsAuthored() {
			if _, ok := a.Get(Default); ok || len(a.TimeSamples()) > 0 {
				return a
			}
		}
		return nil
	}
	for i := len(chain) - 1; i >= 0; i-- {
		q := chain[i]
		if !IsImageable(q.TypeName()) {
			return nil, false
		}
		if q != p && skinnableTypes[q.TypeName()] {
			return nil, false // skinnable prims do not nest
		}
		if !q.HasAPI("SkelBindingAPI") {
			continue // OpenUSD 26.11 reads binding properties only where the API is applied
		}
		if r := q.Relationship("skel:skeleton"); r != nil {
			if ts := r.Targets(); len(ts) > 0 {
				if s := q.stage.PrimAtPath(ts[0]); s != nil && s.TypeName() == "Skeleton" {
					b.Skeleton = s
				}
			}
		}
		if a := authored(q, "primvars:skel:jointIndices"); a != nil {
			b.jointIndices = a
		}
		if a := authored(q, "primvars:skel:jointWeights"); a != nil {
			b.jointWeights = a
		}
		if a := authored(q, "primvars:skel:geomBindTransform"); a != nil {
			b.geomBind = a
		}
		if a := authored(q, "skel:joints"); a != nil {
			b.joints = a
		}
		if a := authored(q, "primvars:skel:skinningMethod"); a != nil {
			b.skinningMethod = a
		}
	}
	if p.HasAPI("SkelBindingAPI") {
		b.blendShapes = authored(p, "skel:blendShapes")
		if r := p.Relationship("skel:blendShapeTargets"); r != nil {
			b.blendShapeTargets = r.Targets()
		}
	}
	if b.Skeleton != nil {
		for q := b.Skeleton; q != nil && q.path != "/"; q = q.parent {
			if r := q.Relationship("skel:animationSource"); r != nil {
				if ts := r.Targets(); len(ts) > 0 {
					if a := q.stage.PrimAtPath(ts[0]); a != nil && a.TypeName() == "SkelAnimation" && a.IsActive() {
						b.Animation = a
					}
					break
				}
			}
		}
	}
	if !b.HasJointInfluences() && !b.HasBlendShapes() {
		return nil, false
	}
	return b, true
}

// HasJointInfluences reports whether jointIndices and jointWeights are
// bound with the same elementSize and interpolation (constant or vertex),
// as UsdSkelSkinningQuery validates them.
func (b *SkelBinding) HasJointInfluences() bool {
	if b.jointIndices == nil || b.jointWeights == nil {
		return false
	}
	ies, wes := elementSize(b.jointIndices), elementSize(b.jointWeights)
	ii, wi := b.jointIndices.Interpolation(), b.jointWeights.Interpolation()
	return ies == wes && ies > 0 && ii == wi && (ii == "constant" || ii == "vertex")
}

func elementSize(a *Attribute) int {
	if v, ok := a.Metadata("elementSize"); ok {
		if f, ok := toFloat64(v); ok {
			return int(f)
		}
	}
	return 1
}

// HasBlendShapes reports whether skel:blendShapes and its targets are bound.
func (b *SkelBinding) HasBlendShapes() bool {
	return b.blendShapes != nil && len(b.blendShapeTargets) > 0
}

// SkinningMethod is the bound primvars:skel:skinningMethod (inherited like
// the other binding properties; classicLinear when not authored).
func (b *SkelBinding) SkinningMethod() string {
	if b.skinningMethod != nil {
		if s, ok := b.skinningMethod.Token(Default); ok && s != "" {
			return s
		}
	}
	return "classicLinear"
}

// GeomBindTransform is the bound primvars:skel:geomBindTransform, identity
// when not authored.
func (b *SkelBinding) GeomBindTransform(t TimeCode) Matrix4d {
	if b.geomBind != nil {
		if m, ok := b.geomBind.Matrix4d(t); ok {
			return m
		}
	}
	return Identity4
}

// Skeleton is a Skeleton's joints, topology and poses.
type Skeleton struct {
	Prim    *Prim
	Joints  []string
	Parents []int // -1 for a root joint
	Bind    []Matrix4d
	Rest    []Matrix4d
}

// ReadSkeleton reads and validates a Skeleton (UsdSkel_SkelDefinition).
func ReadSkeleton(p *Prim, t TimeCode) (*Skeleton, error) {
	s := &Skeleton{Prim: p}
	s.Joints = tokens(p.Attribute("joints"), t)
	idx := make(map[string]int, len(s.Joints))
	for i, j := range s.Joints {
		idx[strings.Trim(j, "/")] = i
	}
	s.Parents = make([]int, len(s.Joints))
	for i, j := range s.Joints {
		s.Parents[i] = -1
		path := strings.Trim(j, "/")
		for k := strings.LastIndexByte(path, '/'); k >= 0; k = strings.LastIndexByte(path, '/') {
			path = path[:k]
			if pi, ok := idx[path]; ok {
				s.Parents[i] = pi
				break
			}
		}
		if s.Parents[i] >= i {
			return nil, fmt.Errorf("skeleton %s: joint %d (%s) has parent %d, which does not come before it", p.Path(), i, j, s.Parents[i])
		}
	}
	s.Bind = matrices(p.Attribute("bindTransforms"), t)
	s.Rest = matrices(p.Attribute("restTransforms"), t)
	return s, nil
}

func tokens(a *Attribute, t TimeCode) []string {
	if a == nil {
		return nil
	}
	v, _ := a.Get(t)
	switch x := v.(type) {
	case []Token:
		out := make([]string, len(x))
		for i, s := range x {
			out[i] = string(s)
		}
		return out
	case []string:
		return x
	}
	return nil
}

func matrices(a *Attribute, t TimeCode) []Matrix4d {
	if a == nil {
		return nil
	}
	v, _ := a.Get(t)
	m, _ := v.([]Matrix4d)
	return m
}

// remap maps values in source order onto target order by name
// (UsdSkelAnimMapper); target entries the source lacks keep fill.
// covered is how many target entries were mapped.
func remap[T any](source, target []string, values []T, fill func(i int) T) (out []T, covered int) {
	at := make(map[string]int, len(source))
	for i, s := range source {
		at[s] = i
	}
	out = make([]T, len(target))
	for i, name := range target {
		if k, ok := at[name]; ok && k < len(values) {
			out[i] = values[k]
			covered++
		} else {
			out[i] = fill(i)
		}
	}
	return out, covered
}

// LocalTransforms returns the joints' local transforms at t: the
// animation's where it has them, else the rest transforms.
func (s *Skeleton) LocalTransforms(anim *Prim, t TimeCode) ([]Matrix4d, error) {
	haveRest := len(s.Rest) == len(s.Joints)
	if anim != nil {
		animJoints := tokens(anim.Attribute("joints"), t)
		xf, ok, err := animTransforms(anim, len(animJoints), t)
		if err != nil {
			return nil, err
		}
		if ok {
			out, covered := remap(animJoints, s.Joints, xf, func(i int) Matrix4d {
				if haveRest {
					return s.Rest[i]
				}
				return Identity4
			})
			if covered > 0 {
				if covered < len(s.Joints) && !haveRest {
					return nil, fmt.Errorf("skeleton %s: animation %s covers %d of %d joints and restTransforms are missing", s.Prim.Path(), anim.Path(), covered, len(s.Joints))
				}
				return out, nil
			}
		}
	}
	if !haveRest {
		return nil, fmt.Errorf("skeleton %s: %d restTransforms for %d joints, and no animation", s.Prim.Path(), len(s.Rest), len(s.Joints))
	}
	return s.Rest, nil
}

// animTransforms composes a SkelAnimation's local transforms
// (UsdSkelMakeTransforms: scale, then rotate, then translate); ok is false
// when the components are missing or empty (the animation is ignored).
func animTransforms(anim *Prim, n int, t TimeCode) ([]Matrix4d, bool, error) {
	tr, ok1 := anim.Attribute("translations").Vec3fArray(t)
	sc, ok3 := anim.Attribute("scales").Vec3fArray(t)
	var rot []Quatd
	ok2 := false
	if a := anim.Attribute("rotations"); a != nil {
		if v, ok := a.Get(t); ok {
			rot, ok2 = quats(v)
		}
	}
	if !ok1 || !ok2 || !ok3 {
		return nil, false, nil
	}
	if len(tr) == 0 && len(rot) == 0 && len(sc) == 0 {
		return nil, false, nil
	}
	if len(tr) != len(rot) || len(tr) != len(sc) || len(tr) != n {
		return nil, false, fmt.Errorf("animation %s: %d translations, %d rotations, %d scales for %d joints", anim.Path(), len(tr), len(rot), len(sc), n)
	}
	out := make([]Matrix4d, n)
	for i := range out {
		m := QuatMatrix(rot[i])
		for r := 0; r < 3; r++ {
			for c := 0; c < 3; c++ {
				m[r][c] *= float64(sc[i][r])
			}
		}
		m[3] = [4]float64{float64(tr[i][0]), float64(tr[i][1]), float64(tr[i][2]), 1}
		out[i] = m
	}
	return out, true, nil
}

func quats(v any) ([]Quatd, bool) {
	switch x := v.(type) {
	case []Quatf:
		out := make([]Quatd, len(x))
		for i, q := range x {
			out[i] = Quatd{Real: float64(q.Real), Imag: Vec3d{float64(q.Imag[0]), float64(q.Imag[1]), float64(q.Imag[2])}}
		}
		return out, true
	case []Quath:
		out := make([]Quatd, len(x))
		for i, q := range x {
			out[i] = Quatd{Real: float64(q.Real), Imag: Vec3d{float64(q.Imag[0]), float64(q.Imag[1]), float64(q.Imag[2])}}
		}
		return out, true
	case []Quatd:
		return x, true
	}
	return nil, false
}

// SkelTransforms concatenates local transforms down the joint hierarchy
// (UsdSkelConcatJointTransforms): skel = local · skel(parent).
func (s *Skeleton) SkelTransforms(local []Matrix4d) []Matrix4d {
	out := make([]Matrix4d, len(local))
	for i, m := range local {
		if p := s.Parents[i]; p >= 0 {
			out[i] = Mul(m, out[p])
		} else {
			out[i] = m
		}
	}
	return out
}

// SkinningTransforms returns inverse(bind)·skel for each joint at t.
func (s *Skeleton) SkinningTransforms(anim *Prim, t TimeCode) ([]Matrix4d, error) {
	if len(s.Bind) != len(s.Joints) {
		return nil, fmt.Errorf("skeleton %s: %d bindTransforms for %d joints", s.Prim.Path(), len(s.Bind), len(s.Joints))
	}
	local, err := s.LocalTransforms(anim, t)
	if err != nil {
		return nil, err
	}
	skel := s.SkelTransforms(local)
	for i := range skel {
		skel[i] = Mul(Invert(s.Bind[i]), skel[i])
	}
	return skel, nil
}

// Influences are per-point joint indices and weights, ElementSize per point.
type Influences struct {
	Indices     []int32
	Weights     []float32
	ElementSize int
}

// JointInfluences reads the bound influences for n points
// (ComputeVaryingJointInfluences): constant influences are repeated for
// every point.
func (b *SkelBinding) JointInfluences(n int, t TimeCode) (Influences, error) {
	if b.jointIndices == nil || b.jointWeights == nil {
		return Influences{}, fmt.Errorf("%s: no joint influences", b.Prim.Path())
	}
	interp := func(a *Attribute) string { return a.Interpolation() }
	ies, wes := elementSize(b.jointIndices), elementSize(b.jointWeights)
	if ies != wes || ies <= 0 {
		return Influences{}, fmt.Errorf("%s: jointIndices elementSize %d, jointWeights elementSize %d", b.Prim.Path(), ies, wes)
	}
	ii, wi := interp(b.jointIndices), interp(b.jointWeights)
	if ii != wi || (ii != "constant" && ii != "vertex") {
		return Influences{}, fmt.Errorf("%s: joint influence interpolation %q/%q (constant or vertex needed)", b.Prim.Path(), ii, wi)
	}
	idx, _ := b.jointIndices.IntArray(t)
	w, _ := b.jointWeights.FloatArray(t)
	idx = flattenIndexed(b.jointIndices, idx, ies, t)
	w = flattenIndexed(b.jointWeights, w, wes, t)
	if len(idx) != len(w) {
		return Influences{}, fmt.Errorf("%s: %d jointIndices, %d jointWeights", b.Prim.Path(), len(idx), len(w))
	}
	if len(idx)%ies != 0 {
		return Influences{}, fmt.Errorf("%s: %d joint influences is not a multiple of elementSize %d", b.Prim.Path(), len(idx), ies)
	}
	if ii == "constant" {
		if len(idx) != ies {
			return Influences{}, fmt.Errorf("%s: constant joint influences of size %d, elementSize %d", b.Prim.Path(), len(idx), ies)
		}
		ri, rw := make([]int32, 0, n*ies), make([]float32, 0, n*ies)
		for range n {
			ri = append(ri, idx...)
			rw = append(rw, w...)
		}
		idx, w = ri, rw
	} else if len(idx) != n*ies {
		return Influences{}, fmt.Errorf("%s: %d joint influences for %d points × elementSize %d", b.Prim.Path(), len(idx), n, ies)
	}
	return Influences{Indices: idx, Weights: w, ElementSize: ies}, nil
}

// flattenIndexed applies a primvar's :indices (ComputeFlattened).
func flattenIndexed[T any](a *Attribute, v []T, es int, t TimeCode) []T {
	ia := a.Prim().Attribute(a.Name() + ":indices")
	if ia == nil {
		return v
	}
	ix, ok := ia.IntArray(t)
	if !ok {
		return v
	}
	return flattenIdx(v, ix, es)
}

// SkinPoints deforms points (in place) by the binding at t: blend shapes,
// then skinning, leaving them in skeleton space. It fails, changing
// nothing, where OpenUSD's skinning query fails.
func (b *SkelBinding) SkinPoints(points []Vec3d, t TimeCode) error {
	if b.Skeleton == nil {
		return fmt.Errorf("%s: no skel:skeleton bound", b.Prim.Path())
	}
	skel, err := ReadSkeleton(b.Skeleton, t)
	if err != nil {
		return err
	}
	var xf []Matrix4d
	if b.HasJointInfluences() {
		xf, err = skel.SkinningTransforms(b.Animation, t)
		if err != nil {
			return err
		}
		if b.joints != nil {
			xf, _ = remap(skel.Joints, tokens(b.joints, t), xf, func(int) Matrix4d { return Identity4 })
		}
	}
	work := append([]Vec3d(nil), points...)
	if b.HasBlendShapes() && b.Animation != nil {
		if err := b.applyBlendShapes(work, t); err != nil {
			return err
		}
	}
	if b.HasJointInfluences() {
		inf, err := b.JointInfluences(len(points), t)
		if err != nil {
			return err
		}
		switch m := b.SkinningMethod(); m {
		case "classicLinear":
			err = SkinPointsLBS(b.GeomBindTransform(t), xf, inf, work)
		case "dualQuaternion":
			err = SkinPointsDQS(b.GeomBindTransform(t), xf, inf, work)
		default:
			err = fmt.Errorf("unknown skinning method %q", m)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", b.Prim.Path(), err)
		}
	}
	copy(points, work)
	return nil
}

// SkinNormals deforms normals (per point, or per face-vertex through
// pointOf) by the linear blend of the joints' inverse-transpose 3×3
// parts (UsdSkelSkinNormalsLBS; dualQuaternion normals are blended the
// same way here).
func (b *SkelBinding) SkinNormals(normals []Vec3d, pointOf func(i int) int, numPoints int, t TimeCode) error {
	if !b.HasJointInfluences() || b.Skeleton == nil {
		return nil
	}
	skel, err := ReadSkeleton(b.Skeleton, t)
	if err != nil {
		return err
	}
	xf, err := skel.SkinningTransforms(b.Animation, t)
	if err != nil {
		return err
	}
	if b.joints != nil {
		xf, _ = remap(skel.Joints, tokens(b.joints, t), xf, func(int) Matrix4d { return Identity4 })
	}
	inf, err := b.JointInfluences(numPoints, t)
	if err != nil {
		return err
	}
	it := make([]Matrix4d, len(xf))
	for i, m := range xf {
		it[i] = invTranspose3(m)
	}
	gb := invTranspose3(b.GeomBindTransform(t))
	es := inf.ElementSize
	for i, n := range normals {
		pi := pointOf(i)
		if pi < 0 || pi >= numPoints {
			continue
		}
		n0 := dir(gb, n)
		var s Vec3d
		for k := 0; k < es; k++ {
			j, w := inf.Indices[pi*es+k], float64(inf.Weights[pi*es+k])
			if j < 0 || int(j) >= len(it) {
				return fmt.Errorf("%s: joint index %d out of range [0,%d)", b.Prim.Path(), j, len(it))
			}
			if w == 0 {
				continue
			}
			d := dir(it[j], n0)
			s = Vec3d{s[0] + w*d[0], s[1] + w*d[1], s[2] + w*d[2]}
		}
		normals[i] = s
	}
	return nil
}

// dir applies the 3×3 part of m to a direction (row vector).
func dir(m Matrix4d, v Vec3d) Vec3d {
	return Vec3d{
		v[0]*m[0][0] + v[1]*m[1][0] + v[2]*m[2][0],
		v[0]*m[0][1] + v[1]*m[1][1] + v[2]*m[2][1],
		v[0]*m[0][2] + v[1]*m[1][2] + v[2]*m[2][2],
	}
}

// invTranspose3 is the inverse transpose of m's 3×3 part, as a matrix.
func invTranspose3(m Matrix4d) Matrix4d {
	a := m
	a[3] = [4]float64{0, 0, 0, 1}
	a[0][3], a[1][3], a[2][3] = 0, 0, 0
	inv := Invert(a)
	var out Matrix4d
	for r := 0; r < 4; r++ {
		for c := 0; c < 4; c++ {
			out[r][c] = inv[c][r]
		}
	}
	return out
}

// SkinPointsLBS is UsdSkel's linear blend skinning: p' = Σ w·((p·G)·M_j).
func SkinPointsLBS(geomBind Matrix4d, xf []Matrix4d, inf Influences, points []Vec3d) error {
	es := inf.ElementSize
	if es <= 0 || len(inf.Indices) != len(points)*es || len(inf.Weights) != len(inf.Indices) {
		return fmt.Errorf("%d influences for %d points × %d", len(inf.Indices), len(points), es)
	}
	for i, p := range points {
		q := TransformPoint(geomBind, p)
		var s Vec3d
		for k := 0; k < es; k++ {
			j, w := inf.Indices[i*es+k], float64(inf.Weights[i*es+k])
			if j < 0 || int(j) >= len(xf) {
				return fmt.Errorf("joint index %d at %d out of range [0,%d)", j, i*es+k, len(xf))
			}
			if w == 0 {
				continue
			}
			r := affine(xf[j], q)
			s = Vec3d{s[0] + w*r[0], s[1] + w*r[1], s[2] + w*r[2]}
		}
		points[i] = s
	}
	return nil
}

func affine(m Matrix4d, p Vec3d) Vec3d {
	return Vec3d{
		p[0]*m[0][0] + p[1]*m[1][0] + p[2]*m[2][0] + m[3][0],
		p[0]*m[0][1] + p[1]*m[1][1] + p[2]*m[2][1] + m[3][1],
		p[0]*m[0][2] + p[1]*m[1][2] + p[2]*m[2][2] + m[3][2],
	}
}

// dualQuat is a unit dual quaternion r + ε d.
type dualQuat struct{ r, d Quatd }

func qmul(a, b Quatd) Quatd {
	return Quatd{
		Real: a.Real*b.Real - a.Imag[0]*b.Imag[0] - a.Imag[1]*b.Imag[1] - a.Imag[2]*b.Imag[2],
		Imag: Vec3d{
			a.Real*b.Imag[0] + b.Real*a.Imag[0] + a.Imag[1]*b.Imag[2] - a.Imag[2]*b.Imag[1],
			a.Real*b.Imag[1] + b.Real*a.Imag[1] + a.Imag[2]*b.Imag[0] - a.Imag[0]*b.Imag[2],
			a.Real*b.Imag[2] + b.Real*a.Imag[2] + a.Imag[0]*b.Imag[1] - a.Imag[1]*b.Imag[0],
		},
	}
}

func qdot(a, b Quatd) float64 {
	return a.Real*b.Real + a.Imag[0]*b.Imag[0] + a.Imag[1]*b.Imag[1] + a.Imag[2]*b.Imag[2]
}

func qscale(a Quatd, s float64) Quatd {
	return Quatd{Real: a.Real * s, Imag: Vec3d{a.Imag[0] * s, a.Imag[1] * s, a.Imag[2] * s}}
}

func qadd(a, b Quatd) Quatd {
	return Quatd{Real: a.Real + b.Real, Imag: Vec3d{a.Imag[0] + b.Imag[0], a.Imag[1] + b.Imag[1], a.Imag[2] + b.Imag[2]}}
}

// rotationQuat extracts the rotation of an orthonormal 3×3 (row-vector
// convention: the quaternion q with QuatRotateMatrix(q) = m).
func rotationQuat(m Matrix4d) Quatd {
	tr := m[0][0] + m[1][1] + m[2][2]
	var q Quatd
	switch {
	case tr > 0:
		s := math.Sqrt(tr+1) * 2
		q = Quatd{Real: s / 4, Imag: Vec3d{(m[1][2] - m[2][1]) / s, (m[2][0] - m[0][2]) / s, (m[0][1] - m[1][0]) / s}}
	case m[0][0] > m[1][1] && m[0][0] > m[2][2]:
		s := math.Sqrt(1+m[0][0]-m[1][1]-m[2][2]) * 2
		q = Quatd{Real: (m[1][2] - m[2][1]) / s, Imag: Vec3d{s / 4, (m[0][1] + m[1][0]) / s, (m[0][2] + m[2][0]) / s}}
	case m[1][1] > m[2][2]:
		s := math.Sqrt(1+m[1][1]-m[0][0]-m[2][2]) * 2
		q = Quatd{Real: (m[2][0] - m[0][2]) / s, Imag: Vec3d{(m[0][1] + m[1][0]) / s, s / 4, (m[1][2] + m[2][1]) / s}}
	default:
		s := math.Sqrt(1+m[2][2]-m[0][0]-m[1][1]) * 2
		q = Quatd{Real: (m[0][1] - m[1][0]) / s, Imag: Vec3d{(m[0][2] + m[2][0]) / s, (m[1][2] + m[2][1]) / s, s / 4}}
	}
	return q
}

// polarRotation returns the rotation part of m's 3×3 (polar
// decomposition by Newton iteration), as GfMatrix4d::Factor followed by
// Orthonormalize gives for the matrices skinning meets.
func polarRotation(m Matrix4d) Matrix4d {
	r := m
	r[3] = [4]float64{0, 0, 0, 1}
	r[0][3], r[1][3], r[2][3] = 0, 0, 0
	for range 30 {
		it := invTranspose3(r)
		var next Matrix4d
		diff := 0.0
		for a := 0; a < 3; a++ {
			for c := 0; c < 3; c++ {
				next[a][c] = (r[a][c] + it[a][c]) / 2
				diff = max(diff, math.Abs(next[a][c]-r[a][c]))
			}
		}
		next[3][3] = 1
		r = next
		if diff < 1e-15 {
			break
		}
	}
	return r
}

// SkinPointsDQS is UsdSkel's dual-quaternion skinning.
func SkinPointsDQS(geomBind Matrix4d, xf []Matrix4d, inf Influences, points []Vec3d) error {
	es := inf.ElementSize
	if es <= 0 || len(inf.Indices) != len(points)*es || len(inf.Weights) != len(inf.Indices) {
		return fmt.Errorf("%d influences for %d points × %d", len(inf.Indices), len(points), es)
	}
	dqs := make([]dualQuat, len(xf))
	scales := make([]Matrix4d, len(xf))
	hasScale := false
	for i, m := range xf {
		rot := polarRotation(m)
		q := rotationQuat(rot)
		t := Quatd{Imag: Vec3d{m[3][0], m[3][1], m[3][2]}}
		dqs[i] = dualQuat{r: q, d: qscale(qmul(t, q), 0.5)}
		// scale = m · (rot·translate)⁻¹, its 3×3 part.
		nonScale := rot
		nonScale[3] = m[3]
		s := Mul(m, Invert(nonScale))
		s[3] = [4]float64{0, 0, 0, 1}
		scales[i] = s
		for a := 0; a < 3; a++ {
			for c := 0; c < 3; c++ {
				want := 0.0
				if a == c {
					want = 1
				}
				if math.Abs(s[a][c]-want) > 1e-6 {
					hasScale = true
				}
			}
		}
	}
	for i, p := range points {
		q := TransformPoint(geomBind, p)
		pivot := -1
		maxw := float32(-1)
		for k := 0; k < es; k++ {
			j, w := inf.Indices[i*es+k], inf.Weights[i*es+k]
			if j >= 0 && int(j) < len(dqs) && (pivot < 0 || maxw < w) {
				maxw, pivot = w, int(j)
			}
		}
		var pivotQ Quatd
		if pivot >= 0 {
			pivotQ = dqs[pivot].r
		}
		var sum dualQuat
		var scaled Vec3d
		for k := 0; k < es; k++ {
			j, w := inf.Indices[i*es+k], float64(inf.Weights[i*es+k])
			if j < 0 || int(j) >= len(dqs) {
				return fmt.Errorf("joint index %d at %d out of range [0,%d)", j, i*es+k, len(dqs))
			}
			if w == 0 {
				continue
			}
			if hasScale {
				r := dir(scales[j], q)
				scaled = Vec3d{scaled[0] + w*r[0], scaled[1] + w*r[1], scaled[2] + w*r[2]}
			}
			if qdot(dqs[j].r, pivotQ) < 0 {
				w = -w
			}
			sum.r = qadd(sum.r, qscale(dqs[j].r, w))
			sum.d = qadd(sum.d, qscale(dqs[j].d, w))
		}
		if !hasScale {
			scaled = q
		}
		// Normalize (GfDualQuat::Normalize): divide by |r|, then remove
		// the part of d along r.
		l := math.Sqrt(qdot(sum.r, sum.r))
		if l == 0 {
			points[i] = scaled
			continue
		}
		sum.r, sum.d = qscale(sum.r, 1/l), qscale(sum.d, 1/l)
		sum.d = qadd(sum.d, qscale(sum.r, -qdot(sum.r, sum.d)))
		// Transform: rotate by r, translate by 2·d·conj(r).
		rm := QuatRotateMatrix(sum.r)
		conj := Quatd{Real: sum.r.Real, Imag: Vec3d{-sum.r.Imag[0], -sum.r.Imag[1], -sum.r.Imag[2]}}
		tq := qscale(qmul(sum.d, conj), 2)
		r := dir(rm, scaled)
		points[i] = Vec3d{r[0] + tq.Imag[0], r[1] + tq.Imag[1], r[2] + tq.Imag[2]}
	}
	return nil
}

// applyBlendShapes adds the weighted offsets of the bound blend shapes.
func (b *SkelBinding) applyBlendShapes(points []Vec3d, t TimeCode) error {
	names := tokens(b.blendShapes, t)
	if len(names) != len(b.blendShapeTargets) {
		return fmt.Errorf("%s: %d skel:blendShapes for %d skel:blendShapeTargets", b.Prim.Path(), len(names), len(b.blendShapeTargets))
	}
	animNames := tokens(b.Animation.Attribute("blendShapes"), t)
	animW, ok := b.Animation.Attribute("blendShapeWeights").FloatArray(t)
	if !ok {
		return nil // no weights: the shapes stay off (UsdSkelAnimQuery fails quietly)
	}
	if len(animW) != len(animNames) {
		return fmt.Errorf("animation %s: %d blendShapeWeights for %d blendShapes", b.Animation.Path(), len(animW), len(animNames))
	}
	weights, _ := remap(animNames, names, animW, func(int) float32 { return 0 })
	for i, target := range b.blendShapeTargets {
		w := float64(weights[i])
		if w == 0 {
			continue
		}
		bs := b.Prim.stage.PrimAtPath(target)
		if bs == nil || bs.TypeName() != "BlendShape" {
			return fmt.Errorf("%s: blend shape target %s is not a BlendShape", b.Prim.Path(), target)
		}
		if err := applyShape(bs, w, points, t); err != nil {
			return err
		}
	}
	return nil
}

type subShape struct {
	weight  float64
	offsets []Vec3f // nil: the null shape
}

// applyShape adds one blend shape at weight w: the primary offsets at 1,
// inbetweens at their weights, nothing at 0, linear in between and
// extrapolated beyond the ends.
func applyShape(bs *Prim, w float64, points []Vec3d, t TimeCode) error {
	primary, _ := bs.Attribute("offsets").Vec3fArray(t)
	shapes := []subShape{{weight: 0}, {weight: 1, offsets: primary}}
	for _, a := range bs.Attributes() {
		name := a.Name()
		if !strings.HasPrefix(name, "inbetweens:") || strings.Count(name, ":") != 1 {
			continue
		}
		wv, ok := a.Metadata("weight")
		if !ok {
			continue
		}
		iw, ok := toFloat64(wv)
		if !ok || iw == 0 || iw == 1 {
			continue
		}
		off, _ := a.Vec3fArray(t)
		shapes = append(shapes, subShape{weight: iw, offsets: off})
	}
	sort.Slice(shapes, func(i, j int) bool { return shapes[i].weight < shapes[j].weight })
	// The segment containing w (the first or last one beyond the ends).
	k := 0
	for k+2 < len(shapes) && w > shapes[k+1].weight {
		k++
	}
	lo, hi := shapes[k], shapes[k+1]
	u := (w - lo.weight) / (hi.weight - lo.weight)
	idx, hasIdx := bs.Attribute("pointIndices").IntArray(t)
	for _, s := range []struct {
		sh subShape
		f  float64
	}{{lo, 1 - u}, {hi, u}} {
		if s.sh.offsets == nil || s.f == 0 {
			continue
		}
		if hasIdx && len(idx) > 0 {
			if len(idx) != len(s.sh.offsets) {
				return fmt.Errorf("blend shape %s: %d pointIndices for %d offsets", bs.Path(), len(idx), len(s.sh.offsets))
			}
			for i, pi := range idx {
				if pi < 0 || int(pi) >= len(points) {
					return fmt.Errorf("blend shape %s: point index %d out of range [0,%d)", bs.Path(), pi, len(points))
				}
				o := s.sh.offsets[i]
				points[pi] = Vec3d{points[pi][0] + s.f*float64(o[0]), points[pi][1] + s.f*float64(o[1]), points[pi][2] + s.f*float64(o[2])}
			}
			continue
		}
		if len(s.sh.offsets) != len(points) {
			return fmt.Errorf("blend shape %s: %d offsets for %d points", bs.Path(), len(s.sh.offsets), len(points))
		}
		for i, o := range s.sh.offsets {
			points[i] = Vec3d{points[i][0] + s.f*float64(o[0]), points[i][1] + s.f*float64(o[1]), points[i][2] + s.f*float64(o[2])}
		}
	}
	return nil
}

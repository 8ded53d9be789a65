package usd

import (
	"math"
	"reflect"
	"sort"

	"github.com/rgallery/rgallery/usd/pcp"
	"github.com/rgallery/rgallery/usd/sdf"
)

// Attribute is a composed attribute.
type Attribute struct {
	prim     *Prim
	name     string
	fallback *fallbackValue
}

type fallbackValue struct {
	typeName string
	value    any
}

// Name returns the attribute name (with namespaces, e.g. "inputs:color").
// Methods of Attribute are safe on a nil *Attribute (what Prim.Attribute
// returns for a missing attribute): they report no value.
func (a *Attribute) Name() string {
	if a == nil {
		return ""
	}
	return a.name
}

// Prim returns the owning prim.
func (a *Attribute) Prim() *Prim {
	if a == nil {
		return nil
	}
	return a.prim
}

func (a *Attribute) opinions(f func(o opinion) bool) {
	if a != nil {
		a.prim.opinions("."+a.name, f)
	}
}

// TypeName returns the value type name, e.g. "point3f[]".
func (a *Attribute) TypeName() string {
	if a == nil {
		return ""
	}
	// The prim definition's type wins over every authored one
	// (UsdStage::_GetAttrTypeImpl).
	if d, ok := definedProperty(a.prim, a.name); ok && !d.rel && d.typeName != "" {
		return d.typeName
	}
	tn := ""
	a.opinions(func(o opinion) bool {
		if v, ok := o.spec.Get("typeName"); ok {
			if t, ok := v.(Token); ok {
				tn = string(t)
				return false
			}
		}
		return true
	})
	if tn == "" && a.fallback != nil {
		return a.fallback.typeName
	}
	return tn
}

// IsAuthored reports whether any layer has an opinion on the attribute.
func (a *Attribute) IsAuthored() bool {
	found := false
	a.opinions(func(o opinion) bool { found = true; return false })
	return found
}

// Metadata returns the strongest opinion of an attribute metadata field
// (interpolation, elementSize, colorSpace, custom, variability, ...).
func (a *Attribute) Metadata(key string) (any, bool) {
	var val any
	found := false
	a.opinions(func(o opinion) bool {
		if v, ok := o.spec.Get(key); ok {
			val, found = v, true
			return false
		}
		return true
	})
	return val, found
}

// Interpolation returns the interpolation metadata ("constant" if unset).
func (a *Attribute) Interpolation() string {
	if a == nil {
		return "constant"
	}
	if v, ok := a.Metadata("interpolation"); ok {
		switch t := v.(type) {
		case Token:
			return string(t)
		case string:
			return t
		}
	}
	return "constant"
}

// Connections returns the composed connection targets (stage paths).
func (a *Attribute) Connections() []string {
	if a == nil {
		return nil
	}
	return a.prim.composePaths("."+a.name, "connectionPaths")
}

// layerToStage maps a layer time to stage time for an opinion.
func layerToStage(o opinion) sdf.LayerOffset {
	if o.node == nil {
		return sdf.IdentityOffset
	}
	return o.node.Offset.Compose(o.node.LayerStack.Offsets[o.li])
}

// TimeSamples returns the stage times of the samples of the strongest
// opinion that has samples (none if a stronger default or block wins).
// Value clips take part where clips.go places them.
func (a *Attribute) TimeSamples() []TimeCode {
	var out []TimeCode
	if a == nil {
		return nil
	}
	clips := a.newClipCursor()
	fromClips := func(p clipPoint) {
		for _, t := range a.prim.stage.clipSetTimeSamples(p.cs, p.path) {
			out = append(out, TimeCode(t))
		}
	}
	done := false
	a.opinions(func(o opinion) bool {
		if p, ok := clips.before(o); ok {
			fromClips(p)
			done = true
			return false
		}
		if v, ok := o.spec.Get("timeSamples"); ok {
			if ts, ok := v.(*sdf.TimeSamples); ok && len(ts.Times) > 0 {
				if samplesHaveEdits(ts) { // arrayedit.go
					out, done = a.editTimeSamples(), true
					return false
				}
				off := layerToStage(o)
				for _, t := range ts.Times {
					out = append(out, TimeCode(off.Apply(t)))
				}
				done = true
				return false
			}
		}
		if o.spec.Has("default") {
			if v, _ := o.spec.Get("default"); isArrayEdit(v) { // arrayedit.go
				out = a.editTimeSamples()
			}
			done = true
			return false // a stronger default hides weaker samples
		}
		return true
	})
	if p, ok := clips.rest(); ok && !done {
		fromClips(p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// clipCursor walks an attribute's clip points (clips.go) alongside its
// opinions, strongest first.
type clipCursor struct {
	points []clipPoint
	next   int
	nodeAt map[*pcp.Node]int
}

func (a *Attribute) newClipCursor() *clipCursor {
	c := &clipCursor{points: a.clipPoints()}
	if len(c.points) > 0 {
		c.nodeAt = make(map[*pcp.Node]int, len(a.prim.index.Nodes))
		for k, n := range a.prim.index.Nodes {
			c.nodeAt[n] = k
		}
	}
	return c
}

// before returns the first clip point that is stronger than opinion o
// (a clip set comes right after its anchor layer), if any.
func (c *clipCursor) before(o opinion) (clipPoint, bool) {
	if c.next >= len(c.points) || o.node == nil {
		return clipPoint{}, false
	}
	p := c.points[c.next]
	k := c.nodeAt[o.node]
	if p.k < k || p.k == k && p.li < o.li {
		c.next++
		return p, true
	}
	return clipPoint{}, false
}

// rest returns the first clip point not yet passed.
func (c *clipCursor) rest() (clipPoint, bool) {
	if c.next >= len(c.points) {
		return clipPoint{}, false
	}
	c.next++
	return c.points[c.next-1], true
}

// Get resolves the value at time t: the strongest layer with an opinion
// wins; in it, time samples win over the default (unless t is Default).
// Samples are interpolated linearly for floating-point types (held for
// the rest) as OpenUSD does. A blocked value, or no opinion, gives the
// schema fallback if there is one. Asset paths come back resolved. Value
// clips answer where clips.go places them; when they have no value there
// (a block, or no sample and no manifest default) the attribute has none.
func (a *Attribute) Get(t TimeCode) (any, bool) {
	if a == nil {
		return nil, false
	}
	var val any
	found, blocked, decided := false, false, false
	var clips *clipCursor
	if !t.IsDefault() { // clips never give the default value
		clips = a.newClipCursor()
	}
	fromClips := func(p clipPoint) {
		val, found = a.clipSetValue(p.cs, a.prim.index.Nodes[p.k], p.path, float64(t))
		decided = true
	}
	// pending holds a path expression default that refers to the weaker
	// expression (%_): it is composed over the next weaker default
	// (pathexprcompose.go).
	var pending any
	a.opinions(func(o opinion) bool {
		if pending != nil {
			v, ok := o.spec.Get("default")
			if !ok {
				return true
			}
			if _, isBlock := v.(sdf.ValueBlock); isBlock {
				return false
			}
			pending = composePathExprValue(pending, a.toStage(v, o))
			if !pathExprValueIncomplete(pending) {
				val, found, pending = pending, true, nil
				return false
			}
			return true
		}
		if clips != nil {
			if p, ok := clips.before(o); ok {
				fromClips(p)
				return false
			}
		}
		if !t.IsDefault() {
			if v, ok := o.spec.Get("timeSamples"); ok {
				if ts, ok := v.(*sdf.TimeSamples); ok && len(ts.Times) > 0 {
					if samplesHaveEdits(ts) { // arrayedit.go
						val, found = a.resolveEdits(t)
						blocked = !found
						return false
					}
					r, ok := sampleAtStageTime(ts, layerToStage(o), float64(t))
					if !ok {
						// A blocked sample: no value, not the schema
						// fallback (usd-core 26.11: purpose.timeSamples
						// = {1: None} is None at 1).
						blocked, decided = true, true
						return false
					}
					val, found = a.toStage(r, o), true
					return false
				}
			}
			if v, has, ok := a.splineAt(o, t); ok { // spline.go
				val, found, blocked = v, has, !has
				return false
			}
		}
		if v, ok := o.spec.Get("default"); ok {
			switch v.(type) {
			case sdf.ValueBlock:
				blocked = true
				// At the default time the value is the "default" field
				// composed as metadata (UsdStage::_GetValueImpl), which
				// stops at the block: no value, not the schema fallback
				// (usd-core 26.11: Xform "token visibility = None" gives
				// None at Default and "inherited" at time 1).
				decided = t.IsDefault()
				return false
			case sdf.AnimationBlock:
				return true
			}
			if isArrayEdit(v) { // arrayedit.go
				val, found = a.resolveEdits(t)
				blocked = !found
				return false
			}
			val, found = a.toStage(v, o), true
			if pathExprValueIncomplete(val) {
				pending, val, found = val, nil, false
				return true
			}
			return false
		}
		return true
	})
	if pending != nil {
		// No weaker default completes it: %_ stands for the empty
		// expression (usd-core 26.11 gives "/W/N" for "/W/N %_" without
		// a weaker opinion).
		val, found = composePathExprValue(pending, emptyLike(pending)), true
	}
	if clips != nil && !found && !blocked && !decided {
		if p, ok := clips.rest(); ok {
			fromClips(p)
		}
	}
	if found {
		return val, true
	}
	if decided {
		return nil, false
	}
	if a.fallback != nil {
		return a.fallback.value, true
	}
	if fb, ok := schemaFallback(a.prim, a.name); ok {
		return fb.value, true
	}
	return nil, false
}

// toStage turns a value as authored by opinion o into the stage's terms:
// asset paths resolved, timecodes retimed, path expressions mapped.
func (a *Attribute) toStage(v any, o opinion) any {
	v = retime(a.resolveAssets(v, o.layer, o.node), o)
	// Below an instance, the opinion is the prototype source's: its paths
	// go on to the proxy's instance, as targets do (_ProtoToInstancePathMap).
	toRoot := o.mapToRoot
	if len(a.prim.protoMap) > 0 {
		toRoot = func(path string) (string, bool) {
			r, ok := o.mapToRoot(path)
			if ok {
				r = a.prim.mapProtoToInstance(r)
			}
			return r, ok
		}
	}
	switch x := v.(type) {
	case sdf.PathExpression:
		return mapPathExpression(x, o.anchor(), toRoot)
	case []sdf.PathExpression:
		out := make([]sdf.PathExpression, len(x))
		for i, e := range x {
			out[i] = mapPathExpression(e, o.anchor(), toRoot)
		}
		return out
	}
	return v
}

// layerTime maps stage time t to the layer time of samples ts under the
// layer-to-stage offset off. A stage time that is exactly a sample's
// stage time (as TimeSamples reports it) reads that sample itself, not a
// neighbour interpolated at the inverse-mapped time, which rounding can
// put just short of the sample (t*24 for t = 100/24 is 99.99999999999999):
// usd-core 26.11 gives the authored sample there (measured with a layer
// sublayered across timeCodesPerSecond 24 -> 1).
func layerTime(ts *sdf.TimeSamples, off sdf.LayerOffset, t float64) float64 {
	lt := off.Inverse().Apply(t)
	if off.IsIdentity() {
		return lt
	}
	i := sort.SearchFloat64s(ts.Times, lt)
	for j := max(0, i-1); j <= i+1 && j < len(ts.Times); j++ {
		if off.Apply(ts.Times[j]) == t {
			return ts.Times[j]
		}
	}
	return lt
}

// retime maps timecode-valued values (timecode, timecode[]) through the
// layer offsets to stage time, as OpenUSD does for SdfTimeCode values.
func retime(v any, o opinion) any {
	switch t := v.(type) {
	case sdf.TimeCode:
		return sdf.TimeCode(layerToStage(o).Apply(float64(t)))
	case []sdf.TimeCode:
		off := layerToStage(o)
		if off.IsIdentity() {
			return t
		}
		out := make([]sdf.TimeCode, len(t))
		for i, x := range t {
			out[i] = sdf.TimeCode(off.Apply(float64(x)))
		}
		return out
	}
	return v
}

func (a *Attribute) resolveAssets(v any, l *sdf.Layer, n *pcp.Node) any {
	var vars map[string]any
	switch t := v.(type) {
	case AssetPath:
		if pcp.IsExpression(t.Authored) {
			vars = a.prim.stage.exprVars(n)
		}
		return a.prim.stage.resolveAsset(t, l, vars)
	case []AssetPath:
		out := make([]AssetPath, len(t))
		for i, x := range t {
			if vars == nil && pcp.IsExpression(x.Authored) {
				vars = a.prim.stage.exprVars(n)
			}
			out[i] = a.prim.stage.resolveAsset(x, l, vars)
		}
		return out
	}
	return v
}

// sampleAt evaluates samples at time t; false if the sample that holds is
// blocked.
func sampleAt(ts *sdf.TimeSamples, t float64) (any, bool) {
	return sampleAtStageTime(ts, sdf.IdentityOffset, t)
}

// sampleAtStageTime evaluates samples ts, whose layer maps to the stage
// by off, at stage time t, as UsdStage's _GetTimeSampleValue and
// Usd_LinearInterpolator do in usd-core 26.11: the samples that bracket
// t are found at the inverse-mapped layer time (SdfLayerOffset::
// GetInverse, whose rounding can put a sample's own stage time just
// short of it: 14 under offset 11, scale 3 is layer time
// 0.9999999999999996, between the samples at 0 and 1). Held values then
// take the lower sample; linear ones are interpolated with the fraction
// measured between the brackets' stage times (1 there), so a float reads
// the upper sample exactly while a quaternion still goes through GfSlerp
// (which negates the upper sample when the two point apart).
func sampleAtStageTime(ts *sdf.TimeSamples, off sdf.LayerOffset, t float64) (any, bool) {
	lt := t
	if !off.IsIdentity() {
		lt = off.Inverse().Apply(t)
	}
	n := len(ts.Times)
	i := sort.SearchFloat64s(ts.Times, lt) // first index with Times[i] >= lt
	get := func(k int) (any, bool) {
		v, err := ts.Value(k)
		if err != nil {
			return nil, false
		}
		if _, b := v.(sdf.ValueBlock); b {
			return nil, false
		}
		return v, true
	}
	if i < n && ts.Times[i] == lt {
		return get(i)
	}
	if i == 0 {
		return get(0)
	}
	if i == n {
		return get(n - 1)
	}
	lo, okl := get(i - 1)
	if !okl {
		return nil, false
	}
	hi, okh := get(i)
	if !okh {
		return lo, true // held into a block
	}
	var u float64
	if off.IsIdentity() {
		u = (lt - ts.Times[i-1]) / (ts.Times[i] - ts.Times[i-1])
	} else {
		a, b := off.Apply(ts.Times[i-1]), off.Apply(ts.Times[i])
		u = (t - a) / (b - a)
	}
	return lerp(lo, hi, u), true
}

// Linear interpolation as OpenUSD's GfLerp, (1-u)·a + u·b: a float
// scalar is computed in double and rounded once; a component of a float
// vector (GfVec2f/3f/4f) is scaled in float per term (GfVec3f *= double)
// and summed in float, so it rounds three times. The difference is one
// float ulp, enough to show in a composed transform.
func lf32(a, b float32, u float64) float32 { return float32((1-u)*float64(a) + u*float64(b)) }
func lv32(a, b float32, u float64) float32 {
	return float32(float32((1-u)*float64(a)) + float32(u*float64(b)))
}
func lf64(a, b, u float64) float64 { return (1-u)*a + u*b }

func lerpSlice[T any](a, b []T, u float64, f func(x, y T, u float64) T) any {
	if len(a) != len(b) {
		return a
	}
	out := make([]T, len(a))
	for i := range a {
		out[i] = f(a[i], b[i], u)
	}
	return out
}

func lvec3f(x, y Vec3f, u float64) Vec3f {
	return Vec3f{lv32(x[0], y[0], u), lv32(x[1], y[1], u), lv32(x[2], y[2], u)}
}
func lvec3d(x, y Vec3d, u float64) Vec3d {
	return Vec3d{lf64(x[0], y[0], u), lf64(x[1], y[1], u), lf64(x[2], y[2], u)}
}

// lerp interpolates floating-point values; other types are held.
func lerp(a, b any, u float64) any {
	switch x := a.(type) {
	case float32:
		if y, ok := b.(float32); ok {
			return lf32(x, y, u)
		}
	case float64:
		if y, ok := b.(float64); ok {
			return lf64(x, y, u)
		}
	case Half:
		if y, ok := b.(Half); ok {
			return Half(lf32(float32(x), float32(y), u))
		}
	case sdf.TimeCode:
		if y, ok := b.(sdf.TimeCode); ok {
			return sdf.TimeCode(lf64(float64(x), float64(y), u))
		}
	case Vec2f:
		if y, ok := b.(Vec2f); ok {
			return Vec2f{lv32(x[0], y[0], u), lv32(x[1], y[1], u)}
		}
	case Vec3f:
		if y, ok := b.(Vec3f); ok {
			return lvec3f(x, y, u)
		}
	case Vec4f:
		if y, ok := b.(Vec4f); ok {
			return Vec4f{lv32(x[0], y[0], u), lv32(x[1], y[1], u), lv32(x[2], y[2], u), lv32(x[3], y[3], u)}
		}
	case Vec2d:
		if y, ok := b.(Vec2d); ok {
			return Vec2d{lf64(x[0], y[0], u), lf64(x[1], y[1], u)}
		}
	case Vec3d:
		if y, ok := b.(Vec3d); ok {
			return lvec3d(x, y, u)
		}
	case Vec4d:
		if y, ok := b.(Vec4d); ok {
			return Vec4d{lf64(x[0], y[0], u), lf64(x[1], y[1], u), lf64(x[2], y[2], u), lf64(x[3], y[3], u)}
		}
	case Matrix4d:
		if y, ok := b.(Matrix4d); ok {
			var m Matrix4d
			for r := 0; r < 4; r++ {
				for c := 0; c < 4; c++ {
					m[r][c] = lf64(x[r][c], y[r][c], u)
				}
			}
			return m
		}
	case Quatf:
		if y, ok := b.(Quatf); ok {
			return slerpf(x, y, u)
		}
	case Quatd:
		if y, ok := b.(Quatd); ok {
			return slerp(x, y, u)
		}
	case []float32:
		if y, ok := b.([]float32); ok {
			return lerpSlice(x, y, u, lf32)
		}
	case []float64:
		if y, ok := b.([]float64); ok {
			return lerpSlice(x, y, u, lf64)
		}
	case []Vec3f:
		if y, ok := b.([]Vec3f); ok {
			return lerpSlice(x, y, u, lvec3f)
		}
	case []Vec3d:
		if y, ok := b.([]Vec3d); ok {
			return lerpSlice(x, y, u, lvec3d)
		}
	}
	return lerpElements(a, b, u)
}

// lerpElements interpolates the other arrays and vectors of floating-point
// values element by element (texCoord2f[], color4f[], half3, ...), as
// OpenUSD's linear interpolator does for every floating-point type; arrays
// of different lengths and other types hold the earlier value.
func lerpElements(a, b any, u float64) any {
	ra, rb := reflect.ValueOf(a), reflect.ValueOf(b)
	if !ra.IsValid() || !rb.IsValid() || ra.Type() != rb.Type() {
		return a
	}
	if k := ra.Kind(); (k != reflect.Slice && k != reflect.Array) || ra.Len() != rb.Len() {
		return a
	}
	var out reflect.Value
	switch ra.Kind() {
	case reflect.Slice:
		out = reflect.MakeSlice(ra.Type(), ra.Len(), ra.Len())
	case reflect.Array:
		out = reflect.New(ra.Type()).Elem()
	default:
		return a
	}
	for i := 0; i < ra.Len(); i++ {
		e := reflect.ValueOf(lerp(ra.Index(i).Interface(), rb.Index(i).Interface(), u))
		if e.Type() != out.Index(i).Type() {
			return a
		}
		out.Index(i).Set(e)
	}
	return out.Interface()
}

// slerp is GfSlerp (pxr/base/gf/quatd.h): the shorter arc, linear within
// 1e-5 of parallel, and no renormalization of the result (a quaternion
// sample that is not unit length interpolates as OpenUSD does).
func slerp(a, b Quatd, u float64) Quatd {
	dot := a.Real*b.Real + a.Imag[0]*b.Imag[0] + a.Imag[1]*b.Imag[1] + a.Imag[2]*b.Imag[2]
	flip := dot < 0
	if flip {
		dot = -dot
	}
	var s0, s1 float64
	if 1-dot > 0.00001 {
		th := math.Acos(dot)
		st := math.Sin(th)
		s0 = math.Sin((1-u)*th) / st
		s1 = math.Sin(u*th) / st
	} else {
		s0, s1 = 1-u, u
	}
	if flip {
		s1 = -s1
	}
	return Quatd{Real: s0*a.Real + s1*b.Real, Imag: Vec3d{s0*a.Imag[0] + s1*b.Imag[0], s0*a.Imag[1] + s1*b.Imag[1], s0*a.Imag[2] + s1*b.Imag[2]}}
}

// slerpf is GfSlerp on GfQuatf (pxr/base/gf/quat.template.cpp with float
// scalars): the dot product in float, the angle and its sine held in
// float, the scales computed in double and applied in float. This matches
// OpenUSD 26.11 bit for bit on almost every sample checked by
// internal/oracle (TestOracleScene); about one in 3000 generated stages
// still differs by one float ulp (listed in known-mismatches).
func slerpf(a, b Quatf, u float64) Quatf {
	// Explicit conversions round each product, so no platform fuses them.
	m := func(x, y float32) float32 { return float32(x * y) }
	dot := float64(float32(float32(m(a.Imag[0], b.Imag[0])+m(a.Imag[1], b.Imag[1]))+m(a.Imag[2], b.Imag[2])) + m(a.Real, b.Real))
	flip := dot < 0
	if flip {
		dot = -dot
	}
	var s0, s1 float64
	if 1-dot > 0.00001 {
		th := float64(float32(math.Acos(dot)))
		st := float64(float32(math.Sin(th)))
		s0 = math.Sin((1-u)*th) / st
		s1 = math.Sin(u*th) / st
	} else {
		s0, s1 = 1-u, u
	}
	if flip {
		s1 = -s1
	}
	f0, f1 := float32(s0), float32(s1)
	c := func(x, y float32) float32 { return m(x, f0) + m(y, f1) }
	return Quatf{Real: c(a.Real, b.Real), Imag: Vec3f{c(a.Imag[0], b.Imag[0]), c(a.Imag[1], b.Imag[1]), c(a.Imag[2], b.Imag[2])}}
}

// Typed getters. Each reports false when there is no value or it has
// another type.

// Float returns any scalar number as float64.
func (a *Attribute) Float(t TimeCode) (float64, bool) {
	v, ok := a.Get(t)
	if !ok {
		return 0, false
	}
	return toFloat64(v)
}

// Bool returns a bool value (numbers are true when not zero).
func (a *Attribute) Bool(t TimeCode) (bool, bool) {
	v, ok := a.Get(t)
	if !ok {
		return false, false
	}
	if b, ok := v.(bool); ok {
		return b, true
	}
	f, ok := toFloat64(v)
	return f != 0, ok
}

// Token returns a token or string value as a string.
func (a *Attribute) Token(t TimeCode) (string, bool) {
	v, ok := a.Get(t)
	if !ok {
		return "", false
	}
	switch x := v.(type) {
	case Token:
		return string(x), true
	case string:
		return x, true
	}
	return "", false
}

// Asset returns an asset path value.
func (a *Attribute) Asset(t TimeCode) (AssetPath, bool) {
	v, ok := a.Get(t)
	if !ok {
		return AssetPath{}, false
	}
	ap, ok := v.(AssetPath)
	return ap, ok
}

// Vec3f returns any 3-vector (float, double or half) as Vec3f.
func (a *Attribute) Vec3f(t TimeCode) (Vec3f, bool) {
	v, ok := a.Get(t)
	if !ok {
		return Vec3f{}, false
	}
	return toVec3f(v)
}

func toVec3f(v any) (Vec3f, bool) {
	switch x := v.(type) {
	case Vec3f:
		return x, true
	case Vec3d:
		return Vec3f{float32(x[0]), float32(x[1]), float32(x[2])}, true
	case Vec3h:
		return Vec3f{float32(x[0]), float32(x[1]), float32(x[2])}, true
	}
	return Vec3f{}, false
}

// Vec3fArray returns any array of 3-vectors as []Vec3f (no copy for point3f[]).
func (a *Attribute) Vec3fArray(t TimeCode) ([]Vec3f, bool) {
	v, ok := a.Get(t)
	if !ok {
		return nil, false
	}
	switch x := v.(type) {
	case []Vec3f:
		return x, true
	case []Vec3d:
		out := make([]Vec3f, len(x))
		for i, p := range x {
			out[i] = Vec3f{float32(p[0]), float32(p[1]), float32(p[2])}
		}
		return out, true
	case []Vec3h:
		out := make([]Vec3f, len(x))
		for i, p := range x {
			out[i] = Vec3f{float32(p[0]), float32(p[1]), float32(p[2])}
		}
		return out, true
	}
	return nil, false
}

// Vec2fArray returns any array of 2-vectors as []Vec2f.
func (a *Attribute) Vec2fArray(t TimeCode) ([]Vec2f, bool) {
	v, ok := a.Get(t)
	if !ok {
		return nil, false
	}
	switch x := v.(type) {
	case []Vec2f:
		return x, true
	case []Vec2d:
		out := make([]Vec2f, len(x))
		for i, p := range x {
			out[i] = Vec2f{float32(p[0]), float32(p[1])}
		}
		return out, true
	case []Vec2h:
		out := make([]Vec2f, len(x))
		for i, p := range x {
			out[i] = Vec2f{float32(p[0]), float32(p[1])}
		}
		return out, true
	}
	return nil, false
}

// IntArray returns an int[] (or other integer array) as []int32.
func (a *Attribute) IntArray(t TimeCode) ([]int32, bool) {
	v, ok := a.Get(t)
	if !ok {
		return nil, false
	}
	switch x := v.(type) {
	case []int32:
		return x, true
	case []int64:
		out := make([]int32, len(x))
		for i, p := range x {
			out[i] = int32(p)
		}
		return out, true
	case []uint32:
		out := make([]int32, len(x))
		for i, p := range x {
			out[i] = int32(p)
		}
		return out, true
	}
	return nil, false
}

// FloatArray returns a float[], double[] or half[] as []float32.
func (a *Attribute) FloatArray(t TimeCode) ([]float32, bool) {
	v, ok := a.Get(t)
	if !ok {
		return nil, false
	}
	switch x := v.(type) {
	case []float32:
		return x, true
	case []float64:
		out := make([]float32, len(x))
		for i, p := range x {
			out[i] = float32(p)
		}
		return out, true
	case []Half:
		out := make([]float32, len(x))
		for i, p := range x {
			out[i] = float32(p)
		}
		return out, true
	}
	return nil, false
}

// Matrix4d returns a matrix4d value.
func (a *Attribute) Matrix4d(t TimeCode) (Matrix4d, bool) {
	v, ok := a.Get(t)
	if !ok {
		return Matrix4d{}, false
	}
	m, ok := v.(Matrix4d)
	return m, ok
}

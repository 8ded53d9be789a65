package usd

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/rgallery/rgallery/usd/pcp"
	"github.com/rgallery/rgallery/usd/sdf"
)

// Value clips (the "clips" prim metadata), following OpenUSD's
// clipSetDefinition.cpp and clipCache.cpp:
//   - Each clip set names clip layers (assetPaths), the prim inside them
//     (primPath), which clip is active from which stage time (active), and
//     optionally how stage time maps to clip time (times).
//   - A clip set's dictionary is composed across the layers of the layer
//     stack, stronger keys over weaker (VtDictionaryOverRecursive); its
//     anchor (where asset paths resolve) is the strongest layer that
//     authors assetPaths or templateAssetPath.
//   - Template clips (templateAssetPath "dir/name.###.usd" or
//     "name.###.###.usd", templateStartTime, templateEndTime,
//     templateStride, templateActiveOffset) become asset paths, times and
//     active entries as _DeriveClipInfo makes them: one clip per stride
//     step whose file resolves, times (t, t), active (t [+ offset], i),
//     and with an offset an extra times entry before the start and after
//     the end.
//   - Ancestral clips: clip sets authored on an ancestor apply to its
//     descendants, the descendant's path below the ancestor appended to
//     the clip primPath; a prim's own clip sets come first, then its
//     parent's, and so on up (Usd_ClipCache).
// Clip values are weaker than the opinions of the layer stack that
// authors the clips and stronger than weaker nodes.

type clipSet struct {
	name     string
	assets   []string
	primPath string
	active   [][2]float64
	times    [][2]float64
	layer    *sdf.Layer // the layer that authored the asset paths (anchor)
	tmpl     *clipTemplate
}

type clipTemplate struct {
	assetPath          string
	start, end, stride float64
	activeOffset       float64
	hasOffset          bool
}

// clipSets reads the clips that apply to a node's site: its own, then its
// ancestors' (in the node's layer stack).
func clipSets(n *pcp.Node) []clipSet {
	var out []clipSet
	for p := n.Path; p != "" && p != "/"; p = sdf.ParentPath(p) {
		rel := strings.TrimPrefix(n.Path, p)
		for _, cs := range composedClipSets(n.LayerStack.Layers, p) {
			if rel != "" {
				cs.primPath = strings.TrimSuffix(cs.primPath, "/") + rel
			}
			out = append(out, cs)
		}
	}
	return out
}

// composedClipSets composes the clip sets authored at path across layers
// (strongest first), sorted by name.
func composedClipSets(layers []*sdf.Layer, path string) []clipSet {
	sets := map[string]*clipSet{}
	dicts := map[string]map[string]any{}
	for _, l := range layers {
		spec := l.Specs[path]
		if spec == nil {
			continue
		}
		v, ok := spec.Get("clips")
		if !ok {
			continue
		}
		m, _ := v.(map[string]any)
		for name, x := range m {
			d, ok := x.(map[string]any)
			if !ok {
				continue
			}
			if sets[name] == nil {
				sets[name] = &clipSet{name: name}
				dicts[name] = map[string]any{}
			}
			if sets[name].layer == nil {
				if _, ok := d["assetPaths"]; ok {
					sets[name].layer = l
				} else if _, ok := d["templateAssetPath"]; ok {
					sets[name].layer = l
				}
			}
			for k, v := range d {
				if _, ok := dicts[name][k]; !ok {
					dicts[name][k] = v // a stronger layer's key wins
				}
			}
		}
	}
	names := make([]string, 0, len(sets))
	for k := range sets {
		names = append(names, k)
	}
	sort.Strings(names)
	var out []clipSet
	for _, name := range names {
		cs, d := sets[name], dicts[name]
		if cs.layer == nil {
			continue // no anchor: OpenUSD drops the set
		}
		cs.primPath, _ = d["primPath"].(string)
		if a, ok := d["assetPaths"].([]sdf.AssetPath); ok {
			for _, x := range a {
				cs.assets = append(cs.assets, x.Authored)
			}
			cs.active = pairs(d["active"])
			cs.times = pairs(d["times"])
		} else if tp, ok := d["templateAssetPath"].(string); ok {
			t := &clipTemplate{assetPath: tp}
			var ok1, ok2, ok3 bool
			t.start, ok1 = num(d["templateStartTime"])
			t.end, ok2 = num(d["templateEndTime"])
			t.stride, ok3 = num(d["templateStride"])
			t.activeOffset, t.hasOffset = num(d["templateActiveOffset"])
			if !ok1 || !ok2 || !ok3 {
				continue
			}
			cs.tmpl = t
		}
		if cs.primPath == "" || cs.tmpl == nil && (len(cs.assets) == 0 || len(cs.active) == 0) {
			continue
		}
		out = append(out, *cs)
	}
	return out
}

func num(v any) (float64, bool) {
	switch t := v.(type) {
	case float64:
		return t, true
	case float32:
		return float64(t), true
	case int32:
		return float64(t), true
	case int64:
		return float64(t), true
	case sdf.TimeCode:
		return float64(t), true
	}
	return 0, false
}

// expand turns a template clip set into asset paths, times and active
// entries (_DeriveClipInfo); a malformed template gives no clips. Only
// clip files that resolve are taken, so it needs the stage's resolver.
func (s *Stage) expand(cs clipSet) clipSet {
	t := cs.tmpl
	if t == nil {
		return cs
	}
	cs.tmpl = nil
	if t.stride <= 0 || t.hasOffset && math.Abs(t.activeOffset) > t.stride || t.start > t.end {
		return cs
	}
	dir, base := "", t.assetPath
	if i := strings.LastIndexByte(base, '/'); i >= 0 {
		dir, base = base[:i+1], base[i+1:]
	}
	var toks []string
	for _, tok := range strings.Split(base, ".") {
		if tok != "" {
			toks = append(toks, tok)
		}
	}
	intIdx, decIdx, nInt, nDec, groups := -1, -1, 0, 0, 0
	for i, tok := range toks {
		if strings.Trim(tok, "#") == "" {
			if intIdx < 0 {
				intIdx, nInt = i, len(tok)
			} else {
				decIdx, nDec = i, len(tok)
			}
			groups++
		}
	}
	if groups != 1 && groups != 2 || groups == 2 && intIdx != decIdx-1 {
		return cs
	}
	const promotion = 10000
	if t.hasOffset {
		ct := (t.start*promotion - math.Abs(t.activeOffset)*promotion) / promotion
		cs.times = append(cs.times, [2]float64{ct, ct})
	}
	anchor := ""
	if cs.layer != nil {
		anchor = cs.layer.Identifier
	}
	idx := 0
	for p := t.start * promotion; p <= t.end*promotion; p += t.stride * promotion {
		ct := p / promotion
		parts := append([]string(nil), toks...)
		parts[intIdx] = fmt.Sprintf("%0*d", nInt, int(ct))
		if nDec > 0 {
			str := fmt.Sprintf("%.*f", nDec, ct)
			parts[decIdx] = str[strings.IndexByte(str, '.')+1:]
		}
		asset := dir + strings.Join(parts, ".")
		if _, err := s.loader.res.Resolve(asset, anchor); err != nil {
			continue
		}
		cs.assets = append(cs.assets, asset)
		cs.times = append(cs.times, [2]float64{ct, ct})
		at := ct
		if t.hasOffset {
			at = (p + t.activeOffset*promotion) / promotion
		}
		cs.active = append(cs.active, [2]float64{at, float64(idx)})
		idx++
	}
	if t.hasOffset {
		ct := (t.end*promotion + math.Abs(t.activeOffset)*promotion) / promotion
		cs.times = append(cs.times, [2]float64{ct, ct})
	}
	return cs
}

func pairs(v any) [][2]float64 {
	var out [][2]float64
	switch t := v.(type) {
	case []sdf.Vec2d:
		for _, p := range t {
			out = append(out, [2]float64{p[0], p[1]})
		}
	case []sdf.Vec2f:
		for _, p := range t {
			out = append(out, [2]float64{float64(p[0]), float64(p[1])})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// clipValue returns the value of attribute name from the clip set at
// node time t as OpenUSD resolves it: the clip set's time samples (see
// clipSampleTimes) bracket t; each bracketing sample's value comes from
// the clip active at that sample's time, at its mapped clip time; t
// between two samples interpolates them as authored samples interpolate
// (held for types that do not interpolate); before the first and after
// the last sample, that sample's value holds.
func (s *Stage) clipValue(cs clipSet, name string, t float64) (any, bool) {
	cs = s.expand(cs)
	if len(cs.active) == 0 || len(cs.assets) == 0 {
		return nil, false
	}
	times := s.clipSampleTimes(cs, name)
	if len(times) == 0 {
		return nil, false
	}
	i := sort.SearchFloat64s(times, t) // first sample >= t
	switch {
	case i == len(times):
		return s.clipSampleValue(cs, name, times[len(times)-1])
	case times[i] == t || i == 0:
		return s.clipSampleValue(cs, name, times[i])
	}
	lo, ok1 := s.clipSampleValue(cs, name, times[i-1])
	hi, ok2 := s.clipSampleValue(cs, name, times[i])
	if !ok1 || !ok2 {
		return nil, false
	}
	return sampleAt(&sdf.TimeSamples{Times: []float64{times[i-1], times[i]}, Values: []any{lo, hi}}, t)
}

// clipSampleValue is the value of attribute name at node time t in the
// clip active at t (the last whose activation time is at most t; the
// first before any), at t's clip time.
func (s *Stage) clipSampleValue(cs clipSet, name string, t float64) (any, bool) {
	idx := int(cs.active[0][1])
	for _, a := range cs.active {
		if a[0] <= t {
			idx = int(a[1])
		}
	}
	if idx < 0 || idx >= len(cs.assets) {
		return nil, false
	}
	ct := t
	if len(cs.times) > 0 {
		ct = mapClipTime(cs.times, t)
	}
	l, err := s.loader.Load(cs.assets[idx], cs.layer)
	if err != nil {
		return nil, false // reported by DepReport as a missing asset
	}
	spec := l.Specs[strings.TrimSuffix(cs.primPath, "/")+"."+name]
	if spec == nil {
		return nil, false
	}
	if v, ok := spec.Get("timeSamples"); ok {
		if ts, ok := v.(*sdf.TimeSamples); ok && len(ts.Times) > 0 {
			return sampleAt(ts, ct)
		}
	}
	return nil, false
}

// mapClipTime maps stage time to clip time through the times mapping as
// Usd_Clip::_TranslateTimeToInternal does: the bracketing segment (the
// first or last segment outside the mapping, extrapolating its slope), a
// jump discontinuity (two entries at one stage time) taking the left
// side's clip time, and the exact mapped time at an entry.
func mapClipTime(times [][2]float64, t float64) float64 {
	n := len(times)
	if n == 1 {
		return times[0][1] + (t - times[0][0])
	}
	var i2 int
	switch {
	case t <= times[0][0]:
		i2 = 1
	case t >= times[n-1][0]:
		i2 = n - 1
	default:
		i2 = sort.Search(n, func(i int) bool { return times[i][0] >= t })
	}
	m1, m2 := times[i2-1], times[i2]
	if i2+1 < n && times[i2+1][0] == m2[0] { // jump discontinuity
		m2 = [2]float64{times[i2+1][0], m2[1]}
	}
	switch {
	case m1[0] == m2[0], t == m1[0]:
		return m1[1]
	case t == m2[0]:
		return m2[1]
	}
	return (m2[1]-m1[1])/(m2[0]-m1[0])*(t-m1[0]) + m1[1]
}

// clipToStage maps a clip time inside the segment m1..m2 back to stage
// time (_TranslateTimeToExternalHelper).
func clipToStage(ct float64, m1, m2 [2]float64) float64 {
	switch {
	case m1[1] == m2[1], ct == m1[1]:
		return m1[0]
	case ct == m2[1]:
		return m2[0]
	}
	return (m2[0]-m1[0])/(m2[1]-m1[1])*(ct-m1[1]) + m1[0]
}

// clipSampleTimes lists, in node time, the time samples that a clip set
// gives attribute name, as Usd_ClipSet lists them: each clip's samples
// inside its active interval (the first clip from -inf, the last to +inf),
// mapped to stage time through each segment of the times mapping, plus the
// stage times of the mapping's own entries. None when no clip has samples
// for the attribute.
func (s *Stage) clipSampleTimes(cs clipSet, name string) []float64 {
	cs = s.expand(cs)
	if len(cs.active) == 0 || len(cs.assets) == 0 {
		return nil
	}
	seen := map[float64]bool{}
	var out []float64
	found := false
	for i, act := range cs.active {
		idx := int(act[1])
		if idx < 0 || idx >= len(cs.assets) {
			continue
		}
		start, end := math.Inf(-1), math.Inf(1)
		if i > 0 {
			start = act[0]
		}
		if i+1 < len(cs.active) {
			end = cs.active[i+1][0]
		}
		add := func(t float64) {
			if t >= start && t < end && !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
		l, err := s.loader.Load(cs.assets[idx], cs.layer)
		if err != nil {
			continue
		}
		spec := l.Specs[strings.TrimSuffix(cs.primPath, "/")+"."+name]
		if spec == nil {
			continue
		}
		v, _ := spec.Get("timeSamples")
		ts, _ := v.(*sdf.TimeSamples)
		if ts == nil || len(ts.Times) == 0 {
			continue
		}
		found = true
		if len(cs.times) == 0 {
			for _, t := range ts.Times {
				add(t)
			}
			continue
		}
		for j := 1; j < len(cs.times); j++ {
			a, b := cs.times[j-1], cs.times[j]
			lo, hi := math.Min(a[1], b[1]), math.Max(a[1], b[1])
			if a[1] == b[1] {
				continue
			}
			for _, ct := range ts.Times {
				if ct >= lo && ct <= hi {
					add(clipToStage(ct, a, b))
				}
			}
		}
		for _, m := range cs.times {
			add(m[0])
		}
	}
	if !found {
		return nil
	}
	// Each clip's activation time is a sample too (Usd_ClipSet lists
	// clip boundaries).
	for _, act := range cs.active {
		if !seen[act[0]] {
			seen[act[0]] = true
			out = append(out, act[0])
		}
	}
	if !found {
		return nil
	}
	sort.Float64s(out)
	return out
}

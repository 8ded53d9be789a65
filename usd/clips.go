package usd

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/rgallery/rgallery/usd/pcp"
	"github.com/rgallery/rgallery/usd/sdf"
)

// Value clips (the "clips" and "clipSets" prim metadata), ported from
// OpenUSD's clipSetDefinition.cpp, clipSet.cpp, clip.cpp, clipCache.cpp
// and the clip branches of stage.cpp's value resolution:
//
//   - Definitions (Usd_ComputeClipSetDefinitionsForPrimIndex): in each node
//     of a prim's index, the clip sets of the "clips" dictionaries are
//     composed from the weakest layer to the strongest, a stronger layer's
//     keys over a weaker's (VtDictionaryOverRecursive); the "active" and
//     "times" arrays of each layer are first mapped to stage time by that
//     layer's offset to the root (_ApplyLayerOffsetToClipInfo: the node's
//     map-to-root offset after the layer's own). A set is anchored at the
//     strongest layer that authors assetPaths or templateAssetPath. The
//     sets named in a layer's "clips" count as added to the "clipSets"
//     string list op (sorted by name), and each layer's authored clipSets
//     list op is applied after them; sets the list op removes are dropped,
//     the rest are ordered as it lists them (_ResolveClipSetsInNode). Across
//     nodes, a stronger node's keys win and the strongest node with an
//     anchor anchors the set; sets without an anchor are dropped.
//   - Template clips (_DeriveClipInfo): templateAssetPath "dir/name.###.usd"
//     or "name.###.###.usd", templateStartTime, templateEndTime,
//     templateStride, templateActiveOffset become asset paths (only clip
//     files that resolve), times (t, t) and active (t [+ offset], i), with
//     an extra times entry before the start and after the end when an
//     offset is given; the anchor layer's offset applies afterwards.
//   - A clip set (Usd_ClipSet::New) needs assetPaths, primPath and active;
//     _ValidateClipFields refuses an empty asset path, a primPath that is
//     not an absolute prim path, an active index out of range, two clips
//     active at one time, and three times entries at one stage time. Each
//     clip is active from its activation time to the next one's (the first
//     from -inf, the last to +inf). Two times entries at one stage time are
//     a jump discontinuity: the left one is moved to t - SafeStep. Without
//     times, clip time is stage time through the anchor layer's offset
//     (usd-core 26.11: clips authored in a sublayer with offset 10 give
//     their sample at clip time 0 at stage time 10).
//   - The manifest (clipManifestAssetPath, else generated from the clips:
//     every varying attribute with time samples) decides which attributes
//     the clips give values to (_ClipsContainValueForAttribute). Such an
//     attribute's time samples are those of its clips, mapped through the
//     times segments, plus each times entry and each clip's start; with no
//     sample at all, the first clip's start. A value comes from the clip
//     active at the bracketing sample's time, interpolated between the two
//     brackets as authored samples are; a clip without samples for the
//     attribute gives the manifest's default, else no value (not a weaker
//     opinion). interpolateMissingClipValues skips clips without samples.
//     Timecode values are shifted by stage time minus clip time.
//   - Strength (_GetResolvedValueAtTimeWithClipsImpl): a clip set is
//     consulted in the node whose layer stack is the anchor's and whose
//     path is at or below the anchor's prim path, right after the anchor
//     layer: weaker than that layer and every stronger one, stronger than
//     the weaker layers of the stack and weaker nodes. Clip sets of the
//     prim's nearest ancestor with clips apply to it too (Usd_ClipCache),
//     the prim's path below the anchor appended to the clip primPath.
//     Clips never give the default (non-time) value.

// safeStep is UsdTimeCode::SafeStep(): how far the left side of a jump
// discontinuity is moved (1e6 · ε · 10 · 2).
const safeStep = 1e6 * 2.220446049250313e-16 * 10 * 2

type timeMapping struct {
	ext, in float64 // stage (external) time, clip (internal) time
	jump    bool    // the left side of a jump discontinuity
}

type valueClip struct {
	asset         string
	authoredStart float64
	start, end    float64 // active in [start, end)
	layer         *sdf.Layer
	loaded        bool
}

// clipSet is a composed, validated clip set (Usd_ClipSet).
type clipSet struct {
	name          string
	ls            *pcp.LayerStack // the anchor: where the set applies
	sourcePath    string
	sourceLayer   *sdf.Layer
	primPath      string // the prim in the clip layers
	clips         []*valueClip
	times         []timeMapping   // with a sentinel at each end; nil: noTimes
	noTimes       sdf.LayerOffset // stage time of a clip time when times is absent
	manifest      *sdf.Layer      // an authored manifest, or nil
	generated     map[string]bool
	interpMissing bool
}

// clipDef is a clip set as composed across a prim index
// (Usd_ClipSetDefinition before validation).
type clipDef struct {
	name      string
	ls        *pcp.LayerStack
	path      string
	layerIdx  int
	order     int
	offset    sdf.LayerOffset
	info      map[string]any
	nodeOrder int
}

// clipOffset is the layer offset to the root of layer li of node n
// (_GetLayerOffsetToRoot).
func clipOffset(n *pcp.Node, li int) sdf.LayerOffset {
	return n.Offset.Compose(n.LayerStack.Offsets[li])
}

func offsetPairs(v any, off sdf.LayerOffset) any {
	ps, ok := v.([]sdf.Vec2d)
	if !ok || off.IsIdentity() {
		return v
	}
	out := make([]sdf.Vec2d, len(ps))
	for i, p := range ps {
		out[i] = sdf.Vec2d{off.Apply(p[0]), p[1]}
	}
	return out
}

// overDict puts the keys of weak under strong (VtDictionaryOverRecursive
// with strong as the target): strong's keys win, dictionaries merge.
func overDict(strong, weak map[string]any) map[string]any {
	out := make(map[string]any, len(strong)+len(weak))
	for k, v := range weak {
		out[k] = v
	}
	for k, v := range strong {
		if sd, ok := v.(map[string]any); ok {
			if wd, ok := out[k].(map[string]any); ok {
				out[k] = overDict(sd, wd)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// nodeClipDefs is _ResolveClipSetsInNode.
func nodeClipDefs(n *pcp.Node) map[string]*clipDef {
	layers := n.LayerStack.Layers
	weakest := -1
	for i := len(layers) - 1; i >= 0; i-- {
		if s := layers[i].Specs[n.Path]; s != nil && s.Has("clips") {
			weakest = i
			break
		}
	}
	if weakest < 0 {
		return nil
	}
	defs := map[string]*clipDef{}
	var added []string
	for i := weakest; i >= 0; i-- {
		spec := layers[i].Specs[n.Path]
		if spec == nil {
			continue
		}
		if v, ok := spec.Get("clips"); ok {
			m, _ := v.(map[string]any)
			var inLayer []string
			for name, x := range m {
				d, ok := x.(map[string]any)
				if name == "" || !ok {
					continue
				}
				def := defs[name]
				if def == nil {
					def = &clipDef{name: name, info: map[string]any{}}
					defs[name] = def
				}
				_, hasAssets := d["assetPaths"].([]sdf.AssetPath)
				_, hasTmpl := d["templateAssetPath"].(string)
				if hasAssets || hasTmpl {
					def.ls, def.path, def.layerIdx, def.offset = n.LayerStack, n.Path, i, clipOffset(n, i)
				}
				layerInfo := make(map[string]any, len(d))
				for k, v := range d {
					if k == "active" || k == "times" {
						v = offsetPairs(v, clipOffset(n, i))
					}
					layerInfo[k] = v
				}
				def.info = overDict(layerInfo, def.info)
				inLayer = append(inLayer, name)
			}
			sort.Strings(inLayer)
			added = sdf.StringListOp{Added: inLayer}.Apply(added, func(s string) string { return s })
		}
		if v, ok := spec.Get("clipSets"); ok {
			if lo, ok := v.(sdf.StringListOp); ok {
				added = lo.Apply(added, func(s string) string { return s })
			}
		}
	}
	for name, def := range defs {
		i := indexOf(added, name)
		if i < 0 {
			delete(defs, name)
			continue
		}
		def.order = i
	}
	return defs
}

func indexOf(xs []string, s string) int {
	for i, x := range xs {
		if x == s {
			return i
		}
	}
	return -1
}

// primClipDefs is Usd_ComputeClipSetDefinitionsForPrimIndex: the clip
// sets of a prim index, in the order value resolution tries them.
func primClipDefs(idx *pcp.PrimIndex) []*clipDef {
	composed := map[string]*clipDef{}
	for k, n := range idx.Nodes {
		if !n.Contributes() {
			continue
		}
		for name, nd := range nodeClipDefs(n) {
			c := composed[name]
			if c == nil {
				c = &clipDef{name: name, info: map[string]any{}}
				composed[name] = c
			}
			if c.ls == nil && nd.ls != nil {
				c.ls, c.path, c.layerIdx, c.offset, c.order, c.nodeOrder = nd.ls, nd.path, nd.layerIdx, nd.offset, nd.order, k
			}
			c.info = overDict(c.info, nd.info)
		}
	}
	var out []*clipDef
	for _, c := range composed {
		if c.ls != nil {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.nodeOrder != b.nodeOrder {
			return a.nodeOrder < b.nodeOrder
		}
		if a.path != b.path {
			return a.path < b.path
		}
		if a.order != b.order {
			return a.order < b.order
		}
		return a.name < b.name
	})
	return out
}

// clipSets returns the clip sets that apply to the prim: its own, then
// those of its nearest ancestor that has any (Usd_ClipCache).
func (p *Prim) clipSets() []*clipSet {
	if p == nil {
		return nil
	}
	p.clipsOnce.Do(func() {
		var own []*clipSet
		if p.index != nil {
			for _, def := range primClipDefs(p.index) {
				if cs := p.stage.newClipSet(def); cs != nil {
					own = append(own, cs)
				}
			}
		}
		p.clips = append(own, p.parent.clipSets()...)
	})
	return p.clips
}

// newClipSet validates a definition and builds its clips
// (Usd_ClipSet::New, _ValidateClipFields); nil when it gives no clips.
func (s *Stage) newClipSet(def *clipDef) *clipSet {
	info := def.info
	primPath, _ := info["primPath"].(string)
	var assets []string
	var active, times []sdf.Vec2d
	if a, ok := info["assetPaths"].([]sdf.AssetPath); ok {
		for _, x := range a {
			assets = append(assets, x.Authored)
		}
		var ok bool
		if active, ok = info["active"].([]sdf.Vec2d); !ok {
			return nil
		}
		times, _ = info["times"].([]sdf.Vec2d)
	} else if tp, ok := info["templateAssetPath"].(string); ok {
		var ok bool
		assets, times, active, ok = s.deriveTemplateClips(def, tp)
		if !ok {
			return nil
		}
	} else {
		return nil
	}
	if primPath == "" || !strings.HasPrefix(primPath, "/") || strings.ContainsAny(primPath, ".{[") {
		return nil
	}
	for _, a := range assets {
		if a == "" {
			return nil
		}
	}
	seen := map[float64]bool{}
	for _, a := range active {
		if a[1] < 0 || a[1] >= float64(len(assets)) || seen[a[0]] {
			return nil
		}
		seen[a[0]] = true
	}
	count := map[float64]int{}
	for _, t := range times {
		if count[t[0]]++; count[t[0]] > 2 {
			return nil
		}
	}
	cs := &clipSet{name: def.name, ls: def.ls, sourcePath: def.path,
		sourceLayer: def.ls.Layers[def.layerIdx], primPath: primPath, noTimes: def.offset}
	if b, ok := info["interpolateMissingClipValues"].(bool); ok {
		cs.interpMissing = b
	}
	sorted := append([]sdf.Vec2d(nil), active...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i][0] < sorted[j][0] })
	for i, a := range sorted {
		c := &valueClip{asset: assets[int(a[1])], authoredStart: a[0], start: a[0], end: math.Inf(1)}
		if i == 0 {
			c.start = math.Inf(-1)
		}
		if i+1 < len(sorted) {
			c.end = sorted[i+1][0]
		}
		cs.clips = append(cs.clips, c)
	}
	if len(cs.clips) == 0 {
		return nil
	}
	if len(times) > 0 {
		tm := make([]timeMapping, len(times))
		for i, t := range times {
			tm[i] = timeMapping{ext: t[0], in: t[1]}
		}
		sort.SliceStable(tm, func(i, j int) bool { return tm[i].ext < tm[j].ext })
		for i := 0; i+1 < len(tm); i++ {
			if tm[i].ext == tm[i+1].ext {
				tm[i].ext -= safeStep
				tm[i].jump = true
			}
		}
		cs.times = append(append([]timeMapping{tm[0]}, tm...), tm[len(tm)-1])
	}
	if m, ok := info["manifestAssetPath"].(sdf.AssetPath); ok && m.Authored != "" {
		l, err := s.loader.Load(m.Authored, cs.sourceLayer)
		if err != nil {
			l = sdf.NewLayer("clip-manifest-not-found") // like Usd_Clip's dummy layer: no attribute
		}
		cs.manifest = l
	} else {
		cs.generated = map[string]bool{}
		for _, c := range cs.clips {
			l := s.clipLayer(cs, c)
			if l == nil {
				continue
			}
			for path, spec := range l.Specs {
				if !strings.HasPrefix(path, cs.primPath) || !isAttrSpecPath(path, cs.primPath) {
					continue
				}
				if spec.Has("typeName") && !isUniform(spec) && sampleCount(spec) > 0 {
					cs.generated[path] = true
				}
			}
		}
	}
	return cs
}

// isAttrSpecPath reports whether path is a property path at or below
// prim path root.
func isAttrSpecPath(path, root string) bool {
	rest := path[len(root):]
	if rest == "" || rest[0] != '.' && rest[0] != '/' {
		return false
	}
	return strings.Contains(sdf.StripVariants(path), ".") && !strings.Contains(path, "[")
}

func isUniform(spec *sdf.Spec) bool {
	v, _ := spec.Get("variability")
	return v == sdf.VariabilityUniform
}

func sampleCount(spec *sdf.Spec) int {
	v, _ := spec.Get("timeSamples")
	if ts, ok := v.(*sdf.TimeSamples); ok {
		return len(ts.Times)
	}
	return 0
}

// deriveTemplateClips is _DeriveClipInfo, with the anchor layer's offset
// applied to times and active afterwards.
func (s *Stage) deriveTemplateClips(def *clipDef, tp string) (assets []string, times, active []sdf.Vec2d, ok bool) {
	start, ok1 := def.info["templateStartTime"].(float64)
	end, ok2 := def.info["templateEndTime"].(float64)
	stride, ok3 := def.info["templateStride"].(float64)
	if !ok1 || !ok2 || !ok3 {
		return nil, nil, nil, false
	}
	offset, hasOffset := def.info["templateActiveOffset"].(float64)
	if stride <= 0 || hasOffset && math.Abs(offset) > stride || start > end {
		return nil, nil, nil, false
	}
	// SdfLayer::SplitIdentifier: file format arguments after
	// ":SDF_FORMAT_ARGS:" are not part of the template. The USD formats
	// take no arguments, so the clips are opened without them.
	tp, _, _ = strings.Cut(tp, ":SDF_FORMAT_ARGS:")
	dir, base := "", tp
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
		return nil, nil, nil, false
	}
	const promotion = 10000
	if hasOffset {
		ct := (start*promotion - math.Abs(offset)*promotion) / promotion
		times = append(times, sdf.Vec2d{ct, ct})
	}
	layer := def.ls.Layers[def.layerIdx]
	idx := 0
	for p := start * promotion; p <= end*promotion; p += stride * promotion {
		ct := p / promotion
		parts := append([]string(nil), toks...)
		parts[intIdx] = fmt.Sprintf("%0*d", nInt, int(ct))
		if nDec > 0 {
			str := fmt.Sprintf("%.*f", nDec, ct)
			parts[decIdx] = str[strings.IndexByte(str, '.')+1:]
		}
		asset := dir + strings.Join(parts, ".")
		if _, err := s.loader.res.Resolve(asset, layer.Identifier); err != nil {
			continue
		}
		assets = append(assets, asset)
		times = append(times, sdf.Vec2d{ct, ct})
		at := ct
		if hasOffset {
			at = (p + offset*promotion) / promotion
		}
		active = append(active, sdf.Vec2d{at, float64(idx)})
		idx++
	}
	if hasOffset {
		ct := (end*promotion + math.Abs(offset)*promotion) / promotion
		times = append(times, sdf.Vec2d{ct, ct})
	}
	for i := range times {
		times[i][0] = def.offset.Apply(times[i][0])
	}
	for i := range active {
		active[i][0] = def.offset.Apply(active[i][0])
	}
	return assets, times, active, true
}

// clipLayer opens a clip's layer once; nil when it cannot be opened (a
// missing clip is reported by DepReport as a missing asset).
func (s *Stage) clipLayer(cs *clipSet, c *valueClip) *sdf.Layer {
	s.loader.mu.Lock()
	loaded, l := c.loaded, c.layer
	s.loader.mu.Unlock()
	if loaded {
		return l
	}
	l, err := s.loader.Load(c.asset, cs.sourceLayer)
	if err != nil {
		l = nil
	}
	s.loader.mu.Lock()
	c.layer, c.loaded = l, true
	s.loader.mu.Unlock()
	return l
}

// appliesTo reports whether the set applies at node n
// (_ClipsApplyToNode).
func (cs *clipSet) appliesTo(n *pcp.Node) bool {
	return n.LayerStack == cs.ls && sdf.HasPrefix(n.Path, cs.sourcePath)
}

// clipPath maps a path at the anchor's site into the clips' namespace
// (Usd_Clip::_TranslatePathToClip).
func (cs *clipSet) clipPath(path string) string {
	return cs.primPath + strings.TrimPrefix(path, cs.sourcePath)
}

// hasAttr is _ClipsContainValueForAttribute: the manifest declares the
// attribute varying. path is the attribute's path at the node's site.
func (cs *clipSet) hasAttr(path string) bool {
	cp := cs.clipPath(path)
	if cs.manifest == nil {
		return cs.generated[cp]
	}
	spec := cs.manifest.Specs[cp]
	return spec != nil && spec.Has("typeName") && !isUniform(spec)
}

// manifestDefault is Usd_HasDefault on the manifest: found, blocked, or
// none.
func (cs *clipSet) manifestDefault(path string) (v any, found, blocked bool) {
	if cs.manifest == nil {
		return nil, false, false
	}
	spec := cs.manifest.Specs[cs.clipPath(path)]
	if spec == nil {
		return nil, false, false
	}
	d, ok := spec.Get("default")
	if !ok {
		return nil, false, false
	}
	if _, b := d.(sdf.ValueBlock); b {
		return nil, false, true
	}
	return d, true, false
}

// manifestBlocked reports whether the manifest has a block sample for the
// attribute at time t (Usd_Clip::IsBlocked on the manifest clip, which
// has no time mapping).
func (cs *clipSet) manifestBlocked(path string, t float64) bool {
	if cs.manifest == nil {
		return false
	}
	spec := cs.manifest.Specs[cs.clipPath(path)]
	if spec == nil {
		return false
	}
	v, _ := spec.Get("timeSamples")
	ts, _ := v.(*sdf.TimeSamples)
	if ts == nil {
		return false
	}
	i := sort.SearchFloat64s(ts.Times, t)
	if i < len(ts.Times) && ts.Times[i] == t {
		x, err := ts.Value(i)
		_, b := x.(sdf.ValueBlock)
		return err == nil && b
	}
	return false
}

// samples returns the clip layer's samples of the attribute (nil: none).
func (s *Stage) clipSamples(cs *clipSet, c *valueClip, path string) *sdf.TimeSamples {
	l := s.clipLayer(cs, c)
	if l == nil {
		return nil
	}
	spec := l.Specs[cs.clipPath(path)]
	if spec == nil {
		return nil
	}
	v, _ := spec.Get("timeSamples")
	if ts, ok := v.(*sdf.TimeSamples); ok && len(ts.Times) > 0 {
		return ts
	}
	return nil
}

// contributes is _ClipContributesValue.
func (s *Stage) contributes(cs *clipSet, c *valueClip, path string) bool {
	if !cs.interpMissing {
		return true
	}
	if !cs.manifestBlocked(path, c.authoredStart) && s.clipSamples(cs, c, path) != nil {
		return true
	}
	_, found, blocked := cs.manifestDefault(path)
	return found || blocked
}

// activeClip is _FindClipIndexForTime.
func (cs *clipSet) activeClip(t float64) int {
	i := sort.Search(len(cs.clips), func(i int) bool { return t < cs.clips[i].start })
	return max(0, i-1)
}

// segment is _GetBracketingTimeSegment over the mappings with sentinels.
func (cs *clipSet) segment(t float64) (int, int) {
	tm := cs.times
	switch {
	case t <= tm[0].ext:
		return 0, 1
	case t >= tm[len(tm)-1].ext:
		return len(tm) - 2, len(tm) - 1
	}
	i := sort.Search(len(tm), func(i int) bool { return tm[i].ext >= t })
	return i - 1, i
}

func toInternal(t float64, m1, m2 timeMapping) float64 {
	switch {
	case m1.ext == m2.ext, t == m1.ext:
		return m1.in
	case t == m2.ext:
		return m2.in
	}
	return (m2.in-m1.in)/(m2.ext-m1.ext)*(t-m1.ext) + m1.in
}

func toExternal(ct float64, m1, m2 timeMapping) float64 {
	switch {
	case m1.in == m2.in, ct == m1.in:
		return m1.ext
	case ct == m2.in:
		return m2.ext
	}
	return (m2.ext-m1.ext)/(m2.in-m1.in)*(ct-m1.in) + m1.ext
}

// internalTime is Usd_Clip::_TranslateTimeToInternal.
func (cs *clipSet) internalTime(t float64) float64 {
	if cs.times == nil {
		return cs.noTimes.Inverse().Apply(t)
	}
	i1, i2 := cs.segment(t)
	m1, m2 := cs.times[i1], cs.times[i2]
	if m2.jump {
		m2 = timeMapping{ext: cs.times[i2+1].ext, in: m2.in}
	}
	return toInternal(t, m1, m2)
}

// externalTime is Usd_Clip::_TranslateTimeToExternal over segment i1, i2.
func (cs *clipSet) externalTime(ct float64, i1, i2 int) float64 {
	m1, m2 := cs.times[i1], cs.times[i2]
	if m2.jump {
		m2 = timeMapping{ext: cs.times[i2+1].ext, in: m2.in}
	}
	return toExternal(ct, m1, m2)
}

// clipTimeSamples is Usd_Clip::ListTimeSamplesForPath.
func (s *Stage) clipTimeSamples(cs *clipSet, c *valueClip, path string, into map[float64]bool) {
	in := func(t float64) bool { return t >= c.start && t < c.end }
	if ts := s.clipSamples(cs, c, path); ts != nil {
		if cs.times == nil {
			for _, t := range ts.Times {
				if e := cs.noTimes.Apply(t); in(e) {
					into[e] = true
				}
			}
		} else {
			for _, t := range ts.Times {
				for i := 0; i+1 < len(cs.times); i++ {
					m1, m2 := cs.times[i], cs.times[i+1]
					// The segment's stage interval must meet [start, end).
					if m2.ext < c.start || m1.ext >= c.end || m1.jump {
						continue
					}
					if math.Min(m1.in, m2.in) <= t && t <= math.Max(m1.in, m2.in) {
						if m1.in == m2.in {
							if in(m1.ext) {
								into[m1.ext] = true
							}
							if in(m2.ext) {
								into[m2.ext] = true
							}
						} else if e := cs.externalTime(t, i, i+1); in(e) {
							into[e] = true
						}
					}
				}
			}
		}
	}
	for _, m := range cs.times {
		if in(m.ext) {
			into[m.ext] = true
		}
	}
	into[c.authoredStart] = true
}

// timeSamples is Usd_ClipSet::ListTimeSamplesForPath, in stage time.
func (s *Stage) clipSetTimeSamples(cs *clipSet, path string) []float64 {
	set := map[float64]bool{}
	for _, c := range cs.clips {
		if s.contributes(cs, c, path) {
			s.clipTimeSamples(cs, c, path, set)
		}
	}
	if len(set) == 0 {
		set[cs.clips[0].authoredStart] = true
	}
	out := make([]float64, 0, len(set))
	for t := range set {
		out = append(out, t)
	}
	sort.Float64s(out)
	return out
}

// bracketSorted is _GetBracketingTimeSamples over sorted times.
func bracketSorted(ts []float64, t float64) (float64, float64, bool) {
	n := len(ts)
	switch {
	case n == 0:
		return 0, 0, false
	case t <= ts[0]:
		return ts[0], ts[0], true
	case t >= ts[n-1]:
		return ts[n-1], ts[n-1], true
	}
	i := sort.SearchFloat64s(ts, t)
	if ts[i] == t {
		return t, t, true
	}
	return ts[i-1], ts[i], true
}

// clipLayerBracket is _GetBracketingTimeSamplesForPathFromClipLayer.
func (s *Stage) clipLayerBracket(cs *clipSet, c *valueClip, path string, t float64) (float64, float64, bool) {
	ts := s.clipSamples(cs, c, path)
	if ts == nil {
		return 0, 0, false
	}
	lo, hi, _ := bracketSorted(ts.Times, cs.internalTime(t))
	if cs.times == nil {
		return cs.noTimes.Apply(lo), cs.noTimes.Apply(hi), true
	}
	m1, m2 := cs.segment(t)
	var tl, tu float64
	var okl, oku bool
	try := func(i1, i2 int, lower bool) bool {
		a, b := cs.times[i1], cs.times[i2]
		if a.jump {
			return false
		}
		ct := hi
		if lower {
			ct = lo
		}
		if math.Min(a.in, b.in) <= ct && ct <= math.Max(a.in, b.in) {
			var e float64
			if a.in != b.in {
				e = cs.externalTime(ct, i1, i2)
			} else {
				same := lo == hi
				switch {
				case same && t == a.ext:
					e = a.ext
				case same && t == b.ext:
					e = b.ext
				case lower:
					e = a.ext
				default:
					e = b.ext
				}
			}
			if lower {
				tl, okl = e, true
			} else {
				tu, oku = e, true
			}
			return true
		}
		return false
	}
	for i1, i2 := m1, m2; i1 >= 0; i1, i2 = i1-1, i2-1 {
		if try(i1, i2, true) {
			break
		}
	}
	for i1, i2 := m1, m2; i2 < len(cs.times); i1, i2 = i1+1, i2+1 {
		if try(i1, i2, false) {
			break
		}
	}
	switch {
	case okl && !oku:
		tu, oku = tl, true
	case !okl && oku:
		tl, okl = tu, true
	case !okl && !oku:
		first, last := cs.times[0], cs.times[len(cs.times)-1]
		if lo < first.in {
			tl, okl = first.ext, true
		} else if lo > last.in {
			tl, okl = last.ext, true
		}
		if hi < first.in {
			tu, oku = first.ext, true
		} else if hi > last.in {
			tu, oku = last.ext, true
		}
	}
	return tl, tu, true
}

// clipBracket is Usd_Clip::GetBracketingTimeSamplesForPath.
func (s *Stage) clipBracket(cs *clipSet, c *valueClip, path string, t float64) (float64, float64, bool) {
	var cand []float64
	if lo, hi, ok := s.clipLayerBracket(cs, c, path, t); ok {
		cand = append(cand, lo, hi)
	}
	if cs.times != nil {
		ext := make([]float64, len(cs.times))
		for i, m := range cs.times {
			ext[i] = m.ext
		}
		if lo, hi, ok := bracketSorted(ext, t); ok {
			cand = append(cand, lo, hi)
		}
	}
	cand = append(cand, c.authoredStart)
	kept := cand[:0]
	for _, x := range cand {
		if x >= c.start && x < c.end {
			kept = append(kept, x)
		}
	}
	if len(kept) == 0 {
		return 0, 0, false
	}
	sort.Float64s(kept)
	uniq := kept[:1]
	for _, x := range kept[1:] {
		if x != uniq[len(uniq)-1] {
			uniq = append(uniq, x)
		}
	}
	return bracketSorted(uniq, t)
}

// clipSetBracket is Usd_ClipSet::GetBracketingTimeSamplesForPath.
func (s *Stage) clipSetBracket(cs *clipSet, path string, t float64) (float64, float64) {
	k := cs.activeClip(t)
	var lo, hi float64
	foundLo, foundHi := false, false
	if c := cs.clips[k]; s.contributes(cs, c, path) {
		if l, u, ok := s.clipBracket(cs, c, path, t); ok {
			lo, hi, foundLo = l, u, true
			foundHi = !(lo == hi && t > hi)
		}
	}
	for i := k - 1; !foundLo && i >= 0; i-- {
		if c := cs.clips[i]; s.contributes(cs, c, path) {
			if _, u, ok := s.clipBracket(cs, c, path, t); ok {
				lo, foundLo = u, true
			}
		}
	}
	for i := k + 1; !foundHi && i < len(cs.clips); i++ {
		if c := cs.clips[i]; s.contributes(cs, c, path) {
			hi, foundHi = c.start, true
		}
	}
	switch {
	case foundLo && !foundHi:
		hi = lo
	case !foundLo && foundHi:
		lo = hi
	case !foundLo && !foundHi:
		lo = cs.clips[0].authoredStart
		hi = lo
	}
	return lo, hi
}

// clipSetQuery is Usd_ClipSet::QueryTimeSample at stage time t: the
// active clip's value (interpolated in the clip's samples), else the
// manifest's default. blocked: the value found is a block.
func (s *Stage) clipSetQuery(cs *clipSet, path string, t float64) (v any, ok bool, src *sdf.Layer) {
	c := cs.clips[cs.activeClip(t)]
	if ts := s.clipSamples(cs, c, path); ts != nil {
		ct := cs.internalTime(t)
		v, ok := sampleAt(ts, ct)
		if !ok {
			return nil, false, nil // a block
		}
		return cs.clipTimecodes(v, t, ct), true, c.layer
	}
	if d, found, _ := cs.manifestDefault(path); found {
		return d, true, cs.manifest
	}
	return nil, false, nil
}

// clipTimecodes is _ConvertValueForTime: timecode values in a clip are
// clip times. usd-core 26.11 maps them to stage time along the line of
// the times segment that holds the query's stage time t (the sentinel
// ends and the left side of a jump take their neighbouring segment),
// measured on OpenUSD's testUsdValueClips timeCodeTiming: with times
// (0, 10), (20, 20), (20, 0), (40, 20), clip time 15 read at stage time
// 0 is 10, and clip time 25 read at 20 is 45. Without a mapping (or with
// one entry) the value moves by t - ct, as OpenUSD 24.08 did everywhere;
// without times it takes the anchor layer's offset.
func (cs *clipSet) clipTimecodes(v any, t, ct float64) any {
	conv := func(x float64) float64 { return t + x - ct }
	if cs.times == nil {
		conv = cs.noTimes.Apply
	}
	if n := len(cs.times); n >= 4 {
		i1, i2 := cs.segment(t)
		switch {
		case i1 == 0:
			i1, i2 = 1, 2
		case i2 == n-1:
			i1, i2 = n-3, n-2
		case cs.times[i1].jump:
			i1, i2 = i2, i2+1
		}
		m1, m2 := cs.times[i1], cs.times[i2]
		if m2.jump {
			m2.ext = cs.times[i2+1].ext
		}
		conv = func(x float64) float64 {
			if m2.in == m1.in || x == m1.in {
				return m1.ext
			}
			return (m2.ext-m1.ext)/(m2.in-m1.in)*(x-m1.in) + m1.ext
		}
	}
	switch x := v.(type) {
	case sdf.TimeCode:
		return sdf.TimeCode(conv(float64(x)))
	case []sdf.TimeCode:
		out := make([]sdf.TimeCode, len(x))
		for i, e := range x {
			out[i] = sdf.TimeCode(conv(float64(e)))
		}
		return out
	}
	return v
}

// clipSetValue is _GetClipValue with Usd_GetOrInterpolateValue: the value
// of the attribute at site path at stage time t, false when the clips
// give none (a block, or no sample and no manifest default).
func (a *Attribute) clipSetValue(cs *clipSet, n *pcp.Node, path string, t float64) (any, bool) {
	s := a.prim.stage
	lo, hi := s.clipSetBracket(cs, path, t)
	if math.Abs(lo-hi) <= 1e-6 {
		v, ok, l := s.clipSetQuery(cs, path, lo)
		if !ok {
			return nil, false
		}
		return a.resolveAssets(v, l, n), true
	}
	lv, ok, l := s.clipSetQuery(cs, path, lo)
	if !ok {
		return nil, false
	}
	// A failing upper bracket holds the lower value (Usd_LinearInterpolator);
	// types that do not interpolate hold it anyway.
	hv, ok, _ := s.clipSetQuery(cs, path, hi)
	if !ok {
		hv = lv
	}
	v, _ := sampleAt(&sdf.TimeSamples{Times: []float64{lo, hi}, Values: []any{lv, hv}}, t)
	return a.resolveAssets(v, l, n), true
}

// clipPoint is where a clip set takes part in an attribute's value
// resolution: after layer li of node k of the prim's index.
type clipPoint struct {
	k, li int
	cs    *clipSet
	path  string // the attribute's path at the node's site
}

// clipPoints lists, in strength order, where the prim's clip sets give
// values to attribute name.
func (a *Attribute) clipPoints() []clipPoint {
	sets := a.prim.clipSets()
	if len(sets) == 0 || a.prim.index == nil {
		return nil
	}
	var out []clipPoint
	for k, n := range a.prim.index.Nodes {
		if !n.Contributes() {
			continue
		}
		path := n.Path + "." + a.name
		for _, cs := range sets {
			if !cs.appliesTo(n) || !cs.hasAttr(path) {
				continue
			}
			li := indexOfLayer(n.LayerStack.Layers, cs.sourceLayer)
			if li >= 0 {
				out = append(out, clipPoint{k: k, li: li, cs: cs, path: path})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].k != out[j].k {
			return out[i].k < out[j].k
		}
		return out[i].li < out[j].li
	})
	return out
}

func indexOfLayer(ls []*sdf.Layer, l *sdf.Layer) int {
	for i, x := range ls {
		if x == l {
			return i
		}
	}
	return -1
}

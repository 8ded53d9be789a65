package usd

import (
	"math"
	"sort"
	"strings"

	"github.com/rgallery/rgallery/usd/pcp"
	"github.com/rgallery/rgallery/usd/sdf"
)

// Value clips (the "clips" prim metadata): a subset of OpenUSD's behaviour.
// Each clip set names clip layers (assetPaths), the prim inside them
// (primPath), which clip is active from which stage time (active), and
// optionally how stage time maps to clip time (times). Clip values are
// weaker than the opinions of the layer stack that authors the clips and
// stronger than weaker nodes. Template clips and clip sets spanning
// ancestors are not supported.

type clipSet struct {
	assets   []string
	primPath string
	active   [][2]float64
	times    [][2]float64
	layer    *sdf.Layer // the layer that authored the clips (anchor)
}

// clipSets reads the clips authored on a node's site.
func clipSets(n *pcp.Node) []clipSet {
	var out []clipSet
	for _, l := range n.LayerStack.Layers {
		spec := l.Specs[n.Path]
		if spec == nil {
			continue
		}
		v, ok := spec.Get("clips")
		if !ok {
			continue
		}
		sets, _ := v.(map[string]any)
		names := make([]string, 0, len(sets))
		for k := range sets {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, name := range names {
			d, _ := sets[name].(map[string]any)
			cs := clipSet{layer: l}
			if a, ok := d["assetPaths"].([]sdf.AssetPath); ok {
				for _, x := range a {
					cs.assets = append(cs.assets, x.Authored)
				}
			}
			cs.primPath, _ = d["primPath"].(string)
			cs.active = pairs(d["active"])
			cs.times = pairs(d["times"])
			if len(cs.assets) > 0 && cs.primPath != "" && len(cs.active) > 0 {
				out = append(out, cs)
			}
		}
		if len(out) > 0 {
			return out // the strongest layer's clips
		}
	}
	return out
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
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// clipValue returns the value of attribute name from the active clip at
// node time t.
func (s *Stage) clipValue(cs clipSet, name string, t float64) (any, bool) {
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

// mapClipTime maps stage time to clip time piecewise linearly.
func mapClipTime(times [][2]float64, t float64) float64 {
	if t <= times[0][0] {
		return times[0][1] + (t - times[0][0])
	}
	for i := 1; i < len(times); i++ {
		a, b := times[i-1], times[i]
		if t <= b[0] {
			if b[0] == a[0] {
				return b[1]
			}
			return a[1] + (t-a[0])*(b[1]-a[1])/(b[0]-a[0])
		}
	}
	last := times[len(times)-1]
	return last[1] + (t - last[0])
}

// clipSampleTimes lists, in node time, the time samples that a clip set
// gives attribute name, as Usd_ClipSet lists them: each clip's samples
// inside its active interval (the first clip from -inf, the last to +inf),
// mapped to stage time through each segment of the times mapping, plus the
// stage times of the mapping's own entries. None when no clip has samples
// for the attribute.
func (s *Stage) clipSampleTimes(cs clipSet, name string) []float64 {
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
					add(a[0] + (ct-a[1])*(b[0]-a[0])/(b[1]-a[1]))
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
	sort.Float64s(out)
	return out
}

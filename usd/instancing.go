package usd

import (
	"sort"
	"strings"

	"github.com/rgallery/rgallery/usd/sdf"
)

// Instance proxies take their data from the prototype's source instance.
//
// OpenUSD shares one prototype between the instances whose instance keys
// are equal (Usd_InstanceCache, pcp.InstanceKey) and composes that
// prototype from one of them, its source: the prim index of the first
// instance registered while the stage's prim indexes are computed
// (Usd_InstanceCache::RegisterInstancePrimIndex and
// _CreateOrUpdatePrototypeForInstances take primIndexPaths->front();
// UsdStage's _NameChildrenPred registers each instanceable index and
// composes the children of the source only). Every instance proxy of the
// prototype, whatever its instance, reads the prim below the source
// (UsdPrim::GetPrimIndex, the prim stack, property values, variant sets);
// its relationship targets and attribute connections, composed in the
// source's namespace, are mapped to the proxy's by replacing the longest
// source prefix with the proxy's instance (UsdProperty::_GetTargets,
// UsdPrim::_GetProtoToInstancePathMap).
//
// Which instance is registered first depends on the order in which
// PcpCache::ComputePrimIndexesInParallel runs its tasks; OpenUSD says
// the source may change from run to run (instanceCache.cpp). With one
// worker thread (PXR_WORK_THREAD_LIMIT=1, how the oracle runs usd-core)
// the dispatcher runs the most recently spawned task first: a prim's
// index, then its children's subtrees last child first. That is the
// order ported here (Stage.sourceInstances), reproducible with usd-core.

// assignPrototypeSources finds each prototype's source and points every
// instance proxy at the corresponding prim below it.
func (s *Stage) assignPrototypeSources() {
	// The sources, before any proxy reads another prim: the walk reads
	// each prim's own index (sourceInstances).
	s.protoOnce.Do(func() { s.protos = s.sourceInstances(nil) })
	src := s.protos

	data := map[*Prim]*Prim{}
	var resolve func(q *Prim) *Prim
	resolve = func(q *Prim) *Prim {
		if d, ok := data[q]; ok {
			return d
		}
		data[q] = q // guards against re-entry
		d := q
		for j := q.parent; j != nil && j != s.root; j = j.parent {
			jd := resolve(j)
			if !jd.IsInstance() {
				continue
			}
			if sp := src[jd.instanceKey()]; sp != nil && sp != j {
				if m := s.prims[sp.path+q.path[len(j.path):]]; m != nil && m != q {
					d = resolve(m)
				}
			}
			break
		}
		data[q] = d
		return d
	}
	var all []*Prim
	for q := range s.TraverseAll() {
		all = append(all, q)
	}
	// Resolve everything first: the swap below changes what IsInstance
	// reads.
	for _, q := range all {
		resolve(q)
	}
	done := map[*Prim]bool{}
	for _, q := range all {
		if done[q] || s.prims[q.path] != q {
			continue
		}
		if d := data[q]; d != q {
			s.mirror(q, d, data, done)
		}
	}
	for q := range s.TraverseAll() {
		q.protoMap = s.protoToInstanceMap(q, data, src)
	}
}

// mirror makes the instance proxy q read d, the corresponding prim below
// its prototype's source, and its subtree d's: the children are those of
// the prototype prim (UsdStage composes a prototype's children from its
// source index only), proxies created for names only d has, and names
// only q's own index gave dropped.
func (s *Stage) mirror(q, d *Prim, data map[*Prim]*Prim, done map[*Prim]bool) {
	done[q] = true
	q.index = d.index
	have := make(map[string]*Prim, len(q.children))
	for _, c := range q.children {
		have[c.name] = c
	}
	kids := make([]*Prim, 0, len(d.children))
	for _, dc := range d.children {
		c := have[dc.name]
		if c == nil {
			c = &Prim{stage: s, path: sdf.AppendChild(q.path, dc.name), name: dc.name, parent: q, instDepth: q.instDepth}
			s.prims[c.path] = c
		}
		delete(have, dc.name)
		kids = append(kids, c)
		dd := data[dc]
		if dd == nil {
			dd = dc
		}
		data[c] = dd
		s.mirror(c, dd, data, done)
	}
	for _, c := range have {
		s.forget(c)
	}
	q.children = kids
}

// forget removes a prim and its subtree from the stage's path table.
func (s *Stage) forget(p *Prim) {
	if s.prims[p.path] == p {
		delete(s.prims, p.path)
	}
	for _, c := range p.children {
		s.forget(c)
	}
}

// protoToInstanceMap lists, for a prim below an instance, the pairs
// (source instance path, instance path) of each enclosing instance,
// starting above the prim itself when it is an instance: its targets are
// in the space of the prototype it is in (UsdPrim::_GetProtoToInstancePathMap).
func (s *Stage) protoToInstanceMap(q *Prim, data map[*Prim]*Prim, src map[string]*Prim) [][2]string {
	if data[q] == q && !s.belowInstance(q, data) {
		return nil
	}
	var out [][2]string
	j := q
	if data[j].IsInstance() {
		j = j.parent
	}
	for ; j != nil && j != s.root; j = j.parent {
		jd := data[j]
		if !jd.IsInstance() {
			continue
		}
		if sp := src[jd.instanceKey()]; sp != nil {
			out = append(out, [2]string{sp.path, j.path})
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a][0] < out[b][0] })
	return out
}

// belowInstance reports whether some ancestor of q is an instance.
func (s *Stage) belowInstance(q *Prim, data map[*Prim]*Prim) bool {
	for j := q.parent; j != nil && j != s.root; j = j.parent {
		if data[j].IsInstance() {
			return true
		}
	}
	return false
}

// mapProtoToInstance maps a target path composed in the source's
// namespace to the proxy's (_ProtoToInstancePathMap::MapProtoToInstance):
// the longest source prefix is replaced.
func (p *Prim) mapProtoToInstance(path string) string {
	best := -1
	for i, m := range p.protoMap {
		if hasPathPrefix(path, m[0]) && (best < 0 || len(m[0]) > len(p.protoMap[best][0])) {
			best = i
		}
	}
	if best < 0 {
		return path
	}
	return p.protoMap[best][1] + path[len(p.protoMap[best][0]):]
}

// hasPathPrefix reports whether prefix is path or a namespace ancestor
// of it (a prim or property path below it).
func hasPathPrefix(path, prefix string) bool {
	if !strings.HasPrefix(path, prefix) {
		return false
	}
	if len(path) == len(prefix) || prefix == "/" {
		return true
	}
	c := path[len(prefix)]
	return c == '/' || c == '.' || c == '{'
}

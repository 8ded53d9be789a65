package render

import (
	"math/bits"
	"unsafe"
)

// TravStats counts the work of the 8-wide traversal on a ray set: rays,
// and the nodes visited, leaves, packets and triangles tested and interior
// children hit, summed over them.
type TravStats struct {
	Rays, Nodes, Leaves, Packets, Tris, Inner float64
}

// TraversalStats traverses each ray of tr with counting copies of
// traverseTris8 and anyTri8 (the same visits; the closest-hit copy sorts
// every node's interior children, which visits the same nodes as the
// traversal's one/two/many cases), for scenes baked into one BLAS with an
// 8-wide tree; ok is false otherwise (no AVX, -tags purego).
func TraversalStats(s *Scene, tr *TraceRays) (closest, shadow TravStats, ok bool) {
	if len(s.inst) != 1 || !s.inst[0].identity || s.inst[0].bl.bvh.nodes8 == nil {
		return closest, shadow, false
	}
	b := s.inst[0].bl
	w := b.bvh
	for j, r := range tr.Closest {
		rb, ok := newRayBox8(r.O, r.D)
		if !ok {
			continue
		}
		t := tr.ClosestMax[j]
		var h Hit
		w.statsClosest8(b, &rb, r.O, r.D, &t, &h, &closest)
		closest.Rays++
	}
	for j, r := range tr.Shadow {
		rb, ok := newRayBox8(r.O, r.D)
		if !ok {
			continue
		}
		w.statsAny8(b, &rb, r.O, r.D, tr.ShadowMax[j], &shadow)
		shadow.Rays++
	}
	return closest, shadow, true
}

func (b *blas) countLeaf(c int32, st *TravStats) {
	st.Leaves++
	st.Packets += float64((c + 3) / 4)
	st.Tris += float64(c)
}

func (w *wide) statsClosest8(b *blas, rb *rayBox8, o, d Vec3, tMax *float64, h *Hit, st *TravStats) bool {
	rb.pfNodes = uintptr(unsafe.Pointer(unsafe.SliceData(w.nodes8)))
	rb.pfPacks = uintptr(unsafe.Pointer(unsafe.SliceData(b.packs)))
	tr := newWTRay(o, d)
	nodes := w.nodes8
	var th tri4Hit
	type ent struct {
		node int32
		t    float32
	}
	var stack []ent
	ni := int32(0)
	found := false
	var ts [8]float32
	tm := tMax32(*tMax)
	for {
		n := &nodes[ni]
		st.Nodes++
		mask := hit8(n, rb, tm, &ts)
		leaves := mask & int(n.leaf)
		for ; leaves != 0; leaves &= leaves - 1 {
			k := bits.TrailingZeros(uint(leaves)) & 7
			b.countLeaf(int32(n.count[k]), st)
			if b.leafClosest(n.child[k], int32(n.count[k]), &tr, tMax, &th, h) {
				found = true
				tm = tMax32(*tMax)
			}
		}
		inner := mask &^ int(n.leaf)
		st.Inner += float64(bits.OnesCount(uint(inner)))
		type kt struct {
			c int32
			t float32
		}
		var l []kt
		for ; inner != 0; inner &= inner - 1 {
			k := bits.TrailingZeros(uint(inner)) & 7
			l = append(l, kt{n.child[k], ts[k]})
		}
		// farthest deepest
		for i := 1; i < len(l); i++ {
			for j := i; j > 0 && l[j-1].t < l[j].t; j-- {
				l[j-1], l[j] = l[j], l[j-1]
			}
		}
		for _, e := range l {
			stack = append(stack, ent{e.c, e.t})
		}
		for {
			if len(stack) == 0 {
				return found
			}
			e := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if float64(e.t) <= *tMax {
				ni = e.node
				break
			}
		}
	}
}

func (w *wide) statsAny8(b *blas, rb *rayBox8, o, d Vec3, tMax float64, st *TravStats) bool {
	tr := newWTRay(o, d)
	nodes := w.nodes8
	var th tri4Hit
	var stack []int32
	ni := int32(0)
	var ts [8]float32
	tm := tMax32(tMax)
	for {
		n := &nodes[ni]
		st.Nodes++
		mask := hit8(n, rb, tm, &ts)
		for leaves := mask & int(n.leaf); leaves != 0; leaves &= leaves - 1 {
			k := bits.TrailingZeros(uint(leaves)) & 7
			b.countLeaf(int32(n.count[k]), st)
			if b.leafAny(n.child[k], int32(n.count[k]), &tr, tMax, &th) {
				return true
			}
		}
		for inner := mask &^ int(n.leaf); inner != 0; inner &= inner - 1 {
			st.Inner++
			stack = append(stack, n.child[bits.TrailingZeros(uint(inner))&7])
		}
		if len(stack) == 0 {
			return false
		}
		ni = stack[len(stack)-1]
		stack = stack[:len(stack)-1]
	}
}

// TreeShape reports a one-BLAS scene's 8-wide tree: nodes, mean children
// a node, leaves, mean triangles a leaf, packets, and 4-wide nodes.
func TreeShape(s *Scene) (nodes8, kids, leaves, trisPerLeaf, packs, nodes4 float64) {
	b := s.inst[0].bl
	w := b.bvh
	for i := range w.nodes8 {
		n := &w.nodes8[i]
		for k := range 8 {
			if n.count[k] >= 0 {
				kids++
			}
			if n.count[k] > 0 {
				leaves++
				trisPerLeaf += float64(n.count[k])
			}
		}
	}
	return float64(len(w.nodes8)), kids / float64(len(w.nodes8)), leaves, trisPerLeaf / leaves, float64(len(b.packs)), float64(len(w.nodes))
}

// TraversalStats4 is TraversalStats through the 4-wide tree (the
// portable build's, and rays float32 cannot carry), for any one-BLAS scene.
func TraversalStats4(s *Scene, tr *TraceRays) (closest, shadow TravStats, ok bool) {
	if len(s.inst) != 1 || !s.inst[0].identity {
		return closest, shadow, false
	}
	b := s.inst[0].bl
	w := b.bvh
	for j, r := range tr.Closest {
		t := tr.ClosestMax[j]
		var h Hit
		w.statsClosest4(b, r.O, r.D, &t, &h, &closest)
		closest.Rays++
	}
	for j, r := range tr.Shadow {
		w.statsAny4(b, r.O, r.D, tr.ShadowMax[j], &shadow)
		shadow.Rays++
	}
	return closest, shadow, true
}

func (w *wide) statsClosest4(b *blas, o, d Vec3, tMax *float64, h *Hit, st *TravStats) bool {
	rb := newRayBox(o, d)
	rb.prefetchFrom(w, b)
	tr := newWTRay(o, d)
	var th tri4Hit
	type ent struct {
		node int32
		t    float64
	}
	var stack []ent
	ni := int32(0)
	found := false
	var ts [4]float64
	for {
		n := &w.nodes[ni]
		st.Nodes++
		mask := hit4(n, &rb, *tMax, &ts)
		for leaves := mask & int(n.leaf); leaves != 0; leaves &= leaves - 1 {
			k := bits.TrailingZeros(uint(leaves)) & 3
			b.countLeaf(int32(n.count[k]), st)
			if b.leafClosest(n.child[k], int32(n.count[k]), &tr, tMax, &th, h) {
				found = true
			}
		}
		inner := mask &^ int(n.leaf)
		var l []ent
		for ; inner != 0; inner &= inner - 1 {
			st.Inner++
			k := bits.TrailingZeros(uint(inner)) & 3
			l = append(l, ent{n.child[k], ts[k]})
		}
		for i := 1; i < len(l); i++ {
			for j := i; j > 0 && l[j-1].t < l[j].t; j-- {
				l[j-1], l[j] = l[j], l[j-1]
			}
		}
		stack = append(stack, l...)
		for {
			if len(stack) == 0 {
				return found
			}
			e := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if e.t <= *tMax {
				ni = e.node
				break
			}
		}
	}
}

func (w *wide) statsAny4(b *blas, o, d Vec3, tMax float64, st *TravStats) bool {
	rb := newRayBox(o, d)
	rb.prefetchFrom(w, b)
	tr := newWTRay(o, d)
	var th tri4Hit
	var stack []int32
	ni := int32(0)
	var ts [4]float64
	for {
		n := &w.nodes[ni]
		st.Nodes++
		mask := hit4(n, &rb, tMax, &ts)
		for leaves := mask & int(n.leaf); leaves != 0; leaves &= leaves - 1 {
			k := bits.TrailingZeros(uint(leaves)) & 3
			b.countLeaf(int32(n.count[k]), st)
			if b.leafAny(n.child[k], int32(n.count[k]), &tr, tMax, &th) {
				return true
			}
		}
		for inner := mask &^ int(n.leaf); inner != 0; inner &= inner - 1 {
			st.Inner++
			stack = append(stack, n.child[bits.TrailingZeros(uint(inner))&3])
		}
		if len(stack) == 0 {
			return false
		}
		ni = stack[len(stack)-1]
		stack = stack[:len(stack)-1]
	}
}

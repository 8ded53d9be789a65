package render

import (
	"math"
	"sync"
)

// AABB is an axis-aligned box.
type AABB struct{ Lo, Hi Vec3 }

// EmptyAABB contains nothing; growing it by a point gives that point.
func EmptyAABB() AABB {
	inf := math.Inf(1)
	return AABB{Vec3{inf, inf, inf}, Vec3{-inf, -inf, -inf}}
}

func (b AABB) Grow(p Vec3) AABB  { return AABB{b.Lo.Min(p), b.Hi.Max(p)} }
func (b AABB) Union(c AABB) AABB { return AABB{b.Lo.Min(c.Lo), b.Hi.Max(c.Hi)} }
func (b AABB) Center() Vec3      { return b.Lo.Add(b.Hi).Scale(0.5) }
func (b AABB) Valid() bool       { return b.Lo.X <= b.Hi.X }
func (b AABB) Diagonal() Vec3    { return b.Hi.Sub(b.Lo) }
func (b AABB) SurfaceArea() float64 {
	if !b.Valid() {
		return 0
	}
	d := b.Diagonal()
	return 2 * (d.X*d.Y + d.Y*d.Z + d.Z*d.X)
}

// Transform returns the box around the eight transformed corners of b.
func (b AABB) Transform(m *Matrix) AABB {
	out := EmptyAABB()
	for i := 0; i < 8; i++ {
		p := Vec3{b.Lo.X, b.Lo.Y, b.Lo.Z}
		if i&1 != 0 {
			p.X = b.Hi.X
		}
		if i&2 != 0 {
			p.Y = b.Hi.Y
		}
		if i&4 != 0 {
			p.Z = b.Hi.Z
		}
		out = out.Grow(m.Point(p))
	}
	return out
}

// bvhNode is one node of a flattened BVH. An interior node (count == 0) has
// its children at start and start+1; a leaf holds prims [start, start+count)
// of the BVH's primitive order.
type bvhNode struct {
	lo, hi Vec3
	start  int32
	count  int16
	axis   int16
}

// bvh is a bounding volume hierarchy over primitives known by their boxes.
type bvh struct {
	nodes []bvhNode
	order []int32 // primitive ids in leaf order
}

const (
	bvhBins       = 16
	bvhMaxLeaf    = 4
	bvhTraverseC  = 1.0 // cost of one node visit relative to a primitive test
	bvhParallelAt = 4096
)

type buildPrim struct {
	box AABB
	c   Vec3
	id  int32
}

// buildBVH builds a binned-SAH BVH over the given primitive boxes. Large
// subtrees are built in parallel; the result does not depend on scheduling.
func buildBVH(boxes []AABB) *bvh {
	n := len(boxes)
	prims := make([]buildPrim, n)
	for i, b := range boxes {
		prims[i] = buildPrim{box: b, c: b.Center(), id: int32(i)}
	}
	b := &builder{prims: prims}
	root := b.build(0, n)
	out := &bvh{nodes: make([]bvhNode, 0, 2*n/bvhMaxLeaf+1), order: make([]int32, n)}
	for i, p := range prims {
		out.order[i] = p.id
	}
	out.nodes = append(out.nodes, bvhNode{})
	out.flatten(root, 0)
	return out
}

// tmpNode is the pointer tree made during the build, flattened afterwards.
type tmpNode struct {
	box         AABB
	left, right *tmpNode
	start, cnt  int
	axis        int
}

type builder struct {
	prims []buildPrim
}

func (b *builder) build(start, end int) *tmpNode {
	box := EmptyAABB()
	cbox := EmptyAABB()
	for i := start; i < end; i++ {
		box = box.Union(b.prims[i].box)
		cbox = cbox.Grow(b.prims[i].c)
	}
	n := end - start
	node := &tmpNode{box: box, start: start, cnt: n}
	if n <= 1 {
		return node
	}
	axis, split, ok := b.findSplit(start, end, box, cbox)
	if !ok {
		if n <= bvhMaxLeaf {
			return node
		}
		// No useful SAH split (e.g. identical centroids): split in the middle
		// of the widest axis by count.
		d := cbox.Diagonal()
		axis = 0
		if d.Y > d.X {
			axis = 1
		}
		if d.Z > d.Axis(axis) {
			axis = 2
		}
		split = start + n/2
		nthElement(b.prims[start:end], n/2, axis)
	}
	node.axis = axis
	node.cnt = 0
	if n >= bvhParallelAt {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			node.left = b.build(start, split)
		}()
		node.right = b.build(split, end)
		wg.Wait()
	} else {
		node.left = b.build(start, split)
		node.right = b.build(split, end)
	}
	return node
}

// findSplit bins centroids along each axis and returns the cheapest SAH
// split; ok is false when a leaf is cheaper or no split separates anything.
// On success the prims are partitioned around the returned index.
func (b *builder) findSplit(start, end int, box, cbox AABB) (axis, split int, ok bool) {
	type bin struct {
		box AABB
		n   int
	}
	n := end - start
	bestCost := math.Inf(1)
	bestAxis, bestBin := -1, 0
	for a := 0; a < 3; a++ {
		lo, hi := cbox.Lo.Axis(a), cbox.Hi.Axis(a)
		if hi-lo < 1e-12 {
			continue
		}
		var bins [bvhBins]bin
		for i := range bins {
			bins[i].box = EmptyAABB()
		}
		k := float64(bvhBins) / (hi - lo)
		for i := start; i < end; i++ {
			p := &b.prims[i]
			j := int((p.c.Axis(a) - lo) * k)
			if j >= bvhBins {
				j = bvhBins - 1
			}
			bins[j].n++
			bins[j].box = bins[j].box.Union(p.box)
		}
		// Sweep from the right to get suffix areas, then from the left.
		var rightArea [bvhBins]float64
		var rightN [bvhBins]int
		acc := EmptyAABB()
		cnt := 0
		for i := bvhBins - 1; i > 0; i-- {
			acc = acc.Union(bins[i].box)
			cnt += bins[i].n
			rightArea[i] = acc.SurfaceArea()
			rightN[i] = cnt
		}
		acc = EmptyAABB()
		cnt = 0
		for i := 0; i < bvhBins-1; i++ {
			acc = acc.Union(bins[i].box)
			cnt += bins[i].n
			if cnt == 0 || rightN[i+1] == 0 {
				continue
			}
			c := acc.SurfaceArea()*float64(cnt) + rightArea[i+1]*float64(rightN[i+1])
			if c < bestCost {
				bestCost, bestAxis, bestBin = c, a, i
			}
		}
	}
	if bestAxis < 0 {
		return 0, 0, false
	}
	area := box.SurfaceArea()
	cost := bvhTraverseC + bestCost/math.Max(area, 1e-300)
	if n <= bvhMaxLeaf && cost >= float64(n) {
		return 0, 0, false
	}
	lo, hi := cbox.Lo.Axis(bestAxis), cbox.Hi.Axis(bestAxis)
	k := float64(bvhBins) / (hi - lo)
	i, j := start, end-1
	for i <= j {
		bi := int((b.prims[i].c.Axis(bestAxis) - lo) * k)
		if bi >= bvhBins {
			bi = bvhBins - 1
		}
		if bi <= bestBin {
			i++
		} else {
			b.prims[i], b.prims[j] = b.prims[j], b.prims[i]
			j--
		}
	}
	if i == start || i == end {
		return 0, 0, false
	}
	return bestAxis, i, true
}

// nthElement partially sorts p so that p[k] is in place by centroid on axis.
func nthElement(p []buildPrim, k, axis int) {
	lo, hi := 0, len(p)-1
	for lo < hi {
		pivot := p[(lo+hi)/2].c.Axis(axis)
		i, j := lo, hi
		for i <= j {
			for p[i].c.Axis(axis) < pivot {
				i++
			}
			for p[j].c.Axis(axis) > pivot {
				j--
			}
			if i <= j {
				p[i], p[j] = p[j], p[i]
				i++
				j--
			}
		}
		if k <= j {
			hi = j
		} else if k >= i {
			lo = i
		} else {
			return
		}
	}
}

// flatten writes node t at index at and its children after it, depth first,
// so the left child of a node usually sits next to it in memory.
func (v *bvh) flatten(t *tmpNode, at int) {
	nd := bvhNode{lo: t.box.Lo, hi: t.box.Hi, axis: int16(t.axis)}
	if t.left == nil {
		// Leaves larger than int16 cannot happen: the builder splits any
		// node above bvhMaxLeaf by median when SAH finds nothing.
		nd.start = int32(t.start)
		nd.count = int16(t.cnt)
		v.nodes[at] = nd
		return
	}
	c := len(v.nodes)
	v.nodes = append(v.nodes, bvhNode{}, bvhNode{})
	nd.start = int32(c)
	v.nodes[at] = nd
	v.flatten(t.left, c)
	v.flatten(t.right, c+1)
}

// slab tests the ray against a node box; it returns the entry distance and
// whether the box is hit within (0, tMax).
func slab(n *bvhNode, o, inv Vec3, tMax float64) (float64, bool) {
	tx1 := (n.lo.X - o.X) * inv.X
	tx2 := (n.hi.X - o.X) * inv.X
	t0 := fmin(tx1, tx2)
	t1 := fmax(tx1, tx2)
	ty1 := (n.lo.Y - o.Y) * inv.Y
	ty2 := (n.hi.Y - o.Y) * inv.Y
	t0 = fmax(t0, fmin(ty1, ty2))
	t1 = fmin(t1, fmax(ty1, ty2))
	tz1 := (n.lo.Z - o.Z) * inv.Z
	tz2 := (n.hi.Z - o.Z) * inv.Z
	t0 = fmax(t0, fmin(tz1, tz2))
	t1 = fmin(t1, fmax(tz1, tz2))
	// The 1+2γ factor keeps the test conservative under rounding.
	t1 *= 1.0000000000000004
	return t0, t1 >= fmax(t0, 0) && t0 < tMax
}

func fmin(a, b float64) float64 {
	if a < b {
		return a
	}
	return b
}

func fmax(a, b float64) float64 {
	if a > b {
		return a
	}
	return b
}

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

const (
	bvhBins       = 16
	bvhMaxLeaf    = 8
	bvhBigLeaf    = 32  // leaf size allowed when no split separates centroids
	bvhTraverseC  = 2.0 // cost of a node visit relative to a primitive test
	bvhParallelAt = 8192
	bvhAllAxesAt  = 4096 // nodes this large bin all three axes
)

// box32 is a float32 box used during the build.
type box32 struct{ lo, hi [3]float32 }

func emptyBox32() box32 {
	inf := float32(math.Inf(1))
	return box32{[3]float32{inf, inf, inf}, [3]float32{-inf, -inf, -inf}}
}

// grow is unrolled by hand; builtin min/max compile to branch-free code.
func (b *box32) grow(lo, hi *[3]float32) {
	b.lo[0] = min(b.lo[0], lo[0])
	b.lo[1] = min(b.lo[1], lo[1])
	b.lo[2] = min(b.lo[2], lo[2])
	b.hi[0] = max(b.hi[0], hi[0])
	b.hi[1] = max(b.hi[1], hi[1])
	b.hi[2] = max(b.hi[2], hi[2])
}

func (b *box32) area() float32 {
	dx, dy, dz := b.hi[0]-b.lo[0], b.hi[1]-b.lo[1], b.hi[2]-b.lo[2]
	if dx < 0 {
		return 0
	}
	return 2 * (dx*dy + dy*dz + dz*dx)
}

// down and up round a float64 to float32 towards −∞ and +∞, so that
// float32 boxes always contain the float64 geometry.
func down(x float64) float32 {
	f := float32(x)
	if float64(f) > x {
		f = math.Nextafter32(f, float32(math.Inf(-1)))
	}
	return f
}

func up(x float64) float32 {
	f := float32(x)
	if float64(f) < x {
		f = math.Nextafter32(f, float32(math.Inf(1)))
	}
	return f
}

// bprim is a primitive during the build. The partition moves whole
// records, so every node's primitives are contiguous in memory and the
// binning passes read sequentially instead of chasing indices.
type bprim struct {
	lo, hi, c [3]float32 // bounds and centroid
	id        int32
}

// builder holds the primitives being partitioned.
type builder struct {
	p []bprim
}

type tmpNode struct {
	box         box32
	left, right *tmpNode
	start, cnt  int
	axis        int
}

// buildBVH builds a binned-SAH binary BVH over the given primitive boxes
// and collapses it into a 4-wide BVH. Large subtrees are built in
// parallel; the result does not depend on scheduling.
func buildBVH(boxes []AABB) *wide {
	return buildBVHFunc(len(boxes), func(i int) AABB { return boxes[i] })
}

// buildBVHFunc is buildBVH with the boxes computed on the fly, so that a
// mesh's triangle boxes never need their own array.
func buildBVHFunc(n int, boxAt func(i int) AABB) *wide {
	b := &builder{p: make([]bprim, n)}
	parallelFor(n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			bx := boxAt(i)
			p := &b.p[i]
			p.lo = [3]float32{down(bx.Lo.X), down(bx.Lo.Y), down(bx.Lo.Z)}
			p.hi = [3]float32{up(bx.Hi.X), up(bx.Hi.Y), up(bx.Hi.Z)}
			for k := 0; k < 3; k++ {
				p.c[k] = (p.lo[k] + p.hi[k]) * 0.5
			}
			p.id = int32(i)
		}
	})
	box, cbox := emptyBox32(), emptyBox32()
	for i := range b.p {
		box.grow(&b.p[i].lo, &b.p[i].hi)
		cbox.grow(&b.p[i].c, &b.p[i].c)
	}
	if n == 0 {
		return &wide{nodes: []bvh4Node{emptyNode4()}, box: emptyBox32()}
	}
	root := b.build(0, n, box, cbox, &scratch{})
	order := make([]int32, n)
	for i := range b.p {
		order[i] = b.p[i].id
	}
	return collapse(root, order, n)
}

type bin struct {
	box box32
	n   int32
}

// scratch is the binning memory of one build goroutine. A node is done
// with it before recursing, so one scratch serves a whole subtree; keeping
// it out of the stack frame avoids zeroing it per node.
type scratch struct {
	bins [bvhBins]bin
	rBox [bvhBins]box32
	rN   [bvhBins]int32
}

// build bins the primitives along the axis of largest centroid extent only
// (three times less work than binning all axes, for a few percent of tree
// quality), takes the cheapest SAH split, and partitions, computing the
// children's centroid bounds on the way.
func (b *builder) build(start, end int, box, cbox box32, sc *scratch) *tmpNode {
	n := end - start
	node := &tmpNode{box: box, start: start, cnt: n}
	if n <= 2 {
		return node
	}
	a := 0
	ext := cbox.hi[0] - cbox.lo[0]
	if e := cbox.hi[1] - cbox.lo[1]; e > ext {
		a, ext = 1, e
	}
	if e := cbox.hi[2] - cbox.lo[2]; e > ext {
		a, ext = 2, e
	}
	if !(ext > 0) {
		// All centroids coincide: a leaf if small enough, else halves.
		if n <= bvhBigLeaf {
			return node
		}
		mid := start + n/2
		lb, lc := b.bounds(start, mid)
		rb, rc := b.bounds(mid, end)
		node.cnt = 0
		node.left = b.build(start, mid, lb, lc, sc)
		node.right = b.build(mid, end, rb, rc, sc)
		return node
	}
	// Small nodes, which are most nodes, get fewer bins. Large nodes,
	// which shape the top of the tree, try every axis.
	nb := min(bvhBins, n)
	best := b.sweep(a, nb, start, end, &cbox, sc)
	if n >= bvhAllAxesAt {
		for ax := 0; ax < 3; ax++ {
			if ax != a && cbox.hi[ax] > cbox.lo[ax] {
				if s := b.sweep(ax, nb, start, end, &cbox, sc); s.cost < best.cost {
					best = s
				}
			}
		}
	}
	a = best.axis
	bestCost, bestBin, bestL, bestR := best.cost, best.bin, best.l, best.r
	base, scale := best.base, best.scale
	binOf := func(c float32) int {
		j := int((c - base) * scale)
		if j >= nb {
			return nb - 1
		}
		if j < 0 {
			return 0
		}
		return j
	}
	if n <= bvhMaxLeaf {
		area := box.area()
		if area <= 0 || bvhTraverseC+bestCost/area >= float32(n) {
			return node
		}
	}
	// Partition by bin, growing the children's centroid boxes.
	cl, cr := emptyBox32(), emptyBox32()
	i, j := start, end-1
	for i <= j {
		c := &b.p[i].c
		if binOf(c[a]) <= bestBin {
			cl.grow(c, c)
			i++
		} else {
			cr.grow(c, c)
			b.p[i], b.p[j] = b.p[j], b.p[i]
			j--
		}
	}
	node.axis = a
	node.cnt = 0
	if n >= bvhParallelAt {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			node.left = b.build(start, i, bestL, cl, &scratch{})
		}()
		node.right = b.build(i, end, bestR, cr, sc)
		wg.Wait()
	} else {
		node.left = b.build(start, i, bestL, cl, sc)
		node.right = b.build(i, end, bestR, cr, sc)
	}
	return node
}

// split is the best binned split found along one axis.
type split struct {
	axis        int
	cost        float32
	bin         int
	l, r        box32
	base, scale float32
}

// sweep bins the primitives of [start, end) along axis a into nb bins and
// returns the cheapest SAH split (cost +Inf when none separates them).
func (b *builder) sweep(a, nb, start, end int, cbox *box32, sc *scratch) split {
	bins := &sc.bins
	for i := 0; i < nb; i++ {
		bins[i] = bin{box: emptyBox32()}
	}
	sp := split{axis: a, cost: float32(math.Inf(1)), bin: -1, base: cbox.lo[a]}
	sp.scale = float32(nb) * (1 - 1e-6) / (cbox.hi[a] - cbox.lo[a])
	for i := start; i < end; i++ {
		p := &b.p[i]
		j := int((p.c[a] - sp.base) * sp.scale)
		if j >= nb {
			j = nb - 1
		} else if j < 0 {
			j = 0
		}
		bn := &bins[j]
		bn.n++
		// box grow, inlined by hand: this loop is the build's hot spot;
		// builtin min/max compile to branch-free code.
		bn.box.lo[0] = min(bn.box.lo[0], p.lo[0])
		bn.box.lo[1] = min(bn.box.lo[1], p.lo[1])
		bn.box.lo[2] = min(bn.box.lo[2], p.lo[2])
		bn.box.hi[0] = max(bn.box.hi[0], p.hi[0])
		bn.box.hi[1] = max(bn.box.hi[1], p.hi[1])
		bn.box.hi[2] = max(bn.box.hi[2], p.hi[2])
	}
	rBox, rN := &sc.rBox, &sc.rN
	acc := emptyBox32()
	var cnt int32
	for i := nb - 1; i > 0; i-- {
		acc.grow(&bins[i].box.lo, &bins[i].box.hi)
		cnt += bins[i].n
		rBox[i], rN[i] = acc, cnt
	}
	acc = emptyBox32()
	cnt = 0
	for i := 0; i < nb-1; i++ {
		acc.grow(&bins[i].box.lo, &bins[i].box.hi)
		cnt += bins[i].n
		if cnt == 0 || rN[i+1] == 0 {
			continue
		}
		c := acc.area()*float32(cnt) + rBox[i+1].area()*float32(rN[i+1])
		if c < sp.cost {
			sp.cost, sp.bin = c, i
			sp.l, sp.r = acc, rBox[i+1]
		}
	}
	return sp
}

func (b *builder) bounds(start, end int) (box32, box32) {
	box, cbox := emptyBox32(), emptyBox32()
	for i := start; i < end; i++ {
		box.grow(&b.p[i].lo, &b.p[i].hi)
		cbox.grow(&b.p[i].c, &b.p[i].c)
	}
	return box, cbox
}

// rayBox holds what the box test needs of a ray: t = p·inv − o·inv per axis.
type rayBox struct {
	ix, iy, iz float64 // 1/d
	ox, oy, oz float64 // o/d
	nx, ny, nz int     // 0 when the lo plane is entered first, else 1
}

func newRayBox(o, d Vec3) rayBox {
	// A zero component would give o·∞ = NaN for o = 0; a tiny one gives
	// huge but finite distances with the same meaning.
	if d.X == 0 {
		d.X = 1e-20
	}
	if d.Y == 0 {
		d.Y = 1e-20
	}
	if d.Z == 0 {
		d.Z = 1e-20
	}
	ix, iy, iz := 1/d.X, 1/d.Y, 1/d.Z
	r := rayBox{ix: ix, iy: iy, iz: iz, ox: o.X * ix, oy: o.Y * iy, oz: o.Z * iz}
	if ix < 0 {
		r.nx = 1
	}
	if iy < 0 {
		r.ny = 1
	}
	if iz < 0 {
		r.nz = 1
	}
	return r
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

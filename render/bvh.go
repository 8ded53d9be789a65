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
	// Nodes this large bin a strided sample of about bvhSamples
	// primitives: the split it finds costs within noise of the exact one,
	// and the partition pass computes the children's exact boxes anyway.
	bvhSampleAt = 4096
	bvhSamples  = 1024
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

// Valid reports whether the box is not empty.
func (b *box32) Valid() bool { return b.lo[0] <= b.hi[0] }

func (b *box32) area() float32 {
	dx, dy, dz := b.hi[0]-b.lo[0], b.hi[1]-b.lo[1], b.hi[2]-b.lo[2]
	if dx < 0 {
		return 0
	}
	return 2 * (dx*dy + dy*dz + dz*dx)
}

// down and up round a float64 to float32 towards −∞ and +∞, so that
// float32 boxes always contain the float64 geometry. Stepping the bits is
// math.Nextafter32 without its NaN and sign cases, which cannot occur here
// and cost a call per coordinate in the build's setup.
func down(x float64) float32 {
	f := float32(x)
	if float64(f) > x {
		switch {
		case f > 0:
			f = math.Float32frombits(math.Float32bits(f) - 1)
		case f < 0:
			f = math.Float32frombits(math.Float32bits(f) + 1)
		default:
			f = -math.SmallestNonzeroFloat32
		}
	}
	return f
}

func up(x float64) float32 {
	f := float32(x)
	if float64(f) < x {
		switch {
		case f > 0:
			f = math.Float32frombits(math.Float32bits(f) + 1)
		case f < 0:
			f = math.Float32frombits(math.Float32bits(f) - 1)
		default:
			f = math.SmallestNonzeroFloat32
		}
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
	p       []bprim
	isect   float32 // cost of testing one primitive, in triangle tests
	maxLeaf int     // largest leaf the SAH may choose
}

type tmpNode struct {
	box         box32
	left, right *tmpNode
	start, cnt  int
	axis        int
	wide        int // nodes of the 4-wide subtree collapse makes from this node
	// ref is a leaf's place in the 4-wide tree (node<<2 | child), where
	// buildPacks writes its packet.
	ref int32
	dp  *dp8 // collapse8's choices for an interior node
	// setWide's choices (an interior node): c4[j-1] is the least summed
	// area of 4-wide nodes of the subtree held in at most j slots of its
	// parent's node, pick4[j-1] how (0: a node of its own, else the
	// children share pick4[j-1] slots, split4[pick4[j-1]-1] the left's).
	c4            [3]float32
	pick4, split4 [4]int8
}

// setWide chooses which binary nodes of node's subtree become 4-wide
// nodes and computes node.wide from its (already built) subtree, so that
// collapse knows every subtree's size and can fill them in parallel.
//
// The choice is Ylitie, Karras, Laine 2017's dynamic program (section
// 4.1; collapse8 in bvh8.go does the same for eight slots): the leaves are
// the binary tree's in every collapse, so the SAH cost to minimize is the
// summed area of the 4-wide nodes. For node n and j slots,
//
//	C(n, j) = min(C(n, j−1), min_k C(left, k) + C(right, j−k))  (j ≥ 2)
//	C(n, 1) = area(n) + C(n, 4) with n's own node     (a leaf: 0)
//
// Opening the interior grandchild of largest area until four (the greedy
// collapse before) visited more nodes a ray.
func (node *tmpNode) setWide() {
	node.wide = 1
	if node.left == nil {
		return
	}
	l, r := node.left, node.right
	var cl, cr [3]float32 // a leaf costs nothing in any number of slots
	if l.left != nil {
		cl = l.c4
	}
	if r.left != nil {
		cr = r.c4
	}
	var d [4]float32
	bestSplits(cl[:], cr[:], d[:], node.split4[:])
	c := [4]float32{node.box.area() + d[3]}
	node.pick4[0] = 0
	for j := 2; j <= 4; j++ {
		// Ties keep fewer slots (and so the node of its own).
		if d[j-1] < c[j-2] {
			c[j-1], node.pick4[j-1] = d[j-1], int8(j)
		} else {
			c[j-1], node.pick4[j-1] = c[j-2], node.pick4[j-2]
		}
	}
	node.c4 = [3]float32(c[:3])
	kids, nk := openKids(node)
	for _, c := range kids[:nk] {
		if c.left != nil {
			node.wide += c.wide
		}
	}
}

// bestSplits is the collapse DP's step for two children that share j
// slots (j = 2..len(d)): d[j-1] is the least cl[k-1] + cr[j-k-1] over the
// left's share k, split[j-1] that k (the smallest k on ties). cl and cr
// are the children's costs in 1..len(d)-1 slots.
func bestSplits(cl, cr, d []float32, split []int8) {
	for j := 2; j <= len(d); j++ {
		best, bk := float32(math.Inf(1)), 1
		for k := 1; k < j; k++ {
			if c := cl[k-1] + cr[j-k-1]; c < best {
				best, bk = c, k
			}
		}
		d[j-1], split[j-1] = best, int8(bk)
	}
}

// buildBVH builds a binned-SAH binary BVH over the given primitive boxes
// and collapses it into a 4-wide BVH. Large subtrees are built in
// parallel; the result does not depend on scheduling.
func buildBVH(boxes []AABB) *wide {
	w := buildBVHCost(len(boxes), 1, func(i int) AABB { return boxes[i] })
	w.bin = nil // no packets, no 8-wide tree
	return w
}

// buildBVHCost is buildBVH with the boxes computed on the fly, so that a
// mesh's triangle boxes never need their own array, for primitives that
// each cost isect triangle tests (pairs of triangles cost 2): the SAH
// weighs leaves by it and keeps leaves to about bvhMaxLeaf triangles.
func buildBVHCost(n int, isect float32, boxAt func(i int) AABB) *wide {
	b := &builder{p: make([]bprim, n), isect: isect, maxLeaf: max(2, int(bvhMaxLeaf/isect))}
	var mu sync.Mutex
	box, cbox := emptyBox32(), emptyBox32()
	parallelFor(n, func(lo, hi int) {
		inf := float32(math.Inf(1))
		x0, y0, z0, x1, y1, z1 := inf, inf, inf, -inf, -inf, -inf
		cx0, cy0, cz0, cx1, cy1, cz1 := inf, inf, inf, -inf, -inf, -inf
		for i := lo; i < hi; i++ {
			bx := boxAt(i)
			p := &b.p[i]
			lx, ly, lz := down(bx.Lo.X), down(bx.Lo.Y), down(bx.Lo.Z)
			hx, hy, hz := up(bx.Hi.X), up(bx.Hi.Y), up(bx.Hi.Z)
			cx, cy, cz := (lx+hx)*0.5, (ly+hy)*0.5, (lz+hz)*0.5
			*p = bprim{lo: [3]float32{lx, ly, lz}, hi: [3]float32{hx, hy, hz}, c: [3]float32{cx, cy, cz}, id: int32(i)}
			x0, y0, z0 = min(x0, lx), min(y0, ly), min(z0, lz)
			x1, y1, z1 = max(x1, hx), max(y1, hy), max(z1, hz)
			cx0, cy0, cz0 = min(cx0, cx), min(cy0, cy), min(cz0, cz)
			cx1, cy1, cz1 = max(cx1, cx), max(cy1, cy), max(cz1, cz)
		}
		mu.Lock()
		box.grow(&[3]float32{x0, y0, z0}, &[3]float32{x1, y1, z1})
		cbox.grow(&[3]float32{cx0, cy0, cz0}, &[3]float32{cx1, cy1, cz1})
		mu.Unlock()
	})
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

// emptyBins is copied over the bins before each sweep: one block copy
// from memory that no store has just touched, where building empty boxes
// in place would stall on store forwarding.
var emptyBins = func() (bs [bvhBins]bin) {
	for i := range bs {
		bs[i].box = emptyBox32()
	}
	return bs
}()

// scratch is the memory of one build goroutine: binning space, reused by
// every node of its subtree, and a slab of tree nodes.
type scratch struct {
	bins  [bvhBins]bin
	rArea [bvhBins]float32
	rN    [bvhBins]int32
	slab  []tmpNode
}

func (sc *scratch) node() *tmpNode {
	if len(sc.slab) == 0 {
		sc.slab = make([]tmpNode, 1024)
	}
	nd := &sc.slab[0]
	sc.slab = sc.slab[1:]
	return nd
}

// build bins the primitives along the axis of largest centroid extent only
// (three times less work than binning all axes, for a few percent of tree
// quality), takes the cheapest SAH split, and partitions, computing the
// children's centroid bounds on the way.
func (b *builder) build(start, end int, box, cbox box32, sc *scratch) *tmpNode {
	n := end - start
	node := sc.node()
	node.box, node.start, node.cnt, node.wide = box, start, n, 1
	if n <= 2 {
		return node
	}
	if !cbox.Valid() {
		cbox = b.centroidBounds(start, end)
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
		node.setWide()
		return node
	}
	// Small nodes, which are most nodes, get fewer bins. Large nodes,
	// which shape the top of the tree, try every axis on a sample.
	nb := min(bvhBins, n)
	stride := 1
	if n >= bvhSampleAt {
		stride = n / bvhSamples
	}
	best := b.sweep(a, nb, start, end, stride, &cbox, sc)
	if n >= bvhAllAxesAt {
		for ax := 0; ax < 3; ax++ {
			if ax != a && cbox.hi[ax] > cbox.lo[ax] {
				if s := b.sweep(ax, nb, start, end, stride, &cbox, sc); s.cost < best.cost {
					best = s
				}
			}
		}
	}
	if n <= b.maxLeaf {
		area := box.area()
		if area <= 0 || bvhTraverseC+b.isect*best.cost/area >= b.isect*float32(n) {
			return node
		}
	}
	var i int
	var lb, rb, lc, rc box32
	if stride == 1 {
		lb, rb = best.l, best.r
		i, lc, rc = b.partition(start, end, &best, false)
	} else {
		i, lb, rb = b.partition(start, end, &best, true)
		lc, rc = emptyBox32(), emptyBox32()
	}
	node.axis = best.axis
	node.cnt = 0
	if n >= bvhParallelAt {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			node.left = b.build(start, i, lb, lc, &scratch{})
		}()
		node.right = b.build(i, end, rb, rc, sc)
		wg.Wait()
	} else {
		node.left = b.build(start, i, lb, lc, sc)
		node.right = b.build(i, end, rb, rc, sc)
	}
	node.setWide()
	return node
}

// binOf maps a centroid coordinate to its bin under split s.
func (s *split) binOf(c float32) int {
	j := int((c - s.base) * s.scale)
	if j >= s.nb {
		return s.nb - 1
	}
	if j < 0 {
		return 0
	}
	return j
}

// partition moves the primitives of [start, end) that fall left of split s
// to the front and returns where the right side begins, with the bounds of
// both sides: of the centroids, or with bounds set of the primitives (for
// a split found on a sample, whose bins only estimate them; the children
// then compute their centroid bounds themselves). The bounds live in scalar
// locals, which the compiler keeps in registers; box32's arrays would stay
// in memory.
func (b *builder) partition(start, end int, s *split, bounds bool) (int, box32, box32) {
	inf := float32(math.Inf(1))
	lx0, ly0, lz0, lx1, ly1, lz1 := inf, inf, inf, -inf, -inf, -inf
	rx0, ry0, rz0, rx1, ry1, rz1 := inf, inf, inf, -inf, -inf, -inf
	a := s.axis
	i, j := start, end-1
	for i <= j {
		p := &b.p[i]
		lo, hi := &p.c, &p.c
		if bounds {
			lo, hi = &p.lo, &p.hi
		}
		if s.binOf(p.c[a]) <= s.bin {
			lx0, ly0, lz0 = min(lx0, lo[0]), min(ly0, lo[1]), min(lz0, lo[2])
			lx1, ly1, lz1 = max(lx1, hi[0]), max(ly1, hi[1]), max(lz1, hi[2])
			i++
		} else {
			rx0, ry0, rz0 = min(rx0, lo[0]), min(ry0, lo[1]), min(rz0, lo[2])
			rx1, ry1, rz1 = max(rx1, hi[0]), max(ry1, hi[1]), max(rz1, hi[2])
			b.p[i], b.p[j] = b.p[j], b.p[i]
			j--
		}
	}
	return i, box32{[3]float32{lx0, ly0, lz0}, [3]float32{lx1, ly1, lz1}},
		box32{[3]float32{rx0, ry0, rz0}, [3]float32{rx1, ry1, rz1}}
}

// centroidBounds bounds the centroids of [start, end), or of a strided
// sample of them for nodes that will bin a sample anyway (binning clamps
// the centroids outside it into the end bins).
func (b *builder) centroidBounds(start, end int) box32 {
	stride := 1
	if n := end - start; n >= bvhSampleAt {
		stride = n / bvhSamples
	}
	inf := float32(math.Inf(1))
	x0, y0, z0, x1, y1, z1 := inf, inf, inf, -inf, -inf, -inf
	for i := start; i < end; i += stride {
		c := &b.p[i].c
		x0, y0, z0 = min(x0, c[0]), min(y0, c[1]), min(z0, c[2])
		x1, y1, z1 = max(x1, c[0]), max(y1, c[1]), max(z1, c[2])
	}
	return box32{[3]float32{x0, y0, z0}, [3]float32{x1, y1, z1}}
}

// split is the best binned split found along one axis.
type split struct {
	axis, nb    int
	cost        float32
	bin         int
	l, r        box32
	base, scale float32
}

// area6 is box32.area over scalars.
func area6(x0, y0, z0, x1, y1, z1 float32) float32 {
	dx, dy, dz := x1-x0, y1-y0, z1-z0
	if dx < 0 {
		return 0
	}
	return 2 * (dx*dy + dy*dz + dz*dx)
}

// sweep bins every stride-th primitive of [start, end) along axis a into
// nb bins and returns the cheapest SAH split (cost +Inf when none
// separates them).
func (b *builder) sweep(a, nb, start, end, stride int, cbox *box32, sc *scratch) split {
	bins := &sc.bins
	copy(bins[:nb], emptyBins[:nb])
	sp := split{axis: a, nb: nb, cost: float32(math.Inf(1)), bin: -1, base: cbox.lo[a]}
	sp.scale = float32(nb) * (1 - 1e-6) / (cbox.hi[a] - cbox.lo[a])
	for i := start; i < end; i += stride {
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
	// Right to left: the area and count of bins [i, nb), accumulated in
	// scalars (registers) rather than a box32 (memory).
	inf := float32(math.Inf(1))
	x0, y0, z0, x1, y1, z1 := inf, inf, inf, -inf, -inf, -inf
	var cnt int32
	for i := nb - 1; i > 0; i-- {
		bx := &bins[i].box
		x0, y0, z0 = min(x0, bx.lo[0]), min(y0, bx.lo[1]), min(z0, bx.lo[2])
		x1, y1, z1 = max(x1, bx.hi[0]), max(y1, bx.hi[1]), max(z1, bx.hi[2])
		cnt += bins[i].n
		sc.rArea[i], sc.rN[i] = area6(x0, y0, z0, x1, y1, z1), cnt
	}
	x0, y0, z0, x1, y1, z1 = inf, inf, inf, -inf, -inf, -inf
	cnt = 0
	for i := 0; i < nb-1; i++ {
		bx := &bins[i].box
		x0, y0, z0 = min(x0, bx.lo[0]), min(y0, bx.lo[1]), min(z0, bx.lo[2])
		x1, y1, z1 = max(x1, bx.hi[0]), max(y1, bx.hi[1]), max(z1, bx.hi[2])
		cnt += bins[i].n
		if cnt == 0 || sc.rN[i+1] == 0 {
			continue
		}
		c := area6(x0, y0, z0, x1, y1, z1)*float32(cnt) + sc.rArea[i+1]*float32(sc.rN[i+1])
		if c < sp.cost {
			sp.cost, sp.bin = c, i
		}
	}
	if sp.bin >= 0 {
		sp.l, sp.r = emptyBox32(), emptyBox32()
		for i := 0; i < nb; i++ {
			if i <= sp.bin {
				sp.l.grow(&bins[i].box.lo, &bins[i].box.hi)
			} else {
				sp.r.grow(&bins[i].box.lo, &bins[i].box.hi)
			}
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

// rayBox holds what the box test needs of a ray: t = (p − o)·inv per axis.
// Subtracting first bounds the rounding error by a few ulps of t itself
// (Ize 2013, "Robust BVH Ray Traversal", JCGT 2(2)); p·inv − o·inv
// cancels, and its error, relative to p·inv, culled boxes that a ray
// grazes at a vertex. As in Ize's paper, the far planes use the inverse
// scaled up by boxSlack (fx, fy, fz), and tMax is scaled alike, so that
// the comparison of entry and exit needs no arithmetic of its own.
type rayBox struct {
	ix, iy, iz float64 // 1/d
	ox, oy, oz float64 // o
	nx, ny, nz int     // 0 when the lo plane is entered first, else 1
	fx, fy, fz float64 // (1/d)·boxSlack, for the far planes
	// near and far are the byte offsets in a bvh4Node of the rows of
	// entry and exit planes per axis, for the assembly.
	near, far [3]int
	// pfNodes and pfPacks are the addresses of the tree's first node and
	// first triangle packet (0 for none), from which the assembly box test
	// prefetches the nodes and packets of the children hit.
	pfNodes, pfPacks uintptr
}

// boxSlack widens every box test's exit distance by 1e-13 relative, far
// more than the few ulps (about 1e-15) of rounding error in its entry and
// exit distances, so that no box a ray touches is culled (Ize 2013 scales
// by 1 + 2γ(3) in the arithmetic of the boxes; ours are converted from
// float32 and computed in float64).
const boxSlack = 1.0000000000001

// inverseDir returns 1/d per axis. A zero component would give o·∞ = NaN
// for o = 0; it is replaced by a tiny one, whose huge but finite distances
// mean the same.
func inverseDir(d Vec3) (float64, float64, float64) {
	if d.X == 0 {
		d.X = 1e-20
	}
	if d.Y == 0 {
		d.Y = 1e-20
	}
	if d.Z == 0 {
		d.Z = 1e-20
	}
	return 1 / d.X, 1 / d.Y, 1 / d.Z
}

func newRayBox(o, d Vec3) rayBox {
	ix, iy, iz := inverseDir(d)
	r := rayBox{ix: ix, iy: iy, iz: iz, ox: o.X, oy: o.Y, oz: o.Z,
		fx: ix * boxSlack, fy: iy * boxSlack, fz: iz * boxSlack}
	if ix < 0 {
		r.nx = 1
	}
	if iy < 0 {
		r.ny = 1
	}
	if iz < 0 {
		r.nz = 1
	}
	// b[lohi][axis] rows of 4 float32: 48 bytes a lohi, 16 an axis.
	r.near = [3]int{48 * r.nx, 48*r.ny + 16, 48*r.nz + 32}
	r.far = [3]int{48 - 48*r.nx, 64 - 48*r.ny, 80 - 48*r.nz}
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

package render

import (
	"math"
	"math/bits"
	"sync"
	"unsafe"
)

// With AVX, a BLAS is traversed through an 8-wide tree (nodes8) with a
// float32 box test of the eight children in one register (hit8), as
// Embree's BVH8 does; Ylitie, Karras, Laine 2017 ("Efficient incoherent
// ray traversal on GPUs through compressed wide BVHs") collapse the binary
// SAH tree into 8-wide nodes likewise. It is collapsed from the finished
// 4-wide tree, whose leaves and packets it shares. Against the 4-wide
// float64 test (BenchmarkTraversalPrevAB, one process): shadow rays
// 0.73-0.94 of the CPU, closest hits 0.95-1.04; the Go box test has no
// such gain (eight lanes one by one), so without AVX (and under purego)
// there is no 8-wide tree and traversal stays 4-wide. The 4-wide nodes are
// kept: rays that float32 cannot carry take them (newRayBox8).
//
// The box test computes in float32 from the ray's origin rounded to
// float32, and stays conservative (never culls a box the ray meets) by
// widening the interval at the end: entry·(1−2⁻²⁰) − e ≤ exit·(1+2⁻²⁰) + e,
// where 2⁻²⁰ bounds the relative rounding of (plane − o)·(1/d) in float32
// (three roundings, 3·2⁻²⁴, and the rounding of tMax to float32) with room
// for the final operations, and e is twice the largest |o − float32(o)|·|1/d|
// over the axes (how far rounding the origin moves a plane's distance),
// plus 1e-30 (never zero, so ±0 entries give the same bits in Go and
// assembly). Signs are exact (the rounded difference plane − o keeps its
// sign), so a box behind the ray stays behind. The entry distance stored
// is that lower bound, so culling popped nodes by it is safe too. Ize
// 2013 ("Robust BVH Ray Traversal", JCGT 2(2)) makes the same argument
// with the factor 1 + 2γ(3) on the exit distances.

// bvh8Node is eight children: box rows at 32·axis (lo) and 96 + 32·axis
// (hi), child at 192, count at 224, leaf at 240; 256 bytes.
type bvh8Node struct {
	b     [2][3][8]float32
	child [8]int32
	count [8]int16 // as bvh4Node: <0 empty, >0 leaf, 0 interior
	leaf  uint8
	_     [15]byte
}

// rayBox8 is the ray prepared for hit8: offsets fixed for the assembly
// (ox oy oz ix iy iz e at 0..24, near at 32, far at 56, pfNodes pfPacks
// at 80 88).
type rayBox8 struct {
	ox, oy, oz float32
	ix, iy, iz float32
	e          float32
	_          float32
	// near and far are the byte offsets of the rows of entry and exit
	// planes per axis.
	near, far [3]int
	// pfNodes, pfPacks: the first node and first packet, for prefetching.
	pfNodes, pfPacks uintptr
}

const (
	box8Lo = 1 - 1.0/(1<<20)
	box8Hi = 1 + 1.0/(1<<20)
)

// newRayBox8 prepares o, d; ok is false when float32 cannot carry the ray
// (a huge origin or an inverse direction outside float32's normal range):
// those rays take the 4-wide tree.
// The assembly traversals (trav8_amd64.s) repeat these operations in
// their prologue: a change here must be made there too
// (TestTrav8AsmMatchesGo catches a difference).
func newRayBox8(o, d Vec3) (r rayBox8, ok bool) {
	ix, iy, iz := inverseDir(d)
	ax, ay, az := math.Abs(ix), math.Abs(iy), math.Abs(iz)
	// Each bound on its own, not through the built-in max and min (which
	// branch for NaN and signed zeros): the same answer, NaN failing a
	// comparison either way.
	if !(ax < 1e30 && ay < 1e30 && az < 1e30 && ax > 1e-30 && ay > 1e-30 && az > 1e-30 &&
		math.Abs(o.X) < 1e30 && math.Abs(o.Y) < 1e30 && math.Abs(o.Z) < 1e30) {
		return r, false
	}
	r.ox, r.oy, r.oz = float32(o.X), float32(o.Y), float32(o.Z)
	r.ix, r.iy, r.iz = float32(ix), float32(iy), float32(iz)
	// Twice the shift, so that rounding e to float32 (down by at most
	// 2⁻²⁴ relative) still leaves at least the shift.
	// The shifts are finite and not negative (no NaN, no -0): plain
	// comparisons give max's answer.
	e := math.Abs(o.X-float64(r.ox)) * ax
	if ey := math.Abs(o.Y-float64(r.oy)) * ay; ey > e {
		e = ey
	}
	if ez := math.Abs(o.Z-float64(r.oz)) * az; ez > e {
		e = ez
	}
	r.e = float32(2*e + 1e-30)
	nx, ny, nz := 0, 0, 0
	if ix < 0 {
		nx = 96
	}
	if iy < 0 {
		ny = 96
	}
	if iz < 0 {
		nz = 96
	}
	r.near = [3]int{nx, ny + 32, nz + 64}
	r.far = [3]int{96 - nx, 128 - ny, 160 - nz}
	return r, true
}

// tMax32 is tMax in float32: rounded to nearest, it may lose 2⁻²⁴
// relative, which the exit's factor 1 + 2⁻²⁰ covers.
func tMax32(t float64) float32 { return float32(t) }

// hit8Go is the box test of the eight children of n (hit8 in assembly is
// bit-identical): a mask of the children hit and lower bounds of their
// entry distances in t.
func hit8Go(n *bvh8Node, r *rayBox8, tMax float32, t *[8]float32) int {
	// The offsets are those of rows of n.b (newRayBox8).
	row := func(off int) *[8]float32 { return (*[8]float32)(unsafe.Add(unsafe.Pointer(&n.b), off)) }
	nearX, farX := row(r.near[0]), row(r.far[0])
	nearY, farY := row(r.near[1]), row(r.far[1])
	nearZ, farZ := row(r.near[2]), row(r.far[2])
	ox, oy, oz, ix, iy, iz, e := r.ox, r.oy, r.oz, r.ix, r.iy, r.iz, r.e
	mask := 0
	for k := range 8 {
		t0 := max(max(float32(nearX[k]-ox)*ix, float32(nearY[k]-oy)*iy), max(float32(nearZ[k]-oz)*iz, 0))
		t1 := min(min(float32(farX[k]-ox)*ix, float32(farY[k]-oy)*iy), min(float32(farZ[k]-oz)*iz, tMax))
		lo := float32(t0*box8Lo) - e
		hi := float32(t1*box8Hi) + e
		t[k] = lo
		if lo <= hi {
			mask |= 1 << k
		}
	}
	return mask
}

// collapse8 builds the 8-wide tree from the binary SAH tree w.bin (after
// buildPacks: the 4-wide leaves, which are the binary tree's leaves, index
// packet slots, and a binary leaf's ref finds its 4-wide place). Which
// binary nodes become 8-wide nodes is chosen by Ylitie, Karras, Laine
// 2017 ("Efficient incoherent ray traversal on GPUs through compressed
// wide BVHs", section 4.1): a dynamic program over the binary tree finds
// the collapse of least SAH cost. The leaves are the binary tree's (their
// packets are laid out already), so their cost is the same in every
// collapse and the cost is the summed surface area of the 8-wide nodes:
// the expected number of nodes a ray visits. For node n and j slots,
//
//	C(n, j) = min(C(n, j−1), min_k C(left, k) + C(right, j−k))  (j ≥ 2)
//	C(n, 1) = area(n) + C(n, 8) with n's own node     (a leaf: 0)
//
// Collapsed from the 4-wide tree instead, a node could only open a 4-wide
// child whose children still fit (4.8 children a node on spheres);
// opening the binary child of largest area until eight (Embree's
// BVHBuilderBinnedSAH with branchingFactor 8) visited fewer nodes a ray,
// but left many small nodes at the bottom. Nodes are in depth-first
// order; the first pass (costs and subtree sizes, tmpNode.n8) lets the
// second write them in place, and both run the top levels' subtrees on
// their own goroutines (the 1M-triangle mesh's first pixel).
func collapse8(w *wide) []bvh8Node {
	var empty bvh8Node
	for k := range 8 {
		for a := range 3 {
			empty.b[0][a][k] = float32(math.Inf(1))
			empty.b[1][a][k] = float32(math.Inf(-1))
		}
		empty.count[k] = -1
	}
	root := w.bin
	w.bin = nil // not needed after this
	if root == nil || root.left == nil {
		// A single leaf, or no triangles (buildBVHCost's one empty node,
		// no binary tree): one node whose first child is the 4-wide
		// root's first child.
		nd := empty
		n4 := &w.nodes[0]
		if n4.count[0] > 0 {
			for a := range 3 {
				nd.b[0][a][0], nd.b[1][a][0] = n4.b[0][a][0], n4.b[1][a][0]
			}
			nd.child[0], nd.count[0], nd.leaf = n4.child[0], n4.count[0], 1
		}
		return []bvh8Node{nd}
	}
	const spawnDepth = 3 // up to 14 goroutines
	// The program's records live in slabs, one per goroutine, rather than
	// in every tmpNode (which the binned build writes by the million).
	var cost func(t *tmpNode, depth int, slab *[]dp8)
	cost = func(t *tmpNode, depth int, slab *[]dp8) {
		l, r := t.left, t.right
		if l.left != nil && r.left != nil && depth < spawnDepth {
			var wg sync.WaitGroup
			wg.Go(func() {
				var own []dp8
				cost(l, depth+1, &own)
			})
			cost(r, depth+1, slab)
			wg.Wait()
		} else {
			if l.left != nil {
				cost(l, depth+1, slab)
			}
			if r.left != nil {
				cost(r, depth+1, slab)
			}
		}
		if len(*slab) == 0 {
			*slab = make([]dp8, 1024)
		}
		t.dp = &(*slab)[0]
		*slab = (*slab)[1:]
		cost8(t)
	}
	var slab []dp8
	cost(root, 0, &slab)
	out := make([]bvh8Node, root.dp.nn[0])
	adviseHugePages(out)
	var build func(t *tmpNode, idx int32, depth int)
	build = func(t *tmpNode, idx int32, depth int) {
		var kids [8]*tmpNode
		nk := gather8(t.left, t.right, t.dp.split8[7], 8, kids[:0])
		nd := &out[idx]
		*nd = empty
		next := idx + 1
		var wg sync.WaitGroup
		for i, c := range kids[:nk] {
			for a := range 3 {
				nd.b[0][a][i], nd.b[1][a][i] = c.box.lo[a], c.box.hi[a]
			}
			if c.left == nil {
				// The binary tree's leaves are never empty below the root.
				n4 := &w.nodes[c.ref>>2]
				nd.child[i], nd.count[i] = n4.child[c.ref&3], n4.count[c.ref&3]
				nd.leaf |= 1 << i
				continue
			}
			nd.child[i], nd.count[i] = next, 0
			at := next
			if depth < spawnDepth && c.dp.nn[0] >= 64 {
				wg.Go(func() { build(c, at, depth+1) })
			} else {
				build(c, at, depth+1)
			}
			next += c.dp.nn[0]
		}
		wg.Wait()
	}
	build(root, 0, 0)
	return out
}

// dp8 is collapse8's record of an interior binary node: c8[j-1] is the
// least cost (summed area of 8-wide nodes) of its subtree held in at most
// j slots of its parent's 8-wide node, pick8[j-1] how (0: as one node of
// its own, else the children share pick8[j-1] slots, the left
// split8[pick8[j-1]-1] of them), making nn[j-1] 8-wide nodes (nn[0]:
// the size of the subtree of its own node).
type dp8 struct {
	c8            [8]float32
	nn            [8]int32
	pick8, split8 [8]int8
}

// cost8 fills t.dp from its children's.
func cost8(t *tmpNode) {
	// A leaf costs nothing and makes no node in any number of slots.
	var cl, cr [8]float32
	var nl, nr [8]int32
	if t.left.left != nil {
		cl, nl = t.left.dp.c8, t.left.dp.nn
	}
	if t.right.left != nil {
		cr, nr = t.right.dp.c8, t.right.dp.nn
	}
	dp := t.dp
	var d [8]float32
	bestSplits(cl[:], cr[:], d[:], dp.split8[:])
	var dn [8]int32 // the 8-wide nodes the best split makes
	for j := 2; j <= 8; j++ {
		bk := int(dp.split8[j-1])
		dn[j-1] = nl[bk-1] + nr[j-bk-1]
	}
	dp.c8[0], dp.pick8[0], dp.nn[0] = t.box.area()+d[7], 0, 1+dn[7]
	for j := 2; j <= 8; j++ {
		// Ties keep fewer slots (and so the node of its own).
		if d[j-1] < dp.c8[j-2] {
			dp.c8[j-1], dp.pick8[j-1], dp.nn[j-1] = d[j-1], int8(j), dn[j-1]
		} else {
			dp.c8[j-1], dp.pick8[j-1], dp.nn[j-1] = dp.c8[j-2], dp.pick8[j-2], dp.nn[j-2]
		}
	}
}

// gather8 appends to kids the children of the node whose binary children
// l and r share j slots, k of them l's, and returns their number.
func gather8(l, r *tmpNode, k int8, j int, kids []*tmpNode) int {
	kids = appendSlots(l, int(k), kids)
	kids = appendSlots(r, j-int(k), kids)
	return len(kids)
}

// appendSlots appends the subtree t as it fills at most j slots.
func appendSlots(t *tmpNode, j int, kids []*tmpNode) []*tmpNode {
	if t.left == nil || t.dp.pick8[j-1] == 0 {
		return append(kids, t)
	}
	p := int(t.dp.pick8[j-1])
	kids = appendSlots(t.left, int(t.dp.split8[p-1]), kids)
	return appendSlots(t.right, p-int(t.dp.split8[p-1]), kids)
}

type stackEntry8 struct {
	node int32
	t    float32
}

func (w *wide) traverseTris8Go(b *blas, rb *rayBox8, o, d Vec3, tMax *float64, h *Hit) bool {
	rb.pfNodes = uintptr(unsafe.Pointer(unsafe.SliceData(w.nodes8)))
	rb.pfPacks = uintptr(unsafe.Pointer(unsafe.SliceData(b.packs)))
	tr := newWTRay(o, d)
	nodes := w.nodes8
	var th tri4Hit
	var buf [travStack]stackEntry8
	stack := buf[:0]
	ni := int32(0)
	found := false
	var ts [8]float32
	tm := tMax32(*tMax)
	for {
		n := &nodes[ni]
		mask := hit8(n, rb, tm, &ts)
		leaves := mask & int(n.leaf)
		for ; leaves != 0; leaves &= leaves - 1 {
			k := bits.TrailingZeros(uint(leaves)) & 7
			if b.leafClosest(n.child[k], int32(n.count[k]), &tr, tMax, &th, h) {
				found = true
				tm = tMax32(*tMax)
			}
		}
		inner := mask &^ int(n.leaf)
		if inner != 0 {
			k0 := bits.TrailingZeros(uint(inner)) & 7
			inner &= inner - 1
			if inner == 0 {
				if float64(ts[k0]) <= *tMax {
					ni = n.child[k0]
					continue
				}
			} else if inner&(inner-1) == 0 {
				// Two: the farther one on the stack.
				k1 := bits.TrailingZeros(uint(inner)) & 7
				if ts[k1] < ts[k0] {
					k0, k1 = k1, k0
				}
				stack = append(stack, stackEntry8{n.child[k1], ts[k1]})
				if float64(ts[k0]) <= *tMax {
					ni = n.child[k0]
					continue
				}
			} else {
				// Insertion sort by entry, the nearest next and the
				// others on the stack, farthest deepest.
				var near [8]int32
				var nearT [8]float32
				near[0], nearT[0] = n.child[k0], ts[k0]
				cnt := 1
				for ; inner != 0; inner &= inner - 1 {
					k := bits.TrailingZeros(uint(inner)) & 7
					j := cnt
					for j > 0 && nearT[(j-1)&7] > ts[k] {
						near[j&7], nearT[j&7] = near[(j-1)&7], nearT[(j-1)&7]
						j--
					}
					near[j&7], nearT[j&7] = n.child[k], ts[k]
					cnt++
				}
				for j := cnt - 1; j > 0; j-- {
					stack = append(stack, stackEntry8{near[j&7], nearT[j&7]})
				}
				if float64(nearT[0]) <= *tMax {
					ni = near[0]
					continue
				}
			}
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

func (w *wide) anyTri8Go(b *blas, rb *rayBox8, o, d Vec3, tMax float64) bool {
	rb.pfNodes = uintptr(unsafe.Pointer(unsafe.SliceData(w.nodes8)))
	rb.pfPacks = uintptr(unsafe.Pointer(unsafe.SliceData(b.packs)))
	tr := newWTRay(o, d)
	nodes := w.nodes8
	var th tri4Hit
	var buf [travStack]int32
	stack := buf[:0]
	ni := int32(0)
	var ts [8]float32
	tm := tMax32(tMax)
	for {
		n := &nodes[ni]
		mask := hit8(n, rb, tm, &ts)
		for leaves := mask & int(n.leaf); leaves != 0; leaves &= leaves - 1 {
			k := bits.TrailingZeros(uint(leaves)) & 7
			if b.leafAny(n.child[k], int32(n.count[k]), &tr, tMax, &th) {
				return true
			}
		}
		for inner := mask &^ int(n.leaf); inner != 0; inner &= inner - 1 {
			stack = append(stack, n.child[bits.TrailingZeros(uint(inner))&7])
		}
		if len(stack) == 0 {
			return false
		}
		ni = stack[len(stack)-1]
		stack = stack[:len(stack)-1]
	}
}

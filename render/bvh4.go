package render

import (
	"math"
	"math/bits"
	"sync"
	"unsafe"
)

// bvh4Node is a node of the 4-wide BVH that traversal uses: the binary
// SAH tree is collapsed so that a ray visits about half as many nodes,
// and each visit reads the four child boxes from two adjacent cache lines
// (the traversal is bound by memory latency, not arithmetic).
//
// Child k is empty when count[k] < 0, a leaf of prims [child, child+count)
// when count[k] > 0, and interior node child[k] when count[k] == 0.
type bvh4Node struct {
	b     [2][3][4]float32 // [lo, hi][axis][child]
	child [4]int32
	count [4]int16
	leaf  uint8   // bit k set: child k is a leaf (count[k] > 0)
	_     [7]byte // 128 bytes: two whole cache lines
}

// wide is a collapsed BVH.
type wide struct {
	nodes []bvh4Node
	order []int32
	box   box32
	// packs64 is the owning blas's packets widened to float64 when they
	// are small and there is no AVX, else nil (tri4.go, packs64Max).
	packs64 []tri4d
	// bin is the binary tree the nodes were collapsed from, kept (with
	// AVX) until buildPacks collapses it into nodes8, then dropped.
	bin *tmpNode
	// nodes8 is the 8-wide tree a BLAS is traversed through with AVX
	// (bvh8.go), else nil.
	nodes8 []bvh8Node
}

// collapse converts the binary tree into a 4-wide one.
func collapse(root *tmpNode, order []int32, n int) *wide {
	w := &wide{order: order, box: root.box, nodes: make([]bvh4Node, root.wide)}
	adviseHugePages(w.nodes)
	if hasAVX {
		w.bin = root
	}
	if root.left == nil {
		// A single leaf: one node whose first child is that leaf.
		nd := emptyNode
		setChild(&nd, 0, root)
		nd.child[0], nd.count[0] = int32(root.start), int16(max(root.cnt, 1))
		if root.cnt == 0 {
			nd.count[0] = -1
		} else {
			nd.leaf = 1
		}
		w.nodes[0] = nd
		return w
	}
	var wg sync.WaitGroup
	w.fill(0, 1, root, &wg)
	wg.Wait()
	return w
}

func emptyNode4() bvh4Node {
	var nd bvh4Node
	for k := 0; k < 4; k++ {
		for a := 0; a < 3; a++ {
			nd.b[0][a][k] = float32(math.Inf(1))
			nd.b[1][a][k] = float32(math.Inf(-1))
		}
		nd.count[k] = -1
	}
	return nd
}

// emptyNode is copied rather than built per node (see emptyBins).
var emptyNode = emptyNode4()

func setChild(nd *bvh4Node, k int, t *tmpNode) {
	for a := 0; a < 3; a++ {
		nd.b[0][a][k] = t.box.lo[a]
		nd.b[1][a][k] = t.box.hi[a]
	}
}

// openKids returns the up to four children of the wide node made from the
// interior binary node t, as setWide chose them.
func openKids(t *tmpNode) ([4]*tmpNode, int) {
	var kids [4]*tmpNode
	k := int(t.split4[3])
	nk := appendSlots4(t.left, k, &kids, 0)
	nk = appendSlots4(t.right, 4-k, &kids, nk)
	return kids, nk
}

// appendSlots4 puts the subtree t, as it fills at most j slots, into kids
// from nk on and returns the new count.
func appendSlots4(t *tmpNode, j int, kids *[4]*tmpNode, nk int) int {
	if t.left == nil || t.pick4[j-1] == 0 {
		kids[nk&3] = t
		return nk + 1
	}
	p := int(t.pick4[j-1])
	s := int(t.split4[p-1])
	nk = appendSlots4(t.left, s, kids, nk)
	return appendSlots4(t.right, p-s, kids, nk)
}

// collapseParallelAt is the subtree size (in wide nodes) from which
// collapse fills a subtree on its own goroutine.
const collapseParallelAt = 4096

// fill writes the wide node made from the interior binary node t at index
// at, and its descendants from index next on: depth first, each node's
// interior children adjacent, then the first child's descendants, and so
// on. Subtree sizes are known (tmpNode.wide), so large subtrees are
// filled concurrently into their own ranges.
func (w *wide) fill(at, next int, t *tmpNode, wg *sync.WaitGroup) {
	kids, nk := openKids(t)
	nd := &w.nodes[at]
	*nd = emptyNode
	var interior [4]int
	ni := 0
	for k, c := range kids[:nk] {
		setChild(nd, k, c)
		if c.left == nil {
			c.ref = int32(at<<2 | k)
			nd.child[k], nd.count[k] = int32(c.start), int16(c.cnt)
			if c.cnt > 0 {
				nd.leaf |= 1 << k
			}
		} else {
			nd.count[k] = 0
			nd.child[k] = int32(next + ni)
			interior[ni] = k
			ni++
		}
	}
	desc := next + ni
	for _, k := range interior[:ni] {
		c := kids[k]
		if c.wide >= collapseParallelAt {
			wg.Add(1)
			go func(at, next int) {
				defer wg.Done()
				w.fill(at, next, c, wg)
			}(int(nd.child[k]), desc)
		} else {
			w.fill(int(nd.child[k]), desc, c, wg)
		}
		desc += c.wide - 1
	}
}

// hit4Go tests the ray against the four child boxes of n and returns a bit
// mask of the children hit within [0, tMax) and their entry distances
// (t[k] is written for every child, meaningful where the mask is set).
// The near and far planes per axis come from the ray's direction signs
// (rayBox.nx…), so there is no per-box swap to mispredict. The exit
// distances are widened by boxSlack (rayBox.fx…, tMax·boxSlack; see
// rayBox).
//
// It is the portable path and must stay fast: min and max are grouped in
// pairs (the built-ins are commutative and associative, ±0 and NaN
// included, so the values are the same as a chain) for a shorter
// dependency chain, and the mask is built without a branch per child, whose
// outcome the CPU cannot predict.
func hit4Go(n *bvh4Node, r *rayBox, tMax float64, t *[4]float64) int {
	mask := 0
	nx, ny, nz := r.nx&1, r.ny&1, r.nz&1
	nearX, farX := &n.b[nx][0], &n.b[1-nx][0]
	nearY, farY := &n.b[ny][1], &n.b[1-ny][1]
	nearZ, farZ := &n.b[nz][2], &n.b[1-nz][2]
	ox, oy, oz, ix, iy, iz := r.ox, r.oy, r.oz, r.ix, r.iy, r.iz
	fx, fy, fz := r.fx, r.fy, r.fz
	tm := tMax * boxSlack
	for k := range 4 {
		// Empty slots hold the inverted box (lo = +∞, hi = −∞): with the
		// planes chosen by direction sign its entry distance is +∞, so it
		// is never hit and needs no test here.
		t0 := max(max((float64(nearX[k])-ox)*ix, (float64(nearY[k])-oy)*iy), max((float64(nearZ[k])-oz)*iz, 0))
		t1 := min(min((float64(farX[k])-ox)*fx, (float64(farY[k])-oy)*fy), min((float64(farZ[k])-oz)*fz, tm))
		t[k] = t0
		hit := 0
		if t0 <= t1 {
			hit = 1
		}
		mask |= hit << k
	}
	return mask
}

// prefetchFrom sets the addresses the assembly box test prefetches from
// (see rayBox); b is nil at the top level.
func (r *rayBox) prefetchFrom(w *wide, b *blas) {
	r.pfNodes = uintptr(unsafe.Pointer(unsafe.SliceData(w.nodes)))
	if b != nil {
		r.pfPacks = uintptr(unsafe.Pointer(unsafe.SliceData(b.packs)))
	}
}

// stackEntry is a node to visit with its entry distance, so that nodes
// behind a closer hit found meanwhile are skipped.
type stackEntry struct {
	node int32
	t    float64
}

// travStack is the length of the traversals' stack buffers. Go zeroes a
// local array at every call, so the buffer is sized to what rays use, not
// to the worst case: the deepest stack over 100k closest and 50k shadow
// rays (BenchmarkTraversalWork's rays) was 15 entries, 4- and 8-wide, on
// the bench scenes and the 1M-triangle mesh; a deeper one grows on the
// heap (append). [128]stackEntry8, 1 KB zeroed a closest-hit ray, was
// 3-8% of a whole render's CPU time (docs/bench/README.txt, 2026-12-06
// 03:00).
const travStack = 32

// traverseTris finds the nearest triangle hit, shrinking *tMax. The stack
// lives in a fixed array and only grows on the heap for pathological trees.
// The traversal is written out again for instances below, as Go would not
// inline a callback for the leaves.
//
// The loop works on the hit mask rather than on the four slots: the leaves
// hit (n.leaf) are tested first, so that their hits shrink tMax for the
// interior children; of those, one hit needs no ordering and no stack, two
// are ordered by one comparison, and only three or four are sorted. A
// popped node whose entry distance lies beyond the closest hit found since
// it was pushed is skipped.
func (w *wide) traverseTris(b *blas, o, d Vec3, tMax *float64, h *Hit) bool {
	// With AVX the 8-wide tree (bvh8.go); hasAVX is checked again for
	// the tests and benchmarks that turn it off after the build.
	// The assembly prepares the ray itself (one call, no ray structs
	// built here); -2: float32 cannot carry the ray, the 4-wide tree.
	if w.nodes8 != nil && hasAVX {
		switch w.closestTri8Asm(b, o, d, tMax, h) {
		case 1:
			return true
		case 0:
			return false
		case -1:
			rb8, _ := newRayBox8(o, d)
			return w.traverseTris8Go(b, &rb8, o, d, tMax, h)
		}
	}
	rb := newRayBox(o, d)
	rb.prefetchFrom(w, b)
	tr := newWTRay(o, d)
	var th tri4Hit
	var buf [travStack]stackEntry
	stack := buf[:0]
	ni := int32(0)
	found := false
	var ts [4]float64
	for {
		n := &w.nodes[ni]
		mask := hit4(n, &rb, *tMax, &ts)
		leaves := mask & int(n.leaf)
		for ; leaves != 0; leaves &= leaves - 1 {
			// Four triangles a test; lanes in order, so that ties go to
			// the first as with one triangle at a time.
			k := bits.TrailingZeros(uint(leaves)) & 3
			if b.leafClosest(n.child[k], int32(n.count[k]), &tr, tMax, &th, h) {
				found = true
			}
		}
		inner := mask &^ int(n.leaf)
		if inner != 0 {
			k0 := bits.TrailingZeros(uint(inner)) & 3
			inner &= inner - 1
			if inner == 0 {
				// One interior child: no ordering, no stack.
				if ts[k0] <= *tMax {
					ni = n.child[k0]
					continue
				}
			} else {
				k1 := bits.TrailingZeros(uint(inner)) & 3
				inner &= inner - 1
				if inner == 0 {
					// Two: the farther one on the stack.
					if ts[k1] < ts[k0] {
						k0, k1 = k1, k0
					}
					stack = append(stack, stackEntry{n.child[k1], ts[k1]})
					if ts[k0] <= *tMax {
						ni = n.child[k0]
						continue
					}
				} else {
					// Three or four: insertion sort, nearest first.
					var near [4]int32
					var nearT [4]float64
					near[0], nearT[0] = n.child[k0], ts[k0]
					cnt := 1
					if ts[k1] < nearT[0] {
						near[1], nearT[1] = near[0], nearT[0]
						near[0], nearT[0] = n.child[k1], ts[k1]
					} else {
						near[1], nearT[1] = n.child[k1], ts[k1]
					}
					cnt++
					for ; inner != 0; inner &= inner - 1 {
						k := bits.TrailingZeros(uint(inner)) & 3
						j := cnt
						for j > 0 && nearT[(j-1)&3] > ts[k] {
							near[j&3], nearT[j&3] = near[(j-1)&3], nearT[(j-1)&3]
							j--
						}
						near[j&3], nearT[j&3] = n.child[k], ts[k]
						cnt++
					}
					for j := cnt - 1; j > 0; j-- {
						stack = append(stack, stackEntry{near[j&3], nearT[j&3]})
					}
					if nearT[0] <= *tMax {
						ni = near[0]
						continue
					}
				}
			}
		}
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

// anyTri reports whether any triangle is hit before tMax: the leaves hit
// first (any hit ends the search), then the interior children in no
// particular order.
func (w *wide) anyTri(b *blas, o, d Vec3, tMax float64) bool {
	// With AVX the 8-wide tree (bvh8.go); hasAVX is checked again for
	// the tests and benchmarks that turn it off after the build.
	if w.nodes8 != nil && hasAVX {
		switch w.anyTri8Asm(b, o, d, tMax) {
		case 1:
			return true
		case 0:
			return false
		case -1:
			rb8, _ := newRayBox8(o, d)
			return w.anyTri8Go(b, &rb8, o, d, tMax)
		}
	}
	rb := newRayBox(o, d)
	rb.prefetchFrom(w, b)
	tr := newWTRay(o, d)
	var th tri4Hit
	var buf [travStack]int32
	stack := buf[:0]
	ni := int32(0)
	var ts [4]float64
	for {
		n := &w.nodes[ni]
		mask := hit4(n, &rb, tMax, &ts)
		for leaves := mask & int(n.leaf); leaves != 0; leaves &= leaves - 1 {
			k := bits.TrailingZeros(uint(leaves)) & 3
			if b.leafAny(n.child[k], int32(n.count[k]), &tr, tMax, &th) {
				return true
			}
		}
		for inner := mask &^ int(n.leaf); inner != 0; inner &= inner - 1 {
			stack = append(stack, n.child[bits.TrailingZeros(uint(inner))&3])
		}
		if len(stack) == 0 {
			return false
		}
		ni = stack[len(stack)-1]
		stack = stack[:len(stack)-1]
	}
}

// traverseInst is traverseTris for the top level over instances.
func (w *wide) traverseInst(s *Scene, r Ray, tMax *float64, h *Hit) bool {
	rb := newRayBox(r.O, r.D)
	var buf [travStack]stackEntry
	stack := buf[:0]
	ni := int32(0)
	found := false
	var ts [4]float64
	for {
		n := &w.nodes[ni]
		mask := hit4(n, &rb, *tMax, &ts)
		var near [4]int32
		var nearT [4]float64
		cnt := 0
		for k := 0; k < 4; k++ {
			if mask&(1<<k) == 0 {
				continue
			}
			if c := n.count[k]; c > 0 {
				for i := n.child[k]; i < n.child[k]+int32(c); i++ {
					id := w.order[i]
					in := &s.inst[id]
					o, d := r.O, r.D
					if !in.identity {
						o, d = in.inv.Point(o), in.inv.Dir(d)
					}
					if in.bl.intersect(o, d, tMax, h) {
						h.Inst = id
						found = true
					}
				}
				continue
			}
			j := cnt
			for j > 0 && nearT[j-1] > ts[k] {
				near[j], nearT[j] = near[j-1], nearT[j-1]
				j--
			}
			near[j], nearT[j] = n.child[k], ts[k]
			cnt++
		}
		if cnt > 0 {
			for j := cnt - 1; j > 0; j-- {
				stack = append(stack, stackEntry{near[j], nearT[j]})
			}
			if nearT[0] <= *tMax {
				ni = near[0]
				continue
			}
		}
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

// anyInst is anyTri for the top level.
func (w *wide) anyInst(s *Scene, r Ray, tMax float64) bool {
	rb := newRayBox(r.O, r.D)
	var buf [travStack]int32
	stack := buf[:0]
	ni := int32(0)
	var ts [4]float64
	for {
		n := &w.nodes[ni]
		mask := hit4(n, &rb, tMax, &ts)
		for k := 0; k < 4; k++ {
			if mask&(1<<k) == 0 {
				continue
			}
			if c := n.count[k]; c > 0 {
				for i := n.child[k]; i < n.child[k]+int32(c); i++ {
					in := &s.inst[w.order[i]]
					o, d := r.O, r.D
					if !in.identity {
						o, d = in.inv.Point(o), in.inv.Dir(d)
					}
					if in.bl.occluded(o, d, tMax) {
						return true
					}
				}
				continue
			}
			stack = append(stack, n.child[k])
		}
		if len(stack) == 0 {
			return false
		}
		ni = stack[len(stack)-1]
		stack = stack[:len(stack)-1]
	}
}

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

type slot8 struct {
	lo, hi [3]float32
	child  int32
	count  int16
}

// collapse8 builds the 8-wide tree from the finished 4-wide one (after
// buildPacks: leaves index packet slots), opening the interior child of
// largest surface area while its children fit, nodes in depth-first
// order. A first pass counts every subtree's nodes (size[4-wide root]),
// so that the second writes them in place, and both run the top levels'
// subtrees on their own goroutines (the 1M-triangle mesh's first pixel).
func collapse8(w *wide) []bvh8Node {
	var empty bvh8Node
	for k := range 8 {
		for a := range 3 {
			empty.b[0][a][k] = float32(math.Inf(1))
			empty.b[1][a][k] = float32(math.Inf(-1))
		}
		empty.count[k] = -1
	}
	// nkids[i] is the number of children of 4-wide node i, so that
	// open8 loads only the nodes it opens (a linear pass instead of a
	// random load per candidate). size is indexed by 4-wide node; each
	// is written by the one goroutine that counts it.
	nkids := make([]uint8, len(w.nodes))
	parallelFor(len(w.nodes), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			c := &w.nodes[i].count
			nkids[i] = b2u8(c[0] >= 0) + b2u8(c[1] >= 0) + b2u8(c[2] >= 0) + b2u8(c[3] >= 0)
		}
	})
	size := make([]int32, len(w.nodes))
	const spawnDepth = 2 // up to 8 + 64 goroutines
	var count func(ni int32, depth int) int32
	count = func(ni int32, depth int) int32 {
		slots, ns := w.open8(ni, nkids)
		c := int32(1)
		var wg sync.WaitGroup
		for i := range ns {
			if slots[i].count != 0 {
				continue
			}
			ch := slots[i].child
			if depth < spawnDepth {
				wg.Go(func() { count(ch, depth+1) })
			} else {
				count(ch, depth+1)
			}
		}
		wg.Wait()
		for i := range ns {
			if slots[i].count == 0 {
				c += size[slots[i].child]
			}
		}
		size[ni] = c
		return c
	}
	out := make([]bvh8Node, count(0, 0))
	adviseHugePages(out)
	var build func(ni, idx int32, depth int)
	build = func(ni, idx int32, depth int) {
		slots, ns := w.open8(ni, nkids)
		nd := &out[idx]
		*nd = empty
		next := idx + 1
		var wg sync.WaitGroup
		for i := range ns {
			s := &slots[i]
			for a := range 3 {
				nd.b[0][a][i], nd.b[1][a][i] = s.lo[a], s.hi[a]
			}
			nd.child[i], nd.count[i] = s.child, s.count
			if s.count > 0 {
				nd.leaf |= 1 << i
			}
			if s.count == 0 {
				nd.child[i] = next
				ch, at := s.child, next
				if depth < spawnDepth {
					wg.Go(func() { build(ch, at, depth+1) })
				} else {
					build(ch, at, depth+1)
				}
				next += size[s.child]
			}
		}
		wg.Wait()
	}
	build(0, 0, 0)
	return out
}

func b2u8(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// open8 returns the up to eight children of the 8-wide node made from
// 4-wide node ni, in order.
func (w *wide) open8(ni int32, nkids []uint8) (slots [8]slot8, ns int) {
	add := func(n *bvh4Node, at int) {
		var kids [4]slot8
		nk := 0
		for k := range 4 {
			if n.count[k] < 0 {
				continue
			}
			s := slot8{child: n.child[k], count: n.count[k]}
			for a := range 3 {
				s.lo[a], s.hi[a] = n.b[0][a][k], n.b[1][a][k]
			}
			kids[nk] = s
			nk++
		}
		copy(slots[at+nk:ns+nk], slots[at:ns])
		copy(slots[at:], kids[:nk])
		ns += nk
	}
	add(&w.nodes[ni], 0)
	for ns < 8 {
		best := -1
		var bestArea float32
		for i := range ns {
			s := &slots[i]
			if s.count != 0 {
				continue
			}
			if ns-1+int(nkids[s.child]) > 8 {
				continue
			}
			b := box32{lo: s.lo, hi: s.hi}
			if a := b.area(); best < 0 || a > bestArea {
				best, bestArea = i, a
			}
		}
		if best < 0 {
			break
		}
		c := slots[best].child
		copy(slots[best:ns-1], slots[best+1:ns])
		ns--
		add(&w.nodes[c], best)
	}
	return slots, ns
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
